// Package ns holds what every namespace type shares (include/linux/ns_common.h,
// include/linux/proc_ns.h, fs/nsfs.c, fs/proc/generic.c).
//
// Objects:
//
//   - Common mirrors struct ns_common: the namespace's Type (its proc_ns_operations
//     identity: name and CLONE_NEW* bit) and its inode number. In 4.19 ns_common has
//     no count; each type keeps its own counter (kref, atomic_t or refcount_t), and
//     the Namespace interface reads it.
//   - Namespace is the part of proc_ns_operations that works on a namespace value:
//     Get and Put its reference, its owner user namespace. The install step lives
//     with nsproxy, which owns the nsproxy being installed into.
//   - InumAlloc mirrors proc_alloc_inum/proc_free_inum: an IDA that hands out the
//     lowest free number from PROC_DYNAMIC_FIRST (0xF0000000), shared by every
//     namespace type (and, later, procfs entries), so numbers are reused after a
//     namespace is freed. Initial namespaces use the fixed PROC_*_INIT_INO numbers.
//   - Env is one Kernel's shared machinery: the big kernel lock (BKL), the refcount
//     domain with its warning log and leak registry, the tracer, the inode allocator,
//     the flavour, the object caches and the nsproxy sequence (NextNSProxyID).
//     Serialise (task.NewKernel calls it before anything is shared) sets Serial:
//     every call into the Env then holds BKL, the refcount domain is a serial one
//     (plain counters, a lock-free registry) and KLocks are not taken.
//   - Ctx is "current" as lower layers see it: the Env, the calling task's euid and,
//     embedded, its trace.Cursor bound to the Env's tracer, so ctx.Enter, ctx.Exit and
//     ctx.Mark are inlinable fast paths and ctx.PID is the cursor's pid. Build one with
//     NewCtx(env, euid) or Init; a Ctx whose cursor is unbound panics at its first
//     Enter.
//   - KLock and KRWLock are the kernel's own locks as the simulator keeps them
//     (ucounts_lock, pidmap_lock, tasklist_lock, css_set_lock,
//     cgroup_threadgroup_rwsem): not taken under a serialised Env, where BKL
//     already excludes every other holder; taken for a standalone Env (a
//     package's tests driving the code from many goroutines).
//   - KmemCache mirrors a kmem_cache: a bounded (KmemCacheSize) LIFO free list that
//     the nsproxy and uts caches (Env.Caches) use, guarded by BKL in a serialised Env
//     and by its KLock otherwise.
//
// References: a Namespace's count is held by every nsproxy that points at it, by
// every open nsfs file, and by the namespaces it owns (for user namespaces). Get
// never fails on a live namespace; Put frees at zero, giving back the inode number.
//
// Locking: Env.BKL is outermost; the kernel locks that are still taken nest inside
// it. InumAlloc's leaf mutex and the KmemCaches' KLocks are taken only for a
// standalone Env; under a serialised one their callers hold BKL. Nothing here takes
// another lock.
package ns
