package cgroup

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
)

// kernelSubsysOrder returns a controller's position in
// include/linux/cgroup_subsys.h (4.19): cpuset, cpu, cpuacct, io, memory,
// devices, freezer, net_cls, perf_event, net_prio, hugetlb, pids, rdma, debug;
// -1 for a name the kernel does not have. Subsystem ids are dense over the
// controllers a kernel is built with, in this order, which is therefore the
// order cgroup.controllers, cgroup.subtree_control, /proc/cgroups and the v1
// lines of /proc/<pid>/cgroup list them in.
func kernelSubsysOrder(name string) int {
	switch name {
	case "cpuset":
		return 0
	case "cpu":
		return 1
	case "cpuacct":
		return 2
	case "io":
		return 3
	case "memory":
		return 4
	case "devices":
		return 5
	case "freezer":
		return 6
	case "net_cls":
		return 7
	case "perf_event":
		return 8
	case "net_prio":
		return 9
	case "hugetlb":
		return 10
	case "pids":
		return 11
	case "rdma":
		return 12
	case "debug":
		return 13
	}
	return -1
}

// MaxSubsys is the most controllers one Globals can have (CGROUP_SUBSYS_COUNT
// with every 4.19 controller built in; the kernel's masks are u16).
const MaxSubsys = 14

// SubsysInfo is the constant part of struct cgroup_subsys.
type SubsysInfo struct {
	// Name is cgroup_subsys.name, one of the names of
	// include/linux/cgroup_subsys.h ("memory", "pids", ...).
	Name string
	// LegacyName is legacy_name, the name on v1 hierarchies; "" means Name.
	LegacyName string
	// Threaded marks a threaded controller (pids, cpu, perf_event): it may be
	// enabled inside a threaded subtree and does not make its cgroup refuse
	// processes (cgrp_dfl_threaded_ss_mask).
	Threaded bool
	// ImplicitOnDfl marks a controller enabled on every v2 cgroup without
	// being listed (perf_event; cgrp_dfl_implicit_ss_mask). It must be
	// Threaded, as cgroup_init warns.
	ImplicitOnDfl bool
	// NoDflFiles marks a controller without dfl_cftypes: it cannot be enabled
	// on v2 (cgrp_dfl_inhibit_ss_mask).
	NoDflFiles bool
}

// Subsys is struct cgroup_subsys's callback table: what a controller
// implements. Embed BaseSubsys for no-op defaults. Every callback runs on
// the calling goroutine, synchronously, with the locks the kernel holds
// there (see the package documentation); none may call back into Globals
// methods that take cgroup_mutex.
type Subsys interface {
	// Info returns the constant description; it is read once, by NewGlobals.
	Info() SubsysInfo

	// CSSAlloc mirrors css_alloc: build the controller's state for a new
	// css whose parent is parent (nil for the root css at boot). The value
	// is kept as css.State(). An error fails the mkdir or the
	// subtree_control write with it.
	CSSAlloc(ctx *ns.Ctx, parent *CSS) (any, error)
	// CSSOnline mirrors css_online: an error fails the css creation.
	CSSOnline(ctx *ns.Ctx, css *CSS) error
	// CSSOffline mirrors css_offline: the css is dying and
	// css_tryget_online fails on it; references may remain.
	CSSOffline(ctx *ns.Ctx, css *CSS)
	// CSSReleased mirrors css_released: the last reference is gone.
	CSSReleased(ctx *ns.Ctx, css *CSS)
	// CSSFree mirrors css_free: free the state.
	CSSFree(ctx *ns.Ctx, css *CSS)

	// CanFork mirrors can_fork: admit a new task forked by a task whose
	// css_set is cset (4.19 reads current's; the threadgroup rwsem keeps
	// it stable until PostFork or CancelFork). An error fails the fork.
	CanFork(ctx *ns.Ctx, child Member, cset *CSSSet) error
	// CancelFork mirrors cancel_fork: undo a successful CanFork.
	CancelFork(ctx *ns.Ctx, child Member, cset *CSSSet)
	// Fork mirrors fork: the child is linked to its css_set.
	Fork(ctx *ns.Ctx, child Member)

	// CanAttach mirrors can_attach: approve a migration. tset.ForEach
	// lists the tasks with their destination css; a task's source css is
	// TaskCSS(task, ssid). An error fails the migration with it.
	CanAttach(ctx *ns.Ctx, tset *TaskSet) error
	// CancelAttach mirrors cancel_attach: undo a successful CanAttach when
	// a later controller refused.
	CancelAttach(ctx *ns.Ctx, tset *TaskSet)
	// Attach mirrors attach: the tasks are now in their new css_sets.
	Attach(ctx *ns.Ctx, tset *TaskSet)

	// Exit mirrors exit: called from cgroup_exit.
	Exit(ctx *ns.Ctx, m Member)
	// Free mirrors free: called from cgroup_free (4.19 pids uncharges here).
	Free(ctx *ns.Ctx, m Member)
}

// BaseSubsys provides no-op callbacks: a controller embeds it and overrides
// what it implements, like leaving a cgroup_subsys field NULL.
type BaseSubsys struct{}

func (BaseSubsys) CSSAlloc(*ns.Ctx, *CSS) (any, error)    { return nil, nil }
func (BaseSubsys) CSSOnline(*ns.Ctx, *CSS) error          { return nil }
func (BaseSubsys) CSSOffline(*ns.Ctx, *CSS)               {}
func (BaseSubsys) CSSReleased(*ns.Ctx, *CSS)              {}
func (BaseSubsys) CSSFree(*ns.Ctx, *CSS)                  {}
func (BaseSubsys) CanFork(*ns.Ctx, Member, *CSSSet) error { return nil }
func (BaseSubsys) CancelFork(*ns.Ctx, Member, *CSSSet)    {}
func (BaseSubsys) Fork(*ns.Ctx, Member)                   {}
func (BaseSubsys) CanAttach(*ns.Ctx, *TaskSet) error      { return nil }
func (BaseSubsys) CancelAttach(*ns.Ctx, *TaskSet)         {}
func (BaseSubsys) Attach(*ns.Ctx, *TaskSet)               {}
func (BaseSubsys) Exit(*ns.Ctx, Member)                   {}
func (BaseSubsys) Free(*ns.Ctx, Member)                   {}

// subsys is one registered controller: struct cgroup_subsys's identity.
type subsys struct {
	ops        Subsys
	id         int
	name       string
	legacyName string
	info       SubsysInfo
	cssIDs     ida   // css_idr: root css 1, others from 2
	root       *Root // ss->root: the hierarchy it is bound to
}

// TaskSet mirrors struct cgroup_taskset: the tasks of one migration, grouped
// by source css_set. Before the commit they sit on the mg_tasks of the
// source csets; after it, on those of the destination csets.
type TaskSet struct {
	srcCsets, dstCsets lnode[*CSSSet]
	csets              *lnode[*CSSSet] // srcCsets or dstCsets
	nrTasks            int
	ssid               int
}

func (ts *TaskSet) init() {
	ts.srcCsets.initHead()
	ts.dstCsets.initHead()
	ts.csets = &ts.srcCsets
}

// Len is the number of tasks migrating.
func (ts *TaskSet) Len() int { return ts.nrTasks }

// SubsysID is the id of the controller being called.
func (ts *TaskSet) SubsysID() int { return ts.ssid }

// ForEach mirrors cgroup_taskset_for_each: every task with the css it moves
// to for the controller being called (before the commit,
// cset->mg_dst_cset->subsys[ssid]; after it, the cset's own). fn returns
// false to stop.
func (ts *TaskSet) ForEach(fn func(m Member, dst *CSS) bool) {
	for cn := ts.csets.next; cn != ts.csets; cn = cn.next {
		cset := cn.owner
		dst := cset.subsys[ts.ssid]
		if cset.mgDstCset != nil {
			dst = cset.mgDstCset.subsys[ts.ssid]
		}
		for tn := cset.mgTasks.next; tn != &cset.mgTasks; tn = tn.next {
			if !fn(tn.owner.m, dst) {
				return
			}
		}
	}
}

// ForEachLeader mirrors cgroup_taskset_for_each_leader: only thread-group
// leaders.
func (ts *TaskSet) ForEachLeader(fn func(m Member, dst *CSS) bool) {
	ts.ForEach(func(m Member, dst *CSS) bool {
		if !m.IsThreadGroupLeader() {
			return true
		}
		return fn(m, dst)
	})
}
