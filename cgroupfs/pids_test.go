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

func pidsKernel(t *testing.T, flavour kernsim.Flavour) *kernsim.Kernel {
	return kernsimtest.Boot(t, kernsim.Config{Flavour: flavour,
		Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}}})
}

// A fork bomb in a cgroup with pids.max 3 stops at three processes with
// EAGAIN; pids.current and pids.events say so; reaping makes room again.
func TestPidsForkBomb(t *testing.T) {
	t.Parallel()
	for _, f := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		k := pidsKernel(t, f)
		init := k.Init()
		_, err := init.WriteFile(root+"/cgroup.subtree_control", "+pids")
		require.NoError(t, err)
		require.NoError(t, init.Mkdir(root+"/bomb", 0o755))
		names, err := init.Readdir(root + "/bomb")
		require.NoError(t, err)
		require.Contains(t, names, "pids.max")
		s, err := init.ReadFile(root + "/bomb/pids.max")
		require.NoError(t, err)
		require.Equal(t, "max\n", s)
		_, err = init.WriteFile(root+"/bomb/pids.max", "3")
		require.NoError(t, err)

		b := kernsimtest.Fork(t, init, 0)
		_, err = init.WriteFile(root+"/bomb/cgroup.procs", fmt.Sprint(b.PID()))
		require.NoError(t, err)
		var kids []*task.Task
		for {
			c, err := b.Fork()
			if err != nil {
				require.ErrorIs(t, err, uapi.EAGAIN)
				break
			}
			kids = append(kids, c)
		}
		require.Len(t, kids, 2) // b itself is the first of three
		s, err = init.ReadFile(root + "/bomb/pids.current")
		require.NoError(t, err)
		require.Equal(t, "3\n", s)
		s, err = init.ReadFile(root + "/bomb/pids.events")
		require.NoError(t, err)
		require.Equal(t, "max 1\n", s)

		// An exited child still counts until it is reaped.
		require.NoError(t, kids[0].Exit(0))
		_, err = b.Fork()
		require.ErrorIs(t, err, uapi.EAGAIN)
		_, _, err = b.Wait(kids[0].PID(), 0)
		require.NoError(t, err)
		c, err := b.Fork()
		require.NoError(t, err)
		s, err = init.ReadFile(root + "/bomb/pids.events")
		require.NoError(t, err)
		require.Equal(t, "max 2\n", s)

		_, err = init.WriteFile(root+"/bomb/pids.max", "-1")
		require.ErrorIs(t, err, uapi.EINVAL)
		for _, p := range []*task.Task{c, kids[1], b} {
			require.NoError(t, p.Exit(0))
		}
		for _, p := range []*task.Task{c, kids[1]} {
			_, _, err = b.Wait(p.PID(), 0)
			require.ErrorIs(t, err, uapi.ESRCH) // b has exited: it makes no more calls
			_, _, err = init.Wait(p.PID(), 0)   // orphans went to init
			require.NoError(t, err)
		}
		_, _, err = init.Wait(b.PID(), 0)
		require.NoError(t, err)
		s, err = init.ReadFile(root + "/bomb/pids.current")
		require.NoError(t, err)
		require.Equal(t, "0\n", s)
		require.NoError(t, init.Rmdir(root+"/bomb"))
	}
}
