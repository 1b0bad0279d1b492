package ipcns

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// TestShmRmidAttached reaches do_shm_rmid's other branch, which needs an
// attachment (shmat is not modelled, so the test sets shm_nattch itself): an
// attached segment is only marked SHM_DEST and made private; its id still
// works, its key no longer does, and /proc/sysvipc/shm shows mode 1600 and
// key 0. The last detach (shm_close → shm_destroy) is simulated the same way.
func TestShmRmidAttached(t *testing.T) {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	ug := userns.NewGlobals(env, 1000)
	root := new(userns.Cred)
	userns.InitCred(root, ug)
	g := NewGlobals(env, ug)
	n, err := CopyIPCs(ctx, uapi.CLONE_NEWIPC, ug.Init, g.Init)
	require.NoError(t, err)
	id, err := Shmget(ctx, n, root, 77, 4096, IPC_CREAT|0o600)
	require.NoError(t, err)

	ids := &n.ids[SHM]
	o := ids.obtainObjectCheck(id)
	o.shmNattch = 1 // shm_open
	require.NoError(t, Rmid(ctx, n, root, SHM, id))
	st, err := n.Stat(SHM, id)
	require.NoError(t, err, "still there")
	assert.Equal(t, uint16(SHM_DEST|0o600), st.Mode)
	assert.Equal(t, IPC_PRIVATE, st.Key)
	_, err = Shmget(ctx, n, root, 77, 1, 0)
	require.ErrorIs(t, err, uapi.ENOENT, "ipc_set_key_private")
	assert.Equal(t, SysvipcShmHeader+
		"         0          0  1600                  4096     0     0      1     0     0     0     0          0          0          0                     0                     0\n",
		string(n.Sysvipc(SHM, ug.Init)))

	// shm_close: nattch drops to 0 and shm_may_destroy (SHM_DEST) holds.
	ids.rwsem.Lock()
	o.shmNattch--
	n.shmDestroy(ctx, o)
	ids.rwsem.Unlock()
	_, err = n.Stat(SHM, id)
	require.ErrorIs(t, err, uapi.EINVAL)
	n.Put(ctx)
	require.NoError(t, env.Refs.Leaks())
}
