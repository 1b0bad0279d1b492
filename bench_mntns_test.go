package kernsim_test

import (
	"strconv"
	"testing"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/mntns"
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
	k := bootConfigB(b, kernsim.Config{Flavour: kernsim.Mainline})
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

// BenchmarkBindMountUmount: a bind mount of /tmp on /mnt and its umount, in
// a private mount namespace (do_loopback then do_umount: the path walks,
// the new mount's hash and propagation bookkeeping, the tree's teardown).
func BenchmarkBindMountUmount(b *testing.B) {
	b.ReportAllocs()
	k := bootB(b)
	t, err := k.Init().Clone(task.CloneArgs{Flags: uapi.CLONE_NEWNS | sigchld})
	if err != nil {
		b.Fatal(err)
	}
	if err := t.Mount("none", "/", "", mntns.MS_REC|mntns.MS_PRIVATE, ""); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := t.Mount("/tmp", "/mnt", "", mntns.MS_BIND, ""); err != nil {
			b.Fatal(err)
		}
		if err := t.Umount2("/mnt", 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClone3PidfdExitWait: mainline clone3(CLONE_PIDFD), the child's
// exit, the parent's wait and the pidfd's close: the pidfd path of
// kernel_clone (pidfd_prepare, the fd install) on top of a plain fork.
func BenchmarkClone3PidfdExitWait(b *testing.B) {
	b.ReportAllocs()
	k := bootConfigB(b, kernsim.Config{Flavour: kernsim.Mainline})
	init := k.Init()
	for b.Loop() {
		c, pidfd, err := init.Clone3(task.Clone3Args{Flags: uapi.CLONE_PIDFD, Pidfd: 8, ExitSignal: uint64(uapi.SIGCHLD)})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Exit(0); err != nil {
			b.Fatal(err)
		}
		if _, _, err := init.Wait(c.PID(), 0); err != nil {
			b.Fatal(err)
		}
		if err := init.Close(pidfd); err != nil {
			b.Fatal(err)
		}
	}
}
