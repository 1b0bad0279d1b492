package mntns

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Umount mirrors umount2(2) (ksys_umount → do_umount) for a caller whose
// mount namespace is n. Checks in order: unknown flags (EINVAL), may_mount
// (EPERM), the path (ENOENT), not the root of a mount (EINVAL), a mount of
// another namespace (EINVAL), a locked mount (EINVAL), MNT_FORCE without
// global CAP_SYS_ADMIN (EPERM). MNT_EXPIRE: with MNT_FORCE or MNT_DETACH
// EINVAL, busy EBUSY, first call EAGAIN (marks it), second call unmounts
// unless a Put cleared the mark. MNT_DETACH detaches the subtree at once
// (propagating to the copies); otherwise a mount with children or holders
// is EBUSY. Divergence: umount of the caller's own root (remount read-only)
// is not modelled, as the caller's root is not known here.
func Umount(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, name string, flags int) error {
	ctx.Enter("ksys_umount")
	defer ctx.Exit("ksys_umount")
	g := n.g
	if flags&^(MNT_FORCE|MNT_DETACH|MNT_EXPIRE|UMOUNT_NOFOLLOW) != 0 {
		return uapi.Err("umount2", uapi.EINVAL, "unknown umount flags", "ksys_umount")
	}
	if !mayMount(cred, n) {
		return uapi.Err("umount2", uapi.EPERM, "no CAP_SYS_ADMIN in the mount namespace's owner", "may_mount")
	}
	g.sem.Lock()
	path, err := g.lookupPath(n, name, false, "user_path_mountpoint_at")
	if err != nil {
		g.unlock(ctx)
		return relabel(err, "umount2")
	}
	mnt := path.Mnt
	mnt.count.Inc() // the path's reference
	switch {
	case path.Dentry != mnt.root:
		err = uapi.Err("umount2", uapi.EINVAL, quote(name)+" is not a mount point", "ksys_umount")
	case !checkMnt(mnt, n):
		err = uapi.Err("umount2", uapi.EINVAL, "mount is not in the caller's mount namespace", "check_mnt")
	case mnt.isLocked():
		err = uapi.Err("umount2", uapi.EINVAL, "mount "+itoa(mnt.id)+" is locked", "ksys_umount")
	case flags&MNT_FORCE != 0 && !userns.Capable(cred, uapi.CAP_SYS_ADMIN):
		err = uapi.Err("umount2", uapi.EPERM, "MNT_FORCE without global CAP_SYS_ADMIN", "ksys_umount")
	default:
		err = g.doUmount(ctx, mnt, flags)
	}
	g.unmounted = append(g.unmounted, mnt) // mntput_no_expire of the path
	g.unlock(ctx)
	return err
}

// doUmount mirrors do_umount.
func (g *Globals) doUmount(ctx *ns.Ctx, mnt *Mount, flags int) error {
	ctx.Enter("do_umount")
	defer ctx.Exit("do_umount")
	if flags&MNT_EXPIRE != 0 {
		if flags&(MNT_FORCE|MNT_DETACH) != 0 {
			return uapi.Err("umount2", uapi.EINVAL, "MNT_EXPIRE with MNT_FORCE or MNT_DETACH", "do_umount")
		}
		if mnt.count.Read() != 2 {
			return uapi.Err("umount2", uapi.EBUSY, "mount is in use", "do_umount")
		}
		if !mnt.expiryMark.Swap(true) {
			return uapi.Err("umount2", uapi.EAGAIN, "mount marked for expiry", "do_umount")
		}
	}
	if mnt.isLocked() {
		return uapi.Err("umount2", uapi.EINVAL, "mount "+itoa(mnt.id)+" is locked", "do_umount")
	}
	g.event++
	if flags&MNT_DETACH != 0 {
		if !mnt.list.empty() {
			g.umountTree(ctx, mnt, UMOUNT_PROPAGATE)
		}
		return nil
	}
	if g.propagateMountBusy(mnt, 2) {
		return uapi.Err("umount2", uapi.EBUSY, "mount "+itoa(mnt.id)+" has submounts or users", "propagate_mount_busy")
	}
	if !mnt.list.empty() {
		g.umountTree(ctx, mnt, UMOUNT_PROPAGATE|UMOUNT_SYNC)
	}
	return nil
}
