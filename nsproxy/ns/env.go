package ns

import (
	"sync"
	"sync/atomic"

	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
)

// Env is one Kernel's shared machinery, the part of the kernel's globals that
// every namespace type uses. A Kernel owns exactly one Env; nothing here is a
// package-level variable, so Kernels are independent.
type Env struct {
	// BKL is the Kernel's big lock: every syscall, every file operation
	// and every Kernel-level inspection that reads counters runs holding
	// it, so counters of a serialised Refs domain are plain words (see
	// docs/architecture.md, "The big kernel lock"). The kernel's own
	// locks that are still taken nest inside it.
	BKL sync.Mutex
	// Serial: every call into this Env holds BKL (a Kernel's Env, see
	// Serialise); KLocks are then not taken and counters are plain.
	Serial  bool
	Refs    *refcount.Domain // counters' flavour, warning log, leak registry
	Trace   *trace.Tracer    // function_graph tracer
	Inums   InumAlloc        // proc_inum_ida
	Flavour refcount.Flavour // Linux 4.19.13 or mainline behaviour
	// TimeNSStrict selects mainline 5.6–6.0's time-namespace rule for
	// CLONE_VM and CLONE_THREAD (EINVAL while time_ns and
	// time_ns_for_children differ; execve does not switch) instead of
	// ≈6.1's (such a child keeps the parent's time namespace and execve
	// enters time_ns_for_children). Reference §17.
	TimeNSStrict bool

	// nsproxySeq numbers nsproxies as they are created (listing identity
	// only); see NextNSProxyID.
	nsproxySeq uint64

	// Caches mirror the kmem_caches the namespace objects come from.
	Caches KmemCaches
}

// KmemCaches holds one Kernel's object caches: a freed object goes back to its
// cache and the next allocation of that type reuses it, as with the kernel's
// slab caches (nsproxy_cachep; uts namespaces come from kmalloc-512 in 4.19,
// uts_ns_cache later). They keep the hot paths from allocating; beyond
// KmemCacheSize idle objects a freed one is left to the garbage collector,
// as a slab cache gives idle slabs back.
type KmemCaches struct {
	NSProxy KmemCache
	UTS     KmemCache
}

// NextNSProxyID returns the next nsproxy number (1, 2, ...): a plain
// increment under a serialised Env's big kernel lock, atomic otherwise.
func (e *Env) NextNSProxyID() uint64 {
	if e.Serial {
		e.nsproxySeq++
		return e.nsproxySeq
	}
	return atomic.AddUint64(&e.nsproxySeq, 1)
}

// Serialise declares that every call into e holds e.BKL: it gives e a
// serialised refcount Domain of flavour f (plain counters, lock-free
// registry) and turns its KLocks off. It must run before e is shared.
func (e *Env) Serialise(f refcount.Flavour) {
	e.Serial = true
	e.Refs = refcount.NewSerialDomain(f)
	e.Inums.serial = true
}

// Mainline reports whether the Kernel follows mainline rather than 4.19.13.
func (e *Env) Mainline() bool { return e.Flavour == refcount.Mainline }

// TimeNSExecSwitch reports whether time namespaces follow ≈6.1's rule
// (CLONE_VM children stay, execve switches) rather than 5.6's.
func (e *Env) TimeNSExecSwitch() bool { return e.Mainline() && !e.TimeNSStrict }

// Ctx is "current" as the namespace code sees it: the Kernel's Env, the
// calling task's trace cursor (bound to the Env's tracer, so ctx.Enter,
// ctx.Exit and ctx.Mark record kernel functions and cost nearly nothing
// while tracing is off) and its euid. Each task embeds one Ctx; only that
// task's own syscalls use it, so it needs no lock. Build one with NewCtx or
// Init: a Ctx whose cursor is not bound panics at its first Enter.
type Ctx struct {
	Env *Env
	trace.Cursor
	EUID uint32 // current_euid(): kept equal to the task's cred euid by commit_creds
}

// NewCtx returns a Ctx for env running as euid.
func NewCtx(env *Env, euid uint32) *Ctx {
	c := new(Ctx)
	c.Init(env, euid)
	return c
}

// Init makes c a fresh Ctx for env running as euid (call depth 0).
func (c *Ctx) Init(env *Env, euid uint32) {
	*c = Ctx{Env: env, EUID: euid}
	c.Bind(env.Trace)
}
