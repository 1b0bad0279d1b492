// Package mntns models mount namespaces, mount trees and mount propagation
// (fs/namespace.c, fs/pnode.c, fs/proc_namespace.c, fs/mount.h,
// Documentation/filesystems/sharedsubtree.txt, Linux 4.19.13).
//
// Objects and who references whom:
//
//   - Namespace mirrors struct mnt_namespace: an atomic_t count (held by
//     every nsproxy pointing at it and every open nsfs file), the root mount,
//     the list of its mounts in mountinfo order, one reference on its owner
//     user namespace, its max_mnt_namespaces charge (to the owner and the
//     creator's euid), seq (from a per-Globals mnt_ns_seq that starts at 1,
//     so the first namespace gets 2), event (the global event number of its
//     last change) and mounts/pending_mounts, limited by fs.mount-max
//     (100000). put_mnt_ns at zero unmounts the whole tree and frees the
//     namespace (inode number, ucount charge, owner reference).
//   - Mount mirrors struct mount: mnt_id (mnt_id_ida: lowest free from 0),
//     parent and mountpoint dentry, root dentry, superblock, mnt_flags,
//     mnt_devname, mnt_ns (not counted), mnt_group_id (mnt_group_ida:
//     lowest free from 1; 0 = in no peer group), the peer ring, master and
//     slave list, and mnt_count: 1 for the tree (dropped when unmounted), 1
//     per mount attached on it, 1 per holder that took Get (a cwd, a root, an
//     open file). It is freed at 0, giving back its id and its superblock's
//     s_active.
//   - SuperBlock and Dentry are the minimal filesystem model: a type, s_dev
//     (fixed for boot disks, else an anonymous 0:N from unnamed_dev_ida,
//     lowest free from 1), s_flags, the ->show_options text, and a tree of
//     directories. A directory exists once Mkdir made it (or the boot tree
//     did); mounts of one superblock (bind mounts, copies in other
//     namespaces) share its directories.
//   - Globals is one Kernel's mount state: the initial namespace (built as
//     init_mount_tree does: rootfs as mount 0 on 0:1, MNT_LOCKED, in a
//     namespace charged to (init_user_ns, 0), count 2), then the boot tree of
//     Config; the id allocators, the mount hash, the event counter,
//     mnt_ns_seq and fs.mount-max. Nothing is package-level.
//
// Operations take ctx (current: its euid is charged for new namespaces and
// its trace cursor records the kernel functions) and, where the kernel
// checks permission, the caller's cred; n is always the caller's mount
// namespace (current->nsproxy->mnt_ns) and paths are absolute, resolved
// from n's root with mounts followed. may_mount is CAP_SYS_ADMIN in n's
// owner (EPERM). CopyMntNS (copy_mnt_ns), DoMount (do_mount) with MountFS,
// BindMount, MoveMount and SetPropagation, Umount (ksys_umount/do_umount),
// Mkdir; MountInfo/ShowMountinfo and Mounts/ShowMounts render
// /proc/<pid>/mountinfo and /proc/<pid>/mounts byte for byte as
// show_mountinfo and show_vfsmnt do. Globals.Check verifies the invariants
// below.
//
// Propagation follows fs/pnode.c: a mount attached under a shared mount is
// copied to every peer and, recursively, to every slave (propagate_mnt, with
// the kernel's walk order and its choice of master for each copy); a copy
// going where something is already mounted is tucked under it; a copy
// received across user namespaces is locked below its top; every receiving
// namespace is counted against fs.mount-max. A umount propagates to the
// copies on the same mountpoint that have no children of their own
// (propagate_umount), and clears MNT_LOCKED on them first.
//
// Locking: Globals' mutex stands for namespace_sem and mount_lock together;
// every tree, list, flag, id and propagation link is guarded by it. Counts
// (namespace count, mnt_count, s_active) are refcount words (plain under a
// Kernel's big kernel lock, atomic for a standalone Env); the expiry mark
// is atomic.
// References dropped by an unmount are put after the mutex is released, as
// namespace_unlock does. The id allocators, the ucount table and the leak
// registry are leaves taken under it. Lock order: the big kernel lock
// (every syscall) before the namespace lock.
//
// Not modelled: remount (MS_REMOUNT is EINVAL), symlinks, file modes, the
// caller's own root in umount (the remount-read-only special case), expiry
// lists and automounts, pivot_root, nsfs bind mounts (mnt_ns_loop), procfs
// visibility rules (mount_too_revealing), fsopen and the mainline rb-tree;
// both flavours behave as 4.19 (the mainline flavour only gives the initial
// namespace MNT_NS_INIT_INO). A lazily unmounted locked child is
// disconnected from its parent rather than left connected
// (disconnect_mount), which no mount table shows.
//
// Invariants: at most one mount is attached on a (mount, dentry) pair; each
// Namespace's MountCount equals the length of Mounts(); a live mount's
// mnt_count is 1 + its attached children + holders; members of a peer group
// share one non-zero group id; a mount is freed exactly when its count
// reaches 0. Objects made after boot are in the leak registry as
// "mnt_namespace", "mount" and "super_block".
package mntns
