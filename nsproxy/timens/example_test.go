package timens_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// boot builds the pieces of one mainline Kernel that time namespaces need.
func boot() (*ns.Ctx, *userns.Globals, *timens.Globals, *userns.Cred) {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Mainline), Trace: trace.New(), Flavour: refcount.Mainline}
	users := userns.NewGlobals(env, 1000)
	root := new(userns.Cred)
	userns.InitCred(root, users)
	return ns.NewCtx(env, 0), users, timens.NewGlobals(env, users), root
}

// copy_time_ns without CLONE_NEWTIME shares the old namespace; with it,
// clone_time_ns makes a new one with count 1, a dynamic inode number, the old
// offsets and frozen_offsets false, charged to max_time_namespaces.
func ExampleCopyTimeNS() {
	ctx, users, g, _ := boot()
	fmt.Println(g.Init.Link(), "count", g.Init.Count(), "frozen", g.Init.Frozen())

	shared, _ := timens.CopyTimeNS(ctx, 0, users.Init, g.Init)
	fmt.Println(shared == g.Init, "count", g.Init.Count())
	shared.Put(ctx)

	n, err := timens.CopyTimeNS(ctx, uapi.CLONE_NEWTIME, users.Init, g.Init)
	if err != nil {
		panic(err)
	}
	fmt.Println(n.Link(), "count", n.Count(), "frozen", n.Frozen())
	fmt.Println("charged", users.Charged(users.Init, 0, userns.UCOUNT_TIME_NAMESPACES))
	n.Put(ctx) // free_time_ns
	fmt.Println("leaks:", ctx.Env.Refs.Leaks(), "charged", users.Charged(users.Init, 0, userns.UCOUNT_TIME_NAMESPACES))
	// Output:
	// time:[4026531834] count 3 frozen true
	// true count 4
	// time:[4026531840] count 1 frozen false
	// charged 1
	// leaks: <nil> charged 0
}

// Writing /proc/<pid>/timens_offsets: clocks by name or number, at most two
// lines, all or nothing; the text read back is "%-10s %10lld %9ld" per clock.
func ExampleWriteOffsets() {
	ctx, users, g, root := boot()
	n, _ := timens.CopyTimeNS(ctx, uapi.CLONE_NEWTIME, users.Init, g.Init)

	c, err := timens.WriteOffsets(ctx, n, root, 0, []byte("monotonic 86400 0\n7 -2 500000000\n"))
	fmt.Println(c, err)
	fmt.Print(timens.ShowOffsets(n))

	_, err = timens.WriteOffsets(ctx, n, root, 0, []byte("boottime 1 0\nrealtime 1 0"))
	fmt.Println(uapi.ErrnoOf(err).Name(), "and nothing changed:", n.Offsets().Boottime)
	_, err = timens.WriteOffsets(ctx, n, root, 0, []byte("monotonic -10 0"))
	fmt.Println(uapi.ErrnoOf(err).Name(), "(CLOCK_MONOTONIC reads 5 s: it would go below 0)")
	n.Put(ctx)
	// Output:
	// 33 <nil>
	// monotonic       86400         0
	// boottime           -2 500000000
	// EINVAL and nothing changed: -1.500000000
	// ERANGE (CLOCK_MONOTONIC reads 5 s: it would go below 0)
}

// unshare(CLONE_NEWTIME) only replaces time_ns_for_children, so the caller can
// still set the offsets; its first child enters the namespace (timens_on_fork),
// which freezes them.
func ExampleTimensOnFork() {
	ctx, users, g, root := boot()
	init := g.InitSlots()
	var parent timens.Slots
	_ = parent.Copy(ctx, uapi.CLONE_NEWTIME, users.Init, &init) // unshare(CLONE_NEWTIME)
	fmt.Println("parent reads", parent.TimeNS.Link(), "children get", parent.TimeNSForChildren.Link())
	_, err := timens.SetOffsets(ctx, parent.TimeNSForChildren, root, []byte("boottime 3600 0"))
	fmt.Println("write before the fork:", err)

	var child timens.Slots
	_ = child.Copy(ctx, 0, users.Init, &parent) // copy_namespaces: the slots differ
	timens.TimensOnFork(ctx, &child)
	fmt.Println("child reads", child.TimeNS.Link(), "frozen", child.TimeNS.Frozen())
	_, err = timens.SetOffsets(ctx, parent.TimeNSForChildren, root, []byte("boottime 0 0"))
	fmt.Println("write after the fork:", errors.Is(err, uapi.EACCES))

	child.Put(ctx)
	parent.Put(ctx)
	fmt.Println("leaks:", ctx.Env.Refs.Leaks())
	// Output:
	// parent reads time:[4026531834] children get time:[4026531840]
	// write before the fork: <nil>
	// child reads time:[4026531840] frozen true
	// write after the fork: true
	// leaks: <nil>
}

// A task in a time namespace reads CLOCK_MONOTONIC and CLOCK_BOOTTIME (and
// their variants) shifted by the offsets; CLOCK_REALTIME is the same
// everywhere. The simulated clock moves only when told to.
func ExampleClockGettime() {
	ctx, users, g, root := boot()
	n, _ := timens.CopyTimeNS(ctx, uapi.CLONE_NEWTIME, users.Init, g.Init)
	_, _ = timens.SetOffsets(ctx, n, root, []byte("monotonic 1000 0\nboottime 2000 0"))
	timens.Commit(ctx, n)
	g.Clock.Advance(time.Second)
	g.Clock.Sleep(time.Minute)
	for _, id := range []timens.ClockID{timens.CLOCK_MONOTONIC, timens.CLOCK_BOOTTIME, timens.CLOCK_REALTIME} {
		host, _ := timens.ClockGettime(g.Init, id)
		inside, _ := timens.ClockGettime(n, id)
		fmt.Printf("%-16v host %-22v namespace %v\n", id, host, inside)
	}
	n.Put(ctx)
	// Output:
	// CLOCK_MONOTONIC  host 6.000000000            namespace 1006.000000000
	// CLOCK_BOOTTIME   host 66.000000000           namespace 2066.000000000
	// CLOCK_REALTIME   host 1796028861.000000000   namespace 1796028861.000000000
}

// setns(CLONE_NEWTIME) checks the caller is single-threaded before it checks
// capabilities.
func ExampleInstall() {
	ctx, users, g, root := boot()
	n, _ := timens.CopyTimeNS(ctx, uapi.CLONE_NEWTIME, users.Init, g.Init)
	nobody := userns.PrepareCreds(ctx, root, nil)
	nobody.UID, nobody.EUID, nobody.CapEffective, nobody.CapPermitted = 65534, 65534, 0, 0
	fmt.Println(uapi.ErrnoOf(timens.Install(ctx, nobody, n, false)).Name())
	fmt.Println(uapi.ErrnoOf(timens.Install(ctx, nobody, n, true)).Name())
	fmt.Println(timens.Install(ctx, root, n, true))
	nobody.Put(ctx)
	n.Put(ctx)
	// Output:
	// EUSERS
	// EPERM
	// <nil>
}
