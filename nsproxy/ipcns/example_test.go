package ipcns_test

import (
	"errors"
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// copy_ipcs with CLONE_NEWIPC makes an empty namespace with its own inode
// number and the default limits; its System V objects are its own, and the
// last put destroys them.
func ExampleCopyIPCs() {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	users := userns.NewGlobals(env, 1000)
	root := new(userns.Cred)
	userns.InitCred(root, users)
	g := ipcns.NewGlobals(env, users)

	n, _ := ipcns.CopyIPCs(ctx, uapi.CLONE_NEWIPC, users.Init, g.Init)
	fmt.Println(g.Init.Link(), n.Link(), "count", n.Count())
	id, _ := ipcns.Shmget(ctx, n, root, 0x1234, 4096, ipcns.IPC_CREAT|0o600)
	fmt.Println("shmid", id)
	_, err := ipcns.Shmget(ctx, g.Init, root, 0x1234, 4096, 0)
	fmt.Println("in init_ipc_ns:", errors.Is(err, uapi.ENOENT))
	b, _ := n.SysctlRead("sem", 0, 100)
	fmt.Printf("sem %q\n", b)

	n.Put(ctx) // free_ipc_ns destroys the segment
	fmt.Println("leaks:", env.Refs.Leaks())
	// Output:
	// ipc:[4026531839] ipc:[4026531840] count 1
	// shmid 0
	// in init_ipc_ns: true
	// sem "32000\t1024000000\t500\t32000\n"
	// leaks: <nil>
}

// Ids are seq * 32768 + index. 4.19 bumps seq on every creation and takes
// the lowest free index; mainline (5.1+) takes indexes cyclically and bumps
// seq only when they wrap, so a fresh namespace hands out 0, 1, 2.
func ExampleMsgget() {
	for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		env := &ns.Env{Refs: refcount.NewDomain(fl), Trace: trace.New(), Flavour: fl}
		ctx := ns.NewCtx(env, 0)
		users := userns.NewGlobals(env, 1000)
		root := new(userns.Cred)
		userns.InitCred(root, users)
		n, _ := ipcns.CopyIPCs(ctx, uapi.CLONE_NEWIPC, users.Init, ipcns.NewGlobals(env, users).Init)
		var ids []int
		for range 3 {
			id, _ := ipcns.Msgget(ctx, n, root, ipcns.IPC_PRIVATE, 0o600)
			ids = append(ids, id)
		}
		_ = ipcns.Rmid(ctx, n, root, ipcns.MSG, ids[0])
		id, _ := ipcns.Msgget(ctx, n, root, ipcns.IPC_PRIVATE, 0o600)
		fmt.Println(fl, ids, "after removing the first:", id)
		n.Put(ctx)
	}
	// Output:
	// 4.19.13 [0 32769 65538] after removing the first: 98304
	// mainline [0 1 2] after removing the first: 3
}

// /proc/sysvipc/sem as seen from init_user_ns: the header, then one row per
// set; times print 0 in the simulator.
func ExampleNamespace_Sysvipc() {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	users := userns.NewGlobals(env, 1000)
	root := new(userns.Cred)
	userns.InitCred(root, users)
	n, _ := ipcns.CopyIPCs(ctx, uapi.CLONE_NEWIPC, users.Init, ipcns.NewGlobals(env, users).Init)
	_, _ = ipcns.Semget(ctx, n, root, 0x42, 3, ipcns.IPC_CREAT|0o640)
	fmt.Print(string(n.Sysvipc(ipcns.SEM, users.Init)))
	n.Put(ctx)
	// Output:
	//        key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime
	//         66          0   640          3     0     0     0     0          0          0
}
