package pidns_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Workers allocate, look up and free pids at every level of a three-deep
// chain while another creates and destroys namespaces below it; afterwards
// every namespace's live numbers are unique, resolve to their pid and match
// pid_allocated, and concurrent frees leave nothing behind. Run with -race.
func TestConcurrentAllocFree(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, 0)
			nss := f.chain(t, 3)
			levels := append([]*pidns.Namespace{f.g.Init}, nss...)
			const workers, each = 8, 150
			got := make([][]*pidns.Pid, workers+1)
			// Each namespace keeps an init of its own throughout: a namespace
			// emptied while it has PIDNS_ADDING is dead (free_pid sets 0),
			// and pids of l1's short-lived children count in l1 too.
			for _, n := range nss {
				got[workers] = append(got[workers], f.alloc(t, n))
			}
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					ctx := ns.NewCtx(f.env, 0)
					n := levels[w%len(levels)]
					for i := range each {
						p, err := pidns.AllocPid(ctx, n)
						if err != nil {
							t.Error(err)
							return
						}
						p.Attach(w)
						if i%3 != 1 {
							got[w] = append(got[w], p)
							continue
						}
						q := n.FindGetPid(int(p.Nr(n)))
						if q != p || n.FindTask(int(p.Nr(n))) != w {
							t.Errorf("lookup of %v in %s: %p, want %p", p.Numbers(), n.Link(), q, p)
						}
						q.Put(ctx)
						pidns.FreePid(ctx, p, nil)
					}
				})
			}
			wg.Go(func() {
				ctx := ns.NewCtx(f.env, 0)
				for range 100 {
					c, err := pidns.CopyPidNS(ctx, uapi.CLONE_NEWPID, f.ug.Init, nss[0], nss[0])
					if err != nil {
						t.Error(err)
						return
					}
					p, err := pidns.AllocPid(ctx, c)
					if err != nil {
						t.Error(err)
						return
					}
					if p.Nr(c) != 1 {
						t.Errorf("first pid of %s is %d", c.Link(), p.Nr(c))
					}
					_ = nss[1].LastPid()
					_ = f.g.Init.AppendPids(nil)
					pidns.FreePid(ctx, p, nil)
					c.Put(ctx)
				}
			})
			wg.Wait()

			for li, n := range levels {
				seen := map[int32]*pidns.Pid{}
				if li == 0 {
					seen[1] = f.initPid
				}
				for _, ps := range got {
					for _, p := range ps {
						nr := p.Nr(n)
						if nr == 0 {
							continue
						}
						require.Nil(t, seen[nr], "%s: number %d handed out twice", n.Link(), nr)
						seen[nr] = p
						require.Same(t, p, n.FindPid(int(nr)))
					}
				}
				require.Equal(t, pidns.PIDNS_ADDING|uint32(len(seen)), n.PidAllocated(), n.Link())
				require.Len(t, n.AppendPids(nil), len(seen))
			}
			require.Equal(t, workers*(each-each/3)+len(nss)+1, f.env.Refs.CountKind("pid"))

			for w := range got {
				wg.Go(func() {
					ctx := ns.NewCtx(f.env, 0)
					for _, p := range got[w] {
						pidns.FreePid(ctx, p, nil)
					}
				})
			}
			wg.Wait()
			f.putAll(nss)
			f.requireClean(t)
		})
	}
}

// Concurrent get/put of one namespace and one pid: the counts return to where
// they were and nothing is freed early.
func TestConcurrentRefs(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 0)
	l1 := f.child(t, f.g.Init)
	p := f.alloc(t, l1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ctx := ns.NewCtx(f.env, 0)
			for range 1000 {
				l1.Get()
				q := l1.FindGetPid(1)
				q.Put(ctx)
				l1.Put(ctx)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(2), l1.Count(), "creator + pid")
	require.Equal(t, int64(1), p.Count())
	f.free(p)
	l1.Put(f.ctx)
	f.requireClean(t)
}
