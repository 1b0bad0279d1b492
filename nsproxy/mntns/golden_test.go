package mntns_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// richBoot exercises every mountinfo field: fixed and anonymous devices, a
// bind of a subdirectory (root field), per-mount flags (ro, noatime,
// nodiratime, strictatime), superblock flags (ro, sync, dirsync, mand,
// lazytime), filesystem options, a source and a mount point needing
// escapes (space, tab, newline, backslash), a slave and an unbindable
// mount.
func richBoot() mntns.Config {
	return mntns.Config{Mounts: []mntns.BootMount{
		{Target: "/", FSType: "ext4", Source: "/dev/sda1", Dev: mntns.MkDev(8, 1), Options: ",errors=remount-ro",
			Dirs: []string{"boot", "home", "var/lib", "mnt/with space", "mnt/tab\there", "mnt/back\\slash", "media/cd"}},
		{Target: "/boot", FSType: "vfat", Source: "/dev/sda2", Dev: mntns.MkDev(8, 2), Flags: mntns.MS_NOATIME | mntns.MS_NODIRATIME,
			Options: ",fmask=0022,dmask=0022"},
		{Target: "/var/lib", FSType: "ext4", Source: "/dev/sdb1", Dev: mntns.MkDev(8, 17), Flags: mntns.MS_STRICTATIME | mntns.MS_SYNCHRONOUS | mntns.MS_DIRSYNC,
			Dirs: []string{"users/alice"}},
		{Target: "/home", Bind: "/var/lib/users"},
		{Target: "/mnt/with space", FSType: "tmpfs", Source: "my disk\n", Flags: mntns.MS_RDONLY | mntns.MS_LAZYTIME},
		{Target: "/mnt/tab\there", FSType: "tmpfs", Source: "back\\slash", Flags: mntns.MS_MANDLOCK | mntns.MS_NOEXEC},
		{Target: "/media/cd", FSType: "iso9660", Source: "/dev/sr0", Dev: mntns.MkDev(11, 0), Flags: mntns.MS_RDONLY | mntns.MS_NOSUID | mntns.MS_NODEV},
		{Target: "/", Propagation: mntns.MS_SHARED | mntns.MS_REC},
		{Target: "/media/cd", Propagation: mntns.MS_UNBINDABLE},
		{Target: "/boot", Propagation: mntns.MS_SLAVE},
	}}
}

func section(b *strings.Builder, title, body string) {
	b.WriteString("# " + title + "\n")
	b.WriteString(body)
}

// Golden mountinfo files (testdata/*.golden), each checked line by line
// against fs/proc_namespace.c show_mountinfo and the rules the comments
// name; -update rewrites them.
func TestGoldenMountinfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  mntns.Config
		run  func(t *testing.T, f *fix, b *strings.Builder)
		lost int // boot mounts the scenario unmounts
	}{
		// show_mountinfo field by field, /proc/<pid>/mounts (show_vfsmnt),
		// and a reader chrooted into /var/lib.
		{"boot", richBoot(), func(t *testing.T, f *fix, b *strings.Builder) {
			section(b, "mountinfo /", f.info(f.g.Init))
			section(b, "mounts /", mntns.Mounts(f.g.Init, "/"))
			section(b, "mountinfo /var/lib", mntns.MountInfo(f.g.Init, "/var/lib"))
		}, 0},
		// The initial namespace lists mounts in the order they were made;
		// copy_tree walks the tree depth first, so the copy lists /mnt/a/x
		// before /mnt/b.
		{"copy_order", stdBoot(), func(t *testing.T, f *fix, b *strings.Builder) {
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/", mntns.MS_PRIVATE|mntns.MS_REC))
			mount(f, "/mnt/a")
			mount(f, "/mnt/b")
			require.NoError(t, mntns.Mkdir(f.ctx, f.g.Init, "/mnt/a/x"))
			mount(f, "/mnt/a/x")
			n := f.unshare(t, f.g.Init, f.ug.Init)
			section(b, "initial namespace", f.info(f.g.Init))
			require.NoError(t, f.g.Check(n))
			section(b, "copy", f.info(n))
			n.Put(f.ctx)
			require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MNT_DETACH))
			require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/b", 0))
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/", mntns.MS_SHARED|mntns.MS_REC))
		}, 0},
		// A copy owned by another user namespace: every shared mount is a
		// slave of its original. A recursive bind of /mnt (a directory of
		// "/" with two mounts below it) made later in the initial
		// namespace under the shared /home reaches the copy, whose /home
		// is a slave, as a tree of slaves (CL_SLAVE) crossing user
		// namespaces (CL_UNPRIVILEGED): there its children are locked,
		// its top is not (propagate_one clears MNT_LOCKED) and can be
		// lazily unmounted, taking the children along.
		{"unprivileged", richBoot(), func(t *testing.T, f *fix, b *strings.Builder) {
			alice := f.user()
			inside := f.inUserNS(t, alice)
			n, _, err := mntns.CopyMntNS(f.ctxAs(1000), uapi.CLONE_NEWNS, inside.UserNS(), f.g.Init)
			require.NoError(t, err)
			require.NoError(t, mntns.Mkdir(f.ctx, f.g.Init, "/var/lib/users/alice/b"))
			require.NoError(t, mntns.BindMount(f.ctx, f.root, f.g.Init, "/mnt", "/home/alice/b", true))
			section(b, "initial namespace", f.info(f.g.Init))
			require.NoError(t, f.g.Check(n))
			section(b, "copy", f.info(n))
			before := f.info(n)
			requireErrno(t, mntns.Umount(f.ctx, inside, n, "/home/alice/b/with space", 0), uapi.EINVAL, "ksys_umount")
			requireErrno(t, mntns.Umount(f.ctx, inside, n, "/home/alice/b/tab\there", mntns.MNT_DETACH), uapi.EINVAL, "ksys_umount")
			require.Equal(t, before, f.info(n))
			require.NoError(t, mntns.Umount(f.ctx, inside, n, "/home/alice/b", mntns.MNT_DETACH))
			section(b, "copy after lazy umount of /home/alice/b", f.info(n))
			// The bind's top is a peer of "/" (a bind of a shared mount joins
			// its group), so unmounting its children propagates to the
			// mounts of "/" on the same dentries: init's own /mnt mounts go
			// too (the "rbind, then umount -l, under shared /" pitfall). The
			// copy's are locked and stay (__propagate_umount).
			require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/home/alice/b", mntns.MNT_DETACH))
			section(b, "initial namespace after lazy umount of /home/alice/b", f.info(f.g.Init))
			section(b, "copy after that", f.info(n))
			n.Put(f.ctx)
			inside.Put(f.ctx)
			alice.Put(f.ctx)
		}, 2},
		// propagate_from (get_dominating_id): b is shared:B and a slave of
		// A; in a copy, b's copy is made a slave: it leaves group B and
		// becomes a slave of init's b. Group B has no member in the copy,
		// but A (b's master's master) has: "master:B propagate_from:A".
		{"propagate_from", stdBoot(), func(t *testing.T, f *fix, b *strings.Builder) {
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/", mntns.MS_PRIVATE|mntns.MS_REC))
			mount(f, "/mnt/a")
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/mnt/a", mntns.MS_SHARED))
			require.NoError(t, mntns.BindMount(f.ctx, f.root, f.g.Init, "/mnt/a", "/mnt/b", false))
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/mnt/b", mntns.MS_SLAVE))
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/mnt/b", mntns.MS_SHARED))
			n := f.unshare(t, f.g.Init, f.ug.Init)
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, n, "/mnt/b", mntns.MS_SLAVE))
			section(b, "initial namespace", f.info(f.g.Init))
			require.NoError(t, f.g.Check(n))
			section(b, "copy", f.info(n))
			// A reader of the copy chrooted into /mnt/b cannot see /mnt/a:
			// no dominating group under its root, so no propagate_from.
			section(b, "copy, root /mnt/b", mntns.MountInfo(n, "/mnt/b"))
			n.Put(f.ctx)
			require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/b", 0))
			require.NoError(t, mntns.Umount(f.ctx, f.root, f.g.Init, "/mnt/a", 0))
			require.NoError(t, mntns.SetPropagation(f.ctx, f.root, f.g.Init, "/", mntns.MS_SHARED|mntns.MS_REC))
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, refcount.Linux419, tc.cfg)
			boot := f.g.Init.MountCount()
			var b strings.Builder
			tc.run(t, f, &b)
			golden(t, tc.name+".golden", b.String())
			f.requireClean(t, boot-tc.lost)
		})
	}
}
