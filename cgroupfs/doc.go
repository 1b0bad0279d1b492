// Package cgroupfs is the simulated cgroup filesystem (kernel/cgroup/cgroup.c's
// cftypes over kernfs), mounted at /sys/fs/cgroup by kernsim.Boot and reached
// through the task file API: Mkdir and Rmdir make and remove cgroups, ReadFile
// and WriteFile use the interface files.
//
// Layout: with only the v2 hierarchy, /sys/fs/cgroup is its root. With v1
// hierarchies (Config.Cgroup.V1), /sys/fs/cgroup holds one directory per v1
// hierarchy, named after its controllers ("memory", "pids"), plus "unified"
// for cgroup2, as a hybrid systemd machine mounts them.
//
// Files of a v2 cgroup: cgroup.controllers, cgroup.events (not on the root),
// cgroup.max.depth, cgroup.max.descendants, cgroup.procs, cgroup.stat,
// cgroup.subtree_control, cgroup.threads, cgroup.type (not on the root). A v1
// cgroup has cgroup.procs and tasks. Controller files (pids.max, ...) appear
// when a controller package supplies them.
//
// Permissions follow a root-owned tree of mode 0755 directories and 0644
// files: writing and mkdir/rmdir need fsuid 0 or CAP_DAC_OVERRIDE in the
// caller's user namespace with root mapped there (delegation by chown is not
// modelled). A write to v2 cgroup.procs or cgroup.threads checks that
// permission again (cgroup_procs_write_permission): with the writer's
// credentials in 4.19, with the opener's (f_cred) in mainline. Numbers in
// cgroup.procs, cgroup.threads and tasks are the reader's (its active pid
// namespace; 0 for tasks it cannot see), and numbers written are looked up
// in the writer's.
package cgroupfs
