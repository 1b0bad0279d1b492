package ipcns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

func TestInitIPCNS(t *testing.T) {
	t.Parallel()
	for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		f := newFix(t, fl)
		n := f.g.Init
		assert.Equal(t, "ipc:[4026531839]", n.Link()) // PROC_IPC_INIT_INO
		assert.Equal(t, int64(1), n.Count())          // REFCOUNT_INIT(1), ipc/msgutil.c
		assert.Same(t, f.ug.Init, n.UserNS())
		assert.Equal(t, ns.Namespace(f.ug.Init), n.Owner())
		assert.Equal(t, ipcns.Limits{SemMSL: 32000, SemMNS: 1024000000, SemOPM: 500, SemMNI: 32000,
			MsgMax: 8192, MsgMNB: 16384, MsgMNI: 32000,
			ShmMax: 18446744073692774399, ShmAll: 18446744073692774399, ShmMNI: 4096}, n.Limits())
		assert.Zero(t, f.env.Refs.LiveCount(), "init_ipc_ns is static: not tracked")
		assert.Equal(t, int64(3), f.ug.Init.Count(), "init_user_ns's boot count: init_ipc_ns does not count its owner")
	}
}

func TestCopyIPCs(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	userBefore := f.ug.Init.Count()
	shared, err := ipcns.CopyIPCs(f.ctx, uapi.CLONE_NEWUTS, f.ug.Init, f.g.Init)
	require.NoError(t, err)
	assert.Same(t, f.g.Init, shared)
	assert.Equal(t, int64(2), f.g.Init.Count())
	shared.Put(f.ctx)
	assert.Equal(t, int64(1), f.g.Init.Count())

	_, err = ipcns.Msgget(f.ctx, f.g.Init, f.root, 5, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)
	n := f.newNS(t)
	assert.Equal(t, "ipc:[4026531840]", n.Link())
	assert.Equal(t, int64(1), n.Count())
	assert.Equal(t, userBefore+1, f.ug.Init.Count(), "owner reference")
	assert.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_IPC_NAMESPACES))
	assert.Empty(t, n.List(ipcns.MSG), "a new namespace starts empty")
	assert.Equal(t, f.g.Init.Limits(), n.Limits())
	assert.Equal(t, []refcount.Live{{Kind: "msg_queue", ID: "4026531839/0", Count: 1}, {Kind: "ipc_namespace", ID: "4026531840", Count: 1}}, f.env.Refs.Live())

	n.Get()
	n.Put(f.ctx)
	assert.Equal(t, int64(1), n.Count())
	n.Put(f.ctx) // free_ipc_ns
	assert.Equal(t, userBefore, f.ug.Init.Count())
	assert.Zero(t, f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_IPC_NAMESPACES))
	assert.Zero(t, f.env.Inums.InUse())
	assert.Equal(t, 1, f.env.Refs.CountKind("msg_queue"), "init's queue lives on")
	assert.Empty(t, f.env.Refs.Warnings())
	require.NoError(t, ipcns.Rmid(f.ctx, f.g.Init, f.root, ipcns.MSG, 0))
}

func TestCopyIPCsUcountLimit(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_IPC_NAMESPACES, 1)
	n := f.newNS(t)
	before := f.env.Inums.InUse()
	userCount := f.ug.Init.Count()
	_, err := ipcns.CopyIPCs(f.ctx, uapi.CLONE_NEWIPC, f.ug.Init, n)
	require.ErrorIs(t, err, uapi.ENOSPC)
	var ue *uapi.Error
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "inc_ipc_namespaces", ue.Check)
	assert.Equal(t, before, f.env.Inums.InUse(), "no inode number taken")
	assert.Equal(t, userCount, f.ug.Init.Count(), "no owner reference taken")
	assert.Equal(t, int64(1), n.Count(), "old untouched")
	n.Put(f.ctx)
	f.requireNoLeaks(t)
}

// TestFreeDestroysObjects: free_ipc_ns destroys every remaining object
// (free_ipcs for sem, msg and shm), so the leak registry ends empty.
func TestFreeDestroysObjects(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	for i := range 5 {
		_, err := ipcns.Shmget(f.ctx, n, f.root, int32(100+i), 5000, ipcns.IPC_CREAT|0o600)
		require.NoError(t, err)
		_, err = ipcns.Msgget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 0o600)
		require.NoError(t, err)
		_, err = ipcns.Semget(f.ctx, n, f.root, int32(100+i), i+1, ipcns.IPC_CREAT|0o600)
		require.NoError(t, err)
	}
	id, _ := n.Stat(ipcns.SHM, 0)
	require.NoError(t, ipcns.Rmid(f.ctx, n, f.root, ipcns.SHM, id.ID))
	assert.Equal(t, 15, f.env.Refs.LiveCount(), "14 objects and the namespace")
	used, tot := n.Usage()
	assert.Equal(t, 15, used)
	assert.Equal(t, uint64(8), tot)
	f.env.Trace.Start()
	n.Put(f.ctx)
	f.requireNoLeaks(t)
	var order []string
	for _, fn := range f.env.Trace.Names() {
		switch fn {
		case "free_ipc_ns", "sem_exit_ns", "msg_exit_ns", "shm_exit_ns", "freeary", "freeque", "shm_destroy":
			if len(order) == 0 || order[len(order)-1] != fn {
				order = append(order, fn)
			}
		}
	}
	assert.Equal(t, []string{"free_ipc_ns", "sem_exit_ns", "freeary", "msg_exit_ns", "freeque", "shm_exit_ns", "shm_destroy"}, order)
	assert.Empty(t, f.env.Refs.Warnings())
}

// TestIsolation: objects and keys belong to one namespace; another sees
// none of them (ENOENT, not listed, EINVAL for their ids) and can reuse
// the keys.
func TestIsolation(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	a, b := f.newNS(t), f.newNS(t)
	idA, err := ipcns.Shmget(f.ctx, a, f.root, 42, 100, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)
	_, err = ipcns.Msgget(f.ctx, a, f.root, 42, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)
	_, err = ipcns.Semget(f.ctx, a, f.root, 42, 1, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)

	_, err = ipcns.Shmget(f.ctx, b, f.root, 42, 100, 0)
	require.ErrorIs(t, err, uapi.ENOENT)
	_, err = ipcns.Msgget(f.ctx, b, f.root, 42, 0)
	require.ErrorIs(t, err, uapi.ENOENT)
	_, err = ipcns.Semget(f.ctx, b, f.root, 42, 1, 0)
	require.ErrorIs(t, err, uapi.ENOENT)
	_, err = ipcns.Shmget(f.ctx, f.g.Init, f.root, 42, 100, 0)
	require.ErrorIs(t, err, uapi.ENOENT, "nor the parent")
	for _, k := range []ipcns.Kind{ipcns.SEM, ipcns.MSG, ipcns.SHM} {
		assert.Empty(t, b.List(k))
		assert.Equal(t, k.Header(), string(b.Sysvipc(k, f.ug.Init)))
		assert.Len(t, a.List(k), 1)
	}
	require.ErrorIs(t, ipcns.Rmid(f.ctx, b, f.root, ipcns.SHM, idA), uapi.EINVAL)

	idB, err := ipcns.Shmget(f.ctx, b, f.root, 42, 200, ipcns.IPC_CREAT|ipcns.IPC_EXCL|0o600)
	require.NoError(t, err, "the key is free in b")
	assert.Equal(t, idA, idB, "both registries start from scratch")
	stA, _ := a.Stat(ipcns.SHM, idA)
	stB, _ := b.Stat(ipcns.SHM, idB)
	assert.Equal(t, uint64(100), stA.Size)
	assert.Equal(t, uint64(200), stB.Size)
	a.Put(f.ctx)
	_, err = ipcns.Shmget(f.ctx, b, f.root, 42, 200, 0)
	require.NoError(t, err, "freeing a leaves b alone")
	b.Put(f.ctx)
	f.requireNoLeaks(t)
}

func TestInstall(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	require.NoError(t, ipcns.Install(f.ctx, f.root, n))
	noAdmin := f.cred(t, 0, 0, f.root.CapEffective.Without(uapi.CAP_SYS_ADMIN))
	err := ipcns.Install(f.ctx, noAdmin, n)
	require.ErrorIs(t, err, uapi.EPERM)
	var ue *uapi.Error
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "ipcns_install", ue.Check)
	assert.Equal(t, int64(1), n.Count(), "the check takes no reference")

	// A namespace owned by a child user namespace: its creator (root
	// inside) may enter it, but only while it still has CAP_SYS_ADMIN in
	// its own namespace too.
	child := userns.PrepareCreds(f.ctx, f.root, nil)
	require.NoError(t, userns.CreateUserNS(f.ctx, child))
	owned, err := ipcns.CopyIPCs(f.ctx, uapi.CLONE_NEWIPC, child.UserNS(), f.g.Init)
	require.NoError(t, err)
	require.NoError(t, ipcns.Install(f.ctx, child, owned))
	require.ErrorIs(t, ipcns.Install(f.ctx, child, f.g.Init), uapi.EPERM, "no CAP_SYS_ADMIN over init_user_ns")
	owned.Put(f.ctx)
	child.Put(f.ctx)
	n.Put(f.ctx)
}
