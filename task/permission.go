package task

import (
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Access masks of inode_permission (include/linux/fs.h).
const (
	MAY_EXEC  = 0x1
	MAY_WRITE = 0x2
	MAY_READ  = 0x4
)

// InodeAttr is what permission checks and chown read of an inode: i_uid and
// i_gid (kernel ids) and i_mode (file type and permission bits).
type InodeAttr struct {
	UID, GID uint32
	Mode     uint32
}

// InGroupP mirrors in_group_p (kernel/groups.c): kgid is the credentials'
// fsgid. Supplementary groups are not modelled (no task has any).
func InGroupP(c *userns.Cred, kgid uint32) bool { return c.FSGID == kgid }

// PrivilegedWrtInodeUIDGID mirrors privileged_wrt_inode_uidgid
// (kernel/capability.c): the inode's owner and group both have a mapping in
// the caller's user namespace.
func PrivilegedWrtInodeUIDGID(c *userns.Cred, a InodeAttr) bool {
	n := c.UserNS()
	return userns.KUIDHasMapping(n, a.UID) && userns.KGIDHasMapping(n, a.GID)
}

// CapableWrtInodeUIDGID mirrors capable_wrt_inode_uidgid
// (kernel/capability.c): cap in the caller's own user namespace, and the
// inode's ids mapped there.
func CapableWrtInodeUIDGID(c *userns.Cred, a InodeAttr, cap uapi.Cap) bool {
	return userns.NSCapable(c, c.UserNS(), cap) && PrivilegedWrtInodeUIDGID(c, a)
}

// aclPermissionCheck mirrors acl_permission_check (fs/namei.c, no ACLs):
// the owner class when fsuid owns the inode, else the group class when
// fsgid is its group, else the other class; whether every bit of mask is
// granted there.
func aclPermissionCheck(c *userns.Cred, a InodeAttr, mask int) bool {
	mode := a.Mode
	if c.FSUID == a.UID {
		mode >>= 6
	} else if InGroupP(c, a.GID) {
		mode >>= 3
	}
	return uint32(mask)&^mode&(MAY_READ|MAY_WRITE|MAY_EXEC) == 0
}

// GenericPermission mirrors generic_permission (fs/namei.c, 4.19): the mode
// bits (acl_permission_check), then the capability overrides, each only
// with the inode's ids mapped in the caller's user namespace
// (capable_wrt_inode_uidgid): on a directory CAP_DAC_READ_SEARCH for
// reading and searching, CAP_DAC_OVERRIDE for anything; on a file
// CAP_DAC_READ_SEARCH for reading, CAP_DAC_OVERRIDE for reading and writing,
// and for executing when some execute bit is set. It returns EACCES with
// op, or nil.
func GenericPermission(c *userns.Cred, a InodeAttr, mask int, op string) error {
	if aclPermissionCheck(c, a, mask) {
		return nil
	}
	if a.Mode&S_IFMT == S_IFDIR {
		if mask&MAY_WRITE == 0 && CapableWrtInodeUIDGID(c, a, uapi.CAP_DAC_READ_SEARCH) {
			return nil
		}
		if CapableWrtInodeUIDGID(c, a, uapi.CAP_DAC_OVERRIDE) {
			return nil
		}
		return uapi.Err(op, uapi.EACCES, "permission denied on a directory", "generic_permission")
	}
	mask &= MAY_READ | MAY_WRITE | MAY_EXEC
	if mask == MAY_READ && CapableWrtInodeUIDGID(c, a, uapi.CAP_DAC_READ_SEARCH) {
		return nil
	}
	if (mask&MAY_EXEC == 0 || a.Mode&0o111 != 0) && CapableWrtInodeUIDGID(c, a, uapi.CAP_DAC_OVERRIDE) {
		return nil
	}
	return uapi.Err(op, uapi.EACCES, "permission denied", "generic_permission")
}
