package task

import (
	"sort"
	"strings"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// The small file interface the simulated filesystems implement (procfs today,
// cgroupfs and the mount tree later), in the spirit of struct inode_operations
// and struct file_operations. Each method receives the calling task, because
// what a /proc file shows depends on who reads it.

// File type bits of an inode's mode (include/uapi/linux/stat.h).
const (
	S_IFMT  uint32 = 0o170000
	S_IFDIR uint32 = 0o040000
	S_IFREG uint32 = 0o100000
	S_IFLNK uint32 = 0o120000
)

// Open flags (include/uapi/asm-generic/fcntl.h).
const (
	O_RDONLY  = 0
	O_WRONLY  = 1
	O_RDWR    = 2
	O_ACCMODE = 3
)

// Inode is a node of a simulated filesystem. Mode returns its type and
// permission bits as stat(2) would.
type Inode interface {
	Mode() uint32
}

// Dir is a directory inode.
type Dir interface {
	Inode
	// Lookup mirrors inode_operations.lookup: the child called name, or ENOENT.
	Lookup(t *Task, name string) (Inode, error)
	// Readdir lists the children as getdents would, in the kernel's order.
	Readdir(t *Task) ([]string, error)
}

// DirOpener is a directory whose open files are its filesystem's own (a
// cgroup directory names a cgroup for clone3's CLONE_INTO_CGROUP); others
// open as a plain directory file.
type DirOpener interface {
	Dir
	OpenDir(t *Task) (FileOps, error)
}

// Symlink is a symbolic link; Readlink gives its text (readlink(2)).
type Symlink interface {
	Inode
	Readlink(t *Task) (string, error)
}

// MagicLink is a /proc-style link that opens its target directly instead of
// resolving its text (proc_ns_get_link): opening /proc/<pid>/ns/uts yields an
// nsfs file whatever the text says.
type MagicLink interface {
	Symlink
	OpenLink(t *Task) (FileOps, error)
}

// Regular is a regular-file inode.
type Regular interface {
	Inode
	// Open mirrors file_operations.open; flags carry the access mode, and the
	// permission check (may_open) is the inode's.
	Open(t *Task, flags int) (FileOps, error)
}

// FileOps is an open file's behaviour (file_operations). Read returns the bytes
// at off (at most n; an empty result is end of file); Write stores p at off.
// Release runs when the last reference to the file is dropped.
type FileOps interface {
	Read(t *Task, off int64, n int) ([]byte, error)
	Write(t *Task, off int64, p []byte) (int, error)
	Release(ctx *ns.Ctx)
}

// Filesystem is a mounted filesystem: its root directory.
type Filesystem interface {
	Root() Dir
}

// Mount attaches fs to the superblock mounted at path in the initial mount
// namespace (the boot tree of Params.Mounts): walks that reach that
// superblock's root — through any mount of it, in any namespace — continue in
// fs. It fails with ENOENT when nothing is mounted exactly at path.
func (k *Kernel) Mount(path string, fs Filesystem) error {
	p, err := k.Mnt.Init.Lookup(path)
	if err != nil {
		return err
	}
	if p.Dentry != p.Mnt.Root() {
		return uapi.Err("mount", uapi.ENOENT, path+" is not a mount point", "kernsim_backing")
	}
	k.backingMu.Lock()
	defer k.backingMu.Unlock()
	if k.backing == nil {
		k.backing = make(map[*mntns.SuperBlock]Filesystem)
	}
	k.backing[p.Mnt.SuperBlock()] = fs
	return nil
}

// backingOf returns the Filesystem serving sb, or nil for the mount tree's
// own directories.
func (k *Kernel) backingOf(sb *mntns.SuperBlock) Filesystem {
	k.backingMu.RLock()
	defer k.backingMu.RUnlock()
	return k.backing[sb]
}

// maxSymlinks is the kernel's MAXSYMLINKS (40): more links in one walk is ELOOP.
const maxSymlinks = 40

// lookup mirrors path_lookupat (fs/namei.c) for absolute paths: walk the
// components from the task's root — its mount namespace's root, as
// mntns_install and copy_mnt_ns leave it — following the mounts stacked on
// each directory (follow_managed) and symbolic links in the middle, and the
// last one too when follow is set. ".." is resolved textually (there is no
// chroot, so the walk restarts from the root with the shortened path).
func (t *Task) lookup(op, path string, follow bool) (Inode, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // no cwd yet: relative paths start at the root
	}
	mnt := t.mntNS()
	if mnt == nil {
		return nil, uapi.Err(op, uapi.ENOENT, "task has no mount namespace", "path_init")
	}
	g := mnt.Globals()
	links := 0
	comps := splitPath(path)
	var stack []string // components walked so far, for relative links
restart:
	stack = stack[:0]
	at := mnt.RootPath()
	cur := t.k.inodeAt(g, at)
	for i := 0; i < len(comps); i++ {
		d, ok := cur.(Dir)
		if !ok {
			return nil, uapi.Err(op, uapi.ENOTDIR, "/"+strings.Join(stack, "/")+" is not a directory", "link_path_walk")
		}
		name := comps[i]
		if name == "." {
			continue
		}
		if name == ".." {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			comps = append(append([]string{}, stack...), comps[i+1:]...)
			goto restart
		}
		var child Inode
		if md, ok := d.(mountDir); ok {
			next, found := g.Step(md.at, name)
			if !found {
				return nil, uapi.Err(op, uapi.ENOENT, "/"+strings.Join(append(stack, name), "/")+": no such file or directory", "lookup_slow")
			}
			at = next
			child = t.k.inodeAt(g, at)
		} else {
			var err error
			if child, err = d.Lookup(t, name); err != nil {
				return nil, relabel(err, op)
			}
		}
		last := i == len(comps)-1
		if l, ok := child.(Symlink); ok && (!last || follow) {
			if _, magic := child.(MagicLink); magic && last {
				return child, nil
			}
			links++
			if links > maxSymlinks {
				return nil, uapi.Err(op, uapi.ELOOP, "too many levels of symbolic links", "link_path_walk")
			}
			target, err := l.Readlink(t)
			if err != nil {
				return nil, relabel(err, op)
			}
			if strings.HasPrefix(target, "/") {
				comps = append(splitPath(target), comps[i+1:]...)
			} else {
				comps = append(append(append([]string{}, stack...), splitPath(target)...), comps[i+1:]...)
			}
			goto restart
		}
		stack = append(stack, name)
		cur = child
	}
	return cur, nil
}

// mntNS returns the task's mount namespace without a reference (current's
// own, stable while it runs a syscall), or nil for an exited task.
func (t *Task) mntNS() *mntns.Namespace {
	p := t.NSProxy()
	if p == nil {
		return nil
	}
	return p.MNT()
}

// inodeAt returns the inode a walk stands on at p: the backing filesystem's
// root at the root of a superblock that has one, else a directory of the
// mount tree's own (rootfs, tmpfs, the boot disk).
func (k *Kernel) inodeAt(g *mntns.Globals, p mntns.Path) Inode {
	if p.Dentry == p.Dentry.SuperBlock().Root() {
		if fs := k.backingOf(p.Dentry.SuperBlock()); fs != nil {
			return fs.Root()
		}
	}
	return mountDir{g: g, at: p}
}

func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// mountDir is a directory of the mount tree's minimal filesystem model (a
// dentry of rootfs, tmpfs or the boot disk), reached through the mount at.
// Directories are 0755; the model keeps no owners or modes.
type mountDir struct {
	g  *mntns.Globals
	at mntns.Path
}

func (d mountDir) Mode() uint32 { return S_IFDIR | 0o755 }

// Lookup is used only by callers outside the walk (which steps through
// mntns to follow mounts).
func (d mountDir) Lookup(t *Task, name string) (Inode, error) {
	next, ok := d.g.Step(d.at, name)
	if !ok {
		return nil, uapi.Err("lookup", uapi.ENOENT, name+": no such file or directory", "lookup_slow")
	}
	return t.k.inodeAt(d.g, next), nil
}

// Readdir lists the directory's children in name order.
func (d mountDir) Readdir(*Task) ([]string, error) { return d.g.Children(d.at.Dentry), nil }

// emptyDir is a directory with no entries (the root before anything is mounted).
type emptyDir struct{}

func (emptyDir) Mode() uint32 { return S_IFDIR | 0o755 }
func (emptyDir) Lookup(*Task, string) (Inode, error) {
	return nil, uapi.Err("lookup", uapi.ENOENT, "no such file or directory", "lookup")
}
func (emptyDir) Readdir(*Task) ([]string, error) { return nil, nil }

// StaticDir is a directory with a fixed set of children, for the skeleton of
// the boot filesystem ("/", "/sys", "/sys/fs", ...).
type StaticDir struct {
	Perm     uint32
	Children map[string]Inode
}

func (d *StaticDir) Mode() uint32 { return S_IFDIR | d.Perm }

// Lookup returns the named child or ENOENT.
func (d *StaticDir) Lookup(_ *Task, name string) (Inode, error) {
	if c, ok := d.Children[name]; ok {
		return c, nil
	}
	return nil, uapi.Err("lookup", uapi.ENOENT, name+": no such file or directory", "lookup")
}

// Readdir lists the children in name order.
func (d *StaticDir) Readdir(*Task) ([]string, error) {
	names := make([]string, 0, len(d.Children))
	for n := range d.Children {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// RootFS is the boot root filesystem: the directories the simulated
// filesystems are mounted on.
type RootFS struct{ root StaticDir }

// NewRootFS builds "/" with /proc, /sys, /sys/fs and /sys/fs/cgroup.
func NewRootFS() *RootFS {
	leaf := func() *StaticDir { return &StaticDir{Perm: 0o555, Children: map[string]Inode{}} }
	cg := leaf()
	fs := &StaticDir{Perm: 0o755, Children: map[string]Inode{"cgroup": cg}}
	sys := &StaticDir{Perm: 0o555, Children: map[string]Inode{"fs": fs}}
	return &RootFS{root: StaticDir{Perm: 0o755, Children: map[string]Inode{"proc": leaf(), "sys": sys}}}
}

// Root implements Filesystem.
func (r *RootFS) Root() Dir { return &r.root }

// dirFile is an open directory: read(2) on it is EISDIR.
type dirFile struct{}

func (dirFile) Read(*Task, int64, int) ([]byte, error) {
	return nil, uapi.Err("read", uapi.EISDIR, "is a directory", "generic_read_dir")
}
func (dirFile) Write(*Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EBADF, "directory opened read-only", "vfs_write")
}
func (dirFile) Release(*ns.Ctx) {}

// DirMaker is a directory whose filesystem supports mkdir(2) and rmdir(2)
// (inode_operations.mkdir and .rmdir), as cgroupfs does.
type DirMaker interface {
	Dir
	Mkdir(t *Task, name string, mode uint32) error
	Rmdir(t *Task, name string) error
}

// Mkdir mirrors mkdir(2): the parent directory must exist (ENOENT) and be a
// directory (ENOTDIR) of a filesystem that makes directories (EPERM
// otherwise); the filesystem does the rest.
func (t *Task) Mkdir(path string, mode uint32) error {
	return t.dirOp("mkdir", path, func(d DirMaker, name string) error { return d.Mkdir(t, name, mode) })
}

// Rmdir mirrors rmdir(2) likewise.
func (t *Task) Rmdir(path string) error {
	return t.dirOp("rmdir", path, func(d DirMaker, name string) error { return d.Rmdir(t, name) })
}

func (t *Task) dirOp(op, path string, do func(DirMaker, string) error) error {
	if err := t.enter(op); err != nil {
		return err
	}
	defer t.leave()
	comps := splitPath(path)
	if len(comps) == 0 {
		return uapi.Err(op, uapi.EEXIST, "/ exists", "filename_create")
	}
	parent, err := t.lookup(op, "/"+strings.Join(comps[:len(comps)-1], "/"), true)
	if err != nil {
		return err
	}
	d, ok := parent.(Dir)
	if !ok {
		return uapi.Err(op, uapi.ENOTDIR, path+": parent is not a directory", "filename_create")
	}
	m, ok := d.(DirMaker)
	if !ok {
		return uapi.Err(op, uapi.EPERM, path+": the filesystem does not create directories", "vfs_"+op)
	}
	return relabelNil(do(m, comps[len(comps)-1]), op)
}
