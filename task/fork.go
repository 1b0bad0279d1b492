package task

import (
	"strconv"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// CloneArgs are clone(2)'s arguments that matter to the simulator.
type CloneArgs struct {
	// Flags are the CLONE_* flags. As in clone(2), the low byte (CSIGNAL) is
	// the exit signal; fork(2) is clone(SIGCHLD).
	Flags uapi.CloneFlags
	// Comm names the child (default: the parent's name).
	Comm string
	// Pidfd receives the pidfd CLONE_PIDFD makes (mainline), as clone(2)
	// writes it through its parent_tid argument; nil discards it.
	Pidfd *int
}

// kernelCloneArgs mirrors struct kernel_clone_args (mainline; 4.19 passes
// the same values as _do_fork's arguments): what copy_process needs from
// either system call.
type kernelCloneArgs struct {
	flags      uapi.CloneFlags // without the exit signal
	exitSignal uapi.Signal
	comm       string
	setTID     []int32 // clone3's set_tid, innermost level first
	pidfd      *int    // where CLONE_PIDFD's descriptor goes
	cgroupFD   int     // clone3's cgroup with CLONE_INTO_CGROUP
}

// Fork mirrors fork(2): _do_fork(SIGCHLD).
func (t *Task) Fork() (*Task, error) {
	return t.Clone(CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD)})
}

// Clone mirrors clone(2) → _do_fork (kernel/fork.c, 4.19): copy_process builds
// the child, which then runs (wake_up_new_task). It returns the child; its pid
// as the parent sees it is child.PID(). On failure nothing changed: no task,
// no pid, no reference, no namespace.
func (t *Task) Clone(args CloneArgs) (*Task, error) {
	if err := t.enter("clone"); err != nil {
		return nil, err
	}
	defer t.leave()
	ctx := &t.ctx
	fn := "_do_fork"
	if ctx.Env.Mainline() {
		fn = "kernel_clone"
	}
	ctx.Enter(fn)
	defer ctx.Exit(fn)
	flags := args.Flags &^ uapi.CSIGNAL // the low byte is the exit signal
	if !ctx.Env.Mainline() {
		flags &^= uapi.CLONE_PIDFD // an unused bit in 4.19: ignored
	} else if flags&(uapi.CLONE_PIDFD|uapi.CLONE_PARENT_SETTID) == uapi.CLONE_PIDFD|uapi.CLONE_PARENT_SETTID {
		// Legacy clone passes the pidfd through parent_tid.
		return nil, uapi.Err("clone", uapi.EINVAL, "CLONE_PIDFD with CLONE_PARENT_SETTID: both write through parent_tid", "kernel_clone")
	}
	p, err := t.copyProcess(kernelCloneArgs{flags: flags, exitSignal: uapi.Signal(args.Flags & uapi.CSIGNAL), comm: args.Comm, pidfd: args.Pidfd})
	if err != nil {
		return nil, err
	}
	ctx.Mark("wake_up_new_task")
	return p, nil
}

// copyProcess mirrors copy_process (kernel/fork.c): the up-front flag checks,
// then dup_task_struct, copy_creds, the nr_threads limit, copy_files, copy_fs,
// copy_sighand, copy_signal, copy_mm, copy_namespaces, alloc_pid and the
// attach under tasklist_lock. Each failure unwinds in reverse order.
func (t *Task) copyProcess(args kernelCloneArgs) (*Task, error) {
	ctx := &t.ctx
	ctx.Enter("copy_process")
	defer ctx.Exit("copy_process")
	flags := args.flags
	if err := t.checkCloneFlags(flags); err != nil {
		return nil, err
	}

	// dup_task_struct.
	p := t.k.allocTaskStruct()
	p.k, p.comm, p.exitSignal = t.k, t.comm, args.exitSignal
	if args.comm != "" {
		p.comm = args.comm
	}
	if flags&uapi.CLONE_THREAD != 0 {
		p.exitSignal = -1
	}
	p.ctx.Init(ctx.Env, 0)
	t.k.Cgroup.Fork(p) // cgroup_fork: init_css_set, no reference, on no list

	if err := t.copyCreds(p, flags); err != nil {
		return nil, err
	}
	p.ctx.EUID = p.cred.EUID

	if int(t.k.nrThreads.Load()) >= t.k.maxThread {
		p.cred.Put(ctx)
		return nil, uapi.Err("clone", uapi.EAGAIN, "nr_threads reached max_threads", "copy_process")
	}

	t.copyFiles(p, flags)
	t.copyFS(p, flags)
	t.copySighand(p, flags)
	t.copySignal(p, flags)
	t.copyMM(p, flags)

	nsp, err := nsproxy.CopyNamespaces(ctx, flags, t.nsproxy, p.cred, t.current())
	if err != nil {
		t.unwindFork(p, flags)
		return nil, relabel(err, "clone")
	}
	p.nsproxy = nsp

	// alloc_pid in the child's pid_ns_for_children (a number in every level).
	capable := func(u *userns.Namespace) bool { // checkpoint_restore_ns_capable
		return userns.NSCapable(t.cred, u, uapi.CAP_SYS_ADMIN) || userns.NSCapable(t.cred, u, uapi.CAP_CHECKPOINT_RESTORE)
	}
	pid, err := pidns.AllocPidSetTID(ctx, nsp.PIDForChildren(), nil, &p.own.pid, args.setTID, capable)
	if err != nil {
		switchTaskNamespaces(ctx, p, nil)
		t.unwindFork(p, flags)
		return nil, relabel(err, "clone")
	}
	p.thread = pid
	p.pid, p.tgid = pid.GlobalNr(), pid.GlobalNr()
	p.groupLeader = p
	if flags&uapi.CLONE_THREAD != 0 {
		p.tgid = t.tgid
		p.groupLeader = t.groupLeader
	}

	// CLONE_PIDFD: pidfd_prepare reserves a descriptor in the parent's table
	// (EMFILE when it is full); the file is installed once the child exists.
	if flags&uapi.CLONE_PIDFD != 0 && !t.files.hasFree() {
		pidns.FreePid(ctx, pid, nil)
		switchTaskNamespaces(ctx, p, nil)
		t.unwindFork(p, flags)
		return nil, uapi.Err("clone", uapi.EMFILE, "no free descriptor for the pidfd", "get_unused_fd_flags")
	}

	// cgroup_can_fork: a controller (pids) may refuse; the threadgroup
	// rwsem is held from here until cgroup_post_fork or cgroup_cancel_fork.
	k := t.k
	// CLONE_INTO_CGROUP (mainline): cgroup_css_set_fork takes cgroup_mutex
	// and picks the child's css_set before the threadgroup rwsem.
	var into *cgroup.CSSSet
	if flags&uapi.CLONE_INTO_CGROUP != 0 {
		if into, err = t.cssSetForkInto(args.cgroupFD, flags); err != nil {
			pidns.FreePid(ctx, pid, nil)
			switchTaskNamespaces(ctx, p, nil)
			t.unwindFork(p, flags)
			return nil, relabel(err, "clone3")
		}
	}
	k.Cgroup.ThreadgroupChangeBegin()
	if into != nil {
		err = k.Cgroup.CanForkInto(ctx, p, into)
	} else {
		err = k.Cgroup.CanFork(ctx, p, t)
	}
	if err != nil {
		k.Cgroup.ThreadgroupChangeEnd()
		if into != nil {
			k.Cgroup.CancelForkInto(ctx, p, into, false)
		}
		pidns.FreePid(ctx, pid, nil)
		switchTaskNamespaces(ctx, p, nil)
		t.unwindFork(p, flags)
		return nil, relabel(err, "clone")
	}

	t.k.tasklist.Lock(&t.k.Env)
	// A namespace whose init died stops accepting processes (PIDNS_ADDING).
	if pid.Namespace().PidAllocated()&pidns.PIDNS_ADDING == 0 {
		t.k.tasklist.Unlock(&t.k.Env)
		if into != nil {
			k.Cgroup.ThreadgroupChangeEnd()
			k.Cgroup.CancelForkInto(ctx, p, into, true)
		} else {
			k.Cgroup.CancelFork(ctx, p, t)
			k.Cgroup.ThreadgroupChangeEnd()
		}
		pidns.FreePid(ctx, pid, nil)
		switchTaskNamespaces(ctx, p, nil)
		t.unwindFork(p, flags)
		return nil, uapi.Err("clone", uapi.ENOMEM, "the pid namespace's init has exited", "copy_process")
	}
	parent := t
	if flags&(uapi.CLONE_PARENT|uapi.CLONE_THREAD) != 0 {
		parent = t.realParent
	}
	p.realParent = parent
	if p.groupLeader == p { // threads are on the thread group, not the children list
		parent.children.add(p)
	}
	if p.signal != t.signal { // a new thread group inherits the process group and session
		p.signal.pgrp = t.signal.pgrp
		p.signal.session = t.signal.session
	}
	if pid.IsChildReaper() { // the first process of a new pid namespace is its init
		pid.Namespace().SetChildReaper(p)
		p.signal.flags.Store(p.signal.flags.Load() | SIGNAL_UNKILLABLE)
	}
	pid.Attach(p) // attach_pid: findable only now that its fields are set
	t.k.nrThreads.Add(1)
	t.k.tasklist.Unlock(&t.k.Env)
	if into != nil {
		k.Cgroup.ThreadgroupChangeEnd()
		k.Cgroup.PostForkInto(ctx, p, into)
	} else {
		k.Cgroup.PostFork(ctx, p, t)
		k.Cgroup.ThreadgroupChangeEnd()
	}

	p.ctx.PID = p.pid
	if flags&uapi.CLONE_PIDFD != 0 {
		fd, err := t.newPidfd(pid, flags&uapi.CLONE_THREAD != 0)
		if err == nil && args.pidfd != nil {
			*args.pidfd = fd
		}
	}
	return p, nil
}

// checkCloneFlags mirrors the up-front checks of copy_process (4.19), in order.
func (t *Task) checkCloneFlags(f uapi.CloneFlags) error {
	both := func(a, b uapi.CloneFlags) bool { return f&(a|b) == a|b }
	switch {
	case both(uapi.CLONE_NEWNS, uapi.CLONE_FS):
		return uapi.Err("clone", uapi.EINVAL, "CLONE_NEWNS with CLONE_FS", "copy_process")
	case both(uapi.CLONE_NEWUSER, uapi.CLONE_FS):
		return uapi.Err("clone", uapi.EINVAL, "CLONE_NEWUSER with CLONE_FS", "copy_process")
	case f&uapi.CLONE_THREAD != 0 && f&uapi.CLONE_SIGHAND == 0:
		return uapi.Err("clone", uapi.EINVAL, "CLONE_THREAD without CLONE_SIGHAND", "copy_process")
	case f&uapi.CLONE_SIGHAND != 0 && f&uapi.CLONE_VM == 0:
		return uapi.Err("clone", uapi.EINVAL, "CLONE_SIGHAND without CLONE_VM", "copy_process")
	}
	if f&uapi.CLONE_PARENT != 0 && t.signalFlags()&SIGNAL_UNKILLABLE != 0 {
		return uapi.Err("clone", uapi.EINVAL, "CLONE_PARENT from an init (SIGNAL_UNKILLABLE)", "copy_process")
	}
	if f&uapi.CLONE_THREAD != 0 {
		if f&(uapi.CLONE_NEWUSER|uapi.CLONE_NEWPID) != 0 {
			return uapi.Err("clone", uapi.EINVAL, "CLONE_THREAD with CLONE_NEWUSER or CLONE_NEWPID", "copy_process")
		}
		if t.nsproxy.PIDForChildren() != t.ActivePidNS() {
			return uapi.Err("clone", uapi.EINVAL, "CLONE_THREAD while pid_ns_for_children differs from the active pid namespace", "copy_process")
		}
	}
	if f&(uapi.CLONE_THREAD|uapi.CLONE_VM) != 0 && t.k.Env.Mainline() && t.k.Env.TimeNSStrict {
		// 5.6–6.0: a child sharing the VM may not be in another time namespace.
		if p := t.nsproxy; p.TimeNS() != p.TimeNSForChildren() {
			return uapi.Err("clone", uapi.EINVAL, "CLONE_VM or CLONE_THREAD while time_ns_for_children differs from time_ns", "copy_process")
		}
	}
	if f&uapi.CLONE_PIDFD != 0 && f&uapi.CLONE_DETACHED != 0 { // mainline only: 4.19 callers drop the bit
		return uapi.Err("clone", uapi.EINVAL, "CLONE_PIDFD with CLONE_DETACHED", "copy_process")
	}
	return nil
}

func (t *Task) signalFlags() uint32 {
	return t.signal.flags.Load()
}

// copyCreds mirrors copy_creds (kernel/cred.c): a thread shares its parent's
// cred; otherwise prepare_creds makes the child's own, and CLONE_NEWUSER
// creates the user namespace in it (create_user_ns) before any other namespace.
func (t *Task) copyCreds(p *Task, flags uapi.CloneFlags) error {
	ctx := &t.ctx
	ctx.Enter("copy_creds")
	defer ctx.Exit("copy_creds")
	if flags&uapi.CLONE_THREAD != 0 {
		p.cred = t.cred.Get()
		return nil
	}
	c := userns.PrepareCreds(ctx, t.cred, &p.own.cred)
	if flags&uapi.CLONE_NEWUSER != 0 {
		if err := userns.CreateUserNS(ctx, c); err != nil {
			c.Put(ctx)
			return relabel(err, "clone")
		}
	}
	p.cred = c
	return nil
}

// copyFiles mirrors copy_files: CLONE_FILES shares the table, else dup_fd.
func (t *Task) copyFiles(p *Task, flags uapi.CloneFlags) {
	if flags&uapi.CLONE_FILES != 0 {
		t.files.count.Inc()
		p.files = t.files
		return
	}
	dupFD(t.k.Env.Refs, t.files, &p.own.files)
	p.files = &p.own.files
}

// copyFS mirrors copy_fs: CLONE_FS shares fs_struct (users++), else a copy.
func (t *Task) copyFS(p *Task, flags uapi.CloneFlags) {
	if flags&uapi.CLONE_FS != 0 {
		t.allocLock.Lock()
		t.fs.users++
		p.fs = t.fs
		t.allocLock.Unlock()
		return
	}
	p.own.fs.users = 1
	p.fs = &p.own.fs
}

// copySighand mirrors copy_sighand: CLONE_SIGHAND shares the handlers.
func (t *Task) copySighand(p *Task, flags uapi.CloneFlags) {
	if flags&uapi.CLONE_SIGHAND != 0 {
		t.sighand.count.Inc()
		p.sighand = t.sighand
		return
	}
	p.own.sighand.count.Init(t.k.Env.Refs, 1)
	p.sighand = &p.own.sighand
}

// copySignal mirrors copy_signal: a thread joins its group's signal_struct.
func (t *Task) copySignal(p *Task, flags uapi.CloneFlags) {
	if flags&uapi.CLONE_THREAD != 0 {
		t.signal.nrThreads.Add(1)
		p.signal = t.signal
		return
	}
	p.own.signal.nrThreads.Store(1)
	p.signal = &p.own.signal
}

// copyMM mirrors copy_mm: CLONE_VM shares the address space.
func (t *Task) copyMM(p *Task, flags uapi.CloneFlags) {
	if flags&uapi.CLONE_VM != 0 {
		t.mm.users.Inc()
		p.mm = t.mm
		return
	}
	p.own.mm.users.Init(t.k.Env.Refs, 1)
	p.own.mm.nonDumpable.Store(t.mm.nonDumpable.Load()) // dup_mm keeps MMF_DUMPABLE
	p.mm = &p.own.mm
}

// unwindFork mirrors copy_process's error labels after copy_mm: drop the mm,
// signal, sighand, fs and files the child took, then exit_creds.
func (t *Task) unwindFork(p *Task, flags uapi.CloneFlags) {
	ctx := &t.ctx
	p.mm.users.Dec()
	p.signal.nrThreads.Add(-1)
	p.sighand.count.Dec()
	t.allocLock.Lock()
	p.fs.users--
	t.allocLock.Unlock()
	putFiles(ctx, p.files)
	p.cred.Put(ctx)
}

// relabel reports an inner kernel function's error under the syscall's name.
func relabel(err error, op string) error {
	if e, ok := err.(*uapi.Error); ok {
		return e.WithOp(op)
	}
	return err
}
