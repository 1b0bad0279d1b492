package cgroupfs_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

const root = "/sys/fs/cgroup"

// The v2 life cycle through the file API: mkdir, move a process by writing
// cgroup.procs, read it back, populated events, EBUSY on rmdir, move back,
// rmdir.
func TestCgroupLifecycle(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	names, err := init.Readdir(root)
	require.NoError(t, err)
	require.Equal(t, []string{"cgroup.controllers", "cgroup.max.depth", "cgroup.max.descendants",
		"cgroup.procs", "cgroup.stat", "cgroup.subtree_control", "cgroup.threads"}, names)

	require.NoError(t, init.Mkdir(root+"/box", 0o755))
	err = init.Mkdir(root+"/box", 0o755)
	require.ErrorIs(t, err, uapi.EEXIST)
	names, err = init.Readdir(root + "/box")
	require.NoError(t, err)
	require.Contains(t, names, "cgroup.events")
	require.Contains(t, names, "cgroup.type")

	c := kernsimtest.Fork(t, init, 0)
	s, err := init.ReadFile(root + "/box/cgroup.events")
	require.NoError(t, err)
	require.Equal(t, "populated 0\n", s)
	_, err = init.WriteFile(root+"/box/cgroup.procs", fmt.Sprint(c.PID()))
	require.NoError(t, err)
	s, err = init.ReadFile(root + "/box/cgroup.procs")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d\n", c.PID()), s)
	s, err = init.ReadFile(root + "/box/cgroup.events")
	require.NoError(t, err)
	require.Equal(t, "populated 1\n", s)
	s, err = init.ReadFile(fmt.Sprintf("/proc/%d/cgroup", c.PID()))
	require.NoError(t, err)
	require.Equal(t, "0::/box\n", s)
	// A child forked inside inherits the cgroup.
	g := kernsimtest.Fork(t, c, 0)
	s, err = init.ReadFile(root + "/box/cgroup.procs")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d\n%d\n", c.PID(), g.PID()), s)

	before := k.Snapshot()
	require.ErrorIs(t, init.Rmdir(root+"/box"), uapi.EBUSY)
	require.Equal(t, before, k.Snapshot())

	for _, p := range []*task.Task{c, g} {
		_, err = init.WriteFile(root+"/cgroup.procs", fmt.Sprint(p.PID()))
		require.NoError(t, err)
	}
	s, err = init.ReadFile(root + "/box/cgroup.events")
	require.NoError(t, err)
	require.Equal(t, "populated 0\n", s)
	require.NoError(t, init.Rmdir(root+"/box"))
	require.ErrorIs(t, init.Rmdir(root+"/box"), uapi.ENOENT)
	s, err = init.ReadFile(root + "/cgroup.stat")
	require.NoError(t, err)
	require.Equal(t, "nr_descendants 0\nnr_dying_descendants 0\n", s)
}

func TestCgroupErrnos(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	require.NoError(t, init.Mkdir(root+"/a", 0o755))
	u := kernsimtest.User(t, init, 1000)
	for _, c := range []struct {
		name  string
		call  func() error
		errno uapi.Errno
	}{
		{"mkdir as a user", func() error { return u.Mkdir(root+"/b", 0o755) }, uapi.EACCES},
		{"rmdir as a user", func() error { return u.Rmdir(root + "/a") }, uapi.EACCES},
		{"write procs as a user", func() error { _, err := u.WriteFile(root+"/a/cgroup.procs", "1"); return err }, uapi.EACCES},
		{"mkdir in procfs", func() error { return init.Mkdir("/proc/x", 0o755) }, uapi.EPERM},
		{"mkdir under a missing parent", func() error { return init.Mkdir(root+"/nope/x", 0o755) }, uapi.ENOENT},
		{"rmdir of a file", func() error { return init.Rmdir(root + "/a/cgroup.procs") }, uapi.ENOTDIR},
		// Root opens a 0444 file for writing (CAP_DAC_OVERRIDE; cgroup
		// roots lack KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK) and the write has no
		// handler: EINVAL, as on Linux 6.18. A user cannot open it.
		{"write a read-only file", func() error { _, err := init.WriteFile(root+"/a/cgroup.events", "x"); return err }, uapi.EINVAL},
		{"write a read-only file as a user", func() error { _, err := u.WriteFile(root+"/a/cgroup.events", "x"); return err }, uapi.EACCES},
		{"procs: no such pid", func() error { _, err := init.WriteFile(root+"/a/cgroup.procs", "30000"); return err }, uapi.ESRCH},
		{"procs: not a number", func() error { _, err := init.WriteFile(root+"/a/cgroup.procs", "x"); return err }, uapi.EINVAL},
		{"subtree_control: unknown controller", func() error {
			_, err := init.WriteFile(root+"/cgroup.subtree_control", "+nope")
			return err
		}, uapi.EINVAL},
	} {
		before := k.Snapshot()
		err := c.call()
		require.ErrorIs(t, err, c.errno, c.name)
		require.Equal(t, before, k.Snapshot(), c.name)
	}
	require.NoError(t, init.Rmdir(root+"/a"))
}

// On v1, writing a thread id to tasks moves that thread only; cgroup.procs
// moves the whole thread group.
func TestV1TasksMovesOneThread(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Cgroup: cgroup.Options{
		Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: [][]string{{"pids"}}}})
	init := k.Init()
	dir := root + "/pids/x"
	require.NoError(t, init.Mkdir(dir, 0o755))
	leader := kernsimtest.Fork(t, init, 0)
	th, err := leader.Clone(task.CloneArgs{Flags: uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM})
	require.NoError(t, err)
	_, err = init.WriteFile(dir+"/tasks", fmt.Sprint(th.PID()))
	require.NoError(t, err)
	s, err := init.ReadFile(dir + "/tasks")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d\n", th.PID()), s)
	_, err = init.WriteFile(dir+"/cgroup.procs", fmt.Sprint(leader.PID()))
	require.NoError(t, err)
	s, err = init.ReadFile(dir + "/tasks")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d\n%d\n", leader.PID(), th.PID()), s)
	require.NoError(t, th.Exit(0))
	require.NoError(t, leader.Exit(0))
	_, _, err = init.Wait(leader.PID(), 0)
	require.NoError(t, err)
	require.NoError(t, init.Rmdir(dir))
}
