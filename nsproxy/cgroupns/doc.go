// Package cgroupns models cgroup namespaces (kernel/cgroup/namespace.c,
// include/linux/cgroup.h: struct cgroup_namespace).
//
// A Namespace is a view of the cgroup hierarchies: its root is the css_set
// of the task that created it (root_cset), and a task of the namespace sees
// every cgroup path relative to that css_set's cgroup on the same hierarchy
// (cgroup.Globals.PathNS, /proc/<pid>/cgroup), with "/.." steps for cgroups
// outside it. On a cgroup2 mounted with nsdelegate the namespace root is
// also a delegation boundary (cgroup.Globals.CheckProcsNS, CheckFileWriteNS).
//
// References: the count (refcount_t) is held by every nsproxy pointing at
// the namespace and every open nsfs file on it (through ns.NSFSGet), and in
// mainline by every open cgroupfs file its opener was in. The namespace
// holds a reference on its owner user namespace, a UCOUNT_CGROUP_NAMESPACES
// charge of its creator (euid) in that user namespace, and a reference on
// root_cset. The last put frees it (free_cgroup_ns): put_css_set, the
// ucount, the owner, the inode number — in that order. init_cgroup_ns is
// static: count 2 at boot, owner init_user_ns and root init_css_set, neither
// of which it counts; it is never freed and not in the leak registry.
//
// Lock order: copy_cgroup_ns reads and pins current's css_set under
// css_set_lock only (it may not take cgroup_mutex); the ucount table's lock
// is taken before it and released after. Nothing here takes cgroup_mutex.
//
// Invariants: Count() >= 1 while reachable; RootCSet() is never nil and
// holds a css_set reference (except init_cgroup_ns's init_css_set); Owner()
// is never nil.
//
// Not modelled: kmalloc failure (ENOMEM), the namespace's own mounts of
// cgroupfs (a cgroup2 mounted inside a namespace has the namespace root as
// its root directory), mainline's ns_tree and its ns id.
package cgroupns
