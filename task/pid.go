package task

import (
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/uapi"
)

// The pid syscalls (kernel/sys.c). Every number is as the caller's active pid
// namespace sees it (pid_vnr); a task outside it reads as 0.

// Getpid mirrors getpid(2): the caller's tgid in its own namespace.
func (t *Task) Getpid() int32 { return t.groupLeader.thread.Nr(t.ActivePidNS()) }

// Gettid mirrors gettid(2).
func (t *Task) Gettid() int32 { return t.thread.Nr(t.ActivePidNS()) }

// Getppid mirrors getppid(2): real_parent's tgid in the caller's namespace,
// 0 when the parent is outside it (the first process of a new namespace).
// It reads the process tree under the big kernel lock (Getpgid and Getsid
// too), so it may run beside other tasks' syscalls.
func (t *Task) Getppid() int32 {
	t.k.Lock()
	defer t.k.Unlock()
	p := t.groupLeader.realParent
	if p == nil {
		return 0
	}
	return p.groupLeader.thread.Nr(t.ActivePidNS())
}

// Getpgid mirrors getpgid(2): the process group of the task numbered pid in the
// caller's namespace (0 for the caller), 0 when the group leader's pid is not
// visible there; ESRCH for no such task.
func (t *Task) Getpgid(pid int32) (int32, error) {
	t.k.Lock()
	defer t.k.Unlock()
	p, err := t.findTaskVnr("getpgid", pid)
	if err != nil {
		return 0, err
	}
	return p.signal.pgrp.Nr(t.ActivePidNS()), nil
}

// Getsid mirrors getsid(2) likewise for the session.
func (t *Task) Getsid(pid int32) (int32, error) {
	t.k.Lock()
	defer t.k.Unlock()
	p, err := t.findTaskVnr("getsid", pid)
	if err != nil {
		return 0, err
	}
	return p.signal.session.Nr(t.ActivePidNS()), nil
}

// Setsid mirrors setsid(2) (ksys_setsid): a process-group leader may not
// (EPERM); otherwise the caller's group becomes the leader of a new session
// and process group named by its own pid, which it returns.
func (t *Task) Setsid() (int32, error) {
	if err := t.enter("setsid"); err != nil {
		return 0, err
	}
	defer t.leave()
	k := t.k
	k.tasklist.Lock(&k.Env)
	leader := t.groupLeader
	if leader.signal.pgrp == leader.thread || k.isPgrpIDLocked(leader.thread) {
		k.tasklist.Unlock(&k.Env)
		return 0, uapi.Err("setsid", uapi.EPERM, "the caller is a process group leader", "ksys_setsid")
	}
	leader.signal.pgrp = leader.thread
	leader.signal.session = leader.thread
	k.tasklist.Unlock(&k.Env)
	return leader.thread.Nr(t.ActivePidNS()), nil
}

// isPgrpIDLocked reports whether some group uses p as its process group
// (pid_task(pid, PIDTYPE_PGID) in ksys_setsid).
func (k *Kernel) isPgrpIDLocked(p *pidns.Pid) bool {
	for _, o := range k.TasksLocked() {
		if o.groupLeader == o && State(o.state.Load()) != Dead && o.signal.pgrp == p {
			return true
		}
	}
	return false
}

// findTaskVnr mirrors find_task_by_vpid: pid 0 is the caller; otherwise the
// task with that number in the caller's active namespace, or ESRCH.
func (t *Task) findTaskVnr(op string, pid int32) (*Task, error) {
	if pid == 0 {
		return t, nil
	}
	if pid < 0 {
		return nil, uapi.Err(op, uapi.ESRCH, "negative pid", "find_task_by_vpid")
	}
	p, _ := t.ActivePidNS().FindTask(int(pid)).(*Task)
	if p == nil || State(p.state.Load()) == Dead {
		return nil, uapi.Err(op, uapi.ESRCH, "no such process in the caller's pid namespace", "find_task_by_vpid")
	}
	return p, nil
}

// PidIn returns the task's pid as namespace n sees it (pid_nr_ns), 0 if
// invisible there.
func (t *Task) PidIn(n *pidns.Namespace) int32 { return t.thread.Nr(n) }

// FindTaskVnr mirrors find_task_by_vpid for filesystems (cgroup.procs
// writes): the task numbered pid in t's active pid namespace, or ESRCH.
func (t *Task) FindTaskVnr(pid int32) (*Task, error) { return t.findTaskVnr("write", pid) }
