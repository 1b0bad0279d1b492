package cgroup

import (
	"strconv"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
)

// CSSSet mirrors struct css_set: the css of every controller a set of tasks
// uses, plus the cgroup they are in on every hierarchy. Tasks with the same
// membership everywhere share one; task->cgroups points at it.
type CSSSet struct {
	// subsys is immutable once the css_set is published (init_css_set's is
	// filled at boot): read without locks.
	subsys   [MaxSubsys]*CSS
	refcount refcount.Refcount
	// domCset is the css_set itself for a domain css_set; for a threaded
	// one, the matching css_set of the domain cgroup. dflCgrp is the v2
	// cgroup. Both are set before publication.
	domCset *CSSSet
	dflCgrp *Cgroup

	// Guarded by css_set_lock.
	nrTasks           int32
	tasks, mgTasks    lnode[*TaskCgroups]
	eCsetNode         [MaxSubsys]lnode[*CSSSet]
	threadedCsets     lnode[*CSSSet]
	threadedCsetsNode lnode[*CSSSet]
	cgrpLinks         lnode[*cgrpCsetLink] // one per hierarchy, in a fixed order
	key               uint64               // css_set_hash of subsys
	dead              bool                 // linked to a removed cgroup

	// Migration state, guarded by cgroup_mutex (list nodes also by
	// css_set_lock).
	mgPreloadNode, mgNode lnode[*CSSSet]
	mgSrcCgrp, mgDstCgrp  *Cgroup
	mgDstCset             *CSSSet

	g    *Globals
	seq  uint64
	node refcount.Node
}

// cgrpCsetLink mirrors struct cgrp_cset_link: the many-to-many join between
// cgroups and css_sets.
type cgrpCsetLink struct {
	cgrp     *Cgroup
	cset     *CSSSet
	csetLink lnode[*cgrpCsetLink] // on cgrp->cset_links
	cgrpLink lnode[*cgrpCsetLink] // on cset->cgrp_links
}

func (cs *CSSSet) initCSSSet(g *Globals) {
	cs.g = g
	cs.domCset = cs
	cs.tasks.initHead()
	cs.mgTasks.initHead()
	cs.threadedCsets.initHead()
	cs.threadedCsetsNode.init(cs)
	cs.cgrpLinks.initHead()
	cs.mgPreloadNode.init(cs)
	cs.mgNode.init(cs)
	cs.refcount.Init(g.env.Refs, cs, 1)
}

// populated mirrors css_set_populated: tasks on tasks or mg_tasks.
func (cs *CSSSet) populated() bool { return !cs.tasks.empty() || !cs.mgTasks.empty() }

func (cs *CSSSet) threaded() bool { return cs.domCset != cs }

// ---- accessors -------------------------------------------------------

// Subsys returns subsys[ssid]: the (effective) css of controller ssid.
func (cs *CSSSet) Subsys(ssid int) *CSS { return cs.subsys[ssid] }

// DflCgroup returns dfl_cgrp: the v2 cgroup of the set's tasks.
func (cs *CSSSet) DflCgroup() *Cgroup { return cs.dflCgrp }

// DomCSSSet returns dom_cset.
func (cs *CSSSet) DomCSSSet() *CSSSet { return cs.domCset }

// IsInit reports whether cs is init_css_set.
func (cs *CSSSet) IsInit() bool { return cs == &cs.g.initCset }

// Count reads the refcount: one per task from PostFork to Free, one per
// migration pin, one per threaded css_set chained to it, one per cgroup
// namespace rooted at it, and init_css_set's static one.
func (cs *CSSSet) Count() int64 { return int64(cs.refcount.Read()) }

// NrTasks reads nr_tasks: the tasks linked to it (exited ones are not).
func (cs *CSSSet) NrTasks() int {
	cs.g.csetMu.Lock(cs.g.env)
	defer cs.g.csetMu.Unlock(cs.g.env)
	return int(cs.nrTasks)
}

// Dead reports the dead mark set when one of its cgroups was removed.
func (cs *CSSSet) Dead() bool {
	cs.g.csetMu.Lock(cs.g.env)
	defer cs.g.csetMu.Unlock(cs.g.env)
	return cs.dead
}

// Cgroup mirrors cset_cgroup_from_root: the set's cgroup on hierarchy r.
func (cs *CSSSet) Cgroup(r *Root) *Cgroup { return cs.cgroupFromRoot(r) }

func (cs *CSSSet) cgroupFromRoot(r *Root) *Cgroup {
	switch {
	case cs == &cs.g.initCset:
		return &r.cgrp
	case r.dfl:
		return cs.dflCgrp
	}
	for n := cs.cgrpLinks.next; n != &cs.cgrpLinks; n = n.next {
		if n.owner.cgrp.root == r {
			return n.owner.cgrp
		}
	}
	panic("cgroup: css_set without a link to hierarchy " + itoa(r.hierarchyID))
}

// Get mirrors get_css_set: the caller holds a reference or css_set_lock.
func (cs *CSSSet) Get() { cs.refcount.Inc() }

// Put mirrors put_css_set: refcount_dec_not_one, else take css_set_lock and
// put_css_set_locked; the release of csses it unpins runs before Put
// returns if cgroup_mutex is free.
func (cs *CSSSet) Put(ctx *ns.Ctx) {
	cs.g.putCSSSet(ctx, cs)
	cs.g.kick()
}

// RefKind, RefID and RefCount let the leak registry list the css_set as
// "css_set #<n> <v2 path>".
func (cs *CSSSet) RefKind() string { return "css_set" }
func (cs *CSSSet) RefID() string {
	return "#" + strconv.FormatUint(cs.seq, 10) + " " + cs.dflCgrp.label()
}
func (cs *CSSSet) RefCount() int64 { return cs.Count() }

// ---- hash ------------------------------------------------------------

// cssKey stands in for a css's address in css_set_hash.
func cssKey(c *CSS) uint64 {
	if c == nil {
		return 0
	}
	return c.serial << 10
}

// csetHash mirrors css_set_hash: the sum of the css "addresses", folded.
func (g *Globals) csetHash(subsys *[MaxSubsys]*CSS) uint64 {
	var key uint64
	for i := 0; i < g.nss; i++ {
		key += cssKey(subsys[i])
	}
	return (key >> 16) ^ key
}

// bucket is hash_min(key, CSS_SET_HASH_BITS) (hash_64).
func bucket(key uint64) int { return int((key * 0x61C8864680B583EB) >> (64 - csetHashBits)) }

func (g *Globals) hashAdd(cs *CSSSet) {
	cs.key = g.csetHash(&cs.subsys)
	b := &g.csetTable[bucket(cs.key)]
	*b = append([]*CSSSet{cs}, *b...) // hlist_add_head
}

func (g *Globals) hashDel(cs *CSSSet) {
	b := &g.csetTable[bucket(cs.key)]
	for i, x := range *b {
		if x == cs {
			*b = append((*b)[:i:i], (*b)[i+1:]...)
			return
		}
	}
}

// compareCSSSets mirrors compare_css_sets: same css vector, same domain, and
// on every hierarchy the same cgroup as old except newCgrp on its own.
func (g *Globals) compareCSSSets(cs, old *CSSSet, newCgrp *Cgroup, template *[MaxSubsys]*CSS) bool {
	if cs.subsys != *template {
		return false
	}
	newDfl := old.dflCgrp
	if newCgrp.onDfl() {
		newDfl = newCgrp
	}
	if newDfl.domCgrp != cs.domCset.dflCgrp {
		return false
	}
	l1, l2 := cs.cgrpLinks.next, old.cgrpLinks.next
	for ; l1 != &cs.cgrpLinks; l1, l2 = l1.next, l2.next {
		c1, c2 := l1.owner.cgrp, l2.owner.cgrp
		if c1.root == newCgrp.root {
			if c1 != newCgrp {
				return false
			}
		} else if c1 != c2 {
			return false
		}
	}
	return true
}

// findExistingCSSSet mirrors find_existing_css_set: build the wanted css
// vector (the effective css of cgrp for the controllers of its hierarchy,
// old's for the others) and look it up.
func (g *Globals) findExistingCSSSet(old *CSSSet, cgrp *Cgroup, template *[MaxSubsys]*CSS) *CSSSet {
	for i := 0; i < g.nss; i++ {
		if cgrp.root.subsysMask&(1<<i) != 0 {
			template[i] = cgrp.eCSS(i)
		} else {
			template[i] = old.subsys[i]
		}
	}
	key := g.csetHash(template)
	for _, cs := range g.csetTable[bucket(key)] {
		if cs.key == key && g.compareCSSSets(cs, old, cgrp, template) {
			return cs
		}
	}
	return nil
}

// linkCSSSet mirrors link_css_set: a cgrp_cset_link at the tail of both
// lists; a link to a non-root cgroup pins it.
func (g *Globals) linkCSSSet(cs *CSSSet, cgrp *Cgroup) {
	if cgrp.onDfl() {
		cs.dflCgrp = cgrp
	}
	l := &cgrpCsetLink{cgrp: cgrp, cset: cs}
	l.csetLink.init(l)
	l.cgrpLink.init(l)
	cgrp.csetLinks.addTail(&l.csetLink)
	cs.cgrpLinks.addTail(&l.cgrpLink)
	if cgrp.parent() != nil {
		cgrp.getLive()
	}
}

// findCSSSet mirrors find_css_set (cgroup_mutex held): old's membership
// with cgrp substituted on cgrp's hierarchy. An existing match gets a
// reference; otherwise a new css_set with refcount 1 is linked to the same
// cgroups as old (cgrp on its hierarchy), hashed, pins every css in its
// vector, and, if its v2 cgroup is threaded, chains to the domain css_set.
func (g *Globals) findCSSSet(ctx *ns.Ctx, old *CSSSet, cgrp *Cgroup) *CSSSet {
	ctx.Enter("find_css_set")
	defer ctx.Exit("find_css_set")
	var template [MaxSubsys]*CSS
	g.csetMu.Lock(g.env)
	cs := g.findExistingCSSSet(old, cgrp, &template)
	if cs != nil {
		cs.Get()
	}
	g.csetMu.Unlock(g.env)
	if cs != nil {
		return cs
	}

	cs = &CSSSet{}
	cs.initCSSSet(g)
	for i := range cs.eCsetNode {
		cs.eCsetNode[i].init(cs)
	}
	cs.subsys = template
	cs.seq = g.csetSeq.Add(1)

	g.csetMu.Lock(g.env)
	for n := old.cgrpLinks.next; n != &old.cgrpLinks; n = n.next {
		c := n.owner.cgrp
		if c.root == cgrp.root {
			c = cgrp
		}
		g.linkCSSSet(cs, c)
	}
	g.csetCount++
	g.hashAdd(cs)
	for i := 0; i < g.nss; i++ {
		css := cs.subsys[i]
		css.cgroup.eCsets[i].addTail(&cs.eCsetNode[i])
		css.Get()
	}
	g.csetMu.Unlock(g.env)
	g.env.Refs.Track(&cs.node, cs)

	if cs.dflCgrp.isThreaded() {
		dcs := g.findCSSSet(ctx, cs, cs.dflCgrp.domCgrp)
		g.csetMu.Lock(g.env)
		cs.domCset = dcs
		dcs.threadedCsets.addTail(&cs.threadedCsetsNode)
		g.csetMu.Unlock(g.env)
	}
	return cs
}

// putCSSSet mirrors put_css_set without the drain.
func (g *Globals) putCSSSet(ctx *ns.Ctx, cs *CSSSet) {
	if cs.refcount.DecNotOne() {
		return
	}
	g.csetMu.Lock(g.env)
	g.putCSSSetLocked(ctx, cs)
	g.csetMu.Unlock(g.env)
}

// putCSSSetLocked mirrors put_css_set_locked (css_set_lock held): at zero,
// unlink from every e_csets list and unpin each css, unhash, free the links
// (unpinning non-root cgroups), and drop the domain css_set of a threaded
// one.
func (g *Globals) putCSSSetLocked(ctx *ns.Ctx, cs *CSSSet) {
	if !cs.refcount.DecAndTest() {
		return
	}
	if cs == &g.initCset {
		g.env.Refs.Warn("css_set init_css_set", "init_css_set released")
		return
	}
	ctx.Enter("put_css_set_locked")
	for i := 0; i < g.nss; i++ {
		cs.eCsetNode[i].del()
		cs.subsys[i].put()
	}
	g.hashDel(cs)
	g.csetCount--
	cs.cgrpLinks.each(func(l *cgrpCsetLink) bool {
		l.csetLink.del()
		l.cgrpLink.del()
		if l.cgrp.parent() != nil {
			l.cgrp.put()
		}
		return true
	})
	if cs.threaded() {
		cs.threadedCsetsNode.del()
		g.putCSSSetLocked(ctx, cs.domCset)
	}
	g.env.Refs.Untrack(&cs.node)
	ctx.Exit("put_css_set_locked")
}

// ---- populated state -------------------------------------------------

// updatePopulated mirrors cgroup_update_populated (css_set_lock held): one
// css_set of cgrp gained its first task or lost its last; adjust
// nr_populated_csets here and the parents' nr_populated_*_children while
// the populated state keeps flipping, notifying cgroup.events at each flip.
func (g *Globals) updatePopulated(cgrp *Cgroup, populated bool) {
	adj := int32(-1)
	if populated {
		adj = 1
	}
	var child *Cgroup
	for cgrp != nil {
		was := cgrp.isPopulated()
		switch {
		case child == nil:
			cgrp.nrPopulatedCsets.Add(adj)
		case child.isThreaded():
			cgrp.nrPopulatedThreadedChildren.Add(adj)
		default:
			cgrp.nrPopulatedDomainChildren.Add(adj)
		}
		if was == cgrp.isPopulated() {
			break
		}
		// cgroup1_check_for_release: release agents are not modelled.
		if cgrp.onDfl() && cgrp.parent() != nil { // cgroup_file_notify(&cgrp->events_file)
			cgrp.eventsNotify.Add(1)
		}
		child, cgrp = cgrp, cgrp.parent()
	}
}

// csetUpdatePopulated mirrors css_set_update_populated.
func (g *Globals) csetUpdatePopulated(cs *CSSSet, populated bool) {
	for n := cs.cgrpLinks.next; n != &cs.cgrpLinks; n = n.next {
		g.updatePopulated(n.owner.cgrp, populated)
	}
}

// moveTask mirrors css_set_move_task (css_set_lock held): move tc from one
// css_set's task list to another's (tasks, or mg_tasks when mg), either may
// be nil, flipping populated states; the caller manages the references.
func (g *Globals) moveTask(tc *TaskCgroups, from, to *CSSSet, mg bool) {
	if to != nil && !to.populated() {
		g.csetUpdatePopulated(to, true)
	}
	if from != nil {
		if tc.cgList.empty() {
			g.env.Refs.Warn("css_set", "css_set_move_task: task not on a css_set")
		}
		tc.cgList.del()
		if !from.populated() {
			g.csetUpdatePopulated(from, false)
		}
	} else if !tc.cgList.empty() {
		g.env.Refs.Warn("css_set", "css_set_move_task: task already on a css_set")
	}
	if to != nil {
		tc.cgroups.Store(to)
		if mg {
			to.mgTasks.addTail(&tc.cgList)
		} else {
			to.tasks.addTail(&tc.cgList)
		}
	}
}

// ---- task side ---------------------------------------------------------

// Member is what the core needs of a task_struct. The task embeds a
// TaskCgroups (task->cgroups and cg_list) and answers two questions.
type Member interface {
	// CgroupTask returns the embedded TaskCgroups.
	CgroupTask() *TaskCgroups
	// IsThreadGroupLeader reports thread_group_leader(task).
	IsThreadGroupLeader() bool
	// Exiting reports PF_EXITING; it must become true before Exit, set
	// under ThreadgroupChangeBegin as exit_signals does.
	Exiting() bool
}

// TaskCgroups is the cgroup part of a task_struct: the css_set pointer
// (task->cgroups, read lock-free as under RCU) and the cg_list link.
type TaskCgroups struct {
	cgroups atomic.Pointer[CSSSet]
	cgList  lnode[*TaskCgroups] // guarded by css_set_lock
	m       Member
}

// CSSSet mirrors task_css_set: the task's css_set.
func (tc *TaskCgroups) CSSSet() *CSSSet { return tc.cgroups.Load() }

// Member returns the task the fields belong to.
func (tc *TaskCgroups) Member() Member { return tc.m }

// TaskCSS mirrors task_css(task, ssid).
func TaskCSS(m Member, ssid int) *CSS { return m.CgroupTask().CSSSet().subsys[ssid] }
