package ns

import (
	"strconv"
	"sync/atomic"

	"github.com/kernsim/kernsim/uapi"
)

// Type identifies a namespace type, as the ops pointer of ns_common does.
type Type uint8

// The namespace types, in the order /proc/<pid>/ns lists them in 4.19
// (fs/proc/namespaces.c: net, uts, ipc, pid, pid_for_children, user, mnt, cgroup),
// with time last (mainline 5.6).
const (
	NET Type = iota + 1
	UTS
	IPC
	PID
	USER
	MNT
	CGROUP
	TIME
)

// Types lists every type in /proc/<pid>/ns order.
var Types = [...]Type{NET, UTS, IPC, PID, USER, MNT, CGROUP, TIME}

// Name returns proc_ns_operations.name: "uts", "user", ...
func (t Type) Name() string {
	switch t {
	case NET:
		return "net"
	case UTS:
		return "uts"
	case IPC:
		return "ipc"
	case PID:
		return "pid"
	case USER:
		return "user"
	case MNT:
		return "mnt"
	case CGROUP:
		return "cgroup"
	case TIME:
		return "time"
	}
	return "ns" + strconv.Itoa(int(t))
}

func (t Type) String() string { return t.Name() }

// Flag returns proc_ns_operations.type: the CLONE_NEW* bit of the type.
func (t Type) Flag() uapi.CloneFlags {
	switch t {
	case NET:
		return uapi.CLONE_NEWNET
	case UTS:
		return uapi.CLONE_NEWUTS
	case IPC:
		return uapi.CLONE_NEWIPC
	case PID:
		return uapi.CLONE_NEWPID
	case USER:
		return uapi.CLONE_NEWUSER
	case MNT:
		return uapi.CLONE_NEWNS
	case CGROUP:
		return uapi.CLONE_NEWCGROUP
	case TIME:
		return uapi.CLONE_NEWTIME
	}
	return 0
}

// TypeByName returns the type whose proc name is name.
func TypeByName(name string) (Type, bool) {
	for _, t := range Types {
		if t.Name() == name {
			return t, true
		}
	}
	return 0, false
}

// Fixed inode numbers of the initial namespaces (include/linux/proc_ns.h).
const (
	PROC_ROOT_INO        uint32 = 1
	PROC_IPC_INIT_INO    uint32 = 0xEFFFFFFF
	PROC_UTS_INIT_INO    uint32 = 0xEFFFFFFE
	PROC_USER_INIT_INO   uint32 = 0xEFFFFFFD
	PROC_PID_INIT_INO    uint32 = 0xEFFFFFFC
	PROC_CGROUP_INIT_INO uint32 = 0xEFFFFFFB
	PROC_TIME_INIT_INO   uint32 = 0xEFFFFFFA // mainline 5.6
)

// Common mirrors struct ns_common: the type (standing for the ops pointer) and the
// inode number. It is embedded in every namespace.
type Common struct {
	typ  Type
	inum uint32
	// nsfsUsers counts the open files on the namespace's nsfs inode, which
	// ns_common.stashed keeps shared (see NSFSGet).
	nsfsUsers atomic.Int32
}

// InitCommon sets the type and inode number; namespaces call it once at creation.
func (c *Common) InitCommon(t Type, inum uint32) { c.typ, c.inum = t, inum }

// Type returns the namespace's type.
func (c *Common) Type() Type { return c.typ }

// Inum returns ns_common.inum, the inode number /proc/<pid>/ns/<type> shows.
func (c *Common) Inum() uint32 { return c.inum }

// Link returns the readlink text of the namespace's /proc/<pid>/ns entry:
// "<name>:[<inum>]", for example "uts:[4026531838]".
func (c *Common) Link() string {
	return c.typ.Name() + ":[" + strconv.FormatUint(uint64(c.inum), 10) + "]"
}

// NSFSUsers returns how many open nsfs files share the namespace's inode.
func (c *Common) NSFSUsers() int { return int(c.nsfsUsers.Load()) }

// NSFSGet mirrors ns_get_path's use of ns_common.stashed (fs/nsfs.c, 4.19):
// every open file on a namespace shares one nsfs dentry and inode, and that
// inode holds one namespace reference. The caller passes in the reference
// ops->get took; the first opener's becomes the inode's, a later opener's is
// dropped because the stashed dentry already exists.
func NSFSGet(ctx *Ctx, n Namespace) {
	if n.NS().nsfsUsers.Add(1) != 1 {
		n.Put(ctx)
	}
}

// NSFSPut mirrors the release of an nsfs file: when the last one closes, the
// dentry is deleted (always_delete_dentry) and nsfs_evict drops the inode's
// namespace reference (ops->put).
func NSFSPut(ctx *Ctx, n Namespace) {
	if n.NS().nsfsUsers.Add(-1) == 0 {
		n.Put(ctx)
	}
}

// Namespace is what every namespace type implements: the value-level half of
// proc_ns_operations (get/put/owner) plus inspection.
type Namespace interface {
	// NS returns the embedded ns_common.
	NS() *Common
	// Get takes a reference (get_uts_ns, get_user_ns, ...). The caller must
	// already hold one or otherwise know the namespace is live.
	Get()
	// Put drops a reference, freeing the namespace when it was the last
	// (put_uts_ns → free_uts_ns, ...).
	Put(ctx *Ctx)
	// Count reads the namespace's own counter without changing it.
	Count() int64
	// Owner returns the owning user namespace (proc_ns_operations.owner); for
	// a user namespace that is its parent, nil for the initial one.
	Owner() Namespace
}
