package cgroup

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// mgctx mirrors struct cgroup_mgctx.
type mgctx struct {
	preloadedSrc, preloadedDst lnode[*CSSSet]
	tset                       TaskSet
	ssMask                     uint16
}

func newMgctx() *mgctx {
	m := &mgctx{}
	m.preloadedSrc.initHead()
	m.preloadedDst.initHead()
	m.tset.init()
	return m
}

// migrateVetDst mirrors cgroup_migrate_vet_dst: v1 accepts anything; on v2
// the destination's domain must be valid (EOPNOTSUPP); the root, a
// (possible) thread root and a threaded cgroup accept tasks; otherwise a
// cgroup with controllers in subtree_control refuses them (EBUSY, the
// no-internal-process rule).
func (g *Globals) migrateVetDst(ctx *ns.Ctx, dst *Cgroup) error {
	ctx.Enter("cgroup_migrate_vet_dst")
	defer ctx.Exit("cgroup_migrate_vet_dst")
	if !dst.onDfl() {
		return nil
	}
	if !dst.domCgrp.isValidDomain() {
		return uapi.Err("write", uapi.EOPNOTSUPP, dst.label()+" is not in a valid domain (domain invalid)", "cgroup_migrate_vet_dst")
	}
	if dst.isMixable() {
		return nil
	}
	if dst.canBeThreadRoot() || dst.isThreaded() {
		return nil
	}
	if dst.subtreeControl != 0 {
		return uapi.Err("write", uapi.EBUSY, dst.label()+" has controllers enabled in cgroup.subtree_control (no internal processes)", "cgroup_migrate_vet_dst")
	}
	return nil
}

// migrateAddSrc mirrors cgroup_migrate_add_src (cgroup_mutex and
// css_set_lock held): pin a source css_set once and note where it moves.
// Dead css_sets are skipped.
func (g *Globals) migrateAddSrc(src *CSSSet, dst *Cgroup, mc *mgctx) {
	if src.dead {
		return
	}
	srcCgrp := src.cgroupFromRoot(dst.root)
	if !src.mgPreloadNode.empty() {
		return
	}
	if src.mgSrcCgrp != nil || src.mgDstCgrp != nil || !src.mgTasks.empty() || !src.mgNode.empty() {
		g.env.Refs.Warn("css_set", "cgroup_migrate_add_src: css_set already migrating")
	}
	src.mgSrcCgrp = srcCgrp
	src.mgDstCgrp = dst
	src.Get()
	mc.preloadedSrc.addTail(&src.mgPreloadNode)
}

// migratePrepareDst mirrors cgroup_migrate_prepare_dst: find (pinning) the
// destination css_set of each source; a source that is its own destination
// is dropped (moving where a task already is calls no controller); the
// controllers whose css differs form ss_mask.
func (g *Globals) migratePrepareDst(ctx *ns.Ctx, mc *mgctx) error {
	ctx.Enter("cgroup_migrate_prepare_dst")
	defer ctx.Exit("cgroup_migrate_prepare_dst")
	mc.preloadedSrc.each(func(src *CSSSet) bool {
		dst := g.findCSSSet(ctx, src, src.mgDstCgrp)
		if src.mgDstCset != nil || dst.mgDstCset != nil {
			g.env.Refs.Warn("css_set", "cgroup_migrate_prepare_dst: destination already set")
		}
		if src == dst {
			src.mgSrcCgrp, src.mgDstCgrp = nil, nil
			src.mgPreloadNode.del()
			g.putCSSSet(ctx, src)
			g.putCSSSet(ctx, dst)
			return true
		}
		src.mgDstCset = dst
		if dst.mgPreloadNode.empty() {
			mc.preloadedDst.addTail(&dst.mgPreloadNode)
		} else {
			g.putCSSSet(ctx, dst)
		}
		for i := 0; i < g.nss; i++ {
			if src.subsys[i] != dst.subsys[i] {
				mc.ssMask |= 1 << i
			}
		}
		return true
	})
	return nil
}

// migrateAddTask mirrors cgroup_migrate_add_task (css_set_lock held): an
// exiting task, one not linked yet, or one whose css_set is not a
// migration source is left alone; others move to their css_set's mg_tasks.
func (g *Globals) migrateAddTask(m Member, mc *mgctx) {
	if m.Exiting() {
		return
	}
	tc := m.CgroupTask()
	if tc.cgList.empty() {
		return
	}
	cs := tc.CSSSet()
	if cs.mgSrcCgrp == nil {
		return
	}
	mc.tset.nrTasks++
	tc.cgList.moveTail(&cs.mgTasks)
	if cs.mgNode.empty() {
		mc.tset.srcCsets.addTail(&cs.mgNode)
	}
	if cs.mgDstCset.mgNode.empty() {
		mc.tset.dstCsets.addTail(&cs.mgDstCset.mgNode)
	}
}

// migrateExecute mirrors cgroup_migrate_execute: if any task moves, ask
// can_attach of every controller in ss_mask (on a refusal, cancel_attach
// of those asked before, and fail); then commit every task to its
// destination css_set (populated states flip here) and call attach; finally
// put the tasks back on their css_sets' task lists.
func (g *Globals) migrateExecute(ctx *ns.Ctx, mc *mgctx) error {
	ctx.Enter("cgroup_migrate_execute")
	defer ctx.Exit("cgroup_migrate_execute")
	ts := &mc.tset
	var err error
	failed := -1
	if ts.nrTasks != 0 {
		for i := 0; i < g.nss; i++ {
			if mc.ssMask&(1<<i) == 0 {
				continue
			}
			ts.ssid = i
			if err = g.ss[i].ops.CanAttach(ctx, ts); err != nil {
				failed = i
				break
			}
		}
	}
	if failed >= 0 {
		for i := 0; i < failed; i++ {
			if mc.ssMask&(1<<i) == 0 {
				continue
			}
			ts.ssid = i
			g.ss[i].ops.CancelAttach(ctx, ts)
		}
	} else {
		g.csetMu.Lock(g.env)
		ts.srcCsets.each(func(cs *CSSSet) bool {
			cs.mgTasks.each(func(tc *TaskCgroups) bool {
				from, to := tc.CSSSet(), cs.mgDstCset
				to.Get()
				to.nrTasks++
				g.moveTask(tc, from, to, true)
				g.putCSSSetLocked(ctx, from)
				from.nrTasks--
				return true
			})
			return true
		})
		g.csetMu.Unlock(g.env)
		ts.csets = &ts.dstCsets
		if ts.nrTasks != 0 {
			for i := 0; i < g.nss; i++ {
				if mc.ssMask&(1<<i) == 0 {
					continue
				}
				ts.ssid = i
				g.ss[i].ops.Attach(ctx, ts)
			}
		}
	}
	g.csetMu.Lock(g.env)
	ts.dstCsets.spliceTailInit(&ts.srcCsets)
	ts.srcCsets.each(func(cs *CSSSet) bool {
		cs.mgTasks.spliceTailInit(&cs.tasks)
		cs.mgNode.del()
		return true
	})
	g.csetMu.Unlock(g.env)
	ts.nrTasks = 0
	ts.csets = &ts.srcCsets
	return err
}

// migrateFinish mirrors cgroup_migrate_finish: unpin every preloaded
// css_set.
func (g *Globals) migrateFinish(ctx *ns.Ctx, mc *mgctx) {
	ctx.Enter("cgroup_migrate_finish")
	g.csetMu.Lock(g.env)
	var pre lnode[*CSSSet]
	pre.initHead()
	mc.preloadedSrc.spliceTailInit(&pre)
	mc.preloadedDst.spliceTailInit(&pre)
	pre.each(func(cs *CSSSet) bool {
		cs.mgSrcCgrp, cs.mgDstCgrp, cs.mgDstCset = nil, nil, nil
		cs.mgPreloadNode.del()
		g.putCSSSetLocked(ctx, cs)
		return true
	})
	g.csetMu.Unlock(g.env)
	ctx.Exit("cgroup_migrate_finish")
}

// attachTask mirrors cgroup_attach_task (cgroup_mutex and the threadgroup
// rwsem held for writing): vet the destination, preload the source
// css_sets of every task, prepare the destinations, migrate, clean up.
// tasks[0] is the leader; the others are its threads when a whole process
// moves.
func (g *Globals) attachTask(ctx *ns.Ctx, dst *Cgroup, tasks []Member) error {
	ctx.Enter("cgroup_attach_task")
	defer ctx.Exit("cgroup_attach_task")
	if err := g.migrateVetDst(ctx, dst); err != nil {
		return err
	}
	mc := newMgctx()
	g.csetMu.Lock(g.env)
	for _, t := range tasks {
		g.migrateAddSrc(t.CgroupTask().CSSSet(), dst, mc)
	}
	g.csetMu.Unlock(g.env)
	err := g.migratePrepareDst(ctx, mc)
	if err == nil {
		ctx.Enter("cgroup_migrate")
		g.csetMu.Lock(g.env)
		for _, t := range tasks {
			g.migrateAddTask(t, mc)
		}
		g.csetMu.Unlock(g.env)
		err = g.migrateExecute(ctx, mc)
		ctx.Exit("cgroup_migrate")
	}
	g.migrateFinish(ctx, mc)
	return err
}

// AttachTask moves tasks into dst as cgroup_attach_task does once a
// cgroup.procs / cgroup.threads / tasks write has found them: tasks[0] is
// the leader, followed by its other threads when a whole process moves.
// It takes cgroup_mutex and the threadgroup rwsem; a removed dst gives
// ENODEV (cgroup_kn_lock_live). Exiting tasks are skipped; moving a task
// where it already is changes nothing.
func (g *Globals) AttachTask(ctx *ns.Ctx, dst *Cgroup, tasks ...Member) error {
	defer g.kick()
	g.lock()
	defer g.unlock()
	if dst.isDead() {
		return uapi.Err("write", uapi.ENODEV, dst.label()+" was removed", "cgroup_kn_lock_live")
	}
	g.threadgroup.Lock(g.env)
	defer g.threadgroup.Unlock(g.env)
	return g.attachTask(ctx, dst, tasks)
}

// updateDflCsses mirrors cgroup_update_dfl_csses: after a control mask
// change, move every task of cgrp's subtree to the css_set matching its
// cgroup's new effective csses.
func (g *Globals) updateDflCsses(ctx *ns.Ctx, cgrp *Cgroup) error {
	ctx.Enter("cgroup_update_dfl_csses")
	defer ctx.Exit("cgroup_update_dfl_csses")
	mc := newMgctx()
	g.threadgroup.Lock(g.env)
	defer g.threadgroup.Unlock(g.env)
	g.csetMu.Lock(g.env)
	cgrp.eachLiveDescendantPre(func(d *Cgroup) {
		d.csetLinks.each(func(l *cgrpCsetLink) bool {
			g.migrateAddSrc(l.cset, d, mc)
			return true
		})
	})
	g.csetMu.Unlock(g.env)
	err := g.migratePrepareDst(ctx, mc)
	if err == nil {
		g.csetMu.Lock(g.env)
		mc.preloadedSrc.each(func(src *CSSSet) bool {
			src.tasks.each(func(tc *TaskCgroups) bool {
				g.migrateAddTask(tc.m, mc)
				return true
			})
			return true
		})
		g.csetMu.Unlock(g.env)
		err = g.migrateExecute(ctx, mc)
	}
	g.migrateFinish(ctx, mc)
	return err
}
