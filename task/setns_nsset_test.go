package task_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func mainline(t *testing.T) *kernsim.Kernel {
	return kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
}

// setns with a pidfd and several flags (reference §8.2, mainline 5.8): the
// caller enters the target's namespaces in one call.
func TestSetnsPidfdEntersAll(t *testing.T) {
	t.Parallel()
	k := mainline(t)
	init := k.Init()
	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWUTS|uapi.CLONE_NEWNS|uapi.CLONE_NEWPID)
	require.NoError(t, c.Sethostname("container"))
	j := kernsimtest.Fork(t, init, 0)
	fd, err := j.PidfdOpen(c.PID(), 0)
	require.NoError(t, err)
	require.NoError(t, j.Setns(fd, uapi.CLONE_NEWUTS|uapi.CLONE_NEWNS|uapi.CLONE_NEWPID))
	require.Equal(t, "container", j.Hostname())
	require.Same(t, c.NSProxy().MNT(), j.NSProxy().MNT())
	require.Same(t, c.ActivePidNS(), j.NSProxy().PIDForChildren(), "pid: the target's active namespace, for children")
	require.NotSame(t, c.ActivePidNS(), j.ActivePidNS())
	require.NoError(t, k.Check())
}

// The user namespace is installed first, so one call can enter namespaces
// owned by the target's user namespace that the caller could not enter
// alone; and any failing install leaves the caller unchanged.
func TestSetnsPidfdUserFirstAllOrNothing(t *testing.T) {
	t.Parallel()
	k := mainline(t)
	init := k.Init()
	u := kernsimtest.User(t, init, 1000)
	c := kernsimtest.Fork(t, u, uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS)
	require.NoError(t, c.Sethostname("rootless"))
	v := kernsimtest.Fork(t, u, 0)
	fd, err := v.PidfdOpen(c.PID(), 0)
	require.NoError(t, err)

	before := k.Snapshot()
	err = v.Setns(fd, uapi.CLONE_NEWUTS)
	require.ErrorIs(t, err, uapi.EPERM, "alone, the uts install sees no CAP_SYS_ADMIN")
	require.Equal(t, before, k.Snapshot())

	require.NoError(t, v.Setns(fd, uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS))
	require.Equal(t, "rootless", v.Hostname())
	require.Same(t, c.UserNS(), v.UserNS())
	require.NoError(t, k.Check())

	// All or nothing: the uts install would pass, the user one fails
	// (the target's user namespace is the caller's own).
	w := kernsimtest.Fork(t, init, 0)
	fd2, err := w.PidfdOpen(c.PID(), 0)
	require.NoError(t, err)
	d := kernsimtest.Fork(t, init, uapi.CLONE_NEWUTS)
	fd3, err := w.PidfdOpen(d.PID(), 0)
	require.NoError(t, err)
	before = k.Snapshot()
	err = w.Setns(fd3, uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS)
	require.ErrorIs(t, err, uapi.EINVAL)
	require.Equal(t, before, k.Snapshot())
	require.NoError(t, w.Close(fd2))
}

// The errnos of mainline setns (reference §8.2), each leaving everything as
// it was.
func TestSetnsPidfdErrno(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		run   func(t *testing.T, k *kernsim.Kernel) (func() error, error)
		errno uapi.Errno
	}{
		{"no flags", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			fd, err := k.Init().PidfdOpen(1, 0)
			return func() error { return k.Init().Setns(fd, 0) }, err
		}, uapi.EINVAL},
		{"a non-namespace bit", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			fd, err := k.Init().PidfdOpen(1, 0)
			return func() error { return k.Init().Setns(fd, uapi.CLONE_NEWUTS|uapi.CLONE_VM) }, err
		}, uapi.EINVAL},
		{"neither nsfs nor pidfd", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			fd, err := k.Init().Open("/proc")
			return func() error { return k.Init().Setns(fd, uapi.CLONE_NEWUTS) }, err
		}, uapi.EINVAL},
		{"nsfs with another type", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			fd, err := k.Init().Open("/proc/self/ns/uts")
			return func() error { return k.Init().Setns(fd, uapi.CLONE_NEWNS) }, err
		}, uapi.EINVAL},
		{"bad descriptor", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			return func() error { return k.Init().Setns(99, uapi.CLONE_NEWUTS) }, nil
		}, uapi.EBADF},
		{"zombie target", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			c := kernsimtest.Fork(t, k.Init(), 0)
			fd, err := k.Init().PidfdOpen(c.PID(), 0)
			require.NoError(t, c.Exit(0))
			return func() error { return k.Init().Setns(fd, uapi.CLONE_NEWUTS) }, err
		}, uapi.ESRCH},
		{"reaped target", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			c := kernsimtest.Fork(t, k.Init(), 0)
			fd, err := k.Init().PidfdOpen(c.PID(), 0)
			require.NoError(t, c.Exit(0))
			_, _, werr := k.Init().Wait(c.PID(), 0)
			require.NoError(t, werr)
			return func() error { return k.Init().Setns(fd, uapi.CLONE_NEWUTS) }, err
		}, uapi.ESRCH},
		{"no ptrace access", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			u := kernsimtest.User(t, k.Init(), 1000)
			fd, err := u.PidfdOpen(1, 0)
			return func() error { return u.Setns(fd, uapi.CLONE_NEWUTS) }, err
		}, uapi.EPERM},
		{"mount namespace alone with a shared fs_struct", func(t *testing.T, k *kernsim.Kernel) (func() error, error) {
			c := kernsimtest.Fork(t, k.Init(), uapi.CLONE_NEWNS)
			p := kernsimtest.Fork(t, k.Init(), 0)
			kernsimtest.Fork(t, p, uapi.CLONE_FS)
			fd, err := p.PidfdOpen(c.PID(), 0)
			return func() error { return p.Setns(fd, uapi.CLONE_NEWNS) }, err
		}, uapi.EINVAL},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := mainline(t)
			call, err := c.run(t, k)
			require.NoError(t, err)
			before := k.Snapshot()
			require.ErrorIs(t, call(), c.errno)
			require.Equal(t, before, k.Snapshot())
		})
	}
}

// With other flags, CLONE_NEWNS installs into a private copy of the
// fs_struct, so a caller sharing its fs_struct may enter a mount namespace
// together with another one (prepare_nsset's copy_fs_struct), but not alone.
func TestSetnsPidfdMountWithOthers(t *testing.T) {
	t.Parallel()
	k := mainline(t)
	init := k.Init()
	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWNS|uapi.CLONE_NEWUTS)
	p := kernsimtest.Fork(t, init, 0)
	kernsimtest.Fork(t, p, uapi.CLONE_FS)
	fd, err := p.PidfdOpen(c.PID(), 0)
	require.NoError(t, err)
	require.NoError(t, p.Setns(fd, uapi.CLONE_NEWNS|uapi.CLONE_NEWUTS))
	require.Same(t, c.NSProxy().MNT(), p.NSProxy().MNT())
	require.NoError(t, k.Check())
}

var _ = task.PIDFD_THREAD
