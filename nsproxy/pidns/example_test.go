package pidns_test

import (
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// A container's first process is pid 1 inside and has a second, global
// number outside; it is visible from init_pid_ns but not from a sibling
// container. The process at level 2 owns three numbers.
func ExampleAllocPid() {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	users := userns.NewGlobals(env, 1000)
	g := pidns.NewGlobals(env, users, 0)

	init, _ := pidns.AllocPid(ctx, g.Init) // the init process
	box, _ := pidns.CopyPidNS(ctx, uapi.CLONE_NEWPID, users.Init, g.Init, g.Init)
	other, _ := pidns.CopyPidNS(ctx, uapi.CLONE_NEWPID, users.Init, g.Init, g.Init)
	inner, _ := pidns.CopyPidNS(ctx, uapi.CLONE_NEWPID, users.Init, box, box)
	fmt.Println(box.Link(), "level", box.Level(), "count", box.Count()) // creator + inner's parent reference

	a, _ := pidns.AllocPid(ctx, box)
	b, _ := pidns.AllocPid(ctx, box)
	c, _ := pidns.AllocPid(ctx, inner)
	for _, p := range []*pidns.Pid{a, b, c} {
		fmt.Println("pid", p.RefID(), "global", p.Nr(g.Init), "in box", p.Nr(box), "in other", p.Nr(other))
	}
	// a and b hold box; c holds inner, which holds box.
	fmt.Println("box holds", box.PidAllocated()&^pidns.PIDNS_ADDING, "pids, count", box.Count())

	for _, p := range []*pidns.Pid{c, b, a, init} {
		pidns.FreePid(ctx, p, nil)
	}
	for _, n := range []*pidns.Namespace{inner, other, box} {
		n.Put(ctx)
	}
	fmt.Println("leaks:", env.Refs.Leaks())
	// Output:
	// pid:[4026531840] level 1 count 2
	// pid 2/1 global 2 in box 1 in other 0
	// pid 3/2 global 3 in box 2 in other 0
	// pid 4/3/1 global 4 in box 3 in other 0
	// box holds 3 pids, count 4
	// leaks: <nil>
}
