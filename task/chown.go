package task

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Chowner is an inode whose filesystem supports chown(2): its
// inode_operations.setattr accepts ATTR_UID and ATTR_GID (cgroupfs through
// kernfs_iop_setattr). Inodes without it refuse chown with EPERM.
type Chowner interface {
	Inode
	// Attr returns the inode's owner, group and mode.
	Attr() InodeAttr
	// Setattr mirrors notify_change → setattr for an ownership change
	// under the inode lock: fn receives the current attributes and returns
	// the new ones or an error (setattr_prepare's), which leaves the inode
	// unchanged; the filesystem stores what fn returns.
	Setattr(t *Task, fn func(cur InodeAttr) (InodeAttr, error)) error
}

// Chown mirrors chown(2) (fs/open.c: do_fchownat, chown_common), following
// a final symbolic link. uid and gid are in the caller's user namespace, -1
// leaves one as it is. In order: the path lookup (ENOENT, ENOTDIR, ...); an
// id outside 0..2^32-2, or with no mapping in the caller's user namespace,
// is EINVAL (make_kuid / make_kgid, uid_valid); an inode whose filesystem
// has no setattr is EPERM; then setattr_prepare: changing the owner needs
// fsuid equal to the owner and the new owner unchanged, or CAP_CHOWN in the
// caller's user namespace with the inode's ids mapped there (chown_ok);
// changing the group needs fsuid equal to the owner and the new group the
// caller's fsgid or the current one, or that capability (chgrp_ok); each
// refusal is EPERM. A failed chown changes nothing. Clearing the set-id
// bits of a regular file is not modelled (no simulated file has them).
func (t *Task) Chown(path string, uid, gid int64) error {
	if err := t.enter("chown"); err != nil {
		return err
	}
	defer t.leave()
	t.ctx.Enter("__x64_sys_chown")
	defer t.ctx.Exit("__x64_sys_chown")
	ino, err := t.lookup("chown", path, true)
	if err != nil {
		return err
	}
	if uid == int64(userns.NoID) { // (uid_t)-1 as an unsigned number
		uid = -1
	}
	if gid == int64(userns.NoID) {
		gid = -1
	}
	c := t.Cred()
	kuid, ok := mapID(c, uid, true)
	if !ok {
		return uapi.Err("chown", uapi.EINVAL, "uid "+strconv.FormatInt(uid, 10)+" has no mapping in the caller's user namespace", "chown_common")
	}
	kgid, ok := mapID(c, gid, false)
	if !ok {
		return uapi.Err("chown", uapi.EINVAL, "gid "+strconv.FormatInt(gid, 10)+" has no mapping in the caller's user namespace", "chown_common")
	}
	ch, ok := ino.(Chowner)
	if !ok {
		return uapi.Err("chown", uapi.EPERM, path+": the filesystem does not change owners", "notify_change")
	}
	err = ch.Setattr(t, func(cur InodeAttr) (InodeAttr, error) {
		if uid != -1 && !chownOK(c, cur, kuid) {
			return cur, uapi.Err("chown", uapi.EPERM, "only CAP_CHOWN over the inode gives it away", "setattr_prepare")
		}
		if gid != -1 && !chgrpOK(c, cur, kgid) {
			return cur, uapi.Err("chown", uapi.EPERM, "the owner may only pick one of its groups", "setattr_prepare")
		}
		if uid != -1 {
			cur.UID = kuid
		}
		if gid != -1 {
			cur.GID = kgid
		}
		return cur, nil
	})
	return relabelNil(err, "chown")
}

// mapID mirrors make_kuid / make_kgid in the caller's user namespace with
// chown_common's uid_valid test; -1 (no change) is always fine.
func mapID(c *userns.Cred, id int64, uid bool) (uint32, bool) {
	if id == -1 {
		return 0, true
	}
	if id < 0 || id >= int64(userns.NoID) {
		return 0, false
	}
	k := userns.MakeKGID(c.UserNS(), uint32(id))
	if uid {
		k = userns.MakeKUID(c.UserNS(), uint32(id))
	}
	return k, k != userns.NoID
}

// chownOK mirrors chown_ok (fs/attr.c): the owner "changing" to itself, or
// CAP_CHOWN over the inode (capable_wrt_inode_uidgid). The INVALID_UID
// owner case cannot arise here.
func chownOK(c *userns.Cred, a InodeAttr, kuid uint32) bool {
	if c.FSUID == a.UID && kuid == a.UID {
		return true
	}
	return CapableWrtInodeUIDGID(c, a, uapi.CAP_CHOWN)
}

// chgrpOK mirrors chgrp_ok (fs/attr.c): the owner picking one of its groups
// (in_group_p) or keeping the current one, or CAP_CHOWN over the inode.
func chgrpOK(c *userns.Cred, a InodeAttr, kgid uint32) bool {
	if c.FSUID == a.UID && (InGroupP(c, kgid) || kgid == a.GID) {
		return true
	}
	return CapableWrtInodeUIDGID(c, a, uapi.CAP_CHOWN)
}
