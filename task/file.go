package task

import (
	"strconv"
	"sync"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// RLIMIT_NOFILE_DEFAULT is the default soft limit on open files (INR_OPEN_CUR).
const RLIMIT_NOFILE_DEFAULT = 1024

// File mirrors struct file: its count (f_count), the path it was opened by, the
// access mode, the position, and the operations of the filesystem it belongs
// to. An nsfs file's operations hold its namespace (see NewNSFile).
type File struct {
	count refcount.Atomic
	path  string
	flags int
	mu    sync.Mutex // f_pos_lock
	pos   int64
	ops   FileOps
	cred  *userns.Cred // f_cred: the opener's credentials, referenced
	node  refcount.Node
}

// Pinned returns the namespace an open file's operations hold a reference on
// besides nsfs (a /proc/<pid>/uid_map file holds its user namespace), or nil.
// Invariant checkers use it to account for every reference.
func (f *File) Pinned() ns.Namespace {
	if p, ok := f.ops.(interface{ Pinned() ns.Namespace }); ok {
		return p.Pinned()
	}
	return nil
}

// Cred returns f_cred, the credentials the file was opened with, without a reference.
func (f *File) Cred() *userns.Cred { return f.cred }

// Path returns the path the file was opened by.
func (f *File) Path() string { return f.path }

// Namespace returns the namespace of an nsfs file (nil otherwise), without a reference.
func (f *File) Namespace() ns.Namespace {
	if n, ok := f.ops.(*nsFile); ok {
		return n.ns
	}
	return nil
}

// Count reads f_count.
func (f *File) Count() int64 { return int64(f.count.Read()) }

// RefKind, RefID and RefCount let the leak registry list the file.
func (f *File) RefKind() string { return "file" }
func (f *File) RefID() string   { return f.path }
func (f *File) RefCount() int64 { return f.Count() }

func (f *File) get() { f.count.Inc() }

// put mirrors fput: the last reference releases the file (file_operations.release;
// for nsfs, the last file on a namespace evicts its inode and drops the
// namespace reference).
func (f *File) put(ctx *ns.Ctx) {
	if f.count.DecAndTest() {
		ctx.Env.Refs.Untrack(&f.node)
		f.ops.Release(ctx)
		f.cred.Put(ctx)
	}
}

// filesStruct mirrors struct files_struct: the fd table, shared by CLONE_FILES.
// Writers of fds hold the big kernel lock and file_lock; a reader holds
// either: fget runs inside a syscall (under BKL), the inspection methods
// (Fds, File, MaxFDs) take file_lock.
type filesStruct struct {
	count refcount.Atomic
	mu    sync.Mutex // file_lock
	fds   []*File
}

// dupFD mirrors dup_fd (fs/file.c): a new table with the same open files, each
// with a new reference. An empty table copies without allocating.
func dupFD(d *refcount.Domain, old, dst *filesStruct) {
	dst.count.Init(d, 1)
	// A reader of old's table under the big kernel lock (see filesStruct).
	n := len(old.fds)
	for n > 0 && old.fds[n-1] == nil {
		n--
	}
	if n == 0 {
		dst.fds = nil
		return
	}
	dst.fds = make([]*File, n)
	for i, f := range old.fds[:n] {
		if f != nil {
			f.get()
			dst.fds[i] = f
		}
	}
}

// putFiles mirrors put_files_struct: the last user closes every file.
func putFiles(ctx *ns.Ctx, fs *filesStruct) {
	if !fs.count.DecAndTest() {
		return
	}
	if len(fs.fds) == 0 { // nothing to close: no write, so no file_lock
		return
	}
	fs.mu.Lock()
	fds := fs.fds
	fs.fds = nil
	fs.mu.Unlock()
	for _, f := range fds {
		if f != nil {
			f.put(ctx)
		}
	}
}

// install puts f at the lowest free descriptor (get_unused_fd_flags + fd_install).
func (fs *filesStruct) install(f *File) (int, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, e := range fs.fds {
		if e == nil {
			fs.fds[i] = f
			return i, nil
		}
	}
	if len(fs.fds) >= RLIMIT_NOFILE_DEFAULT {
		return -1, uapi.Err("open", uapi.EMFILE, "RLIMIT_NOFILE reached", "get_unused_fd_flags")
	}
	fs.fds = append(fs.fds, f)
	return len(fs.fds) - 1, nil
}

// hasFree reports whether install would find a descriptor.
func (fs *filesStruct) hasFree() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, e := range fs.fds {
		if e == nil {
			return true
		}
	}
	return len(fs.fds) < RLIMIT_NOFILE_DEFAULT
}

// fget mirrors fget: the file at fd with a new reference, or nil. The caller
// is in a syscall: the big kernel lock excludes every writer of the table.
func (fs *filesStruct) fget(fd int) *File {
	if fd < 0 || fd >= len(fs.fds) || fs.fds[fd] == nil {
		return nil
	}
	f := fs.fds[fd]
	f.get()
	return f
}

// Open mirrors open(2) with O_RDONLY: the lowest free descriptor on the file
// at path. Paths resolve through the caller's mount namespace (see lookup):
// the mount tree's own directories, procfs (where /proc/<pid>/ns/<type>
// opens an nsfs file holding the namespace), cgroupfs.
func (t *Task) Open(path string) (int, error) { return t.OpenFlags(path, O_RDONLY) }

// OpenFlags mirrors open(2) with an access mode (O_RDONLY, O_WRONLY, O_RDWR).
func (t *Task) OpenFlags(path string, flags int) (int, error) {
	if err := t.enter("open"); err != nil {
		return -1, err
	}
	defer t.leave()
	f, err := t.openFile("open", path, flags)
	if err != nil {
		return -1, err
	}
	return t.fdInstall(f)
}

// allocFile mirrors alloc_empty_file with the f_op set: a struct file with
// one reference, the opener's credentials (f_cred, referenced), tracked by
// the leak registry until its last fput.
func (t *Task) allocFile(path string, flags int, ops FileOps) *File {
	f := &File{path: path, flags: flags, ops: ops, cred: t.cred.Get()}
	f.count.Init(t.k.Env.Refs, 1)
	t.k.Env.Refs.Track(&f.node, f)
	return f
}

// fdInstall mirrors get_unused_fd_flags + fd_install: f at the lowest free
// descriptor of t's table; when none is free (EMFILE) the caller's reference
// is dropped (fput). The caller is in a syscall: the big kernel lock keeps
// t.files stable.
func (t *Task) fdInstall(f *File) (int, error) {
	fd, err := t.files.install(f)
	if err != nil {
		f.put(&t.ctx)
		return -1, err
	}
	return fd, nil
}

// openFile mirrors do_filp_open: walk the path, then open the inode it ends on.
func (t *Task) openFile(op, path string, flags int) (*File, error) {
	if flags&^O_ACCMODE != 0 || flags&O_ACCMODE == O_ACCMODE {
		return nil, uapi.Err(op, uapi.EINVAL, "unsupported open flags", "build_open_flags")
	}
	ino, err := t.lookup(op, path, true)
	if err != nil {
		return nil, err
	}
	var ops FileOps
	switch i := ino.(type) {
	case MagicLink:
		ops, err = i.OpenLink(t)
	case Regular:
		ops, err = i.Open(t, flags)
	case Dir:
		if flags&O_ACCMODE != O_RDONLY {
			return nil, uapi.Err(op, uapi.EISDIR, path+" is a directory", "do_last")
		}
		if o, ok := i.(DirOpener); ok {
			ops, err = o.OpenDir(t)
		} else {
			ops = dirFile{}
		}
	default:
		return nil, uapi.Err(op, uapi.ENXIO, path+" cannot be opened", "do_last")
	}
	if err != nil {
		return nil, relabel(err, op)
	}
	return t.allocFile(path, flags, ops), nil
}

// Read mirrors read(2): at most n bytes from the file position, which advances.
func (t *Task) Read(fd, n int) ([]byte, error) {
	return t.rw("read", fd, func(f *File) (int, []byte, error) {
		if f.flags&O_ACCMODE == O_WRONLY {
			return 0, nil, uapi.Err("read", uapi.EBADF, "file not open for reading", "vfs_read")
		}
		b, err := f.ops.Read(t, f.pos, n)
		return len(b), b, err
	})
}

// Write mirrors write(2) at the file position, which advances by the count written.
func (t *Task) Write(fd int, p []byte) (int, error) {
	var wrote int
	_, err := t.rw("write", fd, func(f *File) (int, []byte, error) {
		if f.flags&O_ACCMODE == O_RDONLY {
			return 0, nil, uapi.Err("write", uapi.EBADF, "file not open for writing", "vfs_write")
		}
		n, err := f.ops.Write(t, f.pos, p)
		wrote = n
		return n, nil, err
	})
	return wrote, err
}

func (t *Task) rw(op string, fd int, do func(*File) (int, []byte, error)) ([]byte, error) {
	if err := t.enter(op); err != nil {
		return nil, err
	}
	defer t.leave()
	t.allocLock.Lock()
	files := t.files
	t.allocLock.Unlock()
	f := files.fget(fd)
	if f == nil {
		return nil, uapi.Err(op, uapi.EBADF, "fd "+strconv.Itoa(fd)+" is not open", "fdget_pos")
	}
	defer f.put(&t.ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	n, b, err := do(f)
	if err != nil {
		return nil, relabel(err, op)
	}
	f.pos += int64(n)
	return b, nil
}

// ReadFile opens path, reads it to the end and closes it, as cat(1) does,
// without using a descriptor of the task's table.
func (t *Task) ReadFile(path string) (string, error) {
	if err := t.enter("read"); err != nil {
		return "", err
	}
	defer t.leave()
	f, err := t.openFile("open", path, O_RDONLY)
	if err != nil {
		return "", err
	}
	defer f.put(&t.ctx)
	var out []byte
	for {
		b, err := f.ops.Read(t, int64(len(out)), 4096)
		if err != nil {
			return "", relabel(err, "read")
		}
		if len(b) == 0 {
			return string(out), nil
		}
		out = append(out, b...)
	}
}

// WriteFile opens path for writing, writes data with one write(2) at offset 0
// and closes it, as `echo data > path` does. A short write is not an error
// here: the count written is returned.
func (t *Task) WriteFile(path, data string) (int, error) {
	if err := t.enter("write"); err != nil {
		return 0, err
	}
	defer t.leave()
	f, err := t.openFile("open", path, O_WRONLY)
	if err != nil {
		return 0, err
	}
	defer f.put(&t.ctx)
	n, err := f.ops.Write(t, 0, []byte(data))
	return n, relabelNil(err, "write")
}

func relabelNil(err error, op string) error {
	if err == nil {
		return nil
	}
	return relabel(err, op)
}

// Readdir lists the directory at path (getdents).
func (t *Task) Readdir(path string) ([]string, error) {
	if err := t.enter("getdents"); err != nil {
		return nil, err
	}
	defer t.leave()
	ino, err := t.lookup("getdents", path, true)
	if err != nil {
		return nil, err
	}
	d, ok := ino.(Dir)
	if !ok {
		return nil, uapi.Err("getdents", uapi.ENOTDIR, path+" is not a directory", "iterate_dir")
	}
	names, err := d.Readdir(t)
	return names, relabelNil(err, "getdents")
}

// Close mirrors close(2): EBADF for a descriptor that is not open.
func (t *Task) Close(fd int) error {
	if err := t.enter("close"); err != nil {
		return err
	}
	defer t.leave()
	t.allocLock.Lock()
	files := t.files
	t.allocLock.Unlock()
	files.mu.Lock()
	if fd < 0 || fd >= len(files.fds) || files.fds[fd] == nil {
		files.mu.Unlock()
		return uapi.Err("close", uapi.EBADF, "fd "+strconv.Itoa(fd)+" is not open", "__close_fd")
	}
	f := files.fds[fd]
	files.fds[fd] = nil
	files.mu.Unlock()
	f.put(&t.ctx)
	return nil
}

// Fds returns the open descriptors in order, for inspection.
func (t *Task) Fds() []int {
	t.allocLock.Lock()
	files := t.files
	t.allocLock.Unlock()
	if files == nil {
		return nil
	}
	files.mu.Lock()
	defer files.mu.Unlock()
	var s []int
	for i, f := range files.fds {
		if f != nil {
			s = append(s, i)
		}
	}
	return s
}

// File returns the file open at fd, without a reference, or nil.
func (t *Task) File(fd int) *File {
	t.allocLock.Lock()
	files := t.files
	t.allocLock.Unlock()
	if files == nil {
		return nil
	}
	files.mu.Lock()
	defer files.mu.Unlock()
	if fd < 0 || fd >= len(files.fds) {
		return nil
	}
	return files.fds[fd]
}
