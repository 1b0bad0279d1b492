package procfs

import (
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// mountsFile is /proc/<pid>/mountinfo or /proc/<pid>/mounts
// (fs/proc_namespace.c): the target task's mount namespace, seen from its
// root. Opening takes a reference on the namespace (mounts_open_common:
// get_mnt_ns under task_lock; a task without an nsproxy is EINVAL) that the
// release drops; every read renders the whole table afresh.
type mountsFile struct {
	t    *task.Task
	info bool // mountinfo rather than mounts
}

func (mountsFile) Mode() uint32 { return task.S_IFREG | 0o444 }

func (f mountsFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if flags&task.O_ACCMODE != task.O_RDONLY {
		return nil, uapi.Err("open", uapi.EACCES, "/proc/<pid>/mount* is read-only", "generic_permission")
	}
	n := f.t.GetMntNS()
	if n == nil {
		return nil, uapi.Err("open", uapi.EINVAL, "the task has no mount namespace", "mounts_open_common")
	}
	return &openMounts{n: n, info: f.info}, nil
}

type openMounts struct {
	n    *mntns.Namespace
	info bool
}

func (o *openMounts) Read(_ *task.Task, off int64, n int) ([]byte, error) {
	var text string
	if o.info {
		text = mntns.MountInfo(o.n, "/")
	} else {
		text = mntns.Mounts(o.n, "/")
	}
	return window([]byte(text), off, n), nil
}

func (*openMounts) Write(*task.Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EBADF, "not open for writing", "vfs_write")
}

func (o *openMounts) Release(ctx *ns.Ctx) { o.n.Put(ctx) }

// mountsLink is /proc/mounts, the symlink proc_root_init makes to
// "self/mounts".
type mountsLink struct{}

func (mountsLink) Mode() uint32                        { return task.S_IFLNK | 0o777 }
func (mountsLink) Readlink(*task.Task) (string, error) { return "self/mounts", nil }

// Pinned reports the namespace the open file holds (for kernsim.Check).
func (o *openMounts) Pinned() ns.Namespace { return o.n }
