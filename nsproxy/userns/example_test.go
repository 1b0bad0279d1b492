package userns_test

import (
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// The owner of a user namespace has every capability in it, even without any
// capability of its own, and none in the parent (reference §3). The creator
// of the namespace, once inside it, has the full set there and nothing outside.
func ExampleCapCapable() {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	g := userns.NewGlobals(env, 1000)
	var root userns.Cred
	userns.InitCred(&root, g)

	// An unprivileged user (uid 1000, no capabilities) in init_user_ns...
	alice := userns.PrepareCreds(ctx, &root, nil)
	alice.UID, alice.EUID, alice.SUID, alice.FSUID = 1000, 1000, 1000, 1000
	alice.GID, alice.EGID, alice.SGID, alice.FSGID = 1000, 1000, 1000, 1000
	alice.CapPermitted, alice.CapEffective = 0, 0

	// ... creates a user namespace (unshare(CLONE_NEWUSER) does this).
	inside := userns.PrepareCreds(ctx, alice, nil)
	if err := userns.CreateUserNS(ctx, inside); err != nil {
		panic(err)
	}
	child := inside.UserNS()
	fmt.Println("child level", child.Level(), "owner", child.OwnerUID())

	fmt.Println("alice in child:", userns.CapCapable(alice, child, uapi.CAP_SYS_ADMIN))
	fmt.Println("alice in parent:", userns.CapCapable(alice, g.Init, uapi.CAP_SYS_ADMIN))
	fmt.Println("inside in child:", userns.CapCapable(inside, child, uapi.CAP_SYS_ADMIN))
	fmt.Println("inside in parent:", userns.CapCapable(inside, g.Init, uapi.CAP_SYS_ADMIN))
	fmt.Println("root in child:", userns.CapCapable(&root, child, uapi.CAP_SYS_ADMIN))

	inside.Put(ctx) // the last reference: the child namespace goes too
	alice.Put(ctx)
	fmt.Println("leaks:", env.Refs.Leaks())
	// Output:
	// child level 1 owner 1000
	// alice in child: true
	// alice in parent: false
	// inside in child: true
	// inside in parent: false
	// root in child: true
	// leaks: <nil>
}
