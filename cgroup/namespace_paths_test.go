package cgroup_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ns"
)

// fakeNS is a cgroup namespace rooted at a css_set it pins, as
// copy_cgroup_ns makes one (nsproxy/cgroupns is the real thing).
type fakeNS struct {
	root *cgroup.CSSSet
	init bool
}

func (n *fakeNS) RootCSet() *cgroup.CSSSet { return n.root }
func (n *fakeNS) IsInitNS() bool           { return n.init }
func (n *fakeNS) Get()                     {}
func (n *fakeNS) Put(*ns.Ctx)              {}

// nsOf makes a namespace rooted at tk's css_set, which it pins until
// free (putNScgroup_ns's put_css_set).
func (f *fix) nsOf(tk *task) *fakeNS { return &fakeNS{root: tk.cg.GetCSSSet()} }

func (f *fix) putNS(n *fakeNS) { n.root.Put(f.ctx) }

// at walks from c down a "/"-separated path.
func at(c *cgroup.Cgroup, path string) *cgroup.Cgroup {
	for _, name := range strings.Split(path, "/") {
		if name != "" {
			c = c.Child(name)
		}
	}
	return c
}

// cgroup_path_ns on both hierarchy kinds, from namespaces rooted at
// different depths: "/" at the root, names below it, one "/.." per level
// up to the common ancestor (kernfs_path_from_node). Linux 6.18 prints the
// same for a v1 pids hierarchy (unshare -C in /a: "/..", "/../b", "/sub").
func TestPathNS(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, m)
			root := f.root("pids")
			for _, p := range []string{"a", "a/sub", "a/sub/deep", "b", "b/c"} {
				f.mkdir(t, at(root, p[:strings.LastIndexByte(p, '/')+1]), p[strings.LastIndexByte(p, '/')+1:])
			}
			inA, inSub := f.fork(t, f.init), f.fork(t, f.init)
			f.move(t, at(root, "a"), inA)
			f.move(t, at(root, "a/sub"), inSub)
			nsA, nsSub := f.nsOf(inA), f.nsOf(inSub)
			initNS := f.g.InitCgroupNS()
			for _, tc := range []struct {
				n    cgroup.CgroupNS
				path string
				want string
			}{
				{initNS, "", "/"},
				{initNS, "a/sub", "/a/sub"},
				{nsA, "a", "/"},
				{nsA, "a/sub", "/sub"},
				{nsA, "a/sub/deep", "/sub/deep"},
				{nsA, "", "/.."},
				{nsA, "b", "/../b"},
				{nsA, "b/c", "/../b/c"},
				{nsSub, "a/sub", "/"},
				{nsSub, "a", "/.."},
				{nsSub, "", "/../.."},
				{nsSub, "b/c", "/../../b/c"},
				{nsSub, "a/sub/deep", "/deep"},
			} {
				require.Equal(t, tc.want, f.g.PathNS(at(root, tc.path), tc.n), "/%s", tc.path)
			}
			// On a hierarchy where the namespace's creator sat in the root
			// (the memory hierarchy in v1 mode), nothing is outside.
			if m.name == "v1" {
				mem := f.root("memory")
				require.Equal(t, "/", f.g.PathNS(mem, nsA))
			}
			f.move(t, root, inA)
			f.move(t, root, inSub)
			f.putNS(nsA)
			f.putNS(nsSub)
			f.requireClean(t)
		})
	}
}

// /proc/<pid>/cgroup through a namespace: every line relative to the
// namespace root on its hierarchy; the path of a cgroup removed while the
// namespace pins it still prints (v2 adds " (deleted)").
func TestProcCgroupNS(t *testing.T) {
	t.Parallel()
	f := newFix(t, v1)
	pids, mem := f.root("pids"), f.root("memory")
	a := f.mkdir(t, pids, "a")
	b := f.mkdir(t, pids, "b")
	x := f.mkdir(t, mem, "x")
	creator := f.fork(t, f.init)
	f.move(t, a, creator)
	f.move(t, x, creator)
	n := f.nsOf(creator)
	other := f.fork(t, f.init)
	f.move(t, b, other)

	show := func(tk *task) string {
		s, err := f.g.ProcCgroupTask(f.ctx, &tk.cg, false, n.RootCSet())
		require.NoError(t, err)
		return s
	}
	require.Equal(t, "2:pids:/\n1:memory:/\n0::/\n", show(creator))
	require.Equal(t, "2:pids:/../b\n1:memory:/..\n0::/\n", show(other))
	require.Equal(t, "2:pids:/..\n1:memory:/..\n0::/\n", show(f.init))

	// The creator leaves; /a goes away but stays the namespace's root.
	f.move(t, pids, creator)
	f.move(t, mem, creator)
	f.rmdir(t, a)
	require.True(t, n.RootCSet().Dead())
	require.Equal(t, "2:pids:/..\n1:memory:/..\n0::/\n", show(creator))
	require.Equal(t, "/../b", f.g.PathNS(b, n))
	f.putNS(n)
	f.requireClean(t)
}
