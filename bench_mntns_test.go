package kernsim_test

import (
	"strconv"
	"testing"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// BenchmarkUnshareNewNS: unshare(CLONE_NEWNS) by a task whose namespace
// holds n extra tmpfs mounts; each call copies the whole tree (copy_tree)
// and drops the copy the previous call made, so the cost grows with n.
func BenchmarkUnshareNewNS(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run("mounts="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			k := bootB(b)
			init := k.Init()
			for i := 0; i < n; i++ {
				dir := "/tmp/m" + strconv.Itoa(i)
				if err := init.Mkdir(dir, 0o755); err != nil {
					b.Fatal(err)
				}
				if err := init.Mount("none", dir, "tmpfs", 0, ""); err != nil {
					b.Fatal(err)
				}
			}
			t, err := init.Fork()
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := t.Unshare(uapi.CLONE_NEWNS); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSetnsPidfdAll: mainline setns(pidfd, flags) entering every
// namespace type of a container but the user namespace (a sibling user
// namespace could not be entered again), alternating between two
// containers so that each call really switches.
func BenchmarkSetnsPidfdAll(b *testing.B) {
	b.ReportAllocs()
	k, err := kernsim.Boot(kernsim.Config{Flavour: kernsim.Mainline})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		k.PowerOff()
		if err := k.Leaks(); err != nil {
			b.Error(err)
		}
	})
	init := k.Init()
	all := uapi.CLONE_NEWNS | uapi.CLONE_NEWUTS | uapi.CLONE_NEWIPC | uapi.CLONE_NEWPID | uapi.CLONE_NEWNET |
		uapi.CLONE_NEWCGROUP | uapi.CLONE_NEWTIME
	var fds [2]int
	for i := range fds {
		c, _, err := init.Clone3(task.Clone3Args{Flags: all, ExitSignal: uint64(uapi.SIGCHLD)})
		if err != nil {
			b.Fatal(err)
		}
		if fds[i], err = init.PidfdOpen(c.PID(), 0); err != nil {
			b.Fatal(err)
		}
	}
	j, err := init.Fork()
	if err != nil {
		b.Fatal(err)
	}
	for i := range fds {
		if fds[i], err = j.PidfdOpen(k.Task(init.File(fds[i]).PidfdTask().PID()).PID(), 0); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if err := j.Setns(fds[i&1], all); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
