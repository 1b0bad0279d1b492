package kernsim_test

import (
	"fmt"
	"testing"

	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// BenchmarkCloneNewPIDExitWait: clone(CLONE_NEWPID) — a new pid namespace whose
// init the child is — then its exit (which zaps the namespace) and the wait.
func BenchmarkCloneNewPIDExitWait(b *testing.B) {
	b.ReportAllocs()
	cloneExitWait(b, bootB(b), uapi.CLONE_NEWPID|sigchld)
}

// BenchmarkGetpidNested: getpid(2) in a task three pid namespaces deep.
func BenchmarkGetpidNested(b *testing.B) {
	b.ReportAllocs()
	k := bootB(b)
	t := k.Init()
	for range 3 {
		c, err := t.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld})
		if err != nil {
			b.Fatal(err)
		}
		t = c
	}
	if t.Getpid() != 1 {
		b.Fatalf("getpid = %d, want 1", t.Getpid())
	}
	for b.Loop() {
		if t.Getpid() != 1 {
			b.Fatal("getpid changed")
		}
	}
}

// BenchmarkReadStatus: reading /proc/<pid>/status of a task two levels deep
// from init (open, read to the end, close).
func BenchmarkReadStatus(b *testing.B) {
	b.ReportAllocs()
	k := bootB(b)
	init := k.Init()
	c, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld})
	if err != nil {
		b.Fatal(err)
	}
	g, err := c.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld})
	if err != nil {
		b.Fatal(err)
	}
	path := fmt.Sprintf("/proc/%d/status", g.PID())
	for b.Loop() {
		if _, err := init.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
}
