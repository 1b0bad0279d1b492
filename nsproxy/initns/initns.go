package initns

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Namespace is the initial namespace of a type the simulator does not model yet.
type Namespace struct {
	ns.Common
	atomic   refcount.Atomic   // mnt_namespace.count
	rc       refcount.Refcount // ipc_namespace, net, cgroup_namespace count
	counter  counterKind
	userNS   *userns.Namespace
	copyName string // copy_mnt_ns, copy_ipcs, ...
	config   string // the kernel option whose absence the EINVAL stands for
}

type counterKind uint8

const (
	atomicT counterKind = iota
	refcountT
)

// Globals holds one Kernel's initial net namespace.
type Globals struct {
	NET *Namespace
}

// NewGlobals builds the initial namespaces. bootProcInums is how many dynamic
// proc inode numbers procfs takes between the mount namespace and init_net in
// 4.19: call it right after the initial mount namespace took the first
// dynamic number (mntns.NewGlobals).
func NewGlobals(env *ns.Env, ug *userns.Globals, bootProcInums int) *Globals {
	g := &Globals{}
	mk := func(t ns.Type, inum uint32, kind counterKind, count uint32, copyName, config string) *Namespace {
		n := &Namespace{counter: kind, userNS: ug.Init, copyName: copyName, config: config}
		n.InitCommon(t, inum)
		switch kind {
		case atomicT:
			n.atomic.Set(int32(count))
		case refcountT:
			n.rc.Init(env.Refs, n, count)
		}
		return n
	}
	var netInum uint32
	if env.Mainline() {
		netInum = 0xEFFFFFF9
	} else {
		for i := 0; i < bootProcInums; i++ {
			env.Inums.Alloc() // procfs entries registered before init_net
		}
		netInum = env.Inums.Alloc()
	}
	g.NET = mk(ns.NET, netInum, refcountT, 1, "copy_net_ns", "CONFIG_NET_NS=n")
	return g
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get takes a reference: get_mnt_ns, get_ipc_ns, get_pid_ns (a no-op for
// init_pid_ns), get_net, get_cgroup_ns.
func (n *Namespace) Get() {
	switch n.counter {
	case atomicT:
		n.atomic.Inc()
	case refcountT:
		n.rc.Inc()
	}
}

// Put drops a reference: put_mnt_ns, put_ipc_ns, put_pid_ns, put_net,
// put_cgroup_ns. An initial namespace never reaches zero while its static
// holders exist; if it does the kernel would free static memory, so the
// simulator warns instead.
func (n *Namespace) Put(ctx *ns.Ctx) {
	switch n.Type() { // put_mnt_ns and put_ipc_ns are functions; put_net and put_cgroup_ns inline
	case ns.MNT:
		ctx.Mark("put_mnt_ns")
	case ns.IPC:
		ctx.Mark("put_ipc_ns")
	}
	var zero bool
	switch n.counter {
	case atomicT:
		zero = n.atomic.DecAndTest()
	case refcountT:
		zero = n.rc.DecAndTest()
	}
	if zero {
		ctx.Env.Refs.Warn(n.Link(), "initial "+n.Type().Name()+" namespace count hit 0")
	}
}

// Count reads the namespace's counter.
func (n *Namespace) Count() int64 {
	switch n.counter {
	case refcountT:
		return int64(n.rc.Read())
	}
	return int64(n.atomic.Read())
}

// Owner implements proc_ns_operations.owner: init_user_ns.
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// Copy mirrors the type's copy function in create_new_namespaces (copy_mnt_ns,
// copy_ipcs, copy_pid_ns, copy_cgroup_ns, copy_net_ns): without the type's
// CLONE_NEW* flag it returns old with a new reference; with it, EINVAL.
func (n *Namespace) Copy(ctx *ns.Ctx, flags uapi.CloneFlags) (*Namespace, error) {
	ctx.Enter(n.copyName)
	defer ctx.Exit(n.copyName)
	if flags&n.Type().Flag() != 0 {
		return nil, uapi.Err(n.copyName, uapi.EINVAL, "new "+n.Type().Name()+" namespace requested: "+n.config, n.copyName)
	}
	n.Get()
	return n, nil
}

// RefKind, RefID and RefCount describe the namespace for listings.
func (n *Namespace) RefKind() string { return n.Type().Name() + "_namespace" }
func (n *Namespace) RefID() string   { return n.Link() }
func (n *Namespace) RefCount() int64 { return n.Count() }
