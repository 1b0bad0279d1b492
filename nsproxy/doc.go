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
// Lock order: callers hold the task's task_lock only to swap the pointer; nothing
// here takes locks beyond those of the namespaces (uts_sem, ucounts).
package nsproxy
