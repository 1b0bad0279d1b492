// Package pidns models pid namespaces and pid numbering (kernel/pid.c,
// kernel/pid_namespace.c, include/linux/pid.h, include/linux/pid_namespace.h,
// Linux 4.19.13).
//
// Objects and who references whom:
//
//   - Namespace mirrors struct pid_namespace: a kref, an IDR mapping numbers to
//     pids with its cyclic cursor, pid_allocated (live pids OR-ed with
//     PIDNS_ADDING while the namespace accepts processes), child_reaper, level,
//     a reference on its parent and one on its owner user namespace, and the
//     max_pid_namespaces ucount charge. Its kref is held by every nsproxy whose
//     pid_ns_for_children it is, by every open nsfs file on it, by each child
//     pid namespace, and by every Pid allocated for it. init_pid_ns is static:
//     kref 2 that get_pid_ns/put_pid_ns never touch, level 0, inode
//     PROC_PID_INIT_INO, not in the leak registry.
//   - Pid mirrors struct pid: an atomic_t count, its level, and one UPID
//     {number, namespace} per level from init_pid_ns (index 0) down to the
//     namespace it was allocated for (index level). It holds one reference on
//     that innermost namespace, which keeps every ancestor alive through the
//     parent references. A process at level L therefore owns L+1 numbers, one
//     in each namespace on its path, each counted independently (the first
//     process of a new namespace is 1 there). Tasks are linked to their pid by
//     an opaque value (Attach / Task / FindTask) that the task package owns;
//     likewise child_reaper.
//
// Numbering (alloc_pid): at each level the IDR hands out the lowest free
// number at or after the cursor, below pid_max, and moves the cursor past it;
// when nothing is free up to pid_max-1 it starts again from the lower bound,
// which is 1 while the cursor has not passed RESERVED_PIDS and RESERVED_PIDS
// (300) after. A namespace with no free number fails the fork with EAGAIN.
// Numbers are reserved level by level (invisible placeholders) and published
// at every level at once under pidmap_lock, after checking that the
// namespace still has PIDNS_ADDING (ENOMEM otherwise). A failure gives back
// every reserved number and, if the namespace never had a pid, rewinds its
// cursor to 0 so the next attempt can still produce pid 1. ns_last_pid reads
// and writes the cursor minus one.
//
// Lifetime: free_pid (FreePid) runs when no task uses a pid any more: every
// level's pid_allocated drops by one and the number is freed; a namespace
// left with 2 or 1 pids after DisablePidAllocation wakes its reaper (the
// wake callback); a namespace whose count drops to exactly PIDNS_ADDING lost
// its first process to a failed fork and becomes unusable (pid_allocated 0).
// The pid itself goes at put_pid (4.19: freed when its count is 1 or drops to
// 0), which drops its namespace reference; put_pid_ns frees the namespace at
// zero and continues with its parent, stopping at init_pid_ns. Freeing a
// namespace gives back its inode number and ucount charge and puts its owner.
//
// Not modelled here: the procfs internal mount (pid_ns_prepare_proc is only a
// trace mark; proc_work is omitted), RCU delays (put_pid and free_pid_ns run
// synchronously), BSD accounting, reboot, hide_pid, the mainline set_tid
// array and per-namespace pid_max (6.14). Signals, reaping and
// zap_pid_ns_processes belong to the task package, which builds on
// DisablePidAllocation, PidAllocated, FindGePid and the wake callback.
//
// Known divergence: 4.19.0's alloc_pid error path removes the reserved numbers
// of every level from the innermost namespace's IDR (idr_remove(&ns->idr, ...)
// where later kernels use upid->ns->idr). The simulator gives each number back
// to its own namespace, as the reference (§4.8) describes.
//
// Locking: Globals' pidmap_lock guards every IDR, cursor, pid_allocated,
// child_reaper, task link and pid_max. It is an ns.KLock: in a Kernel (a
// serialised Env) every holder already holds the big kernel lock, which
// stands in for it, so it is not taken; a standalone Env takes it. The
// readers (PidAllocated, LastPid, FindPid, FindTask, AppendPids, PidMax,
// ...) are therefore for code in a syscall, a holder of Kernel.Lock, or a
// moment when no syscall is in flight. Taken, it is a leaf lock: under it only the
// refcount registry and warning log (themselves leaves) are taken; ucount
// charges, inode numbers, namespace puts and the wake callback run outside
// it. Counts (kref, atomic_t) are plain words under a serialised Env's
// refcount domain, read under the same rule, and atomics otherwise. Levels,
// parents, owners and a pid's numbers never change after creation and are
// read without locks.
//
// Invariants: Level() == Parent().Level()+1; a live namespace other than
// init_pid_ns has Count() >= 1; for every published pid p and every level i,
// p.Upid(i).NS.FindPid(p.Upid(i).Nr) == p; a namespace's pid_allocated
// without PIDNS_ADDING equals the number of published pids with a number in
// it.
package pidns
