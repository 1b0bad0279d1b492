package kernsim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// 4.19 has no time namespaces: unshare(CLONE_NEWTIME) is EINVAL, the ns
// links and timens_offsets do not exist, clocks read without offsets.
func TestTimeNS419(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	before := k.Snapshot()
	require.ErrorIs(t, init.Unshare(uapi.CLONE_NEWTIME), uapi.EINVAL)
	require.Equal(t, before, k.Snapshot())
	_, err := init.Readlink("/proc/self/ns/time")
	require.ErrorIs(t, err, uapi.ENOENT)
	_, err = init.ReadFile("/proc/self/timens_offsets")
	require.ErrorIs(t, err, uapi.ENOENT)
	ls, err := init.Readdir("/proc/self/ns")
	require.NoError(t, err)
	require.Len(t, ls, 8)
	mono, err := init.ClockGettime(timens.CLOCK_MONOTONIC)
	require.NoError(t, err)
	require.Equal(t, k.Time.Clock.Monotonic(), mono)
}

// Mainline: unshare(CLONE_NEWTIME) changes time_for_children only; offsets
// written before anyone enters show in the clocks of the tasks that do (a
// fork enters, a CLONE_VM thread stays, execve enters); entering freezes.
func TestTimeNSOffsetsThroughTasks(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
	init := k.Init()
	p := kernsimtest.Fork(t, init, 0)
	require.NoError(t, p.Unshare(uapi.CLONE_NEWTIME))
	nsp := p.NSProxy()
	require.Same(t, k.Time.Init, nsp.TimeNS())
	require.NotSame(t, k.Time.Init, nsp.TimeNSForChildren())
	_, err := p.WriteFile("/proc/self/timens_offsets", "monotonic 100 0\nboottime 2 0\n")
	require.NoError(t, err)
	base, err := p.ClockGettime(timens.CLOCK_MONOTONIC)
	require.NoError(t, err)

	th, err := p.Clone(task.CloneArgs{Flags: uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM})
	require.NoError(t, err)
	require.Same(t, k.Time.Init, th.NSProxy().TimeNS(), "a CLONE_VM child keeps the parent's time namespace (≈6.1)")
	require.False(t, nsp.TimeNSForChildren().Frozen())

	c := kernsimtest.Fork(t, p, 0)
	require.Same(t, nsp.TimeNSForChildren(), c.NSProxy().TimeNS())
	require.True(t, nsp.TimeNSForChildren().Frozen())
	mono, err := c.ClockGettime(timens.CLOCK_MONOTONIC)
	require.NoError(t, err)
	require.Equal(t, base.Sec+100, mono.Sec)
	real, err := c.ClockGettime(timens.CLOCK_REALTIME)
	require.NoError(t, err)
	require.Equal(t, k.Time.Clock.Realtime(), real, "realtime is not offset")
	before := k.Snapshot()
	_, err = p.WriteFile("/proc/self/timens_offsets", "monotonic 5 0")
	require.ErrorIs(t, err, uapi.EACCES)
	require.Equal(t, before, k.Snapshot())

	// execve moves the unsharer itself in (once its thread is gone).
	require.NoError(t, th.Exit(0))
	forChildren := nsp.TimeNSForChildren()
	require.NoError(t, p.Execve("sh"))
	require.NotSame(t, nsp, p.NSProxy(), "exec_task_namespaces made a new nsproxy")
	require.Same(t, forChildren, p.NSProxy().TimeNS())
	require.NoError(t, k.Check())
}

// setns into a time namespace: EUSERS for a multi-threaded caller, EPERM
// without CAP_SYS_ADMIN, else both pointers move; a pidfd setns with
// CLONE_NEWTIME and clone3 with CLONE_NEWTIME work too.
func TestTimeNSSetnsAndClone3(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
	init := k.Init()
	c, _, err := init.Clone3(task.Clone3Args{Flags: uapi.CLONE_NEWTIME, ExitSignal: uint64(uapi.SIGCHLD)})
	require.NoError(t, err)
	tn := c.NSProxy().TimeNS()
	require.NotSame(t, k.Time.Init, tn, "clone3(CLONE_NEWTIME): the child enters the new namespace")
	require.Same(t, tn, c.NSProxy().TimeNSForChildren())
	require.True(t, tn.Frozen())

	m := kernsimtest.Fork(t, init, 0)
	_, err = m.Clone(task.CloneArgs{Flags: uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM})
	require.NoError(t, err)
	fd, err := m.Open("/proc/" + itoa(c.PID()) + "/ns/time")
	require.NoError(t, err)
	before := k.Snapshot()
	require.ErrorIs(t, m.Setns(fd, uapi.CLONE_NEWTIME), uapi.EUSERS)
	require.Equal(t, before, k.Snapshot())

	u := kernsimtest.User(t, init, 1000)
	ufd, err := u.Open("/proc/self/ns/time")
	require.NoError(t, err)
	require.ErrorIs(t, u.Setns(ufd, uapi.CLONE_NEWTIME), uapi.EPERM)

	j := kernsimtest.Fork(t, init, 0)
	pfd, err := j.PidfdOpen(c.PID(), 0)
	require.NoError(t, err)
	require.NoError(t, j.Setns(pfd, uapi.CLONE_NEWTIME))
	require.Same(t, tn, j.NSProxy().TimeNS())
	require.Same(t, tn, j.NSProxy().TimeNSForChildren())
	link, err := j.Readlink("/proc/self/ns/time_for_children")
	require.NoError(t, err)
	require.Equal(t, tn.Link(), link)
	require.NoError(t, k.Check())
}

// The 5.6–6.0 rule (Config.TimeNSStrict, reference §17): after
// unshare(CLONE_NEWTIME), a CLONE_VM or CLONE_THREAD child is EINVAL and
// execve stays; a plain fork still enters time_ns_for_children.
func TestTimeNSStrictVM(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline, TimeNSStrict: true})
	init := k.Init()
	p := kernsimtest.Fork(t, init, 0)
	require.NoError(t, p.Unshare(uapi.CLONE_NEWTIME))
	before := k.Snapshot()
	for _, f := range []uapi.CloneFlags{uapi.CLONE_VM | uapi.CloneFlags(uapi.SIGCHLD), uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM} {
		_, err := p.Clone(task.CloneArgs{Flags: f})
		require.ErrorIs(t, err, uapi.EINVAL, f.String())
		require.Equal(t, before, k.Snapshot())
	}
	forChildren := p.NSProxy().TimeNSForChildren()
	require.NoError(t, p.Execve("sh"))
	require.Same(t, k.Time.Init, p.NSProxy().TimeNS(), "no exec_task_namespaces before 6.1")
	c := kernsimtest.Fork(t, p, 0)
	require.Same(t, forChildren, c.NSProxy().TimeNS())
	require.NoError(t, k.Check())
}
