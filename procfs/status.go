package procfs

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// statusFile is /proc/<pid>/status and /proc/<pid>/task/<tid>/status
// (ONE("status", S_IRUGO, proc_pid_status)) in the proc instance of pid
// namespace ns.
type statusFile struct {
	target *task.Task
	ns     *pidns.Namespace
}

func (statusFile) Mode() uint32 { return task.S_IFREG | 0o444 }

// Open mirrors proc_single_open after generic_permission on a 0444 file:
// anyone may open it for reading; opening for writing needs CAP_DAC_OVERRIDE
// in the opener's user namespace with the inode's owner and group mapped
// there (capable_wrt_inode_uidgid), and even then the file has no write
// operation. The opener's user namespace (f_cred->user_ns, seq_user_ns) is
// the one the Uid and Gid lines are translated into.
func (f statusFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if flags&task.O_ACCMODE != task.O_RDONLY {
		if err := mayWriteReadOnly(t, f.target); err != nil {
			return nil, err
		}
	}
	return &openStatus{target: f.target, ns: f.ns, viewer: t.Cred().UserNS()}, nil
}

// mayWriteReadOnly is generic_permission for MAY_WRITE on a /proc/<pid> file
// of mode 0444: no permission bit allows it, so only CAP_DAC_OVERRIDE does,
// when the file's uid and gid (task_dump_owner: the task's euid and egid if
// it is dumpable, else root) are mapped in the opener's user namespace.
func mayWriteReadOnly(t, target *task.Task) error {
	uid, gid := uint32(0), uint32(0)
	if target.Dumpable() {
		c := target.Cred()
		uid, gid = c.EUID, c.EGID
	}
	c := t.Cred()
	u := c.UserNS()
	if userns.NSCapable(c, u, uapi.CAP_DAC_OVERRIDE) && userns.KUIDHasMapping(u, uid) && userns.KGIDHasMapping(u, gid) {
		return nil
	}
	return uapi.Err("open", uapi.EACCES, "write to a 0444 file without CAP_DAC_OVERRIDE", "generic_permission")
}

// openStatus is an open status file (single_open + seq_read): the text is
// rendered afresh from the task at each read.
type openStatus struct {
	target *task.Task
	ns     *pidns.Namespace
	viewer *userns.Namespace // seq_user_ns: f_cred->user_ns, held through f_cred
}

// Read mirrors proc_single_show → proc_pid_status: ESRCH once the task has
// been reaped (get_pid_task finds nothing), else the status text at off.
func (o *openStatus) Read(t *task.Task, off int64, n int) ([]byte, error) {
	if o.target.State() == task.Dead {
		return nil, uapi.Err("read", uapi.ESRCH, "the task has been reaped", "proc_single_show")
	}
	return window(renderStatus(o.target, o.ns, o.viewer), off, n), nil
}

// Write mirrors vfs_write on a file whose operations have no write method
// (FMODE_CAN_WRITE clear): EINVAL.
func (o *openStatus) Write(*task.Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EINVAL, "/proc/<pid>/status has no write operation", "vfs_write")
}

func (o *openStatus) Release(*ns.Ctx) {}

// TASK_COMM_LEN is the size of task_struct.comm, NUL included
// (include/linux/sched.h): names are cut to 15 bytes.
const TASK_COMM_LEN = 16

// _NSIG is the number of signals a sigset_t holds on x86-64
// (arch/x86/include/asm/signal.h): render_sigset_t prints _NSIG/4 hex digits.
const _NSIG = 64

// umaskDefault is what Umask shows: the simulator has no umask(2) yet, and
// every process starts from init's fs_struct umask, 0022 (init_fs).
const umaskDefault = 0o022

// renderStatus mirrors proc_pid_status (fs/proc/array.c, 4.19.13) for task p
// read through the proc instance of pid namespace ns by a file opened in
// user namespace viewer. Lines, in the kernel's order and spacing:
//
//	Name:	<comm, '\n' and '\\' escaped>        proc_task_name(escape)
//	Umask:	0022                                task_state: only with an fs_struct
//	State:	R (running) | Z (zombie)
//	Tgid:	Ngid:	Pid:	PPid:	TracerPid:  numbers in ns (0 if invisible)
//	Uid:	r	e	s	fs                      from_kuid_munged(viewer, ...)
//	Gid:	r	e	s	fs
//	FDSize:	<max_fds>                           0 without a file table
//	Groups:	 <one " %d" per supplementary group, then a trailing space>
//	NStgid:	NSpid:	NSpgid:	NSsid:          one "\t%d" per level, ns's level .. p's level
//	(mainline only) Kthread:	0
//	(task_mem and CoreDumping: omitted, as for a task without an mm)
//	Threads:	SigQ:	0/<RLIMIT_SIGPENDING>
//	SigPnd:	ShdPnd:	SigBlk:	SigIgn:	SigCgt:    16 hex digits each
//	CapInh:	CapPrm:	CapEff:	CapBnd:	CapAmb:    %016x of the cred's sets
//	NoNewPrivs:	0
//	Seccomp:	0
//
// and nothing after Seccomp (see the package documentation).
func renderStatus(p *task.Task, ns *pidns.Namespace, viewer *userns.Namespace) []byte {
	b := make([]byte, 0, 1024)
	leader := p.GroupLeader()

	b = append(b, "Name:\t"...)
	b = appendComm(b, p.Comm())
	b = append(b, '\n')

	// task_state. ppid: task_tgid_nr_ns(real_parent, ns), 0 when the parent
	// is outside ns (and for init, whose parent is the idle task, pid 0).
	var ppid int32
	if parent := p.Parent(); parent != nil {
		ppid = parent.GroupLeader().PidIn(ns)
	}
	if p.FSUsers() > 0 { // p->fs is NULL after exit_fs: no Umask line
		b = append(b, "Umask:\t"...)
		b = appendOctal4(b, umaskDefault)
		b = append(b, '\n')
	}
	b = append(b, "State:\t"...)
	if p.State() == task.Zombie {
		b = append(b, "Z (zombie)"...) // exit_state EXIT_ZOMBIE
	} else {
		b = append(b, "R (running)"...) // no scheduler: never sleeping
	}
	b = appendDec(b, "\nTgid:\t", leader.PidIn(ns))
	b = appendDec(b, "\nNgid:\t", 0) // task_numa_group_id without NUMA balancing
	b = appendDec(b, "\nPid:\t", p.PidIn(ns))
	b = appendDec(b, "\nPPid:\t", ppid)
	b = appendDec(b, "\nTracerPid:\t", 0) // no ptrace
	c := p.Cred()
	b = appendID(b, "\nUid:\t", userns.FromKUIDMunged(viewer, c.UID))
	b = appendID(b, "\t", userns.FromKUIDMunged(viewer, c.EUID))
	b = appendID(b, "\t", userns.FromKUIDMunged(viewer, c.SUID))
	b = appendID(b, "\t", userns.FromKUIDMunged(viewer, c.FSUID))
	b = appendID(b, "\nGid:\t", userns.FromKGIDMunged(viewer, c.GID))
	b = appendID(b, "\t", userns.FromKGIDMunged(viewer, c.EGID))
	b = appendID(b, "\t", userns.FromKGIDMunged(viewer, c.SGID))
	b = appendID(b, "\t", userns.FromKGIDMunged(viewer, c.FSGID))
	b = appendDec(b, "\nFDSize:\t", int32(p.MaxFDs()))
	// No supplementary groups (init_groups, and no setgroups(2) yet); the
	// kernel ends the line with a space whatever the count.
	b = append(b, "\nGroups:\t "...)

	pid := p.Pid()
	pgrp, session := p.PgrpPid(), p.SessionPid()
	b = append(b, "\nNStgid:"...)
	for g := ns.Level(); g <= pid.Level(); g++ {
		b = appendDec(b, "\t", leader.PidIn(pid.Upid(g).NS))
	}
	b = append(b, "\nNSpid:"...)
	for g := ns.Level(); g <= pid.Level(); g++ {
		b = appendDec(b, "\t", p.PidIn(pid.Upid(g).NS))
	}
	b = append(b, "\nNSpgid:"...)
	for g := ns.Level(); g <= pid.Level(); g++ {
		b = appendDec(b, "\t", pgrp.Nr(pid.Upid(g).NS))
	}
	b = append(b, "\nNSsid:"...)
	for g := ns.Level(); g <= pid.Level(); g++ {
		b = appendDec(b, "\t", session.Nr(pid.Upid(g).NS))
	}
	b = append(b, '\n')
	if p.Kernel().Env.Mainline() {
		b = append(b, "Kthread:\t0\n"...) // no kernel threads are simulated
	}

	// task_sig. get_nr_threads counts the group's tasks not yet released:
	// the live threads, plus the leader while it is a zombie (other threads
	// are released as they exit).
	threads := int32(p.Threads())
	if leader.State() == task.Zombie {
		threads++
	}
	b = appendDec(b, "Threads:\t", threads)
	b = appendDec(b, "\nSigQ:\t", 0) // user->sigpending: nothing is ever queued
	b = appendDec(b, "/", int32(p.Kernel().MaxThreads()/2))
	var ignored uint64
	if leader.IgnoresSIGCHLD() {
		ignored |= 1 << (uapi.SIGCHLD - 1)
	}
	b = appendSigset(b, "\nSigPnd:\t", 0)
	b = appendSigset(b, "ShdPnd:\t", 0)
	b = appendSigset(b, "SigBlk:\t", 0)
	b = appendSigset(b, "SigIgn:\t", ignored)
	b = appendSigset(b, "SigCgt:\t", 0) // no handlers yet

	// task_cap.
	b = appendCaps(b, "CapInh:\t", c.CapInheritable)
	b = appendCaps(b, "CapPrm:\t", c.CapPermitted)
	b = appendCaps(b, "CapEff:\t", c.CapEffective)
	b = appendCaps(b, "CapBnd:\t", c.CapBset)
	b = appendCaps(b, "CapAmb:\t", c.CapAmbient)

	// task_seccomp, up to Seccomp.
	b = appendDec(b, "NoNewPrivs:\t", 0)
	b = appendDec(b, "\nSeccomp:\t", 0)
	b = append(b, '\n')
	return b
}

// appendComm mirrors proc_task_name with escape: comm as __get_task_comm
// gives it (at most TASK_COMM_LEN-1 bytes, up to a NUL), through
// string_escape_str(ESCAPE_SPACE|ESCAPE_SPECIAL, "\n\\"): only a newline
// and a backslash are escaped, as "\n" and "\\".
func appendComm(b []byte, comm string) []byte {
	if len(comm) > TASK_COMM_LEN-1 {
		comm = comm[:TASK_COMM_LEN-1]
	}
	for i := 0; i < len(comm); i++ {
		switch c := comm[i]; c {
		case 0:
			return b
		case '\n':
			b = append(b, '\\', 'n')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendDec mirrors seq_put_decimal_ull(m, delimiter, num) for a pid_t or
// int the kernel passes as unsigned long long (a negative value would print
// as its 64-bit two's complement; none occurs here).
func appendDec(b []byte, delim string, v int32) []byte {
	b = append(b, delim...)
	return strconv.AppendUint(b, uint64(int64(v)), 10)
}

// appendID is seq_put_decimal_ull of a munged id (uid_t, unsigned).
func appendID(b []byte, delim string, v uint32) []byte {
	b = append(b, delim...)
	return strconv.AppendUint(b, uint64(v), 10)
}

// appendOctal4 mirrors seq_printf("%#04o"): a leading 0, zero-padded to four
// characters.
func appendOctal4(b []byte, v uint32) []byte {
	s := strconv.FormatUint(uint64(v), 8)
	if v != 0 {
		s = "0" + s
	}
	for len(s) < 4 {
		s = "0" + s
	}
	return append(b, s...)
}

// appendSigset mirrors render_sigset_t: the header, _NSIG/4 hex digits from
// the highest signal down (bit sig-1 of set is signal sig), and a newline.
func appendSigset(b []byte, header string, set uint64) []byte {
	b = append(b, header...)
	for i := _NSIG - 4; i >= 0; i -= 4 {
		b = append(b, "0123456789abcdef"[(set>>uint(i))&0xf])
	}
	return append(b, '\n')
}

// appendCaps mirrors render_cap_t: the header, then each 32-bit word of the
// kernel_cap_t from the highest (CAP_LAST_U32) down as seq_put_hex_ll(...,
// 8), i.e. 16 lower-case hex digits, and a newline.
func appendCaps(b []byte, header string, set uapi.CapSet) []byte {
	b = append(b, header...)
	s := strconv.FormatUint(uint64(set), 16)
	for i := len(s); i < 16; i++ {
		b = append(b, '0')
	}
	b = append(b, s...)
	return append(b, '\n')
}
