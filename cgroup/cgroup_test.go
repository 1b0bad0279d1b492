package cgroup_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/uapi"
)

// mkdir: the VFS checks (ENOENT, ENAMETOOLONG, EEXIST) come before
// cgroup_mkdir's (EINVAL for a newline, EAGAIN from
// cgroup_check_hierarchy_limits); a failed mkdir changes nothing.
func TestMkdirErrnos(t *testing.T) {
	t.Parallel()
	type setup struct {
		f          *fix
		root, a, b *cgroup.Cgroup // b: a child of a; dead: removed
		dead       *cgroup.Cgroup
	}
	for _, m := range modes {
		for _, tc := range []struct {
			name   string
			parent func(s *setup) *cgroup.Cgroup
			dir    string
			errno  uapi.Errno
			check  string
		}{
			{"empty name", func(s *setup) *cgroup.Cgroup { return s.root }, "", uapi.ENOENT, "filename_create"},
			{"dot", func(s *setup) *cgroup.Cgroup { return s.root }, ".", uapi.EEXIST, "filename_create"},
			{"dotdot", func(s *setup) *cgroup.Cgroup { return s.a }, "..", uapi.EEXIST, "filename_create"},
			{"existing child", func(s *setup) *cgroup.Cgroup { return s.root }, "a", uapi.EEXIST, "filename_create"},
			{"interface file", func(s *setup) *cgroup.Cgroup { return s.a }, "cgroup.procs", uapi.EEXIST, "filename_create"},
			{"too long", func(s *setup) *cgroup.Cgroup { return s.root }, strings.Repeat("x", 256), uapi.ENAMETOOLONG, "link_path_walk"},
			{"slash", func(s *setup) *cgroup.Cgroup { return s.root }, "x/y", uapi.EINVAL, "Mkdir"},
			{"newline", func(s *setup) *cgroup.Cgroup { return s.root }, "x\ny", uapi.EINVAL, "cgroup_mkdir"},
			{"removed parent", func(s *setup) *cgroup.Cgroup { return s.dead }, "x", uapi.ENOENT, "may_create"},
			{"removed parent beats newline", func(s *setup) *cgroup.Cgroup { return s.dead }, "x\n", uapi.ENOENT, "may_create"},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newFix(t, m)
				s := &setup{f: f, root: f.root("memory")}
				s.a = f.mkdir(t, s.root, "a")
				s.b = f.mkdir(t, s.a, "b")
				s.dead = f.mkdir(t, s.root, "dead")
				f.rmdir(t, s.dead)
				before := f.snapshot(t)
				c, err := f.g.Mkdir(f.ctx, tc.parent(s), tc.dir)
				require.Nil(t, c)
				require.ErrorIs(t, err, tc.errno)
				require.Equal(t, tc.check, err.(*uapi.Error).Check)
				require.Equal(t, before, f.snapshot(t))
				f.requireClean(t)
			})
		}
	}
}

// The core's interface files are names mkdir cannot use; which ones exist
// depends on v1/v2 and on being the root (CFTYPE_NOT_ON_ROOT,
// CFTYPE_ONLY_ON_ROOT).
func TestMkdirInterfaceFileNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m         mode
		name      string
		root, kid bool // EEXIST in the root, in a child
	}{
		{v2, "cgroup.procs", true, true},
		{v2, "cgroup.threads", true, true},
		{v2, "cgroup.subtree_control", true, true},
		{v2, "cgroup.controllers", true, true},
		{v2, "cgroup.stat", true, true},
		{v2, "cgroup.max.depth", true, true},
		{v2, "cgroup.max.descendants", true, true},
		{v2, "cgroup.events", false, true},
		{v2, "cgroup.type", false, true},
		{v2, "cpu.stat", false, true},
		{v2, "tasks", false, false},
		{v1, "tasks", true, true},
		{v1, "cgroup.procs", true, true},
		{v1, "notify_on_release", true, true},
		{v1, "cgroup.clone_children", true, true},
		{v1, "release_agent", true, false},
		{v1, "cgroup.sane_behavior", true, false},
		{v1, "cgroup.threads", false, false},
		{v1, "cgroup.events", false, false},
	} {
		t.Run(tc.m.name+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, tc.m)
			root := f.root("memory")
			kid := f.mkdir(t, root, "kid")
			for _, x := range []struct {
				parent *cgroup.Cgroup
				exists bool
			}{{root, tc.root}, {kid, tc.kid}} {
				c, err := f.g.Mkdir(f.ctx, x.parent, tc.name)
				if x.exists {
					require.ErrorIs(t, err, uapi.EEXIST)
				} else {
					require.NoError(t, err)
					require.Equal(t, tc.name, c.Name())
				}
			}
			f.requireClean(t)
		})
	}
}

// cgroup_check_hierarchy_limits: EAGAIN when an ancestor (any, not only the
// parent) has nr_descendants >= max.descendants, or the new cgroup would be
// deeper below an ancestor than its max.depth. Dying descendants do not
// count.
func TestMkdirHierarchyLimits(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	a := f.mkdir(t, root, "a")
	b := f.mkdir(t, a, "b")
	_, err := f.g.WriteMaxDepth(f.ctx, a, []byte("1\n"))
	require.NoError(t, err)
	before := f.snapshot(t)
	_, err = f.g.Mkdir(f.ctx, b, "c")
	require.ErrorIs(t, err, uapi.EAGAIN, "c would be at depth 2 below a")
	require.Equal(t, before, f.snapshot(t))
	_, err = f.g.WriteMaxDepth(f.ctx, a, []byte("max"))
	require.NoError(t, err)
	c := f.mkdir(t, b, "c")

	_, err = f.g.WriteMaxDescendants(f.ctx, root, []byte("3"))
	require.NoError(t, err)
	before = f.snapshot(t)
	_, err = f.g.Mkdir(f.ctx, c, "d")
	require.ErrorIs(t, err, uapi.EAGAIN, "the root has 3 descendants")
	require.Equal(t, before, f.snapshot(t))
	_, err = f.g.Mkdir(f.ctx, c, "d\n")
	require.ErrorIs(t, err, uapi.EINVAL, "the newline check comes first")
	_, err = f.g.Mkdir(f.ctx, root, "a")
	require.ErrorIs(t, err, uapi.EEXIST, "the VFS check comes first")
	f.rmdir(t, c)
	require.Equal(t, 2, root.NrDescendants())
	d := f.mkdir(t, b, "d")
	require.Equal(t, 3, root.NrDescendants())
	_, err = f.g.WriteMaxDescendants(f.ctx, b, []byte("0"))
	require.NoError(t, err)
	_, err = f.g.Mkdir(f.ctx, d, "e")
	require.ErrorIs(t, err, uapi.EAGAIN)
	f.requireClean(t)
}

// A controller refusing css_alloc or css_online fails the mkdir with its
// errno; the half-made cgroup is destroyed and freed, leaving nothing.
func TestMkdirControllerRefuses(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		for _, op := range []string{"css_alloc", "css_online"} {
			t.Run(m.name+"/"+op, func(t *testing.T) {
				t.Parallel()
				f := newFix(t, m)
				root := f.root("memory")
				if m.name == "v2" {
					_, err := f.g.WriteSubtreeControl(f.ctx, root, []byte("+memory"))
					require.NoError(t, err)
				}
				before := f.snapshot(t)
				f.mem.SetFail(op, uapi.ENOMEM)
				_, err := f.g.Mkdir(f.ctx, root, "x")
				require.ErrorIs(t, err, uapi.ENOMEM)
				require.Equal(t, before, f.snapshot(t))
				f.mem.SetFail(op, 0)
				x := f.mkdir(t, root, "x")
				require.Equal(t, 2, x.CSS(0).ID(), "the id of the failed css was given back")
				f.requireClean(t)
			})
		}
	}
}

// rmdir: a root is a mount root (EBUSY), a removed cgroup is gone (ENOENT);
// cgroup_destroy_locked refuses a populated cgroup (own tasks or a
// descendant's) and one with a live child (EBUSY). An exited task no longer
// populates. Failures change nothing.
func TestRmdirErrnos(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		for _, tc := range []struct {
			name  string
			prep  func(t *testing.T, f *fix, a, b *cgroup.Cgroup) *cgroup.Cgroup
			errno uapi.Errno
		}{
			{"root", func(t *testing.T, f *fix, a, b *cgroup.Cgroup) *cgroup.Cgroup { return a.Parent() }, uapi.EBUSY},
			{"removed", func(t *testing.T, f *fix, a, b *cgroup.Cgroup) *cgroup.Cgroup {
				f.rmdir(t, b)
				return b
			}, uapi.ENOENT},
			{"own task", func(t *testing.T, f *fix, a, b *cgroup.Cgroup) *cgroup.Cgroup {
				f.move(t, b, f.fork(t, f.init))
				return b
			}, uapi.EBUSY},
			{"descendant's task", func(t *testing.T, f *fix, a, b *cgroup.Cgroup) *cgroup.Cgroup {
				f.move(t, b, f.fork(t, f.init))
				return a
			}, uapi.EBUSY},
			{"live child", func(t *testing.T, f *fix, a, b *cgroup.Cgroup) *cgroup.Cgroup { return a }, uapi.EBUSY},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newFix(t, m)
				a := f.mkdir(t, f.root("memory"), "a")
				b := f.mkdir(t, a, "b")
				victim := tc.prep(t, f, a, b)
				before := f.snapshot(t)
				err := f.g.Rmdir(f.ctx, victim)
				require.ErrorIs(t, err, tc.errno)
				require.Equal(t, before, f.snapshot(t))
				f.requireClean(t)
			})
		}
	}
}

// Exited tasks (zombies) no longer populate a cgroup (cgroup_exit), so it
// can be removed; their css_set keeps the cgroup and its csses alive as
// dying until cgroup_free. A new cgroup can take the name at once.
func TestRmdirWithZombie(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, m)
			root := f.root("memory")
			if m.name == "v2" {
				_, err := f.g.WriteSubtreeControl(f.ctx, root, []byte("+memory"))
				require.NoError(t, err)
			}
			a := f.mkdir(t, root, "a")
			css := a.CSS(0)
			p := f.fork(t, f.init)
			f.move(t, a, p)
			f.exit(f.ctx, p)
			require.False(t, a.Populated())
			f.mem.Log()
			f.rmdir(t, a)
			require.True(t, a.IsDead())
			require.Equal(t, 0, root.NrDescendants())
			require.Equal(t, 1, root.NrDyingDescendants())
			require.False(t, css.Online())
			require.True(t, css.Dying())
			require.False(t, css.Released())
			require.Equal(t, []string{"css_offline " + a.RefID()}, f.mem.Log())
			require.True(t, p.cg.CSSSet().Dead())
			require.Nil(t, a.CSS(0), "offline_css uninstalled it")
			stat, err := f.g.ReadStat(root)
			if m.name == "v2" {
				require.NoError(t, err)
				require.Equal(t, "nr_descendants 0\nnr_dying_descendants 1\n", stat)
			}

			a2 := f.mkdir(t, root, "a")
			require.NotSame(t, a, a2)
			require.Equal(t, 1, root.NrDescendants())
			require.Equal(t, 1, root.NrDyingDescendants())

			f.mem.Log()
			f.free(f.ctx, p)
			require.Equal(t, 0, root.NrDyingDescendants())
			require.True(t, css.Released())
			require.Equal(t, []string{"free", "css_released " + a.RefID(), "css_free " + a.RefID()}, f.mem.Log())
			require.Equal(t, 1, f.env.Refs.CountKind("cgroup"), "only a2")
			f.requireClean(t)
		})
	}
}

// css reference semantics (percpu_ref): css_get always, css_tryget until the
// count reaches zero, css_tryget_online only until kill_css. A reference a
// controller keeps holds a removed cgroup as a dying descendant; the last
// put releases and frees the css and then the cgroup. Root csses are
// CSS_NO_REF: get/put change nothing.
func TestCSSLifetime(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	rc := f.g.InitCSSSet().Subsys(0)
	rc.Get()
	rc.Get()
	rc.Put(f.ctx)
	require.Equal(t, int64(1), rc.Count())
	require.True(t, rc.TryGetOnline())
	require.False(t, rc.Dying())

	_, err := f.g.WriteSubtreeControl(f.ctx, root, []byte("+memory +pids"))
	require.NoError(t, err)
	a := f.mkdir(t, root, "a")
	b := f.mkdir(t, a, "b")
	css := a.CSS(0)
	require.Equal(t, 2, css.ID())
	require.Same(t, rc, css.Parent())
	require.Equal(t, int64(1), css.Count(), "base reference; no css_set uses it")
	require.True(t, css.TryGetOnline())
	require.True(t, css.TryGet())
	require.Equal(t, int64(3), css.Count())
	css.Put(f.ctx)
	require.Equal(t, int64(4), a.Count(), "base, b, and a's memory and pids csses (init_and_link_css)")

	f.rmdir(t, b)
	f.mem.Log()
	f.rmdir(t, a)
	require.Equal(t, []string{"css_offline " + a.RefID()}, f.mem.Log())
	require.True(t, css.Dying())
	require.False(t, css.Online())
	require.False(t, css.TryGetOnline(), "killed: tryget_online fails though references remain")
	require.True(t, css.TryGet(), "tryget works until zero")
	require.Equal(t, int64(2), css.Count())
	require.Equal(t, 1, root.NrDyingDescendants())
	require.Equal(t, int64(1), a.Count(), "the memory css pins its cgroup; pids css is gone")
	require.Equal(t, 1, f.pids.Live())

	css.Put(f.ctx)
	require.Equal(t, 1, root.NrDyingDescendants())
	css.Put(f.ctx)
	require.Equal(t, []string{"css_released " + a.RefID(), "css_free " + a.RefID()}, f.mem.Log())
	require.True(t, css.Released())
	require.Equal(t, 0, root.NrDyingDescendants())
	require.Equal(t, 1, f.mem.Live())
	require.False(t, css.TryGet(), "released")
	require.Zero(t, f.env.Refs.CountKind("cgroup"))
	require.Zero(t, f.env.Refs.CountKind("cgroup_subsys_state"))
	require.Equal(t, 1, f.g.Dfl().NrCgroups())
	f.requireClean(t)
}

// The trace shows the kernel's call graph: rmdir's first stage under
// cgroup_rmdir, then (as the destroy workqueue and RCU would, after the
// syscall) the css going offline, being released and freed, and the
// cgroup it pinned being released and freed in turn.
func TestTraceRmdir(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	write(t, f, f.dflRoot(), "+memory")
	a := f.mkdir(t, f.dflRoot(), "a")
	f.env.Trace.Start()
	f.rmdir(t, a)
	f.env.Trace.Stop()
	require.Equal(t, ""+
		" 0)  |  cgroup_rmdir() {\n"+
		" 0)  |    cgroup_destroy_locked() {\n"+
		" 0)  |      kill_css();\n"+
		" 0)  |    }\n"+
		" 0)  |  }\n"+
		" 0)  |  css_killed_work_fn() {\n"+
		" 0)  |    offline_css();\n"+
		" 0)  |  }\n"+
		" 0)  |  css_release_work_fn();\n"+
		" 0)  |  css_free_rwork_fn();\n"+
		" 0)  |  css_release_work_fn();\n"+
		" 0)  |  css_free_rwork_fn();\n", f.env.Trace.String())
	f.requireClean(t)
}
