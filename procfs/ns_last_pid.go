package procfs

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/sysctl"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// lastPidFile is /proc/sys/kernel/ns_last_pid (kernel/pid_namespace.c,
// CONFIG_CHECKPOINT_RESTORE): the last pid handed out in the reader's active
// pid namespace. Mode 0666: anyone opens it, the handler checks writes.
type lastPidFile struct{}

func (lastPidFile) Mode() uint32 { return task.S_IFREG | 0o666 }

// Open mirrors sysctl_perm with mode 0666: every access mode is allowed.
func (f lastPidFile) Open(*task.Task, int) (task.FileOps, error) { return f, nil }

// Read mirrors pid_ns_ctl_handler → proc_dointvec_minmax for reading in the
// reader's active pid namespace (task_active_pid_ns(current), looked up at
// each call): idr cursor - 1 as "%d\n" (-1 before the namespace's first pid).
// Like every integer sysctl it answers only a read at offset 0 (a read at a
// later offset is end of file), truncating to the buffer and adding the
// newline only if it fits.
func (lastPidFile) Read(t *task.Task, off int64, n int) ([]byte, error) {
	if off != 0 || n <= 0 {
		return nil, nil
	}
	s := strconv.Itoa(t.ActivePidNS().LastPid())
	if n > len(s) {
		return []byte(s + "\n"), nil
	}
	return []byte(s[:n]), nil
}

// Write mirrors pid_ns_ctl_handler for writing: EPERM unless the writer has
// CAP_SYS_ADMIN over the owner of its active pid namespace; then
// proc_dointvec_minmax with the range [0, pid_max] (EINVAL otherwise, nothing
// stored), and the cursor becomes the value + 1, so the next fork in the
// namespace tries that number first. The count returned is what the parser
// consumed (a value, then trailing blanks); a write at a non-zero offset is
// ignored whole (sysctl_writes_strict).
func (lastPidFile) Write(t *task.Task, off int64, p []byte) (int, error) {
	pidNS := t.ActivePidNS()
	if !userns.NSCapable(t.Cred(), pidNS.UserNS(), uapi.CAP_SYS_ADMIN) {
		return 0, uapi.Err("write", uapi.EPERM, "no CAP_SYS_ADMIN over the pid namespace's owner", "pid_ns_ctl_handler")
	}
	if off != 0 {
		return len(p), nil
	}
	n, v, stored, err := parseMinmaxInt(t, p, 0, int32(pidNS.PidMax()), "[0, pid_max]")
	if err != nil || !stored {
		return n, err
	}
	if err := pidNS.SetLastPid(int(v)); err != nil {
		return 0, err
	}
	return n, nil
}

func (lastPidFile) Release(*ns.Ctx) {}

// parseMinmaxInt parses a write to a one-int proc_dointvec_minmax file with
// the range [lo, hi] (package sysctl, in the writer's flavour; what names
// the range in the error). It returns the count write(2) reports, the
// value, and stored false for an empty write, which stores nothing and
// succeeds; anything else that is not a number in range is EINVAL.
func parseMinmaxInt(t *task.Task, p []byte, lo, hi int32, what string) (n int, v int32, stored bool, err error) {
	n, errno := sysctl.ParseIntvec(p, func(_ int, x int32) { v, stored = x, true }, 1, sysctl.DointvecMinmax, &lo, &hi, t.Ctx().Env.Mainline())
	if errno != 0 {
		return 0, 0, false, uapi.Err("write", errno, strconv.Quote(string(p))+" is not an integer in "+what, "proc_dointvec_minmax")
	}
	return n, v, stored, nil
}
