package cgroup

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Fork mirrors cgroup_fork (copy_process, before anything can fail): the
// child points at init_css_set, holds no reference and is on no list until
// PostFork. It is also how the idle task (init_task) is set up.
func (g *Globals) Fork(m Member) {
	tc := m.CgroupTask()
	tc.m = m
	tc.cgList.init(tc)
	tc.cgroups.Store(&g.initCset)
}

// CanFork mirrors cgroup_can_fork: each controller's can_fork in id order,
// with the forking task's css_set; on the first error, cancel_fork on the
// controllers before it, and fail the fork with that error (pids: EAGAIN).
// The caller holds ThreadgroupChangeBegin from before CanFork until after
// PostFork or CancelFork.
func (g *Globals) CanFork(ctx *ns.Ctx, child, parent Member) error {
	ctx.Enter("cgroup_can_fork")
	defer ctx.Exit("cgroup_can_fork")
	cset := parent.CgroupTask().CSSSet()
	for i := 0; i < g.nss; i++ {
		if err := g.ss[i].ops.CanFork(ctx, child, cset); err != nil {
			for j := 0; j < i; j++ {
				g.ss[j].ops.CancelFork(ctx, child, cset)
			}
			return err
		}
	}
	return nil
}

// CancelFork mirrors cgroup_cancel_fork: the fork failed after CanFork.
func (g *Globals) CancelFork(ctx *ns.Ctx, child, parent Member) {
	ctx.Enter("cgroup_cancel_fork")
	cset := parent.CgroupTask().CSSSet()
	for i := 0; i < g.nss; i++ {
		g.ss[i].ops.CancelFork(ctx, child, cset)
	}
	ctx.Exit("cgroup_cancel_fork")
}

// PostFork mirrors cgroup_post_fork: the child joins the forking task's
// css_set (get_css_set, nr_tasks++, appended to its tasks, possibly making
// its cgroups populated), then each controller's fork callback runs.
func (g *Globals) PostFork(ctx *ns.Ctx, child, parent Member) {
	ctx.Enter("cgroup_post_fork")
	tc := child.CgroupTask()
	g.csetMu.Lock(g.env)
	cset := parent.CgroupTask().CSSSet()
	if tc.cgList.empty() {
		cset.Get()
		cset.nrTasks++
		g.moveTask(tc, nil, cset, false)
	}
	g.csetMu.Unlock(g.env)
	for i := 0; i < g.nss; i++ {
		g.ss[i].ops.Fork(ctx, child)
	}
	ctx.Exit("cgroup_post_fork")
}

// Exit mirrors cgroup_exit (do_exit, PF_EXITING already set): the task
// leaves its css_set's task list (it disappears from cgroup.procs and may
// make its cgroups unpopulated) but keeps task->cgroups and its reference
// until Free; then each controller's exit callback runs. A task that was
// never linked takes a reference here so that Free's put balances.
func (g *Globals) Exit(ctx *ns.Ctx, m Member) {
	ctx.Enter("cgroup_exit")
	tc := m.CgroupTask()
	g.csetMu.Lock(g.env)
	cset := tc.CSSSet()
	if !tc.cgList.empty() {
		g.moveTask(tc, cset, nil, false)
		cset.nrTasks--
	} else {
		cset.Get()
	}
	g.csetMu.Unlock(g.env)
	for i := 0; i < g.nss; i++ {
		g.ss[i].ops.Exit(ctx, m)
	}
	ctx.Exit("cgroup_exit")
}

// Free mirrors cgroup_free (__put_task_struct): each controller's free
// callback (4.19 pids uncharges here), then put_css_set. If that was the
// css_set's last reference it is freed, and css or cgroup releases it
// causes run before Free returns when cgroup_mutex is free.
func (g *Globals) Free(ctx *ns.Ctx, m Member) {
	ctx.Enter("cgroup_free")
	for i := 0; i < g.nss; i++ {
		g.ss[i].ops.Free(ctx, m)
	}
	g.putCSSSet(ctx, m.CgroupTask().CSSSet())
	ctx.Exit("cgroup_free")
	g.kick()
}

// CSSSetForkInto mirrors mainline's cgroup_css_set_fork for
// CLONE_INTO_CGROUP (kernel/cgroup/cgroup.c, 5.7): cgroup_mutex is taken
// and stays held until PostForkInto or CancelForkInto; a dead dst is ENODEV;
// check runs the permission checks under the mutex (cgroup_may_write,
// cgroup_attach_permissions); then find_css_set makes or finds the css_set
// of parent's with dst on the default hierarchy, with a reference the child
// will inherit. On failure nothing is held.
func (g *Globals) CSSSetForkInto(ctx *ns.Ctx, parent Member, dst *Cgroup, check func() error) (*CSSSet, error) {
	ctx.Enter("cgroup_css_set_fork")
	defer ctx.Exit("cgroup_css_set_fork")
	g.lock()
	if dst.isDead() {
		g.unlock()
		g.kick()
		return nil, uapi.Err("clone3", uapi.ENODEV, dst.label()+" has been removed", "cgroup_css_set_fork")
	}
	if err := check(); err != nil {
		g.unlock()
		g.kick()
		return nil, err
	}
	return g.findCSSSet(ctx, parent.CgroupTask().CSSSet(), dst), nil
}

// AttachPermissions mirrors the cgroup core half of mainline's
// cgroup_attach_permissions for a fork into dst from src (cgroup_mutex
// held): cgroup_migrate_vet_dst, then for a thread (not threadgroup) the
// same domain as src (EOPNOTSUPP). The permission half is cgroupfs's.
func (g *Globals) AttachPermissions(ctx *ns.Ctx, src, dst *Cgroup, threadgroup bool) error {
	if err := g.migrateVetDst(ctx, dst); err != nil {
		return err
	}
	if !threadgroup && src.domCgrp != dst.domCgrp {
		return uapi.Err("clone3", uapi.EOPNOTSUPP, "a thread cannot be created in another domain", "cgroup_attach_permissions")
	}
	return nil
}

// CanForkInto is cgroup_can_fork with the css_set CSSSetForkInto chose:
// each controller's can_fork against it, cancelling the earlier ones on a
// failure.
func (g *Globals) CanForkInto(ctx *ns.Ctx, child Member, cset *CSSSet) error {
	ctx.Enter("cgroup_can_fork")
	defer ctx.Exit("cgroup_can_fork")
	for i := 0; i < g.nss; i++ {
		if err := g.ss[i].ops.CanFork(ctx, child, cset); err != nil {
			for j := 0; j < i; j++ {
				g.ss[j].ops.CancelFork(ctx, child, cset)
			}
			return err
		}
	}
	return nil
}

// CancelForkInto mirrors cgroup_cancel_fork after a successful CanForkInto
// (cancelled is false when CanForkInto itself failed and already undid the
// controllers), then cgroup_css_set_put_fork: the css_set reference is put
// and cgroup_mutex released.
func (g *Globals) CancelForkInto(ctx *ns.Ctx, child Member, cset *CSSSet, cancel bool) {
	ctx.Enter("cgroup_cancel_fork")
	if cancel {
		for i := 0; i < g.nss; i++ {
			g.ss[i].ops.CancelFork(ctx, child, cset)
		}
	}
	g.putCSSSet(ctx, cset)
	ctx.Exit("cgroup_cancel_fork")
	g.unlock()
	g.kick()
}

// PostForkInto mirrors cgroup_post_fork for CLONE_INTO_CGROUP: the child
// joins cset with the reference CSSSetForkInto took, the controllers' fork
// callbacks run, and cgroup_mutex is released.
func (g *Globals) PostForkInto(ctx *ns.Ctx, child Member, cset *CSSSet) {
	ctx.Enter("cgroup_post_fork")
	tc := child.CgroupTask()
	g.csetMu.Lock(g.env)
	cset.nrTasks++
	g.moveTask(tc, nil, cset, false)
	g.csetMu.Unlock(g.env)
	for i := 0; i < g.nss; i++ {
		g.ss[i].ops.Fork(ctx, child)
	}
	ctx.Exit("cgroup_post_fork")
	g.unlock()
	g.kick()
}
