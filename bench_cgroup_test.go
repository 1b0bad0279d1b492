package kernsim_test

import (
	"fmt"
	"testing"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/task"
)

// bootPids boots a kernel with the pids controller, enabled down a 3-deep
// path /sys/fs/cgroup/a/b/c with pids.max set at each level.
func bootPids(b *testing.B) (*kernsim.Kernel, string) {
	b.Helper()
	k, err := kernsim.Boot(kernsim.Config{Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}}})
	if err != nil {
		b.Fatal(err)
	}
	init := k.Init()
	path := "/sys/fs/cgroup"
	for _, name := range []string{"a", "b", "c"} {
		if _, err := init.WriteFile(path+"/cgroup.subtree_control", "+pids"); err != nil {
			b.Fatal(err)
		}
		path += "/" + name
		if err := init.Mkdir(path, 0o755); err != nil {
			b.Fatal(err)
		}
		if _, err := init.WriteFile(path+"/pids.max", "1000"); err != nil {
			b.Fatal(err)
		}
	}
	return k, path
}

// BenchmarkCgroupForkExit: clone+exit+wait by a task in a 3-deep cgroup with
// the pids controller charging every level.
func BenchmarkCgroupForkExit(b *testing.B) {
	b.ReportAllocs()
	k, path := bootPids(b)
	init := k.Init()
	t, err := init.Fork()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := init.WriteFile(path+"/cgroup.procs", fmt.Sprint(t.PID())); err != nil {
		b.Fatal(err)
	}
	loopCloneExitWait(b, t, sigchld)
	b.StopTimer()
	cleanupPids(b, k, path, t)
}

// BenchmarkCgroupMigrate: moving one process back and forth between two
// cgroups by writing cgroup.procs.
func BenchmarkCgroupMigrate(b *testing.B) {
	b.ReportAllocs()
	k, path := bootPids(b)
	init := k.Init()
	t, err := init.Fork()
	if err != nil {
		b.Fatal(err)
	}
	pid := fmt.Sprint(t.PID())
	if err := init.Mkdir(path+"/../d", 0o755); err != nil {
		b.Fatal(err)
	}
	dst := [2]string{path + "/cgroup.procs", path + "/../d/cgroup.procs"}
	i := 0
	for b.Loop() {
		i ^= 1
		if _, err := init.WriteFile(dst[i], pid); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if _, err := init.WriteFile(dst[0], pid); err != nil { // back, so d can go
		b.Fatal(err)
	}
	if err := init.Rmdir(path + "/../d"); err != nil {
		b.Fatal(err)
	}
	cleanupPids(b, k, path, t)
}

// BenchmarkReadProcCgroup: reading /proc/<pid>/cgroup of a task in a cgroup.
func BenchmarkReadProcCgroup(b *testing.B) {
	b.ReportAllocs()
	k, path := bootPids(b)
	init := k.Init()
	t, err := init.Fork()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := init.WriteFile(path+"/cgroup.procs", fmt.Sprint(t.PID())); err != nil {
		b.Fatal(err)
	}
	file := fmt.Sprintf("/proc/%d/cgroup", t.PID())
	for b.Loop() {
		if _, err := init.ReadFile(file); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cleanupPids(b, k, path, t)
}

func cleanupPids(b *testing.B, k *kernsim.Kernel, path string, t *task.Task) {
	init := k.Init()
	if err := t.Exit(0); err != nil {
		b.Fatal(err)
	}
	if _, _, err := init.Wait(t.PID(), 0); err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{path, "/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a"} {
		if err := init.Rmdir(p); err != nil {
			b.Fatal(err)
		}
	}
	k.PowerOff()
	if err := k.Leaks(); err != nil {
		b.Fatal(err)
	}
}
