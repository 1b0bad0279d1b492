package task

import (
	"sort"
	"strings"

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

type mount struct {
	path string // "/proc"
	fs   Filesystem
}

// Mount attaches fs at path in every task's view (the boot mount table; mount
// namespaces arrive with their issue). Later mounts on the same path hide
// earlier ones.
func (k *Kernel) Mount(path string, fs Filesystem) {
	k.tasklist.Lock()
	defer k.tasklist.Unlock()
	k.mounts = append(k.mounts, mount{path: strings.TrimRight(path, "/"), fs: fs})
	sort.SliceStable(k.mounts, func(i, j int) bool { return len(k.mounts[i].path) > len(k.mounts[j].path) })
}

// maxSymlinks is the kernel's MAXSYMLINKS (40): more links in one walk is ELOOP.
const maxSymlinks = 40

// lookup mirrors path_lookupat (fs/namei.c) for absolute paths: walk the
// components from the mount covering the path, following symbolic links in the
// middle, and the last one too when follow is set.
func (t *Task) lookup(op, path string, follow bool) (Inode, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // no cwd yet: relative paths start at the root
	}
	links := 0
	comps := splitPath(path)
	var stack []string // components walked so far, for relative links
restart:
	dir, rest := t.k.mountFor(comps)
	stack = stack[:0]
	stack = append(stack, comps[:len(comps)-len(rest)]...)
	var cur Inode = dir
	for i := 0; i < len(rest); i++ {
		d, ok := cur.(Dir)
		if !ok {
			return nil, uapi.Err(op, uapi.ENOTDIR, "/"+strings.Join(stack, "/")+" is not a directory", "link_path_walk")
		}
		name := rest[i]
		if name == "." {
			continue
		}
		if name == ".." {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			comps = append(append([]string{}, stack...), rest[i+1:]...)
			goto restart
		}
		child, err := d.Lookup(t, name)
		if err != nil {
			return nil, relabel(err, op)
		}
		last := i == len(rest)-1
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
				comps = append(splitPath(target), rest[i+1:]...)
			} else {
				comps = append(append(append([]string{}, stack...), splitPath(target)...), rest[i+1:]...)
			}
			goto restart
		}
		stack = append(stack, name)
		cur = child
	}
	return cur, nil
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

// mountFor returns the root of the mount covering comps and the components
// below it.
func (k *Kernel) mountFor(comps []string) (Dir, []string) {
	k.tasklist.Lock()
	defer k.tasklist.Unlock()
	for _, m := range k.mounts {
		mc := splitPath(m.path)
		if len(mc) <= len(comps) && equalPrefix(mc, comps) {
			return m.fs.Root(), comps[len(mc):]
		}
	}
	return emptyDir{}, comps
}

func equalPrefix(p, s []string) bool {
	for i := range p {
		if p[i] != s[i] {
			return false
		}
	}
	return true
}

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
