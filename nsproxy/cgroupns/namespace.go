package cgroupns

import (
	"strconv"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Namespace mirrors struct cgroup_namespace (include/linux/cgroup.h,
// 4.19): refcount_t count, ns_common, the owner user namespace, the ucounts
// charge and root_cset.
type Namespace struct {
	ns.Common
	count    refcount.Refcount
	userNS   *userns.Namespace // holds a reference (init_cgroup_ns: static, none)
	ucounts  *userns.Ucounts
	rootCset *cgroup.CSSSet // holds a css_set reference (init_cgroup_ns: none)
	g        *Globals
	node     refcount.Node
}

// Globals is one Kernel's cgroup-namespace state: init_cgroup_ns.
type Globals struct {
	Init *Namespace // &init_cgroup_ns
	ug   *userns.Globals
}

// NewGlobals builds init_cgroup_ns (kernel/cgroup/cgroup.c): count 2 (the
// boot-time holders, init_nsproxy's among them), owner init_user_ns and
// root init_css_set, neither counted (all three are static), inode
// PROC_CGROUP_INIT_INO.
func NewGlobals(env *ns.Env, ug *userns.Globals, initCset *cgroup.CSSSet) *Globals {
	g := &Globals{ug: ug}
	n := &Namespace{userNS: ug.Init, rootCset: initCset, g: g}
	n.InitCommon(ns.CGROUP, ns.PROC_CGROUP_INIT_INO)
	n.count.Init(env.Refs, n, 2)
	g.Init = n
	return g
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_cgroup_ns (include/linux/cgroup.h): refcount_inc.
func (n *Namespace) Get() { n.count.Inc() }

// Put mirrors put_cgroup_ns: refcount_dec_and_test, then free_cgroup_ns.
func (n *Namespace) Put(ctx *ns.Ctx) {
	if n.count.DecAndTest() {
		n.free(ctx)
	}
}

// free mirrors free_cgroup_ns (kernel/cgroup/namespace.c): put_css_set of
// the root, the ucount, the owner, the inode number, in that order.
func (n *Namespace) free(ctx *ns.Ctx) {
	ctx.Enter("free_cgroup_ns")
	defer ctx.Exit("free_cgroup_ns")
	if n == n.g.Init {
		ctx.Env.Refs.Warn(n.Link(), "free_cgroup_ns: init_cgroup_ns released")
		return
	}
	n.rootCset.Put(ctx)
	n.g.ug.Dec(n.ucounts, userns.UCOUNT_CGROUP_NAMESPACES)
	n.userNS.Put(ctx)
	ctx.Env.Inums.Free(n.Inum())
	ctx.Env.Refs.Untrack(&n.node)
}

// Count reads the refcount.
func (n *Namespace) Count() int64 { return int64(n.count.Read()) }

// Owner implements proc_ns_operations.owner (cgroupns_owner).
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// UserNS returns the owning user namespace.
func (n *Namespace) UserNS() *userns.Namespace { return n.userNS }

// RootCSet returns root_cset, without a reference: the css_set whose
// cgroups are the namespace's roots. It implements cgroup.CgroupNS.
func (n *Namespace) RootCSet() *cgroup.CSSSet { return n.rootCset }

// IsInitNS reports n == &init_cgroup_ns. It implements cgroup.CgroupNS.
func (n *Namespace) IsInitNS() bool { return n == n.g.Init }

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string { return "cgroup_namespace" }
func (n *Namespace) RefID() string   { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64 { return n.Count() }

// CopyCgroupNS mirrors copy_cgroup_ns (kernel/cgroup/namespace.c). Without
// CLONE_NEWCGROUP it returns old with a new reference. With it, in order:
// cred (current_cred()) must have CAP_SYS_ADMIN in userNS, the new task's
// user namespace (EPERM); the creator's euid (ctx.EUID) is charged
// max_cgroup_namespaces in userNS (ENOSPC); current's css_set (cur) is read
// and pinned under css_set_lock; then the namespace is made: an inode
// number, count 1, a reference on userNS, the charge, and the pinned
// css_set as its root. A failure takes back what it took.
func CopyCgroupNS(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, cred *userns.Cred, cur *cgroup.TaskCgroups, old *Namespace) (*Namespace, error) {
	ctx.Enter("copy_cgroup_ns")
	defer ctx.Exit("copy_cgroup_ns")
	if flags&uapi.CLONE_NEWCGROUP == 0 {
		old.Get()
		return old, nil
	}
	if !userns.NSCapable(cred, userNS, uapi.CAP_SYS_ADMIN) {
		return nil, uapi.Err("copy_cgroup_ns", uapi.EPERM, "no CAP_SYS_ADMIN in the new task's user namespace", "copy_cgroup_ns")
	}
	g := old.g
	uc := g.ug.Inc(userNS, ctx.EUID, userns.UCOUNT_CGROUP_NAMESPACES)
	if uc == nil {
		return nil, uapi.Err("copy_cgroup_ns", uapi.ENOSPC, "max_cgroup_namespaces reached", "inc_cgroup_namespaces")
	}
	cset := cur.GetCSSSet()
	n := allocCgroupNS(ctx, g)
	userNS.Get()
	n.userNS, n.ucounts, n.rootCset = userNS, uc, cset
	ctx.Env.Refs.Track(&n.node, n)
	return n, nil
}

// allocCgroupNS mirrors alloc_cgroup_ns: zeroed memory, an inode number
// (ns_alloc_inum), count 1.
func allocCgroupNS(ctx *ns.Ctx, g *Globals) *Namespace {
	n := &Namespace{g: g}
	n.InitCommon(ns.CGROUP, ctx.Env.Inums.Alloc())
	n.count.Init(ctx.Env.Refs, n, 1)
	return n
}

// Install is the check half of cgroupns_install (kernel/cgroup/namespace.c)
// for a task whose nsproxy points at current: cred (4.19 current_cred(),
// mainline nsset->cred) needs CAP_SYS_ADMIN in its own user namespace and
// in target's owner, else EPERM. swap false means target is current and
// there is nothing to do; swap true means the caller replaces its
// reference: target.Get(), current.Put(ctx), and points the nsproxy at
// target. Install itself changes nothing.
func Install(ctx *ns.Ctx, cred *userns.Cred, current, target *Namespace) (swap bool, err error) {
	ctx.Enter("cgroupns_install")
	defer ctx.Exit("cgroupns_install")
	if err := userns.InstallPermission(cred, target.userNS, "cgroupns_install"); err != nil {
		return false, err
	}
	return target != current, nil
}

// Namespace is a namespace (ns.Namespace) and what the cgroup core reads
// of one (cgroup.CgroupNS).
var (
	_ ns.Namespace    = (*Namespace)(nil)
	_ cgroup.CgroupNS = (*Namespace)(nil)
)
