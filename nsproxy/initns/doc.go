// Package initns holds the namespace types the simulator does not model yet —
// mount, IPC, network and cgroup — as their initial instances only, so that
// every nsproxy has all of its slots, every flow walks the kernel's full path
// (copy_mnt_ns, copy_ipcs, copy_cgroup_ns, copy_net_ns in
// create_new_namespaces; the puts in free_nsproxy), and counts move as in 4.19.
//
// Each Namespace keeps the counter discipline of its kernel type: mnt_namespace
// an atomic_t; ipc_namespace, net and cgroup_namespace a refcount_t. Boot
// counts: mnt 2 (init_mount_tree: one for the creator, one for init_nsproxy),
// ipc 1, net 1, cgroup 2.
//
// Asking for a new one (CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET,
// CLONE_NEWCGROUP) fails with EINVAL, which is what a kernel built without that
// namespace (CONFIG_IPC_NS=n, CONFIG_NET_NS=n, ...) answers from the same copy
// function. The issues that model each type replace its instance here with a
// package of its own (mntns, ipcns, netns, cgroupns), as nsproxy/pidns did.
//
// Inode numbers: ipc and cgroup use their fixed PROC_*_INIT_INO values; in
// 4.19 the initial mount namespace takes the first dynamic number (4026531840)
// and init_net takes the one after procfs's boot-time entries (config dependent:
// published 4.19 listings show 4026531956 to 4026531993; Config picks it).
// Mainline (≈6.18) fixes net at 4026531833 and mnt at 4026531832.
//
// None of these objects is ever freed, so none is in the leak registry.
package initns
