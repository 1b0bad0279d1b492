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
	defer ctx.Exit("__x64_sys_setns")

	f := t.files.fget(fd)
	if f == nil {
		return uapi.Err("setns", uapi.EBADF, "fd "+strconv.Itoa(fd)+" is not open", "proc_ns_fget")
	}
	defer f.put(ctx)
	target := f.Namespace()
	if target == nil {
		return uapi.Err("setns", uapi.EINVAL, f.path+" is not an nsfs file", "proc_ns_fget")
	}
	if nstype != 0 && nstype != target.NS().Type().Flag() {
		return uapi.Err("setns", uapi.EINVAL, "nstype "+nstype.String()+" does not match the "+target.NS().Type().Name()+" namespace", "setns")
	}
	newNS, err := nsproxy.CreateNewNamespaces(ctx, 0, t.nsproxy, t.cred.UserNS(), t.ActivePidNS())
	if err != nil {
		return relabel(err, "setns")
	}
	in := nsproxy.Installer{Cred: t.cred, Threads: 1, FSUsers: 1, Active: t.ActivePidNS()}
	if typ := target.NS().Type(); typ == ns.USER || typ == ns.MNT { // the installs that read them
		in.Threads, in.FSUsers = t.Threads(), t.FSUsers()
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
