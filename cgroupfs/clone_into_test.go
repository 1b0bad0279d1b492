package cgroupfs_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// clone3(CLONE_INTO_CGROUP) (mainline 5.7, kernel/cgroup/cgroup.c
// cgroup_css_set_fork): the child starts in the directory's cgroup, is
// charged there by the pids controller, and each refusal changes nothing
// but the pid cursor (alloc_pid ran first).
func TestCloneIntoCgroup(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline, Cgroup: cgroup.Options{
		Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: nil}})
	init := k.Init()
	_, err := init.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", "+pids")
	require.NoError(t, err)
	for _, d := range []string{"/sys/fs/cgroup/a", "/sys/fs/cgroup/full"} {
		require.NoError(t, init.Mkdir(d, 0o755))
	}
	_, err = init.WriteFile("/sys/fs/cgroup/full/pids.max", "0")
	require.NoError(t, err)

	fd, err := init.Open("/sys/fs/cgroup/a")
	require.NoError(t, err)
	c, _, err := init.Clone3(task.Clone3Args{Flags: uapi.CLONE_INTO_CGROUP, Cgroup: uint64(fd), ExitSignal: uint64(uapi.SIGCHLD)})
	require.NoError(t, err)
	cg, err := c.ReadFile("/proc/self/cgroup")
	require.NoError(t, err)
	require.Equal(t, "0::/a\n", cg)
	cur, err := init.ReadFile("/sys/fs/cgroup/a/pids.current")
	require.NoError(t, err)
	require.Equal(t, "1\n", cur)
	procs, err := init.ReadFile("/sys/fs/cgroup/cgroup.procs")
	require.NoError(t, err)
	require.NotContains(t, strings.Fields(procs), strconv.Itoa(int(c.PID())))
	require.NoError(t, k.Check())

	fullFD, err := init.Open("/sys/fs/cgroup/full")
	require.NoError(t, err)
	procFD, err := init.Open("/proc")
	require.NoError(t, err)
	u := kernsimtest.User(t, init, 1000)
	ufd, err := u.Open("/sys/fs/cgroup/a")
	require.NoError(t, err)
	for _, row := range []struct {
		name   string
		caller *task.Task
		fd     int
		errno  uapi.Errno
	}{
		{"pids.max of the destination", init, fullFD, uapi.EAGAIN},
		{"a closed descriptor", init, 99, uapi.EBADF},
		{"not a cgroup directory", init, procFD, uapi.EBADF},
		{"no write permission on cgroup.procs", u, ufd, uapi.EACCES},
	} {
		before := withoutPidCursor(k.Snapshot())
		_, _, err := row.caller.Clone3(task.Clone3Args{Flags: uapi.CLONE_INTO_CGROUP, Cgroup: uint64(row.fd), ExitSignal: uint64(uapi.SIGCHLD)})
		require.ErrorIs(t, err, row.errno, row.name)
		require.Equal(t, before, withoutPidCursor(k.Snapshot()), row.name)
	}
	ev, err := init.ReadFile("/sys/fs/cgroup/full/pids.events")
	require.NoError(t, err)
	require.Equal(t, "max 1\n", ev, "the refusal is counted where the limit was hit")
	require.NoError(t, c.Exit(0))
	_, _, err = init.Wait(c.PID(), 0)
	require.NoError(t, err)
	require.NoError(t, k.Check())
	for _, d := range []string{"/sys/fs/cgroup/a", "/sys/fs/cgroup/full"} {
		require.NoError(t, init.Rmdir(d))
	}
}

// A v1 directory cannot be named (cgroup_get_from_file: EBADF).
func TestCloneIntoCgroupV1(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline, Cgroup: cgroup.Options{
		Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: [][]string{{"pids"}}}})
	init := k.Init()
	fd, err := init.Open("/sys/fs/cgroup/pids")
	require.NoError(t, err)
	_, _, err = init.Clone3(task.Clone3Args{Flags: uapi.CLONE_INTO_CGROUP, Cgroup: uint64(fd), ExitSignal: uint64(uapi.SIGCHLD)})
	require.ErrorIs(t, err, uapi.EBADF)
}

func withoutPidCursor(snap kernsim.Snapshot) []string {
	var out []string
	for _, l := range snap.Lines {
		if !strings.HasPrefix(l, "static init_pid_ns") {
			out = append(out, l)
		}
	}
	return out
}
