package procfs

import (
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// sysvipcDir is /proc/sysvipc (ipc/util.c ipc_init_proc_interface): msg,
// sem and shm, listed as proc keeps them (by length, then bytes).
type sysvipcDir struct{}

func (sysvipcDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

var sysvipcKinds = map[string]ipcns.Kind{"msg": ipcns.MSG, "sem": ipcns.SEM, "shm": ipcns.SHM}

func (sysvipcDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	if k, ok := sysvipcKinds[name]; ok {
		return sysvipcFile{k}, nil
	}
	return nil, noent("/proc/sysvipc/" + name)
}

func (sysvipcDir) Readdir(*task.Task) ([]string, error) { return []string{"msg", "sem", "shm"}, nil }

// sysvipcFile is /proc/sysvipc/<kind>: sysvipc_proc_open takes a reference
// on the opener's IPC namespace and the seq_file records the opener's user
// namespace, in which owner ids are shown.
type sysvipcFile struct{ kind ipcns.Kind }

func (sysvipcFile) Mode() uint32 { return task.S_IFREG | 0o444 }

func (f sysvipcFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if flags&task.O_ACCMODE != task.O_RDONLY {
		return nil, uapi.Err("open", uapi.EACCES, "/proc/sysvipc files are read-only", "generic_permission")
	}
	n := t.NSProxy().IPC()
	n.Get()
	return &openSysvipc{n: n, kind: f.kind, reader: t.Cred().UserNS()}, nil
}

type openSysvipc struct {
	n      *ipcns.Namespace
	kind   ipcns.Kind
	reader *userns.Namespace
}

func (o *openSysvipc) Read(_ *task.Task, off int64, n int) ([]byte, error) {
	return window(o.n.Sysvipc(o.kind, o.reader), off, n), nil
}

func (*openSysvipc) Write(*task.Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EBADF, "not open for writing", "vfs_write")
}

func (o *openSysvipc) Release(ctx *ns.Ctx) { o.n.Put(ctx) }

// Pinned reports the namespace the open file holds (for kernsim.Check).
func (o *openSysvipc) Pinned() ns.Namespace { return o.n }

// ipcSysctl is /proc/sys/kernel/<name> for the ipc_kern_table entries
// (ipc/ipc_sysctl.c): each read and write uses the caller's IPC namespace
// at that moment (get_ipc), and opening for writing is checked as the
// kernel's sysctl permission does (ipcns.SysctlPermission).
type ipcSysctl struct{ name string }

func (ipcSysctl) Mode() uint32 { return task.S_IFREG | 0o644 }

func (f ipcSysctl) Open(t *task.Task, flags int) (task.FileOps, error) {
	if err := ipcns.SysctlPermission(t.Cred(), t.NSProxy().IPC(), flags&task.O_ACCMODE != task.O_RDONLY); err != nil {
		return nil, err
	}
	return f, nil
}

func (f ipcSysctl) Read(t *task.Task, off int64, n int) ([]byte, error) {
	return t.NSProxy().IPC().SysctlRead(f.name, off, n)
}

func (f ipcSysctl) Write(t *task.Task, off int64, p []byte) (int, error) {
	return t.NSProxy().IPC().SysctlWrite(t.Ctx(), f.name, off, p)
}

func (ipcSysctl) Release(*ns.Ctx) {}

func isIPCSysctl(name string) bool {
	for _, n := range ipcns.SysctlNames() {
		if n == name {
			return true
		}
	}
	return false
}
