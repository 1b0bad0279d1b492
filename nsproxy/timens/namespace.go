package timens

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Offsets mirrors struct timens_offsets (include/linux/time_namespace.h): what
// the namespace adds to CLOCK_MONOTONIC (and _RAW, _COARSE) and to
// CLOCK_BOOTTIME (and _ALARM).
type Offsets struct {
	Monotonic Timespec64
	Boottime  Timespec64
}

// Namespace mirrors struct time_namespace (include/linux/time_namespace.h,
// 6.18): user_ns, ucounts, ns (whose count is a refcount_t in ns_common since
// 5.10, __ns_ref in 6.18), offsets, vvar_page (not modelled) and
// frozen_offsets.
type Namespace struct {
	ns.Common
	count   refcount.Refcount // ns_common.__ns_ref
	userNS  *userns.Namespace // holds a reference (none for init_time_ns)
	ucounts *userns.Ucounts
	offsets Offsets     // written under g.offsetLock while !frozen
	frozen  atomic.Bool // frozen_offsets: set once, under g.offsetLock
	g       *Globals
	node    refcount.Node
}

// Globals is one Kernel's time-namespace state: init_time_ns, offset_lock and
// the timekeeper.
type Globals struct {
	// Init is &init_time_ns.
	Init *Namespace
	// Clock is the Kernel's timekeeper (tk_core).
	Clock *Clock

	offsetLock sync.Mutex // offset_lock (kernel/time/namespace.c)
	ug         *userns.Globals
}

// NewGlobals builds init_time_ns (kernel/time/namespace.c) for one Kernel:
// count 3 (REFCOUNT_INIT(3)), owner init_user_ns (not counted: init_time_ns is
// static), inode PROC_TIME_INIT_INO, zero offsets, frozen_offsets true. The
// Clock starts at its boot readings (NewClock).
func NewGlobals(env *ns.Env, ug *userns.Globals) *Globals {
	g := &Globals{ug: ug, Clock: NewClock()}
	n := &Namespace{userNS: ug.Init, g: g}
	n.InitCommon(ns.TIME, ns.PROC_TIME_INIT_INO)
	n.count.Init(env.Refs, n, 3)
	n.frozen.Store(true)
	g.Init = n
	return g
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_time_ns (include/linux/time_namespace.h): ns_ref_inc, a
// refcount_inc on ns_common's count.
func (n *Namespace) Get() { n.count.Inc() }

// Put mirrors put_time_ns: ns_ref_put (refcount_dec_and_test), then
// free_time_ns at zero.
func (n *Namespace) Put(ctx *ns.Ctx) {
	if n.count.DecAndTest() {
		n.free(ctx)
	}
}

// free mirrors free_time_ns (kernel/time/namespace.c): ns_tree_remove (not
// modelled), dec_time_namespaces, put_user_ns, ns_common_free (the inode
// number), __free_page of the vvar page, kfree.
func (n *Namespace) free(ctx *ns.Ctx) {
	ctx.Enter("free_time_ns")
	defer ctx.Exit("free_time_ns")
	if n == n.g.Init {
		ctx.Env.Refs.Warn(n.Link(), "free_time_ns: init_time_ns released")
		return
	}
	n.g.ug.Dec(n.ucounts, userns.UCOUNT_TIME_NAMESPACES)
	n.userNS.Put(ctx)
	ctx.Env.Inums.Free(n.Inum())
	ctx.Env.Refs.Untrack(&n.node)
	n.userNS, n.ucounts = nil, nil
}

// Count reads the namespace's count (ns_ref_read).
func (n *Namespace) Count() int64 { return int64(n.count.Read()) }

// Owner implements proc_ns_operations.owner (timens_owner).
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// UserNS returns the owning user namespace without taking a reference.
func (n *Namespace) UserNS() *userns.Namespace { return n.userNS }

// Globals returns the Kernel state n belongs to.
func (n *Namespace) Globals() *Globals { return n.g }

// Frozen reads frozen_offsets: whether a task has entered n, so that its
// offsets can no longer be written.
func (n *Namespace) Frozen() bool { return n.frozen.Load() }

// Offsets returns a copy of the namespace's offsets.
func (n *Namespace) Offsets() Offsets { return n.readOffsets() }

// readOffsets reads the offsets: without a lock once frozen (they never
// change again, and the frozen store under offset_lock published them), under
// offset_lock before.
func (n *Namespace) readOffsets() Offsets {
	if n.frozen.Load() {
		return n.offsets
	}
	n.g.offsetLock.Lock()
	defer n.g.offsetLock.Unlock()
	return n.offsets
}

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string { return "time_namespace" }
func (n *Namespace) RefID() string   { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64 { return n.Count() }

// CopyTimeNS mirrors copy_time_ns (kernel/time/namespace.c), which
// create_new_namespaces calls for time_ns_for_children: without CLONE_NEWTIME
// it returns old with a new reference; with it, a clone of old owned by userNS.
func CopyTimeNS(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, old *Namespace) (*Namespace, error) {
	ctx.Enter("copy_time_ns")
	defer ctx.Exit("copy_time_ns")
	if flags&uapi.CLONE_NEWTIME == 0 {
		old.Get()
		return old, nil
	}
	return cloneTimeNS(ctx, userNS, old)
}

// cloneTimeNS mirrors clone_time_ns: charge max_time_namespaces to (userNS,
// current_euid()) (ENOSPC), allocate (ENOMEM, not modelled) with count 1,
// allocate the vvar page (not modelled), take an inode number
// (ns_common_init), then ucounts, a reference on the owner, the offsets copied
// from old, frozen_offsets false, ns_tree_add (not modelled).
func cloneTimeNS(ctx *ns.Ctx, userNS *userns.Namespace, old *Namespace) (*Namespace, error) {
	ctx.Enter("clone_time_ns")
	defer ctx.Exit("clone_time_ns")
	g := old.g
	uc := g.ug.Inc(userNS, ctx.EUID, userns.UCOUNT_TIME_NAMESPACES)
	if uc == nil {
		return nil, uapi.Err("clone_time_ns", uapi.ENOSPC, "max_time_namespaces reached", "inc_time_namespaces")
	}
	n := &Namespace{g: g}
	n.count.Init(ctx.Env.Refs, n, 1)
	n.InitCommon(ns.TIME, ctx.Env.Inums.Alloc())
	n.ucounts = uc
	userNS.Get()
	n.userNS = userNS
	n.offsets = old.readOffsets()
	ctx.Env.Refs.Track(&n.node, n)
	return n, nil
}
