package mntns_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// `go test ./nsproxy/mntns -run Golden -update` rewrites testdata/*.golden.
// Registered in init so no package-level variable is needed, and only if no
// other file registered it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// maxThreads gives every ucount limit 500 in init_user_ns.
const maxThreads = 1000

// fix is one Kernel's worth of mount state: the Env, init_user_ns, a root
// cred (init_cred) and the mount Globals with a boot tree.
type fix struct {
	env  *ns.Env
	ctx  *ns.Ctx
	ug   *userns.Globals
	g    *mntns.Globals
	root *userns.Cred
}

// stdBoot is a small systemd-like tree: an ext4 root on 8:1 made shared
// (systemd does MS_SHARED|MS_REC on "/"), /proc, and /tmp and /srv as
// tmpfs, plus directories to mount on.
func stdBoot() mntns.Config {
	return mntns.Config{Mounts: []mntns.BootMount{
		{Target: "/", FSType: "ext4", Source: "/dev/sda1", Dev: mntns.MkDev(8, 1), Options: ",errors=remount-ro",
			Dirs: []string{"proc", "tmp", "srv", "mnt/a", "mnt/b", "home/user"}},
		{Target: "/proc", FSType: "proc", Source: "proc", Flags: mntns.MS_NOSUID | mntns.MS_NODEV | mntns.MS_NOEXEC},
		{Target: "/tmp", FSType: "tmpfs", Source: "tmpfs", Flags: mntns.MS_NOSUID | mntns.MS_NODEV, Dirs: []string{"x", "y"}},
		{Target: "/srv", FSType: "tmpfs", Source: "srv", Options: ",mode=755", Dirs: []string{"data/sub", "other"}},
		{Target: "/", Propagation: mntns.MS_SHARED | mntns.MS_REC},
	}}
}

func newFix(t testing.TB, fl refcount.Flavour, cfg mntns.Config) *fix {
	t.Helper()
	env := &ns.Env{Refs: refcount.NewDomain(fl), Trace: trace.New(), Flavour: fl}
	ug := userns.NewGlobals(env, maxThreads)
	g, err := mntns.NewGlobals(env, ug, cfg)
	require.NoError(t, err)
	root := new(userns.Cred)
	userns.InitCred(root, ug)
	return &fix{env: env, ctx: ns.NewCtx(env, 0), ug: ug, g: g, root: root}
}

// user returns an unprivileged cred (uid/gid 1000, no capabilities) in
// init_user_ns; the caller Puts it.
func (f *fix) user() *userns.Cred {
	c := userns.PrepareCreds(f.ctx, f.root, nil)
	c.UID, c.EUID, c.SUID, c.FSUID = 1000, 1000, 1000, 1000
	c.GID, c.EGID, c.SGID, c.FSGID = 1000, 1000, 1000, 1000
	c.CapPermitted, c.CapEffective = 0, 0
	return c
}

// inUserNS returns a cred that created a new user namespace from parent
// (unshare(CLONE_NEWUSER)): root with every capability there.
func (f *fix) inUserNS(t testing.TB, parent *userns.Cred) *userns.Cred {
	t.Helper()
	c := userns.PrepareCreds(f.ctx, parent, nil)
	require.NoError(t, userns.CreateUserNS(f.ctx, c))
	return c
}

// ctxAs is "current" for a task with euid uid (the ucount charge goes to it).
func (f *fix) ctxAs(uid uint32) *ns.Ctx { return ns.NewCtx(f.env, uid) }

// unshare makes a new mount namespace from old owned by owner, as
// unshare(CLONE_NEWNS) does.
func (f *fix) unshare(t testing.TB, old *mntns.Namespace, owner *userns.Namespace) *mntns.Namespace {
	t.Helper()
	n, remap, err := mntns.CopyMntNS(f.ctx, uapi.CLONE_NEWNS, owner, old)
	require.NoError(t, err)
	require.Len(t, remap, old.MountCount())
	return n
}

func (f *fix) info(n *mntns.Namespace) string { return mntns.MountInfo(n, "/") }

// requireClean checks that nothing created after boot is left: no tracked
// object, the initial namespace back to count 2 with only its boot
// charge, no stray inode numbers, ids or warnings.
func (f *fix) requireClean(t testing.TB, bootMounts int) {
	t.Helper()
	require.NoError(t, f.g.Check())
	require.NoError(t, f.env.Refs.Leaks())
	require.Empty(t, f.env.Refs.Warnings())
	require.Equal(t, int64(2), f.g.Init.Count(), "initial mount namespace count")
	require.Equal(t, bootMounts, f.g.Init.MountCount())
	require.Equal(t, bootMounts, f.g.MountIDsInUse(), "mnt_id_ida")
	require.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_MNT_NAMESPACES), "boot charge")
	require.Equal(t, 1, f.ug.UcountEntries())
	if f.env.Mainline() {
		require.Zero(t, f.env.Inums.InUse())
	} else {
		require.Equal(t, 1, f.env.Inums.InUse(), "the initial namespace's number")
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updateGolden() {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got)
}

var flavours = []refcount.Flavour{refcount.Linux419, refcount.Mainline}
