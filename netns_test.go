package kernsim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func linkNames(t *testing.T, p *task.Task) []string {
	t.Helper()
	links, err := p.Links()
	require.NoError(t, err)
	var out []string
	for _, l := range links {
		out = append(out, l.Name)
	}
	return out
}

// Network namespaces through tasks: a new one holds only lo; a veth pair
// spans two namespaces; /proc/<pid>/net/dev is the task's; a namespace's
// death takes its veth pair down and sends physical devices home.
func TestNetNamespaceThroughTasks(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	require.Equal(t, []string{"lo", "eth0"}, linkNames(t, init))

	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWNET)
	require.Equal(t, []string{"lo"}, linkNames(t, c))
	dev, err := c.ReadFile("/proc/self/net/dev")
	require.NoError(t, err)
	require.Equal(t, 3, strings.Count(dev, "\n"), "two header lines and lo")
	link, err := c.Readlink("/proc/net")
	require.NoError(t, err)
	require.Equal(t, "self/net", link)

	fd, err := init.Open("/proc/" + itoa(c.PID()) + "/ns/net")
	require.NoError(t, err)
	require.NoError(t, init.LinkAdd("veth", "v0", "v1", fd))
	require.Equal(t, []string{"lo", "eth0", "v0"}, linkNames(t, init))
	require.Equal(t, []string{"lo", "v1"}, linkNames(t, c))
	require.NoError(t, init.LinkSetNetNSPid("eth0", c.PID()))
	require.Equal(t, []string{"lo", "v1", "eth0"}, linkNames(t, c))
	require.NoError(t, init.Close(fd))
	require.NoError(t, k.Check())

	require.NoError(t, c.Exit(0))
	_, _, err = init.Wait(c.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, []string{"lo", "eth0"}, linkNames(t, init), "eth0 came home, the veth pair died with the namespace")
	require.Zero(t, k.Refs().CountKind("net"))
	require.NoError(t, k.Check())
}

// The errnos of the task-level rtnetlink calls and netns_install, each
// changing nothing.
func TestNetErrnosThroughTasks(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	u := kernsimtest.User(t, init, 1000)
	procFD, err := init.Open("/proc")
	require.NoError(t, err)
	utsFD, err := init.Open("/proc/self/ns/uts")
	require.NoError(t, err)
	ufd, err := u.Open("/proc/self/ns/net")
	require.NoError(t, err)
	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWNET)
	netFD, err := init.Open("/proc/" + itoa(c.PID()) + "/ns/net")
	require.NoError(t, err)
	for _, c := range []struct {
		name  string
		call  func() error
		errno uapi.Errno
	}{
		{"unprivileged add", func() error { return u.LinkAdd("veth", "a", "b", task.NoNetNS) }, uapi.EPERM},
		{"unprivileged down", func() error { return u.LinkSetDown("eth0") }, uapi.EPERM},
		{"move lo", func() error { return init.LinkSetNetNSFD("lo", netFD) }, uapi.EINVAL},
		{"move to a closed fd", func() error { return init.LinkSetNetNSFD("eth0", 77) }, uapi.EBADF},
		{"move to a directory", func() error { return init.LinkSetNetNSFD("eth0", procFD) }, uapi.EINVAL},
		{"move to a uts namespace", func() error { return init.LinkSetNetNSFD("eth0", utsFD) }, uapi.EINVAL},
		{"move to no process", func() error { return init.LinkSetNetNSPid("eth0", 4000) }, uapi.ESRCH},
		{"no such device", func() error { return init.LinkDel("nope") }, uapi.ENODEV},
		{"delete lo", func() error { return init.LinkDel("lo") }, uapi.EOPNOTSUPP},
		{"unprivileged setns", func() error { return u.Setns(ufd, uapi.CLONE_NEWNET) }, uapi.EPERM},
	} {
		before := k.Snapshot()
		require.ErrorIs(t, c.call(), c.errno, c.name)
		require.Equal(t, before, k.Snapshot(), c.name)
	}
}
