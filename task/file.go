package task

import (
	"strconv"
	"strings"
	"sync"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// RLIMIT_NOFILE_DEFAULT is the default soft limit on open files (INR_OPEN_CUR).
const RLIMIT_NOFILE_DEFAULT = 1024

// File mirrors the part of struct file the simulator needs: its count (f_count),
// the path it was opened by, and, for an nsfs file, its namespace. All open
// files on one namespace share its nsfs inode, which holds one namespace
// reference between them (ns.NSFSGet).
type File struct {
	count refcount.Atomic
	path  string
	ns    ns.Namespace // non-nil for nsfs files
	node  refcount.Node
}

// Path returns the path the file was opened by.
func (f *File) Path() string { return f.path }

// Namespace returns the namespace of an nsfs file (nil otherwise), without a reference.
func (f *File) Namespace() ns.Namespace { return f.ns }

// Count reads f_count.
func (f *File) Count() int64 { return int64(f.count.Read()) }

// RefKind, RefID and RefCount let the leak registry list the file.
func (f *File) RefKind() string { return "file" }
func (f *File) RefID() string   { return f.path }
func (f *File) RefCount() int64 { return f.Count() }

func (f *File) get() { f.count.Inc() }

// put mirrors fput: the last reference releases the file, and an nsfs file's
// release drops its namespace reference (nsfs_evict → ns->ops->put).
func (f *File) put(ctx *ns.Ctx) {
	if f.count.DecAndTest() {
		ctx.Env.Refs.Untrack(&f.node)
		if f.ns != nil {
			ns.NSFSPut(ctx, f.ns)
		}
	}
}

// filesStruct mirrors struct files_struct: the fd table, shared by CLONE_FILES.
type filesStruct struct {
	count refcount.Atomic
	mu    sync.Mutex // file_lock
	fds   []*File
}

// dupFD mirrors dup_fd (fs/file.c): a new table with the same open files, each
// with a new reference. An empty table copies without allocating.
func dupFD(old, dst *filesStruct) {
	dst.count.Set(1)
	old.mu.Lock()
	defer old.mu.Unlock()
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

// fget mirrors fget: the file at fd with a new reference, or nil.
func (fs *filesStruct) fget(fd int) *File {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fd < 0 || fd >= len(fs.fds) || fs.fds[fd] == nil {
		return nil
	}
	f := fs.fds[fd]
	f.get()
	return f
}

// Open opens path for reading and returns the lowest free descriptor, as
// open(2) with O_RDONLY does. The paths the simulator knows are procfs's
// namespace links, /proc/<pid>/ns/<type> (and /proc/self/ns/<type>), which
// yield nsfs files holding a namespace reference, and the directories "/",
// "/proc" and "/proc/<pid>". Anything else is ENOENT.
func (t *Task) Open(path string) (int, error) {
	if err := t.enter("open"); err != nil {
		return -1, err
	}
	defer t.leave()
	f, err := t.openFile(path)
	if err != nil {
		return -1, err
	}
	t.allocLock.Lock()
	files := t.files
	t.allocLock.Unlock()
	fd, err := files.install(f)
	if err != nil {
		f.put(&t.ctx)
	}
	return fd, err
}

func (t *Task) openFile(path string) (*File, error) {
	target, rest, err := t.resolveProc(path, "open")
	if err != nil {
		return nil, err
	}
	f := &File{path: path}
	f.count.Set(1)
	if strings.HasPrefix(rest, "ns/") {
		n, err := t.procNSGet(target, strings.TrimPrefix(rest, "ns/"), "open")
		if err != nil {
			return nil, err
		}
		ns.NSFSGet(&t.ctx, n)
		f.ns = n
	} else if rest != "" {
		return nil, uapi.Err("open", uapi.ENOENT, path+" does not exist in the simulator", "path_openat")
	}
	t.k.Env.Refs.Track(&f.node, f)
	return f, nil
}

// resolveProc parses a path under /proc: the target task for "/proc/<pid>/..."
// (nil for "/" and "/proc") and the part after the pid.
func (t *Task) resolveProc(path, op string) (*Task, string, error) {
	switch strings.TrimRight(path, "/") {
	case "", "/proc":
		return nil, "", nil
	}
	rest, ok := strings.CutPrefix(path, "/proc/")
	if !ok {
		return nil, "", uapi.Err(op, uapi.ENOENT, path+" does not exist in the simulator", "path_openat")
	}
	pidPart, rest, _ := strings.Cut(rest, "/")
	var target *Task
	switch pidPart {
	case "self":
		target = t.groupLeader
	case "thread-self":
		target = t
	default:
		n, err := strconv.Atoi(pidPart)
		if err != nil || n <= 0 {
			return nil, "", uapi.Err(op, uapi.ENOENT, path+": no such /proc entry", "proc_pid_lookup")
		}
		target = t.k.Task(int32(n))
		if target == nil {
			return nil, "", uapi.Err(op, uapi.ENOENT, "no task with pid "+pidPart, "proc_pid_lookup")
		}
	}
	return target, strings.TrimRight(rest, "/"), nil
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
