package mntns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// errCase is one failing call: it must fail with errno from the named
// kernel check and leave both mount tables and the mount counts as they
// were.
type errCase struct {
	name  string
	setup func(f *fix) func() // optional, before the snapshot; returns an undo or nil
	op    func(f *fix) error
	errno uapi.Errno
	check string
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, refcount.Linux419, stdBoot())
			bootMounts := f.g.Init.MountCount()
			var undo func()
			if tc.setup != nil {
				undo = tc.setup(f)
			}
			before, beforeMounts := f.info(f.g.Init), mntns.Mounts(f.g.Init, "/")
			count, live := f.g.Init.MountCount(), f.env.Refs.LiveCount()
			requireErrno(t, tc.op(f), tc.errno, tc.check)
			require.Equal(t, before, f.info(f.g.Init))
			require.Equal(t, beforeMounts, mntns.Mounts(f.g.Init, "/"))
			require.Equal(t, count, f.g.Init.MountCount())
			require.Equal(t, live, f.env.Refs.LiveCount(), "nothing allocated is left behind")
			// Undo the setup: let go of what it holds, lazily unmount what
			// it mounted on the mount points the cases use.
			if undo != nil {
				undo()
			}
			for _, p := range []string{"/mnt/b", "/mnt/a", "/tmp/x", "/tmp/y"} {
				for mntns.Umount(f.ctx, f.root, f.g.Init, p, mntns.MNT_DETACH) == nil {
				}
			}
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/srv", mntns.MS_SHARED))
			f.requireClean(t, bootMounts)
		})
	}
}

func mount(f *fix, target string) {
	if err := mntns.MountFS(f.ctx, f.root, f.g.Init, "t", target, "tmpfs", 0, ""); err != nil {
		panic(err)
	}
}

// ksys_umount and do_umount (fs/namespace.c), reference §13.
func TestUmountErrors(t *testing.T) {
	t.Parallel()
	runErrCases(t, []errCase{
		{name: "bad flags", op: func(f *fix) error { return mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp", 0x10) },
			errno: uapi.EINVAL, check: "ksys_umount"},
		{name: "unprivileged, even for a missing path", op: func(f *fix) error {
			u := f.user()
			defer u.Put(f.ctx)
			return mntns.Umount(f.ctx, u, f.g.Init, "/nonexistent", 0)
		}, errno: uapi.EPERM, check: "may_mount"},
		{name: "missing path", op: func(f *fix) error { return mntns.Umount(f.ctx, f.root, f.g.Init, "/nonexistent", 0) },
			errno: uapi.ENOENT, check: "user_path_mountpoint_at"},
		{name: "not a mount point", op: func(f *fix) error { return mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", 0) },
			errno: uapi.EINVAL, check: "ksys_umount"},
		{name: "has a submount", setup: func(f *fix) func() { mount(f, "/tmp/x"); return nil },
			op:    func(f *fix) error { return mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp", 0) },
			errno: uapi.EBUSY, check: "propagate_mount_busy"},
		{name: "in use", setup: func(f *fix) func() {
			mount(f, "/mnt/a")
			p, _ := f.g.Init.Lookup("/mnt/a")
			p.Mnt.Get() // a cwd; the leak check catches a missing Put
			return func() { p.Mnt.Put(f.ctx) }
		}, op: func(f *fix) error { return mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", 0) },
			errno: uapi.EBUSY, check: "propagate_mount_busy"},
		{name: "expire: in use", setup: func(f *fix) func() {
			mount(f, "/mnt/a")
			p, _ := f.g.Init.Lookup("/mnt/a")
			p.Mnt.Get()
			return func() { p.Mnt.Put(f.ctx) }
		}, op: func(f *fix) error { return mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE) },
			errno: uapi.EBUSY, check: "do_umount"},
		{name: "expire with detach", setup: func(f *fix) func() { mount(f, "/mnt/a"); return nil },
			op: func(f *fix) error {
				return mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE|mntns.MNT_DETACH)
			}, errno: uapi.EINVAL, check: "do_umount"},
		{name: "expire: first call marks", setup: func(f *fix) func() { mount(f, "/mnt/a"); return nil },
			op:    func(f *fix) error { return mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE) },
			errno: uapi.EAGAIN, check: "do_umount"},
	})
}

// MNT_EXPIRE unmounts on the second call; MNT_DETACH takes a busy tree.
func TestUmountExpireAndDetach(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	boot := f.info(f.g.Init)
	mount(f, "/mnt/a")
	requireErrno(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE), uapi.EAGAIN, "do_umount")
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE))
	// A Put (mntput) between the calls clears the mark.
	mount(f, "/mnt/a")
	requireErrno(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE), uapi.EAGAIN, "do_umount")
	p, err := f.g.Init.Lookup("/mnt/a")
	require.NoError(t, err)
	p.Mnt.Get().Put(f.ctx)
	requireErrno(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE), uapi.EAGAIN, "do_umount")
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_EXPIRE))
	assert.Equal(t, boot, f.info(f.g.Init))

	// Lazy: /tmp with a child and a user goes at once; the pinned mount
	// lives on outside any namespace until its holder lets go.
	mount(f, "/tmp/x")
	x, err := f.g.Init.Lookup("/tmp/x")
	require.NoError(t, err)
	pin := x.Mnt.Get()
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp", mntns.MNT_DETACH))
	assert.Empty(t, lineFor(f.info(f.g.Init), "/tmp"))
	assert.Empty(t, lineFor(f.info(f.g.Init), "/tmp/x"))
	assert.Equal(t, 4, f.g.Init.MountCount())
	assert.Nil(t, pin.Namespace())
	assert.Same(t, pin, pin.Parent(), "disconnected")
	assert.Equal(t, int64(1), pin.Count(), "only the holder's reference")
	assert.Equal(t, 1, f.env.Refs.CountKind("mount"))
	pin.Put(f.ctx)
	assert.Zero(t, f.env.Refs.CountKind("mount"))
	// The boot /tmp (static) is gone too: its device number is free again.
	assert.Equal(t, 3, f.g.AnonDevsInUse())
	f.requireClean(t, 4)
}

// do_mount's order: the target path (ENOENT) before may_mount (EPERM);
// then each operation's own checks (fs/namespace.c do_loopback,
// do_move_mount, do_change_type, do_new_mount).
func TestMountErrors(t *testing.T) {
	t.Parallel()
	unpriv := func(f *fix, op func(*userns.Cred) error) error {
		u := f.user()
		defer u.Put(f.ctx)
		return op(u)
	}
	runErrCases(t, []errCase{
		{name: "missing target before EPERM", op: func(f *fix) error {
			return unpriv(f, func(u *userns.Cred) error {
				return mntns.MountFS(f.ctx, u, f.g.Init, "t", "/nonexistent", "tmpfs", 0, "")
			})
		}, errno: uapi.ENOENT, check: "user_path"},
		{name: "unprivileged mount", op: func(f *fix) error {
			return unpriv(f, func(u *userns.Cred) error { return mntns.MountFS(f.ctx, u, f.g.Init, "t", "/mnt/a", "tmpfs", 0, "") })
		}, errno: uapi.EPERM, check: "may_mount"},
		{name: "unprivileged bind", op: func(f *fix) error {
			return unpriv(f, func(u *userns.Cred) error { return mntns.BindMount(f.ctx, u, f.g.Init, "/srv", "/mnt/a", false) })
		}, errno: uapi.EPERM, check: "may_mount"},
		{name: "unprivileged propagation change", op: func(f *fix) error {
			return unpriv(f, func(u *userns.Cred) error { return mntns.SetPropagation(f.ctx, u, f.g.Init, "/tmp", mntns.MS_PRIVATE) })
		}, errno: uapi.EPERM, check: "may_mount"},
		{name: "MS_NOUSER", op: func(f *fix) error {
			return mntns.DoMount(f.ctx, f.root, f.g.Init, "t", "/mnt/a", "tmpfs", mntns.MS_NOUSER, "")
		}, errno: uapi.EINVAL, check: "do_mount"},
		{name: "unknown filesystem", op: func(f *fix) error {
			return mntns.MountFS(f.ctx, f.root, f.g.Init, "x", "/mnt/a", "nosuchfs", 0, "")
		}, errno: uapi.ENODEV, check: "get_fs_type"},
		{name: "no type", op: func(f *fix) error { return mntns.MountFS(f.ctx, f.root, f.g.Init, "x", "/mnt/a", "", 0, "") },
			errno: uapi.EINVAL, check: "do_new_mount"},
		{name: "remount", op: func(f *fix) error {
			return mntns.DoMount(f.ctx, f.root, f.g.Init, "", "/tmp", "", mntns.MS_REMOUNT, "")
		}, errno: uapi.EINVAL, check: "do_remount"},
		{name: "bind: missing source", op: func(f *fix) error { return mntns.BindMount(f.ctx, f.root, f.g.Init, "/nope", "/mnt/a", false) },
			errno: uapi.ENOENT, check: "kern_path"},
		{name: "bind: empty source", op: func(f *fix) error { return mntns.BindMount(f.ctx, f.root, f.g.Init, "", "/mnt/a", false) },
			errno: uapi.EINVAL, check: "do_loopback"},
		{name: "bind: unbindable source", setup: func(f *fix) func() {
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/srv", mntns.MS_UNBINDABLE))
			return nil
		}, op: func(f *fix) error { return mntns.BindMount(f.ctx, f.root, f.g.Init, "/srv", "/mnt/a", false) },
			errno: uapi.EINVAL, check: "do_loopback"},
		{name: "bind: below an unbindable mount's root", setup: func(f *fix) func() {
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/srv", mntns.MS_UNBINDABLE))
			return nil
		}, op: func(f *fix) error { return mntns.BindMount(f.ctx, f.root, f.g.Init, "/srv/data", "/mnt/a", true) },
			errno: uapi.EINVAL, check: "do_loopback"},
		{name: "propagation: not a mount point", op: func(f *fix) error {
			return mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/mnt", mntns.MS_PRIVATE)
		}, errno: uapi.EINVAL, check: "do_change_type"},
		{name: "propagation: two types", op: func(f *fix) error {
			return mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/tmp", mntns.MS_PRIVATE|mntns.MS_SLAVE)
		}, errno: uapi.EINVAL, check: "flags_to_propagation_type"},
		{name: "move: parent is shared", setup: func(f *fix) func() { mount(f, "/tmp/x"); return nil },
			op:    func(f *fix) error { return mntns.MoveMount(f.ctx, f.root, f.g.Init, "/tmp/x", "/tmp/y") },
			errno: uapi.EINVAL, check: "do_move_mount"},
		{name: "move: not a mount point", setup: func(f *fix) func() { return privateTmp(t, f) },
			op:    func(f *fix) error { return mntns.MoveMount(f.ctx, f.root, f.g.Init, "/tmp/x", "/mnt/a") },
			errno: uapi.EINVAL, check: "do_move_mount"},
		{name: "move: under itself", setup: func(f *fix) func() { u := privateTmp(t, f); mount(f, "/tmp/x"); return u },
			op: func(f *fix) error {
				require.NoError(t, mntns.Mkdir(f.ctx, f.g.Init, "/tmp/x/in"))
				return mntns.MoveMount(f.ctx, f.root, f.g.Init, "/tmp/x", "/tmp/x/in")
			}, errno: uapi.ELOOP, check: "do_move_mount"},
		{name: "move: onto itself", setup: func(f *fix) func() { u := privateTmp(t, f); mount(f, "/tmp/x"); return u },
			op:    func(f *fix) error { return mntns.MoveMount(f.ctx, f.root, f.g.Init, "/tmp/x", "/tmp/x") },
			errno: uapi.ELOOP, check: "do_move_mount"},
		{name: "move: unbindable under shared", setup: func(f *fix) func() {
			u := privateTmp(t, f)
			mount(f, "/tmp/x")
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/tmp/x", mntns.MS_UNBINDABLE))
			return u
		}, op: func(f *fix) error { return mntns.MoveMount(f.ctx, f.root, f.g.Init, "/tmp/x", "/mnt/a") },
			errno: uapi.EINVAL, check: "do_move_mount"},
		{name: "move: empty source", op: func(f *fix) error { return mntns.MoveMount(f.ctx, f.root, f.g.Init, "", "/mnt/a") },
			errno: uapi.EINVAL, check: "do_move_mount"},
	})
}

// privateTmp makes /tmp private (and so a valid place to move mounts
// from); the undo makes it shared again.
func privateTmp(t *testing.T, f *fix) func() {
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/tmp", mntns.MS_PRIVATE))
	return func() { require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/tmp", mntns.MS_SHARED)) }
}

// An unbindable mount refuses a bind (EINVAL) but is copied into a new
// namespace (CL_COPY_UNBINDABLE), still unbindable; a recursive bind of
// its parent leaves it out (copy_tree skips it).
func TestUnbindable(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/srv", mntns.MS_UNBINDABLE))
	assert.Equal(t, "4 1 0:4 / /srv rw,relatime unbindable - tmpfs srv rw,mode=755\n", lineFor(f.info(f.g.Init), "/srv"))
	assert.Equal(t, 3, f.g.GroupIDsInUse(), "leaving its group gave the id back")
	before := f.info(f.g.Init)
	requireErrno(t, mntns.BindMount(f.ctx, f.root, f.g.Init, "/srv", "/mnt/a", false), uapi.EINVAL, "do_loopback")
	assert.Equal(t, before, f.info(f.g.Init))

	n := f.unshare(t, f.g.Init, f.ug.Init)
	assert.Equal(t, "9 6 0:4 / /srv rw,relatime unbindable - tmpfs srv rw,mode=755\n", lineFor(f.info(n), "/srv"))
	requireErrno(t, mntns.BindMount(f.ctx, f.root, n, "/srv", "/mnt/a", true), uapi.EINVAL, "do_loopback")

	// A recursive bind of / in the copy takes /proc and /tmp but not /srv.
	// First make the copy private so that nothing propagates: that also
	// clears MNT_UNBINDABLE (change_mnt_propagation), so /srv is made
	// unbindable again.
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n, "/", mntns.MS_PRIVATE|mntns.MS_REC))
	assert.Equal(t, "9 6 0:4 / /srv rw,relatime - tmpfs srv rw,mode=755\n", lineFor(f.info(n), "/srv"))
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n, "/srv", mntns.MS_UNBINDABLE))
	require.NoError(t, mntns.BindMount(f.ctx, f.root, n, "/", "/mnt/b", true))
	info := f.info(n)
	assert.Equal(t, "10 6 8:1 / /mnt/b rw,relatime - ext4 /dev/sda1 rw,errors=remount-ro\n", lineFor(info, "/mnt/b"))
	assert.Equal(t, "11 10 0:2 / /mnt/b/proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n", lineFor(info, "/mnt/b/proc"))
	assert.Equal(t, "12 10 0:3 / /mnt/b/tmp rw,nosuid,nodev,relatime - tmpfs tmpfs rw\n", lineFor(info, "/mnt/b/tmp"))
	assert.Empty(t, lineFor(info, "/mnt/b/srv"))
	assert.Equal(t, 8, n.MountCount())
	n.Put(f.ctx)
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/srv", mntns.MS_SHARED))
	f.requireClean(t, 5)
}

// MS_MOVE of a mount with a subtree between private parents; moving onto
// a shared mount propagates the moved tree (the move table of
// sharedsubtree.txt).
func TestMoveMount(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/", mntns.MS_PRIVATE|mntns.MS_REC))
	mount(f, "/mnt/a")
	require.NoError(t, mntns.Mkdir(f.ctx, f.g.Init, "/mnt/a/in"))
	mount(f, "/mnt/a/in")
	event := f.g.Init.Event()
	require.NoError(t, mntns.MoveMount(f.ctx, f.root, f.g.Init, "/mnt/a", "/mnt/b"))
	assert.Greater(t, f.g.Init.Event(), event, "touch_mnt_namespace")
	info := f.info(f.g.Init)
	assert.Empty(t, lineFor(info, "/mnt/a"))
	assert.Equal(t, "5 1 0:5 / /mnt/b rw,relatime - tmpfs t rw\n", lineFor(info, "/mnt/b"))
	assert.Equal(t, "6 5 0:6 / /mnt/b/in rw,relatime - tmpfs t rw\n", lineFor(info, "/mnt/b/in"))
	assert.Equal(t, 7, f.g.Init.MountCount(), "a move adds nothing")

	// Onto a shared /srv that has a peer in another namespace: the moved
	// tree becomes shared (new groups 2 and 3: making / private freed
	// 1-4, and /srv took 1) and is copied to the peer. The copy n has ids
	// 7-13 (rootfs, /, /proc, /tmp, /srv, /mnt/b, /mnt/b/in), so the
	// propagated copies are 14 and 15.
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/srv", mntns.MS_SHARED))
	n := f.unshare(t, f.g.Init, f.ug.Init)
	assert.Contains(t, lineFor(f.info(n), "/srv"), "11 8 0:4 / /srv rw,relatime shared:1 - ")
	require.NoError(t, mntns.MoveMount(f.ctx, f.root, f.g.Init, "/mnt/b", "/srv/other"))
	info = f.info(f.g.Init)
	assert.Equal(t, "5 4 0:5 / /srv/other rw,relatime shared:2 - tmpfs t rw\n", lineFor(info, "/srv/other"))
	assert.Equal(t, "6 5 0:6 / /srv/other/in rw,relatime shared:3 - tmpfs t rw\n", lineFor(info, "/srv/other/in"))
	ninfo := f.info(n)
	assert.Equal(t, "14 11 0:5 / /srv/other rw,relatime shared:2 - tmpfs t rw\n", lineFor(ninfo, "/srv/other"))
	assert.Equal(t, "15 14 0:6 / /srv/other/in rw,relatime shared:3 - tmpfs t rw\n", lineFor(ninfo, "/srv/other/in"))
	assert.Equal(t, "12 8 0:5 / /mnt/b rw,relatime - tmpfs t rw\n", lineFor(ninfo, "/mnt/b"),
		"the copy's own copy of the moved mount stays where it was")
	assert.Equal(t, 9, n.MountCount())
	n.Put(f.ctx)
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/srv/other", mntns.MNT_DETACH))
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/", mntns.MS_SHARED|mntns.MS_REC))
	f.requireClean(t, 5)
}
