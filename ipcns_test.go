package kernsim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/uapi"
)

// System V objects live in the creator's IPC namespace: a key created in one
// is ENOENT in another, /proc/sysvipc lists the reader's only, setns joins,
// the ipc sysctls are per namespace, and the objects die with the namespace.
func TestIPCNamespaceThroughTasks(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	id, err := init.Shmget(0x1234, 4096, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)

	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWIPC)
	require.NotSame(t, k.IPC.Init, c.NSProxy().IPC())
	_, err = c.Shmget(0x1234, 4096, 0)
	require.ErrorIs(t, err, uapi.ENOENT, "keys are per namespace")
	cid, err := c.Shmget(0x1234, 8192, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)
	_, err = c.Msgget(ipcns.IPC_PRIVATE, 0o600)
	require.NoError(t, err)

	rows := func(text string) int { return strings.Count(text, "\n") - 1 }
	shm, err := init.ReadFile("/proc/sysvipc/shm")
	require.NoError(t, err)
	require.Equal(t, 1, rows(shm))
	require.True(t, strings.HasPrefix(shm, ipcns.SysvipcShmHeader))
	cshm, err := c.ReadFile("/proc/sysvipc/shm")
	require.NoError(t, err)
	require.Equal(t, 1, rows(cshm))
	require.Contains(t, cshm, "8192")
	require.NotContains(t, shm, "8192")

	// The ipc sysctls are the namespace's.
	_, err = c.WriteFile("/proc/sys/kernel/shmmni", "100\n")
	require.NoError(t, err)
	v, err := c.ReadFile("/proc/sys/kernel/shmmni")
	require.NoError(t, err)
	require.Equal(t, "100\n", v)
	v, err = init.ReadFile("/proc/sys/kernel/shmmni")
	require.NoError(t, err)
	require.Equal(t, "4096\n", v)

	// setns joins: the joiner finds the child's key.
	j := kernsimtest.Fork(t, init, 0)
	fd, err := j.Open("/proc/" + itoa(c.PID()) + "/ns/ipc")
	require.NoError(t, err)
	require.NoError(t, j.Setns(fd, uapi.CLONE_NEWIPC))
	got, err := j.Shmget(0x1234, 0, 0)
	require.NoError(t, err)
	require.Equal(t, cid, got)
	require.NoError(t, j.Close(fd))
	require.NoError(t, k.Check())

	// The last user gone, the namespace and its objects are freed.
	for _, p := range []interface{ Exit(int) error }{c, j} {
		require.NoError(t, p.Exit(0))
	}
	for _, p := range []int32{c.PID(), j.PID()} {
		_, _, err := init.Wait(p, 0)
		require.NoError(t, err)
	}
	require.Zero(t, k.Refs().CountKind("ipc_namespace"))
	require.Equal(t, 1, k.Refs().CountKind("shmid_kernel"), "only init's segment is left")
	require.Zero(t, k.Refs().CountKind("msg_queue"))
	require.NoError(t, init.Shmctl(id, ipcns.IPC_RMID))
	require.NoError(t, k.Check())
}

// ipcns_install's EPERM rule and an unprivileged IPC_RMID, through the task
// API, each changing nothing.
func TestIPCErrnosThroughTasks(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	id, err := init.Semget(ipcns.IPC_PRIVATE, 4, 0o666)
	require.NoError(t, err)
	u := kernsimtest.User(t, init, 1000)
	fd, err := u.Open("/proc/self/ns/ipc")
	require.NoError(t, err)
	before := k.Snapshot()
	require.ErrorIs(t, u.Setns(fd, uapi.CLONE_NEWIPC), uapi.EPERM)
	require.ErrorIs(t, u.Semctl(id, 0, ipcns.IPC_RMID), uapi.EPERM)
	require.ErrorIs(t, u.Shmctl(12345, ipcns.IPC_RMID), uapi.EINVAL)
	_, err = u.WriteFile("/proc/sys/kernel/msgmni", "5")
	require.ErrorIs(t, err, uapi.EACCES)
	require.Equal(t, before, k.Snapshot())
	require.NoError(t, init.Semctl(id, 0, ipcns.IPC_RMID))
}

// Objects left in the initial IPC namespace go away at power-off.
func TestIPCPowerOff(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t) // its cleanup checks the leak registry after PowerOff
	_, err := k.Init().Semget(ipcns.IPC_PRIVATE, 1, 0o600)
	require.NoError(t, err)
	_, err = k.Init().Msgget(0x55, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)
}
