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
// cgroup has cgroup.procs and tasks.
//
// Controller files: pids.current, pids.events and pids.max where the pids
// css is visible (not on a root); mainline adds pids.peak, and on v2
// pids.events.local.
//
// Owners and modes (kernfs_attr.go): every node has an owner, a group and a
// mode, as kernfs keeps them. A hierarchy's root directory is root's 0555, a
// new cgroup directory gets mkdir's mode (& 01777; no umask), interface files
// 0644 or 0444 by whether they can be written (cgroup_file_mode), and
// cgroup_kn_set_ugid gives the directory and the files it populates to the
// creating task's fsuid and fsgid (for controller files enabled later, to the
// task that wrote cgroup.subtree_control). chown(2) (task.Chown) changes
// owners; stat(2) (task.Stat) shows them. Every check is generic_permission
// on those attributes: mkdir and rmdir need write and search permission on
// the parent (may_create, may_delete with the sticky-bit rule), open the
// read/write permission of its access mode (kernfs adds none: root may open a
// 0444 file for writing, and the write is EINVAL). So a user owning a
// directory and its cgroup.procs, cgroup.threads and cgroup.subtree_control
// (the v2 delegation model) makes and removes cgroups below it, owns them, and
// moves processes between them.
//
// Migration: a write to v2 cgroup.procs or cgroup.threads also needs write
// permission on the common ancestor's cgroup.procs (EACCES), and with
// nsdelegate both ends inside the writer's cgroup-namespace root (ENOENT):
// cgroup_procs_write_permission. On v1 the writer's euid must be root's or
// the target's uid or suid (__cgroup1_procs_write, EACCES). Under nsdelegate
// a writer in a non-init cgroup namespace may not write the non-delegatable
// files of its namespace root (cgroup_file_write, EPERM). All of these use
// the writer's credentials and cgroup namespace in 4.19, the opener's
// (f_cred, and the namespace cgroup_file_open pinned) in mainline. The
// cgroup namespace is Task.CgroupNS.
//
// Numbers in cgroup.procs, cgroup.threads and tasks are the reader's (its
// active pid namespace; 0 for tasks it cannot see), and numbers written are
// looked up in the writer's.
//
// Not modelled: search permission on the directories of a path walk, the
// umask, chmod(2), supplementary groups (in_group_p is the fsgid), ACLs.
package cgroupfs
