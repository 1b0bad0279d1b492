package cgroup_test

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// task is a minimal task_struct for the core: its cgroup fields, a pid, its
// thread-group leader (nil for a leader) and PF_EXITING.
type task struct {
	cg      cgroup.TaskCgroups
	pid     int
	leader  *task
	exiting atomic.Bool
	exited  bool
}

func (t *task) CgroupTask() *cgroup.TaskCgroups { return &t.cg }
func (t *task) IsThreadGroupLeader() bool       { return t.leader == nil }
func (t *task) Exiting() bool                   { return t.exiting.Load() }

func (t *task) tgid() int {
	if t.leader != nil {
		return t.leader.pid
	}
	return t.pid
}

// vnr is the PidVnr of a reader that sees every task with its own number.
func vnr(m cgroup.Member) (int, int) {
	t := m.(*task)
	return t.pid, t.tgid()
}

// mode is a hierarchy setup under test.
type mode struct {
	name string
	opt  func(mem, pids cgroup.Subsys) cgroup.Options
}

var (
	v2 = mode{"v2", func(mem, pids cgroup.Subsys) cgroup.Options {
		return cgroup.Options{Subsys: []cgroup.Subsys{pids, mem}}
	}}
	v1 = mode{"v1", func(mem, pids cgroup.Subsys) cgroup.Options {
		return cgroup.Options{Subsys: []cgroup.Subsys{mem, pids}, V1: [][]string{{"memory"}, {"pids"}}}
	}}
	modes = []mode{v2, v1}
)

// fix is one Kernel's worth of cgroup state with two test controllers
// standing in for memory (a domain controller) and pids (a threaded one),
// an idle task and an init process (pid 1) in init_css_set.
type fix struct {
	env       *ns.Env
	ctx       *ns.Ctx
	g         *cgroup.Globals
	mem, pids *cgroup.TestController
	idle      *task
	init      *task

	mu      sync.Mutex
	nextPid int
	tasks   map[int]*task
}

func newFix(t testing.TB, m mode) *fix {
	t.Helper()
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New(), Flavour: refcount.Linux419}
	f := &fix{
		env:   env,
		ctx:   ns.NewCtx(env, 0),
		mem:   cgroup.NewTestController("memory", false),
		pids:  cgroup.NewTestController("pids", true),
		tasks: map[int]*task{},
	}
	g, err := cgroup.NewGlobals(env, m.opt(f.mem, f.pids))
	require.NoError(t, err)
	f.g = g
	f.idle = &task{}
	g.Fork(f.idle) // init_task.cgroups = &init_css_set, not linked
	f.init = f.fork(t, f.idle)
	require.Equal(t, 1, f.init.pid)
	f.mem.Log()
	f.pids.Log()
	return f
}

func (f *fix) newPid() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextPid++
	return f.nextPid
}

// forkAs runs the cgroup part of copy_process for a new task whose
// thread-group leader is leader (nil: a new process).
func (f *fix) forkAs(ctx *ns.Ctx, parent, leader *task) (*task, error) {
	c := &task{leader: leader}
	f.g.Fork(c)
	f.g.ThreadgroupChangeBegin()
	defer f.g.ThreadgroupChangeEnd()
	if err := f.g.CanFork(ctx, c, parent); err != nil {
		return nil, err
	}
	c.pid = f.newPid()
	f.mu.Lock()
	f.tasks[c.pid] = c
	f.mu.Unlock()
	f.g.PostFork(ctx, c, parent)
	return c, nil
}

func (f *fix) fork(t testing.TB, parent *task) *task {
	t.Helper()
	c, err := f.forkAs(f.ctx, parent, nil)
	require.NoError(t, err)
	return c
}

// thread clones a thread of parent's process.
func (f *fix) thread(t testing.TB, parent *task) *task {
	t.Helper()
	l := parent
	if parent.leader != nil {
		l = parent.leader
	}
	c, err := f.forkAs(f.ctx, parent, l)
	require.NoError(t, err)
	return c
}

// exit runs exit_signals (PF_EXITING under the threadgroup rwsem) and
// cgroup_exit.
func (f *fix) exit(ctx *ns.Ctx, ts ...*task) {
	for _, t := range ts {
		f.g.ThreadgroupChangeBegin()
		t.exiting.Store(true)
		f.g.ThreadgroupChangeEnd()
		f.g.Exit(ctx, t)
		t.exited = true
	}
}

// free runs cgroup_free (the task_struct is freed).
func (f *fix) free(ctx *ns.Ctx, ts ...*task) {
	for _, t := range ts {
		f.g.Free(ctx, t)
		f.mu.Lock()
		delete(f.tasks, t.pid)
		f.mu.Unlock()
	}
}

// reap is exit then free.
func (f *fix) reap(ts ...*task) {
	f.exit(f.ctx, ts...)
	f.free(f.ctx, ts...)
}

func (f *fix) mkdir(t testing.TB, parent *cgroup.Cgroup, name string) *cgroup.Cgroup {
	t.Helper()
	c, err := f.g.Mkdir(f.ctx, parent, name)
	require.NoError(t, err)
	return c
}

func (f *fix) rmdir(t testing.TB, c *cgroup.Cgroup) {
	t.Helper()
	require.NoError(t, f.g.Rmdir(f.ctx, c))
}

// move attaches the whole process of p (its leader, then its threads).
func (f *fix) move(t testing.TB, dst *cgroup.Cgroup, p *task) {
	t.Helper()
	require.NoError(t, f.g.AttachTask(f.ctx, dst, f.process(p)...))
}

// process lists p's thread group, leader first, by pid.
func (f *fix) process(p *task) []cgroup.Member {
	l := p
	if p.leader != nil {
		l = p.leader
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []cgroup.Member{l}
	var pids []int
	for pid, t := range f.tasks {
		if t.leader == l {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	for _, pid := range pids {
		out = append(out, f.tasks[pid])
	}
	return out
}

// lookup is a ProcsLookup over the fixture's tasks; pid 0 is init.
func (f *fix) lookup(pid int, threadgroup bool) ([]cgroup.Member, error) {
	if pid == 0 {
		pid = 1
	}
	f.mu.Lock()
	t := f.tasks[pid]
	f.mu.Unlock()
	if t == nil {
		return nil, uapi.Err("write", uapi.ESRCH, "no such pid", "find_task_by_vpid")
	}
	if threadgroup {
		return f.process(t), nil
	}
	return []cgroup.Member{t}, nil
}

func (f *fix) dflRoot() *cgroup.Cgroup { return f.g.Dfl().Cgroup() }

// root returns the root cgroup of the hierarchy the named controller is on.
func (f *fix) root(ctrl string) *cgroup.Cgroup {
	return f.g.SubsysRoot(f.g.SubsysID(ctrl)).Cgroup()
}

// snapshot renders everything a failed operation must leave untouched:
// every tracked object with its count, every cgroup of every hierarchy
// with its counters and masks, every task's css_set and cgroup paths,
// css_set_count, the controllers' live states, and pending warnings.
func (f *fix) snapshot(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	for _, l := range f.env.Refs.Live() {
		b.WriteString(l.String() + "\n")
	}
	for _, r := range f.g.Roots() {
		var walk func(c *cgroup.Cgroup)
		walk = func(c *cgroup.Cgroup) {
			b.WriteString(strconv.Itoa(r.HierarchyID()) + ":" + c.Path() +
				" ref=" + strconv.FormatInt(c.Count(), 10) +
				" desc=" + strconv.Itoa(c.NrDescendants()) + "/" + strconv.Itoa(c.NrDyingDescendants()) +
				" pop=" + strconv.Itoa(c.NrPopulatedCsets()) + "/" + strconv.Itoa(c.NrPopulatedDomainChildren()) + "/" + strconv.Itoa(c.NrPopulatedThreadedChildren()) +
				" stc=" + strconv.Itoa(int(c.SubtreeControl())) + " ssm=" + strconv.Itoa(int(c.SubtreeSSMask())) +
				" ev=" + strconv.FormatUint(c.EventsNotified(), 10) +
				" max=" + strconv.Itoa(c.MaxDepth()) + "/" + strconv.Itoa(c.MaxDescendants()) +
				" threaded=" + strconv.FormatBool(c.Threaded()))
			for i := 0; i < f.g.NrSubsys(); i++ {
				if css := c.CSS(i); css != nil {
					b.WriteString(" " + css.SubsysName() + "#" + strconv.Itoa(css.ID()) + "=" + strconv.FormatInt(css.Count(), 10))
				}
			}
			b.WriteString("\n")
			for _, k := range c.Children() {
				walk(k)
			}
		}
		walk(r.Cgroup())
	}
	f.mu.Lock()
	var pids []int
	for pid := range f.tasks {
		pids = append(pids, pid)
	}
	f.mu.Unlock()
	sort.Ints(pids)
	for _, pid := range pids {
		tk := f.tasks[pid]
		cs := tk.cg.CSSSet()
		b.WriteString("task " + strconv.Itoa(pid) + " cset=" + cs.RefID() + " n=" + strconv.FormatInt(cs.Count(), 10) + "/" + strconv.Itoa(cs.NrTasks()))
		for _, r := range f.g.Roots() {
			b.WriteString(" " + cs.Cgroup(r).Path())
		}
		b.WriteString("\n")
	}
	b.WriteString("csets=" + strconv.Itoa(f.g.NrCSSSets()) + " mem=" + strconv.Itoa(f.mem.Live()) + " pids=" + strconv.Itoa(f.pids.Live()) + "\n")
	b.WriteString("warnings=" + strconv.Itoa(len(f.env.Refs.Warnings())) + "\n")
	return b.String()
}

// requireClean reaps every task but init, removes every cgroup (deepest
// first), checks the invariants, then lets init exit and be freed and
// checks that nothing is left: no tracked object, only the controllers'
// root states, init_css_set alone with its static reference, no warning.
func (f *fix) requireClean(t testing.TB) {
	t.Helper()
	require.NoError(t, f.g.Check())
	f.mu.Lock()
	var rest []*task
	for pid, tk := range f.tasks {
		if pid != 1 {
			rest = append(rest, tk)
		}
	}
	f.mu.Unlock()
	for _, tk := range rest {
		if !tk.exited {
			f.exit(f.ctx, tk)
		}
		f.free(f.ctx, tk)
	}
	if !f.init.exited {
		for _, r := range f.g.Roots() {
			require.NoError(t, f.g.AttachTask(f.ctx, r.Cgroup(), f.init))
		}
	}
	rmdirAll(t, f.g, f.ctx)
	require.NoError(t, f.g.Check())
	if !f.init.exited {
		f.exit(f.ctx, f.init)
	}
	f.free(f.ctx, f.init)
	require.NoError(t, f.env.Refs.Leaks())
	require.Equal(t, 1, f.g.NrCSSSets())
	require.Equal(t, int64(1), f.g.InitCSSSet().Count())
	require.Equal(t, 1, f.mem.Live(), "memory states: only the root css")
	require.Equal(t, 1, f.pids.Live(), "pids states: only the root css")
	for _, r := range f.g.Roots() {
		require.Equal(t, 1, r.NrCgroups())
		require.False(t, r.Cgroup().Populated())
	}
	require.Empty(t, f.env.Refs.Warnings())
	require.NoError(t, f.g.Check())
}

func errnoOf(err error) uapi.Errno { return uapi.ErrnoOf(err) }

func itoa(i int) string { return strconv.Itoa(i) }

func newEnv() *ns.Env {
	return &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New(), Flavour: refcount.Linux419}
}

// rmdirAll removes every cgroup of every hierarchy below its root, deepest
// first.
func rmdirAll(t testing.TB, g *cgroup.Globals, ctx *ns.Ctx) {
	t.Helper()
	var rm func(c *cgroup.Cgroup)
	rm = func(c *cgroup.Cgroup) {
		for _, k := range c.Children() {
			rm(k)
		}
		if c.Parent() != nil {
			require.NoError(t, g.Rmdir(ctx, c))
		}
	}
	for _, r := range g.Roots() {
		rm(r.Cgroup())
	}
}
