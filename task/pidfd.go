package task

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/uapi"
)

// pidfd_open(2) flags (include/uapi/linux/pidfd.h).
const (
	PIDFD_NONBLOCK = 0o4000 // O_NONBLOCK
	PIDFD_THREAD   = 0o200  // O_EXCL (6.9): the fd refers to a thread
)

// pidfdFile is the file a pidfd names (kernel/pid.c, kernel/fork.c
// pidfd_fops; 6.9+ a pidfs inode): it holds a reference on its struct pid
// (get_pid), dropped at release.
type pidfdFile struct {
	pid    *pidns.Pid
	thread bool
}

func (*pidfdFile) Read(*Task, int64, int) ([]byte, error) {
	return nil, uapi.Err("read", uapi.EINVAL, "a pidfd cannot be read", "pidfd_fops")
}
func (*pidfdFile) Write(*Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EINVAL, "a pidfd cannot be written", "pidfd_fops")
}
func (f *pidfdFile) Release(ctx *ns.Ctx) { f.pid.Put(ctx) }

// PidfdTask returns the task a pidfd refers to (nil once it has been
// reaped, or when f is not a pidfd), without a reference.
func (f *File) PidfdTask() *Task {
	p, ok := f.ops.(*pidfdFile)
	if !ok {
		return nil
	}
	t, _ := p.pid.Task().(*Task)
	return t
}

// IsPidfd reports whether f is a pidfd (pidfd_pid(file) is not an error).
func (f *File) IsPidfd() bool {
	_, ok := f.ops.(*pidfdFile)
	return ok
}

// newPidfd mirrors pidfd_prepare + fd_install: a file on pid (taking a
// reference on it) at the lowest free descriptor of t. The path shown is
// the anonymous inode's name.
func (t *Task) newPidfd(pid *pidns.Pid, thread bool) (int, error) {
	pid.Get()
	return t.fdInstall(t.allocFile("anon_inode:[pidfd]", O_RDWR, &pidfdFile{pid: pid, thread: thread}))
}

// PidfdOpen mirrors pidfd_open(2) (kernel/pid.c, mainline 5.3): flags other
// than PIDFD_NONBLOCK and PIDFD_THREAD are EINVAL, pid ≤ 0 is EINVAL, a
// number with no process in the caller's active pid namespace is ESRCH,
// and a thread that does not lead its group is EINVAL unless PIDFD_THREAD
// asks for it (pidfd_prepare). 4.19 has no such system call: ENOSYS.
func (t *Task) PidfdOpen(pid int32, flags uint32) (int, error) {
	if err := t.enter("pidfd_open"); err != nil {
		return -1, err
	}
	defer t.leave()
	if !t.k.Env.Mainline() {
		return -1, uapi.Err("pidfd_open", uapi.ENOSYS, "pidfd_open needs mainline (5.3)", "sys_ni_syscall")
	}
	if flags&^(PIDFD_NONBLOCK|PIDFD_THREAD) != 0 {
		return -1, uapi.Err("pidfd_open", uapi.EINVAL, "unknown flags", "pidfd_open")
	}
	if pid <= 0 {
		return -1, uapi.Err("pidfd_open", uapi.EINVAL, "pid "+strconv.Itoa(int(pid))+" is not positive", "pidfd_open")
	}
	target, _ := t.ActivePidNS().FindTask(int(pid)).(*Task)
	if target == nil || target.State() == Dead {
		return -1, uapi.Err("pidfd_open", uapi.ESRCH, "no process "+strconv.Itoa(int(pid)), "find_get_pid")
	}
	thread := flags&PIDFD_THREAD != 0
	if !thread && target.GroupLeader() != target {
		return -1, uapi.Err("pidfd_open", uapi.EINVAL, "task "+strconv.Itoa(int(pid))+" does not lead its thread group", "pidfd_prepare")
	}
	return t.newPidfd(target.thread, thread)
}
