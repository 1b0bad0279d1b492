package utsns_test

import (
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// copy_utsname without CLONE_NEWUTS shares the old namespace (one more
// reference); with it, clone_uts_ns copies the whole name into a new
// namespace with its own inode number, kref 1, owned by the given user
// namespace. Changing the copy's nodename leaves the original alone.
func ExampleCopyUTSName() {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	users := userns.NewGlobals(env, 1000)
	g := utsns.NewGlobals(env, users, "4.19.13", "#1 SMP", "x86_64")
	fmt.Println(g.Init.Link(), "count", g.Init.Count())

	shared, _ := utsns.CopyUTSName(ctx, 0, users.Init, g.Init)
	fmt.Println(shared == g.Init, "count", g.Init.Count())
	shared.Put(ctx)

	n, err := utsns.CopyUTSName(ctx, uapi.CLONE_NEWUTS, users.Init, g.Init)
	if err != nil {
		panic(err)
	}
	fmt.Println(n.Link(), "count", n.Count(), "old count", g.Init.Count())
	n.SetField(utsns.Nodename, "box")
	name := n.Name()
	fmt.Printf("%q %q %q\n", n.Nodename(), g.Init.Nodename(), name.Field(utsns.Release))
	fmt.Println("owner", n.UserNS().Link(), "charged", users.Charged(users.Init, 0, userns.UCOUNT_UTS_NAMESPACES))

	n.Put(ctx) // free_uts_ns
	fmt.Println("leaks:", env.Refs.Leaks(), "charged", users.Charged(users.Init, 0, userns.UCOUNT_UTS_NAMESPACES))
	// Output:
	// uts:[4026531838] count 2
	// true count 3
	// uts:[4026531840] count 1 old count 2
	// "box" "(none)" "4.19.13"
	// owner user:[4026531837] charged 1
	// leaks: <nil> charged 0
}
