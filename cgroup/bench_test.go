package cgroup_test

import (
	"testing"

	"github.com/kernsim/kernsim/cgroup"
)

// BenchmarkFork is the cgroup side of a fork+exit+reap of a process in a
// v2 cgroup with memory and pids enabled: cgroup_fork, cgroup_can_fork,
// cgroup_post_fork (get_css_set on the parent's css_set: no lookup), then
// cgroup_exit and cgroup_free.
func BenchmarkFork(b *testing.B) {
	f := newFix(b, v2)
	f.mem.SetQuiet(true)
	f.pids.SetQuiet(true)
	write(b, f, f.dflRoot(), "+memory +pids")
	a := f.mkdir(b, f.dflRoot(), "a")
	p := f.fork(b, f.init)
	f.move(b, a, p)
	c := &task{}
	b.ReportAllocs()
	for b.Loop() {
		*c = task{}
		f.g.Fork(c)
		f.g.ThreadgroupChangeBegin()
		if err := f.g.CanFork(f.ctx, c, p); err != nil {
			b.Fatal(err)
		}
		f.g.PostFork(f.ctx, c, p)
		f.g.ThreadgroupChangeEnd()
		c.exiting.Store(true)
		f.g.Exit(f.ctx, c)
		f.g.Free(f.ctx, c)
	}
	b.StopTimer()
	f.requireClean(b)
}

// BenchmarkMigrate moves a two-thread process back and forth between two
// cgroups (cgroup_attach_task). With "existing", other processes keep both
// destination css_sets alive, so find_css_set finds them in the hash; with
// "new", each move creates the destination css_set and frees the source.
func BenchmarkMigrate(b *testing.B) {
	for _, tc := range []struct {
		name    string
		anchors bool
	}{{"existing", true}, {"new", false}} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFix(b, v2)
			f.mem.SetQuiet(true)
			f.pids.SetQuiet(true)
			write(b, f, f.dflRoot(), "+memory +pids")
			x, y := f.mkdir(b, f.dflRoot(), "x"), f.mkdir(b, f.dflRoot(), "y")
			if tc.anchors {
				f.move(b, x, f.fork(b, f.init))
				f.move(b, y, f.fork(b, f.init))
			}
			p := f.fork(b, f.init)
			f.thread(b, p)
			tasks := f.process(p)
			dst := [2]*cgroup.Cgroup{x, y}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := f.g.AttachTask(f.ctx, dst[i&1], tasks...); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.StopTimer()
			f.requireClean(b)
		})
	}
}

// BenchmarkProcCgroup renders /proc/<pid>/cgroup for a task two levels
// deep on two v1 hierarchies plus v2.
func BenchmarkProcCgroup(b *testing.B) {
	f := newFix(b, v1)
	p := f.fork(b, f.init)
	for _, ctrl := range []string{"memory", "pids"} {
		c := f.mkdir(b, f.mkdir(b, f.root(ctrl), "system.slice"), "sshd.service")
		f.move(b, c, p)
	}
	cs, root := p.cg.CSSSet(), f.g.InitCSSSet()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.g.ProcCgroup(f.ctx, cs, false, root); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	f.requireClean(b)
}
