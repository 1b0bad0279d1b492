// Package userns models user namespaces, credentials and capabilities
// (kernel/user_namespace.c, kernel/cred.c, kernel/capability.c,
// security/commoncap.c, kernel/ucount.c).
//
// Objects and who references whom:
//
//   - Namespace mirrors struct user_namespace. Its count (atomic_t in 4.19) is
//     held by every Cred whose UserNS it is, by every child user namespace (the
//     parent reference the creator's cred handed over), by every namespace of
//     another type that it owns, and by every open nsfs file on it. init_user_ns
//     is static: it starts at 3 and is never freed or tracked by the leak registry.
//   - Cred mirrors struct cred: kernel uids/gids, the five capability sets, and
//     one reference on its user namespace. A task holds one reference on its Cred.
//     Creds are immutable once published (commit_creds swaps the pointer).
//   - Ucounts mirrors struct ucounts: per (user namespace, uid) counters of the
//     namespaces charged to that user, checked against every ancestor's limits.
//
// Capabilities follow cap_capable literally: a capability holds in the caller's
// own user namespace if it is in the effective set; in a descendant namespace if
// the caller's namespace is an ancestor and either the caller owns the namespace
// just below it on the path or it holds the capability in its own namespace; never
// in an ancestor or a sibling.
//
// Lock order: the ucounts lock (ucounts_lock) is a leaf ns.KLock, not taken
// in a Kernel, whose big kernel lock guards the ucounts hash. Id maps are written once
// (map_write) under Globals.stateMu (userns_state_mutex) and read without locks
// after publication.
//
// Invariants: Level() == Parent().Level()+1; a namespace's owner and group have
// mappings in its parent; a live namespace has Count() >= 1.
package userns
