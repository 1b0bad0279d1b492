package cgroup

import "github.com/kernsim/kernsim/nsproxy/ns"

// CgroupNS is what the cgroup core and cgroupfs read of a struct
// cgroup_namespace (nsproxy/cgroupns.Namespace implements it): its root
// css_set, whether it is init_cgroup_ns, and its reference count (a
// mainline cgroup file holds the opener's namespace from open to release,
// cgroup_file_open → get_cgroup_ns).
type CgroupNS interface {
	// RootCSet returns ns->root_cset without a reference.
	RootCSet() *CSSSet
	// IsInitNS reports ns == &init_cgroup_ns.
	IsInitNS() bool
	// Get and Put mirror get_cgroup_ns and put_cgroup_ns.
	Get()
	Put(ctx *ns.Ctx)
}

// initCgroupNS stands for init_cgroup_ns where no namespace object exists
// (see InitCgroupNS).
type initCgroupNS struct{ g *Globals }

func (n initCgroupNS) RootCSet() *CSSSet { return &n.g.initCset }
func (initCgroupNS) IsInitNS() bool      { return true }
func (initCgroupNS) Get()                {}
func (initCgroupNS) Put(*ns.Ctx)         {}

// InitCgroupNS returns a stand-in for init_cgroup_ns: root init_css_set,
// IsInitNS true, and no reference count (init_cgroup_ns is static and never
// freed). It serves callers that have no nsproxy/cgroupns object at hand,
// such as the core's own tests; a Kernel's tasks see the namespace of their
// nsproxy.
func (g *Globals) InitCgroupNS() CgroupNS { return initCgroupNS{g} }

// GetCSSSet mirrors what copy_cgroup_ns does to snapshot current's css_set:
// task_css_set(task) and get_css_set under css_set_lock, so that a
// concurrent migration cannot free the css_set between the read and the
// get. The caller owns the reference (put it with CSSSet.Put).
func (tc *TaskCgroups) GetCSSSet() *CSSSet {
	g := tc.CSSSet().g
	g.csetMu.Lock(g.env)
	cs := tc.CSSSet()
	cs.Get()
	g.csetMu.Unlock(g.env)
	return cs
}

// nsRootCgroup mirrors cset_cgroup_from_root(ns->root_cset, root): the
// namespace root's cgroup on hierarchy r.
func nsRootCgroup(root *CSSSet, r *Root) *Cgroup { return root.cgroupFromRoot(r) }

// PathNS mirrors cgroup_path_ns (kernel/cgroup/cgroup.c): c's path as a
// task of cgroup namespace n sees it, under cgroup_mutex and css_set_lock.
// That is kernfs_path_from_node(c->kn, root->kn) with root the cgroup of
// n's root css_set on c's hierarchy: "/" for the root itself, the path below
// it for a descendant, and otherwise one "/.." per level from the root up to
// the common ancestor, then the names down to c ("/../b", "/../..").
func (g *Globals) PathNS(c *Cgroup, n CgroupNS) string {
	defer g.kick()
	g.lock()
	defer g.unlock()
	g.csetMu.Lock(g.env)
	defer g.csetMu.Unlock(g.env)
	return g.pathNSLocked(c, n.RootCSet())
}

// pathNSLocked mirrors cgroup_path_ns_locked: cgroup_mutex and css_set_lock
// held.
func (g *Globals) pathNSLocked(c *Cgroup, root *CSSSet) string {
	return pathFrom(nsRootCgroup(root, c.root), c)
}
