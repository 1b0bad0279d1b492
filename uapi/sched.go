package uapi

import (
	"strconv"
	"strings"
)

// CloneFlags holds the flags of clone(2), clone3(2), unshare(2) and the nstype of
// setns(2). The values are Linux's (include/uapi/linux/sched.h).
type CloneFlags uint64

// The clone flags, with Linux's values.
const (
	CSIGNAL              CloneFlags = 0x000000ff // low byte of clone(2) flags: the exit signal
	CLONE_NEWTIME        CloneFlags = 0x00000080 // mainline 5.6; overlaps CSIGNAL, so unshare/setns/clone3 only
	CLONE_VM             CloneFlags = 0x00000100
	CLONE_FS             CloneFlags = 0x00000200
	CLONE_FILES          CloneFlags = 0x00000400
	CLONE_SIGHAND        CloneFlags = 0x00000800
	CLONE_PIDFD          CloneFlags = 0x00001000 // mainline 5.2
	CLONE_PTRACE         CloneFlags = 0x00002000
	CLONE_VFORK          CloneFlags = 0x00004000
	CLONE_PARENT         CloneFlags = 0x00008000
	CLONE_THREAD         CloneFlags = 0x00010000
	CLONE_NEWNS          CloneFlags = 0x00020000
	CLONE_SYSVSEM        CloneFlags = 0x00040000
	CLONE_SETTLS         CloneFlags = 0x00080000
	CLONE_PARENT_SETTID  CloneFlags = 0x00100000
	CLONE_CHILD_CLEARTID CloneFlags = 0x00200000
	CLONE_DETACHED       CloneFlags = 0x00400000
	CLONE_UNTRACED       CloneFlags = 0x00800000
	CLONE_CHILD_SETTID   CloneFlags = 0x01000000
	CLONE_NEWCGROUP      CloneFlags = 0x02000000
	CLONE_NEWUTS         CloneFlags = 0x04000000
	CLONE_NEWIPC         CloneFlags = 0x08000000
	CLONE_NEWUSER        CloneFlags = 0x10000000
	CLONE_NEWPID         CloneFlags = 0x20000000
	CLONE_NEWNET         CloneFlags = 0x40000000
	CLONE_IO             CloneFlags = 0x80000000
	CLONE_CLEAR_SIGHAND  CloneFlags = 1 << 32 // mainline 5.5, clone3 only
	CLONE_INTO_CGROUP    CloneFlags = 1 << 33 // mainline 5.7, clone3 only
)

// Masks derived from the flags, as the kernel computes them.
const (
	// NSProxyFlags419 is the set that makes copy_namespaces and
	// unshare_nsproxy_namespaces build a new nsproxy in 4.19 (kernel/nsproxy.c).
	// CLONE_NEWUSER is not in it: the credential code handles it.
	NSProxyFlags419 = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP
	// NSProxyFlagsMainline adds CLONE_NEWTIME (5.6).
	NSProxyFlagsMainline = NSProxyFlags419 | CLONE_NEWTIME
	// UnshareAllowed419 is the mask check_unshare_flags accepts in 4.19 (kernel/fork.c).
	UnshareAllowed419 = CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES |
		CLONE_SYSVSEM | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP
	// UnshareAllowedMainline adds CLONE_NEWTIME.
	UnshareAllowedMainline = UnshareAllowed419 | CLONE_NEWTIME
	// AllNamespaceFlags is every CLONE_NEW* bit (the setns-with-pidfd set, mainline 5.8).
	AllNamespaceFlags = NSProxyFlagsMainline | CLONE_NEWUSER
)

var cloneFlagNames = [...]struct {
	f    CloneFlags
	name string
}{
	{CLONE_NEWTIME, "CLONE_NEWTIME"}, {CLONE_VM, "CLONE_VM"}, {CLONE_FS, "CLONE_FS"},
	{CLONE_FILES, "CLONE_FILES"}, {CLONE_SIGHAND, "CLONE_SIGHAND"}, {CLONE_PIDFD, "CLONE_PIDFD"},
	{CLONE_PTRACE, "CLONE_PTRACE"}, {CLONE_VFORK, "CLONE_VFORK"}, {CLONE_PARENT, "CLONE_PARENT"},
	{CLONE_THREAD, "CLONE_THREAD"}, {CLONE_NEWNS, "CLONE_NEWNS"}, {CLONE_SYSVSEM, "CLONE_SYSVSEM"},
	{CLONE_SETTLS, "CLONE_SETTLS"}, {CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"},
	{CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"}, {CLONE_DETACHED, "CLONE_DETACHED"},
	{CLONE_UNTRACED, "CLONE_UNTRACED"}, {CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
	{CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {CLONE_NEWUTS, "CLONE_NEWUTS"}, {CLONE_NEWIPC, "CLONE_NEWIPC"},
	{CLONE_NEWUSER, "CLONE_NEWUSER"}, {CLONE_NEWPID, "CLONE_NEWPID"}, {CLONE_NEWNET, "CLONE_NEWNET"},
	{CLONE_IO, "CLONE_IO"}, {CLONE_CLEAR_SIGHAND, "CLONE_CLEAR_SIGHAND"},
	{CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"},
}

// String spells the flags the way the kernel's headers name them, joined by "|",
// with any unnamed bits in hex: "CLONE_NEWUTS|CLONE_NEWUSER", "0".
func (f CloneFlags) String() string {
	if f == 0 {
		return "0"
	}
	var parts []string
	rest := f
	for _, n := range cloneFlagNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
			rest &^= n.f
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(parts, "|")
}

// ParseCloneFlags reads flags written as "CLONE_NEWUTS|CLONE_NEWUSER", "0", a
// number (decimal or 0x hex), or a mix joined by "|".
func ParseCloneFlags(s string) (CloneFlags, error) {
	var f CloneFlags
	for _, part := range strings.Split(s, "|") {
		part = strings.TrimSpace(part)
		found := false
		for _, n := range cloneFlagNames {
			if n.name == part {
				f |= n.f
				found = true
				break
			}
		}
		if found {
			continue
		}
		if part == "CSIGNAL" {
			f |= CSIGNAL
			continue
		}
		v, err := strconv.ParseUint(part, 0, 64)
		if err != nil {
			return 0, Err("parse clone flags", EINVAL, "unknown flag "+strconv.Quote(part), "")
		}
		f |= CloneFlags(v)
	}
	return f, nil
}
