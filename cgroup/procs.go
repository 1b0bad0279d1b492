package cgroup

import (
	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// ProcsLookup resolves the pid written to cgroup.procs, cgroup.threads or
// tasks, as cgroup_procs_write_start does with the threadgroup rwsem held
// for writing: pid 0 is the writer; for a process (threadgroup) the result
// is the thread-group leader followed by its other threads, else the one
// task. It returns ESRCH for an unknown pid and EINVAL for a task that may
// not migrate (PF_NO_SETAFFINITY kthreads). It must not call methods that
// take cgroup_mutex.
type ProcsLookup func(pid int, threadgroup bool) ([]Member, error)

// ProcsPermission decides whether the writer may move leader from src to
// dst: cgroup_procs_write_permission on v2 (write access to the common
// ancestor's cgroup.procs: EACCES; nsdelegate: ENOENT), the euid check of
// __cgroup1_procs_write on v1 (EACCES). src is the task's cgroup on dst's
// hierarchy. nil allows everything. It runs under cgroup_mutex.
type ProcsPermission func(src, dst *Cgroup, leader Member) error

// WriteProcs mirrors a write to cgroup.procs (cgroup_procs_write on v2,
// cgroup1_procs_write on v1), moving a whole process into dst.
func (g *Globals) WriteProcs(ctx *ns.Ctx, dst *Cgroup, buf []byte, lookup ProcsLookup, perm ProcsPermission) (int, error) {
	defer g.kick()
	ctx.Enter("cgroup_procs_write")
	defer ctx.Exit("cgroup_procs_write")
	return g.procsWrite(ctx, dst, buf, true, lookup, perm)
}

// WriteThreads mirrors a write to v2 cgroup.threads (cgroup_threads_write,
// which also needs src and dst in the same domain: EOPNOTSUPP) or to v1
// tasks (cgroup1_tasks_write), moving one task.
func (g *Globals) WriteThreads(ctx *ns.Ctx, dst *Cgroup, buf []byte, lookup ProcsLookup, perm ProcsPermission) (int, error) {
	defer g.kick()
	ctx.Enter("cgroup_threads_write")
	defer ctx.Exit("cgroup_threads_write")
	return g.procsWrite(ctx, dst, buf, false, lookup, perm)
}

// procsWrite is the common body, in the kernel's order: the removed
// destination (ENODEV), the number (kstrtoint of the strstripped buffer,
// base 0; any parse error or a negative pid is EINVAL), the lookup, the
// permission, the domain rule of cgroup.threads, then cgroup_attach_task.
func (g *Globals) procsWrite(ctx *ns.Ctx, dst *Cgroup, buf []byte, threadgroup bool, lookup ProcsLookup, perm ProcsPermission) (int, error) {
	n := len(buf)
	s, err := kernfsBuf("write", buf)
	if err != nil {
		return 0, err
	}
	g.lock()
	defer g.unlock()
	if dst.isDead() {
		return 0, uapi.Err("write", uapi.ENODEV, dst.label()+" was removed", "cgroup_kn_lock_live")
	}
	pid, e := kstrtoint(klib.Strstrip(s))
	if e != 0 || pid < 0 {
		return 0, uapi.Err("write", uapi.EINVAL, "not a pid: "+string(klib.Strstrip(s)), "cgroup_procs_write_start")
	}
	g.threadgroup.Lock(g.env)
	defer g.threadgroup.Unlock(g.env)
	tasks, err := lookup(int(pid), threadgroup)
	if err != nil {
		return 0, err
	}
	if len(tasks) == 0 {
		return 0, uapi.Err("write", uapi.ESRCH, "no task with pid "+itoa(int(pid)), "cgroup_procs_write_start")
	}
	src := tasks[0].CgroupTask().CSSSet().cgroupFromRoot(dst.root)
	if perm != nil {
		if err := perm(src, dst, tasks[0]); err != nil {
			return 0, err
		}
	}
	if dst.onDfl() && !threadgroup && src.domCgrp != dst.domCgrp {
		return 0, uapi.Err("write", uapi.EOPNOTSUPP, src.label()+" and "+dst.label()+" are not in the same domain", "cgroup_threads_write")
	}
	if err := g.attachTask(ctx, dst, tasks); err != nil {
		return 0, err
	}
	return n, nil
}
