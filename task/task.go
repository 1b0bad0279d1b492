package task

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// Kernel holds one simulated kernel's task-level state: the Env every namespace
// uses, the initial objects, the task list and the pid table.
type Kernel struct {
	Env    ns.Env
	UserNS *userns.Globals
	UTS    *utsns.Globals
	Mnt    *mntns.Globals
	IPC    *ipcns.Globals
	// CgroupNS holds init_cgroup_ns.
	CgroupNS *cgroupns.Globals
	// Time holds the simulated clocks, and in mainline init_time_ns (4.19
	// has no time namespaces: no nsproxy points at it).
	Time        *timens.Globals
	Net         *netns.Globals
	PidNS       *pidns.Globals
	Cgroup      *cgroup.Globals
	InitNSProxy *nsproxy.NSProxy

	// tasklist is tasklist_lock: process tree, pid table, states. Every
	// writer is in a syscall, so in a Kernel the big kernel lock stands in
	// for it; the readers (Parent, Children, GroupLeader, ...) are for a
	// syscall, a holder of Kernel.Lock, or a moment no syscall is in flight.
	tasklist  ns.KLock
	childExit sync.Cond // wait4 sleepers; L is &Env.BKL
	// sysIdle wakes a caller waiting for a task whose syscall sleeps (a
	// second goroutine driving the same task); L is &Env.BKL.
	sysIdle     sync.Cond
	idleWaiters int
	init        *Task
	nrThreads   atomic.Int32 // nr_threads
	maxThread   int          // max_threads
	halted      bool

	// taskSlab holds the unused Tasks of the current slab (under the BKL).
	taskSlab []Task

	backingMu sync.RWMutex
	backing   map[*mntns.SuperBlock]Filesystem // pseudo filesystems by superblock (Mount)
	keyedFS   map[string]func(key any) Filesystem
}

// Params configures NewKernel; kernsim.Config fills it.
type Params struct {
	Flavour       refcount.Flavour
	Release       string // utsname release, e.g. "4.19.13"
	Version       string // utsname version
	Machine       string // utsname machine, e.g. "x86_64"
	MaxThreads    int    // max_threads (fork_init derives it from memory)
	PidMax        int    // pid_max
	BootProcInums int    // dynamic proc inode numbers taken before init_net (4.19)
	Cgroup        cgroup.Options
	// Mounts is the boot mount tree on top of rootfs; nil gives
	// DefaultMounts. MountMax is fs.mount-max (0: 100000).
	Mounts   []mntns.BootMount
	MountMax uint32
	// TimeNSStrict selects 5.6–6.0's time-namespace rule for CLONE_VM
	// (see ns.Env.TimeNSStrict); mainline only.
	TimeNSStrict bool
	// NetDevices are the physical devices of init_net after lo; nil gives
	// netns.DefaultBootDevices (eth0).
	NetDevices []netns.DeviceConfig
}

// NewKernel boots the task layer: init_user_ns, init_uts_ns, the other initial
// namespaces, init_nsproxy, init_cred, the cgroup core (init_css_set) and
// init_task (pid 1, "init"). It fails only for an invalid cgroup setup.
func NewKernel(p Params) (*Kernel, error) {
	k := &Kernel{maxThread: p.MaxThreads}
	k.Env.Serialise(p.Flavour)
	k.Env.Trace = trace.New()
	k.Env.Flavour = p.Flavour
	k.Env.TimeNSStrict = p.TimeNSStrict
	k.childExit.L = &k.Env.BKL
	k.sysIdle.L = &k.Env.BKL
	k.UserNS = userns.NewGlobals(&k.Env, p.MaxThreads)
	cg, err := cgroup.NewGlobals(&k.Env, p.Cgroup)
	if err != nil {
		return nil, err
	}
	k.Cgroup = cg
	mounts := p.Mounts
	if mounts == nil {
		mounts = DefaultMounts(cg)
	}
	// The initial mount namespace takes the first dynamic inode number
	// (4.19), procfs its entries, then init_net the next one.
	if k.Mnt, err = mntns.NewGlobals(&k.Env, k.UserNS, mntns.Config{Mounts: mounts, MountMax: p.MountMax}); err != nil {
		return nil, err
	}
	// init_net's inode number: pernet init runs after procfs registered its
	// boot entries in 4.19; mainline fixes it (≈6.18).
	var netInum uint32 = 0xEFFFFFF9
	if p.Flavour != refcount.Mainline {
		for i := 0; i < p.BootProcInums; i++ {
			k.Env.Inums.Alloc() // procfs entries registered before init_net
		}
		netInum = k.Env.Inums.Alloc()
	}
	devs := p.NetDevices
	if devs == nil {
		devs = netns.DefaultBootDevices()
	}
	if k.Net, err = netns.NewGlobals(&k.Env, k.UserNS, netInum, devs); err != nil {
		return nil, err
	}
	k.UTS = utsns.NewGlobals(&k.Env, k.UserNS, p.Release, p.Version, p.Machine)
	k.IPC = ipcns.NewGlobals(&k.Env, k.UserNS)
	k.PidNS = pidns.NewGlobals(&k.Env, k.UserNS, p.PidMax)
	// The boot proc is init_pid_ns's superblock (a later mount of proc in
	// init_pid_ns shares it), served until it dies.
	if err := k.Mnt.SetKey("/proc", k.PidNS.Init); err != nil && mounts == nil {
		return nil, err
	}
	k.Mnt.OnKill = k.forgetSuper
	k.Time = timens.NewGlobals(&k.Env, k.UserNS)
	var initTime *timens.Globals
	if p.Flavour == refcount.Mainline {
		initTime = k.Time
	}
	k.CgroupNS = cgroupns.NewGlobals(&k.Env, k.UserNS, cg.InitCSSSet())
	k.InitNSProxy = nsproxy.NewInit(&k.Env, k.UTS, k.IPC, k.PidNS, k.Mnt, k.CgroupNS, k.Net, initTime)

	t := &Task{k: k, comm: "init", exitSignal: uapi.SIGCHLD}
	userns.InitCred(&t.own.cred, k.UserNS)
	t.cred = &t.own.cred
	t.nsproxy = k.InitNSProxy
	t.own.signal.nrThreads.Store(1)
	t.own.signal.flags.Store(SIGNAL_UNKILLABLE)
	t.signal = &t.own.signal
	t.own.sighand.count.Init(k.Env.Refs, 1)
	t.sighand = &t.own.sighand
	t.own.mm.users.Init(k.Env.Refs, 1)
	t.mm = &t.own.mm
	t.own.fs.users = 1
	t.fs = &t.own.fs
	t.own.files.count.Init(k.Env.Refs, 1)
	t.files = &t.own.files
	t.groupLeader = t
	t.ctx.Init(&k.Env, t.cred.EUID)
	pid, err := pidns.AllocPid(&t.ctx, k.PidNS.Init)
	if err != nil {
		panic("kernsim: no pid for init: " + err.Error())
	}
	t.thread = pid
	t.pid, t.tgid = pid.GlobalNr(), pid.GlobalNr()
	t.ctx.PID = t.pid
	t.own.signal.pgrp = pid
	t.own.signal.session = pid
	pid.Attach(t)
	k.PidNS.Init.SetChildReaper(t)
	// init_task sits in init_css_set from boot (cgroup_init links it).
	k.Cgroup.Fork(t)
	k.Cgroup.PostFork(&t.ctx, t, t)
	k.nrThreads.Store(1)
	k.init = t
	return k, nil
}

// taskSlabSize is how many task_structs a slab of task_struct_cachep holds.
const taskSlabSize = 16

// allocTaskStruct mirrors alloc_task_struct_node (kmem_cache_alloc from
// task_struct_cachep): a zeroed Task carved from the current slab, a new
// slab when it is used up. A slot is never reused: the garbage collector
// frees a slab once none of its Tasks is referenced, so a Task a caller
// still holds stays valid (and keeps its slab's 16 slots alive). One slab
// allocation serves 16 forks. The caller is in a syscall (under the BKL).
func (k *Kernel) allocTaskStruct() *Task {
	if len(k.taskSlab) == 0 {
		k.taskSlab = make([]Task, taskSlabSize)
	}
	p := &k.taskSlab[0]
	k.taskSlab = k.taskSlab[1:]
	return p
}

// Init returns init_task's user-space successor, pid 1.
func (k *Kernel) Init() *Task { return k.init }

// Task returns the task with global pid pid, alive or zombie, or nil. It
// takes the big kernel lock (the pid table is guarded by it).
func (k *Kernel) Task(pid int32) *Task {
	k.Lock()
	defer k.Unlock()
	t, _ := k.PidNS.Init.FindTask(int(pid)).(*Task)
	return t
}

// Tasks returns every task (alive or zombie) in global pid order. It takes
// the big kernel lock; code that already holds it (a file operation inside
// a syscall) calls TasksLocked.
func (k *Kernel) Tasks() []*Task {
	k.Lock()
	defer k.Unlock()
	return k.TasksLocked()
}

// TasksLocked is Tasks for a caller holding the big kernel lock.
func (k *Kernel) TasksLocked() []*Task {
	pids := k.PidNS.Init.AppendPids(nil)
	out := make([]*Task, 0, len(pids))
	for _, p := range pids {
		if t, ok := p.Task().(*Task); ok {
			out = append(out, t)
		}
	}
	return out
}

// NrThreads returns nr_threads, the number of tasks not yet reaped.
func (k *Kernel) NrThreads() int {
	return int(k.nrThreads.Load())
}

// Refs returns the Kernel's refcount domain (warnings, leak registry).
func (k *Kernel) Refs() *refcount.Domain { return k.Env.Refs }

// Tracer returns the Kernel's tracer.
func (k *Kernel) Tracer() *trace.Tracer { return k.Env.Trace }

// State is a task's exit_state.
type State uint8

// Task states: running (exit_state 0), EXIT_ZOMBIE after do_exit, EXIT_DEAD
// once reaped.
const (
	Running State = iota
	Zombie
	Dead
)

func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Zombie:
		return "zombie"
	}
	return "dead"
}

// signal->flags bits (include/linux/sched/signal.h).
const (
	SIGNAL_UNKILLABLE uint32 = 0x00000040
)

// signalStruct is the part of struct signal_struct the checks read: the thread
// group's size and flags. Shared by CLONE_THREAD.
type signalStruct struct {
	nrThreads atomic.Int32  // live threads in the group
	flags     atomic.Uint32 // SIGNAL_UNKILLABLE for init
	// pgrp and session are the group's PIDTYPE_PGID and PIDTYPE_SID pids,
	// set at fork (inherited) and by setsid, under tasklist. As in the kernel
	// they hold no reference (tasks are linked to them instead); the number
	// is given back with its leader's pid, where the kernel keeps it while
	// any member uses it.
	pgrp, session *pidns.Pid
	// ignoreSIGCHLD: the group's children are reaped on exit (SIGCHLD set to
	// SIG_IGN, as a dying pid-namespace init does in zap_pid_ns_processes).
	ignoreSIGCHLD bool
}

// sighandStruct is struct sighand_struct's sharing count (CLONE_SIGHAND).
type sighandStruct struct{ count refcount.Atomic }

// mmStruct is struct mm_struct's user count (CLONE_VM) and dumpability; the
// address space itself arrives with the memory issue.
type mmStruct struct {
	users refcount.Atomic
	// nonDumpable is get_dumpable(mm) != SUID_DUMP_USER. commit_creds sets it
	// (to fs.suid_dumpable, 0 by default) when ids or capabilities change;
	// fork copies it (MMF_INIT_MASK). mm->user_ns is init_user_ns for every mm,
	// as nothing execs in the simulator.
	nonDumpable atomic.Bool
}

// fsStruct mirrors struct fs_struct's users count (CLONE_FS). Root and cwd
// are not kept: a task's root is its mount namespace's root (where
// mntns_install and copy_mnt_ns put it) and there is no chdir. Guarded by
// the owner's task_lock.
type fsStruct struct{ users int }

// Task mirrors struct task_struct: one thread. Its syscall methods (Clone,
// Unshare, Setns, Sethostname, Exit, ...) run as that thread would: one at a
// time (a second goroutine's call waits), each under its Kernel's big kernel
// lock, which a call sleeping in wait4 releases so other tasks run.
type Task struct {
	k   *Kernel
	ctx ns.Ctx // current: Env, trace cursor, euid

	// inSyscall: a syscall of this task is running or sleeping (under
	// Env.BKL); one thread executes one call at a time.
	inSyscall bool
	allocLock sync.Mutex // task_lock: nsproxy, cred, fs and files pointers

	pid, tgid  int32      // global numbers (level 0 of thread)
	thread     *pidns.Pid // thread_pid: one number per pid-namespace level
	comm       string
	exitSignal uapi.Signal

	// Process tree, under tasklist_lock.
	state       atomic.Uint32 // State: written under the BKL (tasklist_lock), read lock-free
	pendingKill atomic.Int32  // a fatal signal to act on when the current call returns (leave) or wakes
	exiting     atomic.Bool   // PF_EXITING: set by do_exit (exit_signals) before anything else
	exitCode    int
	realParent  *Task
	groupLeader *Task
	children    taskList
	sibling     taskLink

	cg      cgroup.TaskCgroups // task->cgroups and cg_list
	nsproxy *nsproxy.NSProxy   // under the BKL (switch_task_namespaces); nil after exit_task_namespaces
	cred    *userns.Cred       // real_cred == cred; one reference
	signal  *signalStruct
	sighand *sighandStruct
	mm      *mmStruct
	fs      *fsStruct
	files   *filesStruct

	// own is storage for the objects a fork creates, so that a fork without
	// namespace flags allocates only the Task. Pointers into it keep the Task
	// alive for the garbage collector as long as anything shares them.
	own struct {
		cred    userns.Cred
		signal  signalStruct
		sighand sighandStruct
		mm      mmStruct
		fs      fsStruct
		files   filesStruct
		pid     pidns.Pid
	}
}

// PID returns the task's global pid (task->pid).
func (t *Task) PID() int32 { return t.pid }

// TGID returns the thread group id (task->tgid).
func (t *Task) TGID() int32 { return t.tgid }

// Comm returns the task's name.
func (t *Task) Comm() string {
	t.allocLock.Lock()
	defer t.allocLock.Unlock()
	return t.comm
}

// Kernel returns the kernel the task runs in.
func (t *Task) Kernel() *Kernel { return t.k }

// State returns running, zombie or dead.
func (t *Task) State() State {
	return State(t.state.Load())
}

// Parent returns real_parent (nil for init). Like every reader of the
// process tree it is for a syscall, a holder of Kernel.Lock, or a moment no
// syscall is in flight.
func (t *Task) Parent() *Task {
	t.k.tasklist.Lock(&t.k.Env)
	defer t.k.tasklist.Unlock(&t.k.Env)
	return t.realParent
}

// Children returns the task's children in fork order (a reader of the
// process tree, as Parent).
func (t *Task) Children() []*Task {
	t.k.tasklist.Lock(&t.k.Env)
	defer t.k.tasklist.Unlock(&t.k.Env)
	return t.children.slice()
}

// NSProxy returns the task's nsproxy without taking a reference (nil once the
// task has exited). The pointer is written under the big kernel lock alone:
// like the counts, it is for a syscall, a holder of Kernel.Lock, or a moment
// no syscall is in flight.
func (t *Task) NSProxy() *nsproxy.NSProxy { return t.nsproxy }

// Cred returns the task's credentials without taking a reference.
func (t *Task) Cred() *userns.Cred {
	t.allocLock.Lock()
	defer t.allocLock.Unlock()
	return t.cred
}

// UserNS returns the task's user namespace (cred->user_ns) without a reference.
func (t *Task) UserNS() *userns.Namespace { return t.Cred().UserNS() }

// Hostname returns the nodename the task sees, without a syscall and without
// changing any count; "" once the task has no nsproxy. It reads the nsproxy
// pointer as NSProxy does.
func (t *Task) Hostname() string {
	if t.nsproxy == nil {
		return ""
	}
	return t.nsproxy.UTS().Nodename()
}

// FSUsers returns current->fs->users (tasks sharing the fs_struct).
func (t *Task) FSUsers() int {
	t.allocLock.Lock()
	defer t.allocLock.Unlock()
	if t.fs == nil {
		return 0
	}
	return t.fs.users
}

// Threads returns the number of live threads in the task's thread group.
func (t *Task) Threads() int {
	return int(t.signal.nrThreads.Load())
}

// enter starts a syscall on t: it takes the big kernel lock, waits while
// another goroutine's call on t sleeps (one thread runs one call at a time),
// and refuses a task that has exited (a dead thread makes no calls).
func (t *Task) enter(op string) error {
	k := t.k
	k.Env.BKL.Lock()
	for t.inSyscall {
		k.waitIdle()
	}
	if State(t.state.Load()) != Running {
		k.Env.BKL.Unlock()
		return uapi.Err(op, uapi.ESRCH, "task "+strconv.Itoa(int(t.pid))+" has exited and makes no syscalls", "")
	}
	t.inSyscall = true
	return nil
}

// leave ends a syscall. A fatal signal that arrived while the call slept
// (kill found it in a syscall) is acted on now, at the return to user space,
// as the kernel does.
func (t *Task) leave() {
	k := t.k
	t.inSyscall = false
	if t.pendingKill.Load() != 0 && State(t.state.Load()) == Running {
		t.doExit(int(t.pendingKill.Load()))
	}
	if k.idleWaiters > 0 {
		k.sysIdle.Broadcast()
	}
	k.Env.BKL.Unlock()
}

// Lock takes the big kernel lock for a reader outside any syscall (an
// inspection that walks counters or the registry). No syscall runs until
// Unlock; a task's Wait that sleeps has released it.
func (k *Kernel) Lock() { k.Env.BKL.Lock() }

// Unlock releases the big kernel lock taken by Lock.
func (k *Kernel) Unlock() { k.Env.BKL.Unlock() }

// taskList is an intrusive list of children (list_head children/sibling).
type taskList struct{ head, tail *Task }
type taskLink struct{ prev, next *Task }

func (l *taskList) add(t *Task) {
	t.sibling = taskLink{prev: l.tail}
	if l.tail != nil {
		l.tail.sibling.next = t
	} else {
		l.head = t
	}
	l.tail = t
}

func (l *taskList) remove(t *Task) {
	if t.sibling.prev != nil {
		t.sibling.prev.sibling.next = t.sibling.next
	} else {
		l.head = t.sibling.next
	}
	if t.sibling.next != nil {
		t.sibling.next.sibling.prev = t.sibling.prev
	} else {
		l.tail = t.sibling.prev
	}
	t.sibling = taskLink{}
}

func (l *taskList) slice() []*Task {
	var s []*Task
	for c := l.head; c != nil; c = c.sibling.next {
		s = append(s, c)
	}
	return s
}

// Ctx returns the task's "current" context (its Kernel's Env, trace cursor and
// euid), for filesystems that call kernel functions on the task's behalf.
func (t *Task) Ctx() *ns.Ctx { return &t.ctx }

// Dumpable reports get_dumpable(mm) == SUID_DUMP_USER (false once commit_creds
// changed the task's ids or raised its capabilities; a task without an mm is
// not dumpable).
func (t *Task) Dumpable() bool {
	if State(t.state.Load()) != Running {
		return false
	}
	return !t.mm.nonDumpable.Load()
}

// ActivePidNS mirrors task_active_pid_ns: the namespace the task's pid was
// allocated in (its innermost level). It never changes after fork.
func (t *Task) ActivePidNS() *pidns.Namespace { return t.thread.Namespace() }

// Pid returns the task's struct pid (thread_pid) without a reference.
func (t *Task) Pid() *pidns.Pid { return t.thread }

// CgroupTask, IsThreadGroupLeader and Exiting make a Task a cgroup.Member.
func (t *Task) CgroupTask() *cgroup.TaskCgroups { return &t.cg }

// IsThreadGroupLeader reports thread_group_leader(t).
func (t *Task) IsThreadGroupLeader() bool { return t.groupLeader == t }

// Exiting reports PF_EXITING.
func (t *Task) Exiting() bool { return t.exiting.Load() }

// freeTask ends a reaped task: cgroup_release (release_task; mainline's pids
// uncharges here), then what __put_task_struct does: cgroup_free
// (controllers' free callbacks — 4.19's pids uncharge — and put_css_set) and
// exit_creds.
func (k *Kernel) freeTask(ctx *ns.Ctx, p *Task) {
	k.Cgroup.Release(ctx, p)
	k.Cgroup.Free(ctx, p)
	p.cred.Put(ctx)
}
