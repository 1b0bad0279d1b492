package procfs

import (
	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// netLink is /proc/net, the symlink proc_net_init makes to "self/net".
type netLink struct{}

func (netLink) Mode() uint32                        { return task.S_IFLNK | 0o777 }
func (netLink) Readlink(*task.Task) (string, error) { return "self/net", nil }

// netDir is /proc/<pid>/net (fs/proc/proc_net.c): the files of the task's
// network namespace, resolved at lookup (get_proc_task_net; a task without
// an nsproxy has none: ENOENT). Only dev is simulated.
type netDir struct{ t *task.Task }

func (netDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

func (d netDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	if name == "dev" {
		return netDevFile{d.t}, nil
	}
	return nil, noent("/proc/<pid>/net/" + name)
}

func (netDir) Readdir(*task.Task) ([]string, error) { return []string{"dev"}, nil }

// netDevFile is /proc/<pid>/net/dev (net/core/net-procfs.c dev_seq_show):
// opening takes a reference on the task's network namespace
// (seq_open_net), dropped at release.
type netDevFile struct{ t *task.Task }

func (netDevFile) Mode() uint32 { return task.S_IFREG | 0o444 }

func (f netDevFile) Open(_ *task.Task, flags int) (task.FileOps, error) {
	if flags&task.O_ACCMODE != task.O_RDONLY {
		return nil, uapi.Err("open", uapi.EACCES, "/proc/<pid>/net/dev is read-only", "generic_permission")
	}
	p := f.t.NSProxy()
	if p == nil {
		return nil, uapi.Err("open", uapi.ENOENT, "the task has no network namespace", "get_proc_task_net")
	}
	n := p.NET()
	n.Get()
	return &openNetDev{n}, nil
}

type openNetDev struct{ n *netns.Namespace }

func (o *openNetDev) Read(_ *task.Task, off int64, n int) ([]byte, error) {
	return window([]byte(o.n.ShowDev()), off, n), nil
}

func (*openNetDev) Write(*task.Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EBADF, "not open for writing", "vfs_write")
}

func (o *openNetDev) Release(ctx *ns.Ctx) { o.n.Put(ctx) }

// Pinned reports the namespace the open file holds (for kernsim.Check).
func (o *openNetDev) Pinned() ns.Namespace { return o.n }
