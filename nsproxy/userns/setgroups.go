package userns

import (
	"bytes"
	"strconv"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// SetgroupsOpen mirrors the permission part of proc_setgroups_open
// (fs/proc/base.c): opening /proc/<pid>/setgroups for writing needs
// CAP_SYS_ADMIN over the file's user namespace (ns_capable with the opener's
// cred), else EACCES. Opening for reading needs nothing.
func SetgroupsOpen(target *Namespace, opener *Cred, write bool) error {
	if write && !CapCapable(opener, target, uapi.CAP_SYS_ADMIN) {
		return uapi.Err("open", uapi.EACCES, "opening setgroups for writing needs CAP_SYS_ADMIN over its user namespace", "proc_setgroups_open")
	}
	return nil
}

// SetgroupsWrite mirrors write(2) on /proc/<pid>/setgroups: proc_setgroups_write
// (kernel/user_namespace.c, 4.19). target is the user namespace of the task the
// file belongs to, opener the cred the file was opened with, offset the file
// position. It returns len(data), the new file position; on failure nothing
// changes.
//
// Checks in order (reference §12.3):
//  0. opener could not have opened the file for writing (SetgroupsOpen):
//     EACCES, reported as the open(2) that would have failed;
//  1. offset != 0 or len(data) >= 8: EINVAL;
//  2. the text (a C string: a NUL ends it) does not start with "allow" or
//     "deny", or anything but white space follows the word: EINVAL;
//  3. under userns_state_mutex: "allow" when setgroups is already "deny":
//     EPERM; "deny" once gid_map has been written: EPERM (even if already
//     "deny"). "allow" when allowed changes nothing; "deny" clears
//     USERNS_SETGROUPS_ALLOWED for good.
//
// The flag is copied into each user namespace created afterwards inside target.
func SetgroupsWrite(ctx *ns.Ctx, target *Namespace, opener *Cred, offset int64, data []byte) (int, error) {
	ctx.Enter("proc_setgroups_write")
	defer ctx.Exit("proc_setgroups_write")
	if err := SetgroupsOpen(target, opener, true); err != nil {
		return 0, err
	}
	if offset != 0 {
		return 0, uapi.Err("write", uapi.EINVAL, "file offset "+strconv.FormatInt(offset, 10)+" != 0", "proc_setgroups_write")
	}
	if len(data) >= 8 {
		return 0, uapi.Err("write", uapi.EINVAL, "write of "+strconv.Itoa(len(data))+" bytes, at most 7 are accepted", "proc_setgroups_write")
	}
	text := data
	if i := bytes.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	var allow bool
	switch {
	case bytes.HasPrefix(text, []byte("allow")):
		allow, text = true, text[5:]
	case bytes.HasPrefix(text, []byte("deny")):
		text = text[4:]
	default:
		return 0, uapi.Err("write", uapi.EINVAL, "neither \"allow\" nor \"deny\"", "proc_setgroups_write")
	}
	if i := klib.SkipSpaces(text, 0); i != len(text) {
		return 0, uapi.Err("write", uapi.EINVAL, "trailing junk after the word", "proc_setgroups_write")
	}

	g := target.g
	g.stateMu.Lock()
	defer g.stateMu.Unlock()
	if allow {
		if target.flags.Load()&USERNS_SETGROUPS_ALLOWED == 0 {
			return 0, uapi.Err("write", uapi.EPERM, "setgroups cannot be allowed again once denied", "proc_setgroups_write")
		}
	} else {
		if len(target.loadMap(GIDMap).Extents) != 0 {
			return 0, uapi.Err("write", uapi.EPERM, "setgroups cannot be denied once gid_map has been written", "proc_setgroups_write")
		}
		target.flags.And(^USERNS_SETGROUPS_ALLOWED)
	}
	return len(data), nil
}

// SetgroupsRead mirrors reading /proc/<pid>/setgroups (proc_setgroups_show):
// "allow\n" or "deny\n", read without the lock (READ_ONCE of the flags).
func SetgroupsRead(target *Namespace) string {
	if target.flags.Load()&USERNS_SETGROUPS_ALLOWED != 0 {
		return "allow\n"
	}
	return "deny\n"
}

// MaySetgroups mirrors userns_may_setgroups (kernel/user_namespace.c):
// setgroups(2) works in n only once its gid_map is written and while setgroups
// is "allow". Taken under userns_state_mutex as the kernel does.
func MaySetgroups(n *Namespace) bool {
	n.g.stateMu.Lock()
	defer n.g.stateMu.Unlock()
	return len(n.loadMap(GIDMap).Extents) != 0 && n.flags.Load()&USERNS_SETGROUPS_ALLOWED != 0
}
