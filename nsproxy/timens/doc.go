// Package timens models time namespaces, which exist only in the mainline
// flavour (Linux 5.6+, here as in 6.18): kernel/time/namespace.c,
// include/linux/time_namespace.h, the timens_offsets file of fs/proc/base.c and
// the clock_gettime paths that add a namespace's offsets (kernel/time/posix-timers.c,
// kernel/time/alarmtimer.c).
//
// # Kernel objects
//
//   - Namespace mirrors struct time_namespace: ns_common (type TIME, inode
//     number, and the 6.x count that lives in ns_common, a refcount_t), the
//     owning user namespace, the ucounts charge (UCOUNT_TIME_NAMESPACES), the
//     offsets {monotonic, boottime} as timespec64 values, and frozen_offsets.
//   - Globals is one Kernel's time state: init_time_ns (count 3, inode
//     PROC_TIME_INIT_INO, frozen, zero offsets, static), offset_lock, and the
//     simulated timekeeper Clock.
//   - Slots is the pair of pointers struct nsproxy holds since 5.6: time_ns
//     (the namespace the task's clocks read) and time_ns_for_children (the one
//     its next children enter, and the one /proc/<pid>/timens_offsets shows).
//   - Clock mirrors the parts of the timekeeper (kernel/time/timekeeping.c)
//     that clock_gettime reads: CLOCK_MONOTONIC, the time spent suspended
//     (offs_boot, so CLOCK_BOOTTIME = monotonic + sleep) and the wall-clock
//     offset. It starts at fixed boot values and moves only through Advance
//     and Sleep: the simulator never reads the host's clock.
//
// # References
//
// A Namespace's count is held by every nsproxy slot that points at it (each of
// the two Slots fields holds its own), by every open nsfs file, and
// transiently by readers of /proc. Every non-initial namespace holds one
// reference on its owner user namespace. The last Put frees it
// (free_time_ns): the ucount charge is given back, the owner is put, the inode
// number is freed. init_time_ns is static: never freed, not in the leak
// registry; its static count of 3 (REFCOUNT_INIT(3)) includes init_nsproxy's
// two slots.
//
// # The freezing rule
//
// A namespace's offsets may be written while no task has entered it; the
// first task to enter freezes them (timens_set_vvar_page under offset_lock),
// and any later write fails with EACCES. A task enters through:
//   - fork/clone without CLONE_VM when its nsproxy's time_ns_for_children
//     differs from time_ns (copy_namespaces → TimensOnFork);
//   - setns(CLONE_NEWTIME) (timens_install → Slots.Install, then Commit);
//   - execve when time_ns_for_children differs from time_ns (since ≈6.1,
//     exec_task_namespaces → TimensOnFork on a fresh nsproxy); a CLONE_VM
//     child (vfork, threads) keeps its parent's time namespace until then.
//
// unshare(CLONE_NEWTIME) does not enter: it replaces time_ns_for_children only,
// so the caller can still write the new namespace's offsets.
//
// # Locking
//
// The big kernel lock (every syscall) before Globals.offsetLock
// (offset_lock), before Clock.mu. offset_lock guards frozen_offsets and the
// offsets of a namespace that is not frozen; once frozen, the offsets never
// change and are read without the lock (the kernel's fast path).
//
// # Invariants
//
// Count() >= 1 while reachable; UserNS() is never nil; a frozen namespace stays
// frozen; init_time_ns is frozen with zero offsets.
//
// # Not modelled
//
// The vvar page and vdso_join_timens (no mm: ClockGettime follows the
// syscall path, which normalises the sum; the vDSO adds a negative nanosecond
// offset as an unsigned value and differs only when the reading's nanoseconds
// are below that offset's magnitude); ns_tree and the 6.18 active-reference
// count; CPU-time and dynamic (negative id) clocks; NTP slewing (so
// CLOCK_MONOTONIC_RAW reads as CLOCK_MONOTONIC) and tick granularity (so the
// _COARSE clocks read as the fine ones); the TAI offset (always 0, as without
// adjtimex); timers (do_timens_ktime_to_host); current_is_single_threaded's
// walk of other processes sharing the mm (the caller passes the answer).
package timens
