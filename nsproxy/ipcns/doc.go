// Package ipcns models IPC namespaces and their System V IPC id registries
// (ipc/namespace.c, ipc/util.c, ipc/shm.c, ipc/msg.c, ipc/sem.c,
// ipc/ipc_sysctl.c, Linux 4.19.13, read from a 4.19.40 stable tree on the
// assumption that the functions modelled here did not change in between;
// the sysctl number parsing is package sysctl's, checked against 4.19.0's
// kernel/sysctl.c, whose minmax conversion still cuts values to an int; the
// mainline flavour follows 6.18, checked on the machine by the
// differential tests).
//
// Objects and who references whom:
//
//   - Namespace mirrors struct ipc_namespace: a refcount_t count held by
//     every nsproxy that points at it and every open nsfs file (and, in the
//     kernel, every open /proc/sysvipc file, which the caller models with
//     Get/Put); three registries (ipc_ids: sem, msg, shm); the limits
//     (sem_ctls "32000 1024000000 500 32000", msgmax 8192, msgmnb 16384,
//     msgmni 32000, shmmax = shmall = ULONG_MAX - 2^24, shmmni 4096,
//     shm_rmid_forced 0) and the usage they bound (used_sems, shm_tot); one
//     reference on its owner user namespace; its max_ipc_namespaces charge to
//     (owner, creator's euid). CopyIPCs/create_ipc_ns charges the ucount
//     first (ENOSPC), then allocates, takes an inode number, sets the count
//     to 1 and takes the owner reference; the new namespace starts empty,
//     with the default limits. The last Put (put_ipc_ns, under mq_lock)
//     frees it (free_ipc_ns): every remaining semaphore set, queue and
//     segment is destroyed as free_ipcs does (sem, msg, shm, each in index
//     order), then the ucount, the owner reference and the inode number are
//     given back. init_ipc_ns (Globals.Init) is static: count 1, inode
//     PROC_IPC_INIT_INO, owner init_user_ns (not counted), not tracked by the
//     leak registry, never freed.
//   - Each System V object (shmid_kernel, msg_queue, sem_array, headed by a
//     kern_ipc_perm) is tracked by the leak registry from its allocation to
//     its destruction; its refcount is the registry's single reference
//     (ipc_rcu_getref users such as semtimedop are not modelled).
//
// Ids (ipc_addid/ipc_idr_alloc): an object's id is seq * 32768 + index. In
// 4.19 the index is the lowest free one and seq is the registry's counter,
// bumped by every creation (an unsigned short, so it wraps after 65535): a
// fresh namespace hands out 0, 32769, 65538, ... and after IPC_RMID of id 0
// the next object gets index 0 with the next seq. Mainline (5.1, "ipc: do
// cyclic id allocation") takes the index cyclically (idr_alloc_cyclic over
// [0, max(in_use*3/2, 64))) and bumps seq only when the index is not above
// the previous one: 0, 1, 2, ... — what this 6.18 machine prints. The
// ipcmni_extend boot option and checkpoint/restore's *_next_id are not
// modelled.
//
// Gets (Shmget, Msgget, Semget) follow ipcget: IPC_PRIVATE always creates
// (ipcget_new); another key is looked up (ipcget_public): missing without
// IPC_CREAT → ENOENT, missing with it → create, present with
// IPC_CREAT|IPC_EXCL → EEXIST, else more_checks (shm: existing segment
// smaller than size → EINVAL; sem: fewer semaphores than nsems → EINVAL),
// then ipcperms (→ EACCES) and the id. ipcperms compares the requested rwx
// bits of the flag with the owner bits when the caller's euid is the
// object's owner or creator, the group bits when its fsgid is the object's
// group or creator group, the other bits otherwise; CAP_IPC_OWNER in the
// namespace's owner overrides. Semget checks nsems against [0, semmsl]
// first (EINVAL). Creation checks: shm size outside [SHMMIN, shmmax] →
// EINVAL, a page count that overflows or shm_tot past shmall → ENOSPC; sem
// nsems 0 → EINVAL, used_sems past semmns → ENOSPC; every kind: in_use at
// shmmni/msgmni/semmni (capped at IPCMNI) → ENOSPC. Owner and creator ids are
// the caller's euid and egid, the mode the flag's low nine bits. A failed
// call changes nothing (4.19 takes the sequence number only once the limit
// check passed).
//
// Rmid is IPC_RMID: EINVAL for a negative id, an empty index or a stale
// sequence number; EPERM unless the caller's euid is the owner's or
// creator's or it has CAP_SYS_ADMIN in the namespace's owner.
//
// Text: Sysvipc renders /proc/sysvipc/{shm,msg,sem} byte for byte as the
// kernel's show functions, ids translated into the reader's user namespace;
// SysctlRead/SysctlWrite implement /proc/sys/kernel/{shmmax, shmall, shmmni,
// shm_rmid_forced, msgmax, msgmni, auto_msgmni, msgmnb, sem} of a namespace
// with the handlers' parsing and errors (4.19: shmmni and sem are plain
// proc_dointvec, msgmni is bounded by INT_MAX, a negative shmmax/shmall is
// silently skipped, a minmax value is cut to an int; mainline bounds shmmni and
// msgmni by 32768, checks semmni (ERANGE) and refuses negative and
// overflowing numbers). As in the kernel a vector write stores values one
// by one, so a write that fails part way keeps the values before the bad
// one. SysctlPermission is the open-time check. Install is the check half
// of ipcns_install (EPERM); the caller swaps the nsproxy slot.
//
// Not modelled: attaching segments (shmat/shmdt: shm_nattch stays 0, so
// IPC_RMID always destroys and the SHM_DEST marking path is reached only by
// the package's own white-box tests), messages and msgsnd/msgrcv, semop and
// semaphore undo lists (so exit_sem, which 4.19's ipcns_install and
// unshare run, is a no-op), IPC_SET/IPC_STAT/IPC_INFO, exit_shm and the
// shm_creator link (so shm_destroy_orphaned, run when shm_rmid_forced is
// set, finds no orphan), POSIX message queues (mq_* fields, mqueuefs),
// times (0) and the creator/last pids in /proc/sysvipc (0), the LSM hooks
// (they allow everything), supplementary groups in ipcperms.
//
// Lock order: the big kernel lock (every syscall) before a registry's rwsem (one
// mutex per registry, standing for ids->rwsem and the objects' spinlocks)
// before the refcount domain's leaf locks. Globals.mqLock is taken only by
// the final put. The limits are atomics, read without a lock as in the
// kernel.
//
// Invariants: a registry's in_use equals its number of objects and its key
// table holds exactly its non-private objects; used_sems and shm_tot are the
// sums over live sets and segments; Count() >= 1 while reachable.
package ipcns
