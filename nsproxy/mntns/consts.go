package mntns

// mount(2) flags (include/uapi/linux/fs.h, 4.19).
const (
	MS_RDONLY      uint64 = 1
	MS_NOSUID      uint64 = 2
	MS_NODEV       uint64 = 4
	MS_NOEXEC      uint64 = 8
	MS_SYNCHRONOUS uint64 = 16
	MS_REMOUNT     uint64 = 32
	MS_MANDLOCK    uint64 = 64
	MS_DIRSYNC     uint64 = 128
	MS_NOATIME     uint64 = 1024
	MS_NODIRATIME  uint64 = 2048
	MS_BIND        uint64 = 4096
	MS_MOVE        uint64 = 8192
	MS_REC         uint64 = 16384
	MS_SILENT      uint64 = 32768
	MS_POSIXACL    uint64 = 1 << 16
	MS_UNBINDABLE  uint64 = 1 << 17
	MS_PRIVATE     uint64 = 1 << 18
	MS_SLAVE       uint64 = 1 << 19
	MS_SHARED      uint64 = 1 << 20
	MS_RELATIME    uint64 = 1 << 21
	MS_KERNMOUNT   uint64 = 1 << 22
	MS_I_VERSION   uint64 = 1 << 23
	MS_STRICTATIME uint64 = 1 << 24
	MS_LAZYTIME    uint64 = 1 << 25
	MS_NOUSER      uint64 = 1 << 31

	// MS_MGC_VAL is the magic old mount(2) callers put in the top 16 bits;
	// do_mount discards it.
	MS_MGC_VAL uint64 = 0xC0ED0000
	MS_MGC_MSK uint64 = 0xffff0000
)

// Superblock flags shown by mountinfo (include/linux/fs.h: SB_* equal MS_*).
const (
	SB_RDONLY      = MS_RDONLY
	SB_SYNCHRONOUS = MS_SYNCHRONOUS
	SB_MANDLOCK    = MS_MANDLOCK
	SB_DIRSYNC     = MS_DIRSYNC
	SB_SILENT      = MS_SILENT
	SB_POSIXACL    = MS_POSIXACL
	SB_I_VERSION   = MS_I_VERSION
	SB_LAZYTIME    = MS_LAZYTIME
)

// umount2(2) flags (include/linux/fs.h).
const (
	MNT_FORCE       = 0x1
	MNT_DETACH      = 0x2
	MNT_EXPIRE      = 0x4
	UMOUNT_NOFOLLOW = 0x8
)

// Per-mount flags, vfsmount.mnt_flags (include/linux/mount.h, 4.19).
const (
	MNT_NOSUID     = 0x01
	MNT_NODEV      = 0x02
	MNT_NOEXEC     = 0x04
	MNT_NOATIME    = 0x08
	MNT_NODIRATIME = 0x10
	MNT_RELATIME   = 0x20
	MNT_READONLY   = 0x40

	MNT_SHRINKABLE = 0x100
	MNT_WRITE_HOLD = 0x200

	MNT_SHARED     = 0x1000
	MNT_UNBINDABLE = 0x2000
	MNT_INTERNAL   = 0x4000

	MNT_LOCK_ATIME    = 0x040000
	MNT_LOCK_NOEXEC   = 0x080000
	MNT_LOCK_NOSUID   = 0x100000
	MNT_LOCK_NODEV    = 0x200000
	MNT_LOCK_READONLY = 0x400000
	MNT_LOCKED        = 0x800000
	MNT_DOOMED        = 0x1000000
	MNT_SYNC_UMOUNT   = 0x2000000
	MNT_MARKED        = 0x4000000
	MNT_UMOUNT        = 0x8000000

	// MNT_SHARED_MASK is cleared when a mount becomes shared.
	MNT_SHARED_MASK = MNT_UNBINDABLE
	// MNT_ATIME_MASK are the atime flags.
	MNT_ATIME_MASK = MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME
	// MNT_INTERNAL_FLAGS never come from user space (do_add_mount clears them).
	MNT_INTERNAL_FLAGS = MNT_SHARED | MNT_WRITE_HOLD | MNT_INTERNAL | MNT_DOOMED | MNT_SYNC_UMOUNT | MNT_MARKED
)

// copy_tree / clone_mnt flags (fs/pnode.h, 4.19).
const (
	CL_EXPIRE           = 0x01
	CL_SLAVE            = 0x02
	CL_COPY_UNBINDABLE  = 0x04
	CL_MAKE_SHARED      = 0x08
	CL_PRIVATE          = 0x10
	CL_SHARED_TO_SLAVE  = 0x20
	CL_UNPRIVILEGED     = 0x40
	CL_COPY_MNT_NS_FILE = 0x80
	CL_COPY_ALL         = CL_COPY_UNBINDABLE | CL_COPY_MNT_NS_FILE
)

// umount_tree flags (fs/namespace.c enum umount_tree_flags).
const (
	UMOUNT_SYNC      = 1
	UMOUNT_PROPAGATE = 2
	UMOUNT_CONNECTED = 4
)

// DefaultMountMax is sysctl fs.mount-max's default (fs/namespace.c
// sysctl_mount_max = 100000).
const DefaultMountMax = 100000

// MINORBITS is the width of a dev_t minor (include/linux/kdev_t.h):
// dev_t = major<<20 | minor.
const MINORBITS = 20

// Dev is a kernel dev_t: major<<MINORBITS | minor.
type Dev uint32

// MkDev mirrors MKDEV.
func MkDev(major, minor uint32) Dev { return Dev(major<<MINORBITS | minor) }

// Major mirrors MAJOR.
func (d Dev) Major() uint32 { return uint32(d) >> MINORBITS }

// Minor mirrors MINOR.
func (d Dev) Minor() uint32 { return uint32(d) & (1<<MINORBITS - 1) }
