package task_test

import (
	"github.com/kernsim/kernsim/kernsimtest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func bootSig(t *testing.T) *kernsim.Kernel { return kernsimtest.Boot(t) }

var sig = uapi.CloneFlags(uapi.SIGCHLD)

// Reference §9.3: an init ignores SIGKILL from inside its namespace and dies of
// one from an ancestor, which zaps the namespace; kill resolves pids in the
// caller's namespace only.
func TestKillPidNamespaceInit(t *testing.T) {
	t.Parallel()
	k := bootSig(t)
	init := k.Init()
	_, err := init.Fork() // so the container's init has outer number 3
	require.NoError(t, err)
	cinit, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sig})
	require.NoError(t, err)
	a, err := cinit.Fork()
	require.NoError(t, err)
	require.Equal(t, int32(2), a.Getpid())

	// From inside: kill(1, SIGKILL) succeeds and changes nothing.
	before := k.Snapshot()
	require.NoError(t, a.Kill(1, uapi.SIGKILL))
	require.Equal(t, before, k.Snapshot())
	require.Equal(t, task.Running, cinit.State())

	// An outer number is not visible inside: ESRCH.
	require.Equal(t, int32(3), cinit.PID())
	require.ErrorIs(t, a.Kill(3, 0), uapi.ESRCH) // cinit's outer number means nothing inside

	// The global init never dies of a signal.
	require.NoError(t, init.Kill(1, uapi.SIGKILL))
	require.Equal(t, task.Running, init.State())

	// From the parent namespace: SIGKILL kills the container's init, whose
	// death kills everyone else there.
	require.NoError(t, init.Kill(cinit.PID(), uapi.SIGKILL))
	require.Equal(t, task.Zombie, cinit.State())
	require.NotEqual(t, task.Running, a.State())
	pid, status, err := init.Wait(cinit.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, cinit.PID(), pid)
	require.Equal(t, int(uapi.SIGKILL), status)
}

func TestKillErrnos(t *testing.T) {
	t.Parallel()
	k := bootSig(t)
	init := k.Init()
	victim, err := init.Fork()
	require.NoError(t, err)
	u, err := init.Fork()
	require.NoError(t, err)
	require.NoError(t, u.Setresuid(1000, 1000, 1000))
	for _, c := range []struct {
		name  string
		by    *task.Task
		pid   int32
		sig   uapi.Signal
		errno uapi.Errno
		check string
	}{
		{"bad signal", init, victim.PID(), 65, uapi.EINVAL, "valid_signal"},
		{"negative signal", init, victim.PID(), -1, uapi.EINVAL, "valid_signal"},
		{"no such pid", init, 30000, uapi.SIGTERM, uapi.ESRCH, "find_task_by_vpid"},
		{"other user", u, victim.PID(), uapi.SIGTERM, uapi.EPERM, "kill_ok_by_cred"},
		{"other user, probe", u, victim.PID(), 0, uapi.EPERM, "kill_ok_by_cred"},
	} {
		before := k.Snapshot()
		err := c.by.Kill(c.pid, c.sig)
		require.ErrorIs(t, err, c.errno, c.name)
		var e *uapi.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, c.check, e.Check, c.name)
		require.Equal(t, before, k.Snapshot(), c.name)
	}
	// Probe and an ignored-by-default signal change nothing; SIGTERM kills.
	require.NoError(t, init.Kill(victim.PID(), 0))
	require.NoError(t, init.Kill(victim.PID(), uapi.SIGCHLD))
	require.Equal(t, task.Running, victim.State())
	require.NoError(t, init.Kill(victim.PID(), uapi.SIGTERM))
	_, status, err := init.Wait(victim.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, int(uapi.SIGTERM), status)
	// u may signal itself (its own group) and dies.
	require.NoError(t, u.Kill(0, uapi.SIGTERM))
	require.Equal(t, task.Zombie, u.State())
	_, _, err = init.Wait(u.PID(), 0)
	require.NoError(t, err)
}

// kill(-1) signals everyone the caller's namespace numbers above 1 except the
// caller; a lone init gets ESRCH.
func TestKillAll(t *testing.T) {
	t.Parallel()
	k := bootSig(t)
	init := k.Init()
	c, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sig})
	require.NoError(t, err)
	require.ErrorIs(t, c.Kill(-1, uapi.SIGTERM), uapi.ESRCH)
	x, err := c.Fork()
	require.NoError(t, err)
	y, err := c.Fork()
	require.NoError(t, err)
	require.NoError(t, x.Kill(-1, uapi.SIGTERM)) // kills y, not x, not the init
	require.Equal(t, task.Running, x.State())
	require.Equal(t, task.Zombie, y.State())
	require.Equal(t, task.Running, c.State())
}
