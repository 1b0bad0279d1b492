package task_test

import (
	"errors"
	"fmt"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// clone(2): the low byte of the flags is the exit signal. CLONE_NEWUTS gives
// the child its own uts namespace, a copy of the parent's name; an
// unprivileged caller may not create one (EPERM from copy_namespaces) unless
// it creates a user namespace in the same call (CLONE_NEWUSER, §4.4).
func ExampleTask_Clone() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	sigchld := uapi.CloneFlags(uapi.SIGCHLD)

	a, _ := init.Clone(task.CloneArgs{Flags: sigchld, Comm: "a"})
	b, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld, Comm: "b"})
	fmt.Println(a.PID(), a.Parent().PID(), a.NSProxy() == init.NSProxy(), b.NSProxy() == init.NSProxy())
	fmt.Println(b.Hostname(), b.NSProxy().UTS().Inum() != init.NSProxy().UTS().Inum())

	_ = a.Setresgid(1000, 1000, 1000)
	_ = a.Setresuid(1000, 1000, 1000)
	_, err := a.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld})
	fmt.Println(err)
	c, err := a.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS | sigchld, Comm: "c"})
	fmt.Println(err, c.UserNS().Level(), c.NSProxy().UTS().UserNS() == c.UserNS())

	_, err = init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | uapi.CLONE_FS})
	fmt.Println(errors.Is(err, uapi.EINVAL))
	// Output:
	// 2 1 true false
	// (none) true
	// clone: EPERM (Operation not permitted): no CAP_SYS_ADMIN in the child's user namespace (ns_capable)
	// <nil> 1 true
	// true
}

// unshare(2) moves the caller alone into a new nsproxy: the tasks that shared
// the old one keep it.
func ExampleTask_Unshare() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	a, _ := init.Fork()
	fmt.Println("before:", k.InitNSProxy.Count(), a.NSProxy().IsInit())

	if err := a.Unshare(uapi.CLONE_NEWUTS); err != nil {
		panic(err)
	}
	fmt.Println("after:", k.InitNSProxy.Count(), a.NSProxy().IsInit(), a.NSProxy().Count())
	_ = a.Sethostname("a")
	fmt.Println(a.Hostname(), init.Hostname())

	fmt.Println(a.Unshare(0))                       // nothing to do
	fmt.Println(a.Unshare(uapi.CLONE_VFORK) != nil) // outside the unshare mask
	// Output:
	// before: 3 true
	// after: 2 false 1
	// a (none)
	// <nil>
	// true
}

// setns(2) joins the namespace behind an nsfs file: init opens b's
// /proc/<pid>/ns/uts and enters it. The file keeps its own reference until
// it is closed.
func ExampleTask_Setns() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	b, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD), Comm: "b"})
	_ = b.Sethostname("box")
	uts := b.NSProxy().UTS()

	fd, _ := init.Open(fmt.Sprintf("/proc/%d/ns/uts", b.PID()))
	fmt.Println("fd", fd, uts.Count())
	fmt.Println(init.Setns(fd, uapi.CLONE_NEWIPC)) // wrong nstype
	fmt.Println(init.Setns(fd, uapi.CLONE_NEWUTS), init.Hostname(), uts.Count())
	_ = init.Close(fd)
	fmt.Println(uts.Count(), k.InitNSProxy.Count())
	// Output:
	// fd 0 2
	// setns: EINVAL (Invalid argument): nstype CLONE_NEWIPC does not match the uts namespace (setns)
	// <nil> box 3
	// 2 1
}

// sethostname(2) needs CAP_SYS_ADMIN in the user namespace owning the
// caller's uts namespace, checked before the length (§10).
func ExampleTask_Sethostname() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	fmt.Println(init.Sethostname("host"), init.Hostname())
	long := string(make([]byte, uapi.NEW_UTS_LEN+1))
	fmt.Println(errors.Is(init.Sethostname(long), uapi.EINVAL))

	a, _ := init.Fork()
	_ = a.Setresgid(1000, 1000, 1000)
	_ = a.Setresuid(1000, 1000, 1000)
	fmt.Println(a.Sethostname(long)) // EPERM wins over the length
	c, _ := a.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD)})
	fmt.Println(c.Sethostname("mine"), c.Hostname(), init.Hostname())
	// Output:
	// <nil> host
	// true
	// sethostname: EPERM (Operation not permitted): no CAP_SYS_ADMIN in the user namespace owning the UTS namespace (ns_capable)
	// <nil> mine host
}
