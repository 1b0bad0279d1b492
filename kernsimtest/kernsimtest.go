// Package kernsimtest helps tests and course exercises written against kernsim:
// it boots a Kernel whose leak and invariant checks run when the test ends, and
// builds the usual actors (an unprivileged user, a container init).
//
//	func TestExercise(t *testing.T) {
//		k := kernsimtest.Boot(t)            // 4.19.13 unless a Config says otherwise
//		u := kernsimtest.User(t, k.Init(), 1000)
//		...
//	}                                       // Check, PowerOff, no leaks, no warnings
package kernsimtest

import (
	"testing"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Boot boots a Kernel with cfg (the zero Config when none is given) and
// registers the end-of-test checks: every reference count agrees with its
// holders (Kernel.Check), then the machine powers off and no object is left
// alive (Kernel.Leaks) and no kernel warning was logged.
func Boot(t testing.TB, cfg ...kernsim.Config) *kernsim.Kernel {
	t.Helper()
	var c kernsim.Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	k, err := kernsim.Boot(c)
	if err != nil {
		t.Fatalf("kernsim.Boot: %v", err)
	}
	t.Cleanup(func() {
		if err := k.Check(); err != nil {
			t.Errorf("at the end of the test: %v", err)
		}
		k.PowerOff()
		if err := k.Leaks(); err != nil {
			t.Errorf("leaked after PowerOff:\n%v", err)
		}
		if w := k.Warnings(); len(w) > 0 {
			t.Errorf("kernel warnings: %v", w)
		}
	})
	return k
}

// Fork clones parent with SIGCHLD as the exit signal and the given flags,
// failing the test on error.
func Fork(t testing.TB, parent *task.Task, flags uapi.CloneFlags) *task.Task {
	t.Helper()
	c, err := parent.Clone(task.CloneArgs{Flags: flags | uapi.CloneFlags(uapi.SIGCHLD)})
	if err != nil {
		t.Fatalf("clone(%v) by %d: %v", flags, parent.PID(), err)
	}
	return c
}

// User forks parent into a login shell of uid (and gid) uid: setresgid,
// setresuid, then execve, so it has no capabilities and is dumpable, like a
// user's shell.
func User(t testing.TB, parent *task.Task, uid int64) *task.Task {
	t.Helper()
	c := Fork(t, parent, 0)
	if err := c.Setresgid(uid, uid, uid); err != nil {
		t.Fatalf("setresgid(%d): %v", uid, err)
	}
	if err := c.Setresuid(uid, uid, uid); err != nil {
		t.Fatalf("setresuid(%d): %v", uid, err)
	}
	if err := c.Execve("sh"); err != nil {
		t.Fatalf("execve: %v", err)
	}
	return c
}
