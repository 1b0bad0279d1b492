package pidns

import (
	"math/bits"
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// UPID mirrors struct upid: a number and the namespace it is valid in.
type UPID struct {
	Nr int32
	NS *Namespace
}

// inlineLevels is how many upids a Pid stores in itself; deeper pids (level
// inlineLevels and beyond) keep them in a second allocation. The kernel sizes
// each level's pid cache to fit exactly (pid_cachep "pid_<level+1>").
const inlineLevels = 4

// Pid mirrors struct pid (include/linux/pid.h, 4.19): count, level, the task
// link and numbers[level+1] (index 0 = init_pid_ns, index level = the
// namespace it was allocated for). The numbers never change after AllocPid.
type Pid struct {
	count  refcount.Atomic // atomic_t count (refcount_t in mainline)
	level  int32
	inline [inlineLevels]UPID
	spill  []UPID // numbers when level >= inlineLevels
	task   any    // pid_task(pid, PIDTYPE_PID); guarded by pidmap_lock
	node   refcount.Node
}

// nums returns numbers[0..level].
func (p *Pid) nums() []UPID {
	if p.spill != nil {
		return p.spill
	}
	return p.inline[:p.level+1]
}

// Level returns pid->level: the level of the namespace it was allocated for.
func (p *Pid) Level() int { return int(p.level) }

// Numbers returns a copy of numbers[0..level], outermost first: what the NSpid
// line of /proc/<pid>/status prints from a level-0 viewer.
func (p *Pid) Numbers() []UPID { return append([]UPID(nil), p.nums()...) }

// Upid returns numbers[level] for 0 <= level <= Level().
func (p *Pid) Upid(level int) UPID { return p.nums()[level] }

// Namespace mirrors ns_of_pid: the namespace the pid was allocated for
// (numbers[level].ns); a task's active pid namespace is its pid's.
func (p *Pid) Namespace() *Namespace { return p.nums()[p.level].NS }

// Nr mirrors pid_nr_ns (kernel/pid.c): the pid's number in n, or 0 when the
// pid is not visible there (n is deeper than the pid, or a sibling of its
// namespace at that level, or either is nil). pid_vnr is Nr of the caller's
// active namespace.
func (p *Pid) Nr(n *Namespace) int32 {
	if p == nil || n == nil || n.level > int(p.level) {
		return 0
	}
	if u := p.nums()[n.level]; u.NS == n {
		return u.Nr
	}
	return 0
}

// GlobalNr mirrors pid_nr: the number in init_pid_ns (0 for a nil pid).
func (p *Pid) GlobalNr() int32 {
	if p == nil {
		return 0
	}
	return p.nums()[0].Nr
}

// IsChildReaper mirrors is_child_reaper: the pid is number 1 in its own
// namespace.
func (p *Pid) IsChildReaper() bool { return p.nums()[p.level].Nr == 1 }

// Count reads the pid's count.
func (p *Pid) Count() int64 { return int64(p.count.Read()) }

// Get mirrors get_pid: one more reference. The caller must hold one.
func (p *Pid) Get() *Pid {
	if p != nil {
		p.count.Inc()
	}
	return p
}

// Put mirrors put_pid (kernel/pid.c). In 4.19 the count is an atomic_t and a
// count of 1 frees without decrementing (the last holder needs no atomic op);
// mainline uses refcount_dec_and_test. Freeing drops the pid's reference on
// its namespace (put_pid_ns), which may free that namespace and its parents.
// A nil pid is ignored.
func (p *Pid) Put(ctx *ns.Ctx) {
	if p == nil {
		return
	}
	ctx.Enter("put_pid")
	n := p.Namespace()
	if (!ctx.Env.Mainline() && p.count.Read() == 1) || p.count.DecAndTest() {
		ctx.Env.Refs.Untrack(&p.node) // kmem_cache_free(ns->pid_cachep, pid)
		n.Put(ctx)
	}
	ctx.Exit("put_pid")
}

// Attach links task to the pid (attach_pid for PIDTYPE_PID); FindTask and Task
// then return it. The pid package never looks inside task.
func (p *Pid) Attach(task any) {
	g := p.Namespace().g
	g.mu.Lock(g.env)
	p.task = task
	g.mu.Unlock(g.env)
}

// Detach clears the task link (detach_pid's hlist_del). Giving the numbers
// back is FreePid's job, which the caller runs once no task uses the pid.
func (p *Pid) Detach() {
	g := p.Namespace().g
	g.mu.Lock(g.env)
	p.task = nil
	g.mu.Unlock(g.env)
}

// Task mirrors pid_task(pid, PIDTYPE_PID): the linked task or nil.
func (p *Pid) Task() any {
	if p == nil {
		return nil
	}
	g := p.Namespace().g
	g.mu.Lock(g.env)
	defer g.mu.Unlock(g.env)
	return p.task
}

// RefKind, RefID and RefCount let the leak registry list the pid; the ID is
// the numbers outermost first, "12" for a level-0 pid, "12/3/1" for level 2.
func (p *Pid) RefKind() string { return "pid" }
func (p *Pid) RefID() string {
	var b []byte
	for i, u := range p.nums() {
		if i > 0 {
			b = append(b, '/')
		}
		b = strconv.AppendInt(b, int64(u.Nr), 10)
	}
	return string(b)
}
func (p *Pid) RefCount() int64 { return p.Count() }

// AllocPid mirrors alloc_pid (kernel/pid.c, 4.19) for a new process in n:
//
//  1. one number in every namespace from n up to init_pid_ns (innermost
//     first), each from that namespace's cyclic cursor, with the lower bound 1
//     until the cursor has passed RESERVED_PIDS and RESERVED_PIDS after; the
//     number is reserved but invisible to lookups (the IDR's NULL
//     placeholder). A full namespace fails with EAGAIN (idr's ENOSPC).
//  2. for the first pid of a namespace (number 1 in n), pid_ns_prepare_proc
//     (4.19 only; not modelled beyond the trace mark).
//  3. a reference on n (get_pid_ns), count 1.
//  4. under pidmap_lock: if n's pid_allocated lacks PIDNS_ADDING, ENOMEM;
//     otherwise publish the pid at every level and count it in each level's
//     pid_allocated.
//
// On failure every number reserved so far is given back, and if n never had
// a pid (pid_allocated == PIDNS_ADDING) its cursor is reset to 0 so the next
// attempt can still produce pid 1. Nothing else changes.
func AllocPid(ctx *ns.Ctx, n *Namespace) (*Pid, error) { return AllocPidFor(ctx, n, nil, nil) }

// AllocPidFor is AllocPid that links the pid to task when it is published
// (attach_pid under the same pidmap_lock), building it in dst when dst is not
// nil (a zero Pid the caller owns, such as storage embedded in its task, so
// that a fork allocates nothing more).
func AllocPidFor(ctx *ns.Ctx, n *Namespace, task any, dst *Pid) (*Pid, error) {
	return AllocPidSetTID(ctx, n, task, dst, nil, nil)
}

// AllocPidSetTID is mainline's alloc_pid(ns, set_tid, set_tid_size) (5.5+,
// clone3): setTID[0] asks for a number in n, setTID[1] in its parent, and so
// on; levels beyond len(setTID) allocate cyclically. More entries than
// levels is EINVAL; for each requested number, tid < 1 or ≥ pid_max is
// EINVAL, a number other than 1 in a namespace that has no init yet is
// EINVAL, and without checkpoint_restore_ns_capable over that namespace's
// owner (capable reports it) EPERM; a number in use is EEXIST (idr_alloc's
// ENOSPC). The checks run level by level, innermost first, as the numbers
// are reserved, and a failure gives back what was reserved.
func AllocPidSetTID(ctx *ns.Ctx, n *Namespace, task any, dst *Pid, setTID []int32, capable func(*userns.Namespace) bool) (*Pid, error) {
	ctx.Enter("alloc_pid")
	defer ctx.Exit("alloc_pid")
	g := n.g
	if len(setTID) > n.level+1 {
		return nil, uapi.Err("clone3", uapi.EINVAL, "set_tid_size exceeds the pid namespace nesting level + 1", "alloc_pid")
	}

	p := dst
	if p == nil {
		p = new(Pid) // kmem_cache_alloc(ns->pid_cachep)
	}
	p.level = int32(n.level)
	if n.level >= inlineLevels {
		p.spill = make([]UPID, n.level+1)
	}
	nums := p.nums()
	tmp := n
	for i := n.level; i >= 0; i-- {
		if k := n.level - i; k < len(setTID) {
			if err := g.checkSetTID(tmp, setTID[k], capable); err != nil {
				g.unwindAlloc(n, nums, i)
				return nil, err
			}
		}
		g.mu.Lock(g.env)
		var nr int32
		if k := n.level - i; k < len(setTID) {
			nr = setTID[k]
			if tmp.idr.taken(nr) {
				g.mu.Unlock(g.env)
				g.unwindAlloc(n, nums, i)
				return nil, uapi.Err("clone3", uapi.EEXIST, "set_tid "+strconv.Itoa(int(nr))+" is in use in "+tmp.Link(), "alloc_pid")
			}
			tmp.idr.reserve(nr)
		} else {
			pidMin := int32(1)
			if tmp.idr.next > RESERVED_PIDS {
				pidMin = RESERVED_PIDS
			}
			nr = tmp.idr.allocCyclic(pidMin, g.limit(tmp))
		}
		if nr < 0 {
			g.mu.Unlock(g.env)
			g.unwindAlloc(n, nums, i)
			return nil, uapi.Err("alloc_pid", uapi.EAGAIN,
				"no free pid number below pid_max in "+tmp.Link(), "alloc_pid")
		}
		if i > 0 {
			g.mu.Unlock(g.env)
		}
		nums[i] = UPID{Nr: nr, NS: tmp}
		tmp = tmp.parent
	}
	// pidmap_lock is still held from the outermost level's reservation: the
	// kernel drops and retakes it around the steps below, which touch nothing
	// it protects, so one critical section observes the same.
	if nums[n.level].Nr == 1 && !ctx.Env.Mainline() {
		ctx.Mark("pid_ns_prepare_proc")
	}
	n.Get()
	p.count.Init(ctx.Env.Refs, 1)
	ctx.Env.Refs.Track(&p.node, p)

	if n.pidAllocated&PIDNS_ADDING == 0 {
		g.mu.Unlock(g.env)
		ctx.Env.Refs.Untrack(&p.node)
		n.Put(ctx)
		g.unwindAlloc(n, nums, -1)
		return nil, uapi.Err("alloc_pid", uapi.ENOMEM,
			"pid namespace "+n.Link()+" no longer accepts processes (PIDNS_ADDING clear)", "alloc_pid")
	}
	for i := n.level; i >= 0; i-- {
		u := nums[i]
		u.NS.idr.replace(u.Nr, p)
		u.NS.pidAllocated++
	}
	p.task = task
	g.mu.Unlock(g.env)
	return p, nil
}

// unwindAlloc is alloc_pid's out_free path: give back the numbers reserved at
// levels failed+1..n.level, and reset n's cursor if n never had a pid.
//
// The 4.19.0 source removes every one of them from n's IDR
// (idr_remove(&ns->idr, ...)) rather than from each level's own; the
// simulator removes each from its own namespace's IDR, as the reference
// (§4.8) and later kernels do.
func (g *Globals) unwindAlloc(n *Namespace, nums []UPID, failed int) {
	g.mu.Lock(g.env)
	for i := failed + 1; i <= n.level; i++ {
		nums[i].NS.idr.remove(nums[i].Nr)
	}
	if n.pidAllocated == PIDNS_ADDING {
		n.idr.next = 0 // idr_set_cursor(&ns->idr, 0)
	}
	g.mu.Unlock(g.env)
}

// FreePid mirrors free_pid (kernel/pid.c), which detach_pid calls once no task
// uses the pid any more. At every level it decrements pid_allocated and
// removes the number from the IDR. When a namespace's count drops to 2 or 1
// (possible only once PIDNS_ADDING is clear) its reaper may be waiting in
// zap_pid_ns_processes: wake, when non-nil, is called with that namespace
// after pidmap_lock is released (the kernel's wake_up_process(child_reaper)).
// When it drops to exactly PIDNS_ADDING the namespace's first process failed
// to fork: pid_allocated becomes 0 and the namespace never accepts another
// process. Finally the reference alloc_pid set is dropped (put_pid, run by
// RCU in the kernel), so the pid is freed unless someone else holds it.
func FreePid(ctx *ns.Ctx, p *Pid, wake func(*Namespace)) {
	ctx.Enter("free_pid")
	nums := p.nums()
	g := nums[0].NS.g
	var woken uint64 // bit i: wake nums[i].NS (MAX_PID_NS_LEVEL+1 <= 64 levels)
	g.mu.Lock(g.env)
	for i, u := range nums {
		n := u.NS
		n.pidAllocated--
		switch n.pidAllocated {
		case 2, 1:
			woken |= 1 << uint(i)
		case PIDNS_ADDING:
			if n.ChildReaper() != nil { // WARN_ON(ns->child_reaper)
				ctx.Env.Refs.Warn(n.Link(), "free_pid: first process failed but the namespace has a child_reaper")
			}
			n.pidAllocated = 0
		}
		n.idr.remove(u.Nr)
	}
	p.task = nil // the last task detached (detach_pid → free_pid)
	g.mu.Unlock(g.env)
	for woken != 0 && wake != nil {
		i := bits.TrailingZeros64(woken)
		woken &^= 1 << uint(i)
		wake(nums[i].NS)
	}
	ctx.Exit("free_pid")
	p.Put(ctx) // call_rcu(&pid->rcu, delayed_put_pid)
}

// idr is a namespace's pid IDR (lib/idr.c as alloc_pid uses it): number →
// published pid, a reservation bitmap that also covers the NULL placeholders
// of allocations in progress, and the cyclic cursor idr_next. It grows on
// demand up to pid_max, so a namespace costs memory in proportion to its
// highest number. Guarded by pidmap_lock.
type idr struct {
	slots []*Pid   // slots[nr]: the published pid, nil if free or reserved
	used  []uint64 // bit nr set: nr is taken (published or reserved)
	next  int32    // idr_next: where idr_alloc_cyclic starts looking
}

// allocCyclic mirrors idr_alloc_cyclic(idr, NULL, start, end): the lowest free
// number in [max(next, start), end-1], else (when that search did not start
// at start) the lowest in [start, end-1]; the cursor moves past it. -1 when
// none is free (ENOSPC).
func (d *idr) allocCyclic(start, end int32) int32 {
	last := end - 1
	id := d.next
	if id < start {
		id = start
	}
	nr := d.findFree(id, last)
	if nr < 0 && id > start {
		nr = d.findFree(start, last)
	}
	if nr < 0 {
		return -1
	}
	d.reserve(nr)
	d.next = nr + 1
	return nr
}

// taken reports whether nr is published or reserved.
func (d *idr) taken(nr int32) bool {
	w := int(nr >> 6)
	return w < len(d.used) && d.used[w]&(1<<uint(nr&63)) != 0
}

// checkSetTID runs alloc_pid's set_tid checks for one level: the range, an
// init existing unless the number is 1, then the capability.
// pidMaxOf reads the limit of tmp outside pidmap_lock (READ_ONCE in
// alloc_pid's set_tid check).
func (g *Globals) pidMaxOf(tmp *Namespace) int32 {
	g.mu.Lock(g.env)
	defer g.mu.Unlock(g.env)
	return g.limit(tmp)
}

func (g *Globals) checkSetTID(tmp *Namespace, tid int32, capable func(*userns.Namespace) bool) error {
	if tid < 1 || tid >= g.pidMaxOf(tmp) {
		return uapi.Err("clone3", uapi.EINVAL, "set_tid "+strconv.Itoa(int(tid))+" is outside [1, pid_max)", "alloc_pid")
	}
	if tid != 1 && tmp.ChildReaper() == nil {
		return uapi.Err("clone3", uapi.EINVAL, "set_tid "+strconv.Itoa(int(tid))+" asked in "+tmp.Link()+", which has no init yet", "alloc_pid")
	}
	if capable == nil || !capable(tmp.userNS) {
		return uapi.Err("clone3", uapi.EPERM, "no CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN over the owner of "+tmp.Link(), "checkpoint_restore_ns_capable")
	}
	return nil
}

// findFree returns the lowest number in [lo, hi] whose bit is clear, or -1.
func (d *idr) findFree(lo, hi int32) int32 {
	if lo > hi || lo < 0 {
		return -1
	}
	for w := lo >> 6; w <= hi>>6; w++ {
		var word uint64
		if int(w) < len(d.used) {
			word = d.used[w]
		}
		free := ^word
		if w == lo>>6 {
			free &= ^uint64(0) << uint(lo&63)
		}
		if free != 0 {
			nr := w<<6 + int32(bits.TrailingZeros64(free))
			if nr > hi {
				return -1
			}
			return nr
		}
	}
	return -1
}

// reserve marks nr taken with no pid published (the NULL placeholder),
// growing the tables to cover it.
func (d *idr) reserve(nr int32) {
	if int(nr) >= len(d.slots) {
		n := max(2*len(d.slots), 64, int(nr)+1)
		n = (n + 63) &^ 63
		slots := make([]*Pid, n)
		copy(slots, d.slots)
		used := make([]uint64, n/64)
		copy(used, d.used)
		d.slots, d.used = slots, used
	}
	d.used[nr>>6] |= 1 << uint(nr&63)
}

// replace mirrors idr_replace: publish p at a reserved nr.
func (d *idr) replace(nr int32, p *Pid) { d.slots[nr] = p }

// remove mirrors idr_remove: nr becomes free.
func (d *idr) remove(nr int32) {
	if nr >= 0 && int(nr) < len(d.slots) {
		d.slots[nr] = nil
		d.used[nr>>6] &^= 1 << uint(nr&63)
	}
}

// find mirrors idr_find: the published pid at nr, nil for free or reserved.
func (d *idr) find(nr int) *Pid {
	if nr < 0 || nr >= len(d.slots) {
		return nil
	}
	return d.slots[nr]
}

// getNext mirrors idr_get_next: the published pid with the lowest number >= nr.
func (d *idr) getNext(nr int) *Pid {
	if nr < 0 {
		nr = 0
	}
	for w := nr >> 6; w < len(d.used); w++ {
		word := d.used[w]
		if w == nr>>6 {
			word &= ^uint64(0) << uint(nr&63)
		}
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << uint(b)
			if p := d.slots[w<<6+b]; p != nil {
				return p
			}
		}
	}
	return nil
}

// destroy mirrors idr_destroy.
func (d *idr) destroy() { *d = idr{} }
