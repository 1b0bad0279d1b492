package pidns

import (
	"strconv"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Constants of include/linux/pid_namespace.h, include/linux/threads.h and
// kernel/pid.c (reference §1.2).
const (
	// MAX_PID_NS_LEVEL is the deepest pid namespace level: init_pid_ns is 0,
	// so namespaces exist at levels 1..32 and creating level 33 gives ENOSPC.
	MAX_PID_NS_LEVEL = 32
	// PIDNS_ADDING is the flag bit inside pid_allocated that says the
	// namespace still accepts new processes.
	PIDNS_ADDING uint32 = 1 << 31
	// RESERVED_PIDS is the floor numbers wrap to once a namespace's cursor
	// passed it: 1..299 are only handed out before the first wrap.
	RESERVED_PIDS = 300
	// PID_MAX_DEFAULT is pid_max's default (0x8000).
	PID_MAX_DEFAULT = 32768
	// PID_MAX_LIMIT is the largest pid_max on 64-bit (4*1024*1024).
	PID_MAX_LIMIT = 4 * 1024 * 1024
	// PID_MAX_MIN is pid_max_min, the smallest pid_max the sysctl accepts
	// (RESERVED_PIDS+1; the kernel raises it to 8 per possible CPU).
	PID_MAX_MIN = RESERVED_PIDS + 1
)

// Globals is one Kernel's pid state: init_pid_ns, pid_max and pidmap_lock.
type Globals struct {
	// Init is &init_pid_ns.
	Init *Namespace

	// mu is pidmap_lock: it guards every namespace's IDR (numbers, cursor),
	// pid_allocated and child_reaper, every Pid's task link, and pid_max.
	// It is a leaf lock apart from the refcount registry and warning log.
	// In a Kernel (a serialised Env) the big kernel lock stands in for it:
	// readers outside a syscall take Kernel.Lock.
	mu     ns.KLock
	pidMax int32

	env *ns.Env
	ug  *userns.Globals
}

// NewGlobals builds init_pid_ns (kernel/pid.c) for one Kernel: kref 2 and never
// counted, level 0, no parent, pid_allocated = PIDNS_ADDING, owner init_user_ns
// (not counted: init_pid_ns is static), inode PROC_PID_INIT_INO, an empty IDR
// with its cursor at 0, no child reaper yet (the caller sets it when pid 1
// exists). pidMax is pid_max: 0 or less means PID_MAX_DEFAULT; other values are
// clamped to [PID_MAX_MIN, PID_MAX_LIMIT] as the pid_max sysctl bounds them.
func NewGlobals(env *ns.Env, ug *userns.Globals, pidMax int) *Globals {
	g := &Globals{env: env, ug: ug, pidMax: int32(clampPidMax(pidMax))}
	n := &Namespace{userNS: ug.Init, g: g, pidAllocated: PIDNS_ADDING, pidMax: g.pidMax}
	n.InitCommon(ns.PID, ns.PROC_PID_INIT_INO)
	n.kref.Init(env.Refs, n)
	n.kref.Get() // KREF_INIT(2)
	g.Init = n
	return g
}

func clampPidMax(n int) int {
	switch {
	case n <= 0:
		return PID_MAX_DEFAULT
	case n < PID_MAX_MIN:
		return PID_MAX_MIN
	case n > PID_MAX_LIMIT:
		return PID_MAX_LIMIT
	}
	return n
}

// limit is the pid_max that bounds numbers in n (pidmap_lock held): the
// global one in 4.19, n's own in mainline (≈6.14, "pid: allow pid_max to be
// set per pid namespace"), where every level of an allocation checks its
// namespace's.
func (g *Globals) limit(n *Namespace) int32 {
	if g.env.Mainline() {
		return n.pidMax
	}
	return g.pidMax
}

// PidMax reads init_pid_ns's pid_max (the global one in 4.19).
func (g *Globals) PidMax() int {
	g.mu.Lock(g.env)
	defer g.mu.Unlock(g.env)
	return int(g.limit(g.Init))
}

// SetPidMax writes init_pid_ns's pid_max (the global one in 4.19) as the
// sysctl does (proc_dointvec_minmax with extra1 = pid_max_min, extra2 =
// pid_max_max): EINVAL outside [PID_MAX_MIN, PID_MAX_LIMIT]. Numbers already
// handed out above the new limit stay valid; new ones are below it. The
// permission check is the caller's.
func (g *Globals) SetPidMax(n int) error {
	return g.Init.SetPidMax(n)
}

// PidMax reads pid_max as a task whose active pid namespace is n reads
// /proc/sys/kernel/pid_max: the global value in 4.19, n's in mainline (a
// new namespace starts at PID_MAX_LIMIT; its ancestors' limits still bound
// its processes' numbers at their own levels).
func (n *Namespace) PidMax() int {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	return int(n.g.limit(n))
}

// SetPidMax writes pid_max as the sysctl does for a task of n: EINVAL
// outside [PID_MAX_MIN, PID_MAX_LIMIT]; the global value in 4.19, n's in
// mainline (init_pid_ns's is also the one 4.19 would call global).
// Permission is the caller's (a root-owned file in 4.19,
// pid_table_root_permissions in mainline).
func (n *Namespace) SetPidMax(v int) error {
	if v < PID_MAX_MIN || v > PID_MAX_LIMIT {
		return uapi.Err("write", uapi.EINVAL, "pid_max "+strconv.Itoa(v)+" outside ["+
			strconv.Itoa(PID_MAX_MIN)+", "+strconv.Itoa(PID_MAX_LIMIT)+"]", "proc_dointvec_minmax")
	}
	g := n.g
	g.mu.Lock(g.env)
	defer g.mu.Unlock(g.env)
	switch {
	case !g.env.Mainline():
		g.pidMax = int32(v)
	case n == g.Init:
		g.pidMax, n.pidMax = int32(v), int32(v)
	default:
		n.pidMax = int32(v)
	}
	return nil
}

// Namespace mirrors struct pid_namespace (include/linux/pid_namespace.h, 4.19):
// kref, IDR, pid_allocated, child_reaper, level, parent, user_ns, ucounts and
// ns_common. The procfs mount, BSD accounting, pid_gid/hide_pid and reboot
// fields are not modelled here.
type Namespace struct {
	ns.Common
	kref refcount.Kref

	// Guarded by g.mu (pidmap_lock).
	idr          idr
	pidAllocated uint32
	pidMax       int32        // mainline's per-namespace pid_max (pidmap_lock)
	childReaper  atomic.Value // reaperBox: read lock-free, written rarely

	level   int
	parent  *Namespace        // holds a reference; nil for init_pid_ns
	userNS  *userns.Namespace // holds a reference (not for init_pid_ns)
	ucounts *userns.Ucounts   // max_pid_namespaces charge; nil for init_pid_ns
	g       *Globals
	node    refcount.Node
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_pid_ns (include/linux/pid_namespace.h): kref_get, except on
// init_pid_ns, which is never counted.
func (n *Namespace) Get() {
	if n.parent != nil {
		n.kref.Get()
	}
}

// Put mirrors put_pid_ns (kernel/pid_namespace.c): drop a reference; if that
// freed the namespace (free_pid_ns), drop the reference it held on its parent
// in turn, walking up until a namespace survives or init_pid_ns is reached.
// Put on init_pid_ns does nothing.
func (n *Namespace) Put(ctx *ns.Ctx) {
	ctx.Enter("put_pid_ns")
	for n.parent != nil {
		parent := n.parent
		if !n.kref.Put(nil) {
			break
		}
		n.free(ctx)
		n = parent
	}
	ctx.Exit("put_pid_ns")
}

// free mirrors free_pid_ns → destroy_pid_namespace → delayed_free_pidns (the
// RCU delay is not modelled): free the inode number and the IDR, give back
// the max_pid_namespaces charge and put the owner. The parent reference is
// put_pid_ns's to drop.
func (n *Namespace) free(ctx *ns.Ctx) {
	ctx.Enter("free_pid_ns")
	ctx.Env.Inums.Free(n.Inum())
	n.g.mu.Lock(n.g.env)
	n.idr.destroy()
	n.g.mu.Unlock(n.g.env)
	n.g.ug.Dec(n.ucounts, userns.UCOUNT_PID_NAMESPACES)
	n.userNS.Put(ctx)
	ctx.Env.Refs.Untrack(&n.node)
	ctx.Exit("free_pid_ns")
}

// Count reads the kref; init_pid_ns always reads 2.
func (n *Namespace) Count() int64 { return int64(n.kref.Read()) }

// Owner implements proc_ns_operations.owner (pidns_owner): the user namespace.
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// UserNS returns the owning user namespace.
func (n *Namespace) UserNS() *userns.Namespace { return n.userNS }

// Level returns the depth: 0 for init_pid_ns.
func (n *Namespace) Level() int { return n.level }

// Parent returns the parent pid namespace, nil for init_pid_ns.
func (n *Namespace) Parent() *Namespace { return n.parent }

// IsInit reports whether n is init_pid_ns.
func (n *Namespace) IsInit() bool { return n.parent == nil }

// PidAllocated reads pid_allocated: the number of published pids in the
// namespace, OR-ed with PIDNS_ADDING while it accepts new processes.
func (n *Namespace) PidAllocated() uint32 {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	return n.pidAllocated
}

// ChildReaper returns child_reaper: the task that is pid 1 here (as set by
// SetChildReaper), nil until then.
func (n *Namespace) ChildReaper() any {
	if b, ok := n.childReaper.Load().(reaperBox); ok {
		return b.task
	}
	return nil
}

// SetChildReaper sets child_reaper. copy_process does it for the task whose
// pid is the namespace's number 1; find_child_reaper hands it to another
// thread of a dying init's group.
func (n *Namespace) SetChildReaper(task any) {
	n.childReaper.Store(reaperBox{task})
}

// reaperBox lets child_reaper live in an atomic.Value whatever the task type
// (and nil): exit paths read it on every task exit without a lock.
type reaperBox struct{ task any }

// LastPid reads /proc/sys/kernel/ns_last_pid for a reader whose active pid
// namespace is n (pid_ns_ctl_handler): the IDR cursor minus one, so the last
// number handed out, or -1 in a namespace that never allocated one.
func (n *Namespace) LastPid() int {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	return int(n.idr.next) - 1
}

// SetLastPid writes ns_last_pid (pid_ns_ctl_handler): the cursor becomes
// last+1, so the next allocation tries last+1 first. last must be in
// [0, pid_max] (proc_dointvec_minmax with extra1 = 0, extra2 = pid_max), else
// EINVAL. The CAP_SYS_ADMIN check in n's owner is the caller's.
func (n *Namespace) SetLastPid(last int) error {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	if last < 0 || last > int(n.g.limit(n)) {
		return uapi.Err("write", uapi.EINVAL, "ns_last_pid "+strconv.Itoa(last)+" outside [0, pid_max]", "proc_dointvec_minmax")
	}
	n.idr.next = int32(last) + 1
	return nil
}

// FindPid mirrors find_pid_ns (kernel/pid.c): the pid whose number in n is nr,
// or nil (also for a number still reserved by an allocation in progress). It
// takes no reference: the caller must hold something that keeps the pid
// alive, or use FindGetPid.
func (n *Namespace) FindPid(nr int) *Pid {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	return n.idr.find(nr)
}

// FindGetPid mirrors find_get_pid for a caller whose active namespace is n
// (get_pid(find_vpid(nr))): the pid with a new reference, or nil.
func (n *Namespace) FindGetPid(nr int) *Pid {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	p := n.idr.find(nr)
	if p != nil {
		p.Get()
	}
	return p
}

// FindTask mirrors find_task_by_pid_ns: the task linked to the pid numbered nr
// in n (pid_task(find_pid_ns(nr, ns), PIDTYPE_PID)), or nil.
func (n *Namespace) FindTask(nr int) any {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	if p := n.idr.find(nr); p != nil {
		return p.task
	}
	return nil
}

// FindGePid mirrors find_ge_pid (kernel/pid.c, idr_get_next): the published
// pid with the lowest number >= nr in n, or nil. Iterating with nr = its
// number + 1 walks the namespace in pid order, as proc readdir and
// zap_pid_ns_processes do.
func (n *Namespace) FindGePid(nr int) *Pid {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	return n.idr.getNext(nr)
}

// AppendPids appends n's published pids in ascending number order to dst.
// It takes no references.
func (n *Namespace) AppendPids(dst []*Pid) []*Pid {
	n.g.mu.Lock(n.g.env)
	defer n.g.mu.Unlock(n.g.env)
	for nr := 0; ; nr++ {
		p := n.idr.getNext(nr)
		if p == nil {
			return dst
		}
		dst = append(dst, p)
		nr = int(p.nums()[n.level].Nr)
	}
}

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string { return "pid_namespace" }
func (n *Namespace) RefID() string   { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64 { return n.Count() }

// DisablePidAllocation mirrors disable_pid_allocation (kernel/pid.c), step 1 of
// zap_pid_ns_processes: clear PIDNS_ADDING, so every later AllocPid in n fails
// with ENOMEM and free_pid starts waking the reaper when 2 or 1 pids are left.
func DisablePidAllocation(ctx *ns.Ctx, n *Namespace) {
	ctx.Enter("disable_pid_allocation")
	n.g.mu.Lock(n.g.env)
	n.pidAllocated &^= PIDNS_ADDING
	n.g.mu.Unlock(n.g.env)
	ctx.Exit("disable_pid_allocation")
}

// CopyPidNS mirrors copy_pid_ns (kernel/pid_namespace.c) as
// create_new_namespaces calls it: old is the caller's pid_ns_for_children and
// active its task_active_pid_ns. Without CLONE_NEWPID it returns old with a
// new reference (none for init_pid_ns). With it, old must be the active
// namespace (EINVAL otherwise: the caller unshared or setns'd its
// pid_ns_for_children away and has not forked since), and a child of old
// owned by userNS is created (create_pid_namespace).
func CopyPidNS(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, old, active *Namespace) (*Namespace, error) {
	ctx.Enter("copy_pid_ns")
	defer ctx.Exit("copy_pid_ns")
	if flags&uapi.CLONE_NEWPID == 0 {
		old.Get()
		return old, nil
	}
	if active != old {
		return nil, uapi.Err("copy_pid_ns", uapi.EINVAL,
			"pid_ns_for_children is not the caller's active pid namespace", "copy_pid_ns")
	}
	return createPidNamespace(ctx, userNS, old)
}

// createPidNamespace mirrors create_pid_namespace (kernel/pid_namespace.c), in
// the kernel's order: userNS must be parent's owner or a descendant of it
// (EINVAL); the new level must not exceed MAX_PID_NS_LEVEL (ENOSPC); charge
// max_pid_namespaces to (userNS, current_euid) at every level (ENOSPC); then
// allocate, take an inode number, kref 1, a reference on the parent and on
// userNS, pid_allocated = PIDNS_ADDING, no child reaper, cursor 0.
func createPidNamespace(ctx *ns.Ctx, userNS *userns.Namespace, parent *Namespace) (*Namespace, error) {
	ctx.Enter("create_pid_namespace")
	defer ctx.Exit("create_pid_namespace")
	g := parent.g
	level := parent.level + 1
	if !userns.InUserNS(parent.userNS, userNS) {
		return nil, uapi.Err("create_pid_namespace", uapi.EINVAL,
			"user namespace is not the parent pid namespace's owner or a descendant of it", "create_pid_namespace")
	}
	if level > MAX_PID_NS_LEVEL {
		return nil, uapi.Err("create_pid_namespace", uapi.ENOSPC,
			"pid namespace level "+strconv.Itoa(level)+" > MAX_PID_NS_LEVEL (32)", "create_pid_namespace")
	}
	uc := g.ug.Inc(userNS, ctx.EUID, userns.UCOUNT_PID_NAMESPACES)
	if uc == nil {
		return nil, uapi.Err("create_pid_namespace", uapi.ENOSPC, "max_pid_namespaces reached", "inc_pid_namespaces")
	}
	n := &Namespace{
		level:        level,
		parent:       parent,
		userNS:       userNS,
		ucounts:      uc,
		g:            g,
		pidAllocated: PIDNS_ADDING,
		pidMax:       PID_MAX_LIMIT, // mainline: create_pid_namespace's default
	}
	n.InitCommon(ns.PID, ctx.Env.Inums.Alloc())
	n.kref.Init(ctx.Env.Refs, n)
	parent.Get()
	userNS.Get()
	ctx.Env.Refs.Track(&n.node, n)
	return n, nil
}
