package task_test

import (
	"fmt"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// chown(2) and stat(2) on cgroupfs: root hands a cgroup directory to uid
// 1000, who may then pick its own group but not give the directory away
// (EPERM); in a user namespace of its own, where nothing is mapped yet, the
// ids it names are EINVAL and the owner reads as the overflow id.
func ExampleTask_Chown() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	_ = init.Mkdir("/sys/fs/cgroup/box", 0o750)
	fmt.Println(init.Chown("/sys/fs/cgroup/box", 1000, -1))
	st, _ := init.Stat("/sys/fs/cgroup/box")
	fmt.Printf("%o %d:%d\n", st.Mode, st.UID, st.GID)

	u, _ := init.Fork()
	_ = u.Setresgid(1000, 1000, 1000)
	_ = u.Setresuid(1000, 1000, 1000)
	fmt.Println(u.Chown("/sys/fs/cgroup/box", -1, 1000))
	fmt.Println(u.Chown("/sys/fs/cgroup/box", 0, -1))
	st, _ = u.Stat("/sys/fs/cgroup/box")
	fmt.Printf("%o %d:%d\n", st.Mode, st.UID, st.GID)

	c, _ := u.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | uapi.CloneFlags(uapi.SIGCHLD)})
	fmt.Println(c.Chown("/sys/fs/cgroup/box", 0, 0))
	st, _ = c.Stat("/sys/fs/cgroup/box")
	fmt.Printf("%o %d:%d\n", st.Mode, st.UID, st.GID)
	_ = init.Rmdir("/sys/fs/cgroup/box")
	// Output:
	// <nil>
	// 40750 1000:0
	// <nil>
	// chown: EPERM (Operation not permitted): only CAP_CHOWN over the inode gives it away (setattr_prepare)
	// 40750 1000:1000
	// chown: EINVAL (Invalid argument): uid 0 has no mapping in the caller's user namespace (chown_common)
	// 40750 65534:65534
}
