package userns

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// USERNS_SETGROUPS_ALLOWED is the user_namespace.flags bit that lets setgroups(2)
// work (include/linux/user_namespace.h).
const USERNS_SETGROUPS_ALLOWED uint32 = 1

// MaxLevel is the deepest user namespace level: create_user_ns refuses a parent
// whose level is above 32 (kernel/user_namespace.c).
const MaxLevel = 32

// Namespace mirrors struct user_namespace (include/linux/user_namespace.h).
type Namespace struct {
	ns.Common
	count     refcount.Atomic // atomic_t count
	parent    *Namespace      // holds a reference; nil for init_user_ns
	level     int
	owner     uint32        // kuid of the creator's euid
	group     uint32        // kgid of the creator's egid
	flags     atomic.Uint32 // USERNS_SETGROUPS_ALLOWED; written under Globals.stateMu
	uidMap    IDMap         // storage of maps set at construction; see loadMap
	gidMap    IDMap
	projidMap IDMap
	maps      [nrMapKinds]atomic.Pointer[IDMap] // maps published by map_write
	ucounts   *Ucounts                          // the (parent, owner) charge for this namespace
	ucountMax [UCOUNT_COUNTS]int64
	// ucountsHint is the hashed ucounts of (this namespace, some uid) found
	// last, a lookup cache in front of the hash (under ucounts_lock); it is
	// cleared when that entry is unhashed.
	ucountsHint *Ucounts
	g           *Globals
	node        refcount.Node
}

// Globals is one Kernel's user-namespace state: init_user_ns, the ucounts hash
// and userns_state_mutex.
type Globals struct {
	env     *ns.Env
	Init    *Namespace // &init_user_ns
	ucounts ucountTable
	stateMu sync.Mutex // userns_state_mutex
	lastCap uapi.Cap
}

// NewGlobals builds init_user_ns (kernel/user.c) for one Kernel: count 3, level 0,
// owner and group global root, identity uid/gid maps {0 0 4294967295}, setgroups
// allowed, inode PROC_USER_INIT_INO, and every ucount limit at maxThreads/2 (as
// fork_init sets it).
func NewGlobals(env *ns.Env, maxThreads int) *Globals {
	g := &Globals{env: env, lastCap: uapi.CAP_LAST_CAP_419}
	if env.Mainline() {
		g.lastCap = uapi.CAP_LAST_CAP_MAINLINE
	}
	g.ucounts.m = make(map[ucountKey]*Ucounts)
	init := &Namespace{g: g}
	init.flags.Store(USERNS_SETGROUPS_ALLOWED)
	init.InitCommon(ns.USER, ns.PROC_USER_INIT_INO)
	init.count.Init(env.Refs, 3)
	full := IDMap{Extents: []IDMapExtent{{0, 0, math.MaxUint32}}}
	init.uidMap, init.gidMap, init.projidMap = full, full, full
	for i := range init.ucountMax {
		init.ucountMax[i] = int64(maxThreads / 2)
	}
	g.Init = init
	return g
}

// CapFullSet returns CAP_FULL_SET for the Kernel's flavour.
func (g *Globals) CapFullSet() uapi.CapSet { return uapi.CapFull(g.lastCap) }

// SetUcountMax sets ns's limit for type t, as writing /proc/sys/user/<t.Name()>
// inside ns does.
func (g *Globals) SetUcountMax(n *Namespace, t UcountType, max int64) {
	g.ucounts.mu.Lock(g.env)
	n.ucountMax[t] = max
	g.ucounts.mu.Unlock(g.env)
}

// UcountMax reads ns's limit for type t.
func (g *Globals) UcountMax(n *Namespace, t UcountType) int64 {
	g.ucounts.mu.Lock(g.env)
	defer g.ucounts.mu.Unlock(g.env)
	return n.ucountMax[t]
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_user_ns (include/linux/user_namespace.h).
func (n *Namespace) Get() { n.count.Inc() }

// Put mirrors put_user_ns: at zero the namespace is freed by free_user_ns,
// which then drops the reference on the parent, walking up while parents die too.
func (n *Namespace) Put(ctx *ns.Ctx) {
	if n.count.DecAndTest() {
		if n.parent == nil {
			ctx.Env.Refs.Warn(n.Link(), "put_user_ns: init_user_ns count hit 0")
			return
		}
		n.free(ctx)
	}
}

// free mirrors free_user_ns (kernel/user_namespace.c): in a loop, give back the
// inode number and the ucounts charge, then continue with the parent if this
// was its last reference.
func (n *Namespace) free(ctx *ns.Ctx) {
	ctx.Enter("free_user_ns")
	for {
		parent := n.parent
		ctx.Env.Inums.Free(n.Inum())
		n.g.decUcount(n.ucounts, UCOUNT_USER_NAMESPACES)
		ctx.Env.Refs.Untrack(&n.node)
		if parent.parent == nil || !parent.count.DecAndTest() {
			if parent.parent == nil {
				parent.count.Dec()
			}
			break
		}
		n = parent
	}
	ctx.Exit("free_user_ns")
}

// Count reads the namespace's count.
func (n *Namespace) Count() int64 { return int64(n.count.Read()) }

// Owner implements proc_ns_operations.owner for user namespaces (userns_owner):
// the parent; nil for init_user_ns.
func (n *Namespace) Owner() ns.Namespace {
	if n.parent == nil {
		return nil
	}
	return n.parent
}

// Parent returns the parent user namespace, nil for the initial one.
func (n *Namespace) Parent() *Namespace { return n.parent }

// Level returns the depth: 0 for init_user_ns.
func (n *Namespace) Level() int { return n.level }

// OwnerUID returns the kernel uid of the creator (user_namespace.owner).
func (n *Namespace) OwnerUID() uint32 { return n.owner }

// OwnerGID returns the kernel gid of the creator (user_namespace.group).
func (n *Namespace) OwnerGID() uint32 { return n.group }

// UIDMap returns a copy of the uid map's extents.
func (n *Namespace) UIDMap() []IDMapExtent { return n.Map(UIDMap) }

// GIDMap returns a copy of the gid map's extents.
func (n *Namespace) GIDMap() []IDMapExtent { return n.Map(GIDMap) }

// SetgroupsAllowed reports the USERNS_SETGROUPS_ALLOWED flag.
func (n *Namespace) SetgroupsAllowed() bool { return n.flags.Load()&USERNS_SETGROUPS_ALLOWED != 0 }

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string   { return "user_namespace" }
func (n *Namespace) RefID() string     { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64   { return n.Count() }
func (n *Namespace) IsInit() bool      { return n.parent == nil }
func (n *Namespace) Globals() *Globals { return n.g }

// InUserNS mirrors in_userns (kernel/user_namespace.c): whether child is
// ancestor or one of its descendants.
func InUserNS(ancestor, child *Namespace) bool {
	n := child
	for n.level > ancestor.level {
		n = n.parent
	}
	return n == ancestor
}

// CreateUserNS mirrors create_user_ns (kernel/user_namespace.c): make a user
// namespace whose parent is new's current one and install it in new. On success
// new owns the only reference to the namespace, and the namespace owns the
// reference new had on the parent. On failure new is unchanged.
//
// Checks in order: parent level above 32 (ENOSPC), the creator's
// max_user_namespaces charge at every level (ENOSPC), creator's euid or egid
// without a mapping in the parent (EPERM). The chroot check (EPERM when the
// caller's root is not its mount namespace's root) waits for mount namespaces.
func CreateUserNS(ctx *ns.Ctx, new *Cred) error {
	ctx.Enter("create_user_ns")
	defer ctx.Exit("create_user_ns")
	parent := new.userNS
	g := parent.g
	if parent.level > MaxLevel {
		return uapi.Err("create_user_ns", uapi.ENOSPC, "parent user namespace level "+strconv.Itoa(parent.level)+" > 32", "create_user_ns")
	}
	uc := g.incUcount(parent, new.EUID, UCOUNT_USER_NAMESPACES)
	if uc == nil {
		return uapi.Err("create_user_ns", uapi.ENOSPC, "max_user_namespaces reached", "inc_user_namespaces")
	}
	if !KUIDHasMapping(parent, new.EUID) || !KGIDHasMapping(parent, new.EGID) {
		g.decUcount(uc, UCOUNT_USER_NAMESPACES)
		return uapi.Err("create_user_ns", uapi.EPERM, "creator's euid or egid has no mapping in the parent user namespace", "create_user_ns")
	}
	n := &Namespace{
		parent:  parent, // the cred's reference moves here
		level:   parent.level + 1,
		owner:   new.EUID,
		group:   new.EGID,
		ucounts: uc,
		g:       g,
	}
	// Inherit USERNS_SETGROUPS_ALLOWED from the parent under userns_state_mutex.
	g.stateMu.Lock()
	n.flags.Store(parent.flags.Load())
	g.stateMu.Unlock()
	n.InitCommon(ns.USER, ctx.Env.Inums.Alloc())
	n.count.Init(ctx.Env.Refs, 1)
	for i := range n.ucountMax {
		n.ucountMax[i] = math.MaxInt32
	}
	ctx.Env.Refs.Track(&n.node, n)
	setCredUserNS(new, n, g.CapFullSet())
	return nil
}

// SetCredUserNS points a prepared cred at n with full capabilities there, as
// userns_install does (kernel/user_namespace.c): the cred's reference on its old
// user namespace is dropped and one on n is taken.
func SetCredUserNS(ctx *ns.Ctx, c *Cred, n *Namespace) {
	old := c.userNS
	n.Get()
	setCredUserNS(c, n, n.g.CapFullSet())
	old.Put(ctx)
}

// setCredUserNS mirrors set_cred_user_ns: full capabilities inside the new
// namespace only, default securebits, empty inheritable and ambient sets.
func setCredUserNS(c *Cred, n *Namespace, full uapi.CapSet) {
	c.Securebits = 0
	c.CapInheritable = 0
	c.CapAmbient = 0
	c.CapPermitted = full
	c.CapEffective = full
	c.CapBset = full
	c.userNS = n
}
