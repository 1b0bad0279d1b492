// Package nsproxy models struct nsproxy and the flows that build, share and
// replace it (kernel/nsproxy.c, include/linux/nsproxy.h).
//
// An NSProxy is the bundle of namespace pointers a task uses: uts, ipc, mnt,
// pid_for_children, net and cgroup. The user namespace is not in it; it lives in
// the task's cred. Its count (atomic_t in 4.19) is the number of tasks pointing at
// it, not the number of namespaces. Each namespace pointer in an NSProxy owns
// exactly one reference on that namespace, so a namespace's count counts the
// nsproxies (and open nsfs files, and owned namespaces) that hold it.
//
// An NSProxy is never modified once a task points at it: clone with a CLONE_NEW*
// flag, unshare and setns each build a new one with CreateNewNamespaces, and the
// task swaps it in with switch_task_namespaces (package task). The one exception
// is install into an nsproxy that is still private to setns.
//
// Flows (4.19.13):
//
//	clone:   copy_namespaces → get_nsproxy (no CLONE_NEW* flag) or
//	         ns_capable(CAP_SYS_ADMIN) → create_new_namespaces → copy_mnt_ns,
//	         copy_utsname, copy_ipcs, copy_pid_ns, copy_cgroup_ns, copy_net_ns
//	unshare: unshare_nsproxy_namespaces → ns_capable → create_new_namespaces
//	setns:   create_new_namespaces(0) → ops->install (utsns_install, ...)
//	exit:    switch_task_namespaces(tsk, NULL) → put_nsproxy → free_nsproxy
//
// Every failure unwinds exactly what it took, in reverse order.
//
// init_nsproxy is static: its count starts at 2 (the idle task, pid 0, and init,
// pid 1) and it is never freed or tracked by the leak registry.
//
// Locking: in a Kernel every caller is in a syscall and holds the big kernel lock
// (ns.Env.BKL), so an NSProxy's count (atomic_t) is a plain word of the serialised
// refcount domain, read by code in a syscall, a holder of Kernel.Lock, or at a moment
// when no syscall is in flight; nsproxy ids come from Env.NextNSProxyID and freed
// nsproxies go to the Env's KmemCache, both under that lock (atomic, and the cache's
// KLock, in a standalone Env). A task's nsproxy pointer is swapped under the big
// kernel lock alone (package task's switch_task_namespaces takes no task_lock);
// beyond the cache, nothing here takes locks other than the namespaces'.
package nsproxy
