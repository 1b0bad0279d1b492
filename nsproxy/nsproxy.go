package nsproxy

import (
	"strconv"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Current is what create_new_namespaces reads of the calling task besides
// its nsproxy: its credentials (copy_cgroup_ns tests ns_capable with them),
// its cgroups (a new cgroup namespace is rooted at its css_set) and its
// active pid namespace (copy_pid_ns).
type Current struct {
	Cred    *userns.Cred
	Cgroups *cgroup.TaskCgroups
	Active  *pidns.Namespace
}

// NSProxy mirrors struct nsproxy (include/linux/nsproxy.h, 4.19).
type NSProxy struct {
	count          refcount.Atomic
	uts            *utsns.Namespace
	ipc            *ipcns.Namespace
	mnt            *mntns.Namespace
	pidForChildren *pidns.Namespace
	net            *netns.Namespace
	time           timens.Slots // mainline (5.6): time_ns, time_ns_for_children; empty in 4.19
	cgroup         *cgroupns.Namespace
	id             uint64 // creation sequence, for listings
	static         bool   // init_nsproxy
	node           refcount.Node
}

// NewInit builds init_nsproxy (kernel/nsproxy.c), pointing at the initial
// namespaces. Its count starts at 2: init_task (pid 0, the idle task, which the
// simulator does not run as a Task) and init (pid 1), which inherits it through
// the fork fast path. Kernel threads would add theirs; none are simulated. It
// takes no namespace references: their boot counts already include it.
func NewInit(env *ns.Env, uts *utsns.Globals, ipc *ipcns.Globals, pid *pidns.Globals, mnt *mntns.Globals, cg *cgroupns.Globals, net *netns.Globals, time *timens.Globals) *NSProxy {
	p := &NSProxy{uts: uts.Init, ipc: ipc.Init, mnt: mnt.Init, pidForChildren: pid.Init,
		net: net.Init, cgroup: cg.Init, static: true}
	if time != nil {
		p.time = time.InitSlots()
	}
	p.count.Init(env.Refs, 2)
	return p
}

// UTS returns the uts namespace without taking a reference.
func (p *NSProxy) UTS() *utsns.Namespace { return p.uts }

// IPC returns the ipc namespace without taking a reference.
func (p *NSProxy) IPC() *ipcns.Namespace { return p.ipc }

// MNT returns the mount namespace without taking a reference.
func (p *NSProxy) MNT() *mntns.Namespace { return p.mnt }

// PIDForChildren returns pid_ns_for_children without taking a reference.
func (p *NSProxy) PIDForChildren() *pidns.Namespace { return p.pidForChildren }

// NET returns the network namespace without taking a reference.
func (p *NSProxy) NET() *netns.Namespace { return p.net }

// CGROUP returns the cgroup namespace without taking a reference.
func (p *NSProxy) CGROUP() *cgroupns.Namespace { return p.cgroup }

// TimeNS returns time_ns (mainline; nil in 4.19) without a reference.
func (p *NSProxy) TimeNS() *timens.Namespace { return p.time.TimeNS }

// TimeNSForChildren returns time_ns_for_children (mainline; nil in 4.19).
func (p *NSProxy) TimeNSForChildren() *timens.Namespace { return p.time.TimeNSForChildren }

// Namespace returns the member of type t (PID means pid_ns_for_children,
// TIME time_ns), or nil for USER, and for TIME in 4.19.
func (p *NSProxy) Namespace(t ns.Type) ns.Namespace {
	switch t {
	case ns.UTS:
		return p.uts
	case ns.IPC:
		return p.ipc
	case ns.MNT:
		return p.mnt
	case ns.PID:
		return p.pidForChildren
	case ns.NET:
		return p.net
	case ns.CGROUP:
		return p.cgroup
	case ns.TIME:
		if p.time.TimeNS != nil {
			return p.time.TimeNS
		}
	}
	return nil
}

// Count reads the number of tasks using the nsproxy.
func (p *NSProxy) Count() int64 { return int64(p.count.Read()) }

// IsInit reports whether p is init_nsproxy.
func (p *NSProxy) IsInit() bool { return p.static }

// Get mirrors get_nsproxy (include/linux/nsproxy.h).
func (p *NSProxy) Get() { p.count.Inc() }

// Put mirrors put_nsproxy: free_nsproxy when the count reaches zero.
func (p *NSProxy) Put(ctx *ns.Ctx) {
	if p.count.DecAndTest() {
		if p.static {
			ctx.Env.Refs.Warn("init_nsproxy", "put_nsproxy: init_nsproxy count hit 0")
			return
		}
		FreeNSProxy(ctx, p)
	}
}

// FreeNSProxy mirrors free_nsproxy (kernel/nsproxy.c): put each member in the
// kernel's order (mnt, uts, ipc, pid_for_children, then mainline's time_ns
// and time_ns_for_children, cgroup, net), then free.
func FreeNSProxy(ctx *ns.Ctx, p *NSProxy) {
	ctx.Enter("free_nsproxy")
	if p.mnt != nil {
		p.mnt.Put(ctx)
	}
	if p.uts != nil {
		p.uts.Put(ctx)
	}
	if p.ipc != nil {
		p.ipc.Put(ctx)
	}
	if p.pidForChildren != nil {
		p.pidForChildren.Put(ctx)
	}
	p.time.Put(ctx)
	if p.cgroup != nil {
		p.cgroup.Put(ctx)
	}
	if p.net != nil {
		p.net.Put(ctx)
	}
	ctx.Env.Refs.Untrack(&p.node)
	p.release(ctx)
	ctx.Exit("free_nsproxy")
}

// RefKind, RefID and RefCount let the leak registry list the nsproxy.
func (p *NSProxy) RefKind() string { return "nsproxy" }
func (p *NSProxy) RefID() string   { return "#" + strconv.FormatUint(p.id, 10) }
func (p *NSProxy) RefCount() int64 { return p.Count() }

// ID returns the nsproxy's creation number (0 for init_nsproxy), a stable
// identity for listings and tests.
func (p *NSProxy) ID() uint64 { return p.id }

// CreateNewNamespaces mirrors create_new_namespaces (kernel/nsproxy.c): a new
// nsproxy with count 1 whose members are copied from old (a new namespace for
// each CLONE_NEW* flag, a new reference on the old one otherwise), in the
// kernel's order: mnt, uts, ipc, pid_for_children, cgroup, net. The first
// failure unwinds the references taken so far, in reverse, and is returned.
func CreateNewNamespaces(ctx *ns.Ctx, flags uapi.CloneFlags, old *NSProxy, userNS *userns.Namespace, cur Current) (*NSProxy, error) {
	ctx.Enter("create_new_namespaces")
	defer ctx.Exit("create_new_namespaces")
	p, _ := ctx.Env.Caches.NSProxy.Alloc(ctx.Env).(*NSProxy) // kmem_cache_alloc(nsproxy_cachep)
	if p == nil {
		p = new(NSProxy)
	}
	p.count.Init(ctx.Env.Refs, 1)
	var err error
	if p.mnt, _, err = mntns.CopyMntNS(ctx, flags, userNS, old.mnt); err != nil {
		p.release(ctx)
		return nil, err
	}
	if p.uts, err = utsns.CopyUTSName(ctx, flags, userNS, old.uts); err != nil {
		return nil, p.unwind(ctx, err)
	}
	if p.ipc, err = ipcns.CopyIPCs(ctx, flags, userNS, old.ipc); err != nil {
		return nil, p.unwind(ctx, err)
	}
	if p.pidForChildren, err = pidns.CopyPidNS(ctx, flags, userNS, old.pidForChildren, cur.Active); err != nil {
		return nil, p.unwind(ctx, err)
	}
	if p.cgroup, err = cgroupns.CopyCgroupNS(ctx, flags, userNS, cur.Cred, cur.Cgroups, old.cgroup); err != nil {
		return nil, p.unwind(ctx, err)
	}
	if p.net, err = netns.CopyNetNS(ctx, flags, userNS, old.net); err != nil {
		return nil, p.unwind(ctx, err)
	}
	if old.time.TimeNS != nil { // mainline: copy_time_ns, then get_time_ns
		if err = p.time.Copy(ctx, flags, userNS, &old.time); err != nil {
			return nil, p.unwind(ctx, err)
		}
	}
	p.id = ctx.Env.NextNSProxyID()
	ctx.Env.Refs.Track(&p.node, p)
	return p, nil
}

// unwind mirrors create_new_namespaces' error labels: put the members taken
// so far in reverse order (net, cgroup, pid, ipc, uts, mnt), then free the
// nsproxy (never published, so nothing else refers to it). It returns err.
func (p *NSProxy) unwind(ctx *ns.Ctx, err error) error {
	p.time.Put(ctx)
	if p.net != nil {
		p.net.Put(ctx)
	}
	if p.cgroup != nil {
		p.cgroup.Put(ctx)
	}
	if p.pidForChildren != nil {
		p.pidForChildren.Put(ctx)
	}
	if p.ipc != nil {
		p.ipc.Put(ctx)
	}
	if p.uts != nil {
		p.uts.Put(ctx)
	}
	if p.mnt != nil {
		p.mnt.Put(ctx)
	}
	p.release(ctx)
	return err
}

// release mirrors kmem_cache_free(nsproxy_cachep, p): the zeroed object goes
// back to the Kernel's cache.
func (p *NSProxy) release(ctx *ns.Ctx) {
	*p = NSProxy{}
	ctx.Env.Caches.NSProxy.Free(ctx.Env, p)
}

// nsproxyFlags returns the CLONE_NEW* set that makes copy_namespaces and
// unshare_nsproxy_namespaces build a new nsproxy.
func nsproxyFlags(ctx *ns.Ctx) uapi.CloneFlags {
	if ctx.Env.Mainline() {
		return uapi.NSProxyFlagsMainline
	}
	return uapi.NSProxyFlags419
}

// CopyNamespaces mirrors copy_namespaces (kernel/nsproxy.c) for a child whose
// cred is cred (already carrying a new user namespace if CLONE_NEWUSER was
// given): without a CLONE_NEW* flag the child shares old (get_nsproxy) —
// in mainline only if CLONE_VM is set or old's time_ns and
// time_ns_for_children agree, else it gets an nsproxy of its own with no
// capability check; with a flag it needs CAP_SYS_ADMIN in cred's user
// namespace (EPERM), CLONE_NEWIPC may not come with CLONE_SYSVSEM (EINVAL),
// and create_new_namespaces builds the child's own nsproxy. A child without
// CLONE_VM then enters its time_ns_for_children (timens_on_fork). It
// returns the nsproxy the child must point at, with the child's reference
// taken.
func CopyNamespaces(ctx *ns.Ctx, flags uapi.CloneFlags, old *NSProxy, cred *userns.Cred, cur Current) (*NSProxy, error) {
	ctx.Enter("copy_namespaces")
	defer ctx.Exit("copy_namespaces")
	userNS := cred.UserNS()
	if flags&nsproxyFlags(ctx) == 0 {
		vmStays := flags&uapi.CLONE_VM != 0 && ctx.Env.TimeNSExecSwitch()
		if vmStays || old.time.TimeNS == old.time.TimeNSForChildren {
			ctx.Mark("get_nsproxy")
			old.Get()
			return old, nil
		}
	} else if !userns.NSCapable(cred, userNS, uapi.CAP_SYS_ADMIN) {
		return nil, uapi.Err("copy_namespaces", uapi.EPERM, "no CAP_SYS_ADMIN in the child's user namespace", "ns_capable")
	}
	if flags&(uapi.CLONE_NEWIPC|uapi.CLONE_SYSVSEM) == uapi.CLONE_NEWIPC|uapi.CLONE_SYSVSEM {
		return nil, uapi.Err("copy_namespaces", uapi.EINVAL, "CLONE_NEWIPC with CLONE_SYSVSEM", "copy_namespaces")
	}
	p, err := CreateNewNamespaces(ctx, flags, old, userNS, cur)
	if err != nil {
		return nil, err
	}
	if (flags&uapi.CLONE_VM == 0 || !ctx.Env.TimeNSExecSwitch()) && p.time.TimeNS != nil {
		timens.TimensOnFork(ctx, &p.time)
	}
	return p, nil
}

// ExecTaskNamespaces mirrors exec_task_namespaces (kernel/nsproxy.c,
// mainline ≈6.1): at execve a task whose time_ns_for_children differs from
// its time_ns gets a new nsproxy (create_new_namespaces(0, …)) that enters
// it (timens_on_fork). It returns nil, nil when nothing changes.
func ExecTaskNamespaces(ctx *ns.Ctx, old *NSProxy, userNS *userns.Namespace, cur Current) (*NSProxy, error) {
	if old.time.TimeNS == old.time.TimeNSForChildren || !ctx.Env.TimeNSExecSwitch() {
		return nil, nil // 5.6–6.0 have no exec_task_namespaces
	}
	ctx.Enter("exec_task_namespaces")
	defer ctx.Exit("exec_task_namespaces")
	p, err := CreateNewNamespaces(ctx, 0, old, userNS, cur)
	if err != nil {
		return nil, err
	}
	timens.TimensOnFork(ctx, &p.time)
	return p, nil
}

// UnshareNSProxyNamespaces mirrors unshare_nsproxy_namespaces (kernel/nsproxy.c):
// nil, nil when no CLONE_NEW* flag asks for a new nsproxy; otherwise
// CAP_SYS_ADMIN in the user namespace of newCred (if unshare made one) or of the
// caller's cred, then create_new_namespaces from cur.
func UnshareNSProxyNamespaces(ctx *ns.Ctx, flags uapi.CloneFlags, old *NSProxy, cred, newCred *userns.Cred, cur Current) (*NSProxy, error) {
	ctx.Enter("unshare_nsproxy_namespaces")
	defer ctx.Exit("unshare_nsproxy_namespaces")
	if flags&nsproxyFlags(ctx) == 0 {
		return nil, nil
	}
	c := cred
	if newCred != nil {
		c = newCred
	}
	if !userns.NSCapable(c, c.UserNS(), uapi.CAP_SYS_ADMIN) {
		return nil, uapi.Err("unshare_nsproxy_namespaces", uapi.EPERM, "no CAP_SYS_ADMIN in the user namespace", "ns_capable")
	}
	return CreateNewNamespaces(ctx, flags, old, c.UserNS(), cur)
}
