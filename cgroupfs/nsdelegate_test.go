package cgroupfs_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// unshareCgroupNS puts t in a new cgroup namespace.
func unshareCgroupNS(t *testing.T, tk *task.Task) {
	t.Helper()
	require.NoError(t, tk.Unshare(uapi.CLONE_NEWCGROUP))
}

// cgroup2 mounted with nsdelegate, through the syscalls: a root process in
// /ns unshares its cgroup namespace. It sees /ns as "/", may not write the
// non-delegatable files of /ns (EPERM) but may those below, and may move
// processes only inside /ns (ENOENT otherwise); init_cgroup_ns may do all.
// A file opened in one namespace and written from another follows the
// writer's namespace in 4.19 and the opener's in mainline
// (test_cgcore_lesser_ns_open).
func TestNSDelegateThroughUnshare(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		k := kernsimtest.Boot(t, kernsim.Config{Flavour: f, Cgroup: cgroup.Options{
			Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, NSDelegate: true}})
		init := k.Init()
		for _, d := range []string{"/ns", "/ns/sub", "/out"} {
			require.NoError(t, init.Mkdir(root+d, 0o755))
		}
		t.Cleanup(func() {
			for _, p := range k.Tasks() {
				if p != init && p.State() == task.Running {
					_ = write(init, root+"/cgroup.procs", p.PID())
				}
			}
			for _, d := range []string{"/ns/sub", "/ns", "/out"} {
				_ = init.Rmdir(root + d)
			}
		})
		c := kernsimtest.Fork(t, init, 0)
		fd, err := init.OpenFlags(root+"/ns/cgroup.max.depth", task.O_WRONLY) // before the fork: c inherits it
		require.NoError(t, err)
		d := kernsimtest.Fork(t, init, 0)
		require.NoError(t, init.Close(fd))
		for _, p := range []*task.Task{c, d} {
			require.NoError(t, write(init, root+"/ns/cgroup.procs", p.PID()))
		}
		unshareCgroupNS(t, c)
		unshareCgroupNS(t, d)

		self, err := c.ReadFile("/proc/self/cgroup")
		require.NoError(t, err)
		require.Equal(t, "0::/\n", self)
		fails(t, k, c, uapi.EPERM, "the namespace root's cgroup.max.depth", func() error {
			return write(c, root+"/ns/cgroup.max.depth", 3)
		})
		require.NoError(t, write(c, root+"/ns/sub/cgroup.max.depth", 3))
		require.NoError(t, write(c, root+"/ns/sub/cgroup.procs", c.PID()))
		fails(t, k, c, uapi.ENOENT, "moving out of the namespace", func() error { return write(c, root+"/out/cgroup.procs", c.PID()) })
		fails(t, k, c, uapi.ENOENT, "moving to the host root", func() error { return write(c, root+"/cgroup.procs", c.PID()) })
		require.NoError(t, write(init, root+"/out/cgroup.procs", c.PID()), "init_cgroup_ns sees everything")
		self, err = c.ReadFile("/proc/self/cgroup")
		require.NoError(t, err)
		require.Equal(t, "0::/../out\n", self)
		fails(t, k, c, uapi.ENOENT, "moving back in from outside", func() error { return write(c, root+"/ns/cgroup.procs", c.PID()) })

		// d writes through init's fd (opened in init_cgroup_ns).
		if f == kernsim.Linux419 {
			fails(t, k, d, uapi.EPERM, "4.19: the writer's namespace", func() error {
				_, err := d.Write(fd, []byte("3"))
				return err
			})
		} else {
			_, err := d.Write(fd, []byte("3"))
			require.NoError(t, err, "mainline: the opener's namespace")
		}
		s, err := init.ReadFile(root + "/ns/cgroup.max.depth")
		require.NoError(t, err)
		if f == kernsim.Linux419 {
			require.Equal(t, "max\n", s)
		} else {
			require.Equal(t, "3\n", s)
		}
	})
}
