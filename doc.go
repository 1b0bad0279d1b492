// Package kernsim boots simulated Linux kernels whose isolation machinery —
// tasks, the refcounted nsproxy, namespaces, and (in later packages) cgroups and
// the memory controller — behaves like Linux 4.19.13, or like mainline where
// Config asks for it.
//
// Boot builds one Kernel (init/main.c's part of the job): init_user_ns with a
// fully capable root, init_uts_ns ("Linux", "(none)", the configured release),
// the other initial namespaces with their fixed inode numbers, init_nsproxy, and
// init_task as pid 1. Every syscall is a method on a task.Task, every object can
// be inspected without changing a count, and every Kernel is independent: there
// is no package-level state, so tests boot many in parallel.
//
//	k, _ := kernsim.Boot(kernsim.Config{})
//	init := k.Init()
//	b, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD)})
//	_ = b.Sethostname("box")               // init still sees "(none)"
//	fmt.Println(b.NSProxy().UTS().Count()) // 1: only b's nsproxy holds it
//
// Snapshot captures every count, list and name for "a failed call changes
// nothing" checks; Check recomputes every reference count from who holds it;
// PowerOff and Leaks prove that nothing leaked.
//
// A Kernel is safe for concurrent use: its tasks' calls may come from many
// goroutines and run one at a time under the Kernel's big kernel lock (a call
// asleep in Wait releases it). Snapshot, Check, Namespaces, Leaks and Tasks
// take the lock themselves; the objects' own readers (Count, Parent, NSProxy,
// ...) are for a moment when no call is in flight, or under k.Lock().
package kernsim
