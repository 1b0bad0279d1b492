package task

import (
	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Unshare mirrors unshare(2) → ksys_unshare (kernel/fork.c, 4.19):
//
//  1. implied flags, in the kernel's order: CLONE_NEWUSER adds CLONE_THREAD and
//     CLONE_FS; CLONE_VM adds CLONE_SIGHAND; CLONE_SIGHAND adds CLONE_THREAD;
//     CLONE_NEWNS adds CLONE_FS;
//  2. check_unshare_flags: a bit outside the allowed mask, or an "unshare" of
//     a thread group, signal handlers or address space that is really shared,
//     is EINVAL;
//  3. unshare_fs and unshare_fd make private copies where asked and shared;
//  4. unshare_userns creates the user namespace in a new cred;
//  5. unshare_nsproxy_namespaces builds the new nsproxy (EPERM without
//     CAP_SYS_ADMIN in the — possibly new — user namespace);
//  6. commit: switch_task_namespaces, the new fs_struct and fd table, then
//     commit_creds.
//
// A failure anywhere drops everything prepared so far and changes nothing.
func (t *Task) Unshare(flags uapi.CloneFlags) error {
	if err := t.enter("unshare"); err != nil {
		return err
	}
	defer t.leave()
	t.ctx.Enter("ksys_unshare")
	err := t.unshare(flags)
	t.ctx.Exit("ksys_unshare")
	return err
}

// unshare is ksys_unshare's body (no defers: see setns).
func (t *Task) unshare(flags uapi.CloneFlags) error {
	ctx := &t.ctx
	if flags&uapi.CLONE_NEWUSER != 0 {
		flags |= uapi.CLONE_THREAD | uapi.CLONE_FS
	}
	if flags&uapi.CLONE_VM != 0 {
		flags |= uapi.CLONE_SIGHAND
	}
	if flags&uapi.CLONE_SIGHAND != 0 {
		flags |= uapi.CLONE_THREAD
	}
	if flags&uapi.CLONE_NEWNS != 0 {
		flags |= uapi.CLONE_FS
	}
	if err := t.checkUnshareFlags(flags); err != nil {
		return err
	}

	// unshare_fs: a private fs_struct when CLONE_FS is asked and it is shared.
	newFS := false
	if flags&uapi.CLONE_FS != 0 && t.FSUsers() > 1 {
		newFS = true
	}
	// unshare_fd: a private fd table when CLONE_FILES is asked and it is shared.
	var newFD *filesStruct
	if flags&uapi.CLONE_FILES != 0 && t.files.count.Read() > 1 {
		newFD = new(filesStruct)
		dupFD(t.k.Env.Refs, t.files, newFD)
	}
	// unshare_userns.
	var newCred *userns.Cred
	if flags&uapi.CLONE_NEWUSER != 0 {
		ctx.Enter("unshare_userns")
		newCred = userns.PrepareCreds(ctx, t.cred, nil)
		if err := userns.CreateUserNS(ctx, newCred); err != nil {
			ctx.Exit("unshare_userns")
			newCred.Put(ctx)
			if newFD != nil {
				putFiles(ctx, newFD)
			}
			return relabel(err, "unshare")
		}
		ctx.Exit("unshare_userns")
	}
	newNS, err := nsproxy.UnshareNSProxyNamespaces(ctx, flags, t.nsproxy, t.cred, newCred, t.current())
	if err != nil {
		if newCred != nil {
			newCred.Put(ctx)
		}
		if newFD != nil {
			putFiles(ctx, newFD)
		}
		return relabel(err, "unshare")
	}

	if newNS != nil {
		switchTaskNamespaces(ctx, t, newNS)
	}
	if newFS {
		t.allocLock.Lock()
		t.fs.users--
		t.own.fs = fsStruct{users: 1}
		t.fs = &t.own.fs
		t.allocLock.Unlock()
	}
	if newFD != nil {
		t.allocLock.Lock()
		old := t.files
		t.files = newFD
		t.allocLock.Unlock()
		putFiles(ctx, old)
	}
	if newCred != nil {
		t.commitCreds(newCred)
	}
	return nil
}

// checkUnshareFlags mirrors check_unshare_flags (kernel/fork.c).
func (t *Task) checkUnshareFlags(f uapi.CloneFlags) error {
	allowed := uapi.UnshareAllowed419
	if t.k.Env.Mainline() {
		allowed = uapi.UnshareAllowedMainline
	}
	if f&^allowed != 0 {
		return uapi.Err("unshare", uapi.EINVAL, "flags outside the unshare mask: "+(f&^allowed).String(), "check_unshare_flags")
	}
	threads := t.signal.nrThreads.Load()
	if f&(uapi.CLONE_THREAD|uapi.CLONE_SIGHAND|uapi.CLONE_VM) != 0 && threads > 1 {
		return uapi.Err("unshare", uapi.EINVAL, "the thread group has other threads", "check_unshare_flags")
	}
	if f&(uapi.CLONE_SIGHAND|uapi.CLONE_VM) != 0 && t.sighand.count.Read() > 1 {
		return uapi.Err("unshare", uapi.EINVAL, "signal handlers are shared (CLONE_SIGHAND)", "check_unshare_flags")
	}
	if f&uapi.CLONE_VM != 0 && t.mm.users.Read() > 1 {
		return uapi.Err("unshare", uapi.EINVAL, "the address space is shared (CLONE_VM)", "check_unshare_flags")
	}
	return nil
}
