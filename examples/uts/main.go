// Command uts tells the UTS-namespace story of the lecture slides on a simulated
// Linux 4.19.13 kernel, printing the reference counts at each step:
//
//  1. init clones A without flags: A shares init's nsproxy, whose count goes up;
//  2. init clones B with CLONE_NEWUTS: B gets a new nsproxy and uts_namespace;
//  3. B sets its hostname; init's is unchanged;
//  4. A unshares CLONE_NEWUTS: A leaves the shared nsproxy for its own;
//  5. init opens B's /proc/<pid>/ns/uts and setns's into it, then sees B's name;
//  6. A and B exit and are reaped; B's namespace lives on in init's nsproxy;
//  7. the machine powers off and the leak registry is empty.
package main

import (
	"fmt"
	"os"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "uts:", err)
		os.Exit(1)
	}
}

func run() error {
	k, err := kernsim.Boot(kernsim.Config{})
	if err != nil {
		return err
	}
	init := k.Init()
	show := func(step string) {
		fmt.Printf("\n== %s\n", step)
		for _, t := range k.Tasks() {
			p := t.NSProxy()
			if p == nil {
				fmt.Printf("  %-5s pid %d  (exited)\n", t.Comm(), t.PID())
				continue
			}
			u := p.UTS()
			fmt.Printf("  %-5s pid %d  nsproxy %-12s count %d   uts:[%d] count %d   hostname %q\n",
				t.Comm(), t.PID(), name(p.IsInit(), p.ID()), p.Count(), u.Inum(), u.Count(), u.Nodename())
		}
	}
	show("boot: init alone")

	a, err := init.Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD), Comm: "A"})
	if err != nil {
		return err
	}
	show("init clones A without flags: A shares init_nsproxy")

	b, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD), Comm: "B"})
	if err != nil {
		return err
	}
	show("init clones B with CLONE_NEWUTS: a new nsproxy and a new uts_namespace")

	if err := b.Sethostname("container-b"); err != nil {
		return err
	}
	show("B sets its hostname; init's is unchanged")

	if err := a.Unshare(uapi.CLONE_NEWUTS); err != nil {
		return err
	}
	show("A unshares CLONE_NEWUTS: A leaves init_nsproxy for a new one")

	fd, err := init.Open(fmt.Sprintf("/proc/%d/ns/uts", b.PID()))
	if err != nil {
		return err
	}
	fmt.Printf("\n(init opened /proc/%d/ns/uts as fd %d: B's uts_namespace count is now %d)\n",
		b.PID(), fd, b.NSProxy().UTS().Count())
	if err := init.Setns(fd, uapi.CLONE_NEWUTS); err != nil {
		return err
	}
	if err := init.Close(fd); err != nil {
		return err
	}
	show("init setns's into B's uts namespace (and closes the fd)")

	for _, t := range []*task.Task{a, b} {
		if err := t.Exit(0); err != nil {
			return err
		}
		if _, _, err := init.Wait(t.PID(), 0); err != nil {
			return err
		}
	}
	show("A and B exit and are reaped: B's namespace lives on through init")

	k.PowerOff()
	fmt.Printf("\n== power off\n  live objects: %d\n", k.Refs().LiveCount())
	if err := k.Leaks(); err != nil {
		return err
	}
	fmt.Println("  leak registry empty; warnings:", len(k.Warnings()))
	return nil
}

func name(init bool, id uint64) string {
	if init {
		return "init_nsproxy"
	}
	return fmt.Sprintf("#%d", id)
}
