package procfs

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// pidMaxFile is /proc/sys/kernel/pid_max (mode 0644): in 4.19 the global
// kernel/sysctl.c entry, a root-owned file; in mainline (≈6.14) a per pid
// namespace table (kernel/pid.c, pid_table_root_lookup: the reader's active
// pid namespace) whose permission is pid_table_root_permissions.
type pidMaxFile struct{}

func (pidMaxFile) Mode() uint32 { return task.S_IFREG | 0o644 }

func (pidMaxFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if !t.Ctx().Env.Mainline() {
		if err := mayOpenRootFile(t, flags); err != nil {
			return nil, err
		}
		return pidMaxFile{}, nil
	}
	if flags&task.O_ACCMODE != task.O_RDONLY && !pidTableRootMayWrite(t.Cred(), t.ActivePidNS()) {
		return nil, uapi.Err("open", uapi.EACCES, "pid_max of this pid namespace belongs to its owner's root", "pid_table_root_permissions")
	}
	return pidMaxFile{}, nil
}

// pidTableRootMayWrite is the write half of pid_table_root_permissions:
// the owner's bits (rw) apply to a caller with CAP_SYS_ADMIN over the pid
// namespace's owner or whose euid is that namespace's root; the group and
// other bits of 0644 do not allow writing.
func pidTableRootMayWrite(c *userns.Cred, n *pidns.Namespace) bool {
	if userns.NSCapable(c, n.UserNS(), uapi.CAP_SYS_ADMIN) {
		return true
	}
	root := userns.MakeKUID(n.UserNS(), 0)
	return root != userns.NoID && c.EUID == root
}

// Read shows the reader's pid_max ("%d\n").
func (pidMaxFile) Read(t *task.Task, off int64, n int) ([]byte, error) {
	return window([]byte(strconv.Itoa(t.ActivePidNS().PidMax())+"\n"), off, n), nil
}

// Write mirrors proc_dointvec_minmax with [pid_max_min, pid_max_max]
// (RESERVED_PIDS+1 and PID_MAX_LIMIT): EINVAL outside, nothing stored. A
// write past offset 0 is ignored (sysctl_writes_strict).
func (pidMaxFile) Write(t *task.Task, off int64, p []byte) (int, error) {
	if off != 0 {
		return len(p), nil
	}
	n, v, stored, err := parseMinmaxInt(t, p, pidns.PID_MAX_MIN, pidns.PID_MAX_LIMIT, "[pid_max_min, pid_max_max]")
	if err != nil || !stored {
		return n, err
	}
	if err := t.ActivePidNS().SetPidMax(int(v)); err != nil {
		return 0, err
	}
	return n, nil
}

func (pidMaxFile) Release(*ns.Ctx) {}
