package task

import (
	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/uapi"
)

// switchTaskNamespaces mirrors switch_task_namespaces (kernel/nsproxy.c): swap
// p's nsproxy (under task_lock in the kernel; here the big kernel lock, which
// every reader of the pointer holds or excludes), then drop the old one
// (free_nsproxy at zero). The reference on new is the caller's, handed over
// to p.
func switchTaskNamespaces(ctx *ns.Ctx, p *Task, new *nsproxy.NSProxy) {
	ctx.Enter("switch_task_namespaces")
	defer ctx.Exit("switch_task_namespaces")
	old := p.nsproxy
	p.nsproxy = new
	if old != nil {
		old.Put(ctx)
	}
}

// Exit mirrors exit(2) → do_exit (kernel/exit.c): the task drops its files,
// fs_struct, mm and namespaces (exit_task_namespaces, before exit_notify, so a
// zombie has no nsproxy) and becomes a zombie that keeps its pid and cred until
// its parent reaps it with Wait. A thread that is not its group's leader is
// released at once. Its children are given to init. The global init cannot
// exit: the kernel would panic ("Attempted to kill init!"), the simulator
// refuses with EPERM and changes nothing.
func (t *Task) Exit(code int) error {
	if err := t.enter("exit"); err != nil {
		return err
	}
	defer t.leave()
	if t == t.k.init {
		return uapi.Err("exit", uapi.EPERM, "Attempted to kill init! (the kernel panics here)", "do_exit")
	}
	t.doExit((code & 0xff) << 8)
	return nil
}

// doExit runs do_exit for t with wait status status ((code << 8) for exit(2),
// the signal number for a fatal signal); the caller holds the big kernel lock
// and t is in no other syscall (or it is t's own, about to return).
func (t *Task) doExit(status int) {
	ctx := &t.ctx
	ctx.Enter("do_exit")
	defer ctx.Exit("do_exit")
	// exit_signals: PF_EXITING, under the threadgroup rwsem.
	t.k.Cgroup.ThreadgroupChangeBegin()
	t.exiting.Store(true)
	t.k.Cgroup.ThreadgroupChangeEnd()
	t.exitMM()
	t.exitFilesFS()
	t.exitTaskNamespaces()
	t.k.Cgroup.Exit(ctx, t) // cgroup_exit: off the css_set's task list
	t.exitNotify(status)
}

func (t *Task) exitMM() {
	t.mm.users.Dec()
}

// exitFilesFS mirrors exit_files and exit_fs (fs/file.c, fs/fs_struct.c)
// under one task_lock section: detach the fd table (put_files_struct closes
// every file with the last user) and the fs_struct (users--).
func (t *Task) exitFilesFS() {
	t.allocLock.Lock()
	files := t.files
	t.files = nil
	if t.fs != nil {
		t.fs.users--
		t.fs = nil
	}
	t.allocLock.Unlock()
	if files != nil {
		putFiles(&t.ctx, files)
	}
}

// exitTaskNamespaces mirrors exit_task_namespaces (kernel/nsproxy.c):
// switch_task_namespaces(p, NULL).
func (t *Task) exitTaskNamespaces() {
	t.ctx.Enter("exit_task_namespaces")
	switchTaskNamespaces(&t.ctx, t, nil)
	t.ctx.Exit("exit_task_namespaces")
}

// exitNotify mirrors exit_notify (kernel/exit.c) for a task whose wait status
// is status: find the child reaper (find_child_reaper: another live thread
// takes over a dying pid-namespace init's role; a dying init with none zaps its
// namespace first), reparent the children (forget_original_parent: to a live
// thread of the group, else to the reaper), become a zombie and wake the
// parent. A non-leader thread, and a child whose parent ignores SIGCHLD, is
// released at once.
func (t *Task) exitNotify(status int) {
	t.ctx.Mark("exit_notify")
	k := t.k
	active := t.ActivePidNS()
	if active.ChildReaper() == t {
		k.tasklist.Lock(&k.Env)
		others := k.otherLiveThreadsLocked(t)
		if len(others) > 0 {
			active.SetChildReaper(others[0])
		}
		k.tasklist.Unlock(&k.Env)
		if len(others) == 0 && !active.IsInit() {
			t.zapPidNSProcesses(active)
		}
	}
	k.tasklist.Lock(&k.Env)
	reaper, _ := active.ChildReaper().(*Task)
	if others := k.otherLiveThreadsLocked(t); len(others) > 0 {
		reaper = others[0]
	}
	if reaper == nil || reaper == t {
		reaper = k.init
	}
	for c := t.children.head; c != nil; {
		next := c.sibling.next
		t.children.remove(c)
		c.realParent = reaper
		reaper.children.add(c)
		c = next
	}
	t.signal.nrThreads.Add(-1)
	t.exitCode = status
	t.state.Store(uint32(Zombie))
	autoreap := t.groupLeader != t ||
		(t.signal.nrThreads.Load() == 0 && t.realParent != nil && t.realParent.signal.ignoreSIGCHLD)
	if autoreap {
		k.releaseTaskLocked(&t.ctx, t)
	}
	k.childExit.Broadcast()
	k.tasklist.Unlock(&k.Env)
	if autoreap {
		k.freeTask(&t.ctx, t)
	}
}

// zapPidNSProcesses mirrors zap_pid_ns_processes (kernel/pid_namespace.c),
// run by a pid namespace's dying init: forks into the namespace now fail
// (disable_pid_allocation), SIGCHLD is ignored so children are reaped as they
// die, every other task of the namespace (number ≥ 2 there, which includes
// every deeper namespace) is killed with SIGKILL, and the init's zombie
// children are reaped. The kernel then sleeps until the last of those tasks is
// reaped; the simulator does not block there (a task that another namespace's
// parent must reap stays a zombie until it is). It does wait until every
// victim has exited: one that was inside a syscall on another goroutine dies
// when that call returns, and until then it is still the init's child.
func (t *Task) zapPidNSProcesses(n *pidns.Namespace) {
	ctx := &t.ctx
	ctx.Enter("zap_pid_ns_processes")
	defer ctx.Exit("zap_pid_ns_processes")
	pidns.DisablePidAllocation(ctx, n)
	t.k.tasklist.Lock(&t.k.Env)
	t.signal.ignoreSIGCHLD = true
	t.k.tasklist.Unlock(&t.k.Env)
	var victims []*Task
	for _, p := range n.AppendPids(nil) {
		if p.Nr(n) < 2 {
			continue
		}
		if victim, ok := p.Task().(*Task); ok && victim != t {
			victim.kill(uapi.SIGKILL)
			victims = append(victims, victim)
		}
	}
	for _, v := range victims {
		for State(v.state.Load()) == Running {
			t.k.childExit.Wait()
		}
	}
	t.reapZombieChildren()
}

// kill delivers a fatal signal: the task exits with the signal as its wait
// status. The caller holds the big kernel lock, so the task is either in no
// syscall (it dies at once) or asleep in one, wait4 or a pid namespace's
// zap: the signal is made pending and the sleepers woken, and the task dies
// when it wakes (fatal_signal_pending) or when its call returns (leave).
func (t *Task) kill(sig uapi.Signal) {
	t.pendingKill.Store(int32(sig))
	if t.inSyscall {
		t.k.childExit.Broadcast()
		return
	}
	if State(t.state.Load()) == Running {
		t.doExit(int(sig))
	}
}

// reapZombieChildren releases every zombie child (kernel_wait4(-1, __WALL)
// until nothing is left to reap).
func (t *Task) reapZombieChildren() {
	k := t.k
	for {
		k.tasklist.Lock(&k.Env)
		var z *Task
		for c := t.children.head; c != nil; c = c.sibling.next {
			if State(c.state.Load()) == Zombie && c.signal.nrThreads.Load() == 0 {
				z = c
				break
			}
		}
		if z == nil {
			k.tasklist.Unlock(&k.Env)
			return
		}
		k.releaseTaskLocked(&t.ctx, z)
		k.tasklist.Unlock(&k.Env)
		k.freeTask(&t.ctx, z)
	}
}

// releaseTaskLocked mirrors release_task (kernel/exit.c) under tasklist_lock:
// unhash the task and free its pid (free_pid in every level, then put_pid),
// and unlink it from its parent. The cred is put by the caller after the lock
// (put_task_struct → exit_creds). The task_struct itself is not in the leak
// registry: its struct pid is, from alloc_pid to free_pid.
func (k *Kernel) releaseTaskLocked(ctx *ns.Ctx, p *Task) {
	p.state.Store(uint32(Dead))
	pidns.FreePid(ctx, p.thread, nil) // detaches the task from its pid too
	k.nrThreads.Add(-1)
	if p.realParent != nil && p.groupLeader == p {
		p.realParent.children.remove(p)
	}

}

// otherLiveThreadsLocked returns the threads of t's group other than t that
// have not exited, in pid order (for_each_thread skipping PF_EXITING ones). The
// caller holds tasklist. Only a group with other live threads costs a scan.
func (k *Kernel) otherLiveThreadsLocked(t *Task) []*Task {
	if t.signal.nrThreads.Load() <= 1 {
		return nil
	}
	var s []*Task
	for _, p := range k.TasksLocked() {
		if p != t && p.tgid == t.tgid && State(p.state.Load()) == Running {
			s = append(s, p)
		}
	}
	return s
}

// WNOHANG is wait4's option to return at once when no child has exited.
const WNOHANG = 1

// Wait mirrors wait4(pid, &status, options, NULL) (kernel/exit.c: do_wait) for
// children of any exit signal (as with __WALL): pid > 0 waits for that child,
// -1 for any. It reaps a zombie child (release_task: its pid is freed and its
// cred put) and returns its pid and wait status (exit code << 8). With WNOHANG
// it returns pid 0 when no child has exited yet; without it, it blocks until
// one does. ECHILD when there is no such child.
func (t *Task) Wait(pid int32, options int) (int32, int, error) {
	if err := t.enter("wait4"); err != nil {
		return 0, 0, err
	}
	defer t.leave()
	k := t.k
	t.ctx.Enter("do_wait")
	defer t.ctx.Exit("do_wait")
	k.tasklist.Lock(&k.Env)
	for {
		found := false
		// do_wait looks at the children of every thread of the group
		// (while_each_thread; __WNOTHREAD is not modelled).
		waiters := []*Task{t}
		if others := k.otherLiveThreadsLocked(t); len(others) > 0 {
			waiters = append(waiters, others...)
		}
		for _, w := range waiters {
			for c := w.children.head; c != nil; c = c.sibling.next {
				if pid > 0 && c.thread.Nr(t.ActivePidNS()) != pid || c.groupLeader != c {
					continue
				}
				found = true
				if State(c.state.Load()) == Zombie && c.signal.nrThreads.Load() == 0 {
					status := c.exitCode
					nr := c.thread.Nr(t.ActivePidNS()) // as the waiter's namespace sees it
					t.ctx.Enter("release_task")
					k.releaseTaskLocked(&t.ctx, c)
					k.tasklist.Unlock(&k.Env)
					k.freeTask(&t.ctx, c)
					t.ctx.Exit("release_task")
					return nr, status, nil
				}
			}
		}
		if !found {
			k.tasklist.Unlock(&k.Env)
			return 0, 0, uapi.Err("wait4", uapi.ECHILD, "no such child", "do_wait")
		}
		if options&WNOHANG != 0 {
			k.tasklist.Unlock(&k.Env)
			return 0, 0, nil
		}
		if sig := t.pendingKill.Load(); sig != 0 { // fatal_signal_pending, before sleeping
			k.tasklist.Unlock(&k.Env)
			t.doExit(int(sig))
			return 0, 0, uapi.Err("wait4", uapi.EINTR, "killed while waiting", "do_wait")
		}
		k.tasklist.Unlock(&k.Env)
		k.childExit.Wait() // sleeps without the big kernel lock
		k.tasklist.Lock(&k.Env)
	}
}
