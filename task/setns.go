package task

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Setns mirrors setns(2) in 4.19 (kernel/nsproxy.c):
//
//  1. proc_ns_fget: a descriptor that is not open is EBADF, one that is not an
//     nsfs file is EINVAL;
//  2. a non-zero nstype that is not the namespace's CLONE_NEW* bit is EINVAL;
//  3. create_new_namespaces(0, ...) builds an nsproxy sharing every current
//     namespace;
//  4. ns->ops->install swaps in the target (utsns_install, userns_install, ...)
//     with its permission checks; on failure free_nsproxy drops the copy;
//  5. switch_task_namespaces installs the new nsproxy (and userns_install's
//     credentials are committed).
//
// The file reference taken in step 1 is dropped on every path.
func (t *Task) Setns(fd int, nstype uapi.CloneFlags) error {
	if err := t.enter("setns"); err != nil {
		return err
	}
	defer t.leave()
	ctx := &t.ctx
	ctx.Enter("__x64_sys_setns")
	err := t.setns(fd, nstype)
	ctx.Exit("__x64_sys_setns")
	return err
}

// setns is the body of Setns (no defers: the many returns would make each
// one a runtime-managed defer on this hot path).
func (t *Task) setns(fd int, nstype uapi.CloneFlags) error {
	ctx := &t.ctx
	f := t.files.fget(fd)
	if f == nil {
		return uapi.Err("setns", uapi.EBADF, "fd "+strconv.Itoa(fd)+" is not open", "proc_ns_fget")
	}
	var err error
	if ctx.Env.Mainline() {
		err = t.setnsNSSet(f, nstype)
	} else {
		err = t.setns419(f, nstype)
	}
	f.put(ctx)
	return err
}

// setns419 is 4.19's setns once the file is held.
func (t *Task) setns419(f *File, nstype uapi.CloneFlags) error {
	ctx := &t.ctx
	target := f.Namespace()
	if target == nil {
		return uapi.Err("setns", uapi.EINVAL, f.path+" is not an nsfs file", "proc_ns_fget")
	}
	if nstype != 0 && nstype != target.NS().Type().Flag() {
		return uapi.Err("setns", uapi.EINVAL, "nstype "+nstype.String()+" does not match the "+target.NS().Type().Name()+" namespace", "setns")
	}
	newNS, err := nsproxy.CreateNewNamespaces(ctx, 0, t.nsproxy, t.cred.UserNS(), t.current())
	if err != nil {
		return relabel(err, "setns")
	}
	in := nsproxy.Installer{Cred: t.cred, Threads: 1, FSUsers: 1, MntFSUsers: 1, Active: t.ActivePidNS()}
	if typ := target.NS().Type(); typ == ns.USER || typ == ns.MNT { // the installs that read them
		in.Threads, in.FSUsers = t.Threads(), t.FSUsers()
		in.MntFSUsers = in.FSUsers
	}
	if err := nsproxy.Install(ctx, newNS, &in, target); err != nil {
		nsproxy.FreeNSProxy(ctx, newNS)
		return relabel(err, "setns")
	}
	if in.NewCred != nil {
		t.commitCreds(in.NewCred)
	}
	switchTaskNamespaces(ctx, t, newNS)
	return nil
}

// setnsNSSet is mainline's setns (5.8+, kernel/nsproxy.c): the descriptor
// is an nsfs file (its type becomes the flags; a different non-zero nstype
// is EINVAL) or a pidfd (check_setns_flags), anything else EINVAL; then
// prepare_nsset, the install of the one namespace (validate_ns) or of every
// namespace the flags name from the pidfd's task (validate_nsset), and on
// success commit_nsset; put_nsset drops whatever was not committed. All or
// nothing: a failing install leaves the caller as it was.
func (t *Task) setnsNSSet(f *File, flags uapi.CloneFlags) error {
	ctx := &t.ctx
	target := f.Namespace()
	switch {
	case target != nil:
		if flags != 0 && flags != target.NS().Type().Flag() {
			return uapi.Err("setns", uapi.EINVAL, "nstype "+flags.String()+" does not match the "+target.NS().Type().Name()+" namespace", "setns")
		}
		flags = target.NS().Type().Flag()
	case f.IsPidfd():
		if err := nsproxy.CheckSetnsFlags(flags); err != nil {
			return err
		}
	default:
		return uapi.Err("setns", uapi.EINVAL, f.path+" is neither an nsfs file nor a pidfd", "setns")
	}
	fsUsers := t.FSUsers()
	in := nsproxy.Installer{Cred: t.cred, Threads: t.Threads(), FSUsers: fsUsers, MntFSUsers: fsUsers, Active: t.ActivePidNS(), Current: t.current()}
	set, err := nsproxy.PrepareNSSet(ctx, flags, t.nsproxy, in)
	if err != nil {
		return relabel(err, "setns")
	}
	defer set.Put(ctx)
	if target != nil {
		ctx.Enter("validate_ns")
		err = set.Validate(ctx, target)
		ctx.Exit("validate_ns")
	} else {
		err = t.validateNSSet(set, f.PidfdTask())
	}
	if err != nil {
		return relabel(err, "setns")
	}
	ctx.Enter("commit_nsset")
	p, c := set.Commit()
	if c != nil {
		t.commitCreds(c)
	}
	if flags&uapi.CLONE_NEWTIME != 0 {
		nsproxy.CommitTime(ctx, p) // timens_commit
	}
	switchTaskNamespaces(ctx, t, p)
	ctx.Exit("commit_nsset")
	return nil
}

// validateNSSet mirrors validate_nsset: the pidfd's task must exist (ESRCH),
// be ptrace-readable with the caller's real credentials (EPERM) and still
// have namespaces (ESRCH); then its namespaces are installed in the kernel's
// order — user, mnt, uts, ipc, pid (its active pid namespace), cgroup, net,
// time —
// each named by the flags, the first failure ending the call.
func (t *Task) validateNSSet(set *nsproxy.NSSet, target *Task) error {
	ctx := &t.ctx
	ctx.Enter("validate_nsset")
	defer ctx.Exit("validate_nsset")
	if target == nil || target.State() == Dead {
		return uapi.Err("setns", uapi.ESRCH, "the pidfd's process has been reaped", "validate_nsset")
	}
	if err := t.ptraceMayAccess(target, "setns", true); err != nil {
		return uapi.Err("setns", uapi.EPERM, "no ptrace read access to the pidfd's process", "ptrace_may_access")
	}
	target.allocLock.Lock()
	nsp := target.nsproxy
	if nsp != nil {
		nsp.Get()
	}
	userNS := target.cred.UserNS()
	userNS.Get() // get_user_ns(__task_cred(tsk)->user_ns)
	target.allocLock.Unlock()
	defer userNS.Put(ctx)
	if nsp == nil {
		return uapi.Err("setns", uapi.ESRCH, "the pidfd's process has exited", "validate_nsset")
	}
	defer nsp.Put(ctx)

	order := []struct {
		flag uapi.CloneFlags
		ns   func() ns.Namespace
	}{
		{uapi.CLONE_NEWUSER, func() ns.Namespace { return userNS }},
		{uapi.CLONE_NEWNS, func() ns.Namespace { return nsp.MNT() }},
		{uapi.CLONE_NEWUTS, func() ns.Namespace { return nsp.UTS() }},
		{uapi.CLONE_NEWIPC, func() ns.Namespace { return nsp.IPC() }},
		{uapi.CLONE_NEWPID, func() ns.Namespace { return target.ActivePidNS() }},
		{uapi.CLONE_NEWCGROUP, func() ns.Namespace { return nsp.CGROUP() }},
		{uapi.CLONE_NEWNET, func() ns.Namespace { return nsp.NET() }},
		{uapi.CLONE_NEWTIME, func() ns.Namespace { return nsp.TimeNS() }},
	}
	for _, o := range order {
		if set.Flags&o.flag == 0 {
			continue
		}
		if err := set.Validate(ctx, o.ns()); err != nil {
			return err
		}
	}
	return nil
}
