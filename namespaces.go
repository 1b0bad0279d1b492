package kernsim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
)

// NSInfo describes one live namespace, as lsns(8) would list it, plus what lsns
// cannot see: the namespace's own count and whether only open files (or other
// references, not tasks) keep it alive.
type NSInfo struct {
	Type   ns.Type
	Inum   uint32
	Count  int64  // the namespace's own counter
	Owner  uint32 // inode of the owning user namespace (a user namespace's parent; 0 for init_user_ns, which has none)
	Parent uint32 // user namespaces: the parent's inode (0 at the top)
	NProcs int    // tasks whose /proc/<pid>/ns/<type> resolves to it
	PID    int32  // the lowest such pid (0 when NProcs is 0)
	Files  int    // open nsfs files on it
}

// Namespaces lists every live namespace — the initial ones and every one still
// referenced, including those kept alive only by an open file — ordered by
// inode number. It changes no count and runs under the big kernel lock.
func (k *Kernel) Namespaces() []NSInfo {
	k.Lock()
	defer k.Unlock()
	seen := map[ns.Namespace]bool{}
	var all []ns.Namespace
	add := func(n ns.Namespace) {
		if n != nil && !seen[n] {
			seen[n] = true
			all = append(all, n)
		}
	}
	add(k.UserNS.Init)
	add(k.UTS.Init)
	for _, n := range []ns.Namespace{k.IPC.Init, k.Mnt.Init, k.PidNS.Init, k.Net.Init, k.CgroupNS.Init} {
		add(n)
	}
	if k.Config().Flavour == Mainline {
		add(k.Time.Init)
	}
	for _, o := range k.Refs().Objects() {
		if n, ok := o.(ns.Namespace); ok {
			add(n)
		}
	}
	tasks := k.TasksLocked()
	out := make([]NSInfo, 0, len(all))
	for _, n := range all {
		c := n.NS()
		info := NSInfo{Type: c.Type(), Inum: c.Inum(), Count: n.Count(), Files: c.NSFSUsers()}
		if o := n.Owner(); o != nil && c.Type() != ns.USER {
			info.Owner = o.NS().Inum()
		}
		if u, ok := n.(*userns.Namespace); ok {
			if p := u.Parent(); p != nil {
				info.Parent = p.Inum()
				info.Owner = p.Inum()
			}
		}
		if p, ok := n.(*pidns.Namespace); ok && p.Parent() != nil {
			info.Parent = p.Parent().Inum()
		}
		for _, t := range tasks {
			if taskNS(k, t, c.Type()) == n {
				info.NProcs++
				if info.PID == 0 || t.PID() < info.PID {
					info.PID = t.PID()
				}
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Inum < out[j].Inum })
	return out
}

// taskNS is what /proc/<pid>/ns/<type> of t resolves to, or nil (a zombie has
// no nsproxy; a reaped task nothing).
func taskNS(k *Kernel, t *task.Task, typ ns.Type) ns.Namespace {
	if t.State() == task.Dead {
		return nil
	}
	switch typ {
	case ns.USER:
		return t.UserNS()
	case ns.PID:
		return t.ActivePidNS()
	}
	p := t.NSProxy()
	if p == nil {
		return nil
	}
	return p.Namespace(typ)
}

// Lsns renders Namespaces like `lsns -o NS,TYPE,NPROCS,PID,COUNT,OWNER,PARENT`,
// with namespaces that no task is in (kept by files or other references) shown
// with NPROCS 0 and PID "-".
func (k *Kernel) Lsns() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%10s %-6s %6s %5s %5s %10s %10s\n", "NS", "TYPE", "NPROCS", "PID", "COUNT", "OWNER", "PARENT")
	for _, n := range k.Namespaces() {
		pid := "-"
		if n.PID != 0 {
			pid = fmt.Sprint(n.PID)
		}
		owner, parent := "-", "-"
		if n.Owner != 0 {
			owner = fmt.Sprint(n.Owner)
		}
		if n.Parent != 0 {
			parent = fmt.Sprint(n.Parent)
		}
		fmt.Fprintf(&b, "%10d %-6s %6d %5s %5d %10s %10s\n", n.Inum, n.Type, n.NProcs, pid, n.Count, owner, parent)
	}
	return b.String()
}
