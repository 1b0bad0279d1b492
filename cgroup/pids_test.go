package cgroup_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/refcount"
	ktask "github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// pfix is the package fixture (fix) with the real pids controller in
// place of the pids stand-in, next to the memory stand-in and an "rdma"
// stand-in that comes after pids in id order (memory 0, pids 1, rdma 2), so
// a refusal of rdma's can_fork or can_attach makes the core cancel pids'
// successful one. On v1, memory is mounted alone and pids with rdma; on v2,
// "+pids" is enabled on the root unless noEnable.
type pfix struct {
	*fix
	pc       *cgroup.PidsController
	rdma     *cgroup.TestController
	ssid     int
	v1       bool
	mainline bool
	released map[*task]bool // through release_task, not yet freed
}

type pidsMode struct {
	name        string
	v1          bool
	mainline    bool
	localEvents bool // cgroup2 mounted with pids_localevents
}

var pidsModes = []pidsMode{
	{name: "v2/4.19"}, {name: "v1/4.19", v1: true},
	{name: "v2/mainline", mainline: true}, {name: "v1/mainline", v1: true, mainline: true},
}

func newPidsFix(t testing.TB, m pidsMode, noEnable ...bool) *pfix {
	t.Helper()
	flav := refcount.Linux419
	if m.mainline {
		flav = refcount.Mainline
	}
	env := &ns.Env{Refs: refcount.NewDomain(flav), Trace: trace.New(), Flavour: flav}
	f := &fix{
		env: env,
		ctx: ns.NewCtx(env, 0),
		mem: cgroup.NewTestController("memory", false),
		// Not registered: fix.snapshot reads its Live(), always 0 here.
		pids:  cgroup.NewTestController("pids", true),
		tasks: map[int]*task{},
	}
	pf := &pfix{fix: f, pc: cgroup.NewPidsController(), rdma: cgroup.NewTestController("rdma", false),
		v1: m.v1, mainline: m.mainline, released: map[*task]bool{}}
	pf.rdma.SetQuiet(true)
	f.mem.SetQuiet(true)
	opt := cgroup.Options{Subsys: []cgroup.Subsys{pf.rdma, pf.pc, f.mem}, PidsLocalEvents: m.localEvents}
	if m.v1 {
		opt.V1 = [][]string{{"memory"}, {"pids", "rdma"}}
	}
	g, err := cgroup.NewGlobals(env, opt)
	require.NoError(t, err)
	f.g = g
	pf.ssid = g.SubsysID("pids")
	require.Equal(t, 1, pf.ssid, "pids comes after memory and before rdma")
	f.idle = &task{}
	g.Fork(f.idle)
	f.init = f.fork(t, f.idle)
	if !m.v1 && (len(noEnable) == 0 || !noEnable[0]) {
		_, err := g.WriteSubtreeControl(f.ctx, pf.root(), []byte("+pids"))
		require.NoError(t, err)
	}
	return pf
}

// root is the root cgroup of the hierarchy pids is bound to.
func (pf *pfix) root() *cgroup.Cgroup { return pf.g.SubsysRoot(pf.ssid).Cgroup() }

// mkdir makes parent/name with a pids css: on v2, "+pids" is enabled in
// parent's subtree_control first.
func (pf *pfix) mkdir(t testing.TB, parent *cgroup.Cgroup, name string) *cgroup.Cgroup {
	t.Helper()
	if !pf.v1 && parent.SubtreeControl()&pf.g.Mask("pids") == 0 {
		_, err := pf.g.WriteSubtreeControl(pf.ctx, parent, []byte("+pids"))
		require.NoError(t, err)
	}
	return pf.fix.mkdir(t, parent, name)
}

func (pf *pfix) state(c *cgroup.Cgroup) *cgroup.PidsCgroup { return cgroup.PidsOf(c.CSS(pf.ssid)) }

func (pf *pfix) setMax(t testing.TB, c *cgroup.Cgroup, s string) {
	t.Helper()
	n, err := pf.g.WritePidsMax(pf.ctx, c, []byte(s))
	require.NoError(t, err)
	require.Equal(t, len(s), n)
}

// files reads pids.max, pids.current and pids.events.
func (pf *pfix) files(t testing.TB, c *cgroup.Cgroup) [3]string {
	t.Helper()
	m, err := pf.g.ReadPidsMax(c)
	require.NoError(t, err)
	cur, err := pf.g.ReadPidsCurrent(c)
	require.NoError(t, err)
	ev, err := pf.g.ReadPidsEvents(c)
	require.NoError(t, err)
	return [3]string{m, cur, ev}
}

func (pf *pfix) current(t testing.TB, c *cgroup.Cgroup) int {
	t.Helper()
	s, err := pf.g.ReadPidsCurrent(c)
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSuffix(s, "\n"))
	require.NoError(t, err)
	return n
}

// release runs cgroup_release (release_task): mainline uncharges here.
func (pf *pfix) release(ctx *ns.Ctx, ts ...*task) {
	for _, tk := range ts {
		pf.g.Release(ctx, tk)
		pf.mu.Lock()
		pf.released[tk] = true
		pf.mu.Unlock()
	}
}

func (pf *pfix) free(ctx *ns.Ctx, ts ...*task) {
	pf.fix.free(ctx, ts...)
	pf.mu.Lock()
	for _, tk := range ts {
		delete(pf.released, tk)
	}
	pf.mu.Unlock()
}

// reap is exit, release_task, then the last put of the task_struct.
func (pf *pfix) reap(ctx *ns.Ctx, ts ...*task) {
	pf.exit(ctx, ts...)
	pf.release(ctx, ts...)
	pf.free(ctx, ts...)
}

// requireCharges recomputes every pids counter from the tasks, independently
// of the controller: each task that is still charged (forked through
// can_fork or moved in, not yet freed — or, in mainline, not yet released)
// counts 1 in the pids css its css_set points at and in each ancestor css
// below the root; every other css counts 0, and the root css is never
// charged.
func (pf *pfix) requireCharges(t testing.TB) {
	t.Helper()
	want := map[*cgroup.CSS]int64{}
	pf.mu.Lock()
	for _, tk := range pf.tasks {
		if pf.mainline && pf.released[tk] {
			continue
		}
		for css := cgroup.TaskCSS(tk, pf.ssid); css.Parent() != nil; css = css.Parent() {
			want[css]++
		}
	}
	pf.mu.Unlock()
	seen := map[*cgroup.CSS]bool{}
	var walk func(c *cgroup.Cgroup)
	walk = func(c *cgroup.Cgroup) {
		if css := c.CSS(pf.ssid); css != nil {
			seen[css] = true
			require.Equal(t, want[css], cgroup.PidsOf(css).Current(), "pids.current of %s", c.Path())
		}
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(pf.root())
	require.Zero(t, pf.state(pf.root()).Current(), "the root is never charged")
	for css, n := range want { // dying csses still charged by zombies
		if !seen[css] {
			require.Equal(t, n, cgroup.PidsOf(css).Current(), "pids.current of dying %s", css.Cgroup().Path())
		}
	}
}

// snapshot is fix.snapshot plus every pids state of the pids hierarchy
// (counter and limit; with events also the event count, notifications and
// log line) and the number of live pids states.
func (pf *pfix) snapshot(t testing.TB, events bool) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(pf.fix.snapshot(t))
	var walk func(c *cgroup.Cgroup)
	walk = func(c *cgroup.Cgroup) {
		if p := pf.state(c); p != nil {
			b.WriteString("pids " + c.Path() + " cur=" + strconv.FormatInt(p.Current(), 10) +
				" max=" + strconv.FormatInt(p.Limit(), 10))
			if events {
				b.WriteString(" ev=" + strconv.FormatInt(p.EventsLimit(), 10) +
					" notified=" + strconv.FormatUint(p.EventsNotified(), 10) + " log=" + p.RejectLog())
			}
			b.WriteString("\n")
		}
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(pf.root())
	b.WriteString("pids states=" + strconv.Itoa(pf.pc.Live()) + "\n")
	return b.String()
}

// requireClean reaps every task but init, checks the charges, moves init to
// the roots, removes every cgroup, reaps init, and checks that nothing is
// left: no tracked object, init_css_set alone, only root states, every root
// counter 0, no warning.
func (pf *pfix) requireClean(t testing.TB) {
	t.Helper()
	require.NoError(t, pf.g.Check())
	pf.requireCharges(t)
	pf.mu.Lock()
	var rest []*task
	for pid, tk := range pf.tasks {
		if pid != 1 {
			rest = append(rest, tk)
		}
	}
	pf.mu.Unlock()
	for _, tk := range rest {
		if !tk.exited {
			pf.exit(pf.ctx, tk)
		}
		if !pf.released[tk] {
			pf.release(pf.ctx, tk)
		}
		pf.free(pf.ctx, tk)
	}
	for _, r := range pf.g.Roots() {
		require.NoError(t, pf.g.AttachTask(pf.ctx, r.Cgroup(), pf.init))
	}
	pf.requireCharges(t)
	rmdirAll(t, pf.g, pf.ctx)
	require.NoError(t, pf.g.Check())
	pf.reap(pf.ctx, pf.init)
	require.NoError(t, pf.env.Refs.Leaks())
	require.Equal(t, 1, pf.g.NrCSSSets())
	require.Equal(t, int64(1), pf.g.InitCSSSet().Count())
	require.Equal(t, 1, pf.pc.Live(), "pids states: only the root css")
	require.Equal(t, 1, pf.mem.Live())
	require.Equal(t, 1, pf.rdma.Live())
	require.Zero(t, pf.state(pf.root()).Current())
	for _, r := range pf.g.Roots() {
		require.Equal(t, 1, r.NrCgroups())
		require.False(t, r.Cgroup().Populated())
	}
	require.Empty(t, pf.env.Refs.Warnings())
	require.NoError(t, pf.g.Check())
}

// requireEAGAIN checks a fork refused by the pids controller.
func requireEAGAIN(t testing.TB, err error) {
	t.Helper()
	require.ErrorIs(t, err, uapi.EAGAIN)
	var ue *uapi.Error
	require.True(t, errors.As(err, &ue))
	require.Equal(t, "pids_can_fork", ue.Check)
}

// PIDS_MAX is PID_MAX_LIMIT + 1 = 4194305 on 64-bit (reference §2, §8).
func TestPidsMaxConstant(t *testing.T) {
	t.Parallel()
	require.Equal(t, int64(4194305), cgroup.PIDS_MAX)
	require.Equal(t, int64(pidns.PID_MAX_LIMIT+1), cgroup.PIDS_MAX)
}

// A fork bomb in a cgroup with pids.max = N: processes and threads forked
// by any member succeed until the cgroup holds N tasks, then every fork
// fails with EAGAIN and changes nothing but pids.events, which counts each
// refusal; the kernel logs the refusal once.
func TestPidsForkBomb(t *testing.T) {
	t.Parallel()
	for _, m := range pidsModes {
		for _, n := range []int{1, 2, 7} {
			t.Run(m.name+"/max="+itoa(n), func(t *testing.T) {
				t.Parallel()
				pf := newPidsFix(t, m)
				bomb := pf.mkdir(t, pf.root(), "bomb")
				pf.setMax(t, bomb, itoa(n))
				leader := pf.fork(t, pf.init)
				pf.move(t, bomb, leader)
				members := []*task{leader}
				for i := 1; i < n; i++ {
					parent := members[i/2]
					var c *task
					if i%3 == 2 {
						c = pf.thread(t, parent)
					} else {
						c = pf.fork(t, parent)
					}
					members = append(members, c)
				}
				require.Equal(t, [3]string{itoa(n) + "\n", itoa(n) + "\n", "max 0\n"}, pf.files(t, bomb))
				pf.requireCharges(t)
				require.Empty(t, pf.state(bomb).RejectLog())

				for i := 1; i <= 3; i++ {
					before := pf.snapshot(t, false)
					p := members[i%len(members)]
					var err error
					if i == 2 {
						_, err = pf.forkAs(pf.ctx, p, leader) // a thread
					} else {
						_, err = pf.forkAs(pf.ctx, p, nil)
					}
					requireEAGAIN(t, err)
					require.Equal(t, before, pf.snapshot(t, false))
					st := pf.state(bomb)
					require.Equal(t, int64(i), st.EventsLimit())
					require.Equal(t, uint64(i), st.EventsNotified())
					require.Equal(t, "max "+itoa(i)+"\n", pf.files(t, bomb)[2])
					require.Equal(t, "cgroup: fork rejected by pids controller in /bomb", st.RejectLog())
				}
				require.Equal(t, itoa(n)+"\n", pf.files(t, bomb)[1])
				// Raising the limit lets exactly one more in.
				pf.setMax(t, bomb, itoa(n+1))
				members = append(members, pf.fork(t, leader))
				_, err := pf.forkAs(pf.ctx, leader, nil)
				requireEAGAIN(t, err)
				require.Equal(t, "max 4\n", pf.files(t, bomb)[2])
				pf.requireCharges(t)
				pf.requireClean(t)
			})
		}
	}
}

// Limits are hierarchical: a fork is charged to the forking cgroup and
// every ancestor below the root, and the first level over its pids.max
// refuses it, every level touched giving its charge back. In 4.19 the
// refusal is counted in pids.events of the cgroup the fork came from
// (pids_can_fork increments events_limit of the forking task's css), not
// of the cgroup whose limit was hit.
func TestPidsHierarchicalLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		pMax, cMax string
		sibling    bool // a task of p/s is counted in p too
		forks      int  // forks by the task in p/c that succeed
		pCur, cCur int  // when full
	}{
		{"parent limit stops the child's fork", "2", "max", false, 1, 2, 2},
		{"child limit is tighter", "5", "1", false, 0, 1, 1},
		{"equal limits", "3", "3", false, 2, 3, 3},
		{"a sibling's tasks use the parent's budget", "3", "max", true, 1, 3, 2},
		{"max everywhere stops nothing within the test", "max", "max", false, 9, 10, 10},
	} {
		for _, m := range pidsModes[:2] {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				pf := newPidsFix(t, m)
				p := pf.mkdir(t, pf.root(), "p")
				c := pf.mkdir(t, p, "c")
				s := pf.mkdir(t, p, "s")
				if tc.sibling {
					pf.move(t, s, pf.fork(t, pf.init))
				}
				pf.setMax(t, p, tc.pMax)
				pf.setMax(t, c, tc.cMax)
				leader := pf.fork(t, pf.init)
				pf.move(t, c, leader)
				for range tc.forks {
					pf.fork(t, leader)
				}
				require.Equal(t, tc.pCur, pf.current(t, p))
				require.Equal(t, tc.cCur, pf.current(t, c))
				pf.requireCharges(t)
				if tc.pMax == "max" {
					pf.requireClean(t)
					return
				}
				before := pf.snapshot(t, false)
				_, err := pf.forkAs(pf.ctx, leader, nil)
				requireEAGAIN(t, err)
				require.Equal(t, before, pf.snapshot(t, false), "every level gave its charge back")
				require.Equal(t, "max 1\n", pf.files(t, c)[2], "counted where the fork came from")
				require.Equal(t, "max 0\n", pf.files(t, p)[2])
				require.Equal(t, "max 0\n", pf.files(t, s)[2])
				require.Equal(t, "cgroup: fork rejected by pids controller in /p/c", pf.state(c).RejectLog())
				require.Empty(t, pf.state(p).RejectLog())
				if tc.sibling {
					// The sibling is stopped by p's limit too, and it is its
					// own counter that moves.
					sib := pf.fork(t, pf.init)
					pf.move(t, s, sib)
					pf.requireCharges(t) // the move ignored p's limit: 4 > 3
					require.Equal(t, 4, pf.current(t, p))
					_, err := pf.forkAs(pf.ctx, sib, nil)
					requireEAGAIN(t, err)
					require.Equal(t, "max 1\n", pf.files(t, s)[2])
					require.Equal(t, "max 1\n", pf.files(t, c)[2])
					require.Equal(t, "max 0\n", pf.files(t, p)[2])
				}
				pf.requireClean(t)
			})
		}
	}
}

// Migration moves the charge without looking at pids.max (pids_can_attach
// charges the destination and uncharges the source unconditionally), so
// pids.current can exceed pids.max; forks are refused until it is back
// under. Lowering pids.max below pids.current is allowed too.
func TestPidsAttachIgnoresMax(t *testing.T) {
	t.Parallel()
	for _, m := range pidsModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, m)
			if !m.v1 { // so that rdma's css differs between a and b
				_, err := pf.g.WriteSubtreeControl(pf.ctx, pf.root(), []byte("+rdma"))
				require.NoError(t, err)
			}
			a := pf.mkdir(t, pf.root(), "a")
			b := pf.mkdir(t, pf.root(), "b")
			pf.setMax(t, a, "1")
			p1 := pf.fork(t, pf.init)
			pf.thread(t, p1)
			pf.thread(t, p1)
			p2 := pf.fork(t, pf.init)
			pf.move(t, a, p1) // 3 tasks into pids.max 1
			pf.move(t, a, p2)
			require.Equal(t, [3]string{"1\n", "4\n", "max 0\n"}, pf.files(t, a))
			pf.requireCharges(t)
			_, err := pf.forkAs(pf.ctx, p2, nil)
			requireEAGAIN(t, err)

			pf.move(t, b, p2)
			require.Equal(t, 3, pf.current(t, a))
			require.Equal(t, 1, pf.current(t, b))
			before := pf.snapshot(t, true)
			pf.move(t, a, p1) // already there: no controller is asked
			require.Equal(t, before, pf.snapshot(t, true))

			pf.setMax(t, b, "0") // below pids.current: allowed
			require.Equal(t, [3]string{"0\n", "1\n", "max 0\n"}, pf.files(t, b))
			_, err = pf.forkAs(pf.ctx, p2, nil)
			requireEAGAIN(t, err)
			pf.requireCharges(t)

			// A later controller refusing the migration makes the core call
			// pids_cancel_attach, which moves every charge back.
			pf.rdma.SetFail("can_attach", uapi.EPERM)
			calls := pf.rdma.Calls("can_attach")
			before = pf.snapshot(t, true)
			err = pf.g.AttachTask(pf.ctx, b, pf.process(p1)...)
			require.ErrorIs(t, err, uapi.EPERM)
			require.Equal(t, calls+1, pf.rdma.Calls("can_attach"), "rdma was asked after pids")
			require.Equal(t, before, pf.snapshot(t, true))
			pf.rdma.SetFail("can_attach", 0)
			pf.requireClean(t)
		})
	}
}

// A later controller refusing the fork makes the core call
// pids_cancel_fork: the charge is given back and no event is counted.
func TestPidsCancelFork(t *testing.T) {
	t.Parallel()
	for _, m := range pidsModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, m)
			p := pf.mkdir(t, pf.root(), "p")
			c := pf.mkdir(t, p, "c")
			pf.setMax(t, p, "3")
			leader := pf.fork(t, pf.init)
			pf.move(t, c, leader)
			pf.rdma.SetFail("can_fork", uapi.ENOMEM)
			before := pf.snapshot(t, true)
			_, err := pf.forkAs(pf.ctx, leader, nil)
			require.ErrorIs(t, err, uapi.ENOMEM)
			require.Equal(t, before, pf.snapshot(t, true))
			pf.rdma.SetFail("can_fork", 0)
			pf.fork(t, leader)
			pf.fork(t, leader)
			_, err = pf.forkAs(pf.ctx, leader, nil)
			requireEAGAIN(t, err) // the cancelled fork left no charge behind
			pf.requireClean(t)
		})
	}
}

// A zombie keeps its charge: 4.19 uncharges in pids_free, when the
// task_struct is freed (cgroup_free), mainline in pids_release, when the
// task is reaped (release_task → cgroup_release). Either way exit alone
// uncharges nothing, and a removed cgroup's dying css keeps counting in its
// parent until then.
func TestPidsUnchargeAtFreeOrRelease(t *testing.T) {
	t.Parallel()
	for _, m := range pidsModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, m)
			p := pf.mkdir(t, pf.root(), "p")
			a := pf.mkdir(t, p, "a")
			pf.setMax(t, a, "2")
			leader := pf.fork(t, pf.init)
			pf.move(t, a, leader)
			child := pf.fork(t, leader)
			require.Equal(t, 2, pf.current(t, a))

			pf.exit(pf.ctx, child)
			require.Equal(t, 2, pf.current(t, a), "a zombie still counts")
			_, err := pf.forkAs(pf.ctx, leader, nil)
			requireEAGAIN(t, err)

			pf.env.Trace.Start()
			pf.release(pf.ctx, child)
			want := 2
			if m.mainline {
				want = 1
			}
			require.Equal(t, want, pf.current(t, a), "after release_task")
			require.Equal(t, want, pf.current(t, p))
			pf.requireCharges(t)
			pf.free(pf.ctx, child)
			pf.env.Trace.Stop()
			names := pf.env.Trace.Names()
			require.Contains(t, names, "cgroup_free")
			if m.mainline {
				require.Subset(t, names, []string{"cgroup_release", "pids_release"})
				require.NotContains(t, names, "pids_free")
			} else {
				require.NotContains(t, names, "cgroup_release", "4.19 has no cgroup_release")
				require.NotContains(t, names, "pids_release")
				require.Contains(t, names, "pids_free")
			}
			require.Equal(t, 1, pf.current(t, a), "after the task_struct is freed")
			require.Equal(t, 1, pf.current(t, p))
			pf.requireCharges(t)

			// A zombie in a cgroup removed under it: the dying css keeps the
			// charge, in p too, until release (mainline) or free (4.19).
			b := pf.mkdir(t, p, "b")
			z := pf.fork(t, pf.init)
			pf.move(t, b, z)
			bcss := b.CSS(pf.ssid)
			pf.exit(pf.ctx, z)
			pf.rmdir(t, b)
			require.Equal(t, 2, pf.current(t, p))
			require.Equal(t, int64(1), cgroup.PidsOf(bcss).Current())
			require.Equal(t, 4, pf.pc.Live(), "root, p, a and the dying b, which the zombie pins")
			pf.requireCharges(t)
			pf.release(pf.ctx, z)
			if m.mainline {
				require.Equal(t, 1, pf.current(t, p))
			} else {
				require.Equal(t, 2, pf.current(t, p))
			}
			pf.free(pf.ctx, z)
			require.Equal(t, 1, pf.current(t, p))
			require.Equal(t, int64(0), cgroup.PidsOf(bcss).Current())
			require.Equal(t, 3, pf.pc.Live(), "b's state was freed with its css")
			pf.requireClean(t)
		})
	}
}

// pids.max writes as pids_max_write parses them: strstrip, "max", else
// kstrtoll base 0 (its EINVAL and ERANGE), then EINVAL below 0 or at
// PIDS_MAX and above. A failed write changes nothing.
func TestPidsMaxWrite(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("1", 4097)
	for _, tc := range []struct {
		buf   string
		read  string // pids.max after a successful write
		errno uapi.Errno
	}{
		{"max", "max\n", 0},
		{"max\n", "max\n", 0},
		{" \tmax \n", "max\n", 0},
		{" 5\n", "5\n", 0},
		{"0x10", "16\n", 0},
		{"0X1f\n", "31\n", 0},
		{"010", "8\n", 0},
		{"+7", "7\n", 0},
		{"0", "0\n", 0},
		{"-0", "0\n", 0},
		{"5\n\n", "5\n", 0},
		{"7\x00junk", "7\n", 0}, // the handler sees a C string
		{"4194304", "4194304\n", 0},
		{"4194305", "", uapi.EINVAL}, // PIDS_MAX itself: only as "max"
		{"4194306", "", uapi.EINVAL},
		{"-1", "", uapi.EINVAL},
		{"-9223372036854775808", "", uapi.EINVAL},
		{"junk", "", uapi.EINVAL},
		{"", "", uapi.EINVAL},
		{"\n", "", uapi.EINVAL},
		{"5 6", "", uapi.EINVAL},
		{"Max", "", uapi.EINVAL},
		{"max5", "", uapi.EINVAL},
		{"0x", "", uapi.EINVAL},
		{"08", "", uapi.EINVAL},
		{"1.5", "", uapi.EINVAL},
		{"9223372036854775808", "", uapi.ERANGE},
		{"99999999999999999999", "", uapi.ERANGE},
		{big, "", uapi.E2BIG},
	} {
		name := tc.buf
		if len(name) > 24 {
			name = name[:24] + "..."
		}
		for _, m := range pidsModes[:2] {
			t.Run(m.name+"/"+strconv.Quote(name), func(t *testing.T) {
				t.Parallel()
				pf := newPidsFix(t, m)
				a := pf.mkdir(t, pf.root(), "a")
				pf.setMax(t, a, "42")
				before := pf.snapshot(t, true)
				n, err := pf.g.WritePidsMax(pf.ctx, a, []byte(tc.buf))
				if tc.errno != 0 {
					require.ErrorIs(t, err, tc.errno)
					require.Zero(t, n)
					require.Equal(t, before, pf.snapshot(t, true))
					require.Equal(t, "42\n", pf.files(t, a)[0])
				} else {
					require.NoError(t, err)
					require.Equal(t, len(tc.buf), n)
					require.Equal(t, tc.read, pf.files(t, a)[0])
				}
				pf.requireClean(t)
			})
		}
	}
}

// The files exist on every non-root cgroup of the hierarchy pids is bound
// to that has a visible pids css (CFTYPE_NOT_ON_ROOT); a new cgroup reads
// "max", 0 and "max 0"; a removed one's files fail with ENODEV.
func TestPidsFiles(t *testing.T) {
	t.Parallel()
	read := map[string]func(*cgroup.Globals, *cgroup.Cgroup) (string, error){
		"pids.max":     (*cgroup.Globals).ReadPidsMax,
		"pids.current": (*cgroup.Globals).ReadPidsCurrent,
		"pids.events":  (*cgroup.Globals).ReadPidsEvents,
	}
	requireAll := func(t *testing.T, g *cgroup.Globals, ctx *ns.Ctx, c *cgroup.Cgroup, errno uapi.Errno) {
		t.Helper()
		for name, fn := range read {
			_, err := fn(g, c)
			require.ErrorIs(t, err, errno, name)
		}
		_, err := g.WritePidsMax(ctx, c, []byte("1"))
		require.ErrorIs(t, err, errno, "pids.max write")
	}
	for _, m := range pidsModes[:2] {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, m)
			requireAll(t, pf.g, pf.ctx, pf.root(), uapi.ENOENT)
			a := pf.mkdir(t, pf.root(), "a")
			require.Equal(t, [3]string{"max\n", "0\n", "max 0\n"}, pf.files(t, a))
			if m.v1 {
				mem := pf.fix.mkdir(t, pf.fix.root("memory"), "m")
				requireAll(t, pf.g, pf.ctx, mem, uapi.ENOENT)
				pf.rmdir(t, mem)
			} else {
				// a has not enabled pids for its children: no pids css.
				x := pf.fix.mkdir(t, a, "x")
				requireAll(t, pf.g, pf.ctx, x, uapi.ENOENT)
				// Enabling creates the css and its files; disabling
				// removes them.
				_, err := pf.g.WriteSubtreeControl(pf.ctx, a, []byte("+pids"))
				require.NoError(t, err)
				require.Equal(t, [3]string{"max\n", "0\n", "max 0\n"}, pf.files(t, x))
				_, err = pf.g.WriteSubtreeControl(pf.ctx, a, []byte("-pids"))
				require.NoError(t, err)
				requireAll(t, pf.g, pf.ctx, x, uapi.ENOENT)
				pf.rmdir(t, x)
			}
			pf.rmdir(t, a)
			before := pf.snapshot(t, true)
			requireAll(t, pf.g, pf.ctx, a, uapi.ENODEV)
			require.Equal(t, before, pf.snapshot(t, true))
			pf.requireClean(t)
		})
	}
	t.Run("no pids controller", func(t *testing.T) {
		t.Parallel()
		// The package's fixture: a stand-in controller called "pids".
		f := newFix(t, v2)
		_, err := f.g.WriteSubtreeControl(f.ctx, f.dflRoot(), []byte("+memory +pids"))
		require.NoError(t, err)
		a := f.mkdir(t, f.dflRoot(), "a")
		requireAll(t, f.g, f.ctx, a, uapi.ENOENT)
		css := a.CSS(f.g.SubsysID("pids"))
		require.NotNil(t, css)
		require.Nil(t, cgroup.PidsOf(css), "the stand-in's state is not a pids state")
		f.requireClean(t)
	})
}

// On v2, enabling pids in a parent's subtree_control creates the children's
// pids csses and re-homes their live tasks with can_attach, charging them;
// a zombie is not migrated and keeps its old css (here the root's: no
// charge). Disabling moves the tasks back, uncharging the dying css.
func TestPidsV2EnableDisable(t *testing.T) {
	t.Parallel()
	for _, m := range []pidsMode{pidsModes[0], pidsModes[2]} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, m, true)
			a := pf.fix.mkdir(t, pf.root(), "a")
			p := pf.fork(t, pf.init)
			pf.move(t, a, p)
			pf.thread(t, p)
			z := pf.fork(t, p)
			pf.exit(pf.ctx, z)
			require.Nil(t, a.CSS(pf.ssid))
			pf.requireCharges(t)

			_, err := pf.g.WriteSubtreeControl(pf.ctx, pf.root(), []byte("+pids"))
			require.NoError(t, err)
			acss := a.CSS(pf.ssid)
			require.NotNil(t, acss)
			require.Equal(t, [3]string{"max\n", "2\n", "max 0\n"}, pf.files(t, a), "the zombie was not moved")
			require.Equal(t, cgroup.TaskCSS(pf.init, pf.ssid), cgroup.TaskCSS(z, pf.ssid))
			pf.requireCharges(t)
			pf.release(pf.ctx, z)
			pf.free(pf.ctx, z)
			require.Equal(t, 2, pf.current(t, a))

			_, err = pf.g.WriteSubtreeControl(pf.ctx, pf.root(), []byte("-pids"))
			require.NoError(t, err)
			require.Equal(t, int64(0), cgroup.PidsOf(acss).Current())
			require.Equal(t, 1, pf.pc.Live(), "a's pids state was freed")
			pf.requireCharges(t)
			pf.requireClean(t)
		})
	}
}

// Concurrent fork bombs from bomb/home, limited by bomb's pids.max, with
// readers and a writer of another cgroup's pids.max: exactly N tasks get
// in (the only limited level never refuses below its limit, even with
// charges of refused forks in flight), every refusal is counted once, in
// home, and the counters recompute. Then forkers reap and fork again while
// a migrator moves a process between home's siblings x and y. Run with
// -race.
func TestPidsConcurrent(t *testing.T) {
	t.Parallel()
	for _, m := range pidsModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, m)
			const n, forkers = 40, 6
			bomb := pf.mkdir(t, pf.root(), "bomb")
			home := pf.mkdir(t, bomb, "home")
			x := pf.mkdir(t, bomb, "x")
			y := pf.mkdir(t, bomb, "y")
			other := pf.mkdir(t, pf.root(), "other")
			pf.setMax(t, bomb, itoa(n))
			leader := pf.fork(t, pf.init)
			pf.move(t, home, leader)
			mover := pf.fork(t, leader) // moved around in phase two
			var ok, refused atomic.Int64
			var mu sync.Mutex
			var kids [forkers][]*task
			var wg sync.WaitGroup
			for w := range forkers {
				wg.Go(func() {
					ctx := ns.NewCtx(pf.env, 0)
					for fails := 0; fails < 5; {
						var l *task
						if w%2 == 1 {
							l = leader
						}
						c, err := pf.forkAs(ctx, leader, l)
						if err != nil {
							if uapi.ErrnoOf(err) != uapi.EAGAIN {
								t.Error(err)
								return
							}
							refused.Add(1)
							fails++
							continue
						}
						ok.Add(1)
						mu.Lock()
						kids[w] = append(kids[w], c)
						mu.Unlock()
					}
				})
			}
			done := make(chan struct{})
			var bg sync.WaitGroup
			bg.Go(func() {
				ctx := ns.NewCtx(pf.env, 0)
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					for _, fn := range []func(*cgroup.Cgroup) (string, error){pf.g.ReadPidsMax, pf.g.ReadPidsCurrent, pf.g.ReadPidsEvents} {
						if _, err := fn(bomb); err != nil {
							t.Error(err)
						}
					}
					if _, err := pf.g.WritePidsMax(ctx, other, []byte(itoa(i%100))); err != nil {
						t.Error(err)
					}
				}
			})
			wg.Wait()
			require.Equal(t, int64(n-2), ok.Load())
			require.Equal(t, refused.Load(), pf.state(home).EventsLimit())
			require.Zero(t, pf.state(bomb).EventsLimit())
			require.Equal(t, n, pf.current(t, bomb))
			require.Equal(t, n, pf.current(t, home))
			pf.requireCharges(t)

			// Phase two: reap and fork again under the limit, while a
			// process moves between two children of bomb.
			for w := range forkers {
				wg.Go(func() {
					ctx := ns.NewCtx(pf.env, 0)
					for i := 0; i < 30 && len(kids[w]) > 0; i++ {
						c := kids[w][len(kids[w])-1]
						kids[w] = kids[w][:len(kids[w])-1]
						pf.reap(ctx, c)
						c, err := pf.forkAs(ctx, leader, nil)
						if err != nil && uapi.ErrnoOf(err) != uapi.EAGAIN {
							t.Error(err)
						}
						if err == nil {
							kids[w] = append(kids[w], c)
						}
					}
				})
			}
			wg.Go(func() {
				ctx := ns.NewCtx(pf.env, 0)
				for i := range 40 {
					dst := x
					if i%2 == 1 {
						dst = y
					}
					if err := pf.g.AttachTask(ctx, dst, mover); err != nil {
						t.Error(err)
					}
				}
			})
			wg.Wait()
			close(done)
			bg.Wait()
			require.NoError(t, pf.g.Check())
			pf.requireCharges(t)
			require.LessOrEqual(t, pf.current(t, bomb), n)
			pf.requireClean(t)
		})
	}
}

// The controller in a booted Kernel (4.19): a fork bomb through clone(2)
// stops at pids.max with EAGAIN; an exited child still counts until its
// parent reaps it, after which a fork succeeds again.
func TestPidsKernelForkBomb(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}}})
	g := k.Cgroup
	ctx := ns.NewCtx(&k.Env, 0)
	root := g.Dfl().Cgroup()
	_, err := g.WriteSubtreeControl(ctx, root, []byte("+pids"))
	require.NoError(t, err)
	bomb, err := g.Mkdir(ctx, root, "bomb")
	require.NoError(t, err)
	_, err = g.WritePidsMax(ctx, bomb, []byte("4\n"))
	require.NoError(t, err)
	shell := kernsimtest.Fork(t, k.Init(), 0)
	require.NoError(t, g.AttachTask(ctx, bomb, shell))
	a := kernsimtest.Fork(t, shell, 0)
	b := kernsimtest.Fork(t, a, 0)
	c := kernsimtest.Fork(t, shell, 0)
	s, err := g.ReadPidsCurrent(bomb)
	require.NoError(t, err)
	require.Equal(t, "4\n", s)
	// copy_process allocates the pid before cgroup_can_fork, so a refused
	// fork moves last_pid on; nothing else changes.
	before := withoutLastPid(k.Snapshot())
	_, err = shell.Fork()
	require.ErrorIs(t, err, uapi.EAGAIN)
	_, err = a.Fork()
	require.ErrorIs(t, err, uapi.EAGAIN)
	require.Equal(t, before, withoutLastPid(k.Snapshot()))
	s, err = g.ReadPidsEvents(bomb)
	require.NoError(t, err)
	require.Equal(t, "max 2\n", s)

	require.NoError(t, a.Exit(0))
	_, err = shell.Fork()
	require.ErrorIs(t, err, uapi.EAGAIN, "the zombie still counts")
	pid, _, err := shell.Wait(int32(a.PID()), 0)
	require.NoError(t, err)
	require.Equal(t, int32(a.PID()), pid)
	s, err = g.ReadPidsCurrent(bomb)
	require.NoError(t, err)
	require.Equal(t, "3\n", s)
	d := kernsimtest.Fork(t, shell, 0)

	// Leave nothing behind for the end-of-test checks: the tasks die with
	// PowerOff, but the cgroup must be empty and removed first.
	for _, p := range []*ktask.Task{shell, b, c, d} {
		require.NoError(t, g.AttachTask(ctx, root, p))
	}
	require.NoError(t, g.Rmdir(ctx, bomb))
}

// withoutLastPid drops init_pid_ns's last_pid from a snapshot line.
func withoutLastPid(s kernsim.Snapshot) []string {
	var out []string
	for _, l := range s.Lines {
		if i := strings.Index(l, " last_pid="); i >= 0 {
			l = l[:i]
		}
		out = append(out, l)
	}
	return out
}
