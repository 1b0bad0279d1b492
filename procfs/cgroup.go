package procfs

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// cgroupFile is /proc/<pid>/cgroup (kernel/cgroup/cgroup.c proc_cgroup_show):
// one "<hierarchy id>:<controllers>:<path>" line per mounted hierarchy, v1
// first, then "0::<path>" for cgroup2. Paths are relative to the root of
// the reader's cgroup namespace on each hierarchy (cgroup_path_ns_locked
// with current->nsproxy->cgroup_ns): "/.." steps for a cgroup outside it.
type cgroupFile struct{ t *task.Task }

func (cgroupFile) Mode() uint32 { return task.S_IFREG | 0o444 }

func (f cgroupFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if flags&task.O_ACCMODE != task.O_RDONLY {
		return nil, uapi.Err("open", uapi.EACCES, "/proc/<pid>/cgroup is read-only", "generic_permission")
	}
	return f, nil
}

// Read renders the file for the reader at off; a reaped task reads ESRCH.
func (f cgroupFile) Read(r *task.Task, off int64, n int) ([]byte, error) {
	if f.t.State() == task.Dead {
		return nil, uapi.Err("read", uapi.ESRCH, "the task has been reaped", "proc_cgroup_show")
	}
	k := f.t.Kernel()
	text, err := k.Cgroup.ProcCgroupTask(r.Ctx(), f.t.CgroupTask(), f.t.Exiting(), r.CgroupNS().RootCSet())
	if err != nil {
		return nil, err
	}
	return window([]byte(text), off, n), nil
}

func (cgroupFile) Write(*task.Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EBADF, "not open for writing", "vfs_write")
}

func (cgroupFile) Release(*ns.Ctx) {}
