// Package task models task_struct and the system calls a task makes
// (kernel/fork.c, kernel/exit.c, kernel/sys.c, kernel/signal.c, fs/file.c,
// fs/nsfs.c, fs/namespace.c). Kernel holds one simulated kernel's task-level
// state: its ns.Env, each namespace package's Globals, the cgroup core, and
// the tasks, found through init_pid_ns. Task is one thread; its methods
// (Clone, Unshare, Setns, Open, Read, Write, Mount, Kill, Exit, Wait, ...)
// are its syscalls. The file interface that procfs and cgroupfs implement
// (vfs.go) and the fd table (files_struct) live here too.
//
// # The big kernel lock
//
// Every syscall runs under the Kernel's big kernel lock, Env.BKL (Getpid
// and Gettid read numbers that never change and take nothing; Getppid,
// Getpgid and Getsid take the lock without entering a call): enter takes it and leave releases it, so calls into one
// Kernel run one at a time; separate Kernels share nothing and run in
// parallel. NewKernel serialises the Env (ns.Env.Serialise) before anything
// is shared: counters are plain words and the KLocks are not taken. A task's
// inSyscall (under the BKL) marks a call that is running or sleeping; a
// second goroutine calling into the same task waits on Kernel.sysIdle, a
// sync.Cond on the BKL, as one thread executes one call at a time. wait4
// (Wait) sleeps on Kernel.childExit, a Cond whose L is the BKL, so a
// sleeping Wait releases the lock and other tasks' calls run; exit_notify
// broadcasts it, and a dying pid-namespace init waits there for its victims.
// PowerOff holds the BKL throughout, except while it waits on sysIdle for a
// killed sleeper's call (or init's wait4) to return.
//
// kill of a task that is in a syscall (asleep, since the killer holds the
// BKL) sets its pending fatal signal and broadcasts childExit; the victim
// runs do_exit when it wakes (Wait then fails with EINTR) or at leave, as the
// kernel acts on a fatal signal at the return to user space. A task in no
// syscall is killed directly: the killer runs its do_exit.
//
// Kernel.Lock and Unlock expose the BKL to inspection code. Kernel.Tasks and
// Kernel.Task take it; TasksLocked serves callers already inside a syscall
// (procfs, cgroupfs, this package's own syscalls).
//
// # Readers
//
// State guarded only by the BKL is for code in a syscall, a holder of
// Kernel.Lock, or a moment when no syscall is in flight (a test that has
// joined its goroutines): the task's nsproxy pointer (NSProxy, Hostname;
// switch_task_namespaces writes it under the BKL alone), the process tree
// (Parent, Children, GroupLeader, PgrpPid, SessionPid, IgnoresSIGCHLD), the
// pid table, and every count of the serialised refcount domain
// (NSProxy().Count(), a namespace's Count(), ...). Task state, nr_threads, a thread group's size and
// flags, and the pending fatal signal are atomics written under the BKL and
// read without a lock (State, NrThreads, Threads).
//
// # Lock order
//
// Env.BKL → tasklist_lock (Kernel.tasklist, an ns.KLock: not taken in a
// Kernel, the BKL stands in for it) → task_lock (Task.allocLock) → the
// cgroup core's and the namespace packages' locks (each package's doc gives
// its own order). task_lock guards the cred, fs and files pointers and comm,
// and is still taken because Cred, FSUsers, Comm, Fds, File and MaxFDs read
// them outside any syscall. file_lock (filesStruct.mu) is taken alone:
// writers of an fd table hold the BKL and file_lock; fget and dup_fd read it
// under the BKL alone; the inspection methods Fds, File and MaxFDs take
// file_lock; put_files_struct of an empty table takes no lock.
package task
