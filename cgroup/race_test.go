package cgroup_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Forkers fork, thread, exit and free children of parents that a migrator
// keeps moving between cgroups, while another goroutine toggles controllers
// (re-homing every task), another creates, populates, empties and removes a
// cgroup, and readers render files. Afterwards the counters recompute
// (Check), and cleaning up leaves nothing. Run with -race.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, m)
			f.mem.SetQuiet(true)
			f.pids.SetQuiet(true)
			root := f.root("memory")
			dirs := []*cgroup.Cgroup{f.mkdir(t, root, "a"), f.mkdir(t, root, "b"), f.mkdir(t, root, "c")}
			const forkers, rounds = 4, 150
			parents := make([]*task, forkers)
			for i := range parents {
				parents[i] = f.fork(t, f.init)
				f.thread(t, parents[i])
			}
			fail := func(err error) {
				if err != nil {
					t.Error(err)
				}
			}
			var wg sync.WaitGroup
			for w := range forkers {
				wg.Go(func() {
					ctx := ns.NewCtx(f.env, 0)
					for i := range rounds {
						c, err := f.forkAs(ctx, parents[w], nil)
						fail(err)
						var th *task
						if i%3 == 0 {
							th, err = f.forkAs(ctx, c, c)
							fail(err)
						}
						if th != nil {
							f.exit(ctx, th)
						}
						f.exit(ctx, c)
						if th != nil {
							f.free(ctx, th)
						}
						f.free(ctx, c)
					}
				})
			}
			wg.Go(func() { // migrator
				ctx := ns.NewCtx(f.env, 0)
				r := rand.New(rand.NewPCG(1, 2))
				for range rounds * 2 {
					p := parents[r.IntN(len(parents))]
					fail(f.g.AttachTask(ctx, dirs[r.IntN(len(dirs))], f.process(p)...))
				}
			})
			wg.Go(func() { // controller toggler (v2) / idle (v1)
				if m.name != "v2" {
					return
				}
				ctx := ns.NewCtx(f.env, 0)
				ok := func(err error) {
					if err != nil && uapi.ErrnoOf(err) != uapi.EBUSY {
						t.Error(err)
					}
				}
				for range rounds / 3 {
					for _, s := range []struct {
						c   *cgroup.Cgroup
						buf string
					}{{root, "+memory +pids"}, {dirs[0], "+pids"}, {dirs[0], "-pids"}, {root, "-memory -pids"}} {
						_, err := f.g.WriteSubtreeControl(ctx, s.c, []byte(s.buf))
						ok(err)
					}
				}
			})
			wg.Go(func() { // mkdir / rmdir churn with a process of its own
				ctx := ns.NewCtx(f.env, 0)
				own, err := f.forkAs(ctx, f.init, nil)
				fail(err)
				for range rounds / 3 {
					x, err := f.g.Mkdir(ctx, root, "x")
					fail(err)
					fail(f.g.AttachTask(ctx, x, own))
					c, err := f.forkAs(ctx, own, nil)
					fail(err)
					f.exit(ctx, c)
					fail(f.g.AttachTask(ctx, root, own))
					fail(f.g.Rmdir(ctx, x))
					f.free(ctx, c) // frees the dying x
				}
				f.exit(ctx, own)
				f.free(ctx, own)
			})
			wg.Go(func() { // readers
				ctx := ns.NewCtx(f.env, 0)
				for range rounds {
					for _, d := range dirs {
						_, err := f.g.ReadProcs(d, vnr)
						fail(err)
					}
					p := parents[0]
					_, err := f.g.ProcCgroupTask(ctx, &p.cg, false, f.g.InitCSSSet())
					fail(err)
					_ = root.NrDyingDescendants()
					_ = f.g.ProcCgroups()
				}
			})
			wg.Wait()
			require.NoError(t, f.g.Check())
			require.Zero(t, root.NrDyingDescendants(), "all dying cgroups were freed")
			for _, p := range parents {
				require.Equal(t, 2, p.cg.CSSSet().NrTasks()-otherTasks(f, p))
			}
			f.requireClean(t)
		})
	}
}

// otherTasks counts the tasks sharing p's css_set that are not p's process.
func otherTasks(f *fix, p *task) int {
	n := 0
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tasks {
		if t.cg.CSSSet() == p.cg.CSSSet() && t != p && t.leader != p && !t.exited {
			n++
		}
	}
	return n
}
