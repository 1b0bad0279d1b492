package cgroup_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/uapi"
)

// cgroup_subtree_control_write, in the kernel's order: token syntax
// (EINVAL: no +/- prefix, no such controller, tabs are not separators),
// ENODEV for a removed cgroup, then per controller ENOENT (not in
// cgroup.controllers) or EBUSY (a child still enables it), then the vet
// (EOPNOTSUPP in a threaded subtree, EBUSY with tasks). Failures change
// nothing; no-ops succeed with the full count.
func TestSubtreeControlErrnos(t *testing.T) {
	t.Parallel()
	type env struct {
		f             *fix
		root, a, b, x *cgroup.Cgroup // a/b; x removed
	}
	for _, tc := range []struct {
		name   string
		prep   func(t *testing.T, e *env)
		target func(e *env) *cgroup.Cgroup
		buf    string
		errno  uapi.Errno // 0: success
		check  string
	}{
		{"no prefix", nil, func(e *env) *cgroup.Cgroup { return e.root }, "memory", uapi.EINVAL, "cgroup_subtree_control_write"},
		{"bad prefix", nil, func(e *env) *cgroup.Cgroup { return e.root }, "*memory", uapi.EINVAL, "cgroup_subtree_control_write"},
		{"unknown", nil, func(e *env) *cgroup.Cgroup { return e.root }, "+cpu", uapi.EINVAL, "cgroup_subtree_control_write"},
		{"bare plus", nil, func(e *env) *cgroup.Cgroup { return e.root }, "+", uapi.EINVAL, "cgroup_subtree_control_write"},
		{"tab separated", nil, func(e *env) *cgroup.Cgroup { return e.root }, "+memory\t+pids", uapi.EINVAL, "cgroup_subtree_control_write"},
		{"bad token after good", nil, func(e *env) *cgroup.Cgroup { return e.root }, "+memory +nope", uapi.EINVAL, "cgroup_subtree_control_write"},
		{"syntax before ENODEV", nil, func(e *env) *cgroup.Cgroup { return e.x }, "memory", uapi.EINVAL, "cgroup_subtree_control_write"},
		{"removed", nil, func(e *env) *cgroup.Cgroup { return e.x }, "+memory", uapi.ENODEV, "cgroup_kn_lock_live"},
		{"not offered by parent", nil, func(e *env) *cgroup.Cgroup { return e.a }, "+memory", uapi.ENOENT, "cgroup_subtree_control_write"},
		{"child still enables it", func(t *testing.T, e *env) {
			write(t, e.f, e.root, "+memory")
			write(t, e.f, e.a, "+memory")
		}, func(e *env) *cgroup.Cgroup { return e.root }, "-memory", uapi.EBUSY, "cgroup_subtree_control_write"},
		{"ENOENT in id order before EBUSY", func(t *testing.T, e *env) {
			write(t, e.f, e.root, "+pids")
			write(t, e.f, e.a, "+pids")
			write(t, e.f, e.b, "+pids")
		}, func(e *env) *cgroup.Cgroup { return e.a }, "-pids +memory", uapi.ENOENT, "cgroup_subtree_control_write"},
		{"EBUSY for the child's pids", func(t *testing.T, e *env) {
			write(t, e.f, e.root, "+pids")
			write(t, e.f, e.a, "+pids")
			write(t, e.f, e.b, "+pids")
		}, func(e *env) *cgroup.Cgroup { return e.a }, "-pids", uapi.EBUSY, "cgroup_subtree_control_write"},
		{"domain controller with tasks", func(t *testing.T, e *env) {
			write(t, e.f, e.root, "+memory")
			e.f.move(t, e.a, e.f.fork(t, e.f.init))
		}, func(e *env) *cgroup.Cgroup { return e.a }, "+memory", uapi.EBUSY, "cgroup_vet_subtree_control_enable"},
		{"threaded controller with tasks", func(t *testing.T, e *env) {
			write(t, e.f, e.root, "+pids")
			e.f.move(t, e.a, e.f.fork(t, e.f.init))
		}, func(e *env) *cgroup.Cgroup { return e.a }, "+pids", 0, ""},
		{"domain controller in threaded subtree", func(t *testing.T, e *env) {
			write(t, e.f, e.root, "+memory +pids")
			_, err := e.f.g.WriteType(e.f.ctx, e.b, []byte("threaded"))
			require.NoError(t, err)
		}, func(e *env) *cgroup.Cgroup { return e.a }, "+memory", uapi.EOPNOTSUPP, "cgroup_vet_subtree_control_enable"},
		{"root with tasks may enable", func(t *testing.T, e *env) {}, func(e *env) *cgroup.Cgroup { return e.root }, "+memory", 0, ""},
		{"already enabled", func(t *testing.T, e *env) { write(t, e.f, e.root, "+memory") }, func(e *env) *cgroup.Cgroup { return e.root }, "+memory\n", 0, ""},
		{"not enabled", nil, func(e *env) *cgroup.Cgroup { return e.root }, "-memory", 0, ""},
		{"empty", nil, func(e *env) *cgroup.Cgroup { return e.root }, "  \n", 0, ""},
		{"later token wins", nil, func(e *env) *cgroup.Cgroup { return e.root }, "+memory -memory", 0, ""},
		{"too long", nil, func(e *env) *cgroup.Cgroup { return e.root }, "+memory" + strings.Repeat(" ", 4096), uapi.E2BIG, "kernfs_fop_write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, v2)
			e := &env{f: f, root: f.dflRoot()}
			e.a = f.mkdir(t, e.root, "a")
			e.b = f.mkdir(t, e.a, "b")
			e.x = f.mkdir(t, e.root, "x")
			f.rmdir(t, e.x)
			if tc.prep != nil {
				tc.prep(t, e)
			}
			target := tc.target(e)
			stcBefore := target.SubtreeControl()
			before := f.snapshot(t)
			n, err := f.g.WriteSubtreeControl(f.ctx, target, []byte(tc.buf))
			if tc.errno == 0 {
				require.NoError(t, err)
				require.Equal(t, len(tc.buf), n)
				if tc.name != "threaded controller with tasks" && tc.name != "root with tasks may enable" {
					require.Equal(t, before, f.snapshot(t), "a no-op changes nothing")
				}
			} else {
				require.ErrorIs(t, err, tc.errno)
				require.Equal(t, tc.check, err.(*uapi.Error).Check)
				require.Zero(t, n)
				require.Equal(t, stcBefore, target.SubtreeControl())
				require.Equal(t, before, f.snapshot(t))
			}
			f.requireClean(t)
		})
	}
}

func write(t testing.TB, f *fix, c *cgroup.Cgroup, s string) {
	t.Helper()
	n, err := f.g.WriteSubtreeControl(f.ctx, c, []byte(s))
	require.NoError(t, err)
	require.Equal(t, len(s), n)
}

// On v1 there is no cgroup.subtree_control; every cgroup of a hierarchy has
// a css of each of its controllers (the child inherits the parent's
// subtree_control in cgroup_create).
func TestV1ControllersEverywhere(t *testing.T) {
	t.Parallel()
	f := newFix(t, v1)
	mroot := f.root("memory")
	_, err := f.g.WriteSubtreeControl(f.ctx, mroot, []byte("+memory"))
	require.ErrorIs(t, err, uapi.ENOENT)
	a := f.mkdir(t, mroot, "a")
	b := f.mkdir(t, a, "b")
	require.NotNil(t, a.CSS(0))
	require.NotNil(t, b.CSS(0))
	require.Same(t, a.CSS(0), b.CSS(0).Parent())
	require.Nil(t, b.CSS(1), "pids is on another hierarchy")
	require.Equal(t, f.g.Mask("memory"), b.SubtreeControl())
	_, err = f.g.ReadControllers(a)
	require.ErrorIs(t, err, uapi.ENOENT, "no cgroup.controllers on v1")
	f.requireClean(t)
}

// Enabling a controller creates its css in every child (css_alloc, then
// css_online, in pre-order) and re-homes their tasks (can_attach / attach
// with the old and new css); disabling kills the csses (css_offline) after
// moving the tasks back. Grandchildren are untouched until their parent
// enables it too.
func TestSubtreeControlApply(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	a := f.mkdir(t, root, "a")
	b := f.mkdir(t, a, "b")
	p := f.fork(t, f.init)
	f.move(t, b, p)
	f.mem.Log()
	write(t, f, root, "+memory")
	require.Equal(t, []string{
		"css_alloc parent=0:/", "css_online 0:/a",
		"can_attach 1 0:/->0:/a", "attach 1 0:/a",
	}, f.mem.Log())
	require.Nil(t, b.CSS(0))
	require.Same(t, a.CSS(0), p.cg.CSSSet().Subsys(0), "b's effective memory css is a's")
	ctl, err := f.g.ReadControllers(a)
	require.NoError(t, err)
	require.Equal(t, "memory\n", ctl)
	ctl, err = f.g.ReadControllers(b)
	require.NoError(t, err)
	require.Equal(t, "", ctl)
	st, err := f.g.ReadSubtreeControl(root)
	require.NoError(t, err)
	require.Equal(t, "memory\n", st)

	write(t, f, a, "+memory")
	require.Equal(t, []string{
		"css_alloc parent=0:/a", "css_online 0:/a/b",
		"can_attach 1 0:/a->0:/a/b", "attach 1 0:/a/b",
	}, f.mem.Log())
	write(t, f, a, "-memory")
	require.Equal(t, []string{
		"can_attach 1 0:/a/b->0:/a", "attach 1 0:/a",
		"css_offline 0:/a/b", "css_released 0:/a/b", "css_free 0:/a/b",
	}, f.mem.Log())
	require.Equal(t, 1, f.mem.Calls("css_free"))
	write(t, f, root, "-memory")
	require.Nil(t, a.CSS(0))
	require.Same(t, f.g.InitCSSSet().Subsys(0), p.cg.CSSSet().Subsys(0))
	require.Equal(t, 1, f.mem.Live())
	f.requireClean(t)
}

// A controller refusing css_alloc during a subtree_control write: the masks
// are restored and the csses made so far killed; nothing changes.
func TestSubtreeControlCreateFails(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	a := f.mkdir(t, root, "a")
	f.mkdir(t, root, "b")
	f.move(t, a, f.fork(t, f.init))
	before := f.snapshot(t)
	f.pids.SetFail("css_online", uapi.ENOSPC)
	_, err := f.g.WriteSubtreeControl(f.ctx, root, []byte("+memory +pids"))
	require.ErrorIs(t, err, uapi.ENOSPC)
	require.Equal(t, before, f.snapshot(t))
	require.Equal(t, 1, f.mem.Live())
	f.pids.SetFail("css_online", 0)
	write(t, f, root, "+memory +pids")
	f.requireClean(t)
}

// The no-internal-process rule (cgroup_migrate_vet_dst): on v2 a non-root
// cgroup with a domain controller in subtree_control refuses tasks (EBUSY);
// threaded-only controllers do not count; the root is exempt; v1 has no
// such rule.
func TestNoInternalProcess(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m      mode
		enable string
		atRoot bool
		errno  uapi.Errno
	}{
		{v2, "+memory", false, uapi.EBUSY},
		{v2, "+memory +pids", false, uapi.EBUSY},
		{v2, "+pids", false, 0},
		{v2, "", false, 0},
		{v2, "+memory", true, 0},
		{v1, "", false, 0},
	} {
		t.Run(tc.m.name+"/"+tc.enable, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, tc.m)
			root := f.root("memory")
			if tc.m.name == "v2" {
				write(t, f, root, "+memory +pids")
			}
			a := f.mkdir(t, root, "a")
			f.mkdir(t, a, "child")
			if tc.enable != "" {
				write(t, f, a, tc.enable)
			}
			dst := a
			if tc.atRoot {
				dst = root
			}
			p := f.fork(t, f.init)
			before := f.snapshot(t)
			err := f.g.AttachTask(f.ctx, dst, p)
			if tc.errno != 0 {
				require.ErrorIs(t, err, tc.errno)
				require.Equal(t, "cgroup_migrate_vet_dst", err.(*uapi.Error).Check)
				require.Equal(t, before, f.snapshot(t))
			} else {
				require.NoError(t, err)
				require.Same(t, dst, p.cg.CSSSet().Cgroup(dst.Root()))
			}
			f.requireClean(t)
		})
	}
}

// Threaded mode: "threaded" written to cgroup.type makes a cgroup join its
// parent's domain, turning the parent into "domain threaded"; a domain
// cgroup below a threaded one is "domain invalid" and refuses tasks
// (EOPNOTSUPP); cgroup.procs of a threaded cgroup cannot be read; threads
// move with cgroup.threads only within their domain; a threaded css_set
// chains to its domain's.
func TestThreaded(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	write(t, f, root, "+memory +pids")
	d := f.mkdir(t, root, "d")
	t1 := f.mkdir(t, d, "t1")
	inv := f.mkdir(t, t1, "inv")
	other := f.mkdir(t, root, "other")

	for _, tc := range []struct {
		buf   string
		c     *cgroup.Cgroup
		errno uapi.Errno
	}{
		{"domain", t1, uapi.EINVAL},
		{"threaded x", t1, uapi.EINVAL},
	} {
		before := f.snapshot(t)
		_, err := f.g.WriteType(f.ctx, tc.c, []byte(tc.buf))
		require.ErrorIs(t, err, tc.errno)
		require.Equal(t, before, f.snapshot(t))
	}
	_, err := f.g.WriteType(f.ctx, root, []byte("threaded"))
	require.ErrorIs(t, err, uapi.ENOENT, "no cgroup.type on the root")

	n, err := f.g.WriteType(f.ctx, t1, []byte(" threaded\n"))
	require.NoError(t, err)
	require.Equal(t, 10, n)
	for c, want := range map[*cgroup.Cgroup]string{d: "domain threaded\n", t1: "threaded\n", inv: "domain invalid\n", other: "domain\n"} {
		got, err := f.g.ReadType(c)
		require.NoError(t, err)
		require.Equal(t, want, got, c.Path())
	}
	require.Nil(t, t1.CSS(0), "a threaded cgroup has only threaded controllers")

	p := f.fork(t, f.init)
	th := f.thread(t, p)
	require.ErrorIs(t, f.g.AttachTask(f.ctx, inv, f.process(p)...), uapi.EOPNOTSUPP)
	f.move(t, d, p)
	n, err = f.g.WriteThreads(f.ctx, t1, []byte(itoa(th.pid)), f.lookup, nil)
	require.NoError(t, err)
	require.Equal(t, len(itoa(th.pid)), n)
	cs := th.cg.CSSSet()
	require.Same(t, t1, cs.DflCgroup())
	require.Same(t, p.cg.CSSSet(), cs.DomCSSSet(), "chained to the domain's css_set")
	require.Same(t, d.CSS(0), cs.Subsys(0), "memory stays the domain's")
	require.Equal(t, int64(2), p.cg.CSSSet().Count(), "p and the threaded css_set")

	procs, err := f.g.ReadProcs(d, vnr)
	require.NoError(t, err)
	require.Equal(t, itoa(p.pid)+"\n", procs)
	_, err = f.g.ReadProcs(t1, vnr)
	require.ErrorIs(t, err, uapi.EOPNOTSUPP)
	threads, err := f.g.ReadThreads(t1, vnr)
	require.NoError(t, err)
	require.Equal(t, itoa(th.pid)+"\n", threads)
	threads, err = f.g.ReadThreads(d, vnr)
	require.NoError(t, err)
	require.Equal(t, itoa(p.pid)+"\n", threads)

	before := f.snapshot(t)
	_, err = f.g.WriteThreads(f.ctx, other, []byte(itoa(th.pid)), f.lookup, nil)
	require.ErrorIs(t, err, uapi.EOPNOTSUPP)
	require.Equal(t, "cgroup_threads_write", err.(*uapi.Error).Check)
	require.Equal(t, before, f.snapshot(t))
	_, err = f.g.WriteType(f.ctx, other, []byte("threaded"))
	require.NoError(t, err, "the root is mixable")
	before = f.snapshot(t)
	_, err = f.g.WriteSubtreeControl(f.ctx, d, []byte("+memory"))
	require.ErrorIs(t, err, uapi.EOPNOTSUPP, "d is a thread root")
	require.Equal(t, before, f.snapshot(t))
	write(t, f, d, "+pids")
	require.NotNil(t, t1.CSS(1), "threaded controllers reach threaded cgroups")
	require.Same(t, t1.CSS(1), th.cg.CSSSet().Subsys(1))
	f.requireClean(t)
}

// cgroup.max.depth / cgroup.max.descendants writes: strstrip, "max" or
// kstrtoint base 0 (EINVAL, ERANGE), negative ERANGE, removed cgroup ENOENT;
// reads print "max" or the number.
func TestMaxFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		buf   string
		want  string
		errno uapi.Errno
	}{
		{"max", "max\n", 0},
		{" max\n", "max\n", 0},
		{"5", "5\n", 0},
		{"0x10\n", "16\n", 0},
		{"010", "8\n", 0},
		{"+7", "7\n", 0},
		{"0", "0\n", 0},
		{"2147483647", "max\n", 0},
		{"2147483648", "", uapi.ERANGE},
		{"-1", "", uapi.ERANGE},
		{"-0", "0\n", 0},
		{"abc", "", uapi.EINVAL},
		{"5 6", "", uapi.EINVAL},
		{"MAX", "", uapi.EINVAL},
		{"", "", uapi.EINVAL},
		{"0x", "", uapi.EINVAL},
		{"99999999999999999999", "", uapi.ERANGE},
	} {
		for _, file := range []string{"depth", "descendants"} {
			t.Run(file+"/"+tc.buf, func(t *testing.T) {
				t.Parallel()
				f := newFix(t, v2)
				a := f.mkdir(t, f.dflRoot(), "a")
				wr, rd := f.g.WriteMaxDepth, f.g.ReadMaxDepth
				if file == "descendants" {
					wr, rd = f.g.WriteMaxDescendants, f.g.ReadMaxDescendants
				}
				before := f.snapshot(t)
				n, err := wr(f.ctx, a, []byte(tc.buf))
				if tc.errno != 0 {
					require.ErrorIs(t, err, tc.errno)
					require.Equal(t, before, f.snapshot(t))
					got, err := rd(a)
					require.NoError(t, err)
					require.Equal(t, "max\n", got)
				} else {
					require.NoError(t, err)
					require.Equal(t, len(tc.buf), n)
					got, err := rd(a)
					require.NoError(t, err)
					require.Equal(t, tc.want, got)
				}
				f.requireClean(t)
			})
		}
	}
}

func TestMaxFilesRemovedAndV1(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	a := f.mkdir(t, f.dflRoot(), "a")
	f.rmdir(t, a)
	_, err := f.g.WriteMaxDepth(f.ctx, a, []byte("3"))
	require.ErrorIs(t, err, uapi.ENOENT)
	require.Equal(t, "cgroup_kn_lock_live", err.(*uapi.Error).Check)
	_, err = f.g.WriteMaxDescendants(f.ctx, a, []byte("-1"))
	require.ErrorIs(t, err, uapi.ERANGE, "parsed before the cgroup is looked at")
	_, err = f.g.ReadMaxDepth(a)
	require.ErrorIs(t, err, uapi.ENODEV)
	f.requireClean(t)

	g := newFix(t, v1)
	_, err = g.g.WriteMaxDepth(g.ctx, g.root("memory"), []byte("3"))
	require.ErrorIs(t, err, uapi.ENOENT)
	g.requireClean(t)
}
