package cgroup_test

import (
	"fmt"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
)

// proc is the smallest Member: a single-threaded process.
type proc struct {
	cg  cgroup.TaskCgroups
	pid int
}

func (p *proc) CgroupTask() *cgroup.TaskCgroups { return &p.cg }
func (p *proc) IsThreadGroupLeader() bool       { return true }
func (p *proc) Exiting() bool                   { return false }

// A v2 kernel with a memory controller: enable it at the root, create a
// cgroup, fork a process and move it there, then read the files.
func Example() {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	g, _ := cgroup.NewGlobals(env, cgroup.Options{
		Subsys: []cgroup.Subsys{cgroup.NewTestController("memory", false)},
	})
	idle, init := &proc{}, &proc{pid: 1}
	g.Fork(idle)
	g.Fork(init)
	g.PostFork(ctx, init, idle)

	root := g.Dfl().Cgroup()
	g.WriteSubtreeControl(ctx, root, []byte("+memory\n"))
	web, _ := g.Mkdir(ctx, root, "web")
	p := &proc{pid: 42}
	g.Fork(p)
	g.ThreadgroupChangeBegin()
	g.CanFork(ctx, p, init)
	g.PostFork(ctx, p, init)
	g.ThreadgroupChangeEnd()
	g.WriteProcs(ctx, web, []byte("42\n"), func(pid int, _ bool) ([]cgroup.Member, error) {
		return []cgroup.Member{p}, nil
	}, nil)

	show, _ := g.ProcCgroup(ctx, p.cg.CSSSet(), false, g.InitCSSSet())
	fmt.Print(show)
	procs, _ := g.ReadProcs(web, func(m cgroup.Member) (int, int) {
		return m.(*proc).pid, m.(*proc).pid
	})
	fmt.Print(procs)
	ctl, _ := g.ReadControllers(web)
	fmt.Print(ctl)
	ev, _ := g.ReadEvents(web)
	fmt.Print(ev)
	fmt.Println(p.cg.CSSSet().Count(), g.NrCSSSets())
	// Output:
	// 0::/web
	// 42
	// memory
	// populated 1
	// 1 2
}
