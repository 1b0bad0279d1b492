package kernsim_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// storyCounts is every count the UTS story of examples/uts touches on the
// static boot objects. Each step of the story states the whole expected vector
// as "previous vector plus the deltas the kernel makes", so a count that moves
// when it should not fails the step as surely as one that does not move.
type storyCounts struct {
	InitNSProxy int64 // init_nsproxy.count: tasks using it (+ the idle task)
	InitUTS     int64 // init_uts_ns.kref
	InitUser    int64 // init_user_ns.count: creds, owned namespaces, ...
	MNT, IPC    int64 // the initial mount and ipc namespaces
	NET, CGROUP int64 // the initial net and cgroup namespaces
	PID         int64 // init_pid_ns.kref: never counted (get/put_pid_ns skip it)
}

func storyCountsOf(k *kernsim.Kernel) storyCounts {
	return storyCounts{
		InitNSProxy: k.InitNSProxy.Count(),
		InitUTS:     k.UTS.Init.Count(),
		InitUser:    k.UserNS.Init.Count(),
		MNT:         k.Mnt.Init.Count(),
		IPC:         k.IPC.Init.Count(),
		NET:         k.Net.Init.Count(),
		CGROUP:      k.CgroupNS.Init.Count(),
		PID:         k.PidNS.Init.Count(),
	}
}

// plusNSProxy is c after one more nsproxy referencing every initial
// mnt/ipc/net/cgroup namespace (+1 each) and init_pid_ns (uncounted) exists.
func (c storyCounts) plusNSProxy(n int64) storyCounts {
	c.MNT += n
	c.IPC += n
	c.NET += n
	c.CGROUP += n
	return c
}

func storyBoot(t *testing.T) *kernsim.Kernel {
	t.Helper()
	k, err := kernsim.Boot(kernsim.Config{})
	require.NoError(t, err)
	require.NoError(t, k.Check())
	return k
}

func storyPowerOff(t *testing.T, k *kernsim.Kernel) {
	t.Helper()
	k.PowerOff()
	require.NoError(t, k.Leaks())
	require.Empty(t, k.Warnings())
	require.Zero(t, k.Refs().LiveCount())
}

func storyLink(n *utsns.Namespace) string { return fmt.Sprintf("uts:[%d]", n.Inum()) }

// TestUTSStory is examples/uts as a test: every count of the slides, checked
// at every step against the kernel's rules (reference §15.3 worked counts).
func TestUTSStory(t *testing.T) {
	t.Parallel()
	k := storyBoot(t)
	init := k.Init()
	check := func(step string) {
		t.Helper()
		require.NoError(t, k.Check(), step)
	}
	sigchld := uapi.CloneFlags(uapi.SIGCHLD)

	// Boot: init uses init_nsproxy (count 2: idle task + init), init_uts_ns
	// has its kref of 2 and the fixed inode number, init_user_ns count 3,
	// init_pid_ns kref 2 (§2.4, §2.5, §2.7, §1.2).
	require.Same(t, k.InitNSProxy, init.NSProxy())
	require.Same(t, k.UTS.Init, init.NSProxy().UTS())
	require.Equal(t, uint32(0xEFFFFFFE), k.UTS.Init.Inum())
	require.Equal(t, uint32(0xEFFFFFFD), k.UserNS.Init.Inum())
	boot := storyCountsOf(k)
	require.Equal(t, int64(2), boot.InitNSProxy)
	require.Equal(t, int64(2), boot.InitUTS)
	require.Equal(t, int64(4), boot.InitUser) // 3 static + init_mnt_ns's get_user_ns
	require.Equal(t, int64(2), boot.PID)
	require.Equal(t, "(none)", init.Hostname())
	require.Zero(t, k.Refs().CountKind("uts_namespace"))
	check("boot")

	// 1. init clones A without flags: copy_namespaces' fast path shares the
	// nsproxy (get_nsproxy: count 2 → 3); no namespace count moves. A's own
	// cred (prepare_creds) takes a reference on init_user_ns.
	a, err := init.Clone(task.CloneArgs{Flags: sigchld, Comm: "A"})
	require.NoError(t, err)
	require.Same(t, init.NSProxy(), a.NSProxy())
	require.Same(t, init, a.Parent())
	want := boot
	want.InitNSProxy++ // 2 → 3
	want.InitUser++    // A's cred
	require.Equal(t, want, storyCountsOf(k))
	require.Equal(t, int64(3), k.InitNSProxy.Count())
	require.Equal(t, int64(2), k.UTS.Init.Count())
	link, err := init.Readlink(fmt.Sprintf("/proc/%d/ns/uts", a.PID()))
	require.NoError(t, err)
	require.Equal(t, "uts:[4026531838]", link)
	check("A cloned")

	// 2. init clones B with CLONE_NEWUTS: a new nsproxy (count 1) and a new
	// uts_namespace (kref 1) owned by init_user_ns, which the new namespace
	// holds a reference on; B's nsproxy holds +1 on every other initial
	// namespace; init_nsproxy and init_uts_ns are untouched (copy_utsname's
	// temporary reference on the old namespace is dropped again).
	prev := storyCountsOf(k)
	b, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld, Comm: "B"})
	require.NoError(t, err)
	bp := b.NSProxy()
	require.NotSame(t, k.InitNSProxy, bp)
	require.False(t, bp.IsInit())
	require.Equal(t, int64(1), bp.Count())
	bu := bp.UTS()
	require.NotSame(t, k.UTS.Init, bu)
	require.Equal(t, int64(1), bu.Count())
	require.Same(t, k.UserNS.Init, bu.UserNS())
	require.GreaterOrEqual(t, bu.Inum(), ns.PROC_DYNAMIC_FIRST)
	for _, other := range []uint32{k.UTS.Init.Inum(), k.UserNS.Init.Inum(), k.Mnt.Init.Inum(), k.Net.Init.Inum(),
		k.IPC.Init.Inum(), k.PidNS.Init.Inum(), k.CgroupNS.Init.Inum()} {
		require.NotEqual(t, other, bu.Inum())
	}
	require.Same(t, k.Mnt.Init, bp.MNT())
	require.Same(t, k.IPC.Init, bp.IPC())
	require.Same(t, k.Net.Init, bp.NET())
	require.Same(t, k.CgroupNS.Init, bp.CGROUP())
	require.Same(t, k.PidNS.Init, bp.PIDForChildren())
	want = prev.plusNSProxy(1)
	want.InitUser += 2 // B's cred + the new uts namespace's owner reference
	require.Equal(t, want, storyCountsOf(k))
	require.Equal(t, int64(3), k.InitNSProxy.Count())
	require.Equal(t, int64(2), k.PidNS.Init.Count())
	require.Equal(t, 1, k.Refs().CountKind("uts_namespace"))
	require.Equal(t, "(none)", b.Hostname()) // the name is copied from init's
	link, err = init.Readlink(fmt.Sprintf("/proc/%d/ns/uts", b.PID()))
	require.NoError(t, err)
	require.Equal(t, storyLink(bu), link)
	check("B cloned with CLONE_NEWUTS")

	// 3. B sets its hostname: only B's namespace changes; no count moves.
	prev = storyCountsOf(k)
	require.NoError(t, b.Sethostname("container-b"))
	require.Equal(t, "container-b", b.Hostname())
	require.Equal(t, "(none)", init.Hostname())
	require.Equal(t, "(none)", a.Hostname())
	require.Equal(t, "(none)", k.UTS.Init.Nodename())
	require.Equal(t, prev, storyCountsOf(k))
	require.Equal(t, int64(1), bu.Count())
	check("B sethostname")

	// 4. A unshares CLONE_NEWUTS: A leaves init_nsproxy (3 → 2) for a new
	// nsproxy (count 1) with a new uts namespace (kref 1, copied from
	// init_uts_ns, owned by init_user_ns); the new nsproxy references the
	// other initial namespaces. A's cred is unchanged.
	prev = storyCountsOf(k)
	require.NoError(t, a.Unshare(uapi.CLONE_NEWUTS))
	ap := a.NSProxy()
	require.NotSame(t, k.InitNSProxy, ap)
	require.NotSame(t, bp, ap)
	require.Equal(t, int64(1), ap.Count())
	au := ap.UTS()
	require.NotSame(t, bu, au)
	require.NotSame(t, k.UTS.Init, au)
	require.Equal(t, int64(1), au.Count())
	require.Same(t, k.UserNS.Init, au.UserNS())
	require.GreaterOrEqual(t, au.Inum(), ns.PROC_DYNAMIC_FIRST)
	require.NotEqual(t, bu.Inum(), au.Inum())
	require.Equal(t, "(none)", a.Hostname())
	want = prev.plusNSProxy(1)
	want.InitNSProxy-- // 3 → 2
	want.InitUser++    // the new uts namespace's owner reference
	require.Equal(t, want, storyCountsOf(k))
	require.Equal(t, int64(2), k.InitNSProxy.Count())
	require.Equal(t, int64(1), bu.Count())
	require.Equal(t, 2, k.Refs().CountKind("uts_namespace"))
	check("A unshare CLONE_NEWUTS")

	// 5. init opens /proc/B/ns/uts: the nsfs file holds a reference on B's
	// namespace (kref 1 → 2); nothing else moves.
	prev = storyCountsOf(k)
	fd, err := init.Open(fmt.Sprintf("/proc/%d/ns/uts", b.PID()))
	require.NoError(t, err)
	require.NotNil(t, init.File(fd))
	require.Same(t, bu, init.File(fd).Namespace())
	require.Equal(t, int64(2), bu.Count())
	require.Equal(t, int64(1), au.Count())
	require.Equal(t, prev, storyCountsOf(k))
	check("init opens B's ns/uts")

	// 6. setns(fd, CLONE_NEWUTS): init gets a new nsproxy (count 1) sharing
	// every other namespace, with B's uts namespace installed (kref 2 → 3);
	// init_nsproxy loses init (2 → 1, the idle task's reference remains) and,
	// not being freed, keeps its reference on init_uts_ns (still 2).
	prev = storyCountsOf(k)
	require.NoError(t, init.Setns(fd, uapi.CLONE_NEWUTS))
	ip := init.NSProxy()
	require.NotSame(t, k.InitNSProxy, ip)
	require.NotSame(t, bp, ip) // setns builds a new nsproxy, it never joins B's
	require.Equal(t, int64(1), ip.Count())
	require.Same(t, bu, ip.UTS())
	require.Equal(t, int64(3), bu.Count())
	require.Equal(t, int64(1), bp.Count())
	want = prev.plusNSProxy(1)
	want.InitNSProxy-- // 2 → 1
	require.Equal(t, want, storyCountsOf(k))
	require.Equal(t, int64(1), k.InitNSProxy.Count())
	require.Equal(t, int64(2), k.UTS.Init.Count())
	check("init setns into B's uts")

	// 7. close(fd): the nsfs file's reference goes (3 → 2).
	prev = storyCountsOf(k)
	require.NoError(t, init.Close(fd))
	require.Nil(t, init.File(fd))
	require.Equal(t, int64(2), bu.Count())
	require.Equal(t, prev, storyCountsOf(k))
	check("init closes the fd")

	// 8. init now sees B's name through its own nsproxy.
	require.Equal(t, "container-b", init.Hostname())
	u, err := init.Uname()
	require.NoError(t, err)
	require.Equal(t, "container-b", u.Nodename)
	require.Equal(t, "Linux", u.Sysname)
	require.Equal(t, "(none)", u.Domainname)
	require.Equal(t, "(none)", a.Hostname())
	link, err = init.Readlink("/proc/self/ns/uts")
	require.NoError(t, err)
	require.Equal(t, storyLink(bu), link)
	check("init sees B's hostname")

	// 9. A exits: exit_task_namespaces runs before exit_notify, so the zombie
	// has no nsproxy; A's nsproxy (count 1) is freed with its private uts
	// namespace, which drops its owner reference; A's cred (and so its
	// user-namespace link) lives until A is reaped (§6).
	prev = storyCountsOf(k)
	auInum := au.Inum()
	require.NoError(t, a.Exit(0))
	require.Equal(t, task.Zombie, a.State())
	require.Nil(t, a.NSProxy())
	require.Equal(t, "", a.Hostname())
	_, err = init.Readlink(fmt.Sprintf("/proc/%d/ns/uts", a.PID()))
	require.ErrorIs(t, err, uapi.ENOENT)
	link, err = init.Readlink(fmt.Sprintf("/proc/%d/ns/user", a.PID()))
	require.NoError(t, err)
	require.Equal(t, "user:[4026531837]", link)
	want = prev.plusNSProxy(-1)
	want.InitUser-- // A's uts namespace was freed
	require.Equal(t, want, storyCountsOf(k))
	require.Equal(t, 1, k.Refs().CountKind("uts_namespace"))
	check("A exited")

	// B exits: its nsproxy is freed; its uts namespace survives in init's
	// nsproxy (kref 2 → 1), so init_user_ns keeps that owner reference.
	prev = storyCountsOf(k)
	require.NoError(t, b.Exit(7))
	require.Equal(t, task.Zombie, b.State())
	require.Nil(t, b.NSProxy())
	_, err = init.Readlink(fmt.Sprintf("/proc/%d/ns/uts", b.PID()))
	require.ErrorIs(t, err, uapi.ENOENT)
	link, err = init.Readlink(fmt.Sprintf("/proc/%d/ns/user", b.PID()))
	require.NoError(t, err)
	require.Equal(t, "user:[4026531837]", link)
	require.Equal(t, int64(1), bu.Count())
	require.Equal(t, prev.plusNSProxy(-1), storyCountsOf(k))
	check("B exited")

	// Reaping releases the zombies' creds (init_user_ns −1 each).
	prev = storyCountsOf(k)
	pid, status, err := init.Wait(a.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, a.PID(), pid)
	require.Equal(t, 0, status)
	check("A reaped")
	pid, status, err = init.Wait(b.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, b.PID(), pid)
	require.Equal(t, 7<<8, status)
	require.Equal(t, task.Dead, a.State())
	require.Equal(t, task.Dead, b.State())
	require.Nil(t, k.Task(a.PID()))
	require.Nil(t, k.Task(b.PID()))
	_, err = init.Readlink(fmt.Sprintf("/proc/%d/ns/user", a.PID()))
	require.ErrorIs(t, err, uapi.ENOENT)
	want = prev
	want.InitUser -= 2
	require.Equal(t, want, storyCountsOf(k))
	check("A and B reaped")

	// B's namespace lives on through init's nsproxy alone.
	require.Equal(t, int64(1), bu.Count())
	require.Same(t, bu, init.NSProxy().UTS())
	require.Equal(t, "container-b", init.Hostname())
	require.Equal(t, 1, k.Refs().CountKind("uts_namespace"))
	require.Equal(t, []*task.Task{init}, k.Tasks())
	// Everything is back to boot except init's own nsproxy (+1 on each
	// initial namespace, −1 on init_nsproxy) and B's namespace's owner
	// reference on init_user_ns.
	want = boot.plusNSProxy(1)
	want.InitNSProxy--
	want.InitUser++
	require.Equal(t, want, storyCountsOf(k))
	assert.NotEqual(t, auInum, bu.Inum())

	// 10. Power off: nothing is left and no refcount warning was logged.
	storyPowerOff(t, k)
}

// TestUTSInumReuse checks §14.1: dynamic namespace inode numbers come from an
// IDA that hands out the lowest free number, so the number of a freed uts
// namespace is the next one given out, and an open nsfs file (which keeps the
// namespace alive) delays the reuse.
func TestUTSInumReuse(t *testing.T) {
	t.Parallel()
	k := storyBoot(t)
	init := k.Init()
	sigchld := uapi.CloneFlags(uapi.SIGCHLD)
	newUTS := func(comm string) (*task.Task, uint32) {
		t.Helper()
		c, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld, Comm: comm})
		require.NoError(t, err)
		require.NoError(t, k.Check())
		return c, c.NSProxy().UTS().Inum()
	}
	reap := func(c *task.Task) {
		t.Helper()
		require.NoError(t, c.Exit(0))
		_, _, err := init.Wait(c.PID(), 0)
		require.NoError(t, err)
		require.NoError(t, k.Check())
	}
	inUse := k.Env.Inums.InUse()

	b, x := newUTS("B")
	c, y := newUTS("C")
	require.GreaterOrEqual(t, x, ns.PROC_DYNAMIC_FIRST)
	// Every dynamic number up to init_net's was taken at boot (4.19: the
	// mount namespace first, procfs entries, then init_net), so the lowest
	// free ones are the next two.
	require.Equal(t, k.Net.Init.Inum()+1, x)
	require.Equal(t, x+1, y)
	require.Equal(t, inUse+2, k.Env.Inums.InUse())

	// B's namespace is freed: its number is the lowest free again.
	reap(b)
	require.Equal(t, inUse+1, k.Env.Inums.InUse())
	d, z := newUTS("D")
	require.Equal(t, x, z, "the freed number is reused")

	// An open nsfs file keeps D's namespace, and so its number, alive.
	fd, err := init.Open(fmt.Sprintf("/proc/%d/ns/uts", d.PID()))
	require.NoError(t, err)
	reap(d)
	require.Equal(t, 1, countUTSWithInum(k, x))
	e, w := newUTS("E")
	require.Equal(t, y+1, w, "x is still held by the open file")
	require.NoError(t, init.Close(fd))
	require.NoError(t, k.Check())
	// E was forked while init had the file open: its copied fd table holds
	// the file too, so the namespace still lives until E closes it.
	require.Equal(t, 1, countUTSWithInum(k, x))
	require.NoError(t, e.Close(fd))
	require.NoError(t, k.Check())
	require.Zero(t, countUTSWithInum(k, x))
	f, v := newUTS("F")
	require.Equal(t, x, v, "x is free again after the last close")

	// unshare frees the replaced private namespace once the new one exists:
	// the new one cannot take the old number, the next creation does.
	require.NoError(t, f.Unshare(uapi.CLONE_NEWUTS))
	require.NoError(t, k.Check())
	require.Equal(t, w+1, f.NSProxy().UTS().Inum())
	g, s := newUTS("G")
	require.Equal(t, x, s)

	for _, tk := range []*task.Task{c, e, f, g} {
		reap(tk)
	}
	require.Equal(t, inUse, k.Env.Inums.InUse())
	storyPowerOff(t, k)
}

func countUTSWithInum(k *kernsim.Kernel, inum uint32) int {
	n := 0
	for _, o := range k.Refs().Objects() {
		if u, ok := o.(*utsns.Namespace); ok && u.Inum() == inum {
			n++
		}
	}
	return n
}
