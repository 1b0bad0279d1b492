package mntns

import (
	"strings"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Path mirrors struct path: a mount and a dentry of its filesystem.
type Path struct {
	Mnt    *Mount
	Dentry *Dentry
}

// followDown mirrors follow_down/follow_mount: while something is mounted
// on the path, go to the root of the top mount.
func (g *Globals) followDown(p Path) Path {
	for {
		c := g.lookupMnt(p.Mnt, p.Dentry)
		if c == nil {
			return p
		}
		p = Path{c, c.root}
	}
}

// nsRoot is where path walks in n start: "/" of n's root mount, following
// the mounts stacked on it (as mntns_install sets a task's root).
func (g *Globals) nsRoot(n *Namespace) Path { return g.followDown(Path{n.root, n.root.root}) }

// lookupPath resolves an absolute path in n with mounts followed at every
// step (LOOKUP_FOLLOW; there are no symlinks). ".." stops at n's root and
// crosses mounts as follow_dotdot does. With create, missing directories
// are made (boot only). check names the kernel lookup in the ENOENT error.
func (g *Globals) lookupPath(n *Namespace, path string, create bool, check string) (Path, error) {
	if path == "" {
		return Path{}, uapi.Err("lookup", uapi.ENOENT, "empty path", check)
	}
	root := g.nsRoot(n)
	p := root
	for _, c := range strings.Split(path, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			for p != root && p.Dentry == p.Mnt.root && p.Mnt.hasParent() {
				p = Path{p.Mnt.parent, p.Mnt.mountpoint}
			}
			if p != root && p.Dentry.parent != nil {
				p.Dentry = p.Dentry.parent
			}
		default:
			d := p.Dentry.lookup(c)
			if d == nil {
				if !create {
					return Path{}, uapi.Err("lookup", uapi.ENOENT, "no directory "+quote(c)+" on the way to "+quote(path), check)
				}
				d = p.Dentry.mkdir(c)
			}
			p.Dentry = d
		}
		p = g.followDown(p)
	}
	return p, nil
}

func quote(s string) string { return "\"" + s + "\"" }

// Lookup resolves an absolute path in n as a task whose root is n's root
// would (following mounts), or ENOENT. It takes no reference.
func (n *Namespace) Lookup(path string) (Path, error) {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	return n.g.lookupPath(n, path, false, "filename_lookup")
}

// Mkdir creates the directory path in n (mkdir(2) without permission checks:
// the directory model has no modes). It goes into the filesystem of the
// mount the parent resolves to, so every mount of that filesystem sees it.
// ENOENT for a missing parent, EEXIST if it exists.
func Mkdir(ctx *ns.Ctx, n *Namespace, path string) error {
	ctx.Enter("do_mkdirat")
	defer ctx.Exit("do_mkdirat")
	g := n.g
	trimmed := strings.TrimRight(path, "/")
	i := strings.LastIndexByte(trimmed, '/')
	if i < 0 || trimmed == "" {
		return uapi.Err("mkdir", uapi.EEXIST, quote(path)+" exists", "filename_create")
	}
	dir, name := trimmed[:i], trimmed[i+1:]
	if dir == "" {
		dir = "/"
	}
	g.sem.Lock()
	defer g.sem.Unlock()
	p, err := g.lookupPath(n, dir, false, "filename_create")
	if err != nil {
		return err.(*uapi.Error).WithOp("mkdir")
	}
	if name == "." || name == ".." || p.Dentry.lookup(name) != nil {
		return uapi.Err("mkdir", uapi.EEXIST, quote(path)+" exists", "filename_create")
	}
	p.Dentry.mkdir(name)
	return nil
}

// mayMount mirrors may_mount: CAP_SYS_ADMIN in the owner of the caller's
// mount namespace.
func mayMount(cred *userns.Cred, n *Namespace) bool {
	return userns.NSCapable(cred, n.userNS, uapi.CAP_SYS_ADMIN)
}

// checkMnt mirrors check_mnt: the mount is in the caller's namespace.
func checkMnt(m *Mount, n *Namespace) bool { return m.ns == n }

func relabel(err error, op string) error {
	if e, ok := err.(*uapi.Error); ok {
		return e.WithOp(op)
	}
	return err
}

// mntFlagsFromMS turns mount(2) flags into mnt_flags as do_mount does:
// relatime unless MS_NOATIME, MS_STRICTATIME clears relatime and noatime.
func mntFlagsFromMS(flags uint64) int {
	mnt := 0
	if flags&MS_NOATIME == 0 {
		mnt |= MNT_RELATIME
	}
	if flags&MS_NOSUID != 0 {
		mnt |= MNT_NOSUID
	}
	if flags&MS_NODEV != 0 {
		mnt |= MNT_NODEV
	}
	if flags&MS_NOEXEC != 0 {
		mnt |= MNT_NOEXEC
	}
	if flags&MS_NOATIME != 0 {
		mnt |= MNT_NOATIME
	}
	if flags&MS_NODIRATIME != 0 {
		mnt |= MNT_NODIRATIME
	}
	if flags&MS_STRICTATIME != 0 {
		mnt &^= MNT_RELATIME | MNT_NOATIME
	}
	if flags&MS_RDONLY != 0 {
		mnt |= MNT_READONLY
	}
	return mnt
}

// DoMount mirrors do_mount (fs/namespace.c) for a caller with credentials
// cred whose mount namespace is n: ksys_mount's arguments, dispatched as
// the kernel does — MS_REMOUNT (not modelled: EINVAL), then MS_BIND
// (do_loopback), then a propagation flag (do_change_type), then MS_MOVE
// (do_move_mount), else a new mount (do_new_mount). Checks in order:
// MS_NOUSER (EINVAL); the target path (ENOENT); may_mount (EPERM);
// MS_MANDLOCK without global CAP_SYS_ADMIN (EPERM); then the operation's.
// Paths are absolute and resolve in n from its root.
func DoMount(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, devName, dirName, fstype string, flags uint64, data string) error {
	return DoMountKeyed(ctx, cred, n, devName, dirName, fstype, flags, data, Key{})
}

// Key is the s_fs_info a keyed filesystem's mount_ns uses (proc: the
// mounter's active pid namespace) and the user namespace that owns it, in
// which the mounter needs CAP_SYS_ADMIN.
type Key struct {
	Value any
	Owner *userns.Namespace
}

// DoMountKeyed is DoMount for a caller that knows the key of a keyed
// filesystem type (proc); see Key.
func DoMountKeyed(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, devName, dirName, fstype string, flags uint64, data string, key Key) error {
	ctx.Enter("do_mount")
	defer ctx.Exit("do_mount")
	g := n.g
	if flags&MS_MGC_MSK == MS_MGC_VAL {
		flags &^= MS_MGC_MSK
	}
	if flags&MS_NOUSER != 0 {
		return uapi.Err("mount", uapi.EINVAL, "MS_NOUSER", "do_mount")
	}
	g.sem.Lock()
	err := g.doMountLocked(ctx, cred, n, devName, dirName, fstype, flags, data, key)
	g.unlock(ctx)
	return relabel(err, "mount")
}

func (g *Globals) doMountLocked(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, devName, dirName, fstype string, flags uint64, data string, key Key) error {
	path, err := g.lookupPath(n, dirName, false, "user_path")
	if err != nil {
		return err
	}
	if !mayMount(cred, n) {
		return uapi.Err("mount", uapi.EPERM, "no CAP_SYS_ADMIN in the mount namespace's owner", "may_mount")
	}
	if flags&SB_MANDLOCK != 0 && !userns.Capable(cred, uapi.CAP_SYS_ADMIN) {
		return uapi.Err("mount", uapi.EPERM, "MS_MANDLOCK without global CAP_SYS_ADMIN", "may_mandlock")
	}
	mntFlags := mntFlagsFromMS(flags)
	sbFlags := flags & (SB_RDONLY | SB_SYNCHRONOUS | SB_MANDLOCK | SB_DIRSYNC | SB_SILENT | SB_POSIXACL | SB_LAZYTIME | SB_I_VERSION)
	switch {
	case flags&MS_REMOUNT != 0:
		return uapi.Err("mount", uapi.EINVAL, "MS_REMOUNT is not modelled", "do_remount")
	case flags&MS_BIND != 0:
		return g.doLoopback(ctx, n, path, devName, flags&MS_REC != 0)
	case flags&(MS_SHARED|MS_PRIVATE|MS_SLAVE|MS_UNBINDABLE) != 0:
		return g.doChangeType(ctx, path, flags)
	case flags&MS_MOVE != 0:
		return g.doMoveMount(ctx, n, path, devName)
	}
	return g.doNewMount(ctx, cred, n, path, fstype, sbFlags, mntFlags, devName, data, key)
}

// MountFS is mount(source, target, fstype, flags, data) for a new
// filesystem: DoMount without MS_BIND, MS_MOVE, MS_REMOUNT or a
// propagation flag in flags. fstype must be registered (rootfs, tmpfs,
// ramfs; else ENODEV); each mount gets a new superblock with an anonymous
// device, and data is shown verbatim as its super options.
func MountFS(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, source, target, fstype string, flags uint64, data string) error {
	return DoMount(ctx, cred, n, source, target, fstype, flags&^(MS_BIND|MS_MOVE|MS_REMOUNT|MS_SHARED|MS_PRIVATE|MS_SLAVE|MS_UNBINDABLE), data)
}

// BindMount is mount(source, target, NULL, MS_BIND[|MS_REC], NULL).
func BindMount(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, source, target string, recursive bool) error {
	flags := MS_BIND
	if recursive {
		flags |= MS_REC
	}
	return DoMount(ctx, cred, n, source, target, "", flags, "")
}

// MoveMount is mount(source, target, NULL, MS_MOVE, NULL).
func MoveMount(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, source, target string) error {
	return DoMount(ctx, cred, n, source, target, "", MS_MOVE, "")
}

// SetPropagation is mount("none", target, NULL, typ[|MS_REC], NULL) with
// typ one of MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE.
func SetPropagation(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, target string, typ uint64) error {
	return DoMount(ctx, cred, n, "none", target, "", typ, "")
}

// doAddMount mirrors do_add_mount: the parent must be in the caller's
// namespace (EINVAL); the same superblock on its own root is EBUSY; then
// graft_tree.
func (g *Globals) doAddMount(ctx *ns.Ctx, n *Namespace, newmnt *Mount, path Path, mntFlags int) error {
	mntFlags &^= MNT_INTERNAL_FLAGS
	path = g.followDown(path) // lock_mount
	parent := path.Mnt
	if !checkMnt(parent, n) {
		return uapi.Err("mount", uapi.EINVAL, "mount point is not in the caller's mount namespace", "do_add_mount")
	}
	if parent.sb == newmnt.sb && parent.root == path.Dentry {
		return uapi.Err("mount", uapi.EBUSY, "the same filesystem is already mounted there", "do_add_mount")
	}
	newmnt.flags = mntFlags
	return g.attachRecursiveMnt(ctx, n, newmnt, parent, path.Dentry, false)
}

// hasLockedChildren mirrors has_locked_children.
func hasLockedChildren(mnt *Mount, dentry *Dentry) bool {
	for e := mnt.mounts.next; e != &mnt.mounts; e = e.next {
		child := e.owner
		if isSubdir(child.mountpoint, dentry) && child.isLocked() {
			return true
		}
	}
	return false
}

// doLoopback mirrors do_loopback (a bind mount): the source must resolve
// (ENOENT) and must not be unbindable (EINVAL); both mounts must be in the
// caller's namespace (EINVAL); a non-recursive bind of a mount with locked
// children under the source is EINVAL (it would reveal what they cover).
// The clone (or, with recurse, copy_tree skipping unbindable submounts)
// loses MNT_LOCKED at its top and is grafted on the target.
func (g *Globals) doLoopback(ctx *ns.Ctx, n *Namespace, path Path, oldName string, recurse bool) error {
	ctx.Enter("do_loopback")
	defer ctx.Exit("do_loopback")
	if oldName == "" {
		return uapi.Err("mount", uapi.EINVAL, "no source path", "do_loopback")
	}
	oldPath, err := g.lookupPath(n, oldName, false, "kern_path")
	if err != nil {
		return err
	}
	path = g.followDown(path) // lock_mount
	old, parent := oldPath.Mnt, path.Mnt
	if old.isUnbindable() {
		return uapi.Err("mount", uapi.EINVAL, "source mount "+itoa(old.id)+" is unbindable", "do_loopback")
	}
	if !checkMnt(parent, n) {
		return uapi.Err("mount", uapi.EINVAL, "mount point is not in the caller's mount namespace", "check_mnt")
	}
	if !checkMnt(old, n) {
		return uapi.Err("mount", uapi.EINVAL, "source is not in the caller's mount namespace", "check_mnt")
	}
	if !recurse && hasLockedChildren(old, oldPath.Dentry) {
		return uapi.Err("mount", uapi.EINVAL, "source has locked mounts below it (non-recursive bind would reveal them)", "has_locked_children")
	}
	var mnt *Mount
	if recurse {
		if mnt, err = g.copyTree(ctx, old, oldPath.Dentry, CL_COPY_MNT_NS_FILE); err != nil {
			return err
		}
	} else {
		mnt = g.cloneMnt(old, oldPath.Dentry, 0)
	}
	mnt.flags &^= MNT_LOCKED
	if err := g.attachRecursiveMnt(ctx, n, mnt, parent, path.Dentry, false); err != nil {
		g.umountTree(ctx, mnt, UMOUNT_SYNC)
		return err
	}
	return nil
}

// doMoveMount mirrors do_move_mount. EINVAL: either mount outside the
// caller's namespace, a locked source, a source path that is not a mount's
// root, a namespace root, a source whose parent is shared, or a tree with
// unbindable mounts moving under a shared mount. ELOOP: the target is in
// the subtree being moved. Moving onto a shared mount propagates the tree.
func (g *Globals) doMoveMount(ctx *ns.Ctx, n *Namespace, path Path, oldName string) error {
	ctx.Enter("do_move_mount")
	defer ctx.Exit("do_move_mount")
	if oldName == "" {
		return uapi.Err("mount", uapi.EINVAL, "no source path", "do_move_mount")
	}
	oldPath, err := g.lookupPath(n, oldName, false, "kern_path")
	if err != nil {
		return err
	}
	path = g.followDown(path) // lock_mount
	old, p := oldPath.Mnt, path.Mnt
	switch {
	case !checkMnt(p, n) || !checkMnt(old, n):
		return uapi.Err("mount", uapi.EINVAL, "a mount is not in the caller's mount namespace", "check_mnt")
	case old.isLocked():
		return uapi.Err("mount", uapi.EINVAL, "source mount "+itoa(old.id)+" is locked", "do_move_mount")
	case oldPath.Dentry != old.root:
		return uapi.Err("mount", uapi.EINVAL, "source is not a mount point", "do_move_mount")
	case !old.hasParent():
		return uapi.Err("mount", uapi.EINVAL, "source is the namespace root", "do_move_mount")
	case old.parent.isShared():
		return uapi.Err("mount", uapi.EINVAL, "source's parent mount is shared", "do_move_mount")
	case p.isShared() && treeContainsUnbindable(old):
		return uapi.Err("mount", uapi.EINVAL, "unbindable mount moving under a shared mount", "do_move_mount")
	}
	for q := p; q.hasParent(); q = q.parent {
		if q == old {
			return uapi.Err("mount", uapi.ELOOP, "target is inside the mount being moved", "do_move_mount")
		}
	}
	return g.attachRecursiveMnt(ctx, n, old, p, path.Dentry, true)
}

// flagsToPropagationType mirrors flags_to_propagation_type: exactly one of
// MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE besides MS_REC|MS_SILENT.
func flagsToPropagationType(ms uint64) uint64 {
	typ := ms &^ (MS_REC | MS_SILENT)
	if typ&^(MS_SHARED|MS_PRIVATE|MS_SLAVE|MS_UNBINDABLE) != 0 {
		return 0
	}
	if typ == 0 || typ&(typ-1) != 0 {
		return 0
	}
	return typ
}

// doChangeType mirrors do_change_type: the path must be a mount's root
// (EINVAL), the flags one propagation type (EINVAL); with MS_REC the whole
// subtree changes. (4.19 does not check that the mount is in the caller's
// namespace.)
func (g *Globals) doChangeType(ctx *ns.Ctx, path Path, ms uint64) error {
	ctx.Enter("do_change_type")
	defer ctx.Exit("do_change_type")
	mnt := path.Mnt
	if path.Dentry != mnt.root {
		return uapi.Err("mount", uapi.EINVAL, "not a mount point", "do_change_type")
	}
	typ := flagsToPropagationType(ms)
	if typ == 0 {
		return uapi.Err("mount", uapi.EINVAL, "not exactly one propagation type", "flags_to_propagation_type")
	}
	recurse := ms&MS_REC != 0
	if typ == MS_SHARED {
		g.inventGroupIDs(mnt, recurse)
	}
	for m := mnt; m != nil; {
		g.changeMntPropagation(m, typ)
		if !recurse {
			break
		}
		m = nextMnt(m, mnt)
	}
	return nil
}
