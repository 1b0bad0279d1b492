package cgroup

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// PathMax is PATH_MAX: a /proc/<pid>/cgroup path this long or longer fails
// with ENAMETOOLONG.
const PathMax = 4096

// PidVnr gives a task's numbers as the reader sees them: task_pid_vnr and
// task_tgid_vnr in the reader's pid namespace, 0 when invisible there.
type PidVnr func(m Member) (pid, tgid int)

// readable checks that c has file (on its hierarchy kind, root or not) and
// is not removed: a file of a removed cgroup reads ENODEV (kernfs_seq_start
// on a deactivated node).
func readable(c *Cgroup, file string, dfl, notOnRoot bool) error {
	if c.onDfl() != dfl || notOnRoot && c.parent() == nil {
		return noFile(c, file)
	}
	if c.isDead() {
		return uapi.Err("read", uapi.ENODEV, c.label()+" was removed", "kernfs_seq_start")
	}
	return nil
}

// printSSMask mirrors cgroup_print_ss_mask: names in id order separated by
// spaces, and a newline only if something was printed.
func (g *Globals) printSSMask(mask uint16) string {
	var b strings.Builder
	for i := 0; i < g.nss; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.ss[i].name)
	}
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}

// ReadControllers renders cgroup.controllers (cgroup_controllers_show).
func (g *Globals) ReadControllers(c *Cgroup) (s string, err error) {
	c.locked(func() {
		if err = readable(c, "cgroup.controllers", true, false); err == nil {
			s = g.printSSMask(c.control())
		}
	})
	return
}

// ReadSubtreeControl renders cgroup.subtree_control.
func (g *Globals) ReadSubtreeControl(c *Cgroup) (s string, err error) {
	c.locked(func() {
		if err = readable(c, "cgroup.subtree_control", true, false); err == nil {
			s = g.printSSMask(c.subtreeControl)
		}
	})
	return
}

// ReadEvents renders cgroup.events: 4.19 has the one line "populated 0|1"
// (mainline 5.2 adds "frozen"). Not on the root.
func (g *Globals) ReadEvents(c *Cgroup) (string, error) {
	if err := readable(c, "cgroup.events", true, true); err != nil {
		return "", err
	}
	p := 0
	if c.isPopulated() {
		p = 1
	}
	return "populated " + strconv.Itoa(p) + "\n", nil
}

// ReadStat renders cgroup.stat.
func (g *Globals) ReadStat(c *Cgroup) (s string, err error) {
	c.locked(func() {
		if err = readable(c, "cgroup.stat", true, false); err == nil {
			s = "nr_descendants " + strconv.Itoa(int(c.nrDescendants)) +
				"\nnr_dying_descendants " + strconv.Itoa(int(c.nrDyingDescendants)) + "\n"
		}
	})
	return
}

func showMax(v int32) string {
	if v == MaxLimit {
		return "max\n"
	}
	return strconv.Itoa(int(v)) + "\n"
}

// ReadMaxDepth renders cgroup.max.depth ("max" or the number).
func (g *Globals) ReadMaxDepth(c *Cgroup) (s string, err error) {
	c.locked(func() {
		if err = readable(c, "cgroup.max.depth", true, false); err == nil {
			s = showMax(c.maxDepth)
		}
	})
	return
}

// ReadMaxDescendants renders cgroup.max.descendants.
func (g *Globals) ReadMaxDescendants(c *Cgroup) (s string, err error) {
	c.locked(func() {
		if err = readable(c, "cgroup.max.descendants", true, false); err == nil {
			s = showMax(c.maxDescendants)
		}
	})
	return
}

// ReadType renders cgroup.type (cgroup_type_show): "threaded", "domain
// invalid", "domain threaded" or "domain". Not on the root.
func (g *Globals) ReadType(c *Cgroup) (s string, err error) {
	c.locked(func() {
		if err = readable(c, "cgroup.type", true, true); err != nil {
			return
		}
		switch {
		case c.isThreaded():
			s = "threaded\n"
		case !c.isValidDomain():
			s = "domain invalid\n"
		case c.isThreadRoot():
			s = "domain threaded\n"
		default:
			s = "domain\n"
		}
	})
	return
}

// eachTask mirrors a css_task_iter walk over cgrp->self (css_set_lock
// held): the css_sets linked to c in link order, with THREADED each one's
// threaded css_sets after it, skipping unpopulated ones; in each, tasks then
// mg_tasks. With PROCS, tasks that are not thread-group leaders are skipped
// except the very first one (4.19's css_task_iter_start lands on it without
// the leader test).
func (g *Globals) eachTask(c *Cgroup, procs, threaded bool, fn func(Member)) {
	first := true
	visit := func(cs *CSSSet) {
		if !cs.populated() {
			return
		}
		for _, l := range [2]*lnode[*TaskCgroups]{&cs.tasks, &cs.mgTasks} {
			for n := l.next; n != l; n = n.next {
				m := n.owner.m
				if procs && !first && !m.IsThreadGroupLeader() {
					continue
				}
				first = false
				fn(m)
			}
		}
	}
	for n := c.csetLinks.next; n != &c.csetLinks; n = n.next {
		cs := n.owner.cset
		visit(cs)
		if threaded {
			for t := cs.threadedCsets.next; t != &cs.threadedCsets; t = t.next {
				visit(t.owner)
			}
		}
	}
}

// ReadProcs renders cgroup.procs. On v2 (cgroup_procs_start/show) it is one
// task_pid_vnr per line in iteration order: thread-group leaders of the
// cgroup's css_sets and their threaded css_sets, EOPNOTSUPP on a threaded
// cgroup. On v1 (pidlist_array_load) it is the sorted, deduplicated tgids,
// leaving out those invisible to the reader.
func (g *Globals) ReadProcs(c *Cgroup, vnr PidVnr) (string, error) {
	if c.onDfl() {
		return g.readV2(c, vnr, true)
	}
	return g.readPidlist(c, vnr, true)
}

// ReadThreads renders v2 cgroup.threads: every task of the cgroup's own
// css_sets, task_pid_vnr per line.
func (g *Globals) ReadThreads(c *Cgroup, vnr PidVnr) (string, error) {
	if !c.onDfl() {
		return "", noFile(c, "cgroup.threads")
	}
	return g.readV2(c, vnr, false)
}

// ReadTasks renders v1 tasks: sorted task_pid_vnr values, duplicates kept,
// invisible ones left out.
func (g *Globals) ReadTasks(c *Cgroup, vnr PidVnr) (string, error) {
	if c.onDfl() {
		return "", noFile(c, "tasks")
	}
	return g.readPidlist(c, vnr, false)
}

func (g *Globals) readV2(c *Cgroup, vnr PidVnr, procs bool) (string, error) {
	file := "cgroup.threads"
	if procs {
		file = "cgroup.procs"
	}
	if err := readable(c, file, true, false); err != nil {
		return "", err
	}
	var b []byte
	var err error
	c.locked(func() {
		if procs && c.isThreaded() {
			err = uapi.Err("read", uapi.EOPNOTSUPP, c.label()+" is threaded", "cgroup_procs_start")
			return
		}
		g.csetMu.Lock(g.env)
		g.eachTask(c, procs, procs, func(m Member) {
			pid, _ := vnr(m)
			b = strconv.AppendInt(b, int64(pid), 10)
			b = append(b, '\n')
		})
		g.csetMu.Unlock(g.env)
	})
	return string(b), err
}

func (g *Globals) readPidlist(c *Cgroup, vnr PidVnr, procs bool) (string, error) {
	file := "tasks"
	if procs {
		file = "cgroup.procs"
	}
	if err := readable(c, file, false, false); err != nil {
		return "", err
	}
	var list []int
	g.csetMu.Lock(g.env)
	g.eachTask(c, false, false, func(m Member) {
		pid, tgid := vnr(m)
		if procs {
			pid = tgid
		}
		if pid > 0 {
			list = append(list, pid)
		}
	})
	g.csetMu.Unlock(g.env)
	slices.Sort(list)
	if procs {
		list = slices.Compact(list)
	}
	var b []byte
	for _, p := range list {
		b = strconv.AppendInt(b, int64(p), 10)
		b = append(b, '\n')
	}
	return string(b), nil
}

// ProcCgroup renders /proc/<pid>/cgroup (proc_cgroup_show) for a task whose
// css_set is cset, read by a task whose cgroup namespace is rooted at
// nsRoot (its root_cset; init_css_set for the initial namespace). One line
// per hierarchy in for_each_root order (newest v1 mount first, v2 last,
// and v2 only once cgroup2 is mounted): "<hierarchy id>:<controllers>:<path>".
// The path is relative to the namespace root's cgroup on that hierarchy
// ("/.." steps when outside it). An exiting task (PF_EXITING) reads "/" on
// v1; on v2 it keeps its cgroup, and a removed v2 cgroup gets " (deleted)".
// A path of PATH_MAX bytes or more fails with ENAMETOOLONG.
func (g *Globals) ProcCgroup(ctx *ns.Ctx, cset *CSSSet, exiting bool, nsRoot *CSSSet) (string, error) {
	return g.procCgroup(ctx, nil, cset, exiting, nsRoot)
}

// ProcCgroupTask is ProcCgroup for a task, whose css_set is read under
// css_set_lock as proc_cgroup_show does (task_css_set): a css_set read
// earlier without the lock may have been freed by a concurrent migration.
func (g *Globals) ProcCgroupTask(ctx *ns.Ctx, tc *TaskCgroups, exiting bool, nsRoot *CSSSet) (string, error) {
	return g.procCgroup(ctx, tc, nil, exiting, nsRoot)
}

func (g *Globals) procCgroup(ctx *ns.Ctx, tc *TaskCgroups, cset *CSSSet, exiting bool, nsRoot *CSSSet) (string, error) {
	defer g.kick()
	ctx.Enter("proc_cgroup_show")
	defer ctx.Exit("proc_cgroup_show")
	g.lock()
	defer g.unlock()
	g.csetMu.Lock(g.env)
	defer g.csetMu.Unlock(g.env)
	if tc != nil {
		cset = tc.CSSSet()
	}
	b := make([]byte, 0, 128)
	for _, r := range g.roots {
		if r.dfl && !g.dflVisible {
			continue
		}
		b = strconv.AppendInt(b, int64(r.hierarchyID), 10)
		b = append(b, ':')
		b = append(b, r.name...)
		b = append(b, ':')
		cgrp := cset.cgroupFromRoot(r)
		if r.dfl || !exiting {
			start := len(b)
			b = appendPath(b, nsRoot.cgroupFromRoot(r), cgrp)
			if n := len(b) - start; n >= PathMax {
				return "", uapi.Err("read", uapi.ENAMETOOLONG, "cgroup path of "+strconv.Itoa(n)+" bytes", "proc_cgroup_show")
			}
		} else {
			b = append(b, '/')
		}
		if r.dfl && cgrp.isDead() {
			b = append(b, " (deleted)\n"...)
		} else {
			b = append(b, '\n')
		}
	}
	return string(b), nil
}

// ProcCgroups renders /proc/cgroups (proc_cgroupstats_show): a header, then
// per controller its legacy name, hierarchy id, the hierarchy's nr_cgrps
// and 1 (enabled).
func (g *Globals) ProcCgroups() string {
	defer g.kick()
	g.lock()
	defer g.unlock()
	var b strings.Builder
	b.WriteString("#subsys_name\thierarchy\tnum_cgroups\tenabled\n")
	for i := 0; i < g.nss; i++ {
		ss := g.ss[i]
		b.WriteString(ss.legacyName + "\t" + strconv.Itoa(ss.root.hierarchyID) + "\t" +
			strconv.Itoa(ss.root.NrCgroups()) + "\t1\n")
	}
	return b.String()
}
