package kernsim_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// mountinfoPaths returns the mount points of t's /proc/self/mountinfo.
func mountinfoPaths(t *testing.T, p *task.Task) []string {
	t.Helper()
	b, err := p.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		out = append(out, strings.Fields(l)[4])
	}
	return out
}

// The boot tree: one mount per filesystem, shown by mountinfo in mount
// order, the initial namespace with the first dynamic inode number (4.19)
// and count 2 (init_nsproxy and init_mount_tree's own).
func TestMntBootTree(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	require.Equal(t, []string{"/", "/proc", "/sys", "/sys/fs/cgroup"}, mountinfoPaths(t, k.Init()))
	require.Equal(t, uint32(4026531840), k.Mnt.Init.Inum())
	require.Equal(t, int64(2), k.Mnt.Init.Count())
	link, err := k.Init().Readlink("/proc/self/ns/mnt")
	require.NoError(t, err)
	require.Equal(t, "mnt:[4026531840]", link)
	b, err := k.Init().ReadFile("/proc/mounts")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "/dev/vda / ext4 rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\n"), string(b))
}

// clone(CLONE_NEWNS) copies the tree: the child mounts a tmpfs that only it
// sees (every boot mount is private), and the copy goes away with the last
// task using it.
func TestMntCloneCopiesTree(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWNS)
	n := c.NSProxy().MNT()
	require.NotSame(t, k.Mnt.Init, n)
	require.Equal(t, int64(1), n.Count())
	require.Equal(t, k.Mnt.Init.MountCount(), n.MountCount())
	require.NoError(t, c.Mount("none", "/tmp", "tmpfs", 0, "size=4k"))
	require.NoError(t, c.Mkdir("/tmp/only-in-child", 0o755))
	ls, err := c.Readdir("/tmp")
	require.NoError(t, err)
	require.Equal(t, []string{"only-in-child"}, ls)
	ls, err = init.Readdir("/tmp")
	require.NoError(t, err)
	require.Empty(t, ls)
	require.Contains(t, mountinfoPaths(t, c), "/tmp")
	require.NotContains(t, mountinfoPaths(t, init), "/tmp")
	require.NoError(t, k.Check())

	// Another task reading the child's mountinfo holds the namespace.
	fd, err := init.Open("/proc/" + itoa(c.PID()) + "/mountinfo")
	require.NoError(t, err)
	require.Equal(t, int64(2), n.Count())
	require.NoError(t, c.Exit(0))
	_, _, err = init.Wait(c.PID(), 0)
	require.NoError(t, err)
	require.Equal(t, int64(1), n.Count(), "the open mountinfo keeps the namespace")
	b, err := init.Read(fd, 4096)
	require.NoError(t, err)
	require.Contains(t, string(b), " /tmp rw,relatime - tmpfs none rw,size=4k\n")
	require.NoError(t, k.Check())
	require.NoError(t, init.Close(fd))
	require.Zero(t, k.Refs().CountKind("mnt_namespace"))
	require.NoError(t, k.Check())
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// Propagation through the task API (Documentation/filesystems/sharedsubtree.txt):
// a mount under a shared mount appears in the peer namespace, in both
// directions; under a slave it arrives from the master and does not go back;
// under a private mount it stays; an unbindable mount refuses a bind.
func TestMntPropagationAcrossNamespaces(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name           string
		parentProp     uint64 // on the parent's /mnt before the clone
		childProp      uint64 // on the child's copy after the clone (0: none)
		parentSeesKids bool   // a mount made by the child under /mnt appears in the parent
		childSeesPars  bool   // a mount made by the parent under /mnt appears in the child
	}{
		{"shared", mntns.MS_SHARED, 0, true, true},
		{"slave", mntns.MS_SHARED, mntns.MS_SLAVE, false, true},
		{"private", mntns.MS_PRIVATE, 0, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := kernsimtest.Boot(t)
			init := k.Init()
			require.NoError(t, init.Mount("none", "/mnt", "tmpfs", 0, ""))
			require.NoError(t, init.Mkdir("/mnt/a", 0o755))
			require.NoError(t, init.Mkdir("/mnt/b", 0o755))
			require.NoError(t, init.Mount("", "/mnt", "", c.parentProp, ""))
			child := kernsimtest.Fork(t, init, uapi.CLONE_NEWNS)
			if c.childProp != 0 {
				require.NoError(t, child.Mount("", "/mnt", "", c.childProp, ""))
			}
			require.NoError(t, child.Mount("kid", "/mnt/a", "tmpfs", 0, ""))
			require.NoError(t, init.Mount("par", "/mnt/b", "tmpfs", 0, ""))
			require.Equal(t, c.parentSeesKids, contains(mountinfoPaths(t, init), "/mnt/a"))
			require.Equal(t, c.childSeesPars, contains(mountinfoPaths(t, child), "/mnt/b"))
			require.NoError(t, k.Check())
		})
	}
	t.Run("unbindable", func(t *testing.T) {
		t.Parallel()
		k := kernsimtest.Boot(t)
		init := k.Init()
		require.NoError(t, init.Mount("none", "/mnt", "tmpfs", 0, ""))
		require.NoError(t, init.Mount("", "/mnt", "", mntns.MS_UNBINDABLE, ""))
		before := k.Snapshot()
		err := init.Mount("/mnt", "/tmp", "", mntns.MS_BIND, "")
		require.ErrorIs(t, err, uapi.EINVAL)
		require.Equal(t, before, k.Snapshot())
	})
}

func contains(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

// setns into a mount namespace: the walk starts at its root afterwards, with
// mntns_install's errnos, each leaving everything unchanged.
func TestMntSetns(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	c := kernsimtest.Fork(t, init, uapi.CLONE_NEWNS)
	require.NoError(t, c.Mount("none", "/tmp", "tmpfs", 0, ""))
	require.NoError(t, c.Mkdir("/tmp/c", 0o755))
	path := "/proc/" + itoa(c.PID()) + "/ns/mnt"

	joiner := kernsimtest.Fork(t, init, 0)
	fd, err := joiner.Open(path)
	require.NoError(t, err)
	require.NoError(t, joiner.Setns(fd, uapi.CLONE_NEWNS))
	require.Same(t, c.NSProxy().MNT(), joiner.NSProxy().MNT())
	ls, err := joiner.Readdir("/tmp")
	require.NoError(t, err)
	require.Equal(t, []string{"c"}, ls)
	require.NoError(t, joiner.Close(fd))

	for _, row := range []struct {
		name  string
		setup func(t *testing.T) *task.Task
		errno uapi.Errno
		check string
	}{
		{"shared fs_struct", func(t *testing.T) *task.Task {
			p := kernsimtest.Fork(t, init, 0)
			kernsimtest.Fork(t, p, uapi.CLONE_FS)
			return p
		}, uapi.EINVAL, "mntns_install"},
		{"unprivileged, its own namespace", func(t *testing.T) *task.Task { return kernsimtest.User(t, init, 1000) }, uapi.EPERM, "mntns_install"},
	} {
		p := row.setup(t)
		target := path
		if row.errno == uapi.EPERM {
			target = "/proc/self/ns/mnt" // ptrace rules keep it out of root's tasks
		}
		fd, err := p.Open(target)
		require.NoError(t, err, row.name)
		before := k.Snapshot()
		err = p.Setns(fd, uapi.CLONE_NEWNS)
		require.ErrorIs(t, err, row.errno, row.name)
		var e *uapi.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, row.check, e.Check, row.name)
		require.Equal(t, before, k.Snapshot(), row.name)
		require.NoError(t, p.Close(fd))
	}
	require.NoError(t, k.Check())
}

// max_mnt_namespaces reached: unshare(CLONE_NEWNS) is ENOSPC from
// alloc_mnt_ns and changes nothing; mount(2) without CAP_SYS_ADMIN in the
// namespace's owner is EPERM; a user namespace's root may mount in a mount
// namespace it owns.
func TestMntErrnos(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	p := kernsimtest.Fork(t, init, 0)
	k.UserNS.SetUcountMax(k.UserNS.Init, userns.UCOUNT_MNT_NAMESPACES, 1) // the initial namespace's charge
	before := k.Snapshot()
	err := p.Unshare(uapi.CLONE_NEWNS)
	require.ErrorIs(t, err, uapi.ENOSPC)
	require.Equal(t, before, k.Snapshot())
	k.UserNS.SetUcountMax(k.UserNS.Init, userns.UCOUNT_MNT_NAMESPACES, 1000)

	u := kernsimtest.User(t, init, 1000)
	before = k.Snapshot()
	require.ErrorIs(t, u.Mount("none", "/tmp", "tmpfs", 0, ""), uapi.EPERM)
	require.ErrorIs(t, u.Umount("/proc"), uapi.EPERM)
	require.Equal(t, before, k.Snapshot())

	require.NoError(t, u.Unshare(uapi.CLONE_NEWUSER|uapi.CLONE_NEWNS))
	require.NoError(t, u.Mount("none", "/tmp", "tmpfs", 0, ""))
	require.ErrorIs(t, u.Umount("/proc"), uapi.EINVAL, "copied into a less privileged namespace, the boot mounts are locked")
	require.NoError(t, u.Umount("/tmp"))
	require.NoError(t, k.Check())
}

// Example: a private /tmp for a child, seen in its mountinfo only.
func ExampleKernel_mountNamespace() {
	k, _ := kernsim.Boot(kernsim.Config{})
	init := k.Init()
	c, _ := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWNS | uapi.CloneFlags(uapi.SIGCHLD)})
	_ = c.Mount("none", "/tmp", "tmpfs", 0, "size=4k")
	b, _ := c.ReadFile("/proc/self/mountinfo")
	fmt.Print(string(b))
	_ = c.Exit(0)
	_, _, _ = init.Wait(-1, 0)
	k.PowerOff()
	// Output:
	// 6 5 254:0 / / rw,relatime - ext4 /dev/vda rw
	// 7 6 0:2 / /proc rw,relatime - proc proc rw
	// 8 6 0:3 / /sys rw,relatime - sysfs sysfs rw
	// 9 8 0:4 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw
	// 10 6 0:5 / /tmp rw,relatime - tmpfs none rw,size=4k
}
