package task_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Reference counts and lifetimes around tasks: nsfs files (§14.2, §15.2),
// zombies (§6), fd tables shared or copied by clone, threads, wait4 and
// reparenting.

func nscNSPath(tk *task.Task, name string) string {
	return fmt.Sprintf("/proc/%d/ns/%s", tk.PID(), name)
}

// TestNSFileKeepsUTSAlive: an open nsfs file holds a reference on its
// namespace (§14.2), so a uts namespace outlives its last task and remains a
// setns target; a fork copies the descriptor (the same file, f_count +1), so
// the namespace count does not move until the last copy is closed.
func TestNSFileKeepsUTSAlive(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	init := k.Init()
	b := nscClone(t, k, init, uapi.CLONE_NEWUTS|nscSIGCHLD, "B")
	require.NoError(t, b.Sethostname("kept"))
	bu := b.NSProxy().UTS()
	inums := k.Env.Inums.InUse()

	fd := nscOpen(t, k, init, nscNSPath(b, "uts"))
	f := init.File(fd)
	require.NotNil(t, f)
	require.Same(t, bu, f.Namespace())
	require.Equal(t, int64(1), f.Count())
	require.Equal(t, int64(2), bu.Count(), "B's nsproxy + the nsfs file")

	// B exits and is reaped: the file alone keeps the namespace.
	nscExitReap(t, k, b)
	require.Equal(t, int64(1), bu.Count())
	require.Equal(t, 1, k.Refs().CountKind("uts_namespace"))
	require.Equal(t, inums, k.Env.Inums.InUse(), "its inode number is still taken")
	_, err := init.Readlink(nscNSPath(b, "uts"))
	require.ErrorIs(t, err, uapi.ENOENT)

	// A fork copies the fd table: same file, one more file reference, no
	// new namespace reference.
	c := nscClone(t, k, init, nscSIGCHLD, "C")
	require.Same(t, f, c.File(fd))
	require.Equal(t, int64(2), f.Count())
	require.Equal(t, int64(1), bu.Count())

	// setns through the file still works, for both holders.
	require.NoError(t, init.Setns(fd, uapi.CLONE_NEWUTS))
	require.Equal(t, "kept", init.Hostname())
	require.Equal(t, int64(2), bu.Count())
	require.NoError(t, c.Setns(fd, 0))
	require.Equal(t, "kept", c.Hostname())
	require.Equal(t, int64(3), bu.Count(), "file + init's nsproxy + C's nsproxy")
	require.NoError(t, k.Check())

	// Closing one copy drops only a file reference.
	require.NoError(t, init.Close(fd))
	require.Equal(t, int64(1), f.Count())
	require.Equal(t, int64(3), bu.Count())
	require.NoError(t, k.Check())

	// C's exit closes the last copy and frees C's nsproxy: only init's
	// nsproxy is left holding the namespace.
	nscExitReap(t, k, c)
	require.Equal(t, int64(1), bu.Count())
	require.Zero(t, k.Refs().CountKind("file"))
	require.Same(t, bu, init.NSProxy().UTS())
	nscPowerOff(t, k)
}

// TestZombieProcNS: a zombie has no nsproxy (exit_task_namespaces runs before
// exit_notify), so its uts, ipc, mnt, net, cgroup and pid_for_children links
// give ENOENT, while user (from the cred) and pid (from struct pid) still
// resolve until it is reaped; after that /proc/<pid> is gone (§6, §14.2).
func TestZombieProcNS(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	init := k.Init()
	z := nscClone(t, k, init, uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS|nscSIGCHLD, "Z")
	zUser := z.UserNS()
	zUTS := z.NSProxy().UTS()
	userLink := fmt.Sprintf("user:[%d]", zUser.Inum())
	utsLink := fmt.Sprintf("uts:[%d]", zUTS.Inum())

	type row struct {
		name  string
		alive string // readlink while Z runs
		get   string // kernel ops->get that returns NULL for a zombie; "" = still resolves
	}
	rows := []row{
		{"uts", utsLink, "utsns_get"},
		{"ipc", "ipc:[4026531839]", "ipcns_get"},
		{"mnt", k.Mnt.Init.NS().Link(), "mntns_get"},
		{"net", k.Net.Init.NS().Link(), "netns_get"},
		{"cgroup", "cgroup:[4026531835]", "cgroupns_get"},
		{"pid_for_children", "pid:[4026531836]", "pidns_for_children_get"}, // real_ns_name "pid"
		{"pid", "pid:[4026531836]", ""},
		{"user", userLink, ""},
	}
	for _, r := range rows {
		link, err := init.Readlink(nscNSPath(z, r.name))
		require.NoError(t, err, r.name)
		require.Equal(t, r.alive, link, r.name)
	}
	// 4.19 has no time namespace entry.
	_, err := init.Readlink(nscNSPath(z, "time"))
	require.ErrorIs(t, err, uapi.ENOENT)

	require.NoError(t, z.Exit(0))
	require.Equal(t, task.Zombie, z.State())
	require.Nil(t, z.NSProxy())
	require.Zero(t, k.Refs().CountKind("uts_namespace"), "Z's private uts namespace went with its nsproxy")
	require.Equal(t, 1, k.Refs().CountKind("user_namespace"), "the zombie's cred keeps its user namespace")
	require.NoError(t, k.Check())

	userFD := -1
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := k.Snapshot()
			link, err := init.Readlink(nscNSPath(z, r.name))
			if r.get != "" {
				nscRequireErr(t, err, "readlink", uapi.ENOENT, r.get, "")
				_, err = init.Open(nscNSPath(z, r.name))
				nscRequireErr(t, err, "open", uapi.ENOENT, r.get, "")
				require.Equal(t, before, k.Snapshot())
				return
			}
			require.NoError(t, err)
			require.Equal(t, r.alive, link)
			require.Equal(t, before, k.Snapshot(), "readlink takes and drops a temporary reference")
			fd, err := init.Open(nscNSPath(z, r.name))
			require.NoError(t, err)
			if r.name == "user" {
				userFD = fd // keep it across the reaping
				require.Equal(t, int64(2), zUser.Count(), "Z's cred + the file")
			} else {
				require.NoError(t, init.Close(fd))
			}
		})
		require.NoError(t, k.Check())
	}
	require.GreaterOrEqual(t, userFD, 0)

	// Reaped: /proc/<pid> no longer exists, for every entry.
	_, _, err = init.Wait(z.PID(), 0)
	require.NoError(t, err)
	for _, r := range rows {
		_, err := init.Readlink(nscNSPath(z, r.name))
		nscRequireErr(t, err, "readlink", uapi.ENOENT, "proc_pid_lookup", "")
	}
	// The open file keeps the user namespace (§12.4) after its last task.
	require.Equal(t, int64(1), zUser.Count())
	require.Equal(t, 1, k.Refs().CountKind("user_namespace"))
	require.NoError(t, k.Check())
	require.NoError(t, init.Close(userFD))
	require.Zero(t, k.Refs().CountKind("user_namespace"))
	require.NoError(t, k.Check())
	nscPowerOff(t, k)
}

// TestProcNSPtraceAccess: another task's ns links need ptrace read access
// (PTRACE_MODE_READ_FSCREDS, §14.2): the same thread group; or matching uids
// and gids, or CAP_SYS_PTRACE over the target's user namespace, and then, for
// a target that is not dumpable (a task whose ids changed: fs.suid_dumpable is
// 0), CAP_SYS_PTRACE over its mm's user namespace; then the capability LSM
// (cap_ptrace_access_check): the same user namespace with the target's
// permitted set within the caller's effective one, or CAP_SYS_PTRACE over the
// target's user namespace. Otherwise EACCES.
func TestProcNSPtraceAccess(t *testing.T) {
	t.Parallel()
	type tasks struct {
		root, user, user2, other, thread, inNS, inNS2, owned *task.Task
	}
	setup := func(t *testing.T, k *kernsim.Kernel) tasks {
		var ts tasks
		ts.root = nscRoot(t, k)
		ts.user = nscUser(t, k)
		ts.user2 = nscUser(t, k) // the same uid 1000, not dumpable either
		ts.other = nscRoot(t, k)
		nscDrop(t, k, ts.other, 1001)
		ts.thread = nscClone(t, k, ts.user, nscThread, "user-thread")
		// Root in a user namespace of its own: all capabilities there, none
		// over init_user_ns; still global uid 0 and dumpable (no id change).
		ts.inNS = nscClone(t, k, k.Init(), uapi.CLONE_NEWUSER|nscSIGCHLD, "userns-root")
		ts.inNS2 = nscClone(t, k, ts.inNS, nscSIGCHLD, "userns-root-child")
		// uid 1000 in a user namespace user created (the mm, and its
		// non-dumpability, come from user).
		ts.owned = nscClone(t, k, ts.user, uapi.CLONE_NEWUSER|nscSIGCHLD, "owned")
		return ts
	}
	const notDumpable = "not dumpable"
	cases := []struct {
		name   string
		caller func(tasks) *task.Task
		target func(*kernsim.Kernel, tasks) *task.Task
		ns     string
		errno  uapi.Errno
		reason string // identifies the failing test; "capabilities" is cap_ptrace_access_check's
	}{
		{"unprivileged → init uts", func(ts tasks) *task.Task { return ts.user }, func(k *kernsim.Kernel, _ tasks) *task.Task { return k.Init() }, "uts", uapi.EACCES, "no ptrace read access"},
		{"unprivileged → init user", func(ts tasks) *task.Task { return ts.user }, func(k *kernsim.Kernel, _ tasks) *task.Task { return k.Init() }, "user", uapi.EACCES, "no ptrace read access"},
		{"unprivileged → root task", func(ts tasks) *task.Task { return ts.user }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.root }, "pid", uapi.EACCES, "no ptrace read access"},
		{"unprivileged → other uid", func(ts tasks) *task.Task { return ts.user }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.other }, "uts", uapi.EACCES, "no ptrace read access"},
		{"unprivileged → same uid, not dumpable", func(ts tasks) *task.Task { return ts.user }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.user2 }, "uts", uapi.EACCES, notDumpable},
		{"unprivileged → its user-ns child, not dumpable", func(ts tasks) *task.Task { return ts.user }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.owned }, "user", uapi.EACCES, notDumpable},
		{"unprivileged → user-ns root (other uid)", func(ts tasks) *task.Task { return ts.user }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.inNS }, "user", uapi.EACCES, "no ptrace read access"},
		{"user-ns root → outsider", func(ts tasks) *task.Task { return ts.inNS }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.other }, "uts", uapi.EACCES, "no ptrace read access"},
		{"unprivileged → itself", func(ts tasks) *task.Task { return ts.user }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.user }, "uts", 0, ""},
		{"thread → its group leader", func(ts tasks) *task.Task { return ts.thread }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.user }, "net", 0, ""},
		{"root → unprivileged (CAP_SYS_PTRACE)", func(ts tasks) *task.Task { return ts.root }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.other }, "uts", 0, ""},
		// Same global uid and a dumpable target pass __ptrace_may_access,
		// but cap_ptrace_access_check wants the same user namespace (with the
		// target's permitted set within the caller's effective one) or
		// CAP_SYS_PTRACE over the target's.
		{"user-ns root → dumpable root task (same uid)", func(ts tasks) *task.Task { return ts.inNS }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.root }, "uts", uapi.EACCES, "capabilities"},
		{"user-ns root → a task in its user ns", func(ts tasks) *task.Task { return ts.inNS }, func(_ *kernsim.Kernel, ts tasks) *task.Task { return ts.inNS2 }, "user", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := nscBoot(t)
			ts := setup(t, k)
			caller, target := tc.caller(ts), tc.target(k, ts)
			path := nscNSPath(target, tc.ns)
			before := k.Snapshot()
			link, rerr := caller.Readlink(path)
			fd, oerr := caller.Open(path)
			if tc.errno != 0 {
				check := "ptrace_may_access"
				if tc.reason == "capabilities" {
					check = "cap_ptrace_access_check"
				}
				nscRequireErr(t, rerr, "readlink", tc.errno, check, tc.reason)
				nscRequireErr(t, oerr, "open", tc.errno, check, tc.reason)
				require.Equal(t, before, k.Snapshot())
			} else {
				require.NoError(t, rerr)
				want, err := k.Init().Readlink(path)
				require.NoError(t, err)
				require.Equal(t, want, link)
				require.NoError(t, oerr)
				require.NoError(t, caller.Close(fd))
				require.Equal(t, before, k.Snapshot())
			}
			require.NoError(t, k.Check())
			nscPowerOff(t, k)
		})
	}
}

// TestCloneFilesSharing: CLONE_FILES shares the fd table itself (no new file
// reference; a close by one is seen by the other), while a plain fork copies
// it (dup_fd: each file +1, namespaces unchanged); unshare(CLONE_FILES) turns
// a shared table into a copy.
func TestCloneFilesSharing(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	init := k.Init()
	p := nscRoot(t, k)
	utsCount := k.UTS.Init.Count()
	userCount := k.UserNS.Init.Count()

	fd := nscOpen(t, k, p, "/proc/self/ns/uts")
	f := p.File(fd)
	require.Equal(t, utsCount+1, k.UTS.Init.Count())

	// CLONE_FILES: one table, two tasks.
	c := nscClone(t, k, p, uapi.CLONE_FILES|nscSIGCHLD, "files-sharer")
	require.Same(t, f, c.File(fd))
	require.Equal(t, int64(1), f.Count(), "sharing the table takes no file reference")
	require.Equal(t, utsCount+1, k.UTS.Init.Count())
	ufd := nscOpen(t, k, c, "/proc/self/ns/user")
	require.NotNil(t, p.File(ufd), "an fd opened by one sharer appears in the other")
	require.Equal(t, []int{fd, ufd}, p.Fds())
	require.Equal(t, userCount+2, k.UserNS.Init.Count(), "C's cred + the user ns file")

	// A plain fork of C copies the table: the same files, each +1.
	d := nscClone(t, k, c, nscSIGCHLD, "copy")
	require.Same(t, f, d.File(fd))
	require.Equal(t, int64(2), f.Count())
	require.Equal(t, int64(2), d.File(ufd).Count())
	require.Equal(t, utsCount+1, k.UTS.Init.Count(), "the namespace count does not move")
	require.Equal(t, userCount+3, k.UserNS.Init.Count(), "only D's cred is new")

	// A close through the shared table is seen by both sharers, not by D.
	require.NoError(t, c.Close(fd))
	require.Nil(t, p.File(fd))
	require.Same(t, f, d.File(fd))
	require.Equal(t, int64(1), f.Count())
	require.Equal(t, utsCount+1, k.UTS.Init.Count())
	require.NoError(t, k.Check())

	// unshare(CLONE_FILES): C gets a private copy; P's table is its own again.
	require.NoError(t, c.Unshare(uapi.CLONE_FILES))
	require.Equal(t, int64(3), c.File(ufd).Count(), "P's table, C's copy, D's copy")
	require.NoError(t, c.Close(ufd))
	require.NotNil(t, p.File(ufd))
	require.Equal(t, int64(2), p.File(ufd).Count())
	require.NoError(t, k.Check())

	// D's exit drops its copy of the uts file: the namespace reference goes.
	nscExitReap(t, k, d)
	require.Equal(t, utsCount, k.UTS.Init.Count())
	nscExitReap(t, k, c)
	nscExitReap(t, k, p)
	require.Zero(t, k.Refs().CountKind("file"))
	require.Equal(t, userCount-1, k.UserNS.Init.Count(), "P's cred was counted in userCount")
	require.Empty(t, init.Fds())
	nscPowerOff(t, k)
}

// TestThreadsAutoReaped: a thread (CLONE_VM|CLONE_SIGHAND|CLONE_THREAD) joins
// its creator's thread group, is nobody's child, and is released as soon as
// it exits; a group leader that exits first stays an unreapable zombie until
// its last thread is gone (exit_notify, delay_group_leader).
func TestThreadsAutoReaped(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	init := k.Init()
	p := nscRoot(t, k)
	nr := k.NrThreads()

	th := nscClone(t, k, p, nscThread, "thread")
	require.Equal(t, p.PID(), th.TGID())
	require.NotEqual(t, p.PID(), th.PID())
	require.Same(t, init, th.Parent(), "CLONE_THREAD: real_parent is the creator's")
	require.Empty(t, p.Children())
	require.NotContains(t, init.Children(), th)
	require.Equal(t, 2, p.Threads())
	require.Equal(t, nr+1, k.NrThreads())

	_, _, err := p.Wait(th.PID(), task.WNOHANG)
	nscRequireErr(t, err, "wait4", uapi.ECHILD, "do_wait", "")

	// The thread exits: released at once, no zombie, no wait needed.
	require.NoError(t, th.Exit(0))
	require.Equal(t, task.Dead, th.State())
	require.Nil(t, k.Task(th.PID()))
	require.Equal(t, 1, p.Threads())
	require.Equal(t, nr, k.NrThreads())
	require.NoError(t, k.Check())

	// Leader first: the leader stays a zombie that cannot be reaped while a
	// thread lives.
	th2 := nscClone(t, k, p, nscThread, "thread2")
	require.NoError(t, p.Exit(3))
	require.Equal(t, task.Zombie, p.State())
	require.Nil(t, p.NSProxy())
	pid, _, err := init.Wait(p.PID(), task.WNOHANG)
	require.NoError(t, err)
	require.Zero(t, pid, "delay_group_leader: not reapable yet")
	require.NoError(t, k.Check())
	require.NoError(t, th2.Exit(0))
	require.Equal(t, task.Dead, th2.State())
	pid, status, err := init.Wait(-1, 0)
	require.NoError(t, err)
	require.Equal(t, p.PID(), pid)
	require.Equal(t, 3<<8, status)
	require.Equal(t, nr-1, k.NrThreads())
	require.NoError(t, k.Check())
	nscPowerOff(t, k)
}

// TestWaitECHILD: wait4 with nothing to wait for is ECHILD and changes
// nothing: no children at all, a pid that is not a child (a grandchild, a
// thread, an unused pid), or after the last child was reaped.
func TestWaitECHILD(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		options int
		prepare func(t *testing.T, k *kernsim.Kernel) (waiter *task.Task, pid int32)
	}{
		{"no children, -1", 0, func(t *testing.T, k *kernsim.Kernel) (*task.Task, int32) { return nscRoot(t, k), -1 }},
		{"no children, -1, WNOHANG", task.WNOHANG, func(t *testing.T, k *kernsim.Kernel) (*task.Task, int32) { return nscRoot(t, k), -1 }},
		{"unused pid", 0, func(t *testing.T, k *kernsim.Kernel) (*task.Task, int32) { return k.Init(), 999 }},
		{"grandchild", 0, func(t *testing.T, k *kernsim.Kernel) (*task.Task, int32) {
			c := nscRoot(t, k)
			g := nscClone(t, k, c, nscSIGCHLD, "grandchild")
			require.NoError(t, g.Exit(0)) // a zombie, but not init's child
			return k.Init(), g.PID()
		}},
		{"own thread", 0, func(t *testing.T, k *kernsim.Kernel) (*task.Task, int32) {
			p := nscRoot(t, k)
			return p, nscClone(t, k, p, nscThread, "thread").PID()
		}},
		{"sibling", task.WNOHANG, func(t *testing.T, k *kernsim.Kernel) (*task.Task, int32) {
			a, b := nscRoot(t, k), nscRoot(t, k)
			return a, b.PID()
		}},
		{"last child already reaped", 0, func(t *testing.T, k *kernsim.Kernel) (*task.Task, int32) {
			p := nscRoot(t, k)
			c := nscClone(t, k, p, nscSIGCHLD, "child")
			nscExitReap(t, k, c)
			return p, -1
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := nscBoot(t)
			w, pid := tc.prepare(t, k)
			before := k.Snapshot()
			got, status, err := w.Wait(pid, tc.options)
			nscRequireErr(t, err, "wait4", uapi.ECHILD, "do_wait", "")
			require.Zero(t, got)
			require.Zero(t, status)
			require.Equal(t, before, k.Snapshot())
			require.NoError(t, k.Check())
			nscPowerOff(t, k)
		})
	}
}

// TestWaitNoHang: with WNOHANG, wait4 returns 0 while the children run;
// without it, it sleeps until one exits and reaps it.
func TestWaitNoHang(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	init := k.Init()
	a := nscRoot(t, k)
	b := nscRoot(t, k)

	before := k.Snapshot()
	for _, pid := range []int32{-1, a.PID(), b.PID()} {
		got, status, err := init.Wait(pid, task.WNOHANG)
		require.NoError(t, err)
		require.Zero(t, got)
		require.Zero(t, status)
	}
	require.Equal(t, before, k.Snapshot(), "nothing reaped, nothing changed")

	// B exits: WNOHANG for A still returns 0, for any child it reaps B.
	require.NoError(t, b.Exit(5))
	got, _, err := init.Wait(a.PID(), task.WNOHANG)
	require.NoError(t, err)
	require.Zero(t, got)
	got, status, err := init.Wait(-1, task.WNOHANG)
	require.NoError(t, err)
	require.Equal(t, b.PID(), got)
	require.Equal(t, 5<<8, status)
	require.Equal(t, task.Dead, b.State())
	require.NoError(t, k.Check())

	// A blocking wait sleeps until A exits.
	type result struct {
		pid    int32
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		pid, status, err := init.Wait(a.PID(), 0)
		done <- result{pid, status, err}
	}()
	require.NoError(t, a.Exit(9))
	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, a.PID(), r.pid)
	require.Equal(t, 9<<8, r.status)
	require.NoError(t, k.Check())
	nscPowerOff(t, k)
}

// TestOrphansReparentedToInit: when a process exits, its children — running
// or already zombies — are given to init (the child reaper of the initial pid
// namespace, §9.1), which can then reap them with their own exit status.
func TestOrphansReparentedToInit(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	init := k.Init()
	p := nscRoot(t, k)
	running := nscClone(t, k, p, nscSIGCHLD, "running")
	zombie := nscClone(t, k, p, uapi.CLONE_NEWUTS|nscSIGCHLD, "zombie")
	require.NoError(t, zombie.Exit(4))
	require.Equal(t, []*task.Task{running, zombie}, p.Children())

	require.NoError(t, p.Exit(1))
	require.Empty(t, p.Children())
	require.Same(t, init, running.Parent())
	require.Same(t, init, zombie.Parent())
	require.ElementsMatch(t, []*task.Task{p, running, zombie}, init.Children())
	require.NoError(t, k.Check())

	pid, status, err := init.Wait(zombie.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, zombie.PID(), pid)
	require.Equal(t, 4<<8, status)
	pid, status, err = init.Wait(p.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, p.PID(), pid)
	require.Equal(t, 1<<8, status)

	// The orphan keeps running with its namespaces, and init reaps it too.
	require.Same(t, k.InitNSProxy, running.NSProxy())
	require.NoError(t, running.Exit(2))
	pid, status, err = init.Wait(-1, 0)
	require.NoError(t, err)
	require.Equal(t, running.PID(), pid)
	require.Equal(t, 2<<8, status)
	require.Empty(t, init.Children())
	_, _, err = init.Wait(-1, task.WNOHANG)
	require.ErrorIs(t, err, uapi.ECHILD)
	require.NoError(t, k.Check())
	nscPowerOff(t, k)
}
