package mntns

import (
	"strconv"
	"strings"

	"github.com/kernsim/kernsim/refcount"
)

// Dentry is a directory of a mounted filesystem (struct dentry) in the
// minimal directory model: a filesystem's root, and every directory created
// by Mkdir or by the boot tree (which creates its mount targets). Dentries
// belong to a SuperBlock, so every mount of that superblock (a bind mount, a
// copy in another namespace) sees the same directories. Children are guarded
// by Globals' namespace lock.
type Dentry struct {
	name     string
	parent   *Dentry // nil for the superblock's root
	sb       *SuperBlock
	children map[string]*Dentry
}

// Name returns the last component ("/" for a root).
func (d *Dentry) Name() string {
	if d.parent == nil {
		return "/"
	}
	return d.name
}

// Path returns the dentry's path inside its filesystem, as dentry_path
// prints it for mountinfo's fourth field: "/" for the root, "/a/b" below.
func (d *Dentry) Path() string {
	if d.parent == nil {
		return "/"
	}
	var parts []string
	for e := d; e.parent != nil; e = e.parent {
		parts = append(parts, e.name)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// SuperBlock returns the filesystem the dentry belongs to.
func (d *Dentry) SuperBlock() *SuperBlock { return d.sb }

func (d *Dentry) lookup(name string) *Dentry { return d.children[name] }

func (d *Dentry) mkdir(name string) *Dentry {
	if c := d.children[name]; c != nil {
		return c
	}
	c := &Dentry{name: name, parent: d, sb: d.sb}
	if d.children == nil {
		d.children = make(map[string]*Dentry)
	}
	d.children[name] = c
	return c
}

// isSubdir mirrors is_subdir (fs/dcache.c): whether d is ancestor or below it.
func isSubdir(d, ancestor *Dentry) bool {
	for e := d; e != nil; e = e.parent {
		if e == ancestor {
			return true
		}
	}
	return false
}

// SuperBlock mirrors the parts of struct super_block that mountinfo and the
// mount code read: the filesystem type, s_dev, s_flags, the text the
// filesystem's ->show_options prints, the root dentry and s_active (one per
// mount of it). Its device number is either fixed (a disk filesystem at
// boot) or an anonymous 0:N from get_anon_bdev, given back when the last
// mount goes (kill_anon_super → free_anon_bdev).
type SuperBlock struct {
	fsType  string
	dev     Dev
	anon    bool
	flags   uint64 // SB_RDONLY, SB_SYNCHRONOUS, ...
	options string // ->show_options output, each option with its leading comma
	root    *Dentry
	active  refcount.Atomic // s_active
	g       *Globals
	node    refcount.Node
	key     any // s_fs_info of a keyed filesystem (proc: its pid namespace)
}

// Key returns s_fs_info for a keyed filesystem (proc's pid namespace), or nil.
func (s *SuperBlock) Key() any { return s.key }

// FSType returns the filesystem type name ("tmpfs", "ext4", ...).
func (s *SuperBlock) FSType() string { return s.fsType }

// Dev returns s_dev.
func (s *SuperBlock) Dev() Dev { return s.dev }

// Root returns the filesystem's root dentry.
func (s *SuperBlock) Root() *Dentry { return s.root }

// Active reads s_active: the number of mounts of this superblock.
func (s *SuperBlock) Active() int32 { return s.active.Read() }

// RefKind, RefID and RefCount let the leak registry list the superblock.
func (s *SuperBlock) RefKind() string { return "super_block" }
func (s *SuperBlock) RefID() string {
	return s.fsType + " " + strconv.FormatUint(uint64(s.dev.Major()), 10) + ":" + strconv.FormatUint(uint64(s.dev.Minor()), 10)
}
func (s *SuperBlock) RefCount() int64 { return int64(s.active.Read()) }

// fsType is the part of struct file_system_type the model needs.
type fsType struct {
	usernsMount   bool // FS_USERNS_MOUNT
	keyed         bool // mount_ns: one superblock per key (proc: per pid namespace)
	usernsVisible bool // SB_I_USERNS_VISIBLE: mount_too_revealing applies (proc, sysfs)
}

// registeredFilesystems is what get_fs_type finds in a kernel built with
// the filesystems the simulator models for mount(2): rootfs (init/do_mounts.c,
// no FS_USERNS_MOUNT), tmpfs (mm/shmem.c) and ramfs (fs/ramfs/inode.c), both
// FS_USERNS_MOUNT. Other types only appear in the boot tree.
func registeredFilesystems() map[string]fsType {
	return map[string]fsType{
		"rootfs": {},
		"tmpfs":  {usernsMount: true},
		"ramfs":  {usernsMount: true},
		"proc":   {usernsMount: true, keyed: true, usernsVisible: true},
	}
}

// newSuper builds a superblock: sget plus the filesystem's fill_super for a
// fresh instance. dev 0 asks for an anonymous device (set_anon_super →
// get_anon_bdev: the lowest free minor from 1, EMFILE when none is left).
// The caller holds the first s_active reference for the first mount.
func (g *Globals) newSuper(fstype string, dev Dev, flags uint64, options string) (*SuperBlock, bool) {
	s := &SuperBlock{fsType: fstype, dev: dev, flags: flags, options: options, g: g}
	if dev == 0 {
		minor := g.anonDevs.alloc()
		if minor < 0 {
			return nil, false
		}
		s.dev, s.anon = MkDev(0, uint32(minor)), true
	}
	s.root = &Dentry{sb: s}
	if !g.booting {
		g.env.Refs.Track(&s.node, s)
	}
	return s, true
}

// deactivateSuper mirrors deactivate_super: drop one s_active; the last one
// kills the superblock (kill_anon_super / kill_litter_super give back the
// anonymous device).
func (s *SuperBlock) deactivate() {
	if !s.active.DecAndTest() {
		return
	}
	if s.anon {
		s.g.anonDevs.free(int(s.dev.Minor()))
	}
	if s.key != nil {
		delete(s.g.keyed, keyedSuper{s.fsType, s.key})
		if s.g.OnKill != nil {
			s.g.OnKill(s)
		}
	}
	if s.node.Tracked() {
		s.g.env.Refs.Untrack(&s.node)
	}
}
