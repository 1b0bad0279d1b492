package procfs_test

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

// Every task starts in the root cgroup: on a v2-only machine its
// /proc/<pid>/cgroup is "0::/\n"; a child inherits its parent's css_set,
// which then counts both.
func TestProcCgroupRoot(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	s, err := init.ReadFile("/proc/1/cgroup")
	require.NoError(t, err)
	require.Equal(t, "0::/\n", s)
	c := kernsimtest.Fork(t, init, 0)
	s, err = init.ReadFile(fmt.Sprintf("/proc/%d/cgroup", c.PID()))
	require.NoError(t, err)
	require.Equal(t, "0::/\n", s)
	require.Same(t, init.CgroupTask().CSSSet(), c.CgroupTask().CSSSet())
	require.Equal(t, 2, c.CgroupTask().CSSSet().NrTasks())
	_, err = init.OpenFlags("/proc/1/cgroup", task.O_WRONLY)
	require.ErrorIs(t, err, uapi.EACCES)
	require.NoError(t, c.Exit(0))
	require.Equal(t, 1, init.CgroupTask().CSSSet().NrTasks(), "cgroup_exit takes the zombie off the list")
	_, _, err = init.Wait(c.PID(), 0)
	require.NoError(t, err)
}

// With v1 hierarchies mounted (Config.Cgroup.V1), each gets its own line,
// v1 first in mount order, then cgroup2's.
func TestProcCgroupV1(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{
		cgroup.NewTestController("memory", false), cgroup.NewTestController("pids", true),
	}, V1: [][]string{{"memory"}, {"pids"}}}})
	s, err := k.Init().ReadFile("/proc/self/cgroup")
	require.NoError(t, err)
	require.Equal(t, "2:pids:/\n1:memory:/\n0::/\n", s)
}
