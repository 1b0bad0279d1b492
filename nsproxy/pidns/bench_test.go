package pidns_test

import (
	"strconv"
	"testing"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/refcount"
)

// BenchmarkAllocFreePid is the pid side of a fork+exit: alloc_pid in a
// namespace at the given level, then free_pid and the final put_pid. The one
// allocation per operation is the struct pid itself (levels up to 3 keep
// their numbers inline; deeper pids need a second one for the numbers).
func BenchmarkAllocFreePid(b *testing.B) {
	for _, level := range []int{0, 1, 3, 5} {
		b.Run("level"+strconv.Itoa(level), func(b *testing.B) {
			f := newFix(b, refcount.Linux419, 0)
			nss := f.chain(b, level)
			n := f.g.Init
			if level > 0 {
				n = nss[level-1]
			}
			keep := f.alloc(b, n) // the namespace's init, so it never empties
			b.ReportAllocs()
			for b.Loop() {
				p, err := pidns.AllocPid(f.ctx, n)
				if err != nil {
					b.Fatal(err)
				}
				pidns.FreePid(f.ctx, p, nil)
			}
			b.StopTimer()
			f.free(keep)
			f.putAll(nss)
			f.requireClean(b)
		})
	}
}

// BenchmarkAllocFreePidParallel runs the same cycle from many goroutines in
// one level-1 namespace: they contend on pidmap_lock as forks do.
func BenchmarkAllocFreePidParallel(b *testing.B) {
	f := newFix(b, refcount.Linux419, 0)
	l1 := f.child(b, f.g.Init)
	keep := f.alloc(b, l1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := ns.NewCtx(f.env, 0)
		for pb.Next() {
			p, err := pidns.AllocPid(ctx, l1)
			if err != nil {
				b.Error(err)
				return
			}
			pidns.FreePid(ctx, p, nil)
		}
	})
	b.StopTimer()
	f.free(keep)
	l1.Put(f.ctx)
	f.requireClean(b)
}
