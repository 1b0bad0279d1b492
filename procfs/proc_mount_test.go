package procfs_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// A proc instance shows the pid namespace it was mounted for (reference
// §11.8): a task that enters a new pid namespace without mounting proc
// still sees the outer view through the boot /proc; mount -t proc in its
// own mount namespace gives the inner view, and mounts of proc for one pid
// namespace share a superblock (mount_ns).
func TestProcMountPerPidNamespace(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWPID|uapi.CLONE_NEWNS)
	self, err := c.Readlink("/proc/self")
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(int(c.PID())), self, "the boot /proc is init_pid_ns's")
	ls, err := c.Readdir("/proc")
	require.NoError(t, err)
	require.Contains(t, ls, "1", "init is visible through the outer proc")

	require.NoError(t, c.Mount("proc", "/proc", "proc", 0, ""))
	self, err = c.Readlink("/proc/self")
	require.NoError(t, err)
	require.Equal(t, "1", self)
	ls, err = c.Readdir("/proc")
	require.NoError(t, err)
	require.Equal(t, []string{"net", "sys", "mounts", "sysvipc", "self", "thread-self", "1"}, ls)
	_, err = c.ReadFile("/proc/" + strconv.Itoa(int(init.PID())+1000) + "/status")
	require.ErrorIs(t, err, uapi.ENOENT)

	// A second mount for the same pid namespace shares the superblock.
	d := kernsimtest.Fork(t, c, 0)
	require.NoError(t, d.Mkdir("/tmp/p", 0o755))
	require.NoError(t, d.Mount("proc", "/tmp/p", "proc", 0, ""))
	mi, err := d.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	var devs []string
	for _, l := range splitLines(mi) {
		if f := fields(l); f[len(f)-3] == "proc" && (f[4] == "/proc" || f[4] == "/tmp/p") {
			devs = append(devs, f[2])
		}
	}
	require.Len(t, devs, 3, mi) // the boot proc's copy, the inner proc, its second mount
	require.NotEqual(t, devs[0], devs[1])
	require.Equal(t, devs[1], devs[2], "one superblock per pid namespace")
	require.NoError(t, k.Check())
}

// proc_mount's mount_ns needs CAP_SYS_ADMIN over the owner of the mounter's
// active pid namespace: a user-namespace root that unshared
// CLONE_NEWNS|CLONE_NEWPID is still in the old pid namespace (EPERM), its
// child — the new namespace's init — may mount it (reference §13).
func TestProcMountPermission(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	u := kernsimtest.User(t, k.Init(), 1000)
	require.NoError(t, u.Unshare(uapi.CLONE_NEWUSER|uapi.CLONE_NEWNS|uapi.CLONE_NEWPID))
	require.NoError(t, u.Mount("none", "/tmp", "tmpfs", 0, ""), "tmpfs is fine")
	before := k.Snapshot()
	require.ErrorIs(t, u.Mount("proc", "/proc", "proc", 0, ""), uapi.EPERM)
	require.Equal(t, before, k.Snapshot())

	c, err := u.Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD)})
	require.NoError(t, err)
	require.NoError(t, c.Mount("proc", "/proc", "proc", 0, ""))
	self, err := c.Readlink("/proc/self")
	require.NoError(t, err)
	require.Equal(t, "1", self)
	mi, err := c.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	require.Contains(t, mi, " /proc rw,nodev,relatime - proc proc rw\n", "a user namespace's mount is nodev")
}

func splitLines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func fields(s string) []string { return strings.Fields(s) }
