package ipcns

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Namespace mirrors struct ipc_namespace (include/linux/ipc_namespace.h,
// 4.19): refcount_t count, the three id registries, the System V limits
// (sem_ctls, msg_ctl*, shm_ctl*, shm_rmid_forced) with the usage they bound
// (used_sems, shm_tot), the owner user namespace, the ucounts charge and
// ns_common. The mqueue fields are not modelled.
type Namespace struct {
	ns.Common
	count refcount.Refcount
	ids   [nKinds]ipcIDs

	// The limits are read without a lock by the get paths and written by
	// the sysctl handlers, as in the kernel; atomics keep that race-free.
	semCtls       [4]atomic.Int32 // semmsl, semmns, semopm, semmni
	msgCtlmax     atomic.Int32
	msgCtlmnb     atomic.Int32
	msgCtlmni     atomic.Int32
	shmCtlmax     atomic.Uint64
	shmCtlall     atomic.Uint64
	shmCtlmni     atomic.Int32
	shmRmidForced atomic.Int32

	usedSems int32  // guarded by ids[SEM].rwsem
	shmTot   uint64 // pages; guarded by ids[SHM].rwsem

	userNS  *userns.Namespace // holds a reference
	ucounts *userns.Ucounts
	g       *Globals
	node    refcount.Node
}

// Globals is one Kernel's IPC state: init_ipc_ns and mq_lock, which
// put_ipc_ns takes for the final drop.
type Globals struct {
	Init   *Namespace // &init_ipc_ns
	env    *ns.Env
	ug     *userns.Globals
	mqLock sync.Mutex // mq_lock
}

// NewGlobals builds init_ipc_ns (ipc/msgutil.c): count 1, inode
// PROC_IPC_INIT_INO, owner init_user_ns (which init_ipc_ns, being static,
// does not count), registries initialised by sem_init, msg_init and
// ipc_ns_init (shm_init_ns) with the default limits. It is not tracked by
// the leak registry and never freed.
func NewGlobals(env *ns.Env, ug *userns.Globals) *Globals {
	g := &Globals{env: env, ug: ug}
	n := &Namespace{userNS: ug.Init, g: g}
	n.InitCommon(ns.IPC, ns.PROC_IPC_INIT_INO)
	n.count.Init(env.Refs, n, 1)
	n.initRegistries()
	g.Init = n
	return g
}

// initRegistries runs sem_init_ns, msg_init_ns and shm_init_ns in
// create_ipc_ns's order.
func (n *Namespace) initRegistries() {
	n.semInitNS()
	n.msgInitNS()
	n.shmInitNS()
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_ipc_ns (include/linux/ipc_namespace.h): refcount_inc.
func (n *Namespace) Get() { n.count.Inc() }

// Put mirrors put_ipc_ns (ipc/namespace.c): refcount_dec_and_lock on
// mq_lock; at zero mq_clear_sbinfo, unlock, mq_put_mnt (no mqueue
// filesystem here), then free_ipc_ns.
func (n *Namespace) Put(ctx *ns.Ctx) {
	ctx.Mark("put_ipc_ns")
	g := n.g
	if !n.count.DecAndLock(&g.mqLock) {
		return
	}
	g.mqLock.Unlock()
	n.free(ctx)
}

// free mirrors free_ipc_ns (ipc/namespace.c): destroy every remaining
// semaphore set, message queue and segment (sem_exit_ns, msg_exit_ns,
// shm_exit_ns), give back the ucount, put the owner, free the inode number.
func (n *Namespace) free(ctx *ns.Ctx) {
	ctx.Enter("free_ipc_ns")
	defer ctx.Exit("free_ipc_ns")
	if n == n.g.Init {
		ctx.Env.Refs.Warn(n.Link(), "free_ipc_ns: init_ipc_ns released")
		return
	}
	n.semExitNS(ctx)
	n.msgExitNS(ctx)
	n.shmExitNS(ctx)
	n.g.ug.Dec(n.ucounts, userns.UCOUNT_IPC_NAMESPACES)
	n.userNS.Put(ctx)
	ctx.Env.Inums.Free(n.Inum())
	ctx.Env.Refs.Untrack(&n.node)
}

// Count reads the refcount.
func (n *Namespace) Count() int64 { return int64(n.count.Read()) }

// Owner implements proc_ns_operations.owner (ipcns_owner).
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// UserNS returns the owning user namespace without taking a reference.
func (n *Namespace) UserNS() *userns.Namespace { return n.userNS }

// Globals returns the Kernel's IPC state the namespace belongs to.
func (n *Namespace) Globals() *Globals { return n.g }

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string { return "ipc_namespace" }
func (n *Namespace) RefID() string   { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64 { return n.Count() }

// mainline reports whether the Kernel follows mainline rather than 4.19.13.
func (n *Namespace) mainline() bool { return n.g.env.Mainline() }

// CopyIPCs mirrors copy_ipcs (ipc/namespace.c): without CLONE_NEWIPC it
// returns old with a new reference; with it, a new empty namespace owned by
// userNS (create_ipc_ns).
func CopyIPCs(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, old *Namespace) (*Namespace, error) {
	ctx.Enter("copy_ipcs")
	defer ctx.Exit("copy_ipcs")
	if flags&uapi.CLONE_NEWIPC == 0 {
		old.Get()
		return old, nil
	}
	return createIPCNS(ctx, userNS, old)
}

// createIPCNS mirrors create_ipc_ns: charge max_ipc_namespaces to (userNS,
// euid) (ENOSPC), allocate, take an inode number, count 1, take a reference
// on the owner, then empty registries with the default limits. Nothing is
// copied from old: a new ipc namespace starts empty.
func createIPCNS(ctx *ns.Ctx, userNS *userns.Namespace, old *Namespace) (*Namespace, error) {
	ctx.Enter("create_ipc_ns")
	defer ctx.Exit("create_ipc_ns")
	g := old.g
	uc := g.ug.Inc(userNS, ctx.EUID, userns.UCOUNT_IPC_NAMESPACES)
	if uc == nil {
		return nil, uapi.Err("copy_ipcs", uapi.ENOSPC, "max_ipc_namespaces reached", "inc_ipc_namespaces")
	}
	n := &Namespace{g: g, ucounts: uc} // kmalloc
	n.InitCommon(ns.IPC, ctx.Env.Inums.Alloc())
	n.count.Init(ctx.Env.Refs, n, 1)
	userNS.Get()
	n.userNS = userNS
	n.initRegistries() // after mq_init_ns, which is not modelled
	ctx.Env.Refs.Track(&n.node, n)
	return n, nil
}

// Install mirrors the check half of ipcns_install (ipc/namespace.c): the
// caller needs CAP_SYS_ADMIN in the target's owner and in its own user
// namespace, else EPERM. On success the caller (nsproxy) does what the
// kernel does next: exit_sem(current) — a no-op here, semaphore undo lists
// are not modelled — then puts the old ipc namespace and stores
// target with a new reference.
func Install(ctx *ns.Ctx, cred *userns.Cred, target *Namespace) error {
	ctx.Enter("ipcns_install")
	defer ctx.Exit("ipcns_install")
	if err := userns.InstallPermission(cred, target.userNS, "ipcns_install"); err != nil {
		return err
	}
	return nil
}

// Shutdown destroys every object left in init_ipc_ns (the exit_ns
// functions run for the initial namespace, as nothing does in the kernel
// before the machine stops), so that a powered-off Kernel's leak registry
// holds nothing the running system created.
func (g *Globals) Shutdown(ctx *ns.Ctx) {
	g.Init.semExitNS(ctx)
	g.Init.msgExitNS(ctx)
	g.Init.shmExitNS(ctx)
}
