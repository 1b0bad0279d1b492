package cgroup_test

import "testing"

// cgroup_path_ns of a cgroup three levels down, seen from a namespace
// rooted in a sibling subtree ("/../../x/y/z"): the walk to the common
// ancestor and the path build under cgroup_mutex and css_set_lock.
func BenchmarkPathNS(b *testing.B) {
	f := newFix(b, v2)
	root := f.dflRoot()
	x := f.mkdir(b, root, "x")
	y := f.mkdir(b, x, "y")
	z := f.mkdir(b, y, "z")
	a := f.mkdir(b, root, "a")
	s := f.mkdir(b, a, "s")
	creator := f.fork(b, f.init)
	f.move(b, s, creator)
	n := f.nsOf(creator)
	b.ReportAllocs()
	for b.Loop() {
		if p := f.g.PathNS(z, n); p != "/../../x/y/z" {
			b.Fatal(p)
		}
	}
	b.StopTimer()
	f.move(b, root, creator)
	f.putNS(n)
	f.requireClean(b)
}
