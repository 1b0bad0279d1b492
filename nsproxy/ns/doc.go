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
//   - Env is one Kernel's shared machinery (the refcount domain with its warning log
//     and leak registry, the tracer, the inode allocator, the flavour), and Ctx is
//     "current" as lower layers see it: the Env plus the calling task's trace cursor.
//
// References: a Namespace's count is held by every nsproxy that points at it, by
// every open nsfs file, and by the namespaces it owns (for user namespaces). Get
// never fails on a live namespace; Put frees at zero, giving back the inode number.
//
// Locking: InumAlloc has its own leaf mutex. Nothing here takes another lock.
package ns
