package cgroupfs

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// bootInternal boots a kernel with cgroupfs at /sys/fs/cgroup (the
// kernsim package imports this one, so its Boot is out of reach here).
func bootInternal(t *testing.T, f refcount.Flavour, opt cgroup.Options) (*task.Kernel, *FS) {
	t.Helper()
	k, err := task.NewKernel(task.Params{Flavour: f, Release: "4.19.13", Version: "#1", Machine: "x86_64",
		MaxThreads: 7000, PidMax: 32768, BootProcInums: 151, Cgroup: opt})
	require.NoError(t, err)
	fs := New(k)
	require.NoError(t, k.Mount("/sys/fs/cgroup", fs)) // the boot tree's cgroup2 mount (v2 only)
	t.Cleanup(func() {
		k.PowerOff()
		require.NoError(t, k.Refs().Leaks())
		require.Empty(t, k.Refs().Warnings())
	})
	return k, fs
}

// nsdelegate through cgroupfs, for a file opened by a task of a cgroup
// namespace rooted at /a. Mainline judges the opener's namespace (the
// cgroup_file_ctx's, taken at open), so a file opened there refuses what
// crosses the boundary: ENOENT for a migration with its source or its
// destination outside /a, EPERM for a non-delegatable file of /a itself.
// 4.19 judges the writer's namespace, here init_cgroup_ns (tasks are in
// init_cgroup_ns until nsproxy holds cgroup namespaces), so the same file
// refuses nothing. Every refusal changes nothing.
func TestNSDelegateOpenFile(t *testing.T) {
	t.Parallel()
	for _, f := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			k, fs := bootInternal(t, f, cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, NSDelegate: true})
			init := k.Init()
			const r = "/sys/fs/cgroup"
			for _, d := range []string{"a", "a/sub", "b"} {
				require.NoError(t, init.Mkdir(r+"/"+d, 0o755))
			}
			c, err := init.Fork()
			require.NoError(t, err)
			outside, err := init.Fork()
			require.NoError(t, err)
			_, err = init.WriteFile(r+"/a/cgroup.procs", fmt.Sprint(c.PID()))
			require.NoError(t, err)
			_, err = init.WriteFile(r+"/b/cgroup.procs", fmt.Sprint(outside.PID()))
			require.NoError(t, err)

			g := cgroupns.NewGlobals(&k.Env, k.UserNS, k.Cgroup.InitCSSSet())
			n, err := cgroupns.CopyCgroupNS(c.Ctx(), uapi.CLONE_NEWCGROUP, c.UserNS(), c.Cred(), c.CgroupTask(), g.Init)
			require.NoError(t, err)
			dfl := k.Cgroup.Dfl().Cgroup()
			a, b := dfl.Child("a"), dfl.Child("b")
			sub := a.Child("sub")
			// What Open does for a task of n: f_cred, and (mainline) a
			// reference on the opener's namespace until release.
			open := func(cg *cgroup.Cgroup, name string) cgFile {
				n.Get()
				return cgFile{fs: fs, cg: cg, name: name, cred: c.Cred(), ns: n}
			}
			refused := func(errno uapi.Errno) uapi.Errno {
				if f == refcount.Mainline {
					return errno
				}
				return 0
			}
			for _, tc := range []struct {
				what  string
				cg    *cgroup.Cgroup
				file  string
				data  string
				errno uapi.Errno
			}{
				{"the namespace root's cgroup.max.depth", a, "cgroup.max.depth", "5", refused(uapi.EPERM)},
				{"the namespace root's cgroup.max.descendants", a, "cgroup.max.descendants", "5", refused(uapi.EPERM)},
				{"moving out of the namespace", b, "cgroup.procs", fmt.Sprint(c.PID()), refused(uapi.ENOENT)},
				{"pulling a process in", sub, "cgroup.procs", fmt.Sprint(outside.PID()), refused(uapi.ENOENT)},
				{"a child's cgroup.max.depth", sub, "cgroup.max.depth", "5", 0},
				{"moving down inside", sub, "cgroup.procs", fmt.Sprint(c.PID()), 0},
				{"moving back to the namespace root (delegatable)", a, "cgroup.procs", fmt.Sprint(c.PID()), 0},
			} {
				file := open(tc.cg, tc.file)
				before := fmt.Sprint(k.Tasks(), c.CgroupTask().CSSSet().RefID(), outside.CgroupTask().CSSSet().RefID())
				maxDepth := tc.cg.MaxDepth()
				_, err := file.Write(c, 0, []byte(tc.data))
				if tc.errno != 0 {
					require.ErrorIs(t, err, tc.errno, tc.what)
					require.Equal(t, before, fmt.Sprint(k.Tasks(), c.CgroupTask().CSSSet().RefID(), outside.CgroupTask().CSSSet().RefID()), tc.what)
					require.Equal(t, maxDepth, tc.cg.MaxDepth(), tc.what)
				} else {
					require.NoError(t, err, tc.what)
				}
				file.Release(c.Ctx())
			}
			require.EqualValues(t, 1, n.Count(), "every open file's reference was put")
			for _, p := range []*task.Task{c, outside} {
				_, err = init.WriteFile(r+"/cgroup.procs", fmt.Sprint(p.PID()))
				require.NoError(t, err)
			}
			n.Put(init.Ctx())
			for _, d := range []string{"a/sub", "a", "b"} {
				require.NoError(t, init.Rmdir(r+"/"+d))
			}
		})
	}
}
