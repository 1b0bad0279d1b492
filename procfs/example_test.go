package procfs_test

import (
	"fmt"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// /proc shows the pid namespace of whoever mounted it: a child that
// entered a new pid namespace still sees the outer numbers through the
// boot /proc, and its own after mounting proc in its own mount namespace.
func Example() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	c, _ := k.Init().Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | uapi.CLONE_NEWNS | uapi.CloneFlags(uapi.SIGCHLD)})
	self, _ := c.Readlink("/proc/self")
	_ = c.Mount("proc", "/proc", "proc", 0, "")
	inner, _ := c.Readlink("/proc/self")
	ls, _ := c.Readdir("/proc")
	fmt.Println(self, inner, ls)
	link, _ := c.Readlink("/proc/self/ns/pid")
	fmt.Println(link == c.ActivePidNS().Link())
	// Output:
	// 2 1 [net sys mounts sysvipc self thread-self 1]
	// true
}
