package cgroup_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
)

// Boot state (cgroup_init, cgroup_setup_root, cgroup1_mount): v2 is
// hierarchy 0; each v1 mount takes the next id and goes to the head of
// cgroup_roots; root csses have id 1; init is linked to init_css_set, whose
// refcount is its static 1 plus init's.
func TestBoot(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		opt      func(mem, pids cgroup.Subsys) cgroup.Options
		roots    []string // hierarchy id and name, cgroup_roots order
		memRoot  int
		pidsRoot int
		ctrls    string // cgroup.controllers of the v2 root
		procs    string // /proc/cgroups
	}{
		{"v2", v2.opt, []string{"0:"}, 0, 0, "memory pids\n",
			"#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t1\npids\t0\t1\t1\n"},
		{"v1", v1.opt, []string{"2:pids", "1:memory", "0:"}, 1, 2, "",
			"#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t1\t1\t1\npids\t2\t1\t1\n"},
		{"hybrid", func(mem, pids cgroup.Subsys) cgroup.Options {
			return cgroup.Options{Subsys: []cgroup.Subsys{mem, pids}, V1: [][]string{{"pids"}}}
		}, []string{"1:pids", "0:"}, 0, 1, "memory\n",
			"#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t1\npids\t1\t1\t1\n"},
		{"co-mounted", func(mem, pids cgroup.Subsys) cgroup.Options {
			return cgroup.Options{Subsys: []cgroup.Subsys{pids, mem}, V1: [][]string{{"pids", "memory"}}}
		}, []string{"1:memory,pids", "0:"}, 1, 1, "",
			"#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t1\t1\t1\npids\t1\t1\t1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, mode{tc.name, tc.opt})
			var roots []string
			for _, r := range f.g.Roots() {
				roots = append(roots, itoa(r.HierarchyID())+":"+r.Name())
				require.Equal(t, 1, r.Cgroup().ID(), "root cgroup id")
				require.Equal(t, 0, r.Cgroup().Level())
			}
			require.Equal(t, tc.roots, roots)
			require.Equal(t, 0, f.g.SubsysID("memory"), "ids follow cgroup_subsys.h, not Options order")
			require.Equal(t, 1, f.g.SubsysID("pids"))
			require.Equal(t, tc.memRoot, f.g.SubsysRoot(0).HierarchyID())
			require.Equal(t, tc.pidsRoot, f.g.SubsysRoot(1).HierarchyID())
			for i := 0; i < 2; i++ {
				css := f.g.InitCSSSet().Subsys(i)
				require.Equal(t, 1, css.ID())
				require.True(t, css.Online())
				require.Equal(t, cgroup.CSS_NO_REF|cgroup.CSS_ONLINE|cgroup.CSS_VISIBLE, css.Flags())
				require.Same(t, f.g.SubsysRoot(i).Cgroup(), css.Cgroup())
			}
			ctl, err := f.g.ReadControllers(f.dflRoot())
			require.NoError(t, err)
			require.Equal(t, tc.ctrls, ctl)
			require.Equal(t, tc.procs, f.g.ProcCgroups())
			require.Same(t, f.g.InitCSSSet(), f.init.cg.CSSSet())
			require.Equal(t, int64(2), f.g.InitCSSSet().Count(), "static reference + init")
			require.Equal(t, 1, f.g.InitCSSSet().NrTasks())
			require.Equal(t, 1, f.g.NrCSSSets())
			for _, r := range f.g.Roots() {
				require.True(t, r.Cgroup().Populated())
				require.Equal(t, 1, r.Cgroup().NrPopulatedCsets())
			}
			f.requireClean(t)
		})
	}
}

func TestBootErrors(t *testing.T) {
	t.Parallel()
	mem := cgroup.NewTestController("memory", false)
	pids := cgroup.NewTestController("pids", true)
	for _, tc := range []struct {
		name string
		opt  cgroup.Options
	}{
		{"unknown controller", cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewTestController("foo", false)}}},
		{"controller twice", cgroup.Options{Subsys: []cgroup.Subsys{mem, cgroup.NewTestController("memory", false)}}},
		{"v1 unknown", cgroup.Options{Subsys: []cgroup.Subsys{mem}, V1: [][]string{{"pids"}}}},
		{"v1 twice", cgroup.Options{Subsys: []cgroup.Subsys{mem, pids}, V1: [][]string{{"memory"}, {"memory", "pids"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv()
			_, err := cgroup.NewGlobals(env, tc.opt)
			require.Error(t, err)
		})
	}
}

// Tasks with identical membership share one css_set (find_css_set finds it
// in the hash); its count is one per task; moving one task creates a new
// css_set or finds an existing one; a css_set is freed when its last task
// is freed, not when it exits.
func TestCSSSetSharing(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, m)
			root := f.root("memory")
			a, b := f.mkdir(t, root, "a"), f.mkdir(t, root, "b")
			p1, p2 := f.fork(t, f.init), f.fork(t, f.init)
			require.Same(t, f.g.InitCSSSet(), p1.cg.CSSSet(), "a child inherits its parent's css_set")
			require.Equal(t, int64(4), f.g.InitCSSSet().Count())

			f.move(t, a, p1)
			sa := p1.cg.CSSSet()
			require.NotSame(t, f.g.InitCSSSet(), sa)
			require.Equal(t, 2, f.g.NrCSSSets())
			f.move(t, a, p2)
			require.Same(t, sa, p2.cg.CSSSet(), "same membership, same css_set")
			require.Equal(t, int64(2), sa.Count())
			require.Equal(t, 2, sa.NrTasks())
			require.Equal(t, int64(2), f.g.InitCSSSet().Count())
			require.Equal(t, 2, f.g.NrCSSSets())
			require.Same(t, a, sa.Cgroup(a.Root()))

			f.move(t, b, p1)
			sb := p1.cg.CSSSet()
			require.NotSame(t, sa, sb)
			require.Equal(t, 3, f.g.NrCSSSets())
			require.Equal(t, int64(1), sa.Count())
			require.Equal(t, 1, f.env.Refs.CountKind("css_set")-1, "sa and sb are live")

			f.move(t, b, p2)
			require.Same(t, sb, p2.cg.CSSSet())
			require.Equal(t, int64(2), sb.Count())
			require.Equal(t, 2, f.g.NrCSSSets(), "sa lost its last reference and was freed")
			require.Equal(t, 1, f.env.Refs.CountKind("css_set"))

			// A forked child shares its parent's css_set.
			c := f.fork(t, p1)
			require.Same(t, sb, c.cg.CSSSet())
			require.Equal(t, int64(3), sb.Count())
			// Exit unlinks but keeps the reference; free drops it.
			f.exit(f.ctx, c)
			require.Same(t, sb, c.cg.CSSSet())
			require.Equal(t, int64(3), sb.Count())
			require.Equal(t, 2, sb.NrTasks())
			f.free(f.ctx, c)
			require.Equal(t, int64(2), sb.Count())

			// Back to the root: sb is freed with its last task.
			f.move(t, root, p1)
			f.move(t, root, p2)
			require.Same(t, f.g.InitCSSSet(), p1.cg.CSSSet())
			require.Equal(t, 1, f.g.NrCSSSets())
			require.Zero(t, f.env.Refs.CountKind("css_set"))
			require.Equal(t, int64(4), f.g.InitCSSSet().Count())
			f.requireClean(t)
		})
	}
}

// On v2 two cgroups without controllers have the same css vector (the root
// csses) but distinct css_sets: compare_css_sets also compares the cgroups.
// Enabling a controller gives the child its own css, so its css_set changes.
func TestCSSSetDistinguishesCgroups(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	a, b := f.mkdir(t, root, "a"), f.mkdir(t, root, "b")
	p, q := f.fork(t, f.init), f.fork(t, f.init)
	f.move(t, a, p)
	f.move(t, b, q)
	sp, sq := p.cg.CSSSet(), q.cg.CSSSet()
	require.NotSame(t, sp, sq)
	for i := 0; i < 2; i++ {
		require.Same(t, f.g.InitCSSSet().Subsys(i), sp.Subsys(i), "no controller enabled: the root's css is effective")
		require.Same(t, sp.Subsys(i), sq.Subsys(i))
	}
	require.Same(t, a, sp.DflCgroup())
	require.Same(t, b, sq.DflCgroup())

	_, err := f.g.WriteSubtreeControl(f.ctx, root, []byte("+memory"))
	require.NoError(t, err)
	sp2 := p.cg.CSSSet()
	require.NotSame(t, sp, sp2, "cgroup_update_dfl_csses re-homed the task")
	require.Same(t, a.CSS(0), sp2.Subsys(0))
	require.Same(t, f.g.InitCSSSet().Subsys(1), sp2.Subsys(1), "pids still effective from the root")
	require.Equal(t, 3, f.g.NrCSSSets())
	f.requireClean(t)
}

// On v1 the css_set links one cgroup per hierarchy; moving on one hierarchy
// keeps the others (find_existing_css_set takes old's css for controllers
// of other hierarchies).
func TestCSSSetV1PerHierarchy(t *testing.T) {
	t.Parallel()
	f := newFix(t, v1)
	mroot, proot := f.root("memory"), f.root("pids")
	ma, pa := f.mkdir(t, mroot, "a"), f.mkdir(t, proot, "a")
	p := f.fork(t, f.init)
	f.move(t, ma, p)
	s1 := p.cg.CSSSet()
	require.Same(t, ma, s1.Cgroup(mroot.Root()))
	require.Same(t, proot, s1.Cgroup(proot.Root()))
	require.Same(t, f.dflRoot(), s1.Cgroup(f.g.Dfl()))
	f.move(t, pa, p)
	s2 := p.cg.CSSSet()
	require.Same(t, ma, s2.Cgroup(mroot.Root()))
	require.Same(t, pa, s2.Cgroup(proot.Root()))
	require.Same(t, ma.CSS(0), s2.Subsys(0))
	require.Same(t, pa.CSS(1), s2.Subsys(1))
	require.Equal(t, 2, f.g.NrCSSSets())
	f.requireClean(t)
}
