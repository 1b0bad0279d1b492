package procfs_test

import (
	"fmt"
	"github.com/kernsim/kernsim/kernsimtest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

var sigchld = uapi.CloneFlags(uapi.SIGCHLD)

func boot(t *testing.T) *kernsim.Kernel { return kernsimtest.Boot(t) }

func unprivileged(t *testing.T, p *task.Task) *task.Task {
	c := kernsimtest.User(t, p, 1000) // a login shell: dumpable, no capabilities
	require.Zero(t, c.Cred().CapEffective)
	return c
}

func TestSelfAndListing(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	a, err := init.Fork()
	require.NoError(t, err)

	link, err := a.Readlink("/proc/self")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(a.PID()), link)
	link, err = a.Readlink("/proc/thread-self")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d/task/%d", a.PID(), a.PID()), link)

	// /proc/self/ns/uts walks through the self link.
	viaSelf, err := a.Readlink("/proc/self/ns/uts")
	require.NoError(t, err)
	direct, err := a.Readlink(fmt.Sprintf("/proc/%d/ns/uts", a.PID()))
	require.NoError(t, err)
	require.Equal(t, direct, viaSelf)
	require.Equal(t, "uts:[4026531838]", direct)

	names, err := init.Readdir("/proc")
	require.NoError(t, err)
	// proc_root_readdir: the registered entries (proc_readdir), then
	// proc_pid_readdir's self and thread-self, then the pids.
	require.Equal(t, []string{"net", "sys", "mounts", "sysvipc", "self", "thread-self", "1", fmt.Sprint(a.PID())}, names)

	ns, err := init.Readdir("/proc/1/ns")
	require.NoError(t, err)
	require.Equal(t, []string{"net", "uts", "ipc", "pid", "pid_for_children", "user", "mnt", "cgroup"}, ns)

	root, err := init.Readdir("/")
	require.NoError(t, err)
	require.Equal(t, []string{"mnt", "proc", "sys", "tmp"}, root)
}

func TestPathErrors(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	for _, c := range []struct {
		name  string
		call  func() error
		errno uapi.Errno
		check string
	}{
		{"missing pid", func() error { _, err := init.Open("/proc/30000/ns/uts"); return err }, uapi.ENOENT, "proc_pid_lookup"},
		{"missing entry", func() error { _, err := init.Open("/proc/1/nope"); return err }, uapi.ENOENT, "proc_lookup"},
		{"missing ns type", func() error { _, err := init.Readlink("/proc/1/ns/time"); return err }, uapi.ENOENT, "proc_lookup"},
		{"not a dir", func() error { _, err := init.Open("/proc/sys/kernel/hostname/x"); return err }, uapi.ENOTDIR, "link_path_walk"},
		{"readlink of a dir", func() error { _, err := init.Readlink("/proc/1"); return err }, uapi.EINVAL, "vfs_readlink"},
		{"readdir of a file", func() error { _, err := init.Readdir("/proc/sys/kernel/hostname"); return err }, uapi.ENOTDIR, "iterate_dir"},
		{"dir for writing", func() error { _, err := init.OpenFlags("/proc", task.O_WRONLY); return err }, uapi.EISDIR, "do_last"},
		{"outside any fs", func() error { _, err := init.Open("/etc/passwd"); return err }, uapi.ENOENT, "lookup_slow"},
	} {
		before := k.Snapshot()
		err := c.call()
		require.ErrorIs(t, err, c.errno, c.name)
		var e *uapi.Error
		require.ErrorAs(t, err, &e, c.name)
		require.Equal(t, c.check, e.Check, c.name)
		require.Equal(t, before, k.Snapshot(), c.name)
	}
}

func TestReadWriteDescriptors(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	fd, err := init.Open("/proc")
	require.NoError(t, err)
	_, err = init.Read(fd, 10)
	require.ErrorIs(t, err, uapi.EISDIR)
	require.NoError(t, init.Close(fd))

	fd, err = init.Open("/proc/self/ns/uts")
	require.NoError(t, err)
	_, err = init.Read(fd, 10)
	require.ErrorIs(t, err, uapi.EINVAL) // nsfs has no read
	_, err = init.Write(fd, []byte("x"))
	require.ErrorIs(t, err, uapi.EBADF) // opened read-only
	require.NoError(t, init.Close(fd))

	_, err = init.Read(fd, 1)
	require.ErrorIs(t, err, uapi.EBADF)

	// Reading a sysctl in pieces advances the position.
	fd, err = init.Open("/proc/sys/kernel/hostname")
	require.NoError(t, err)
	b, err := init.Read(fd, 3)
	require.NoError(t, err)
	require.Equal(t, "(no", string(b))
	b, err = init.Read(fd, 100)
	require.NoError(t, err)
	require.Equal(t, "ne)\n", string(b))
	b, err = init.Read(fd, 100)
	require.NoError(t, err)
	require.Empty(t, b)
	require.NoError(t, init.Close(fd))
}

// Reference §10: writes to /proc/sys/kernel/hostname act on the writer's UTS
// namespace without a capability test, keep the bytes before the first newline
// or NUL, at most 64, and report the full count.
func TestHostnameSysctl(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	b, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld})
	require.NoError(t, err)

	n, err := b.WriteFile("/proc/sys/kernel/hostname", "box\n")
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Equal(t, "box", b.Hostname())
	require.Equal(t, "(none)", init.Hostname())
	s, err := b.ReadFile("/proc/sys/kernel/hostname")
	require.NoError(t, err)
	require.Equal(t, "box\n", s)
	s, err = init.ReadFile("/proc/sys/kernel/hostname")
	require.NoError(t, err)
	require.Equal(t, "(none)\n", s)

	long := strings.Repeat("y", 70)
	n, err = b.WriteFile("/proc/sys/kernel/hostname", long)
	require.NoError(t, err)
	require.Equal(t, 70, n)
	require.Equal(t, strings.Repeat("y", 64), b.Hostname())

	n, err = b.WriteFile("/proc/sys/kernel/domainname", "ex\x00ample")
	require.NoError(t, err)
	require.Equal(t, 8, n)
	dn, err := b.Getdomainname()
	require.NoError(t, err)
	require.Equal(t, "ex", dn)

	// A user-namespace root whose euid is not global 0: EACCES at open.
	u := unprivileged(t, init)
	require.NoError(t, u.Unshare(uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS))
	before := k.Snapshot()
	_, err = u.WriteFile("/proc/sys/kernel/hostname", "nope")
	require.ErrorIs(t, err, uapi.EACCES)
	require.Equal(t, before, k.Snapshot())
	// ... though sethostname(2) works there.
	require.NoError(t, u.Sethostname("inside"))
	s, err = u.ReadFile("/proc/sys/kernel/hostname")
	require.NoError(t, err)
	require.Equal(t, "inside\n", s)
}

// /proc/sys/user/max_*_namespaces read and write the reader's user namespace's
// limits; writing needs CAP_SYS_RESOURCE there; the value range is [0, INT_MAX].
func TestUserLimitSysctls(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	names, err := init.Readdir("/proc/sys/user")
	require.NoError(t, err)
	require.Equal(t, []string{"max_user_namespaces", "max_pid_namespaces", "max_uts_namespaces",
		"max_ipc_namespaces", "max_net_namespaces", "max_mnt_namespaces", "max_cgroup_namespaces",
		"max_inotify_instances", "max_inotify_watches"}, names)

	s, err := init.ReadFile("/proc/sys/user/max_uts_namespaces")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d\n", k.Config().MaxThreads()/2), s)

	for _, bad := range []string{"-1", "2147483648", "abc", " \n", "1x"} {
		before := k.Snapshot()
		_, err := init.WriteFile("/proc/sys/user/max_uts_namespaces", bad)
		require.ErrorIs(t, err, uapi.EINVAL, bad)
		require.Equal(t, before, k.Snapshot())
	}
	// An empty write succeeds and stores nothing (__do_proc_dointvec: !*lenp).
	before := k.Snapshot()
	n0, err := init.WriteFile("/proc/sys/user/max_uts_namespaces", "")
	require.NoError(t, err)
	require.Zero(t, n0)
	require.Equal(t, before, k.Snapshot())
	n, err := init.WriteFile("/proc/sys/user/max_uts_namespaces", "0x10\n") // proc_get_long takes base 0
	require.NoError(t, err)
	require.Equal(t, 5, n)
	require.Equal(t, int64(16), k.UserNS.UcountMax(k.UserNS.Init, userns.UCOUNT_UTS_NAMESPACES))
	n, err = init.WriteFile("/proc/sys/user/max_uts_namespaces", " 1\n")
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Equal(t, int64(1), k.UserNS.UcountMax(k.UserNS.Init, userns.UCOUNT_UTS_NAMESPACES))
	a, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld})
	require.NoError(t, err)
	_, err = init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sigchld})
	require.ErrorIs(t, err, uapi.ENOSPC)
	require.NoError(t, a.Exit(0))
	_, _, err = init.Wait(a.PID(), 0)
	require.NoError(t, err)

	u := unprivileged(t, init)
	_, err = u.WriteFile("/proc/sys/user/max_uts_namespaces", "5")
	require.ErrorIs(t, err, uapi.EACCES)
	s, err = u.ReadFile("/proc/sys/user/max_uts_namespaces")
	require.NoError(t, err)
	require.Equal(t, "1\n", s)

	// In its own user namespace the task has CAP_SYS_RESOURCE and sees that
	// namespace's table, which starts at INT_MAX.
	require.NoError(t, u.Unshare(uapi.CLONE_NEWUSER))
	s, err = u.ReadFile("/proc/sys/user/max_uts_namespaces")
	require.NoError(t, err)
	require.Equal(t, "2147483647\n", s)
	_, err = u.WriteFile("/proc/sys/user/max_uts_namespaces", "0")
	require.NoError(t, err)
	require.Equal(t, int64(1), k.UserNS.UcountMax(k.UserNS.Init, userns.UCOUNT_UTS_NAMESPACES))
}
