package task_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Pid namespaces as tasks see them (reference §4.2 rows 5-6, §4.7 copy_pid_ns,
// §4.8-4.9 alloc_pid/free_pid, §7 unshare(CLONE_NEWPID), §8.3 pidns_install,
// §9.1-9.2 reapers and zap_pid_ns_processes, §11.1-11.4 and §11.7 numbers,
// nesting and wrap). The differential scripts pidns_* in diff_test.go check
// the same facts against the machine's kernel.

const pnsNEWPID = uapi.CLONE_NEWPID | nscSIGCHLD

// pnsView is the number of tk as viewer's active pid namespace sees it: what
// clone returned to viewer if it created tk, and what viewer passes to wait4.
func pnsView(viewer, tk *task.Task) int32 { return tk.PidIn(viewer.ActivePidNS()) }

// pnsNumbers returns tk's numbers outermost first (the NSpid line of a
// level-0 /proc).
func pnsNumbers(tk *task.Task) []int32 {
	var out []int32
	for _, u := range tk.Pid().Numbers() {
		out = append(out, u.Nr)
	}
	return out
}

// pnsExitReap makes tk exit with code and its parent reap it by the number
// the parent sees; the wait must return that number and the exit status.
func pnsExitReap(t *testing.T, k *kernsim.Kernel, tk *task.Task, code int) {
	t.Helper()
	parent := tk.Parent()
	require.NoError(t, tk.Exit(code))
	nr := pnsView(parent, tk)
	got, status, err := parent.Wait(nr, task.WNOHANG)
	require.NoError(t, err)
	require.Equal(t, nr, got)
	require.Equal(t, code<<8, status)
	require.NoError(t, k.Check())
}

// pnsWithoutCursor drops the line carrying init_pid_ns's ns_last_pid: a fork
// that fails in alloc_pid after the numbers were taken (ENOMEM: the namespace
// stopped accepting processes) leaves the cyclic cursors moved, in every
// kernel (reference §4.8 step 6 rewinds only a namespace that never had a
// process; the pidns_nested differential script shows the real kernel
// skipping the number).
func pnsWithoutCursor(s kernsim.Snapshot) []string {
	var out []string
	for _, l := range s.Lines {
		if !strings.HasPrefix(l, "static init_pid_ns pid_allocated=") {
			out = append(out, l)
		}
	}
	return out
}

// pnsRequireForkENOMEM: a fork by tk lands in a pid namespace whose init has
// died. It fails with ENOMEM and changes nothing but the cursors.
func pnsRequireForkENOMEM(t *testing.T, k *kernsim.Kernel, tk *task.Task) {
	t.Helper()
	before := k.Snapshot()
	last := k.PidNS.Init.LastPid()
	_, err := tk.Fork()
	nscRequireErr(t, err, "clone", uapi.ENOMEM, "alloc_pid", "no longer accepts processes")
	require.Equal(t, pnsWithoutCursor(before), pnsWithoutCursor(k.Snapshot()), "a failed fork changes nothing else")
	require.Equal(t, last+1, k.PidNS.Init.LastPid(), "the number taken in init_pid_ns is given back, the cursor stays past it")
	require.NoError(t, k.Check())
}

// TestPidNSFirstProcessIsOne: the first process of a new pid namespace is 1
// there and sees no parent; the following ones are 2, 3, ...; every process
// has one number per level, its parent sees the outer one (§4.1 step 3,
// §11.1, §11.3).
func TestPidNSFirstProcessIsOne(t *testing.T) {
	t.Parallel()
	for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			k, err := kernsim.Boot(kernsim.Config{Flavour: fl})
			require.NoError(t, err)
			init := k.Init()
			p := nscClone(t, k, init, pnsNEWPID, "P")
			n := p.ActivePidNS()
			require.NotSame(t, k.PidNS.Init, n)
			require.Same(t, k.PidNS.Init, n.Parent())
			require.Equal(t, 1, n.Level())
			require.Same(t, n, p.NSProxy().PIDForChildren(), "a new pid namespace's init forks into it")
			require.Same(t, k.PidNS.Init, init.NSProxy().PIDForChildren(), "the parent's children stay where they were")
			require.Equal(t, p, n.ChildReaper())
			require.Same(t, init.UserNS(), n.UserNS())

			require.Equal(t, int32(1), p.Getpid())
			require.Equal(t, int32(1), p.Gettid())
			require.Equal(t, int32(0), p.Getppid(), "the parent is outside")
			require.Equal(t, []int32{p.PID(), 1}, pnsNumbers(p))
			require.Equal(t, p.PID(), pnsView(init, p), "clone returns the number in the parent's namespace")
			require.Equal(t, p.PID(), p.Pid().GlobalNr())

			// The process group and session were inherited from outside: invisible
			// (0) until the init calls setsid, then 1 (§11.1).
			pg, err := p.Getpgid(0)
			require.NoError(t, err)
			require.Zero(t, pg)
			sid, err := p.Getsid(0)
			require.NoError(t, err)
			require.Zero(t, sid)
			got, err := p.Setsid()
			require.NoError(t, err)
			require.Equal(t, int32(1), got)
			pg, _ = p.Getpgid(0)
			sid, _ = p.Getsid(0)
			require.Equal(t, [2]int32{1, 1}, [2]int32{pg, sid})
			pg, err = init.Getpgid(p.PID())
			require.NoError(t, err)
			require.Equal(t, p.PID(), pg, "seen from outside, the same group by its outer number")

			// Later processes: 2, 3, ... inside, each with level+1 = 2 numbers;
			// their parents and the outside see the right number each.
			rows := []struct {
				parent    *task.Task
				name      string
				pid, ppid int32
			}{
				{p, "A", 2, 1},
				{p, "B", 3, 1},
				{nil, "C", 4, 2}, // A's child
				{nil, "D", 5, 3}, // B's child
			}
			byName := map[string]*task.Task{}
			for _, r := range rows {
				parent := r.parent
				if parent == nil {
					parent = byName[map[string]string{"C": "A", "D": "B"}[r.name]]
				}
				c := nscClone(t, k, parent, nscSIGCHLD, r.name)
				byName[r.name] = c
				require.Equal(t, r.pid, c.Getpid(), r.name)
				require.Equal(t, r.pid, c.Gettid(), r.name)
				require.Equal(t, r.ppid, c.Getppid(), r.name)
				require.Equal(t, []int32{c.PID(), r.pid}, pnsNumbers(c), r.name)
				require.Equal(t, 1, c.Pid().Level())
				require.Same(t, n, c.ActivePidNS())
				require.Equal(t, r.pid, pnsView(parent, c), "the parent inside sees the inner number")
				require.Equal(t, r.pid, pnsView(p, c))
				require.Equal(t, c.PID(), pnsView(init, c), "init sees the outer one")
				require.Zero(t, pnsView(c, init), "init is invisible inside")
			}
			require.Equal(t, 5, n.LastPid(), "ns_last_pid inside: the last number handed out")
			require.Equal(t, pidns.PIDNS_ADDING|5, n.PidAllocated())

			// A thread takes its own number; its process keeps the leader's.
			th := nscClone(t, k, byName["A"], nscThread, "A-thread")
			require.Equal(t, int32(2), th.Getpid())
			require.Equal(t, int32(6), th.Gettid())
			require.Equal(t, int32(1), th.Getppid())
			require.NoError(t, th.Exit(0))
			require.NoError(t, k.Check())

			// Waiting inside uses inner numbers; numbers are not reused at once.
			pnsExitReap(t, k, byName["D"], 4)
			pnsExitReap(t, k, byName["C"], 3)
			e := nscClone(t, k, p, nscSIGCHLD, "E")
			require.Equal(t, int32(7), e.Getpid())
			nscPowerOff(t, k)
		})
	}
}

// TestPidNSNestedThreeDeep: three nested namespaces; every init is 1 in its
// own, a process at level L owns L+1 numbers, visible in its namespace and
// every ancestor, never in a descendant or a sibling (§11.1, §11.4).
func TestPidNSNestedThreeDeep(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	init := k.Init()
	l1 := nscClone(t, k, init, pnsNEWPID, "L1")
	l2 := nscClone(t, k, l1, pnsNEWPID, "L2")
	l3 := nscClone(t, k, l2, pnsNEWPID, "L3")
	c := nscClone(t, k, l3, nscSIGCHLD, "C")
	s := nscClone(t, k, l1, pnsNEWPID, "S") // L2's sibling namespace
	ns1, ns2, ns3, nsS := l1.ActivePidNS(), l2.ActivePidNS(), l3.ActivePidNS(), s.ActivePidNS()
	require.Same(t, ns1, ns2.Parent())
	require.Same(t, ns2, ns3.Parent())
	require.Same(t, ns1, nsS.Parent())
	require.Equal(t, [4]int{1, 2, 3, 2}, [4]int{ns1.Level(), ns2.Level(), ns3.Level(), nsS.Level()})

	rows := []struct {
		name          string
		tk            *task.Task
		pid, ppid     int32
		inner         []int32 // numbers below level 0
		in1, in2, inS int32   // views from ns1, ns2 and the sibling
	}{
		{"L1", l1, 1, 0, []int32{1}, 1, 0, 0},
		{"L2", l2, 1, 0, []int32{2, 1}, 2, 1, 0},
		{"L3", l3, 1, 0, []int32{3, 2, 1}, 3, 2, 0},
		{"C", c, 2, 1, []int32{4, 3, 2}, 4, 3, 0},
		{"S", s, 1, 0, []int32{5, 1}, 5, 0, 1},
	}
	for _, r := range rows {
		require.Equal(t, r.pid, r.tk.Getpid(), r.name)
		require.Equal(t, r.ppid, r.tk.Getppid(), r.name)
		require.Equal(t, append([]int32{r.tk.PID()}, r.inner...), pnsNumbers(r.tk), r.name)
		require.Len(t, r.tk.Pid().Numbers(), r.tk.ActivePidNS().Level()+1, "level+1 numbers")
		require.Equal(t, r.tk.PID(), r.tk.PidIn(k.PidNS.Init), r.name)
		require.Equal(t, r.in1, r.tk.PidIn(ns1), r.name)
		require.Equal(t, r.in2, r.tk.PidIn(ns2), r.name)
		require.Equal(t, r.inS, r.tk.PidIn(nsS), r.name)
		for i, u := range r.tk.Pid().Numbers() {
			require.Equal(t, i, u.NS.Level())
			require.Equal(t, r.tk, u.NS.FindTask(int(u.Nr)), "%s is found by its number at level %d", r.name, i)
		}
	}
	require.Zero(t, l1.PidIn(ns3), "an ancestor's process is invisible below")
	require.Equal(t, ns1, l1.NSProxy().PIDForChildren())
	require.Equal(t, 4, k.Refs().CountKind("pid_namespace"), "ns1, ns2, ns3 and S's")

	// Parents inside reap with inner numbers.
	pnsExitReap(t, k, c, 1)
	pnsExitReap(t, k, l3, 2) // L2 waits for 2, its view of L3
	require.NoError(t, k.Check())
	nscPowerOff(t, k)
}

// TestUnshareNewPID: unshare(CLONE_NEWPID) changes pid_ns_for_children only
// (§7, §11.2): the caller keeps its pid and /proc/self/ns/pid; its
// pid_for_children link has nothing to show until the first child exists,
// which is 1 there with parent 0; a second unshare and a thread are EINVAL.
func TestUnshareNewPID(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	u := nscRoot(t, k)
	pid, tgid := u.Getpid(), u.TGID()
	self, err := u.Readlink("/proc/self/ns/pid")
	require.NoError(t, err)
	fc, err := u.Readlink("/proc/self/ns/pid_for_children")
	require.NoError(t, err)
	require.Equal(t, self, fc)

	require.NoError(t, u.Unshare(uapi.CLONE_NEWPID))
	require.NoError(t, k.Check())
	n := u.NSProxy().PIDForChildren()
	require.NotSame(t, k.PidNS.Init, n)
	require.Same(t, k.PidNS.Init, n.Parent())
	require.Same(t, k.PidNS.Init, u.ActivePidNS(), "the caller's own namespace does not move")
	require.Equal(t, pid, u.Getpid())
	require.Equal(t, tgid, u.TGID())
	got, err := u.Readlink("/proc/self/ns/pid")
	require.NoError(t, err)
	require.Equal(t, self, got)
	require.Nil(t, n.ChildReaper())

	// The failures before the first child, each changing nothing.
	fails := []struct {
		name  string
		call  func() error
		op    string
		errno uapi.Errno
		check string
	}{
		{"readlink pid_for_children", func() error {
			_, err := u.Readlink("/proc/self/ns/pid_for_children")
			return err
		}, "readlink", uapi.ENOENT, "pidns_for_children_get"},
		{"open pid_for_children", func() error {
			_, err := u.Open(fmt.Sprintf("/proc/%d/ns/pid_for_children", u.PID()))
			return err
		}, "open", uapi.ENOENT, "pidns_for_children_get"},
		{"second unshare", func() error { return u.Unshare(uapi.CLONE_NEWPID) }, "unshare", uapi.EINVAL, "copy_pid_ns"},
		{"clone CLONE_NEWPID", func() error {
			_, err := u.Clone(task.CloneArgs{Flags: pnsNEWPID})
			return err
		}, "clone", uapi.EINVAL, "copy_pid_ns"},
		{"thread", func() error {
			_, err := u.Clone(task.CloneArgs{Flags: nscThread})
			return err
		}, "clone", uapi.EINVAL, "copy_process"},
	}
	for _, f := range fails {
		before := k.Snapshot()
		err := f.call()
		nscRequireErr(t, err, f.op, f.errno, f.check, "")
		require.Equal(t, before, k.Snapshot(), f.name)
		require.NoError(t, k.Check(), f.name)
	}

	// The first child is the new namespace's init.
	i := nscClone(t, k, u, nscSIGCHLD, "I")
	require.Same(t, n, i.ActivePidNS())
	require.Equal(t, i, n.ChildReaper())
	require.Equal(t, [3]int32{1, 0, i.PID()}, [3]int32{i.Getpid(), i.Getppid(), pnsView(u, i)})
	fc, err = u.Readlink("/proc/self/ns/pid_for_children")
	require.NoError(t, err)
	ipid, err := u.Readlink(fmt.Sprintf("/proc/%d/ns/pid", i.PID()))
	require.NoError(t, err)
	require.Equal(t, ipid, fc)
	require.NotEqual(t, self, fc)
	// The next ones are 2, 3, with the parent outside as well.
	for _, want := range []int32{2, 3} {
		c := nscClone(t, k, u, nscSIGCHLD, "C")
		require.Equal(t, [2]int32{want, 0}, [2]int32{c.Getpid(), c.Getppid()})
	}
	// Still no threads and no second namespace, until the caller exits.
	for _, f := range fails[2:] {
		before := k.Snapshot()
		nscRequireErr(t, f.call(), f.op, f.errno, f.check, "")
		require.Equal(t, before, k.Snapshot(), f.name)
	}
	nscPowerOff(t, k)
}

// TestPidNSErrno: the pid-namespace failures of clone, unshare and setns, in
// the kernel's check order, each changing nothing.
func TestPidNSErrno(t *testing.T) {
	t.Parallel()
	// nsInit returns a fresh pid namespace's init, a child of a root task.
	nsInit := func(t *testing.T, k *kernsim.Kernel) *task.Task {
		return nscClone(t, k, nscRoot(t, k), pnsNEWPID, "P")
	}
	unshared := func(t *testing.T, k *kernsim.Kernel) *task.Task {
		r := nscRoot(t, k)
		require.NoError(t, r.Unshare(uapi.CLONE_NEWPID))
		return r
	}
	// setnsd returns a root task whose pid_ns_for_children was set to a
	// child pid namespace with setns.
	setnsd := func(t *testing.T, k *kernsim.Kernel) *task.Task {
		p := nsInit(t, k)
		r := nscRoot(t, k)
		fd := nscOpen(t, k, r, nscNSPath(p, "pid"))
		require.NoError(t, r.Setns(fd, uapi.CLONE_NEWPID))
		require.NoError(t, r.Close(fd))
		return r
	}
	// deep returns the init of a pid namespace at level 32.
	deep := func(t *testing.T, k *kernsim.Kernel) *task.Task {
		tk := k.Init()
		for range pidns.MAX_PID_NS_LEVEL {
			tk = nscClone(t, k, tk, pnsNEWPID, "L")
		}
		require.Equal(t, pidns.MAX_PID_NS_LEVEL, tk.ActivePidNS().Level())
		return tk
	}
	limited := func(max int64) nscWho {
		return func(t *testing.T, k *kernsim.Kernel) *task.Task {
			for range max {
				nsInit(t, k)
			}
			k.UserNS.SetUcountMax(k.UserNS.Init, userns.UCOUNT_PID_NAMESPACES, max)
			return nscRoot(t, k)
		}
	}
	cases := []nscCase{
		// §4.2 row 5: CLONE_PARENT from an init (SIGNAL_UNKILLABLE).
		cloneRow("CLONE_PARENT from a pid-namespace init", nsInit, uapi.CLONE_PARENT, uapi.EINVAL, "copy_process", "SIGNAL_UNKILLABLE"),
		cloneRow("CLONE_PARENT from the global init", nscInit, uapi.CLONE_PARENT, uapi.EINVAL, "copy_process", "SIGNAL_UNKILLABLE"),
		cloneRow("CLONE_PARENT|CLONE_NEWPID from an init", nsInit, uapi.CLONE_PARENT|uapi.CLONE_NEWPID, uapi.EINVAL, "copy_process", "SIGNAL_UNKILLABLE"),
		// §4.2 row 6.
		cloneRow("CLONE_NEWPID|CLONE_THREAD", nscRoot, uapi.CLONE_NEWPID|nscThread, uapi.EINVAL, "copy_process", "CLONE_NEWPID"),
		cloneRow("thread after unshare(CLONE_NEWPID)", unshared, nscThread, uapi.EINVAL, "copy_process", "pid_ns_for_children differs"),
		cloneRow("thread after setns(pid)", setnsd, nscThread, uapi.EINVAL, "copy_process", "pid_ns_for_children differs"),
		cloneRow("thread after unshare(CLONE_NEWPID) and a first child", func(t *testing.T, k *kernsim.Kernel) *task.Task {
			r := unshared(t, k)
			nscClone(t, k, r, nscSIGCHLD, "I")
			return r
		}, nscThread, uapi.EINVAL, "copy_process", "pid_ns_for_children differs"),
		// §4.5: the capability comes before any namespace is made.
		cloneRow("unprivileged CLONE_NEWPID", nscUser, uapi.CLONE_NEWPID, uapi.EPERM, "ns_capable", ""),
		unshareRow("unprivileged unshare(CLONE_NEWPID)", nscUser, uapi.CLONE_NEWPID, uapi.EPERM, "ns_capable", ""),
		// §4.7 copy_pid_ns: active != pid_ns_for_children.
		unshareRow("second unshare(CLONE_NEWPID)", unshared, uapi.CLONE_NEWPID, uapi.EINVAL, "copy_pid_ns", ""),
		cloneRow("CLONE_NEWPID after unshare(CLONE_NEWPID)", unshared, uapi.CLONE_NEWPID, uapi.EINVAL, "copy_pid_ns", ""),
		cloneRow("CLONE_NEWPID after setns(pid)", setnsd, uapi.CLONE_NEWPID, uapi.EINVAL, "copy_pid_ns", ""),
		unshareRow("unshare(CLONE_NEWPID|CLONE_NEWUTS) after setns(pid)", setnsd, uapi.CLONE_NEWPID|uapi.CLONE_NEWUTS, uapi.EINVAL, "copy_pid_ns", ""),
		// create_pid_namespace: depth, then ucounts.
		cloneRow("level 33", deep, uapi.CLONE_NEWPID, uapi.ENOSPC, "create_pid_namespace", "MAX_PID_NS_LEVEL"),
		unshareRow("unshare to level 33", deep, uapi.CLONE_NEWPID, uapi.ENOSPC, "create_pid_namespace", "MAX_PID_NS_LEVEL"),
		cloneRow("max_pid_namespaces reached", limited(2), uapi.CLONE_NEWPID, uapi.ENOSPC, "inc_pid_namespaces", ""),
		unshareRow("max_pid_namespaces 0", limited(0), uapi.CLONE_NEWPID, uapi.ENOSPC, "inc_pid_namespaces", ""),
		cloneRow("max_pid_namespaces of an ancestor user namespace", func(t *testing.T, k *kernsim.Kernel) *task.Task {
			nsInit(t, k)
			k.UserNS.SetUcountMax(k.UserNS.Init, userns.UCOUNT_PID_NAMESPACES, 1)
			return nscClone(t, k, k.Init(), uapi.CLONE_NEWUSER|nscSIGCHLD, "U")
		}, uapi.CLONE_NEWPID, uapi.ENOSPC, "inc_pid_namespaces", ""),
		// create_pid_namespace: the caller's user namespace must be the
		// parent pid namespace's owner or below it. R is root of
		// init_user_ns forked into a pid namespace owned by a child user
		// namespace.
		cloneRow("user namespace above the parent pid namespace's owner", func(t *testing.T, k *kernsim.Kernel) *task.Task {
			c := nscClone(t, k, k.Init(), uapi.CLONE_NEWUSER|pnsNEWPID, "C")
			r := nscRoot(t, k)
			fd := nscOpen(t, k, r, nscNSPath(c, "pid"))
			require.NoError(t, r.Setns(fd, uapi.CLONE_NEWPID))
			r2 := nscClone(t, k, r, nscSIGCHLD, "R2")
			require.Same(t, c.ActivePidNS(), r2.ActivePidNS())
			return r2
		}, uapi.CLONE_NEWPID, uapi.EINVAL, "create_pid_namespace", "owner"),
		// §8.3 pidns_install: capabilities first, then the descendant rule.
		// The fds reach tasks inside by inheritance: each task sees the /proc
		// of its own pid namespace.
		pidSetnsRow("setns into a sibling pid namespace", func(t *testing.T, k *kernsim.Kernel) (*task.Task, int) {
			s := nscClone(t, k, k.Init(), pnsNEWPID, "S")
			r := nscRoot(t, k)
			fd := nscOpen(t, k, r, nscNSPath(s, "pid"))
			return nscClone(t, k, r, pnsNEWPID, "P"), fd
		}, uapi.CLONE_NEWPID, uapi.EINVAL, "pidns_install", "not the caller's or a descendant"),
		pidSetnsRow("setns into the parent pid namespace", func(t *testing.T, k *kernsim.Kernel) (*task.Task, int) {
			p := nsInit(t, k)
			fd := nscOpen(t, k, p, "/proc/self/ns/pid")
			return nscClone(t, k, p, pnsNEWPID, "Q"), fd
		}, uapi.CLONE_NEWPID, uapi.EINVAL, "pidns_install", "above the caller's"),
		pidSetnsRow("setns into init_pid_ns from a child namespace", func(t *testing.T, k *kernsim.Kernel) (*task.Task, int) {
			r := nscRoot(t, k)
			fd := nscOpen(t, k, r, "/proc/1/ns/pid")
			return nscClone(t, k, r, pnsNEWPID, "P"), fd
		}, 0, uapi.EINVAL, "pidns_install", "above the caller's"),
		pidSetnsRow("unprivileged setns into a child pid namespace", func(t *testing.T, k *kernsim.Kernel) (*task.Task, int) {
			p := nsInit(t, k)
			u := nscRoot(t, k)
			fd := nscOpen(t, k, u, nscNSPath(p, "pid")) // opened while root
			nscDrop(t, k, u, 1000)
			return u, fd
		}, uapi.CLONE_NEWPID, uapi.EPERM, "pidns_install", ""),
		pidSetnsRow("setns into a pid namespace with nstype CLONE_NEWUTS", func(t *testing.T, k *kernsim.Kernel) (*task.Task, int) {
			p := nsInit(t, k)
			r := nscRoot(t, k)
			return r, nscOpen(t, k, r, nscNSPath(p, "pid"))
		}, uapi.CLONE_NEWUTS, uapi.EINVAL, "setns", ""),
	}
	nscRun(t, cases)
}

// pidSetnsRow is a setns(2) row: prepare returns the caller and its fd on
// the target namespace.
func pidSetnsRow(name string, prepare func(t *testing.T, k *kernsim.Kernel) (*task.Task, int), nstype uapi.CloneFlags, errno uapi.Errno, check, reason string) nscCase {
	return nscCase{name: name, op: "setns", errno: errno, check: check, reason: reason,
		prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
			c, fd := prepare(t, k)
			return func() error { return c.Setns(fd, nstype) }, nil
		}}
}

// TestPidNSReparenting: an orphan goes to its own namespace's init
// (getppid 1 inside); a process whose parent lives outside its namespace
// goes to the parent's reaper, outside (getppid 0); a dying init with another
// live thread hands the reaper role to it instead of zapping (§9.1).
func TestPidNSReparenting(t *testing.T) {
	t.Parallel()
	t.Run("inside", func(t *testing.T) {
		t.Parallel()
		k := nscBoot(t)
		p := nscClone(t, k, k.Init(), pnsNEWPID, "P")
		a := nscClone(t, k, p, nscSIGCHLD, "A")
		b := nscClone(t, k, a, nscSIGCHLD, "B")
		c := nscClone(t, k, b, nscSIGCHLD, "C")
		require.Equal(t, [3]int32{1, 2, 3}, [3]int32{a.Getppid(), b.Getppid(), c.Getppid()})
		pnsExitReap(t, k, b, 0) // A reaps B by its inner number; C is orphaned
		require.Equal(t, p, c.Parent())
		require.Equal(t, int32(1), c.Getppid())
		require.Equal(t, []*task.Task{a, c}, p.Children())
		pnsExitReap(t, k, c, 9) // and P reaps it
		nscPowerOff(t, k)
	})
	t.Run("parent outside", func(t *testing.T) {
		t.Parallel()
		k := nscBoot(t)
		u := nscRoot(t, k)
		require.NoError(t, u.Unshare(uapi.CLONE_NEWPID))
		i := nscClone(t, k, u, nscSIGCHLD, "I")
		x := nscClone(t, k, u, nscSIGCHLD, "X")
		y := nscClone(t, k, x, nscSIGCHLD, "Y")
		require.Equal(t, [3]int32{1, 2, 3}, [3]int32{i.Getpid(), x.Getpid(), y.Getpid()})
		require.Equal(t, [3]int32{0, 0, 2}, [3]int32{i.Getppid(), x.Getppid(), y.Getppid()})
		// U dies: I and X go to U's reaper, the global init, invisible inside.
		pnsExitReap(t, k, u, 0)
		for _, c := range []*task.Task{i, x} {
			require.Equal(t, k.Init(), c.Parent())
			require.Zero(t, c.Getppid())
		}
		// X dies: Y goes to X's namespace's init.
		require.NoError(t, x.Exit(0))
		require.Equal(t, i, y.Parent())
		require.Equal(t, int32(1), y.Getppid())
		got, status, err := k.Init().Wait(x.PID(), task.WNOHANG)
		require.NoError(t, err)
		require.Equal(t, [2]int32{x.PID(), 0}, [2]int32{got, int32(status)})
		require.NoError(t, k.Check())
		nscPowerOff(t, k)
	})
	t.Run("setns parent outside", func(t *testing.T) {
		t.Parallel()
		k := nscBoot(t)
		p := nscClone(t, k, k.Init(), pnsNEWPID, "P")
		o := nscRoot(t, k)
		fd := nscOpen(t, k, o, nscNSPath(p, "pid"))
		require.NoError(t, o.Setns(fd, 0))
		x := nscClone(t, k, o, nscSIGCHLD, "X")
		require.Equal(t, [2]int32{2, 0}, [2]int32{x.Getpid(), x.Getppid()})
		require.Equal(t, x.PID(), pnsView(o, x), "clone returns the outer number to O")
		require.NoError(t, o.Exit(0))
		require.Equal(t, k.Init(), x.Parent(), "the outer reaper, not P")
		require.Zero(t, x.Getppid())
		require.NoError(t, k.Check())
		nscPowerOff(t, k)
	})
	t.Run("init thread takes over", func(t *testing.T) {
		t.Parallel()
		k := nscBoot(t)
		p := nscClone(t, k, k.Init(), pnsNEWPID, "P")
		pt := nscClone(t, k, p, nscThread, "P-thread")
		a := nscClone(t, k, p, nscSIGCHLD, "A")
		require.Equal(t, [3]int32{2, 3, 3}, [3]int32{pt.Gettid(), a.Getpid(), a.Gettid()})
		require.NoError(t, p.Exit(0))
		n := p.ActivePidNS()
		require.Equal(t, pt, n.ChildReaper())
		require.NotZero(t, n.PidAllocated()&pidns.PIDNS_ADDING, "no zap while a thread of the init lives")
		require.Equal(t, pt, a.Parent())
		require.Equal(t, int32(1), a.Getppid(), "the thread's group is still 1")
		b := nscClone(t, k, a, nscSIGCHLD, "B")
		require.Equal(t, int32(4), b.Getpid())
		// The last thread's exit zaps the namespace.
		require.NoError(t, pt.Exit(0))
		require.Zero(t, n.PidAllocated()&pidns.PIDNS_ADDING)
		require.Equal(t, task.Dead, a.State(), "killed and reaped by the dying init")
		require.Equal(t, task.Dead, b.State())
		got, status, err := k.Init().Wait(p.PID(), task.WNOHANG)
		require.NoError(t, err)
		require.Equal(t, [2]int32{p.PID(), 0}, [2]int32{got, int32(status)})
		nscPowerOff(t, k)
	})
}

// TestPidNSInitDeath: when a pid namespace's init dies, every other process
// of it and of its descendants is killed with SIGKILL, forks into it fail
// with ENOMEM from then on (also from outside through setns), and the
// namespace is freed once its last pid and its last reference are gone
// (§9.2, §11.3, §4.9).
func TestPidNSInitDeath(t *testing.T) {
	t.Parallel()
	for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			k, err := kernsim.Boot(kernsim.Config{Flavour: fl})
			require.NoError(t, err)
			init := k.Init()
			inums := k.Env.Inums.InUse()
			p := nscClone(t, k, init, pnsNEWPID, "P")
			ns1 := p.ActivePidNS()
			a := nscClone(t, k, p, nscSIGCHLD, "A")
			a2 := nscClone(t, k, a, nscSIGCHLD, "A2")
			nn := nscClone(t, k, p, pnsNEWPID, "N") // a nested namespace's init
			ns2 := nn.ActivePidNS()
			n2 := nscClone(t, k, nn, nscSIGCHLD, "N2")
			// O, outside, forks X into the namespace through setns; X forks X2.
			o := nscRoot(t, k)
			fd := nscOpen(t, k, o, nscNSPath(p, "pid"))
			require.NoError(t, o.Setns(fd, uapi.CLONE_NEWPID))
			x := nscClone(t, k, o, nscSIGCHLD, "X")
			x2 := nscClone(t, k, x, nscSIGCHLD, "X2")
			require.Equal(t, []int32{1, 2, 3, 4, 5, 6, 7},
				[]int32{p.Getpid(), a.Getpid(), a2.Getpid(), nn.PidIn(ns1), n2.PidIn(ns1), x.Getpid(), x2.Getpid()})
			// init at pid 1 also opens ns1's pid_for_children, for a later setns.
			fc := nscOpen(t, k, init, fmt.Sprintf("/proc/%d/ns/pid_for_children", p.PID()))
			// ns1's holders (§15): the pids allocated for it (P, A, A2, X, X2),
			// the nsproxies whose pid_ns_for_children it is (P's, shared by A
			// and A2; O's, shared by X and X2), its child ns2, and one nsfs inode
			// for the two open files.
			require.Equal(t, int64(5+2+1+1), ns1.Count())
			require.Equal(t, pidns.PIDNS_ADDING|7, ns1.PidAllocated())
			require.Equal(t, 2, k.Refs().CountKind("pid_namespace"))

			require.NoError(t, p.Exit(0))
			require.NoError(t, k.Check())
			require.Zero(t, ns1.PidAllocated()&pidns.PIDNS_ADDING, "disable_pid_allocation")
			require.Zero(t, ns2.PidAllocated()&pidns.PIDNS_ADDING, "the nested init zapped its own namespace")
			// Everyone but X, whose parent O is outside and has not reaped it,
			// is gone: killed and reaped by the dying inits.
			for _, tk := range []*task.Task{a, a2, nn, n2, x2} {
				require.Equal(t, task.Dead, tk.State(), tk.Comm())
			}
			require.Equal(t, task.Zombie, x.State())
			require.Equal(t, task.Zombie, p.State())
			require.Equal(t, 1, k.Refs().CountKind("pid_namespace"), "ns2 was freed with its last pid")
			// O sees X killed by SIGKILL (WIFSIGNALED, WTERMSIG 9), with its
			// own number for X.
			got, status, err := o.Wait(pnsView(o, x), task.WNOHANG)
			require.NoError(t, err)
			require.Equal(t, x.PID(), got)
			require.Equal(t, int(uapi.SIGKILL), status&0x7f)
			// The init's parent sees a normal exit.
			got, status, err = init.Wait(p.PID(), task.WNOHANG)
			require.NoError(t, err)
			require.Equal(t, [2]int32{p.PID(), 0}, [2]int32{got, int32(status)})
			require.Equal(t, uint32(0), ns1.PidAllocated(), "no pid and no PIDNS_ADDING left")

			// Forks into the dead namespace: O (pid_ns_for_children set by
			// setns), and a task that joins it only now, through the
			// pid_for_children fd.
			pnsRequireForkENOMEM(t, k, o)
			j := nscRoot(t, k)
			require.NoError(t, j.Setns(fc, 0))
			pnsRequireForkENOMEM(t, k, j)
			pnsRequireForkENOMEM(t, k, j)

			// The namespace lives while anything holds it: O's and J's
			// nsproxies, the open files (init's fc, J's inherited copy of it,
			// O's fd: one nsfs inode).
			require.Equal(t, int64(3), ns1.Count())
			require.NoError(t, init.Close(fc))
			require.NoError(t, o.Close(fd))
			require.Equal(t, int64(3), ns1.Count(), "J still has its copy of fc")
			require.NoError(t, j.Close(fc))
			require.Equal(t, int64(2), ns1.Count())
			require.Equal(t, 1, k.Refs().CountKind("pid_namespace"))
			pnsExitReap(t, k, o, 0)
			require.Equal(t, int64(1), ns1.Count())
			pnsExitReap(t, k, j, 0)
			require.Zero(t, k.Refs().CountKind("pid_namespace"))
			require.Equal(t, inums, k.Env.Inums.InUse(), "both inode numbers were given back")
			require.Zero(t, k.UserNS.Charged(k.UserNS.Init, 0, userns.UCOUNT_PID_NAMESPACES))
			require.NoError(t, k.Check())
			nscPowerOff(t, k)
		})
	}
}

// TestSetnsPidNS: setns into the caller's own pid namespace or a descendant
// changes pid_ns_for_children only (§8.3, §11.2): the caller's numbers and
// /proc/self/ns/pid stay, its next children land in the target with parent
// 0, and the parent sees them by its own number.
func TestSetnsPidNS(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	p := nscClone(t, k, k.Init(), pnsNEWPID, "P")
	q := nscClone(t, k, p, pnsNEWPID, "Q")
	o := nscRoot(t, k)
	fd := nscOpen(t, k, o, nscNSPath(q, "pid"))
	self, err := o.Readlink("/proc/self/ns/pid")
	require.NoError(t, err)
	before := [3]int32{o.Getpid(), o.Gettid(), o.Getppid()}
	require.NoError(t, o.Setns(fd, uapi.CLONE_NEWPID))
	require.NoError(t, k.Check())
	require.Equal(t, before, [3]int32{o.Getpid(), o.Gettid(), o.Getppid()})
	require.Same(t, k.PidNS.Init, o.ActivePidNS())
	require.Same(t, q.ActivePidNS(), o.NSProxy().PIDForChildren())
	got, err := o.Readlink("/proc/self/ns/pid")
	require.NoError(t, err)
	require.Equal(t, self, got)
	fc, err := o.Readlink("/proc/self/ns/pid_for_children")
	require.NoError(t, err)
	qpid, err := o.Readlink(nscNSPath(q, "pid"))
	require.NoError(t, err)
	require.Equal(t, qpid, fc)

	rows := []struct{ inQ, inP int32 }{{2, 3}, {3, 4}}
	for _, r := range rows {
		x := nscClone(t, k, o, nscSIGCHLD, "X")
		require.Same(t, q.ActivePidNS(), x.ActivePidNS())
		require.Equal(t, []int32{x.PID(), r.inP, r.inQ}, pnsNumbers(x))
		require.Equal(t, r.inQ, x.Getpid())
		require.Zero(t, x.Getppid())
		require.Equal(t, x.PID(), pnsView(o, x))
		require.Equal(t, r.inP, pnsView(p, x))
		require.Equal(t, o, x.Parent())
	}
	// Back to its own namespace: children are ordinary again, threads allowed.
	sfd := nscOpen(t, k, o, "/proc/self/ns/pid")
	require.NoError(t, o.Setns(sfd, 0))
	y := nscClone(t, k, o, nscSIGCHLD, "Y")
	require.Same(t, k.PidNS.Init, y.ActivePidNS())
	nscClone(t, k, o, nscThread, "O-thread")
	nscPowerOff(t, k)
}

// TestPidNSWrap: numbers in a pid namespace go up to pid_max-1, then wrap to
// RESERVED_PIDS (300), never again below it; when everything from 300 up is
// taken the fork fails with EAGAIN even though 2..299 are free (§4.8, §11.7).
func TestPidNSWrap(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	const pidMax = 400
	require.NoError(t, k.PidNS.SetPidMax(pidMax))
	before := k.Snapshot()
	require.ErrorIs(t, k.PidNS.SetPidMax(pidns.PID_MAX_MIN-1), uapi.EINVAL)
	require.Equal(t, before, k.Snapshot())
	require.Equal(t, pidMax, k.PidNS.PidMax())
	p := nscClone(t, k, k.Init(), pnsNEWPID, "P")
	n := p.ActivePidNS()
	// Fork and reap until the namespace's cursor reaches pid_max-1.
	for want := int32(2); want < pidMax; want++ {
		c, err := p.Fork()
		require.NoError(t, err)
		require.Equal(t, want, c.Getpid())
		require.NoError(t, c.Exit(0))
		_, _, err = p.Wait(want, task.WNOHANG)
		require.NoError(t, err)
	}
	require.Equal(t, pidMax-1, n.LastPid())
	require.NoError(t, k.Check())
	// Keep the next ones: 300, 301, ..., 399 after the wrap.
	var kept []*task.Task
	for want := int32(pidns.RESERVED_PIDS); want < pidMax; want++ {
		c, err := p.Fork()
		require.NoError(t, err)
		require.Equal(t, want, c.Getpid(), "after the wrap the lowest number is RESERVED_PIDS")
		kept = append(kept, c)
	}
	before = k.Snapshot()
	_, err := p.Fork()
	nscRequireErr(t, err, "clone", uapi.EAGAIN, "alloc_pid", n.Link())
	require.Equal(t, before, k.Snapshot(), "a full namespace changes nothing")
	require.NoError(t, k.Check())
	// One freed number is the next one handed out.
	pnsExitReap(t, k, kept[42], 0)
	c, err := p.Fork()
	require.NoError(t, err)
	require.Equal(t, int32(pidns.RESERVED_PIDS+42), c.Getpid())
	nscPowerOff(t, k)
}

// TestPidNSMaxLevel: 32 nested pid namespaces can exist; the one at level 32
// has 33 numbers per process, all 1 in the innermost namespaces' inits.
// Level 33 is ENOSPC (TestPidNSErrno).
func TestPidNSMaxLevel(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	tk := k.Init()
	var chain []*task.Task
	for level := 1; level <= pidns.MAX_PID_NS_LEVEL; level++ {
		tk = nscClone(t, k, tk, pnsNEWPID, "L")
		chain = append(chain, tk)
		require.Equal(t, level, tk.ActivePidNS().Level())
		require.Equal(t, int32(1), tk.Getpid())
		require.Zero(t, tk.Getppid())
		require.Len(t, tk.Pid().Numbers(), level+1)
	}
	// The innermost init is 1 below, and level-i+1 in the namespace of level i.
	for i, u := range tk.Pid().Numbers()[1:] {
		require.Equal(t, int32(pidns.MAX_PID_NS_LEVEL-i), u.Nr, "level %d", i+1)
	}
	c := nscClone(t, k, tk, nscSIGCHLD, "C")
	require.Equal(t, [2]int32{2, 1}, [2]int32{c.Getpid(), c.Getppid()})
	require.Len(t, c.Pid().Numbers(), pidns.MAX_PID_NS_LEVEL+1)
	require.Equal(t, pidns.MAX_PID_NS_LEVEL, k.Refs().CountKind("pid_namespace"))
	// Killing the outermost one takes every level with it.
	require.NoError(t, chain[0].Exit(0))
	require.Equal(t, task.Dead, c.State())
	require.Equal(t, 1, k.Refs().CountKind("pid_namespace"), "only the zombie init's own is left")
	_, _, err := k.Init().Wait(chain[0].PID(), task.WNOHANG)
	require.NoError(t, err)
	require.Zero(t, k.Refs().CountKind("pid_namespace"))
	nscPowerOff(t, k)
}

// TestPidNSUcounts: max_pid_namespaces is charged to the owner user namespace
// and every ancestor, per creator euid, and given back when the namespace is
// freed (§5).
func TestPidNSUcounts(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	ui := k.UserNS.Init
	const pidNS = userns.UCOUNT_PID_NAMESPACES
	k.UserNS.SetUcountMax(ui, pidNS, 2)
	a := nscClone(t, k, k.Init(), pnsNEWPID, "A")
	require.Equal(t, int64(1), k.UserNS.Charged(ui, 0, pidNS))
	u := nscClone(t, k, k.Init(), uapi.CLONE_NEWUSER|pnsNEWPID, "U")
	require.Equal(t, int64(1), k.UserNS.Charged(u.UserNS(), 0, pidNS))
	require.Equal(t, int64(2), k.UserNS.Charged(ui, 0, pidNS), "charged at the ancestor too")
	// Full at the top: neither the initial user namespace nor the child one
	// can make a third.
	for _, tk := range []*task.Task{k.Init(), u} {
		before := k.Snapshot()
		_, err := tk.Clone(task.CloneArgs{Flags: pnsNEWPID})
		nscRequireErr(t, err, "clone", uapi.ENOSPC, "inc_pid_namespaces", "")
		require.Equal(t, before, k.Snapshot())
		require.NoError(t, k.Check())
	}
	// Freeing one gives the charge back.
	pnsExitReap(t, k, a, 0)
	require.Equal(t, int64(1), k.UserNS.Charged(ui, 0, pidNS), "U's is left")
	b := nscClone(t, k, u, pnsNEWPID, "B")
	require.Equal(t, 2, b.ActivePidNS().Level())
	require.Equal(t, int64(2), k.UserNS.Charged(u.UserNS(), 0, pidNS))
	nscPowerOff(t, k)
}

// TestUnprivilegedPidContainer: an ordinary user (uid 1000, after execve)
// creates a user, UTS and pid namespace in one clone; its parent writes the
// child's maps; the child is root inside, pid 1 of the new pid namespace,
// and can make more namespaces there. Without CLONE_NEWUSER it gets EPERM,
// and another user cannot write the maps (§12.2, §4.5, §4.7).
func TestUnprivilegedPidContainer(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	u := nscClone(t, k, k.Init(), nscSIGCHLD, "login")
	require.NoError(t, u.Setresgid(1000, 1000, 1000))
	require.NoError(t, u.Setresuid(1000, 1000, 1000))
	require.NoError(t, u.Execve("sh"))
	require.Zero(t, u.Cred().CapEffective)
	v := nscClone(t, k, k.Init(), nscSIGCHLD, "other")
	nscDrop(t, k, v, 2000)

	// Without a new user namespace: EPERM, nothing changes.
	for _, f := range []struct {
		op    string
		flags uapi.CloneFlags
		call  func(uapi.CloneFlags) error
	}{
		{"clone", uapi.CLONE_NEWPID, func(f uapi.CloneFlags) error { _, err := u.Clone(task.CloneArgs{Flags: f | nscSIGCHLD}); return err }},
		{"clone", uapi.CLONE_NEWPID | uapi.CLONE_NEWUTS, func(f uapi.CloneFlags) error { _, err := u.Clone(task.CloneArgs{Flags: f | nscSIGCHLD}); return err }},
		{"unshare", uapi.CLONE_NEWPID, func(f uapi.CloneFlags) error { return u.Unshare(f) }},
	} {
		before := k.Snapshot()
		nscRequireErr(t, f.call(f.flags), f.op, uapi.EPERM, "ns_capable", "")
		require.Equal(t, before, k.Snapshot())
		require.NoError(t, k.Check())
	}

	c := nscClone(t, k, u, uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS|pnsNEWPID, "container")
	cu := c.UserNS()
	require.Same(t, k.UserNS.Init, cu.Parent())
	require.Equal(t, uint32(1000), cu.OwnerUID())
	require.Same(t, cu, c.ActivePidNS().UserNS(), "the pid namespace is owned by the new user namespace")
	require.Same(t, cu, c.NSProxy().UTS().UserNS())
	require.Equal(t, [2]int32{1, 0}, [2]int32{c.Getpid(), c.Getppid()})
	require.Equal(t, userns.NoID, userns.FromKUID(cu, c.Cred().EUID), "no uid_map yet")

	// The parent writes the maps: setgroups deny first, or gid_map is EPERM.
	dir := fmt.Sprintf("/proc/%d/", c.PID())
	before := k.Snapshot()
	_, err := u.WriteFile(dir+"gid_map", "0 1000 1")
	require.ErrorIs(t, err, uapi.EPERM)
	require.Equal(t, before, k.Snapshot())
	require.NoError(t, k.Check())
	// Another user may not even open them for writing (the files belong to
	// the task's euid, 1000).
	for _, f := range []string{"uid_map", "gid_map", "setgroups"} {
		_, err = v.WriteFile(dir+f, "0 2000 1")
		nscRequireErr(t, err, "open", uapi.EACCES, "generic_permission", "")
		require.Equal(t, before, k.Snapshot())
		require.NoError(t, k.Check())
	}
	n, err := u.WriteFile(dir+"uid_map", "0 1000 1")
	require.NoError(t, err)
	require.Equal(t, 8, n)
	_, err = u.WriteFile(dir+"setgroups", "deny")
	require.NoError(t, err)
	_, err = u.WriteFile(dir+"gid_map", "0 1000 1")
	require.NoError(t, err)
	before = k.Snapshot()
	_, err = u.WriteFile(dir+"uid_map", "0 1000 1")
	require.ErrorIs(t, err, uapi.EPERM, "written once")
	require.Equal(t, before, k.Snapshot())
	require.NoError(t, k.Check())

	// Root inside: uid and gid 0 there, the hostname is its own.
	require.Equal(t, uint32(0), userns.FromKUID(cu, c.Cred().EUID))
	require.Equal(t, uint32(0), userns.FromKGID(cu, c.Cred().EGID))
	require.NoError(t, c.Sethostname("box"))
	require.NoError(t, c.Execve("init"))
	require.NotZero(t, c.Cred().CapEffective, "uid 0 inside keeps its capabilities across execve")
	d := nscClone(t, k, c, nscSIGCHLD, "D")
	require.Equal(t, [2]int32{2, 1}, [2]int32{d.Getpid(), d.Getppid()})
	require.Equal(t, "box", d.Hostname())
	// Its own pid namespace below: unshare, and the first child is 1 there.
	require.NoError(t, c.Unshare(uapi.CLONE_NEWPID))
	e := nscClone(t, k, c, nscSIGCHLD, "E")
	require.Equal(t, [2]int32{1, 0}, [2]int32{e.Getpid(), e.Getppid()})
	require.Equal(t, 2, e.ActivePidNS().Level())
	require.Same(t, cu, e.ActivePidNS().UserNS())
	require.Equal(t, []int32{e.PID(), 3, 1}, pnsNumbers(e))

	// The owner outside has every capability in the container's user
	// namespace but none in its own: setns into the pid namespace is EPERM.
	fd := nscOpen(t, k, u, nscNSPath(c, "pid"))
	before = k.Snapshot()
	nscRequireErr(t, u.Setns(fd, uapi.CLONE_NEWPID), "setns", uapi.EPERM, "pidns_install", "")
	require.Equal(t, before, k.Snapshot())
	require.NoError(t, k.Check())
	nscPowerOff(t, k)
}

// TestPidNSFirstForkFailureRewinds: when the first fork into a new pid
// namespace fails because an outer namespace is full, the number it took
// inside is given back and the namespace's cursor rewound, so the next fork
// still makes its init pid 1 (§4.8 step 6).
func TestPidNSFirstForkFailureRewinds(t *testing.T) {
	t.Parallel()
	k := nscBoot(t)
	require.NoError(t, k.PidNS.SetPidMax(pidns.PID_MAX_MIN)) // numbers 1..300
	r := nscRoot(t, k)
	var last *task.Task
	for {
		c, err := k.Init().Fork()
		if err != nil {
			nscRequireErr(t, err, "clone", uapi.EAGAIN, "alloc_pid", k.PidNS.Init.Link())
			break
		}
		last = c
	}
	require.Equal(t, int32(pidns.RESERVED_PIDS), last.PID())
	require.NoError(t, r.Unshare(uapi.CLONE_NEWPID))
	n := r.NSProxy().PIDForChildren()
	before := k.Snapshot()
	_, err := r.Fork()
	nscRequireErr(t, err, "clone", uapi.EAGAIN, "alloc_pid", k.PidNS.Init.Link())
	require.Equal(t, before, k.Snapshot())
	require.NoError(t, k.Check())
	require.Equal(t, -1, n.LastPid(), "the cursor was rewound: the namespace never had a process")
	require.Equal(t, pidns.PIDNS_ADDING, n.PidAllocated(), "and still accepts one")
	// Give back 300 (numbers below RESERVED_PIDS are not reused after the
	// wrap), and the first process is 1 after all.
	pnsExitReap(t, k, last, 0)
	i, err := r.Fork()
	require.NoError(t, err)
	require.Equal(t, int32(1), i.Getpid())
	require.Equal(t, int32(pidns.RESERVED_PIDS), i.PID())
	require.Equal(t, i, n.ChildReaper())
	nscPowerOff(t, k)
}
