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

// count_mounts (fs/namespace.c): a namespace may hold fs.mount-max mounts;
// a mount that would pass it is ENOSPC, and so is one whose propagated copy
// would pass the limit in the receiving namespace (the whole mount fails,
// nothing changes anywhere). copy_mnt_ns does not check the limit.
func TestMountMax(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	requireErrno(t, f.g.SetMountMax(0), uapi.EINVAL, "proc_dointvec_minmax")
	require.NoError(t, f.g.SetMountMax(7))
	mount(f, "/mnt/a")
	mount(f, "/mnt/b")
	assert.Equal(t, 7, f.g.Init.MountCount())
	before := f.info(f.g.Init)
	live := f.env.Refs.LiveCount()
	requireErrno(t, mntns.MountFS(f.ctx, f.root, f.g.Init, "t", "/tmp/x", "tmpfs", 0, ""), uapi.ENOSPC, "count_mounts")
	assert.Equal(t, before, f.info(f.g.Init))
	assert.Equal(t, live, f.env.Refs.LiveCount())
	requireErrno(t, mntns.BindMount(f.ctx, f.root, f.g.Init, "/srv", "/mnt/b", false), uapi.ENOSPC, "count_mounts")
	assert.Equal(t, before, f.info(f.g.Init))

	// The copy is not limited: 7 mounts with a limit of 7 is fine, and 3
	// would be too.
	require.NoError(t, f.g.SetMountMax(3))
	n := f.unshare(t, f.g.Init, f.ug.Init)
	assert.Equal(t, 7, n.MountCount())
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", 0))
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/b", 0))
	assert.Equal(t, 5, n.MountCount(), "the umounts propagated to the peer copy")

	// Room in the initial namespace (5 of 6) but none in the copy, whose
	// /tmp is a peer of init's: the mount on /tmp/x fails in both. (The
	// copy fills up under its /srv, made private so nothing propagates.)
	require.NoError(t, f.g.SetMountMax(6))
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n, "/srv", mntns.MS_PRIVATE))
	require.NoError(t, mntns.MountFS(f.ctx, f.root, n, "own", "/srv/other", "tmpfs", 0, ""))
	assert.Equal(t, 6, n.MountCount())
	assert.Equal(t, 5, f.g.Init.MountCount())
	before, nBefore := f.info(f.g.Init), f.info(n)
	live = f.env.Refs.LiveCount()
	groups := f.g.GroupIDsInUse()
	requireErrno(t, mntns.MountFS(f.ctx, f.root, f.g.Init, "t", "/tmp/x", "tmpfs", 0, ""), uapi.ENOSPC, "count_mounts")
	assert.Equal(t, before, f.info(f.g.Init))
	assert.Equal(t, nBefore, f.info(n))
	assert.Equal(t, live, f.env.Refs.LiveCount(), "the propagated copy was freed")
	assert.Equal(t, groups, f.g.GroupIDsInUse(), "cleanup_group_ids")
	assert.Equal(t, 5, f.g.Init.MountCount())
	n.Put(f.ctx)
	require.NoError(t, f.g.SetMountMax(mntns.DefaultMountMax))
	f.requireClean(t, 5)
}

// alloc_mnt_ns charges max_mnt_namespaces to (owner, euid) at every level
// (reference §5): the boot namespace already counts for (init_user_ns, 0),
// so a limit of 1 refuses root's first unshare; a failure leaves no
// namespace, inode number or charge behind.
func TestUcountLimit(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_MNT_NAMESPACES, 1)
	inums := f.env.Inums.InUse()
	_, _, err := mntns.CopyMntNS(f.ctx, uapi.CLONE_NEWNS, f.ug.Init, f.g.Init)
	requireErrno(t, err, uapi.ENOSPC, "inc_mnt_namespaces")
	assert.Equal(t, inums, f.env.Inums.InUse())
	assert.Zero(t, f.env.Refs.LiveCount())
	assert.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_MNT_NAMESPACES))

	f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_MNT_NAMESPACES, 2)
	n := f.unshare(t, f.g.Init, f.ug.Init)
	_, _, err = mntns.CopyMntNS(f.ctx, uapi.CLONE_NEWNS, f.ug.Init, n)
	requireErrno(t, err, uapi.ENOSPC, "inc_mnt_namespaces")

	// The limit of an ancestor counts for a child user namespace: uid 1000
	// creating namespaces owned by its own user namespace is charged to
	// (child, 1000) and, up the chain, to (init_user_ns, 1000), which starts
	// at 0 of 2.
	alice := f.user()
	inside := f.inUserNS(t, alice)
	child := inside.UserNS()
	m1, _, err := mntns.CopyMntNS(f.ctxAs(1000), uapi.CLONE_NEWNS, child, n)
	require.NoError(t, err)
	m2, _, err := mntns.CopyMntNS(f.ctxAs(1000), uapi.CLONE_NEWNS, child, m1)
	require.NoError(t, err)
	assert.Equal(t, int64(2), f.ug.Charged(child, 1000, userns.UCOUNT_MNT_NAMESPACES))
	_, _, err = mntns.CopyMntNS(f.ctxAs(1000), uapi.CLONE_NEWNS, child, m2)
	requireErrno(t, err, uapi.ENOSPC, "inc_mnt_namespaces")
	assert.Equal(t, 3, f.env.Refs.CountKind("mnt_namespace"))
	m2.Put(f.ctx)
	m3, _, err := mntns.CopyMntNS(f.ctxAs(1000), uapi.CLONE_NEWNS, child, m1)
	require.NoError(t, err, "freeing m2 gave its charge back")
	m3.Put(f.ctx)
	m1.Put(f.ctx)
	n.Put(f.ctx)
	inside.Put(f.ctx)
	alice.Put(f.ctx)
	f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_MNT_NAMESPACES, maxThreads/2)
	f.requireClean(t, 5)
}
