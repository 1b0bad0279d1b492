package mntns

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// doNewMount mirrors do_new_mount: find the filesystem type (ENODEV), make
// a superblock (sget: a type without FS_USERNS_MOUNT needs global
// CAP_SYS_ADMIN, EPERM; set_anon_super: EMFILE without a free anonymous
// device) and a mount of it, then do_add_mount; on failure the new mount's
// reference is dropped, which frees it.
func (g *Globals) doNewMount(ctx *ns.Ctx, cred *userns.Cred, n *Namespace, path Path, fstype string, sbFlags uint64, mntFlags int, name, data string, key Key) error {
	ctx.Enter("do_new_mount")
	defer ctx.Exit("do_new_mount")
	if fstype == "" {
		return uapi.Err("mount", uapi.EINVAL, "no filesystem type", "do_new_mount")
	}
	t, ok := g.fsTypes[fstype]
	if !ok {
		return uapi.Err("mount", uapi.ENODEV, "filesystem type "+quote(fstype)+" not registered", "get_fs_type")
	}
	if n.userNS != g.ug.Init {
		// A mount namespace owned by another user namespace: only
		// FS_USERNS_MOUNT types, and devices are off (no type here is
		// FS_USERNS_DEV_MOUNT).
		if !t.usernsMount {
			return uapi.Err("mount", uapi.EPERM, fstype+" is not FS_USERNS_MOUNT", "do_new_mount")
		}
		mntFlags |= MNT_NODEV | MNT_LOCK_NODEV
	}
	if !t.usernsMount && !userns.Capable(cred, uapi.CAP_SYS_ADMIN) {
		return uapi.Err("mount", uapi.EPERM, fstype+" is not FS_USERNS_MOUNT and the caller lacks global CAP_SYS_ADMIN", "sget_userns")
	}
	opts := ""
	if data != "" {
		opts = "," + data
	}
	var sb *SuperBlock
	if t.keyed {
		// mount_ns: CAP_SYS_ADMIN over the key's owner, then the
		// superblock of that key (sget), new or shared.
		if key.Value == nil {
			return uapi.Err("mount", uapi.EINVAL, fstype+" needs its key (the mounter's pid namespace)", "mount_ns")
		}
		if !userns.NSCapable(cred, key.Owner, uapi.CAP_SYS_ADMIN) {
			return uapi.Err("mount", uapi.EPERM, "no CAP_SYS_ADMIN over the owner of the mounter's "+fstype+" namespace", "mount_ns")
		}
		if sb = g.keyed[keyedSuper{fstype, key.Value}]; sb != nil {
			sb.active.Inc()
		}
	}
	if sb == nil {
		var ok bool
		if sb, ok = g.newSuper(fstype, 0, sbFlags, opts); !ok {
			return uapi.Err("mount", uapi.EMFILE, "no anonymous device left", "get_anon_bdev")
		}
		sb.active.Init(g.env.Refs, 1)
		if t.keyed {
			sb.key = key.Value
			g.keyed[keyedSuper{fstype, key.Value}] = sb
		}
	}
	m := g.allocVfsmnt(name)
	m.sb, m.root, m.mountpoint, m.parent = sb, sb.root, sb.root, m
	if t.usernsVisible && g.mountTooRevealing(n, fstype) {
		g.unmounted = append(g.unmounted, m)
		return uapi.Err("mount", uapi.EPERM, "no fully visible "+fstype+" mount in a mount namespace owned by a user namespace", "mount_too_revealing")
	}
	if err := g.doAddMount(ctx, n, m, path, mntFlags); err != nil {
		g.unmounted = append(g.unmounted, m) // mntput after unlock
		return err
	}
	return nil
}

// mountTooRevealing mirrors mount_too_revealing for a type with
// SB_I_USERNS_VISIBLE (proc): in a namespace owned by a non-initial user
// namespace, a new mount needs one of the same type already fully visible
// there (mnt_already_visible: mounted from its superblock's root; the
// flags a mount can lock and the children on empty directories are not
// modelled).
func (g *Globals) mountTooRevealing(n *Namespace, fstype string) bool {
	if n.userNS == g.ug.Init {
		return false
	}
	for e := n.list.next; e != &n.list; e = e.next {
		if m := e.owner; m.sb.fsType == fstype && m.root == m.sb.root {
			return false
		}
	}
	return true
}
