// Package scenario runs the script language of internal/realkernel on a
// simulated kernel, so that one scenario can be played on kernsim and on the
// machine's real kernel and the two lists of result lines compared line by
// line (the differential test, diff_test.go in the module root).
//
// RunSim interprets a script on a booted *kernsim.Kernel and returns one
// result line per step, formatted exactly as the C helper formats them:
// "ok", an errno name ("EINVAL"), "hostname=<name>", "domainname=<name>",
// "uname=<sysname>,<nodename>,<machine>,<domainname>", "link=<ns>:[<inode>]",
// "same" / "different", "exited=<code>", "pid=<n>". See the package
// documentation of internal/realkernel for the language; every step is
// supported:
//
//	clone <parent> <child> <flags>     Task.Clone (SIGCHLD added as exit
//	                                   signal unless CLONE_THREAD or a low byte)
//	unshare <task> <flags>             Task.Unshare
//	sethostname <task> <name>          Task.Sethostname
//	sethostname_len <task> <n>         Task.Sethostname of n 'x' bytes
//	setdomainname <task> <name>        Task.Setdomainname
//	gethostname|getdomainname|uname    Task.Uname
//	open <task> <fd> <target> <ns>     Task.Open("/proc/<pid>/ns/<ns>")
//	open_path <task> <fd> <path>       Task.Open(path)
//	setns <task> <fd> <flags>          Task.Setns on the labelled fd
//	setns_badfd <task> <num> <flags>   Task.Setns on a raw number
//	close <task> <fd>                  Task.Close
//	readlink <task> <target> <ns>      Task.Readlink
//	same_ns <task> <a> <b> <ns>        compares the inode numbers of two readlinks
//	same_ns2 <task> <a> <nsA> <b> <nsB>
//	                                   the same for /proc/<a>/ns/<nsA> and
//	                                   /proc/<b>/ns/<nsB> (pid_for_children vs pid)
//	drop_privs <task> <uid>            Setresgid(uid×3) then Setresuid(uid×3)
//	exit <task> <code>                 Task.Exit
//	exit_async <task> <code>           Task.Exit (the helper does not wait for
//	                                   the exit to finish: see below)
//	wait <parent> <child>              Task.Wait(pid, WNOHANG) with the child's
//	                                   number in the parent's pid namespace
//	                                   (INT_MAX if invisible or gone): see below
//	getpid <task>                      Task.Getpid: "pid=<n>"
//	gettid <task>                      Task.Gettid: "tid=<n>"
//	getppid <task>                     Task.Getppid: "ppid=<n>"
//
// getpid, gettid and getppid print the number as the task's own pid
// namespace sees it. When that is the script's outermost pid namespace
// (init_pid_ns here, the helper's pid namespace there) the number depends on
// the machine and the line ends in " (outer)", which Normalize turns into
// "N"; numbers inside pid namespaces the script created are deterministic
// and compared as they are.
//
// Script errors (an unknown step, task or fd label, a reused task label, a
// task used after it exited, bad arguments) end the run the way they end
// the helper's: the last line returned is "error: <why>", with the same
// wording as the helper's, and RunSim returns an error.
//
// # Where the interpreter cannot follow the helper
//
//   - drop_privs: the helper calls setgroups(0) first. Supplementary groups
//     are not modelled, so the interpreter only calls Setresgid and
//     Setresuid. Where only setgroups would fail (a second drop_privs to the
//     same uid, or any drop_privs inside a user namespace without a gid_map)
//     the answers differ.
//   - wait: the helper's waitpid blocks until the child exits and the step
//     times out if it never does. The interpreter is the only thing running
//     on the simulated kernel, so a child that has not exited never will:
//     it waits with WNOHANG and reports a script error instead of blocking.
//   - exit of "init": the helper's init is an ordinary process, the
//     simulator's is the global init, which cannot exit; that is a script
//     error here.
//   - exit of a pid-namespace init whose namespace still holds a task that
//     a process outside must reap: the kernel's init sleeps in
//     zap_pid_ns_processes until that task is reaped (so the helper's exit
//     step would time out; exit_async does not wait), the simulator's
//     becomes a zombie at once. A script must reap such tasks before it
//     waits for the init, or the helper's wait blocks.
//   - Orphans of the script's outermost pid namespace go to the helper's
//     controller (a child subreaper) there and to the global init here;
//     their getppid is normalised, but the script's init cannot wait for
//     them (ECHILD there).
//   - Pid numbers seen from the outermost pid namespace and inode numbers
//     differ between the simulator and the kernel, so those "pid=", "tid=",
//     "ppid=" and "link=" lines are not comparable as they are; Normalize
//     replaces the numbers.
//
// The interpreter keeps all its state in the call; there is no package-level
// mutable state.
package scenario
