// Package utsns models UTS namespaces (kernel/utsname.c, include/linux/utsname.h,
// the UTS syscalls of kernel/sys.c).
//
// A Namespace holds one new_utsname: sysname, nodename, release, version, machine
// and domainname, each a char[65] (64 bytes and the NUL), kept here as fixed byte
// arrays exactly as the kernel keeps them, embedded NULs included. It is counted
// with a kref: every nsproxy that points at it holds one reference, and so does
// every open nsfs file on it. The last put frees it (free_uts_ns): its ucount
// charge is given back, its owner user namespace is put and its inode number is
// freed. init_uts_ns is static: kref 2 at boot, never freed, not in the leak registry.
//
// Lock order: the big kernel lock (every syscall) before Globals.Sem
// (uts_sem), which writers take and readers outside a syscall take; a
// reader under the big kernel lock (clone_uts_ns) needs no more. The
// kernel's uts_sem is an rw_semaphore whose readers may overlap; here it is a
// plain mutex, which changes nothing observable (every critical section is a
// copy of at most 390 bytes) and costs far less than Go's RWMutex write side.
//
// Invariants: Count() >= 1 while reachable; Owner() is never nil.
package utsns
