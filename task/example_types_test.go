package task_test

import (
	"fmt"
	"strings"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// mount(2) in a mount namespace of one's own: a tmpfs the parent never sees,
// and propagation from a shared mount to its peer copy.
func ExampleTask_Mount() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	_ = init.Mount("none", "/mnt", "tmpfs", 0, "")
	_ = init.Mkdir("/mnt/shared", 0o755)
	_ = init.Mount("", "/mnt", "", mntns.MS_SHARED, "")

	c, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWNS | uapi.CloneFlags(uapi.SIGCHLD), Comm: "c"})
	_ = c.Mount("scratch", "/tmp", "tmpfs", 0, "size=1m")
	_ = c.Mount("peer", "/mnt/shared", "tmpfs", 0, "")
	for _, who := range []*task.Task{c, init} {
		mi, _ := who.ReadFile("/proc/self/mountinfo")
		for _, l := range strings.Split(strings.TrimSpace(mi), "\n") {
			if f := strings.Fields(l); strings.HasPrefix(f[4], "/tmp") || strings.HasPrefix(f[4], "/mnt") {
				fmt.Println(who.Comm(), strings.Join(f[4:], " "))
			}
		}
	}
	// Output:
	// c /mnt rw,relatime shared:1 - tmpfs none rw
	// c /tmp rw,relatime - tmpfs scratch rw,size=1m
	// c /mnt/shared rw,relatime shared:2 - tmpfs peer rw
	// init /mnt rw,relatime shared:1 - tmpfs none rw
	// init /mnt/shared rw,relatime shared:2 - tmpfs peer rw
}

// System V objects are per IPC namespace: the key made outside is ENOENT
// inside a new one.
func ExampleTask_Shmget() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	id, _ := init.Shmget(0x1234, 4096, ipcns.IPC_CREAT|0o600)
	c, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWIPC | uapi.CloneFlags(uapi.SIGCHLD)})
	_, err := c.Shmget(0x1234, 4096, 0)
	fmt.Println(id, err)
	// Output:
	// 0 shmget: ENOENT (No such file or directory): no object with key 4660 and no IPC_CREAT (ipcget_public)
}

// A veth pair between the initial network namespace and a new one: each
// end takes the next index of its own namespace (the peer, made first, is
// eth0 there after lo).
func ExampleTask_LinkAdd() {
	k, _ := kernsim.Boot(kernsim.Config{})
	defer k.PowerOff()
	init := k.Init()
	c, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWNET | uapi.CloneFlags(uapi.SIGCHLD)})
	fd, _ := init.Open(fmt.Sprintf("/proc/%d/ns/net", c.PID()))
	_ = init.LinkAdd("veth", "host0", "eth0", fd)
	for _, who := range []*task.Task{init, c} {
		links, _ := who.Links()
		var names []string
		for _, l := range links {
			names = append(names, fmt.Sprintf("%d:%s", l.Ifindex, l.Name))
		}
		fmt.Println(strings.Join(names, " "))
	}
	// Output:
	// 1:lo 2:eth0 3:host0
	// 1:lo 2:eth0
}

// setns(2) with a pidfd (mainline): one call enters several namespaces of
// another process, all or nothing.
func ExampleTask_PidfdOpen() {
	k, _ := kernsim.Boot(kernsim.Config{Flavour: kernsim.Mainline})
	defer k.PowerOff()
	init := k.Init()
	c, _, _ := init.Clone3(task.Clone3Args{Flags: uapi.CLONE_NEWUTS | uapi.CLONE_NEWNS, ExitSignal: uint64(uapi.SIGCHLD)})
	_ = c.Sethostname("inside")
	j, _ := init.Fork()
	pidfd, _ := j.PidfdOpen(c.PID(), 0)
	err := j.Setns(pidfd, uapi.CLONE_NEWUTS|uapi.CLONE_NEWNS)
	fmt.Println(err, j.Hostname(), j.NSProxy().MNT() == c.NSProxy().MNT())
	// Output:
	// <nil> inside true
}
