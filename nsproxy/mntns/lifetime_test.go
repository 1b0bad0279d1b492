package mntns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// put_mnt_ns (reference §15.1): the last put drops the whole tree
// (drop_collected_mounts → umount_tree without propagation, so the peers
// in the initial namespace keep their mounts but lose a group member),
// then frees the namespace: inode number, ucount charge, owner reference.
// A mount a holder still pins outlives its namespace.
func TestPutMntNSDropsTree(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, stdBoot())
			userCount := f.ug.Init.Count()
			n := f.unshare(t, f.g.Init, f.ug.Init)
			mount(f, "/tmp/x") // propagates: /tmp is a peer
			require.NoError(t, mntns.Mkdir(f.ctx, n, "/srv/own"))
			require.NoError(t, mntns.MountFS(f.ctx, f.root, n, "own", "/srv/own", "tmpfs", 0, ""))
			assert.Equal(t, 7, n.MountCount())
			assert.Equal(t, 7, f.g.Init.MountCount(), "/srv/own propagated back too")
			// Tracked (made after boot): the 5 copies (rootfs too), /tmp/x
			// and its copy in n (ids 10, 11), /srv/own and its copy in init
			// (12, 13).
			assert.Equal(t, 9, f.env.Refs.CountKind("mount"))
			assert.Equal(t, 2, f.env.Refs.CountKind("super_block"))
			x, err := n.Lookup("/tmp/x")
			require.NoError(t, err)
			pin := x.Mnt.Get()

			n.Get()
			n.Put(f.ctx)
			assert.Equal(t, int64(1), n.Count())
			n.Put(f.ctx)
			assert.Nil(t, pin.Namespace(), "unmounted with its namespace")
			assert.Same(t, pin, pin.Parent())
			assert.Zero(t, pin.GroupID(), "made private")
			assert.Equal(t, int64(1), pin.Count())
			assert.Equal(t, 3, f.env.Refs.CountKind("mount"), "init's 10 and 13, and the pinned 11")
			assert.Zero(t, f.env.Refs.CountKind("mnt_namespace"))
			assert.Equal(t, userCount, f.ug.Init.Count())
			// The initial namespace is untouched, and its mounts are still
			// shared (their group ids survive: other members remain).
			assert.Equal(t, "10 3 0:5 / /tmp/x rw,relatime shared:5 - tmpfs t rw\n", lineFor(f.info(f.g.Init), "/tmp/x"))
			pin.Put(f.ctx)
			require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp/x", 0))
			require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/srv/own", 0))
			f.requireClean(t, 5)
		})
	}
}

// Releasing the initial namespace's static reference is a simulator-level
// bug: it warns instead of freeing.
func TestInitialNamespaceNotFreed(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	f.g.Init.Put(f.ctx)
	f.g.Init.Put(f.ctx)
	require.Len(t, f.env.Refs.Warnings(), 1)
	assert.Contains(t, f.env.Refs.Warnings()[0].Message, "initial mount namespace count hit 0")
	assert.Equal(t, 5, f.g.Init.MountCount())
}

// The trace shows the kernel's call path for unshare(CLONE_NEWNS), a
// propagated mount and the namespace's release.
func TestTrace(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	f.env.Trace.Start()
	n, _, err := mntns.CopyMntNS(f.ctx, uapi.CLONE_NEWNS, f.ug.Init, f.g.Init)
	require.NoError(t, err)
	mount(f, "/tmp/x")
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp/x", 0))
	n.Put(f.ctx)
	f.env.Trace.Stop()
	names := f.env.Trace.Names()
	for _, fn := range []string{"copy_mnt_ns", "alloc_mnt_ns", "copy_tree", "do_mount", "do_new_mount",
		"attach_recursive_mnt", "propagate_mnt", "ksys_umount", "do_umount", "umount_tree", "propagate_umount",
		"cleanup_mnt", "put_mnt_ns", "drop_collected_mounts", "free_mnt_ns"} {
		assert.Contains(t, names, fn)
	}
	assert.Less(t, indexOf(names, "alloc_mnt_ns"), indexOf(names, "copy_tree"), "alloc_mnt_ns before copy_tree")
	assert.Less(t, indexOf(names, "drop_collected_mounts"), indexOf(names, "free_mnt_ns"))
	f.requireClean(t, 5)
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
