package mntns_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// lineFor returns the mountinfo line of the mount at mountpoint, or "".
func lineFor(info, mountpoint string) string {
	for _, l := range strings.Split(info, "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == mountpoint {
			return l + "\n"
		}
	}
	return ""
}

// Reference §13 ("shared peers see each other's mount/umount events in both
// directions; a slave receives events from its master but does not send;
// private neither") and fs/pnode.c propagate_mnt / propagate_one: a mount
// on /tmp/x in one namespace, with the copy of /tmp in the other
// namespace made shared (as copied), slave or private. Ids: the boot tree
// has 0-4, the copy 5-9, so the new mount is 10 and its propagated copy 11;
// the new mount's peer group is 5 (invent_group_ids), its copy joins that
// group when it lands on a peer (CL_MAKE_SHARED) and is a slave of it when
// it lands on a slave (CL_SLAVE).
func TestPropagationBetweenNamespaces(t *testing.T) {
	t.Parallel()
	const (
		initLine      = "10 3 0:5 / /tmp/x rw,relatime shared:5 - tmpfs t rw\n"
		peerCopy      = "11 8 0:5 / /tmp/x rw,relatime shared:5 - tmpfs t rw\n"
		slaveCopy     = "11 8 0:5 / /tmp/x rw,relatime master:5 - tmpfs t rw\n"
		copyLine      = "10 8 0:5 / /tmp/x rw,relatime shared:5 - tmpfs t rw\n"
		copyLinePriv  = "10 8 0:5 / /tmp/x rw,relatime - tmpfs t rw\n"
		initFromCopy  = "11 3 0:5 / /tmp/x rw,relatime shared:5 - tmpfs t rw\n"
		initLinePriv  = "10 3 0:5 / /tmp/x rw,relatime shared:5 - tmpfs t rw\n"
		copyLineSlave = "10 8 0:5 / /tmp/x rw,relatime - tmpfs t rw\n"
	)
	for _, tc := range []struct {
		name       string
		copyType   uint64 // applied to /tmp in the copy; 0 = left shared
		inInit     bool   // mount in the initial namespace, else in the copy
		wantInit   string
		wantCopy   string
		copyTmpTag string // the copy's /tmp optional fields
	}{
		{"shared: init to copy", 0, true, initLine, peerCopy, "shared:3"},
		{"shared: copy to init", 0, false, initFromCopy, copyLine, "shared:3"},
		{"slave: master to slave", mntns.MS_SLAVE, true, initLine, slaveCopy, "master:3"},
		{"slave: not back to master", mntns.MS_SLAVE, false, "", copyLineSlave, "master:3"},
		{"private: not to copy", mntns.MS_PRIVATE, true, initLinePriv, "", ""},
		{"private: not to init", mntns.MS_PRIVATE, false, "", copyLinePriv, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, refcount.Linux419, stdBoot())
			n := f.unshare(t, f.g.Init, f.ug.Init)
			if tc.copyType != 0 {
				require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n, "/tmp", tc.copyType))
			}
			tmp := lineFor(f.info(n), "/tmp")
			if tc.copyTmpTag != "" {
				assert.Contains(t, tmp, " "+tc.copyTmpTag+" ")
			} else {
				assert.Contains(t, tmp, "relatime - tmpfs")
			}
			where := n
			if tc.inInit {
				where = f.g.Init
			}
			require.NoError(t, mntns.MountFS(f.ctx, f.root, where, "t", "/tmp/x", "tmpfs", 0, ""))
			require.NoError(t, f.g.Check(n))
			assert.Equal(t, tc.wantInit, lineFor(f.info(f.g.Init), "/tmp/x"), "initial namespace")
			assert.Equal(t, tc.wantCopy, lineFor(f.info(n), "/tmp/x"), "copy")
			wantInitCount, wantCopyCount := 5, 5
			if tc.wantInit != "" {
				wantInitCount++
			}
			if tc.wantCopy != "" {
				wantCopyCount++
			}
			assert.Equal(t, wantInitCount, f.g.Init.MountCount())
			assert.Equal(t, wantCopyCount, n.MountCount())

			// The umount propagates the same way.
			require.NoError(t, mntns.Umount(f.ctx, f.root, where, "/tmp/x", 0))
			assert.Empty(t, lineFor(f.info(f.g.Init), "/tmp/x"))
			if tc.inInit || tc.copyType != mntns.MS_SLAVE {
				assert.Empty(t, lineFor(f.info(n), "/tmp/x"))
			}
			assert.Equal(t, 5, f.g.Init.MountCount())
			assert.Equal(t, 5, n.MountCount())
			n.Put(f.ctx)
			f.requireClean(t, 5)
		})
	}
}

// propagate_umount leaves a receiving copy that has children of its own;
// propagate_mount_busy makes the umount EBUSY when a copy it would take is
// in use.
func TestUmountPropagationRules(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	n := f.unshare(t, f.g.Init, f.ug.Init)
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n, "/tmp", mntns.MS_SLAVE))
	require.NoError(t, mntns.MountFS(f.ctx, f.root, f.g.Init, "t", "/tmp/x", "tmpfs", 0, ""))
	// The slave copy is /tmp/x in n; pin it as a cwd would.
	cp, err := n.Lookup("/tmp/x")
	require.NoError(t, err)
	require.Equal(t, 11, cp.Mnt.ID())
	pin := cp.Mnt.Get()
	beforeInit, beforeCopy := f.info(f.g.Init), f.info(n)
	err = mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp/x", 0)
	requireErrno(t, err, uapi.EBUSY, "propagate_mount_busy")
	assert.Equal(t, beforeInit, f.info(f.g.Init))
	assert.Equal(t, beforeCopy, f.info(n))
	pin.Put(f.ctx)

	// Give the copy a child (a directory of the shared tmpfs, then a mount
	// that only n has: the copy is a slave, so nothing goes back).
	require.NoError(t, mntns.Mkdir(f.ctx, n, "/tmp/x/sub"))
	_, err = f.g.Init.Lookup("/tmp/x/sub")
	require.NoError(t, err, "the directory is in the shared superblock")
	require.NoError(t, mntns.MountFS(f.ctx, f.root, n, "inner", "/tmp/x/sub", "tmpfs", 0, ""))
	assert.Empty(t, lineFor(f.info(f.g.Init), "/tmp/x/sub"))
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp/x", 0))
	require.NoError(t, f.g.Check(n))
	assert.Empty(t, lineFor(f.info(f.g.Init), "/tmp/x"))
	assert.Equal(t, "11 8 0:5 / /tmp/x rw,relatime - tmpfs t rw\n", lineFor(f.info(n), "/tmp/x"),
		"kept: it has a child; it left the peer group it was a slave of (umount_tree makes the unmounted mount private)")
	assert.Equal(t, "12 11 0:6 / /tmp/x/sub rw,relatime - tmpfs inner rw\n", lineFor(f.info(n), "/tmp/x/sub"))
	require.NoError(t, mntns.Umount(f.ctx, f.root, n, "/tmp/x", mntns.MNT_DETACH))
	assert.Equal(t, 5, n.MountCount())
	n.Put(f.ctx)
	f.requireClean(t, 5)
}

// A peer group of slaves ("shared and slave", sharedsubtree.txt): n1's /tmp
// is made a slave of init's /tmp and then shared (group 5); n2, copied from
// n1, has a peer of it that is a slave of the same master. A mount in init
// reaches both as one new peer group (propagate_one: CL_SLAVE|CL_MAKE_SHARED
// for the first, CL_MAKE_SHARED for its peer), each "shared:7 master:6";
// a mount in n1 reaches n2 but not init; a umount in n2 reaches n1 but not
// init.
func TestSlavePeerGroup(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, stdBoot())
	n1 := f.unshare(t, f.g.Init, f.ug.Init) // ids 5-9
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n1, "/tmp", mntns.MS_SLAVE))
	require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n1, "/tmp", mntns.MS_SHARED))
	n2 := f.unshare(t, n1, f.ug.Init) // ids 10-14
	assert.Equal(t, "8 6 0:3 / /tmp rw,nosuid,nodev,relatime shared:5 master:3 - tmpfs tmpfs rw\n", lineFor(f.info(n1), "/tmp"))
	assert.Equal(t, "13 11 0:3 / /tmp rw,nosuid,nodev,relatime shared:5 master:3 - tmpfs tmpfs rw\n", lineFor(f.info(n2), "/tmp"))

	mount(f, "/tmp/x")
	require.NoError(t, f.g.Check(n1, n2))
	assert.Equal(t, "15 3 0:5 / /tmp/x rw,relatime shared:6 - tmpfs t rw\n", lineFor(f.info(f.g.Init), "/tmp/x"))
	assert.Equal(t, "16 8 0:5 / /tmp/x rw,relatime shared:7 master:6 - tmpfs t rw\n", lineFor(f.info(n1), "/tmp/x"))
	assert.Equal(t, "17 13 0:5 / /tmp/x rw,relatime shared:7 master:6 - tmpfs t rw\n", lineFor(f.info(n2), "/tmp/x"))

	require.NoError(t, mntns.MountFS(f.ctx, f.root, n1, "t", "/tmp/y", "tmpfs", 0, ""))
	assert.Equal(t, "18 8 0:6 / /tmp/y rw,relatime shared:8 - tmpfs t rw\n", lineFor(f.info(n1), "/tmp/y"))
	assert.Equal(t, "19 13 0:6 / /tmp/y rw,relatime shared:8 - tmpfs t rw\n", lineFor(f.info(n2), "/tmp/y"))
	assert.Empty(t, lineFor(f.info(f.g.Init), "/tmp/y"), "a slave does not send back")

	require.NoError(t, mntns.Umount(f.ctx, f.root, n2, "/tmp/x", 0))
	assert.Empty(t, lineFor(f.info(n2), "/tmp/x"))
	assert.Empty(t, lineFor(f.info(n1), "/tmp/x"), "peers receive the umount")
	assert.Equal(t, "15 3 0:5 / /tmp/x rw,relatime shared:6 - tmpfs t rw\n", lineFor(f.info(f.g.Init), "/tmp/x"), "the master does not")
	require.NoError(t, f.g.Check(n1, n2))
	n2.Put(f.ctx)
	n1.Put(f.ctx)
	require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/tmp/x", 0))
	f.requireClean(t, 5)
}
