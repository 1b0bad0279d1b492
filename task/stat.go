package task

import "github.com/kernsim/kernsim/nsproxy/userns"

// Stat is the part of struct stat the simulator models: st_mode, and
// st_uid and st_gid as the caller's user namespace sees them.
type Stat struct {
	Mode     uint32
	UID, GID uint32
}

// Stat mirrors stat(2) (fs/stat.c: vfs_statx, cp_new_stat), following a
// final symbolic link: the inode's mode, and its owner and group through
// from_kuid_munged / from_kgid_munged in the caller's user namespace (an
// unmapped id reads as the overflow id, 65534). An inode that keeps no
// owner (no task.Chowner) is root's.
func (t *Task) Stat(path string) (Stat, error) {
	if err := t.enter("stat"); err != nil {
		return Stat{}, err
	}
	defer t.leave()
	ino, err := t.lookup("stat", path, true)
	if err != nil {
		return Stat{}, err
	}
	a := InodeAttr{Mode: ino.Mode()}
	if c, ok := ino.(Chowner); ok {
		a = c.Attr()
	}
	n := t.Cred().UserNS()
	return Stat{Mode: a.Mode, UID: userns.FromKUIDMunged(n, a.UID), GID: userns.FromKGIDMunged(n, a.GID)}, nil
}
