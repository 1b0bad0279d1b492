package kernsim

import (
	"fmt"
	"github.com/kernsim/kernsim/cgroup"
	"strings"

	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/task"
)

// Snapshot is a deterministic, line-per-object description of a Kernel's state:
// every task with its nsproxy, cred, fds and view of the UTS name; every live
// object with its count; the static boot objects' counts; inode numbers and
// ucounts in use. Two snapshots are equal when no count, list or name differs,
// which is what "a failed call changes nothing" tests compare. Taking one
// changes nothing.
type Snapshot struct {
	Lines []string
}

// String joins the lines.
func (s Snapshot) String() string { return strings.Join(s.Lines, "\n") + "\n" }

// Snapshot describes the Kernel now, under the big kernel lock.
func (k *Kernel) Snapshot() Snapshot {
	k.Lock()
	defer k.Unlock()
	var l []string
	add := func(format string, a ...any) { l = append(l, fmt.Sprintf(format, a...)) }
	for _, t := range k.TasksLocked() {
		p := t.NSProxy()
		nsp := "-"
		host := "-"
		if p != nil {
			nsp = nsproxyName(p)
			u := p.UTS()
			name := u.Name()
			host = fmt.Sprintf("%q/%q", name.Field(utsns.Nodename), name.Field(utsns.Domainname))
		}
		c := t.Cred()
		add("task %d %s parent=%d state=%s nsproxy=%s uts=%s user=%d uid=%d euid=%d caps=%#x fds=%v fsusers=%d threads=%d",
			t.PID(), t.Comm(), ppid(t), t.State(), nsp, host, c.UserNS().Inum(), c.UID, c.EUID,
			uint64(c.CapEffective), t.Fds(), t.FSUsers(), t.Threads())
	}
	for _, o := range k.Refs().Live() {
		add("live %s", o)
	}
	add("static init_nsproxy count=%d", k.InitNSProxy.Count())
	add("static init_user_ns count=%d", k.UserNS.Init.Count())
	add("static init_uts_ns count=%d name=%q", k.UTS.Init.Count(), k.UTS.Init.Nodename())
	for _, n := range []ns.Namespace{k.Mnt.Init, k.IPC.Init, k.PidNS.Init, k.Net.Init, k.CgroupNS.Init} {
		add("static %s count=%d", n.NS().Link(), n.Count())
	}
	add("static init_pid_ns pid_allocated=%#x last_pid=%d", k.PidNS.Init.PidAllocated(), k.PidNS.Init.LastPid())
	for _, r := range k.Cgroup.Roots() {
		var walk func(c *cgroup.Cgroup)
		walk = func(c *cgroup.Cgroup) {
			add("cgroup %d:%s populated=%t count=%d descendants=%d dying=%d", r.HierarchyID(), c.Path(),
				c.Populated(), c.Count(), c.NrDescendants(), c.NrDyingDescendants())
			for _, ch := range c.Children() {
				walk(ch)
			}
		}
		walk(r.Cgroup())
	}
	add("css_sets=%d", k.Cgroup.NrCSSSets())
	add("inums in use=%d ucounts=%d nr_threads=%d warnings=%d",
		k.Env.Inums.InUse(), k.UserNS.UcountEntries(), k.NrThreads(), len(k.Warnings()))
	return Snapshot{Lines: l}
}

func ppid(t *task.Task) int32 {
	if p := t.Parent(); p != nil {
		return p.PID()
	}
	return 0
}

func nsproxyName(p *nsproxy.NSProxy) string {
	if p.IsInit() {
		return "init_nsproxy"
	}
	return fmt.Sprintf("#%d", p.ID())
}

// Check recomputes every namespace-layer reference count from its holders and
// reports each mismatch: an nsproxy's count must equal the tasks using it; a
// UTS namespace's, the nsproxies and nsfs files holding it (plus init_uts_ns's
// static reference); a user namespace's, the creds, child user namespaces,
// owned UTS namespaces and nsfs files holding it (plus init_user_ns's static
// two); the initial mnt/ipc/pid/net/cgroup namespaces', their boot count plus
// the dynamic nsproxies and files holding them; a cred's, the tasks using it.
// It runs under the big kernel lock.
func (k *Kernel) Check() error {
	k.Lock()
	defer k.Unlock()
	var proxies []*nsproxy.NSProxy
	var utss []*utsns.Namespace
	var users []*userns.Namespace
	var creds []*userns.Cred
	var files []*task.File
	var pidNSs []*pidns.Namespace
	var pids []*pidns.Pid
	mntNSs := []*mntns.Namespace{k.Mnt.Init}
	ipcNSs := []*ipcns.Namespace{k.IPC.Init}
	timeNSs := []*timens.Namespace{k.Time.Init}
	cgNSs := []*cgroupns.Namespace{k.CgroupNS.Init}
	netNSs := []*netns.Namespace{k.Net.Init}
	for _, o := range k.Refs().Objects() {
		switch v := o.(type) {
		case *netns.Namespace:
			netNSs = append(netNSs, v)
		case *cgroupns.Namespace:
			cgNSs = append(cgNSs, v)
		case *timens.Namespace:
			timeNSs = append(timeNSs, v)
		case *ipcns.Namespace:
			ipcNSs = append(ipcNSs, v)
		case *mntns.Namespace:
			mntNSs = append(mntNSs, v)
		case *pidns.Namespace:
			pidNSs = append(pidNSs, v)
		case *pidns.Pid:
			pids = append(pids, v)
		case *nsproxy.NSProxy:
			proxies = append(proxies, v)
		case *utsns.Namespace:
			utss = append(utss, v)
		case *userns.Namespace:
			users = append(users, v)
		case *userns.Cred:
			creds = append(creds, v)
		case *task.File:
			files = append(files, v)
		}
	}
	tasks := k.TasksLocked()
	var errs []string
	expect := func(what string, got, want int64) {
		if got != want {
			errs = append(errs, fmt.Sprintf("%s: count %d, holders %d", what, got, want))
		}
	}
	// All open files on a namespace share one nsfs inode holding one reference.
	fileRefs := func(n ns.Namespace) int64 {
		var users int
		for _, f := range files {
			if f.Namespace() == n {
				users++
			}
		}
		if users != n.NS().NSFSUsers() {
			errs = append(errs, fmt.Sprintf("%s: %d nsfs users recorded, %d open files", n.NS().Link(), n.NS().NSFSUsers(), users))
		}
		var pinned int64
		for _, f := range files {
			if f.Pinned() == n {
				pinned++
			}
		}
		if users > 0 {
			return 1 + pinned
		}
		return pinned
	}
	allProxies := append([]*nsproxy.NSProxy{k.InitNSProxy}, proxies...)
	for _, p := range allProxies {
		var c int64
		for _, t := range tasks {
			if t.NSProxy() == p {
				c++
			}
		}
		if p.IsInit() {
			c++ // the idle task's reference
		}
		expect("nsproxy "+nsproxyName(p), p.Count(), c)
	}
	for _, u := range append([]*utsns.Namespace{k.UTS.Init}, utss...) {
		var c int64
		for _, p := range allProxies {
			if p.UTS() == u && (p.Count() > 0) {
				c++
			}
		}
		if u == k.UTS.Init {
			c++ // static
		}
		expect(u.Link(), u.Count(), c+fileRefs(u))
	}
	for _, u := range append([]*userns.Namespace{k.UserNS.Init}, users...) {
		var c int64
		if u == k.UserNS.Init {
			c = 3 // includes init_cred's reference
		}
		for _, cr := range creds {
			if cr.UserNS() == u {
				c++
			}
		}
		for _, ch := range users {
			if ch.Parent() == u {
				c++
			}
		}
		for _, o := range utss {
			if o.UserNS() == u {
				c++
			}
		}
		for _, o := range pidNSs {
			if o.UserNS() == u {
				c++
			}
		}
		for _, o := range mntNSs {
			if o.UserNS() == u {
				c++ // alloc_mnt_ns's get_user_ns, init_mnt_ns's included
			}
		}
		for _, o := range ipcNSs[1:] { // init_ipc_ns points at init_user_ns without a reference
			if o.UserNS() == u {
				c++
			}
		}
		for _, o := range timeNSs[1:] { // so does init_time_ns
			if o.UserNS() == u {
				c++
			}
		}
		for _, o := range cgNSs[1:] { // and init_cgroup_ns
			if o.UserNS() == u {
				c++
			}
		}
		for _, o := range netNSs[1:] { // and init_net
			if o.UserNS() == u {
				c++
			}
		}
		expect(u.Link(), u.Count(), c+fileRefs(u))
	}
	for _, n := range mntNSs {
		var c int64
		if n == k.Mnt.Init {
			c = 2 // init_mount_tree's own reference and init_nsproxy's
		}
		for _, p := range proxies {
			if p.MNT() == n {
				c++
			}
		}
		expect(n.Link(), n.Count(), c+fileRefs(n))
	}
	if err := k.Mnt.Check(mntNSs[1:]...); err != nil {
		errs = append(errs, err.Error())
	}
	for _, n := range ipcNSs {
		var c int64
		if n == k.IPC.Init {
			c = 1 // static: init_nsproxy's, the initial count
		}
		for _, p := range proxies {
			if p.IPC() == n {
				c++
			}
		}
		expect(n.Link(), n.Count(), c+fileRefs(n))
	}
	for _, n := range timeNSs {
		var c int64
		if n == k.Time.Init {
			c = 3 // static: init_nsproxy's two slots (mainline) and one more
		}
		for _, p := range proxies {
			if p.TimeNS() == n {
				c++
			}
			if p.TimeNSForChildren() == n {
				c++
			}
		}
		expect(n.Link(), n.Count(), c+fileRefs(n))
	}
	for _, n := range cgNSs {
		var c int64
		if n == k.CgroupNS.Init {
			c = 2 // static: init_nsproxy's and one more
		}
		for _, p := range proxies {
			if p.CGROUP() == n {
				c++
			}
		}
		expect(n.Link(), n.Count(), c+fileRefs(n))
	}
	for _, n := range netNSs {
		var c int64
		if n == k.Net.Init {
			c = 1 // static: init_nsproxy's
		}
		for _, p := range proxies {
			if p.NET() == n {
				c++
			}
		}
		expect(n.Link(), n.Count(), c+fileRefs(n))
	}
	expect(k.PidNS.Init.Link(), k.PidNS.Init.Count(), 2) // init_pid_ns is never counted
	for _, n := range pidNSs {
		var c int64
		for _, p := range proxies {
			if p.PIDForChildren() == n {
				c++
			}
		}
		for _, p := range pids {
			if p.Namespace() == n {
				c++ // a struct pid holds its innermost namespace
			}
		}
		for _, ch := range pidNSs {
			if ch.Parent() == n {
				c++
			}
		}
		expect(n.Link(), n.Count(), c+fileRefs(n))
	}
	for _, cr := range creds {
		var c int64
		for _, t := range tasks {
			if t.State() != task.Dead && t.Cred() == cr {
				c++
			}
		}
		for _, f := range files {
			if f.Cred() == cr {
				c++ // f_cred
			}
		}
		expect("cred "+cr.RefID(), cr.Usage(), c)
	}
	if err := k.Cgroup.Check(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return fmt.Errorf("kernsim: reference counts disagree with their holders:\n%s", strings.Join(errs, "\n"))
	}
	return nil
}
