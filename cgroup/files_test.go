package cgroup_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/uapi"
)

// cgroup_print_ss_mask: names in id order, one space between, a newline only
// when something is printed; cgroup.stat and cgroup.max.* text.
func TestCoreFileText(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	read := func(fn func(*cgroup.Cgroup) (string, error), c *cgroup.Cgroup) string {
		s, err := fn(c)
		require.NoError(t, err)
		return s
	}
	require.Equal(t, "", read(f.g.ReadSubtreeControl, root))
	write(t, f, root, "+pids +memory")
	require.Equal(t, "memory pids\n", read(f.g.ReadSubtreeControl, root))
	a := f.mkdir(t, root, "a")
	b := f.mkdir(t, a, "b")
	require.Equal(t, "memory pids\n", read(f.g.ReadControllers, a))
	require.Equal(t, "", read(f.g.ReadSubtreeControl, a))
	require.Equal(t, "", read(f.g.ReadControllers, b))
	write(t, f, a, "+pids")
	require.Equal(t, "pids\n", read(f.g.ReadControllers, b))
	require.Equal(t, "nr_descendants 2\nnr_dying_descendants 0\n", read(f.g.ReadStat, root))
	require.Equal(t, "nr_descendants 1\nnr_dying_descendants 0\n", read(f.g.ReadStat, a))
	require.Equal(t, "max\n", read(f.g.ReadMaxDepth, root))
	require.Equal(t, "max\n", read(f.g.ReadMaxDescendants, b))
	require.Equal(t, "domain\n", read(f.g.ReadType, a))
	require.Equal(t, "populated 0\n", read(f.g.ReadEvents, b))
	_, err := f.g.ReadType(root)
	require.ErrorIs(t, err, uapi.ENOENT)
	f.rmdir(t, b)
	_, err = f.g.ReadStat(b)
	require.ErrorIs(t, err, uapi.ENODEV, "a removed cgroup's open file")
	require.Equal(t, "nr_descendants 1\nnr_dying_descendants 0\n", read(f.g.ReadStat, root), "b had no css left to keep it")
	f.requireClean(t)
}

// v2 cgroup.procs lists leaders (task_pid_vnr, 0 when invisible) in css_set
// link order then task order, not sorted; cgroup.threads lists every task.
// v1 cgroup.procs and tasks are sorted (pidlist), procs deduplicated by
// tgid, invisible (0) pids left out. Exited tasks are gone from both.
func TestProcsRead(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, m)
			root := f.root("memory")
			a := f.mkdir(t, root, "a")
			b := f.mkdir(t, root, "b")
			p1 := f.fork(t, f.init) // 2
			p2 := f.fork(t, f.init) // 3
			t21 := f.thread(t, p2)  // 4
			p3 := f.fork(t, f.init) // 5
			t11 := f.thread(t, p1)  // 6
			f.move(t, b, p3)        // b's css_set is linked to a second
			f.move(t, a, p3)
			f.move(t, a, p2)
			f.move(t, b, p1)
			f.move(t, a, p1)
			_ = t11
			_ = t21
			hidden := func(mm cgroup.Member) (int, int) {
				if mm.(*task).tgid() == p2.pid {
					return 0, 0
				}
				return vnr(mm)
			}
			procs, err := f.g.ReadProcs(a, vnr)
			require.NoError(t, err)
			hprocs, err := f.g.ReadProcs(a, hidden)
			require.NoError(t, err)
			if m.name == "v2" {
				threads, err := f.g.ReadThreads(a, vnr)
				require.NoError(t, err)
				// All three share a's css_set; tasks in the order they
				// entered it: p3, p2, t21, p1, t11.
				require.Equal(t, "5\n3\n2\n", procs)
				require.Equal(t, "5\n3\n4\n2\n6\n", threads)
				require.Equal(t, "5\n0\n2\n", hprocs)
				_, err = f.g.ReadTasks(a, vnr)
				require.ErrorIs(t, err, uapi.ENOENT)
			} else {
				tasks, err := f.g.ReadTasks(a, vnr)
				require.NoError(t, err)
				require.Equal(t, "2\n3\n5\n", procs)
				require.Equal(t, "2\n3\n4\n5\n6\n", tasks)
				require.Equal(t, "2\n5\n", hprocs)
				_, err = f.g.ReadThreads(a, vnr)
				require.ErrorIs(t, err, uapi.ENOENT)
			}
			f.exit(f.ctx, p3)
			procs, err = f.g.ReadProcs(a, vnr)
			require.NoError(t, err)
			if m.name == "v2" {
				require.Equal(t, "3\n2\n", procs)
			} else {
				require.Equal(t, "2\n3\n", procs)
			}
			f.requireClean(t)
		})
	}
}

// 4.19's css_task_iter_start lands on the first task without the
// thread-group-leader test that every later step applies, so when a
// process's leader has exited and one of its threads heads the first
// populated css_set, v2 cgroup.procs shows that thread's tid first.
func TestProcsReadFirstTaskQuirk(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	a := f.mkdir(t, f.dflRoot(), "a")
	p := f.fork(t, f.init) // 2
	th := f.thread(t, p)   // 3
	q := f.fork(t, f.init) // 4
	th2 := f.thread(t, q)  // 5
	f.move(t, a, p)
	f.move(t, a, q)
	f.exit(f.ctx, p, q)
	procs, err := f.g.ReadProcs(a, vnr)
	require.NoError(t, err)
	require.Equal(t, "3\n", procs, "thread 3 is first; thread 5 is skipped")
	threads, err := f.g.ReadThreads(a, vnr)
	require.NoError(t, err)
	require.Equal(t, "3\n5\n", threads)
	f.reap(th, th2)
	f.requireClean(t)
}

// /proc/<pid>/cgroup (proc_cgroup_show): one line per hierarchy in
// cgroup_roots order (newest v1 mount first, v2 last), controllers by
// legacy name, the path relative to the reader's cgroup-namespace root on
// that hierarchy; an exiting task reads "/" on v1 but keeps its v2 path;
// a removed v2 cgroup gets " (deleted)".
func TestProcCgroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m                      mode
		hide                   bool
		live, exiting, deleted string
		nsA, nsC               string // read from a namespace rooted in /a, in /c
	}{
		{v2, false,
			"0::/a/b\n", "0::/a/b\n", "0::/a/b (deleted)\n",
			"0::/b\n", "0::/../a/b\n"},
		{v1, false,
			"2:pids:/a/b\n1:memory:/a/b\n0::/\n",
			"2:pids:/\n1:memory:/\n0::/\n",
			"2:pids:/\n1:memory:/\n0::/\n",
			"2:pids:/b\n1:memory:/b\n0::/\n", "2:pids:/../a/b\n1:memory:/../a/b\n0::/\n"},
		{v1, true,
			"2:pids:/a/b\n1:memory:/a/b\n", "2:pids:/\n1:memory:/\n", "2:pids:/\n1:memory:/\n",
			"2:pids:/b\n1:memory:/b\n", "2:pids:/../a/b\n1:memory:/../a/b\n"},
	} {
		name := tc.m.name
		if tc.hide {
			name += "/no-cgroup2"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := tc.m
			if tc.hide {
				m = mode{"v1", func(mem, pids cgroup.Subsys) cgroup.Options {
					o := v1.opt(mem, pids)
					o.HideV2 = true
					return o
				}}
			}
			f := newFix(t, m)
			place := func(name string, dirs ...string) []*cgroup.Cgroup {
				var out []*cgroup.Cgroup
				for _, r := range f.g.Roots() {
					if r.IsDfl() && m.name == "v1" {
						continue
					}
					c := r.Cgroup()
					for _, d := range dirs {
						if k := c.Child(d); k != nil {
							c = k
						} else {
							c = f.mkdir(t, c, d)
						}
					}
					out = append(out, c)
				}
				return out
			}
			ab := place("b", "a", "b")
			nsA, nsC := f.fork(t, f.init), f.fork(t, f.init)
			for _, c := range place("a", "a") {
				f.move(t, c, nsA)
			}
			for _, c := range place("c", "c") {
				f.move(t, c, nsC)
			}
			p := f.fork(t, f.init)
			for _, c := range ab {
				f.move(t, c, p)
			}
			show := func(ns *task, exiting bool) string {
				root := f.g.InitCSSSet()
				if ns != nil {
					root = ns.cg.CSSSet() // copy_cgroup_ns: the creator's css_set
				}
				s, err := f.g.ProcCgroup(f.ctx, p.cg.CSSSet(), exiting, root)
				require.NoError(t, err)
				return s
			}
			require.Equal(t, tc.live, show(nil, false))
			require.Equal(t, tc.nsA, show(nsA, false))
			require.Equal(t, tc.nsC, show(nsC, false))
			f.exit(f.ctx, p)
			require.Equal(t, tc.exiting, show(nil, true))
			for _, c := range ab {
				f.rmdir(t, c)
			}
			require.Equal(t, tc.deleted, show(nil, true))
			f.free(f.ctx, p)
			f.requireClean(t)
		})
	}
}

// A path of PATH_MAX bytes or more fails with ENAMETOOLONG.
func TestProcCgroupTooLong(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	c := f.dflRoot()
	name := strings.Repeat("n", 255)
	for i := 0; i < 15; i++ { // 15 * 256 = 3840 bytes
		c = f.mkdir(t, c, name)
	}
	p := f.fork(t, f.init)
	f.move(t, c, p)
	s, err := f.g.ProcCgroup(f.ctx, p.cg.CSSSet(), false, f.g.InitCSSSet())
	require.NoError(t, err)
	require.Len(t, s, len("0::")+3840+1)
	d := f.mkdir(t, c, strings.Repeat("m", 255)) // 4096 bytes
	f.move(t, d, p)
	_, err = f.g.ProcCgroup(f.ctx, p.cg.CSSSet(), false, f.g.InitCSSSet())
	require.ErrorIs(t, err, uapi.ENAMETOOLONG)
	f.requireClean(t)
}
