package task_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// clone3 (reference §4.10, kernel/fork.c copy_clone_args_from_user and
// clone3_args_valid, mainline): one row per errno branch, each on a fresh
// mainline kernel and each leaving the snapshot unchanged.
func TestClone3Errno(t *testing.T) {
	t.Parallel()
	sig := uint64(uapi.SIGCHLD)
	for _, c := range []struct {
		name  string
		args  task.Clone3Args
		setup func(t *testing.T, k *kernsim.Kernel) *task.Task // the caller (default init)
		errno uapi.Errno
		check string
	}{
		{"size above PAGE_SIZE", task.Clone3Args{Size: 4097, ExitSignal: sig}, nil, uapi.E2BIG, "copy_clone_args_from_user"},
		{"size below VER0", task.Clone3Args{Size: 63, ExitSignal: sig}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"non-zero tail", task.Clone3Args{Size: 96, Tail: []byte{0, 0, 1}, ExitSignal: sig}, nil, uapi.E2BIG, "copy_struct_from_user"},
		{"set_tid_size above MAX_PID_NS_LEVEL", task.Clone3Args{SetTID: make([]int32, 33), SetTIDSize: 33, ExitSignal: sig}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"set_tid_size without set_tid", task.Clone3Args{SetTIDSize: 1, ExitSignal: sig}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"set_tid without set_tid_size", task.Clone3Args{SetTID: []int32{5}, ExitSignal: sig}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"exit signal above _NSIG", task.Clone3Args{ExitSignal: 65}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"exit signal outside CSIGNAL", task.Clone3Args{ExitSignal: 0x100 | sig}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"cgroup above INT_MAX", task.Clone3Args{Flags: uapi.CLONE_INTO_CGROUP, Cgroup: 1 << 31, ExitSignal: sig}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"CLONE_INTO_CGROUP with a VER1 struct", task.Clone3Args{Flags: uapi.CLONE_INTO_CGROUP, Size: 80, ExitSignal: sig}, nil, uapi.EINVAL, "copy_clone_args_from_user"},
		{"unknown flag", task.Clone3Args{Flags: 1 << 40, ExitSignal: sig}, nil, uapi.EINVAL, "clone3_args_valid"},
		{"CLONE_DETACHED", task.Clone3Args{Flags: uapi.CLONE_DETACHED, ExitSignal: sig}, nil, uapi.EINVAL, "clone3_args_valid"},
		{"a signal in flags", task.Clone3Args{Flags: uapi.CloneFlags(uapi.SIGCHLD)}, nil, uapi.EINVAL, "clone3_args_valid"},
		{"CLONE_SIGHAND with CLONE_CLEAR_SIGHAND", task.Clone3Args{Flags: uapi.CLONE_SIGHAND | uapi.CLONE_VM | uapi.CLONE_CLEAR_SIGHAND, ExitSignal: sig}, nil, uapi.EINVAL, "clone3_args_valid"},
		{"CLONE_THREAD with an exit signal", task.Clone3Args{Flags: uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM, ExitSignal: sig}, nil, uapi.EINVAL, "clone3_args_valid"},
		{"CLONE_PARENT with an exit signal", task.Clone3Args{Flags: uapi.CLONE_PARENT, ExitSignal: sig}, nil, uapi.EINVAL, "clone3_args_valid"},
		{"stack size without stack", task.Clone3Args{StackSize: 4096, ExitSignal: sig}, nil, uapi.EINVAL, "clone3_stack_valid"},
		{"stack without size", task.Clone3Args{Stack: 0x1000, ExitSignal: sig}, nil, uapi.EINVAL, "clone3_stack_valid"},
		{"pidfd and parent_tid at one address", task.Clone3Args{Flags: uapi.CLONE_PIDFD | uapi.CLONE_PARENT_SETTID, Pidfd: 0x10, ParentTID: 0x10, ExitSignal: sig}, nil, uapi.EINVAL, "kernel_clone"},
		{"more set_tid entries than levels", task.Clone3Args{SetTID: []int32{300, 301}, SetTIDSize: 2, ExitSignal: sig}, nil, uapi.EINVAL, "alloc_pid"},
		{"set_tid 0", task.Clone3Args{SetTID: []int32{0}, SetTIDSize: 1, ExitSignal: sig}, nil, uapi.EINVAL, "alloc_pid"},
		{"set_tid at pid_max", task.Clone3Args{SetTID: []int32{32768}, SetTIDSize: 1, ExitSignal: sig}, nil, uapi.EINVAL, "alloc_pid"},
		{"set_tid in use", task.Clone3Args{SetTID: []int32{1}, SetTIDSize: 1, ExitSignal: sig}, nil, uapi.EEXIST, "alloc_pid"},
		{"set_tid other than 1 in a namespace without init", task.Clone3Args{Flags: uapi.CLONE_NEWPID, SetTID: []int32{5}, SetTIDSize: 1, ExitSignal: sig}, nil, uapi.EINVAL, "alloc_pid"},
		{"set_tid without CAP_CHECKPOINT_RESTORE", task.Clone3Args{SetTID: []int32{300}, SetTIDSize: 1, ExitSignal: sig},
			func(t *testing.T, k *kernsim.Kernel) *task.Task { return kernsimtest.User(t, k.Init(), 1000) }, uapi.EPERM, "checkpoint_restore_ns_capable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
			caller := k.Init()
			if c.setup != nil {
				caller = c.setup(t, k)
			}
			before := k.Snapshot()
			child, pidfd, err := caller.Clone3(c.args)
			require.ErrorIs(t, err, c.errno)
			require.Nil(t, child)
			require.Equal(t, -1, pidfd)
			var e *uapi.Error
			require.True(t, errors.As(err, &e))
			require.Equal(t, c.check, e.Check)
			require.Equal(t, before, k.Snapshot())
		})
	}
}

// clone3 in 4.19 does not exist; in mainline it forks like clone, with a
// pidfd on request and chosen pid numbers per level.
func TestClone3(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	before := k.Snapshot()
	_, _, err := k.Init().Clone3(task.Clone3Args{ExitSignal: uint64(uapi.SIGCHLD)})
	require.ErrorIs(t, err, uapi.ENOSYS)
	require.Equal(t, before, k.Snapshot())

	m := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
	init := m.Init()
	// A larger struct whose extra bytes are zero is accepted.
	c, pidfd, err := init.Clone3(task.Clone3Args{Size: 128, Tail: make([]byte, 40), ExitSignal: uint64(uapi.SIGCHLD), Flags: uapi.CLONE_PIDFD, Pidfd: 0x10})
	require.NoError(t, err)
	require.GreaterOrEqual(t, pidfd, 0)
	f := init.File(pidfd)
	require.NotNil(t, f)
	require.Same(t, c, f.PidfdTask())
	require.NoError(t, c.Exit(7))
	_, status, err := init.Wait(c.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, 7<<8, status)
	require.Nil(t, init.File(pidfd).PidfdTask(), "the pidfd outlives its reaped task")
	require.NoError(t, init.Close(pidfd))

	// set_tid: pid 1 in a new pid namespace and 500 in the initial one.
	n, _, err := init.Clone3(task.Clone3Args{Flags: uapi.CLONE_NEWPID, SetTID: []int32{1, 500}, SetTIDSize: 2, ExitSignal: uint64(uapi.SIGCHLD)})
	require.NoError(t, err)
	require.Equal(t, int32(500), n.PID())
	require.Equal(t, int32(1), n.PidIn(n.ActivePidNS()))
	// Inside, a chosen number works now that the namespace has an init.
	g, _, err := n.Clone3(task.Clone3Args{SetTID: []int32{42}, SetTIDSize: 1, ExitSignal: uint64(uapi.SIGCHLD)})
	require.NoError(t, err)
	require.Equal(t, int32(42), g.PidIn(n.ActivePidNS()))
	require.NoError(t, m.Check())
}

// pidfd_open (mainline 5.3): errnos, and a pidfd naming a thread with
// PIDFD_THREAD (6.9).
func TestPidfdOpen(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	_, err := k.Init().PidfdOpen(1, 0)
	require.ErrorIs(t, err, uapi.ENOSYS)

	m := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
	init := m.Init()
	c := kernsimtest.Fork(t, init, 0)
	th, err := c.Clone(task.CloneArgs{Flags: uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM})
	require.NoError(t, err)
	for _, row := range []struct {
		name  string
		pid   int32
		flags uint32
		errno uapi.Errno
	}{
		{"unknown flag", c.PID(), 1, uapi.EINVAL},
		{"pid 0", 0, 0, uapi.EINVAL},
		{"negative pid", -1, 0, uapi.EINVAL},
		{"no such process", 4000, 0, uapi.ESRCH},
		{"a thread without PIDFD_THREAD", th.PID(), 0, uapi.EINVAL},
	} {
		before := m.Snapshot()
		_, err := init.PidfdOpen(row.pid, row.flags)
		require.ErrorIs(t, err, row.errno, row.name)
		require.Equal(t, before, m.Snapshot(), row.name)
	}
	fd, err := init.PidfdOpen(th.PID(), task.PIDFD_THREAD)
	require.NoError(t, err)
	require.Same(t, th, init.File(fd).PidfdTask())
	require.NoError(t, init.Close(fd))
	fd, err = init.PidfdOpen(c.PID(), task.PIDFD_NONBLOCK)
	require.NoError(t, err)
	require.Same(t, c, init.File(fd).PidfdTask())

	// CLONE_PIDFD through clone(2): the descriptor arrives through Pidfd;
	// CLONE_PARENT_SETTID would share its address (EINVAL); 4.19 ignores
	// the bit.
	var pfd int
	d, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_PIDFD | uapi.CloneFlags(uapi.SIGCHLD), Pidfd: &pfd})
	require.NoError(t, err)
	require.Same(t, d, init.File(pfd).PidfdTask())
	before := m.Snapshot()
	_, err = init.Clone(task.CloneArgs{Flags: uapi.CLONE_PIDFD | uapi.CLONE_PARENT_SETTID | uapi.CloneFlags(uapi.SIGCHLD)})
	require.ErrorIs(t, err, uapi.EINVAL)
	_, err = init.Clone(task.CloneArgs{Flags: uapi.CLONE_PIDFD | uapi.CLONE_DETACHED | uapi.CloneFlags(uapi.SIGCHLD)})
	require.ErrorIs(t, err, uapi.EINVAL)
	require.Equal(t, before, m.Snapshot())
	old, err := k.Init().Clone(task.CloneArgs{Flags: uapi.CLONE_PIDFD | uapi.CloneFlags(uapi.SIGCHLD), Pidfd: &pfd})
	require.NoError(t, err)
	require.Empty(t, k.Init().Fds(), "4.19: no pidfd")
	_ = old
	require.NoError(t, m.Check())
}
