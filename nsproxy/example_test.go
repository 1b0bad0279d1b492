package nsproxy_test

import (
	"fmt"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// copy_namespaces (reference §4.5, §15.3): a fork without CLONE_NEW* flags
// shares the parent's nsproxy (get_nsproxy, count + 1); CLONE_NEWUTS gives the
// child a new nsproxy (count 1) holding a new uts namespace and one more
// reference on each of the parent's other namespaces, and leaves the
// parent's nsproxy as it was.
func ExampleCopyNamespaces() {
	k, _ := kernsim.Boot(kernsim.Config{})
	init := k.Init()
	var p *nsproxy.NSProxy = k.InitNSProxy
	fmt.Println("boot:", p.Count(), "ipc", p.IPC().Count())

	a, _ := init.Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD), Comm: "a"})
	fmt.Println("fork:", a.NSProxy() == p, p.Count())

	b, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD), Comm: "b"})
	q := b.NSProxy()
	fmt.Println("CLONE_NEWUTS:", q == p, p.Count(), q.Count())
	fmt.Println("  uts:", q.UTS().Link(), q.UTS().Count(), "init uts", p.UTS().Count())
	fmt.Println("  shared ipc:", q.IPC() == p.IPC(), q.IPC().Count())

	_ = b.Exit(0) // free_nsproxy: the new uts ns goes, ipc drops back
	_, _, _ = init.Wait(b.PID(), 0)
	fmt.Println("b reaped:", p.IPC().Count(), k.Refs().CountKind("nsproxy"), k.Refs().CountKind("uts_namespace"))
	_ = a.Exit(0)
	_, _, _ = init.Wait(a.PID(), 0)
	fmt.Println("a reaped:", p.Count())
	fmt.Println(k.Check())
	k.PowerOff()
	fmt.Println(k.Leaks())
	// Output:
	// boot: 2 ipc 1
	// fork: true 3
	// CLONE_NEWUTS: false 3 1
	//   uts: uts:[4026531993] 1 init uts 2
	//   shared ipc: true 2
	// b reaped: 1 0 0
	// a reaped: 2
	// <nil>
	// <nil>
}
