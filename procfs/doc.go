// Package procfs is the simulated /proc (fs/proc/*.c, kernel/sysctl.c,
// kernel/utsname_sysctl.c, kernel/ucount.c, kernel/pid_namespace.c), mounted
// at /proc by kernsim.Boot and reached through the task file API (Task.Open,
// ReadFile, WriteFile, Readlink, Readdir).
//
// What it shows depends on who looks, as in the kernel: /proc/self is the
// reader's own directory, /proc/sys/kernel/hostname is the reader's UTS name,
// and /proc/sys/user/max_*_namespaces are the limits of the reader's user
// namespace, writable only with CAP_SYS_RESOURCE there.
//
// # Pid namespaces
//
// A proc instance belongs to the pid namespace of the task that mounted it
// (proc_mount → mount_ns, keyed by task_active_pid_ns; the superblock's
// s_fs_info): the boot /proc is init_pid_ns's, and mount -t proc by a task
// whose active pid namespace is n gives n's instance (New and NewFor; the
// mount code shares one superblock per namespace). So, as on Linux, a task
// that enters a new pid namespace without mounting proc keeps seeing the
// outer processes, and a container that mounts its own /proc sees its own:
//
//   - /proc/<n> looks n up in the instance's namespace (proc_pid_lookup →
//     name_to_int, find_task_by_pid_ns). Any thread's id resolves; a number
//     that belongs only to processes outside it is ENOENT, and so is a name
//     with a sign or a leading zero.
//   - readdir of /proc lists the registered entries ("net", "sys", "mounts",
//     "sysvipc", in proc's order: by length, then bytes), then "self" and
//     "thread-self", then the thread-group leaders that have a pid in the
//     namespace, by their numbers there, in increasing order
//     (proc_pid_readdir, next_tgid); zombies are listed until reaped.
//   - /proc/self reads the reader's tgid and /proc/thread-self "<tgid>/task/<tid>"
//     as the instance's namespace numbers them (ENOENT for a reader it does
//     not contain).
//   - /proc/<pid>/task lists and looks up threads by their numbers there.
//
// The sysctls under /proc/sys are the reader's, whatever the instance:
// ns_last_pid is its active pid namespace's, hostname its UTS name.
//
// # /proc/<pid>/status
//
// proc_pid_status of fs/proc/array.c (4.19.13), byte for byte for the lines
// the simulator can know, in the kernel's order: Name (comm cut to 15 bytes,
// '\n' and '\\' escaped), Umask, State, Tgid, Ngid, Pid, PPid, TracerPid,
// Uid, Gid, FDSize, Groups, NStgid, NSpid, NSpgid, NSsid, Threads, SigQ,
// SigPnd, ShdPnd, SigBlk, SigIgn, SigCgt, CapInh, CapPrm, CapEff, CapBnd,
// CapAmb, NoNewPrivs, Seccomp. Numbers are those of the proc's pid namespace
// (0 for a process invisible there, so a container init's PPid reads 0);
// the NS* lines give one tab-separated number per level from the proc's
// namespace down to the task's. Uid and Gid are translated into the user
// namespace of the opener's credentials (seq_user_ns), 65534 when unmapped.
// Fixed values, because the simulator has nothing behind them: Umask 0022
// (no umask(2); only while the task has its fs_struct), State "R (running)"
// for every live task (no scheduler, so never S or D) and "Z (zombie)" after
// exit until the reap, Ngid 0 (no NUMA balancing), TracerPid 0 (no ptrace),
// Groups empty but for the kernel's trailing space (no setgroups(2)), SigQ
// "0/<max_threads/2>" (nothing is queued; RLIMIT_SIGPENDING is what
// fork_init gives init and every task inherits), SigPnd/ShdPnd/SigBlk/SigCgt
// zero, SigIgn with SIGCHLD's bit only for a pid-namespace init that zapped
// its namespace, NoNewPrivs and Seccomp 0. FDSize is the fd table's max_fds
// (64, then alloc_fdtable's sizes; 0 after exit_files). Threads counts the
// group's unreleased tasks (a zombie leader counts).
//
// Left out, because the simulator has no state for them: the memory lines of
// task_mem (VmPeak ... VmSwap, HugetlbPages) and CoreDumping, which the kernel
// itself omits for a task without an mm; and everything after Seccomp:
// Speculation_Store_Bypass (an architecture's mitigation state),
// Cpus_allowed/Cpus_allowed_list, Mems_allowed/Mems_allowed_list (no CPUs or
// cpusets), voluntary_ctxt_switches/nonvoluntary_ctxt_switches (no
// scheduler). The text therefore ends with "Seccomp:\t0\n". With the
// Mainline flavour the only difference is the Kthread line (always 0) that
// mainline prints after NSsid; mainline's later additions (Seccomp_filters,
// untag_mask, x86 thread features) are not modelled. Once the task has been
// reaped, an open status file reads ESRCH (proc_single_show). The file is
// 0444: opening it for writing needs CAP_DAC_OVERRIDE, and writing is then
// EINVAL.
//
// # /proc/sys/kernel/ns_last_pid
//
// (CONFIG_CHECKPOINT_RESTORE, pid_ns_ctl_handler.) Mode 0666. A read gives
// the last pid handed out in the reader's active pid namespace, "%d\n" (the
// IDR cursor minus one). A write needs CAP_SYS_ADMIN over that namespace's
// owner user namespace (EPERM, checked before anything else), then parses as
// proc_dointvec_minmax does with the range [0, pid_max] (EINVAL otherwise,
// nothing stored): blanks around, base 0 (0x.. hex, 0.. octal), the value cut
// to an int. Writing N makes the next fork in that namespace try N+1. As with
// every integer sysctl, only offset 0 counts: a later read is end of file and
// a later write is ignored with its full count.
//
// Tree (so far):
//
//	/proc/self                      → <tgid>
//	/proc/thread-self               → <tgid>/task/<tid>
//	/proc/<pid>/status              proc_pid_status
//	/proc/<pid>/ns/<type>           net uts ipc pid pid_for_children user mnt cgroup
//	/proc/<pid>/{uid,gid,projid}_map, setgroups
//	/proc/<pid>/task/<tid>/...      the same per thread (without task/)
//	/proc/sys/kernel/hostname       proc_do_uts_string
//	/proc/sys/kernel/domainname
//	/proc/sys/kernel/ns_last_pid    pid_ns_ctl_handler
//	/proc/sys/user/max_<type>_namespaces
//
// The namespace links are magic links: readlink gives "<type>:[<inode>]"
// (taking and dropping a reference), and open yields an nsfs file that shares
// the namespace's nsfs inode. Access to another task's links needs ptrace read
// access (EACCES); a zombie's nsproxy links are ENOENT.
//
// procfs holds no state of its own: every read asks the Kernel, so it needs no
// lock beyond those of the objects it reads.
package procfs
