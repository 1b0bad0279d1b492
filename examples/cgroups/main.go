// Command cgroups stops a fork bomb with the pids controller, the way an
// administrator would on Linux 4.19: enable pids for the root's children,
// make a cgroup, set pids.max, move a shell into it, and watch every fork
// past the limit fail with EAGAIN while pids.current and pids.events count.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

const dir = "/sys/fs/cgroup/bomb"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cgroups:", err)
		os.Exit(1)
	}
}

func run() error {
	k, err := kernsim.Boot(kernsim.Config{Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}}})
	if err != nil {
		return err
	}
	init := k.Init()
	show := func(what string) error {
		cur, err := init.ReadFile(dir + "/pids.current")
		if err != nil {
			return err
		}
		ev, err := init.ReadFile(dir + "/pids.events")
		if err != nil {
			return err
		}
		fmt.Printf("%-44s pids.current=%s  pids.events: %s", what, trim(cur), ev)
		return nil
	}
	steps := []struct {
		what string
		do   func() error
	}{
		{"echo +pids > cgroup.subtree_control", func() error {
			_, err := init.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", "+pids")
			return err
		}},
		{"mkdir " + dir, func() error { return init.Mkdir(dir, 0o755) }},
		{"echo 5 > pids.max", func() error { _, err := init.WriteFile(dir+"/pids.max", "5"); return err }},
	}
	for _, s := range steps {
		fmt.Println("$", s.what)
		if err := s.do(); err != nil {
			return err
		}
	}
	sh, err := init.Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD), Comm: "sh"})
	if err != nil {
		return err
	}
	fmt.Printf("$ echo %d > %s/cgroup.procs\n", sh.PID(), dir)
	if _, err := init.WriteFile(dir+"/cgroup.procs", fmt.Sprint(sh.PID())); err != nil {
		return err
	}
	if err := show("sh moved in"); err != nil {
		return err
	}

	// The bomb: every process forks, over and over.
	procs := []*task.Task{sh}
	refused := 0
	for round := 1; round <= 3; round++ {
		for _, p := range append([]*task.Task(nil), procs...) {
			c, err := p.Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD), Comm: "bomb"})
			switch {
			case errors.Is(err, uapi.EAGAIN):
				refused++
			case err != nil:
				return err
			default:
				procs = append(procs, c)
			}
		}
		if err := show(fmt.Sprintf("round %d: %d processes, %d forks refused", round, len(procs), refused)); err != nil {
			return err
		}
	}
	procsText, err := init.ReadFile(dir + "/cgroup.procs")
	if err != nil {
		return err
	}
	fmt.Printf("cgroup.procs:\n%s", procsText)

	// Clean up as an administrator would: kill everything, reap it, rmdir.
	fmt.Println("$ kill -9 -1; wait; rmdir", dir)
	if err := init.Kill(-1, uapi.SIGKILL); err != nil {
		return err
	}
	for {
		if _, _, err := init.Wait(-1, task.WNOHANG); err != nil {
			if errors.Is(err, uapi.ECHILD) {
				break
			}
			return err
		}
	}
	if err := init.Rmdir(dir); err != nil {
		return err
	}
	k.PowerOff()
	if err := k.Leaks(); err != nil {
		return err
	}
	fmt.Println("power off: no leaks")
	return nil
}

func trim(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\n' {
		return s[:len(s)-1]
	}
	return s
}
