package kernsim_test

import (
	"errors"
	"fmt"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Boot builds the machine as start_kernel leaves it: init (pid 1) in
// init_nsproxy, whose count is 2 (the idle task and init), with the initial
// namespaces' fixed inode numbers (include/linux/proc_ns.h) — except the
// mount and net namespaces, which 4.19 numbers dynamically from
// PROC_DYNAMIC_FIRST (0xF0000000 = 4026531840).
func ExampleBoot() {
	k, err := kernsim.Boot(kernsim.Config{})
	if err != nil {
		panic(err)
	}
	init := k.Init()
	u, _ := init.Uname()
	fmt.Println(init.PID(), init.Comm(), u.Sysname, u.Nodename, u.Release)
	fmt.Println("init_nsproxy count:", init.NSProxy().Count(), init.NSProxy().IsInit())
	for _, ns := range []string{"uts", "user", "ipc", "pid", "cgroup", "mnt", "net"} {
		link, _ := init.Readlink("/proc/self/ns/" + ns)
		fmt.Println(link)
	}
	k.PowerOff()
	fmt.Println("leaks:", k.Leaks())
	// Output:
	// 1 init Linux (none) 4.19.13
	// init_nsproxy count: 2 true
	// uts:[4026531838]
	// user:[4026531837]
	// ipc:[4026531839]
	// pid:[4026531836]
	// cgroup:[4026531835]
	// mnt:[4026531840]
	// net:[4026531992]
	// leaks: <nil>
}

// A failed call changes nothing: clone(CLONE_NEWUTS|CLONE_NEWNET) builds the
// child's cred, a new nsproxy, a new uts namespace, then fails in copy_net_ns
// (this kernel has no CONFIG_NET_NS) and unwinds all of it, so the snapshots
// taken before and after are equal.
func ExampleKernel_Snapshot() {
	k, _ := kernsim.Boot(kernsim.Config{})
	init := k.Init()
	before := k.Snapshot()

	// No user may own more than max_net_namespaces; with the limit at 0 the
	// clone fails in copy_net_ns after its uts namespace was made, and the
	// unwind leaves nothing behind.
	k.UserNS.SetUcountMax(k.UserNS.Init, userns.UCOUNT_NET_NAMESPACES, 0)
	_, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CLONE_NEWNET | uapi.CloneFlags(uapi.SIGCHLD)})
	fmt.Println(errors.Is(err, uapi.ENOSPC))
	fmt.Println(err)

	after := k.Snapshot()
	fmt.Println("unchanged:", before.String() == after.String())
	fmt.Println(after.Lines[0])
	fmt.Println("check:", k.Check())
	k.PowerOff()
	// Output:
	// true
	// clone: ENOSPC (No space left on device): max_net_namespaces reached (inc_net_namespaces)
	// unchanged: true
	// task 1 init parent=0 state=running nsproxy=init_nsproxy uts="(none)"/"(none)" user=4026531837 uid=0 euid=0 caps=0x3fffffffff fds=[] fsusers=1 threads=1
	// check: <nil>
}

// PowerOff kills and reaps every task and makes init leave its namespaces;
// then every dynamically allocated object must be gone. An nsfs file keeps a
// uts namespace alive after its last task exited (§14.2) until the file is
// closed — here by PowerOff.
func ExampleKernel_PowerOff() {
	k, _ := kernsim.Boot(kernsim.Config{})
	init := k.Init()
	b, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD), Comm: "b"})
	_ = b.Sethostname("box")
	fd, _ := init.Open(fmt.Sprintf("/proc/%d/ns/uts", b.PID()))
	_ = b.Exit(0)
	_, _, _ = init.Wait(b.PID(), 0)
	fmt.Println("fd", fd, "holds", init.File(fd).Namespace().NS().Link(), "count", init.File(fd).Namespace().Count())
	fmt.Println("live uts namespaces:", k.Refs().CountKind("uts_namespace"))

	k.PowerOff()
	fmt.Println("live uts namespaces:", k.Refs().CountKind("uts_namespace"))
	fmt.Println("leaks:", k.Leaks())
	fmt.Println("warnings:", len(k.Warnings()))
	_, err := init.Fork()
	fmt.Println(errors.Is(err, uapi.ESRCH))
	// Output:
	// fd 0 holds uts:[4026531993] count 1
	// live uts namespaces: 1
	// live uts namespaces: 0
	// leaks: <nil>
	// warnings: 0
	// true
}
