// Package procfs is the simulated /proc (fs/proc/*.c, kernel/sysctl.c,
// kernel/utsname_sysctl.c, kernel/ucount.c), mounted at /proc by kernsim.Boot
// and reached through the task file API (Task.Open, ReadFile, WriteFile,
// Readlink, Readdir).
//
// What it shows depends on who looks, as in the kernel: /proc/self is the
// reader's own directory, /proc/sys/kernel/hostname is the reader's UTS name,
// and /proc/sys/user/max_*_namespaces are the limits of the reader's user
// namespace, writable only with CAP_SYS_RESOURCE there.
//
// Tree (so far):
//
//	/proc/self                      → <tgid>
//	/proc/thread-self               → <tgid>/task/<tid>
//	/proc/<pid>/ns/<type>           net uts ipc pid pid_for_children user mnt cgroup
//	/proc/<pid>/task/<tid>/...      the same per thread
//	/proc/sys/kernel/hostname       proc_do_uts_string
//	/proc/sys/kernel/domainname
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
