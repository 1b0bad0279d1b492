// Command container builds a container from all eight namespace types on a
// simulated mainline kernel and shows it from inside and from outside, the
// way `lsns`, `cat /proc/self/mountinfo`, `ip link` and `hostname` would:
//
//  1. a runtime (root) makes the cgroup /ctr with a pids limit and opens it;
//  2. it clone3()s the container's init straight into /ctr with
//     CLONE_NEWUSER|NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET|NEWCGROUP|NEWTIME and
//     writes its uid_map and gid_map (0-65535 inside are 100000-165535
//     outside); the cgroup namespace was made before the child was placed
//     in /ctr, so its root is the runtime's cgroup and the child sees
//     itself in /ctr, as on Linux;
//  3. it creates a veth pair whose other end is born in the container's
//     network namespace;
//  4. the container becomes uid 0 of its map, names itself, mounts its
//     own /proc (the proc of its pid namespace: without it, /proc would
//     still show the host's processes) and a private tmpfs on /tmp, brings
//     its links up and makes a System V shared memory segment;
//  5. both sides print what they see: hostname, pid, /proc/self/ns links,
//     mountinfo, network devices, /proc/self/cgroup and /proc/sysvipc/shm;
//  6. the container exits, the runtime removes the cgroup, the machine
//     powers off and the leak registry is empty.
//
// Everything is deterministic: inode numbers, pids and mount ids come out
// the same on every run.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "container:", err)
		os.Exit(1)
	}
}

func run() error {
	k, err := kernsim.Boot(kernsim.Config{Flavour: kernsim.Mainline,
		Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}}})
	if err != nil {
		return err
	}
	init := k.Init()
	fmt.Printf("kernel %s (%s flavour)\n\n", k.Config().Release, k.Config().Flavour)

	// 1. The runtime and the container's cgroup.
	rt, err := init.Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD), Comm: "runtime"})
	if err != nil {
		return err
	}
	steps := []struct {
		what string
		do   func() error
	}{
		{"enable pids", func() error { _, err := rt.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", "+pids"); return err }},
		{"mkdir /ctr", func() error { return rt.Mkdir("/sys/fs/cgroup/ctr", 0o755) }},
		{"pids.max", func() error { _, err := rt.WriteFile("/sys/fs/cgroup/ctr/pids.max", "16"); return err }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	cgfd, err := rt.Open("/sys/fs/cgroup/ctr")
	if err != nil {
		return err
	}

	// 2. The container's init, in every new namespace and in /ctr.
	all := uapi.CLONE_NEWUSER | uapi.CLONE_NEWNS | uapi.CLONE_NEWUTS | uapi.CLONE_NEWIPC |
		uapi.CLONE_NEWPID | uapi.CLONE_NEWNET | uapi.CLONE_NEWCGROUP | uapi.CLONE_NEWTIME
	c, pidfd, err := rt.Clone3(task.Clone3Args{Flags: all | uapi.CLONE_INTO_CGROUP | uapi.CLONE_PIDFD,
		Pidfd: 0x1000, Cgroup: uint64(cgfd), ExitSignal: uint64(uapi.SIGCHLD), Comm: "ctr-init"})
	if err != nil {
		return fmt.Errorf("clone3: %w", err)
	}
	outside := strconv.Itoa(int(c.PID()))
	for _, m := range []string{"uid_map", "gid_map"} {
		if _, err := rt.WriteFile("/proc/"+outside+"/"+m, "0 100000 65536\n"); err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
	}

	// 3. A veth pair: veth-ctr in the host, eth0 in the container.
	netfd, err := rt.Open("/proc/" + outside + "/ns/net")
	if err != nil {
		return err
	}
	if err := rt.LinkAdd("veth", "veth-ctr", "eth0", netfd); err != nil {
		return fmt.Errorf("ip link add: %w", err)
	}
	if err := rt.LinkSetUp("veth-ctr"); err != nil {
		return err
	}

	// 4. Inside the container: become root of the mapped range first (the
	// clone kept the runtime's kernel ids, which the new map does not map).
	for _, s := range []struct {
		what string
		do   func() error
	}{
		{"setresgid(0)", func() error { return c.Setresgid(0, 0, 0) }},
		{"setresuid(0)", func() error { return c.Setresuid(0, 0, 0) }},
		{"sethostname", func() error { return c.Sethostname("container") }},
		{"mount /proc", func() error { return c.Mount("proc", "/proc", "proc", 0, "") }},
		{"mount /tmp", func() error { return c.Mount("tmpfs", "/tmp", "tmpfs", 0, "size=64k") }},
		{"mkdir /tmp/data", func() error { return c.Mkdir("/tmp/data", 0o755) }},
		{"ip link set lo up", func() error { return c.LinkSetUp("lo") }},
		{"ip link set eth0 up", func() error { return c.LinkSetUp("eth0") }},
		{"shmget", func() error { _, err := c.Shmget(0x42, 65536, ipcns.IPC_CREAT|0o600); return err }},
	} {
		if err := s.do(); err != nil {
			return fmt.Errorf("container %s: %w", s.what, err)
		}
	}

	// 5. Both views.
	for _, v := range []struct {
		title string
		t     *task.Task
	}{{"inside (the container's init)", c}, {"outside (the runtime)", rt}} {
		if err := show(v.title, v.t); err != nil {
			return err
		}
	}
	links, err := rt.Links()
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Name == "veth-ctr" {
			fmt.Printf("veth-ctr's peer: ifindex %d in net:[%d], carrier %v\n\n", l.PeerIfindex, l.PeerNetInum, l.Carrier)
		}
	}

	// 6. Tear down.
	if err := c.Exit(0); err != nil {
		return err
	}
	if _, _, err := rt.Wait(c.PID(), 0); err != nil {
		return err
	}
	for _, fd := range []int{pidfd, netfd, cgfd} {
		if err := rt.Close(fd); err != nil {
			return err
		}
	}
	if err := rt.Rmdir("/sys/fs/cgroup/ctr"); err != nil {
		return fmt.Errorf("rmdir /ctr: %w", err)
	}
	links, _ = rt.Links()
	var names []string
	for _, l := range links {
		names = append(names, l.Name)
	}
	fmt.Printf("after the container exited, the host's links: %s\n", strings.Join(names, ", "))
	if err := k.Check(); err != nil {
		return err
	}
	k.PowerOff()
	if err := k.Leaks(); err != nil {
		return err
	}
	fmt.Println("powered off; leak registry empty")
	return nil
}

// show prints what task t sees of itself.
func show(title string, t *task.Task) error {
	fmt.Println("== " + title)
	host, err := t.Gethostname(65)
	if err != nil {
		return err
	}
	fmt.Printf("hostname %q, pid %d (global %d)\n", host, t.Getpid(), t.PID())
	names, err := t.Readdir("/proc/self/ns")
	if err != nil {
		return err
	}
	var ns []string
	for _, n := range names {
		l, err := t.Readlink("/proc/self/ns/" + n)
		if err != nil {
			return err
		}
		ns = append(ns, fmt.Sprintf("%s -> %s", n, l))
	}
	fmt.Println("ns: " + strings.Join(ns, ", "))
	for _, f := range []string{"/proc/self/mountinfo", "/proc/self/cgroup", "/proc/sysvipc/shm"} {
		text, err := t.ReadFile(f)
		if err != nil {
			return err
		}
		fmt.Printf("%s:\n%s", f, indent(text))
	}
	links, err := t.Links()
	if err != nil {
		return err
	}
	var ls []string
	for _, l := range links {
		state := "down"
		if l.Flags&1 != 0 { // IFF_UP
			state = "up"
		}
		if l.Kind != "" {
			state = l.Kind + ", " + state
		}
		ls = append(ls, fmt.Sprintf("%d: %s (%s)", l.Ifindex, l.Name, state))
	}
	fmt.Println("links: " + strings.Join(ls, "; "))
	fmt.Println()
	return nil
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ") + "\n"
}
