package cgroup

import (
	"strconv"
	"sync/atomic"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// The pids controller (kernel/cgroup/pids.c, 4.19.13): every task a fork
// creates (process or thread) is charged to the forking task's pids css
// and each of its ancestors below the root; a fork that would push some
// level above its pids.max fails with EAGAIN. The root css is never charged.
// Migration moves the charge without looking at limits, so pids.current may
// exceed pids.max. The charge is dropped when the task_struct is freed
// (4.19: pids_free, from cgroup_free, so a zombie keeps counting until it is
// reaped and its last reference is put) or, in mainline, when the task is
// reaped (pids_release, from cgroup_release in release_task).
//
// The Mainline flavour follows a current kernel/cgroup/pids.c (6.13+):
// pids.peak (the watermark), and pids_event's counters (pids_events.go):
// on v2 pids.events counts the refusals caused by this cgroup's or a
// descendant's limit, pids.events.local those caused by its own limit; on
// v1, or with pids_localevents, pids.events counts the refused forks that
// came from the cgroup, as 4.19 does.
//
// Not modelled: the 10 ms rate limit of cgroup_file_notify (every
// notification is counted).

// PIDS_MAX is PID_MAX_LIMIT + 1 on 64-bit (4*1024*1024 + 1): the value of
// an unlimited pids.max, which reads "max". No fork can reach it, since
// there are never more than PID_MAX_LIMIT pids.
const PIDS_MAX int64 = 4*1024*1024 + 1

// pidsMaxStr is PIDS_MAX_STR.
const pidsMaxStr = "max"

// PidsController is the pids controller (pids_cgrp_subsys): a threaded
// controller whose css state is a *PidsCgroup. Each Kernel needs its own,
// passed in Options.Subsys. Safe for concurrent use.
type PidsController struct {
	BaseSubsys
	live atomic.Int64 // states allocated and not yet freed
}

// NewPidsController returns a pids controller for one Kernel.
func NewPidsController() *PidsController { return &PidsController{} }

// Info implements Subsys: "pids", threaded (pids_cgrp_subsys.threaded), with
// files on both hierarchy kinds (legacy_cftypes = dfl_cftypes).
func (*PidsController) Info() SubsysInfo { return SubsysInfo{Name: "pids", Threaded: true} }

// Live returns how many pids states are allocated and not yet freed (the
// root css's included).
func (pc *PidsController) Live() int { return int(pc.live.Load()) }

// PidsCgroup mirrors struct pids_cgroup: one cgroup's pids state.
type PidsCgroup struct {
	parent *PidsCgroup // parent_pids: the parent css's state, nil for the root

	counter atomic.Int64 // pids.current: tasks charged here and below
	// limit is pids.max (PIDS_MAX = "max"). 4.19 keeps a plain int64
	// ("limit updates don't need to be mutex'd"); an atomic gives the same
	// unordered semantics without a data race.
	limit       atomic.Int64
	eventsLimit atomic.Int64 // 4.19 events_limit: pids.events "max"

	// Mainline: events[] and events_local[] by pidcg_event, the
	// watermark (pids.peak) and the events_local_file notifications.
	mainline      bool
	events        [nrPidcgEvents]atomic.Int64
	eventsLocal   [nrPidcgEvents]atomic.Int64
	watermark     atomic.Int64
	localNotified atomic.Uint64

	// notified counts cgroup_file_notify(&events_file) calls.
	notified atomic.Uint64
	// rejectLog is the one pr_info line, set when events_limit first
	// becomes 1.
	rejectLog atomic.Pointer[string]
	freed     atomic.Bool
}

// PidsOf returns the pids state of css, or nil when css is not a pids css.
func PidsOf(css *CSS) *PidsCgroup {
	if css == nil {
		return nil
	}
	p, _ := css.State().(*PidsCgroup)
	return p
}

// Current reads counter (pids.current).
func (p *PidsCgroup) Current() int64 { return p.counter.Load() }

// Limit reads limit (pids.max; PIDS_MAX means "max").
func (p *PidsCgroup) Limit() int64 { return p.limit.Load() }

// CSSAlloc mirrors pids_css_alloc: counter 0, limit PIDS_MAX, no events.
func (pc *PidsController) CSSAlloc(ctx *ns.Ctx, parent *CSS) (any, error) {
	p := &PidsCgroup{parent: PidsOf(parent), mainline: ctx.Env.Mainline()}
	p.limit.Store(PIDS_MAX)
	pc.live.Add(1)
	return p, nil
}

// CSSFree mirrors pids_css_free.
func (pc *PidsController) CSSFree(ctx *ns.Ctx, css *CSS) {
	p := PidsOf(css)
	if p == nil {
		return
	}
	if p.freed.Swap(true) {
		ctx.Env.Refs.Warn(css.label(), "pids_css_free: pids state freed twice")
		return
	}
	pc.live.Add(-1)
}

// cancel mirrors pids_cancel: uncharge one level, WARN_ON_ONCE if the
// counter goes negative (a bug in the controller proper).
func (p *PidsCgroup) cancel(ctx *ns.Ctx, n int64) {
	if p.counter.Add(-n) < 0 {
		ctx.Env.Refs.Warn("pids_cgroup", "pids_cancel: pids counter went negative")
	}
}

// uncharge mirrors pids_uncharge: every level below the root.
func (p *PidsCgroup) uncharge(ctx *ns.Ctx, n int64) {
	for q := p; q.parent != nil; q = q.parent {
		q.cancel(ctx, n)
	}
}

// charge mirrors pids_charge: add n at every level below the root, ignoring
// the limits (mainline: raising each level's watermark).
func (p *PidsCgroup) charge(n int64) {
	for q := p; q.parent != nil; q = q.parent {
		q.updateWatermark(q.counter.Add(n))
	}
}

// tryCharge mirrors pids_try_charge: add n level by level going up; the
// first level whose new count exceeds its limit makes every level touched
// (itself included) give n back, and is returned. nil means charged. In
// mainline each level below the failing one has raised its watermark
// already, which the revert leaves as it is (pids.c: "not technically
// accurate ... tolerable for the watermark").
func (p *PidsCgroup) tryCharge(ctx *ns.Ctx, n int64) *PidsCgroup {
	var q *PidsCgroup
	for q = p; q.parent != nil; q = q.parent {
		v := q.counter.Add(n)
		if v > q.limit.Load() {
			for r := p; r != q; r = r.parent {
				r.cancel(ctx, n)
			}
			q.cancel(ctx, n)
			return q
		}
		q.updateWatermark(v)
	}
	return nil
}

// pidsSubsysID is pids_cgrp_id in cset's kernel.
func pidsSubsysID(cset *CSSSet) int { return cset.g.SubsysID("pids") }

// taskPids mirrors css_pids(task_css(task, pids_cgrp_id)).
func taskPids(m Member) *PidsCgroup {
	cset := m.CgroupTask().CSSSet()
	return PidsOf(cset.subsys[pidsSubsysID(cset)])
}

// CanFork mirrors pids_can_fork: charge one task to the forking task's css
// (cset is its css_set, stable under the threadgroup rwsem). On a refusal
// the fork fails with EAGAIN and the refusal is counted: in 4.19,
// events_limit of that css — the one the fork came from, whichever level's
// limit was hit — is incremented (logging once, when it becomes 1) and the
// pids.events file is notified; in mainline pids_event counts it
// (pids_events.go).
func (pc *PidsController) CanFork(ctx *ns.Ctx, _ Member, cset *CSSSet) error {
	ctx.Enter("pids_can_fork")
	defer ctx.Exit("pids_can_fork")
	css := cset.subsys[pidsSubsysID(cset)]
	p := PidsOf(css)
	over := p.tryCharge(ctx, 1)
	if over == nil {
		return nil
	}
	if p.mainline {
		pidsEvent(cset.g, css, over)
	} else {
		if p.eventsLimit.Add(1) == 1 {
			p.logReject(css)
		}
		p.notified.Add(1)
	}
	return uapi.Err("clone", uapi.EAGAIN, "fork rejected by pids controller in "+css.cgroup.label()+
		": pids.max "+strconv.FormatInt(over.limit.Load(), 10)+" reached", "pids_can_fork")
}

// CancelFork mirrors pids_cancel_fork: give back CanFork's charge.
func (pc *PidsController) CancelFork(ctx *ns.Ctx, _ Member, cset *CSSSet) {
	ctx.Enter("pids_cancel_fork")
	PidsOf(cset.subsys[pidsSubsysID(cset)]).uncharge(ctx, 1)
	ctx.Exit("pids_cancel_fork")
}

// CanAttach mirrors pids_can_attach: for every migrating task, charge its
// destination css and uncharge its current one, with no limit check. It
// never refuses.
func (pc *PidsController) CanAttach(ctx *ns.Ctx, ts *TaskSet) error {
	ctx.Enter("pids_can_attach")
	ssid := ts.SubsysID()
	ts.ForEach(func(m Member, dst *CSS) bool {
		PidsOf(dst).charge(1)
		PidsOf(TaskCSS(m, ssid)).uncharge(ctx, 1)
		return true
	})
	ctx.Exit("pids_can_attach")
	return nil
}

// CancelAttach mirrors pids_cancel_attach: move every charge back.
func (pc *PidsController) CancelAttach(ctx *ns.Ctx, ts *TaskSet) {
	ctx.Enter("pids_cancel_attach")
	ssid := ts.SubsysID()
	ts.ForEach(func(m Member, dst *CSS) bool {
		PidsOf(TaskCSS(m, ssid)).charge(1)
		PidsOf(dst).uncharge(ctx, 1)
		return true
	})
	ctx.Exit("pids_cancel_attach")
}

// Free mirrors 4.19's pids_free (cgroup_free, when the task_struct is
// freed): uncharge the task's css. Mainline has no free callback.
func (pc *PidsController) Free(ctx *ns.Ctx, m Member) {
	if ctx.Env.Mainline() {
		return
	}
	ctx.Enter("pids_free")
	taskPids(m).uncharge(ctx, 1)
	ctx.Exit("pids_free")
}

// Release mirrors mainline's pids_release (cgroup_release, from
// release_task when the task is reaped): uncharge the task's css. 4.19 has
// no release callback.
func (pc *PidsController) Release(ctx *ns.Ctx, m Member) {
	if !ctx.Env.Mainline() {
		return
	}
	ctx.Enter("pids_release")
	taskPids(m).uncharge(ctx, 1)
	ctx.Exit("pids_release")
}

// Releaser is implemented by a controller with mainline's release callback
// (struct cgroup_subsys.release, 5.0+).
type Releaser interface {
	Release(ctx *ns.Ctx, m Member)
}

// Release mirrors mainline's cgroup_release (release_task, when a zombie is
// reaped, before the task_struct's last put runs Free): each controller's
// release callback in id order. 4.19 has no such hook, so in the 4.19
// flavour it does nothing; callers may call it unconditionally.
func (g *Globals) Release(ctx *ns.Ctx, m Member) {
	if !g.env.Mainline() {
		return
	}
	ctx.Enter("cgroup_release")
	for i := 0; i < g.nss; i++ {
		if r, ok := g.ss[i].ops.(Releaser); ok {
			r.Release(ctx, m)
		}
	}
	ctx.Exit("cgroup_release")
}

// pidsFile finds the pids state behind pids.<file> in c, as opening the
// file and reaching its handler does: ENOENT when the kernel has no pids
// controller, pids is bound to another hierarchy, c is a root
// (CFTYPE_NOT_ON_ROOT) or c's pids css is absent or hidden (v2: the parent
// has not enabled pids); ENODEV when c was removed (kernfs refuses the
// deactivated node); check (the write's E2BIG) runs between the two, as
// kernfs_fop_write checks the size before taking the active reference.
// It runs fn with cgroup_mutex held.
func (g *Globals) pidsFile(c *Cgroup, file, op string, check func() error, fn func(*PidsCgroup) error) error {
	var err error
	c.locked(func() {
		ss := g.subsysByName("pids")
		if ss == nil || ss.root != c.root || c.parent() == nil {
			err = noFile(c, file)
			return
		}
		if check != nil {
			if err = check(); err != nil {
				return
			}
		}
		if c.isDead() {
			where := "kernfs_seq_start"
			if op == "write" {
				where = "kernfs_fop_write"
			}
			err = uapi.Err(op, uapi.ENODEV, c.label()+" was removed", where)
			return
		}
		css := c.subsys[ss.id]
		p := PidsOf(css)
		if p == nil || !css.has(CSS_VISIBLE) { // p is nil too for a stand-in "pids"
			err = noFile(c, file)
			return
		}
		err = fn(p)
	})
	return err
}

// ReadPidsMax renders pids.max (pids_max_show): "max" at PIDS_MAX or
// above, else the limit.
func (g *Globals) ReadPidsMax(c *Cgroup) (s string, err error) {
	err = g.pidsFile(c, "pids.max", "read", nil, func(p *PidsCgroup) error {
		if l := p.limit.Load(); l >= PIDS_MAX {
			s = pidsMaxStr + "\n"
		} else {
			s = strconv.FormatInt(l, 10) + "\n"
		}
		return nil
	})
	return
}

// ReadPidsCurrent renders pids.current (pids_current_read): the counter.
func (g *Globals) ReadPidsCurrent(c *Cgroup) (s string, err error) {
	err = g.pidsFile(c, "pids.current", "read", nil, func(p *PidsCgroup) error {
		s = strconv.FormatInt(p.counter.Load(), 10) + "\n"
		return nil
	})
	return
}

// ParsePidsMax parses a pids.max write as pids_max_write does: strstrip;
// "max" is PIDS_MAX; otherwise kstrtoll base 0, whose errors (EINVAL for
// junk, ERANGE beyond 64 bits) are returned as they are; a value below 0
// or at least PIDS_MAX is EINVAL.
func ParsePidsMax(buf []byte) (int64, error) {
	s := klib.Strstrip(buf)
	if string(s) == pidsMaxStr {
		return PIDS_MAX, nil
	}
	v, e := kstrtoll(s)
	if e != 0 {
		return 0, uapi.Err("write", e, strconv.Quote(string(s))+" is not a number for pids.max", "kstrtoll")
	}
	if v < 0 || v >= PIDS_MAX {
		return 0, uapi.Err("write", uapi.EINVAL, "pids.max "+strconv.FormatInt(v, 10)+" outside [0, "+
			strconv.FormatInt(PIDS_MAX-1, 10)+"]", "pids_max_write")
	}
	return v, nil
}

// WritePidsMax mirrors a write to pids.max (kernfs_fop_write: E2BIG beyond
// PAGE_SIZE, the buffer cut at a NUL; then pids_max_write). On success the
// limit is set — lowering it below pids.current is allowed and only stops
// later forks — and the whole length is returned. A failed write changes
// nothing.
func (g *Globals) WritePidsMax(ctx *ns.Ctx, c *Cgroup, buf []byte) (int, error) {
	var s []byte
	check := func() (err error) {
		s, err = kernfsBuf("write", buf)
		return err
	}
	err := g.pidsFile(c, "pids.max", "write", check, func(p *PidsCgroup) error {
		ctx.Enter("pids_max_write")
		defer ctx.Exit("pids_max_write")
		v, err := ParsePidsMax(s)
		if err != nil {
			return err
		}
		p.limit.Store(v)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(buf), nil
}
