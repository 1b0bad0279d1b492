// Command pidns builds nested containers on a simulated Linux 4.19.13 kernel
// and prints, for every task, the pid each pid namespace sees it by — the
// table a process manager inside each container would see — followed by the
// lsns-style listing of the live namespaces:
//
//  1. a container runtime (a root task) starts container c1 with
//     CLONE_NEWPID|CLONE_NEWUTS: its init is pid 1 inside, its app 2;
//  2. c1's init starts a nested container c2 (pid 1 there, 3 in c1);
//  3. the runtime starts a sibling container c3 and enters c1 with setns to
//     run an "exec" process there (parent outside: getppid 0);
//  4. an ordinary user (uid 1000) starts a rootless container c4 with
//     CLONE_NEWUSER|CLONE_NEWPID and writes its uid_map;
//  5. c1's init exits: everything in c1 and c2 is killed, forks into c1 fail
//     with ENOMEM, the namespaces go once their last pid and reference do;
//  6. the machine powers off and the leak registry is empty.
//
// Everything is deterministic: one goroutine, fixed inode numbers (the boot
// allocates them in a fixed order) and pids.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pidns:", err)
		os.Exit(1)
	}
}

// column is one pid namespace of the table, named for the reader.
type column struct {
	name string
	ns   *pidns.Namespace
}

func run() error {
	k, err := kernsim.Boot(kernsim.Config{})
	if err != nil {
		return err
	}
	init := k.Init()
	sig := uapi.CloneFlags(uapi.SIGCHLD)
	clone := func(parent *task.Task, flags uapi.CloneFlags, comm string) (*task.Task, error) {
		return parent.Clone(task.CloneArgs{Flags: flags | sig, Comm: comm})
	}

	// 1-2. The runtime, container c1 and its nested container c2.
	rt, err := clone(init, 0, "runtime")
	if err != nil {
		return err
	}
	c1, err := clone(rt, uapi.CLONE_NEWPID|uapi.CLONE_NEWUTS, "c1-init")
	if err != nil {
		return err
	}
	if err := c1.Sethostname("c1"); err != nil {
		return err
	}
	if _, err := c1.Setsid(); err != nil {
		return err
	}
	if _, err := clone(c1, 0, "c1-app"); err != nil {
		return err
	}
	c2, err := clone(c1, uapi.CLONE_NEWPID, "c2-init")
	if err != nil {
		return err
	}
	if _, err := clone(c2, 0, "c2-app"); err != nil {
		return err
	}

	// 3. A sibling container, and an exec into c1 through setns.
	c3, err := clone(rt, uapi.CLONE_NEWPID, "c3-init")
	if err != nil {
		return err
	}
	fd, err := rt.Open(fmt.Sprintf("/proc/%d/ns/pid", c1.PID()))
	if err != nil {
		return err
	}
	if err := rt.Setns(fd, uapi.CLONE_NEWPID); err != nil {
		return err
	}
	exec, err := clone(rt, 0, "c1-exec")
	if err != nil {
		return err
	}

	// 4. A rootless container: uid 1000 makes a user and a pid namespace;
	// the parent maps uid 0 inside to itself.
	user, err := clone(init, 0, "user")
	if err != nil {
		return err
	}
	if err := user.Setresgid(1000, 1000, 1000); err != nil {
		return err
	}
	if err := user.Setresuid(1000, 1000, 1000); err != nil {
		return err
	}
	if err := user.Execve("sh"); err != nil {
		return err
	}
	if _, err := clone(user, uapi.CLONE_NEWPID, "denied"); !errors.Is(err, uapi.EPERM) {
		return fmt.Errorf("unprivileged CLONE_NEWPID: got %v, want EPERM", err)
	}
	c4, err := clone(user, uapi.CLONE_NEWUSER|uapi.CLONE_NEWPID, "c4-init")
	if err != nil {
		return err
	}
	dir := fmt.Sprintf("/proc/%d/", c4.PID())
	for _, w := range [][2]string{{"uid_map", "0 1000 1"}, {"setgroups", "deny"}, {"gid_map", "0 1000 1"}} {
		if _, err := user.WriteFile(dir+w[0], w[1]); err != nil {
			return err
		}
	}
	if _, err := clone(c4, 0, "c4-app"); err != nil {
		return err
	}

	cols := []column{
		{"host", k.PidNS.Init},
		{"c1", c1.ActivePidNS()},
		{"c2", c2.ActivePidNS()},
		{"c3", c3.ActivePidNS()},
		{"c4", c4.ActivePidNS()},
	}
	fmt.Println("== pids as each pid namespace sees them (- = invisible there)")
	table(k, cols)
	fmt.Println("\n== namespaces")
	fmt.Print(k.Lsns())

	// 5. c1's init exits: zap_pid_ns_processes.
	if err := c1.Exit(0); err != nil {
		return err
	}
	_, status, err := rt.Wait(exec.PID(), task.WNOHANG)
	if err != nil {
		return err
	}
	fmt.Printf("\n== c1-init exited: the runtime reaps c1-exec, killed by signal %d\n", status&0x7f)
	if _, _, err := rt.Wait(c1.PID(), task.WNOHANG); err != nil {
		return err
	}
	if _, err := rt.Fork(); !errors.Is(err, uapi.ENOMEM) {
		return fmt.Errorf("fork into dead c1: got %v, want ENOMEM", err)
	}
	fmt.Println("a fork into c1 now fails:", "ENOMEM")
	table(k, cols)
	fmt.Println("\n== namespaces (c2's is gone; c1's lives in the runtime's nsproxy and fd)")
	fmt.Print(k.Lsns())
	if err := rt.Close(fd); err != nil {
		return err
	}

	// 6.
	if err := k.Check(); err != nil {
		return err
	}
	k.PowerOff()
	if err := k.Leaks(); err != nil {
		return err
	}
	fmt.Println("\npowered off; leaks: none")
	return nil
}

// table prints one row per task still alive or a zombie: its name, state,
// the pid every namespace in cols sees it by, the parent as the task sees it
// (getppid) and the level of its own pid namespace.
func table(k *kernsim.Kernel, cols []column) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %-7s", "COMMAND", "STATE")
	for _, c := range cols {
		fmt.Fprintf(&b, " %5s", c.name)
	}
	fmt.Fprintf(&b, " %6s %5s\n", "PPID", "LEVEL")
	for _, t := range k.Tasks() {
		fmt.Fprintf(&b, "%-9s %-7s", t.Comm(), t.State())
		for _, c := range cols {
			if nr := t.PidIn(c.ns); nr != 0 {
				fmt.Fprintf(&b, " %5d", nr)
			} else {
				fmt.Fprintf(&b, " %5s", "-")
			}
		}
		fmt.Fprintf(&b, " %6d %5d\n", t.Getppid(), t.ActivePidNS().Level())
	}
	fmt.Print(b.String())
}
