package task_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// The nsfs ioctls (reference §14.3), one row per outcome; every failed row
// leaves the snapshot unchanged, every new descriptor names the expected
// namespace.
func TestNSIoctl(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	u := kernsimtest.User(t, init, 1000)
	c := kernsimtest.Fork(t, u, uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS|uapi.CLONE_FILES) // shares u's fd table
	p := kernsimtest.Fork(t, init, uapi.CLONE_NEWPID)
	open := func(who *task.Task, path string) int {
		fd, err := who.Open(path)
		require.NoError(t, err, path)
		return fd
	}
	initUTS := open(init, "/proc/self/ns/uts")
	initUser := open(init, "/proc/self/ns/user")
	initPid := open(init, "/proc/self/ns/pid")
	childPid := open(init, fmt.Sprintf("/proc/%d/ns/pid", p.PID()))
	proc := open(init, "/proc")
	cUser := open(c, "/proc/self/ns/user")
	cInitUTS := open(init, fmt.Sprintf("/proc/%d/ns/uts", c.PID()))
	cUTS := open(c, "/proc/self/ns/uts")

	for _, row := range []struct {
		name   string
		who    *task.Task
		fd     int
		req    uint32
		errno  uapi.Errno
		result int    // NSTYPE and OWNER_UID
		opened string // the namespace a new descriptor names
	}{
		{"type of uts", init, initUTS, task.NS_GET_NSTYPE, 0, int(uapi.CLONE_NEWUTS), ""},
		{"type of pid", init, childPid, task.NS_GET_NSTYPE, 0, int(uapi.CLONE_NEWPID), ""},
		{"owner of init's uts", init, initUTS, task.NS_GET_USERNS, 0, 0, k.UserNS.Init.Link()},
		{"owner of init_user_ns", init, initUser, task.NS_GET_USERNS, uapi.EPERM, 0, ""},
		{"parent of init_user_ns", init, initUser, task.NS_GET_PARENT, uapi.EPERM, 0, ""},
		{"parent of a child user ns", u, cUser, task.NS_GET_PARENT, 0, 0, k.UserNS.Init.Link()},
		{"owner of c's uts seen from c", c, cUTS, task.NS_GET_USERNS, 0, 0, c.UserNS().Link()},
		{"owner of c's uts seen by init", init, cInitUTS, task.NS_GET_USERNS, 0, 0, c.UserNS().Link()},
		{"a closed descriptor", init, 99, task.NS_GET_NSTYPE, uapi.EBADF, 0, ""},
		{"parent of uts", init, initUTS, task.NS_GET_PARENT, uapi.EINVAL, 0, ""},
		{"parent of init_pid_ns", init, initPid, task.NS_GET_PARENT, uapi.EPERM, 0, ""},
		{"parent of a child pid ns", init, childPid, task.NS_GET_PARENT, 0, 0, k.PidNS.Init.Link()},
		{"owner uid of c's user ns", u, cUser, task.NS_GET_OWNER_UID, 0, 1000, ""},
		{"owner uid of uts", init, initUTS, task.NS_GET_OWNER_UID, uapi.EINVAL, 0, ""},
		{"unknown request", init, initUTS, 0xb7ff, uapi.ENOTTY, 0, ""},
		{"not a namespace file", init, proc, task.NS_GET_NSTYPE, uapi.ENOTTY, 0, ""},
	} {
		before := k.Snapshot()
		got, err := row.who.Ioctl(row.fd, row.req)
		if row.errno != 0 {
			require.ErrorIs(t, err, row.errno, row.name)
			require.Equal(t, before, k.Snapshot(), row.name)
			continue
		}
		require.NoError(t, err, row.name)
		if row.opened == "" {
			require.Equal(t, row.result, got, row.name)
			continue
		}
		require.Equal(t, row.opened, row.who.File(got).Namespace().NS().Link(), row.name)
		require.NoError(t, row.who.Close(got))
		require.NoError(t, k.Check(), row.name)
	}
	// From inside c's user namespace its own parent is out of reach.
	before := k.Snapshot()
	_, err := c.Ioctl(cUser, task.NS_GET_USERNS)
	require.ErrorIs(t, err, uapi.EPERM, "the owner (init_user_ns) is above c's user namespace")
	require.Equal(t, before, k.Snapshot())
}
