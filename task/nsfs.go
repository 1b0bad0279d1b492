package task

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// procNSGet resolves /proc/<pid>/ns/<name> to a referenced namespace, as
// proc_ns_get_link → ns_get_path → ops->get(task) does (fs/proc/namespaces.c,
// fs/nsfs.c). Access to another task's links needs ptrace read access (EACCES);
// a task without an nsproxy (a zombie) has no uts, ipc, mnt, net, cgroup or
// pid_for_children namespace to give (ENOENT), while user (from the cred) and
// pid (from struct pid) still resolve until it is reaped.
func (t *Task) procNSGet(target *Task, name, op string) (ns.Namespace, error) {
	typ, ok := ns.TypeByName(name)
	forChildren := false
	switch name {
	case "pid_for_children":
		typ, ok, forChildren = ns.PID, true, true
	case "time_for_children":
		typ, ok, forChildren = ns.TIME, true, true
	}
	if !ok || typ == ns.TIME && !t.k.Env.Mainline() {
		return nil, uapi.Err(op, uapi.ENOENT, "/proc/<pid>/ns/"+name+" does not exist", "proc_ns_dir_lookup")
	}
	if err := t.PtraceMayAccess(target, op); err != nil {
		return nil, err
	}
	target.allocLock.Lock()
	defer target.allocLock.Unlock()
	var n ns.Namespace
	switch {
	case typ == ns.USER:
		n = target.cred.UserNS() // userns_get: from the task's cred
	case typ == ns.PID && !forChildren:
		n = target.ActivePidNS() // pidns_get: task_active_pid_ns, from struct pid
	case target.nsproxy == nil:
		get := name + "ns_get" // utsns_get, ipcns_get, mntns_get, netns_get, cgroupns_get, timens_get
		if forChildren {
			get = typ.Name() + "ns_for_children_get"
		}
		return nil, uapi.Err(op, uapi.ENOENT, "task "+itoa(target.pid)+" has no nsproxy (exited)", get)
	case forChildren && typ == ns.PID && target.nsproxy.PIDForChildren().ChildReaper() == nil:
		// pidns_for_children_get: no process there yet
		return nil, uapi.Err(op, uapi.ENOENT, "pid_ns_for_children has no init yet", "pidns_for_children_get")
	case forChildren && typ == ns.TIME:
		n = target.nsproxy.TimeNSForChildren() // timens_for_children_get
	default:
		n = target.nsproxy.Namespace(typ)
	}
	n.Get()
	return n, nil
}

// PtraceMayAccess mirrors the PTRACE_MODE_READ_FSCREDS test of
// __ptrace_may_access (kernel/ptrace.c) as far as credentials go: the same
// thread group, or the caller's fsuid/fsgid matching the target's real, effective
// and saved ids, or CAP_SYS_PTRACE over the target's user namespace; then, for
// a target that has not exited, dumpability: a non-dumpable one (see
// commitCreds) needs CAP_SYS_PTRACE over its mm's user namespace; last, the
// capability LSM's cap_ptrace_access_check. Other LSMs are not modelled.
func (t *Task) PtraceMayAccess(target *Task, op string) error {
	return t.ptraceMayAccess(target, op, false)
}

// ptraceMayAccess is __ptrace_may_access; realCreds selects
// PTRACE_MODE_REALCREDS (the caller's real uid and gid are compared)
// instead of PTRACE_MODE_FSCREDS (fsuid and fsgid).
func (t *Task) ptraceMayAccess(target *Task, op string, realCreds bool) error {
	if target.tgid == t.tgid {
		return nil
	}
	c := t.Cred()
	tc := target.Cred()
	uid, gid := c.FSUID, c.FSGID
	if realCreds {
		uid, gid = c.UID, c.GID
	}
	if !(uid == tc.UID && uid == tc.EUID && uid == tc.SUID &&
		gid == tc.GID && gid == tc.EGID && gid == tc.SGID) &&
		!userns.NSCapable(c, tc.UserNS(), uapi.CAP_SYS_PTRACE) {
		return uapi.Err(op, uapi.EACCES, "no ptrace read access to task "+itoa(target.pid), "ptrace_may_access")
	}
	// A task with an mm (not exited) that is not dumpable also needs
	// CAP_SYS_PTRACE over mm->user_ns, the initial user namespace here.
	if State(target.state.Load()) == Running && target.mm.nonDumpable.Load() &&
		!userns.NSCapable(c, t.k.UserNS.Init, uapi.CAP_SYS_PTRACE) {
		return uapi.Err(op, uapi.EACCES, "task "+itoa(target.pid)+" is not dumpable and the caller has no CAP_SYS_PTRACE over its mm's user namespace", "ptrace_may_access")
	}
	// security_ptrace_access_check → cap_ptrace_access_check (commoncap, always
	// there): the same user namespace and the target's permitted capabilities
	// within the caller's effective ones, or CAP_SYS_PTRACE over the target's
	// user namespace.
	if !(c.UserNS() == tc.UserNS() && tc.CapPermitted&^c.CapEffective == 0) &&
		!userns.NSCapable(c, tc.UserNS(), uapi.CAP_SYS_PTRACE) {
		return uapi.Err(op, uapi.EACCES, "the caller's capabilities do not cover task "+itoa(target.pid)+"'s", "cap_ptrace_access_check")
	}
	return nil
}

// Readlink mirrors readlink(2): the text of the symbolic link at path, for
// example "uts:[4026531838]" for /proc/<pid>/ns/uts (which takes and drops a
// namespace reference, leaving every count as it was). A path that is not a
// link is EINVAL.
func (t *Task) Readlink(path string) (string, error) {
	if err := t.enter("readlink"); err != nil {
		return "", err
	}
	defer t.leave()
	ino, err := t.lookup("readlink", path, false)
	if err != nil {
		return "", err
	}
	l, ok := ino.(Symlink)
	if !ok {
		return "", uapi.Err("readlink", uapi.EINVAL, path+" is not a symbolic link", "vfs_readlink")
	}
	text, err := l.Readlink(t)
	return text, relabelNil(err, "readlink")
}

// ProcNSGet resolves /proc/<pid>/ns/<name> of target for the calling task t to a
// referenced namespace (see procNSGet). procfs calls it.
func (t *Task) ProcNSGet(target *Task, name, op string) (ns.Namespace, error) {
	return t.procNSGet(target, name, op)
}

// PutNS drops a namespace reference taken by ProcNSGet.
func (t *Task) PutNS(n ns.Namespace) { n.Put(&t.ctx) }

// nsFile is an open nsfs file (fs/nsfs.c): it shares its namespace's nsfs
// inode, which holds one namespace reference for all open files.
type nsFile struct{ ns ns.Namespace }

// NewNSFile mirrors ns_get_path + dentry_open for a namespace whose reference
// the caller took (ops->get): the file shares the namespace's stashed nsfs
// inode (ns.NSFSGet), which keeps the reference or drops the extra one.
func (t *Task) NewNSFile(n ns.Namespace) FileOps {
	ns.NSFSGet(&t.ctx, n)
	return &nsFile{ns: n}
}

// Read: nsfs files have no read operation (EINVAL).
func (f *nsFile) Read(*Task, int64, int) ([]byte, error) {
	return nil, uapi.Err("read", uapi.EINVAL, "nsfs files cannot be read", "vfs_read")
}

// Write: nsfs files are opened read-only and have no write operation.
func (f *nsFile) Write(*Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EINVAL, "nsfs files cannot be written", "vfs_write")
}

// Release drops the file's share of the nsfs inode (nsfs_evict at the last).
func (f *nsFile) Release(ctx *ns.Ctx) { ns.NSFSPut(ctx, f.ns) }
