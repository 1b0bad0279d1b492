package cgroup

import (
	"strconv"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
)

// css flags (include/linux/cgroup-defs.h).
const (
	CSS_NO_REF   uint32 = 1 << 0 // no reference counting (root csses)
	CSS_ONLINE   uint32 = 1 << 1 // between css_online and css_offline
	CSS_RELEASED uint32 = 1 << 2 // refcnt reached zero, released
	CSS_VISIBLE  uint32 = 1 << 3 // interface files populated
	CSS_DYING    uint32 = 1 << 4 // kill_css ran
)

// percpuRef models struct percpu_ref as the cgroup core uses it: a count
// whose initial reference is the "base" one, and a dead flag set by
// percpu_ref_kill. While alive the count cannot reach zero (the base is
// held), tryget always succeeds and tryget_live too; once killed the base
// is dropped, tryget_live fails, tryget fails only at zero, and the put that
// reaches zero releases. The per-cpu fast path is folded into one atomic.
type percpuRef struct {
	count atomic.Int64
	dead  atomic.Bool
}

func (r *percpuRef) init() { r.count.Store(1) }

func (r *percpuRef) tryget(live bool) bool {
	for {
		if live && r.dead.Load() {
			return false
		}
		c := r.count.Load()
		if c <= 0 {
			return false
		}
		if r.count.CompareAndSwap(c, c+1) {
			return true
		}
	}
}

// CSS mirrors struct cgroup_subsys_state: one controller's state in one
// cgroup, or (with no controller) the cgroup's own "self" css that carries
// the cgroup's reference count.
type CSS struct {
	cgroup   *Cgroup
	ss       *subsys // nil for cgroup->self
	ref      percpuRef
	sibling  lnode[*CSS] // on parent->children; guarded by cgroup_mutex
	children lnode[*CSS]
	id       int
	flags    atomic.Uint32
	serial   uint64 // serial_nr
	// onlineCnt counts this css if online plus its online children; a css
	// goes offline only when it reaches zero (cgroup_mutex).
	onlineCnt int32
	parent    *CSS
	state     any
	g         *Globals
	node      refcount.Node
}

func (c *CSS) setFlag(f uint32)   { c.flags.Or(f) }
func (c *CSS) clearFlag(f uint32) { c.flags.And(^f) }
func (c *CSS) has(f uint32) bool  { return c.flags.Load()&f != 0 }

// Cgroup returns css->cgroup.
func (c *CSS) Cgroup() *Cgroup { return c.cgroup }

// Parent returns css->parent: the same controller's css in the parent
// cgroup (nil for a root css and for a root cgroup's self).
func (c *CSS) Parent() *CSS { return c.parent }

// ID returns css->id: 1 for a controller's root css, then the lowest free id
// from 2; -1 is never seen (ids are assigned before the css is visible).
func (c *CSS) ID() int { return c.id }

// SubsysID returns the controller id, -1 for a cgroup's self css.
func (c *CSS) SubsysID() int {
	if c.ss == nil {
		return -1
	}
	return c.ss.id
}

// SubsysName returns the controller name, "" for a self css.
func (c *CSS) SubsysName() string {
	if c.ss == nil {
		return ""
	}
	return c.ss.name
}

// State returns what the controller's CSSAlloc returned.
func (c *CSS) State() any { return c.state }

// Flags reads css->flags (CSS_*).
func (c *CSS) Flags() uint32 { return c.flags.Load() }

// Online reports CSS_ONLINE.
func (c *CSS) Online() bool { return c.has(CSS_ONLINE) }

// Dying mirrors css_is_dying: killed (percpu_ref_is_dying), never for
// CSS_NO_REF csses.
func (c *CSS) Dying() bool { return !c.has(CSS_NO_REF) && c.ref.dead.Load() }

// Released reports CSS_RELEASED.
func (c *CSS) Released() bool { return c.has(CSS_RELEASED) }

// SerialNr returns serial_nr: creation order over all csses of the kernel.
func (c *CSS) SerialNr() uint64 { return c.serial }

// Count reads the reference count (the base reference included while the
// css is alive); CSS_NO_REF csses read 1.
func (c *CSS) Count() int64 { return c.ref.count.Load() }

// Get mirrors css_get: the caller already holds a reference.
func (c *CSS) Get() {
	if c.has(CSS_NO_REF) {
		return
	}
	if c.ref.count.Add(1) == 1 {
		c.g.env.Refs.Warn(c.label(), "percpu_ref_get on a released css")
	}
}

// TryGet mirrors css_tryget: fails only once the count reached zero.
func (c *CSS) TryGet() bool {
	if c.has(CSS_NO_REF) {
		return true
	}
	return c.ref.tryget(false)
}

// TryGetOnline mirrors css_tryget_online (percpu_ref_tryget_live): fails
// once the css is killed, even while references remain.
func (c *CSS) TryGetOnline() bool {
	if c.has(CSS_NO_REF) {
		return true
	}
	return c.ref.tryget(true)
}

// Put mirrors css_put. The put that drops the last reference of a killed
// css releases it (css_release); the release and free stages then run
// before the current cgroup operation returns.
func (c *CSS) Put(ctx *ns.Ctx) {
	c.put()
	c.g.kick()
}

// put is css_put without draining the destroy work: the caller holds
// cgroup_mutex (whose release drains it) or kicks afterwards.
func (c *CSS) put() {
	if c.has(CSS_NO_REF) {
		return
	}
	switch n := c.ref.count.Add(-1); {
	case n == 0 && c.ref.dead.Load():
		c.g.queue(work{kind: workRelease, css: c}) // css_release
	case n <= 0:
		c.g.env.Refs.Warn(c.label(), "css reference count dropped to "+strconv.FormatInt(n, 10)+" while not killed")
	}
}

// kill mirrors percpu_ref_kill_and_confirm: mark dead, run confirm (may be
// nil) now that no tryget_live can succeed, and drop the base reference.
func (c *CSS) kill(confirm func()) {
	c.ref.dead.Store(true)
	if confirm != nil {
		confirm()
	}
	c.put()
}

func (c *CSS) label() string { return c.RefKind() + " " + c.RefID() }

// RefKind, RefID and RefCount let the leak registry list the css; the id is
// "<controller> <hierarchy>:<path>#<css id>".
func (c *CSS) RefKind() string { return "cgroup_subsys_state" }
func (c *CSS) RefID() string {
	return c.SubsysName() + " " + c.cgroup.label() + "#" + strconv.Itoa(c.id)
}
func (c *CSS) RefCount() int64 { return c.Count() }

// initAndLinkCSS mirrors init_and_link_css: pin the cgroup, take a serial
// number, and link to (and pin) the parent cgroup's css of the controller.
func (g *Globals) initAndLinkCSS(css *CSS, ss *subsys, cgrp *Cgroup) {
	cgrp.getLive()
	css.cgroup, css.ss, css.g, css.id = cgrp, ss, g, -1
	css.sibling.init(css)
	css.children.initHead()
	css.serial = g.cssSerial
	g.cssSerial++
	if p := cgrp.parent(); p != nil {
		css.parent = p.subsys[ss.id]
		css.parent.Get()
	}
}

// onlineCSS mirrors online_css: css_online, then CSS_ONLINE, install in
// cgroup->subsys[] and count in online_cnt of the css and its parent.
func (g *Globals) onlineCSS(ctx *ns.Ctx, css *CSS) error {
	ctx.Enter("online_css")
	defer ctx.Exit("online_css")
	if err := css.ss.ops.CSSOnline(ctx, css); err != nil {
		return err
	}
	css.setFlag(CSS_ONLINE)
	css.cgroup.subsys[css.ss.id] = css
	css.onlineCnt++
	if css.parent != nil {
		css.parent.onlineCnt++
	}
	return nil
}

// offlineCSS mirrors offline_css: css_offline, clear CSS_ONLINE, uninstall.
func (g *Globals) offlineCSS(ctx *ns.Ctx, css *CSS) {
	if !css.has(CSS_ONLINE) {
		return
	}
	ctx.Enter("offline_css")
	css.ss.ops.CSSOffline(ctx, css)
	css.clearFlag(CSS_ONLINE)
	css.cgroup.subsys[css.ss.id] = nil
	ctx.Exit("offline_css")
}

// cssCreate mirrors css_create: css_alloc with the parent's css, link, take
// an id, add to the parent's children and bring online. A failure after
// linking frees the css through the free stage (css_free_rwork_fn).
func (g *Globals) cssCreate(ctx *ns.Ctx, cgrp *Cgroup, ss *subsys) (*CSS, error) {
	ctx.Enter("css_create")
	defer ctx.Exit("css_create")
	parentCSS := cgrp.parent().subsys[ss.id]
	state, err := ss.ops.CSSAlloc(ctx, parentCSS)
	if err != nil {
		return nil, err
	}
	css := &CSS{}
	g.initAndLinkCSS(css, ss, cgrp)
	css.state = state
	css.ref.init()
	css.id = ss.cssIDs.alloc(2)
	g.env.Refs.Track(&css.node, css)
	parentCSS.children.addTail(&css.sibling)
	if err := g.onlineCSS(ctx, css); err != nil {
		css.sibling.del()
		g.queue(work{kind: workFree, css: css})
		return nil, err
	}
	return css, nil
}

// killCSS mirrors kill_css: mark dying, hide the files, pin the css until
// css_offline has run, and kill its reference count; the confirmation
// (css_killed_ref_fn) queues css_killed_work_fn once online_cnt drops to 0.
func (g *Globals) killCSS(ctx *ns.Ctx, css *CSS) {
	if css.has(CSS_DYING) {
		return
	}
	ctx.Enter("kill_css")
	css.setFlag(CSS_DYING)
	css.clearFlag(CSS_VISIBLE) // css_clear_dir
	css.Get()
	css.kill(func() {
		css.onlineCnt--
		if css.onlineCnt == 0 {
			g.queue(work{kind: workKilled, css: css})
		}
	})
	ctx.Exit("kill_css")
}

// cssKilledWork mirrors css_killed_work_fn: offline the css, drop kill_css's
// pin, and continue with each parent whose online_cnt this took to zero.
func (g *Globals) cssKilledWork(ctx *ns.Ctx, css *CSS) {
	ctx.Enter("css_killed_work_fn")
	for {
		g.offlineCSS(ctx, css)
		parent := css.parent
		css.put()
		css = parent
		if css == nil {
			break
		}
		css.onlineCnt--
		if css.onlineCnt != 0 {
			break
		}
	}
	ctx.Exit("css_killed_work_fn")
}

// cssReleaseWork mirrors css_release_work_fn: CSS_RELEASED, unlink from the
// parent's children; for a controller css keep its id reserved and call
// css_released; for a cgroup, it stops being a dying descendant of its
// ancestors and gives its id back. The free stage follows.
func (g *Globals) cssReleaseWork(ctx *ns.Ctx, css *CSS) {
	ctx.Enter("css_release_work_fn")
	css.setFlag(CSS_RELEASED)
	css.sibling.del()
	if css.ss != nil {
		css.ss.ops.CSSReleased(ctx, css)
	} else {
		cgrp := css.cgroup
		for t := cgrp.parent(); t != nil; t = t.parent() {
			t.nrDyingDescendants--
		}
		cgrp.root.cgroupIDs.remove(cgrp.id)
		cgrp.id = -1
	}
	g.queue(work{kind: workFree, css: css})
	ctx.Exit("css_release_work_fn")
}

// cssFreeWork mirrors css_free_rwork_fn (after the RCU grace period): a
// controller css is freed (css_free), gives its id back and unpins its
// cgroup and parent css; a cgroup leaves nr_cgrps and unpins its parent.
func (g *Globals) cssFreeWork(ctx *ns.Ctx, css *CSS) {
	ctx.Enter("css_free_rwork_fn")
	defer ctx.Exit("css_free_rwork_fn")
	if ss := css.ss; ss != nil {
		ss.ops.CSSFree(ctx, css)
		ss.cssIDs.remove(css.id)
		g.env.Refs.Untrack(&css.node)
		css.cgroup.put()
		if css.parent != nil {
			css.parent.put()
		}
		return
	}
	cgrp := css.cgroup
	cgrp.root.nrCgrps.Add(-1)
	p := cgrp.parent()
	if p == nil {
		g.env.Refs.Warn(cgrp.label(), "root cgroup released")
		return
	}
	g.env.Refs.Untrack(&css.node)
	p.put()
}

// Destroy work: the kernel runs css_killed_work_fn and css_release_work_fn
// on cgroup_destroy_wq and css_free_rwork_fn after an RCU grace period.
// Here the work is queued and run in order, under cgroup_mutex, before the
// operation that queued it returns (or, for work queued without
// cgroup_mutex, by kick): as if the workqueue and RCU were flushed.
type workKind uint8

const (
	workKilled workKind = iota + 1
	workRelease
	workFree
)

type work struct {
	kind workKind
	css  *CSS
}

func (g *Globals) queue(w work) {
	g.wqMu.Lock()
	g.wq = append(g.wq, w)
	g.wqMu.Unlock()
	g.pending.Add(1)
}

// runWork drains the queue; cgroup_mutex is held. The work runs as the
// kworker does, with the Globals' own Ctx (pid 0 in traces), which only the
// holder of cgroup_mutex uses.
func (g *Globals) runWork() {
	ctx := &g.kworker
	for g.pending.Load() != 0 {
		g.wqMu.Lock()
		w := g.wq[g.wqHead]
		g.wq[g.wqHead] = work{}
		g.wqHead++
		if g.wqHead == len(g.wq) {
			g.wq, g.wqHead = g.wq[:0], 0
		}
		g.wqMu.Unlock()
		g.pending.Add(-1)
		switch w.kind {
		case workKilled:
			g.cssKilledWork(ctx, w.css)
		case workRelease:
			g.cssReleaseWork(ctx, w.css)
		case workFree:
			g.cssFreeWork(ctx, w.css)
		}
	}
}

// lock takes cgroup_mutex.
func (g *Globals) lock() { g.mu.Lock() }

// unlock releases cgroup_mutex. Whoever unlocks must kick afterwards (the
// entry points defer it first, so it runs after their trace scope closed,
// as the kernel's workqueue runs after the syscall).
func (g *Globals) unlock() { g.mu.Unlock() }

// kick runs pending destroy work if cgroup_mutex is free. If it is held,
// its holder will find the work when it kicks after unlocking: work queued
// before a failed TryLock is always seen by the holder that made it fail.
func (g *Globals) kick() {
	for g.pending.Load() != 0 && g.mu.TryLock() {
		g.runWork()
		g.mu.Unlock()
	}
}
