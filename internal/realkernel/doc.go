// Package realkernel runs namespace scenarios on the real Linux kernel of
// the machine the tests run on, so that kernsim's simulated answers can be
// checked against the only authority that matters: the kernel itself.
//
// A differential test writes one scenario in the small script language
// below, feeds it to the simulator and to Helper.RunScript, and compares the
// two lists of result lines. Helper.Bench and BenchmarkReal measure a few
// real system calls so the simulator's costs can be put next to the real
// ones.
//
// # Requirements
//
// Available reports whether the real kernel can be used: Linux, euid 0, gcc
// on PATH, and permission to create a UTS namespace. Require(t) skips a test
// or benchmark with the reason when it cannot, and otherwise returns a
// Helper built into t.TempDir().
//
// # Why a C helper
//
// A Go test binary is multi-threaded, and the kernel refuses unshare(2) and
// setns(2) of user and mount namespaces (EINVAL) from a multi-threaded
// process; tasks that clone with CLONE_VM, CLONE_THREAD or odd flag sets are
// also impossible to express safely in Go. So the scenarios run in a small
// single-threaded C program, helper.c, embedded with go:embed and compiled
// with "gcc -O2 -Wall" at test time. It uses only libc and raw syscalls.
// helper.c carries a "//go:build ignore" line so that the go tool does not
// treat it as a cgo source.
//
// # Safety rules
//
// The helper runs as root on a shared machine, so:
//
//   - The machine's own hostname, domainname and mounts are never changed.
//     Go starts the helper with CLONE_NEWUTS and the helper unshares
//     CLONE_NEWUTS again before it does anything else, so every task lives
//     in a private copy. As a second line of defence, sethostname and
//     setdomainname steps are refused ("error: refusing to change the
//     machine's UTS namespace") when the task's UTS namespace is the one the
//     helper started in, its parent's, or pid 1's; the helper holds fds to
//     those namespaces so their inode numbers cannot be recycled. Mount and
//     umount steps are refused the same way ("error: refusing to change the
//     machine's mount namespace") in the helper's starting mount namespace,
//     its parent's and pid 1's, so a script must unshare CLONE_NEWNS first
//     (and should make its copy private, as unshare(1) does). Writes to
//     pid_max are refused likewise in those pid namespaces, and on kernels
//     before 6.14, where pid_max is not per pid namespace.
//   - No process is left behind. Each script step waits at most 5 s for its
//     task, the whole run at most 30 s (then SIGTERM, then SIGKILL). At EOF,
//     on a fatal error and on SIGTERM the controller SIGKILLs every task
//     through pidfds (immune to pid reuse), including tasks in other pid
//     namespaces, closes all command pipes (a task reading EOF exits) and,
//     being a child subreaper, reaps everything. If the controller itself is
//     killed, tasks see EOF on their command pipes and exit.
//   - The Go side uses only the standard library and testify, and keeps no
//     package-level mutable state.
//
// # Script language
//
// One step per line; a '#' at the start of a word starts a comment; blank
// lines are ignored. Every step prints exactly one result line. Tasks are
// named by labels; "init" exists from the start (the controller's only
// child). Flags are written as names joined by '|' (CLONE_NEWUTS|CLONE_NEWUSER,
// every CLONE_* constant including CLONE_NEWTIME is known), as numbers ("0",
// "0x4000000") or a mix. An errno result is its name (EINVAL, EPERM, ...).
//
//	clone <parent> <child> <flags>        ok | errno
//	    <parent> calls the raw clone syscall. SIGCHLD is added as exit
//	    signal unless CLONE_THREAD is given or the low byte is non-zero.
//	    With CLONE_VM the child gets its own mmapped stack. Pointer
//	    arguments are NULL/0, so CLONE_SETTLS, CLONE_*_SETTID,
//	    CLONE_CHILD_CLEARTID and CLONE_PIDFD are not usable, and
//	    CLONE_VFORK blocks the parent until the child exits (step timeout).
//	unshare <task> <flags>                ok | errno
//	sethostname <task> <name>             ok | errno
//	sethostname_len <task> <n>            ok | errno   (name of n 'x' bytes)
//	setdomainname <task> <name>           ok | errno
//	gethostname <task>                    hostname=<nodename>     (uname(2))
//	getdomainname <task>                  domainname=<domainname> (uname(2))
//	uname <task>                          uname=<sysname>,<nodename>,<machine>,<domainname>
//	open <task> <fd> <target> <ns>        ok | errno
//	    opens /proc/<target>/ns/<ns>; ns is uts, user, pid, mnt, ipc, net,
//	    cgroup, time, pid_for_children or time_for_children. <fd> is a
//	    label private to <task>; a child inherits copies of its parent's.
//	open_path <task> <fd> <path>          ok | errno   (any path, O_RDONLY)
//	setns <task> <fd> <nstype flags>      ok | errno
//	setns_badfd <task> <fdnum> <flags>    ok | errno   (raw fd number)
//	close <task> <fd>                     ok | errno
//	readlink <task> <target> <ns>         link=<ns>:[<inode>] | errno
//	same_ns <task> <a> <b> <ns>           same | different | errno
//	    compares device and inode of the two ns files (inode numbers differ
//	    between simulator and kernel, so compare equality, not numbers)
//	drop_privs <task> <uid>               ok | errno
//	ns_ioctl <task> <fd> <req> <newfd>    link=<ns>:[<inode>] | type=<hex> | uid=<n> | errno
//	    the nsfs ioctls: req 1 NS_GET_USERNS and 2 NS_GET_PARENT open a new
//	    descriptor (labelled newfd), 3 NS_GET_NSTYPE, 4 NS_GET_OWNER_UID
//	pidfd_open <task> <fd> <target>      ok | errno
//	    pidfd_open(2) of target under the fd label; setns accepts it. The
//	    number passed is the machine's, so <task> must be in the script's
//	    outermost pid namespace.
//	mount <task> <src> <target> <fstype> <flags> <data>   ok | errno
//	    mount(2); "-" stands for NULL; flags are MS_* names or numbers.
//	umount <task> <target> <flags>        ok | errno   (umount2, MNT_* flags)
//	mounts_under <task> <prefix>          mounts=<mp> <fstype> <source>[ <tag>...];...
//	    the task's mountinfo lines at or below prefix, optional fields
//	    without their numbers (shared, master, propagate_from, unbindable)
//	    setgroups(0), setresgid(uid), setresuid(uid): no capabilities left
//	exit <task> <code>                    ok
//	    the task calls exit(2) (not exit_group); ok once it has exited
//	wait <parent> <child>                 exited=<code> | signaled=<sig> | errno
//	    waitpid(pid, &status, 0); pid is what clone returned if <parent>
//	    created <child>, else the pid in the helper's pid namespace
//	exit_async <task> <code>              ok   (does not wait for the exit: a
//	    pid-namespace init sleeps in zap_pid_ns_processes until an outside
//	    parent reaps its killed children)
//	getpid|gettid|getppid <task>          pid=<n> | tid=<n> | ppid=<n>
//	    in the task's own pid namespace; " (outer)" follows a number read
//	    in the script's outermost pid namespace (compared after Normalize)
//	same_ns2 <task> <a> <nsA> <b> <nsB>   same | different | errno
//	    like same_ns for two different links (e.g. pid_for_children vs pid)
//	write_proc <task> <target> <file> <text>   ok | short=<n> | errno
//	    <task> opens /proc/<target>/<file> O_WRONLY and writes <text> once;
//	    in <text> '_' is a space and the two characters \n a newline
//	mkdir|rmdir <task> <path>             ok | errno
//	read_path <task> <path>               content=<text, newlines as \n> | errno
//	write_path <task> <path> <text>       ok | short=<n> | errno   (as write_proc)
//	write_pid <task> <target> <path>      ok | errno   (writes target's pid)
//	    with these a test may create a cgroup on the machine; it must remove it
//	nspid <task>                          nspid=N <n1> ... | errno
//	    the NSpid line of /proc/<task>/status as the machine's pid namespace
//	    reads it, outermost number as N
//
// A step that names an unknown task or fd label, reuses a task label, uses
// a task that has exited (or, as a target, one that was waited for), has bad
// arguments, or whose task does not answer within 5 s prints
// "error: <why>"; the helper then cleans up and exits non-zero, and
// RunScript returns the lines so far with an error. At most 32 tasks
// (including init) per script.
//
// # Implementation
//
// The controller creates a command pipe and a reply pipe for each of 32
// task slots, unshares CLONE_NEWUTS, becomes a child subreaper and forks
// init into slot 0. Every task runs a command loop on its own slot; all
// processes inherit all task-side pipe ends, so a clone child simply uses
// the slot the controller assigned, announces its thread id (read from
// /proc/thread-self, i.e. in the helper's pid namespace) and waits for
// commands. Tasks never touch stdio and keep their state on their own
// stack, because CLONE_VM children share the parent's memory.
//
// # Bench mode
//
// "helper bench <op> <n>" unshares CLONE_NEWUTS, runs op n times and prints
// ns_per_op=<float> measured with CLOCK_MONOTONIC around the loop only.
// BenchOps lists the ops: fork_exit_wait, clone_exit_wait,
// clone_newuts_exit_wait, unshare_uts, setns_uts (alternating between two
// UTS namespaces), sethostname, uname and gethostname.
package realkernel
