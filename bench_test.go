package kernsim_test

import (
	"fmt"
	"testing"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/internal/realkernel"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// The benchmarks pair each simulated operation (sub-benchmark "sim") with the
// same operation on the machine's real kernel ("kernel", measured by the C
// helper of internal/realkernel; skipped unless root on Linux with gcc), so
// one `go test -bench . -benchmem` run prints both side by side.

var sigchld = uapi.CloneFlags(uapi.SIGCHLD)

func bootB(b *testing.B) *kernsim.Kernel {
	b.Helper()
	return bootConfigB(b, kernsim.Config{})
}

// bootConfigB boots a Kernel with cfg that is powered off, and checked for
// leaks, when the benchmark ends.
func bootConfigB(b *testing.B, cfg kernsim.Config) *kernsim.Kernel {
	b.Helper()
	k, err := kernsim.Boot(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		k.PowerOff()
		if err := k.Leaks(); err != nil {
			b.Error(err)
		}
	})
	return k
}

func realB(b *testing.B, op string) {
	h := realkernel.Require(b)
	ns, err := h.Bench(op, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(ns, "ns/op")
}

// cloneExitWait is one fork without namespace flags, the child's exit, and the
// parent's wait.
func cloneExitWait(b *testing.B, k *kernsim.Kernel, flags uapi.CloneFlags) {
	loopCloneExitWait(b, k.Init(), flags)
}

// loopCloneExitWait runs cloneExitWaitOnce by parent for every iteration.
func loopCloneExitWait(b *testing.B, parent *task.Task, flags uapi.CloneFlags) {
	for b.Loop() {
		if err := cloneExitWaitOnce(parent, flags); err != nil {
			b.Fatal(err)
		}
	}
}

// cloneExitWaitOnce is one clone with flags by parent, the child's exit and
// the parent's wait.
func cloneExitWaitOnce(parent *task.Task, flags uapi.CloneFlags) error {
	c, err := parent.Clone(task.CloneArgs{Flags: flags})
	if err != nil {
		return err
	}
	if err := c.Exit(0); err != nil {
		return err
	}
	_, _, err = parent.Wait(c.PID(), 0)
	return err
}

func BenchmarkCloneExitWait(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		b.ReportAllocs()
		cloneExitWait(b, bootB(b), sigchld)
	})
	b.Run("sim-traced", func(b *testing.B) {
		b.ReportAllocs()
		k := bootB(b)
		k.Tracer().SetBufferSize(1 << 12)
		k.Tracer().Start()
		cloneExitWait(b, k, sigchld)
	})
	b.Run("kernel", func(b *testing.B) { realB(b, "clone_exit_wait") })
}

func BenchmarkCloneNewUTSExitWait(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		b.ReportAllocs()
		cloneExitWait(b, bootB(b), uapi.CLONE_NEWUTS|sigchld)
	})
	b.Run("kernel", func(b *testing.B) { realB(b, "clone_newuts_exit_wait") })
}

func BenchmarkUnshareUTS(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		b.ReportAllocs()
		k := bootB(b)
		t, err := k.Init().Fork()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := t.Unshare(uapi.CLONE_NEWUTS); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kernel", func(b *testing.B) { realB(b, "unshare_uts") })
}

func BenchmarkSetnsUTS(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		b.ReportAllocs()
		k := bootB(b)
		init := k.Init()
		other, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld})
		if err != nil {
			b.Fatal(err)
		}
		t, err := init.Fork()
		if err != nil {
			b.Fatal(err)
		}
		fds := [2]int{}
		for i, path := range []string{"/proc/self/ns/uts", fmt.Sprintf("/proc/%d/ns/uts", other.PID())} {
			if fds[i], err = t.Open(path); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			i ^= 1
			if err := t.Setns(fds[i], uapi.CLONE_NEWUTS); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kernel", func(b *testing.B) { realB(b, "setns_uts") })
}

func BenchmarkSethostname(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		b.ReportAllocs()
		k := bootB(b)
		t, err := k.Init().Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := t.Sethostname("bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kernel", func(b *testing.B) { realB(b, "sethostname") })
}

func BenchmarkUname(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		b.ReportAllocs()
		k := bootB(b)
		t := k.Init()
		for b.Loop() {
			if _, err := t.Uname(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kernel", func(b *testing.B) { realB(b, "uname") })
}

// Calls into one Kernel run one at a time under its big kernel lock, while
// separate Kernels share nothing: with GOMAXPROCS goroutines, one Kernel per
// goroutine scales with the cores and one shared Kernel does not (on two
// cores the garbage collector's share of the Task allocations hides part of
// the gain unless GOGC is raised; see docs/architecture.md).
func BenchmarkParallelCloneExitWait(b *testing.B) {
	b.Run("kernel-per-goroutine", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			k, err := kernsim.Boot(kernsim.Config{})
			if err != nil {
				b.Error(err)
				return
			}
			defer k.PowerOff()
			init := k.Init()
			for pb.Next() {
				if err := cloneExitWaitOnce(init, sigchld); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("one-kernel", func(b *testing.B) {
		b.ReportAllocs()
		k := bootB(b)
		b.RunParallel(func(pb *testing.PB) {
			p, err := k.Init().Fork() // each goroutine forks from its own task
			if err != nil {
				b.Error(err)
				return
			}
			for pb.Next() {
				if err := cloneExitWaitOnce(p, sigchld); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
