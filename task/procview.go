package task

import "github.com/kernsim/kernsim/nsproxy/pidns"

// Read-only views for /proc/<pid>/status (fs/proc/array.c). None of them
// changes a count or takes a reference.

// MaxThreads returns max_threads. fork_init sets init's RLIMIT_SIGPENDING to
// max_threads/2, and every task inherits it (there is no setrlimit yet).
func (k *Kernel) MaxThreads() int { return k.maxThread }

// GroupLeader returns t->group_leader (t itself for a process's first
// thread), read under tasklist_lock; nil while copy_process has not finished
// attaching the task. It is fixed after that: there is no de_thread yet.
func (t *Task) GroupLeader() *Task {
	t.k.tasklist.Lock(&t.k.Env)
	defer t.k.tasklist.Unlock(&t.k.Env)
	return t.groupLeader
}

// PgrpPid returns the thread group's PIDTYPE_PGID pid (task_pgrp) without a
// reference; its numbers stay readable however long the caller keeps it.
func (t *Task) PgrpPid() *pidns.Pid {
	t.k.tasklist.Lock(&t.k.Env)
	defer t.k.tasklist.Unlock(&t.k.Env)
	return t.signal.pgrp
}

// SessionPid returns the thread group's PIDTYPE_SID pid (task_session)
// without a reference.
func (t *Task) SessionPid() *pidns.Pid {
	t.k.tasklist.Lock(&t.k.Env)
	defer t.k.tasklist.Unlock(&t.k.Env)
	return t.signal.session
}

// IgnoresSIGCHLD reports whether the group's SIGCHLD disposition is SIG_IGN
// (set by a dying pid-namespace init in zap_pid_ns_processes).
func (t *Task) IgnoresSIGCHLD() bool {
	t.k.tasklist.Lock(&t.k.Env)
	defer t.k.tasklist.Unlock(&t.k.Env)
	return t.signal.ignoreSIGCHLD
}

// MaxFDs mirrors files_fdtable(t->files)->max_fds: 0 for a task without a
// file table (after exit_files), else the size of the fd table, which starts
// at NR_OPEN_DEFAULT (64, the embedded fd_array) and grows, never shrinking,
// to fit the highest descriptor ever installed. alloc_fdtable (fs/file.c)
// sizes the array in 1 KiB steps of 128 pointers, rounded up to a power of
// two: the highest slot nr gives 128 * roundup_pow_of_two(nr/128 + 1). A
// forked table is sized the same way from the highest open descriptor
// (dup_fd → count_open_files), which is the length the table keeps here.
func (t *Task) MaxFDs() int {
	t.allocLock.Lock()
	files := t.files
	t.allocLock.Unlock()
	if files == nil {
		return 0
	}
	files.mu.Lock()
	n := len(files.fds)
	files.mu.Unlock()
	const nrOpenDefault = 64 // NR_OPEN_DEFAULT = BITS_PER_LONG
	if n <= nrOpenDefault {
		return nrOpenDefault
	}
	const perKiB = 1024 / 8 // 1024 / sizeof(struct file *)
	steps := 1
	for steps < (n-1)/perKiB+1 {
		steps <<= 1
	}
	return steps * perKiB
}
