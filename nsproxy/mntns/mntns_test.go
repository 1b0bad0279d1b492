package mntns_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Reference §2.6, §14.1 and fs/namespace.c init_mount_tree, alloc_mnt_ns,
// mnt_alloc_id; fs/super.c get_anon_bdev.
func TestInitialNamespace(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, mntns.Config{})
			in := f.g.Init
			var _ ns.Namespace = in
			if fl == refcount.Mainline {
				assert.Equal(t, "mnt:[4026531832]", in.Link(), "MNT_NS_INIT_INO")
			} else {
				assert.Equal(t, "mnt:[4026531840]", in.Link(), "first dynamic proc inode number")
			}
			assert.Equal(t, ns.MNT, in.Type())
			assert.Equal(t, int64(2), in.Count())
			assert.Equal(t, uint64(2), in.Seq(), "mnt_ns_seq starts at 1, add_return gives 2")
			assert.Same(t, f.ug.Init, in.UserNS())
			assert.Equal(t, ns.Namespace(f.ug.Init), in.Owner())
			assert.Equal(t, uint32(mntns.DefaultMountMax), f.g.MountMax())
			assert.Equal(t, uint32(100000), f.g.MountMax())
			assert.Zero(t, f.env.Refs.CountKind("mnt_namespace"), "boot objects are static")
			assert.Zero(t, f.env.Refs.LiveCount())

			// rootfs: the first mount id (0), the first anonymous device (0:1),
			// mnt_flags 0 (plain "rw") and MNT_LOCKED; its own parent.
			rootfs := in.Root()
			assert.Equal(t, 0, rootfs.ID())
			assert.Same(t, rootfs, rootfs.Parent())
			assert.Equal(t, mntns.MNT_LOCKED, rootfs.Flags())
			assert.Equal(t, mntns.MkDev(0, 1), rootfs.SuperBlock().Dev())
			assert.Equal(t, "rootfs", rootfs.SuperBlock().FSType())
			assert.Equal(t, []*mntns.Mount{rootfs}, in.Mounts())
			assert.Equal(t, "0 0 0:1 / / rw - rootfs rootfs rw\n", f.info(in))
			assert.Equal(t, "rootfs / rootfs rw 0 0\n", mntns.Mounts(in, "/"))
			assert.Equal(t, int64(1), rootfs.Count(), "the tree's reference")

			// alloc_mnt_ns charged (init_user_ns, uid 0) at boot.
			assert.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_MNT_NAMESPACES))

			// The next namespace gets seq 3 and the next inode number.
			userCount := f.ug.Init.Count()
			n := f.unshare(t, in, f.ug.Init)
			assert.Equal(t, uint64(3), n.Seq())
			assert.Equal(t, int64(1), n.Count())
			if fl == refcount.Mainline {
				assert.Equal(t, "mnt:[4026531840]", n.Link())
			} else {
				assert.Equal(t, "mnt:[4026531841]", n.Link())
			}
			assert.Equal(t, 1, f.env.Refs.CountKind("mnt_namespace"))
			assert.Equal(t, int64(2), f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_MNT_NAMESPACES))
			assert.Equal(t, userCount+1, f.ug.Init.Count(), "the copy holds its owner")
			n.Put(f.ctx)
			f.requireClean(t, 1)
		})
	}
}

// The boot tree: ids in mount order, anonymous devices 0:2.., the ext4
// root on 8:1; rootfs is hidden from a reader whose root is "/" (seq_path_root
// skips it), and "/" shows rootfs (id 0) as its parent.
func TestBootTree(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	want := "" +
		"1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n" +
		"2 1 0:2 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw\n" +
		"3 1 0:3 / /tmp rw,nosuid,nodev,relatime shared:3 - tmpfs tmpfs rw\n" +
		"4 1 0:4 / /srv rw,relatime shared:4 - tmpfs srv rw,mode=755\n"
	assert.Equal(t, want, f.info(f.g.Init))
	assert.Equal(t, 5, f.g.Init.MountCount())
	assert.Equal(t, 4, f.g.AnonDevsInUse())
	assert.Equal(t, 4, f.g.GroupIDsInUse())
	// A reader chrooted into /tmp sees only /tmp, as its "/".
	assert.Equal(t, "3 1 0:3 / / rw,nosuid,nodev,relatime shared:3 - tmpfs tmpfs rw\n", mntns.MountInfo(f.g.Init, "/tmp"))
	assert.Equal(t, "", mntns.MountInfo(f.g.Init, "/nonexistent"))
	p, err := f.g.Init.Lookup("/tmp/x/../../srv/data/sub")
	require.NoError(t, err)
	assert.Equal(t, 4, p.Mnt.ID())
	assert.Equal(t, "/data/sub", p.Dentry.Path())
	f.requireClean(t, 5)
}

// copy_mnt_ns by the owner: every mount copied with new ids in copy order,
// peers of the originals (same shared:N), the rootfs copy first.
func TestCopySameOwner(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	before := f.info(f.g.Init)
	n, remap, err := mntns.CopyMntNS(f.ctx, uapi.CLONE_NEWNS, f.ug.Init, f.g.Init)
	require.NoError(t, err)
	require.Len(t, remap, 5)
	for old, cp := range remap {
		assert.Equal(t, old.Root(), cp.Root())
		assert.Equal(t, old.GroupID(), cp.GroupID(), "a peer of the original")
		assert.Same(t, n, cp.Namespace())
	}
	assert.Same(t, remap[f.g.Init.Root()], n.Root())
	want := "" +
		"6 5 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n" +
		"7 6 0:2 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw\n" +
		"8 6 0:3 / /tmp rw,nosuid,nodev,relatime shared:3 - tmpfs tmpfs rw\n" +
		"9 6 0:4 / /srv rw,relatime shared:4 - tmpfs srv rw,mode=755\n"
	assert.Equal(t, want, f.info(n))
	assert.Equal(t, before, f.info(f.g.Init))
	assert.Equal(t, mntns.MNT_LOCKED, n.Root().Flags(), "rootfs's MNT_LOCKED is copied")
	assert.Equal(t, 5, n.MountCount())
	for _, m := range n.Mounts() {
		assert.Equal(t, int64(1)+int64(len(childrenOf(n, m))), m.Count())
	}

	// Without CLONE_NEWNS: the same namespace, one more reference.
	same, remap2, err := mntns.CopyMntNS(f.ctx, 0, f.ug.Init, n)
	require.NoError(t, err)
	assert.Same(t, n, same)
	assert.Nil(t, remap2)
	assert.Equal(t, int64(2), n.Count())
	same.Put(f.ctx)
	n.Put(f.ctx)
	assert.Equal(t, 4, f.g.GroupIDsInUse(), "the originals keep their groups")
	f.requireClean(t, 5)
}

func childrenOf(n *mntns.Namespace, m *mntns.Mount) []*mntns.Mount {
	var out []*mntns.Mount
	for _, c := range n.Mounts() {
		if c != m && c.Parent() == m {
			out = append(out, c)
		}
	}
	return out
}

// copy_mnt_ns into a namespace owned by another user namespace: shared
// mounts become slaves of their originals (master:N), every copy is
// MNT_LOCKED with MNT_LOCK_ATIME and the lock of each flag it has; a
// locked child cannot be unmounted (EINVAL, lazy or not), moved, or
// revealed by a non-recursive bind, and the tree stays as it was.
func TestCopyUnprivilegedLocks(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	alice := f.user()
	bob := f.user()
	bob.EUID = 2000
	inside := f.inUserNS(t, alice)
	child := inside.UserNS()
	n, _, err := mntns.CopyMntNS(f.ctxAs(1000), uapi.CLONE_NEWNS, child, f.g.Init)
	require.NoError(t, err)
	assert.Equal(t, int64(1), f.ug.Charged(child, 1000, userns.UCOUNT_MNT_NAMESPACES))
	want := "" +
		"6 5 8:1 / / rw,relatime master:1 - ext4 /dev/sda1 rw,errors=remount-ro\n" +
		"7 6 0:2 / /proc rw,nosuid,nodev,noexec,relatime master:2 - proc proc rw\n" +
		"8 6 0:3 / /tmp rw,nosuid,nodev,relatime master:3 - tmpfs tmpfs rw\n" +
		"9 6 0:4 / /srv rw,relatime master:4 - tmpfs srv rw,mode=755\n"
	assert.Equal(t, want, f.info(n))
	proc, err := n.Lookup("/proc")
	require.NoError(t, err)
	assert.Equal(t, mntns.MNT_NOSUID|mntns.MNT_NODEV|mntns.MNT_NOEXEC|mntns.MNT_RELATIME|
		mntns.MNT_LOCK_ATIME|mntns.MNT_LOCK_NOSUID|mntns.MNT_LOCK_NODEV|mntns.MNT_LOCK_NOEXEC|mntns.MNT_LOCKED,
		proc.Mnt.Flags())
	assert.Zero(t, proc.Mnt.GroupID(), "CL_SHARED_TO_SLAVE: not a peer")

	before := f.info(n)
	for _, tc := range []struct {
		name  string
		op    func() error
		errno uapi.Errno
		check string
	}{
		{"umount locked", func() error { return mntns.Umount(f.ctx, inside, n, "/proc", 0) }, uapi.EINVAL, "ksys_umount"},
		{"lazy umount locked", func() error { return mntns.Umount(f.ctx, inside, n, "/tmp", mntns.MNT_DETACH) }, uapi.EINVAL, "ksys_umount"},
		{"umount locked root", func() error { return mntns.Umount(f.ctx, inside, n, "/", mntns.MNT_DETACH) }, uapi.EINVAL, "ksys_umount"},
		{"move locked", func() error { return mntns.MoveMount(f.ctx, inside, n, "/srv", "/mnt/a") }, uapi.EINVAL, "do_move_mount"},
		{"bind would reveal", func() error { return mntns.BindMount(f.ctx, inside, n, "/", "/mnt/a", false) }, uapi.EINVAL, "has_locked_children"},
		{"no global cap for rootfs", func() error { return mntns.MountFS(f.ctx, inside, n, "r", "/mnt/a", "rootfs", 0, "") }, uapi.EPERM, "do_new_mount"},
		{"unknown type", func() error { return mntns.MountFS(f.ctx, inside, n, "p", "/mnt/a", "sysfs", 0, "") }, uapi.ENODEV, "get_fs_type"},
		{"another user is not the owner", func() error { return mntns.Umount(f.ctx, bob, n, "/mnt", 0) }, uapi.EPERM, "may_mount"},
		// alice, in the parent, owns the child user namespace: she passes
		// may_mount, and is stopped by the lock like its root is.
		{"alice owns the user namespace", func() error { return mntns.Umount(f.ctx, alice, n, "/proc", 0) }, uapi.EINVAL, "ksys_umount"},
	} {
		err := tc.op()
		requireErrno(t, err, tc.errno, tc.check, tc.name)
		require.Equal(t, before, f.info(n), tc.name)
	}

	// What the owner may do: mount a tmpfs (FS_USERNS_MOUNT) and unmount it,
	// bind recursively. A bind of a slave is a slave of the same master
	// (the bind table of sharedsubtree.txt / attach_recursive_mnt); the
	// freed id 10 is reused.
	require.NoError(t, mntns.MountFS(f.ctx, inside, n, "box", "/mnt/a", "tmpfs", 0, ""))
	assert.Contains(t, f.info(n), "10 6 0:5 / /mnt/a rw,nodev,relatime - tmpfs box rw\n", "a user namespace's mount is nodev (do_new_mount)")
	require.NoError(t, mntns.Umount(f.ctx, inside, n, "/mnt/a", 0))
	require.NoError(t, mntns.BindMount(f.ctx, inside, n, "/srv", "/mnt/b", true))
	assert.Contains(t, f.info(n), "10 6 0:4 / /mnt/b rw,relatime master:4 - tmpfs srv rw,mode=755\n")
	require.NoError(t, mntns.Umount(f.ctx, inside, n, "/mnt/b", 0), "the bind's top is not locked")

	n.Put(f.ctx)
	inside.Put(f.ctx)
	alice.Put(f.ctx)
	bob.Put(f.ctx)
	f.requireClean(t, 5)
}

func requireErrno(t *testing.T, err error, errno uapi.Errno, check string, msg ...any) {
	t.Helper()
	require.Error(t, err, msg...)
	require.ErrorIs(t, err, errno, msg...)
	var e *uapi.Error
	require.True(t, errors.As(err, &e), msg...)
	if check != "" {
		require.Equal(t, check, e.Check, msg...)
	}
}
