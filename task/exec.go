package task

import (
	"github.com/kernsim/kernsim/nsproxy"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Execve mirrors the credential and identity part of execve(2) (fs/exec.c,
// security/commoncap.c) for a program without set-id bits or file
// capabilities: the task takes the name comm, its capabilities are
// recomputed (cap_bprm_set_creds: if its real or effective uid is 0 in its own
// user namespace, permitted becomes the bounding set and effective follows;
// otherwise both become the ambient set, empty here), and its mm becomes
// dumpable again when its real and effective ids agree (setup_new_exec:
// SUID_DUMP_USER). There is no address space or program to load yet.
func (t *Task) Execve(comm string) error {
	if err := t.enter("execve"); err != nil {
		return err
	}
	defer t.leave()
	t.ctx.Enter("do_execve")
	defer t.ctx.Exit("do_execve")
	if t.Threads() > 1 {
		// de_thread would kill the other threads; not modelled yet.
		return uapi.Err("execve", uapi.EINVAL, "execve from a multi-threaded group is not modelled", "de_thread")
	}
	old := t.cred
	n := userns.PrepareCreds(&t.ctx, old, nil)
	root := userns.MakeKUID(n.UserNS(), 0)
	if root != userns.NoID && (n.UID == root || n.EUID == root) {
		n.CapPermitted = n.CapBset | n.CapInheritable
	} else {
		n.CapPermitted = n.CapAmbient
	}
	if n.EUID == root && root != userns.NoID {
		n.CapEffective = n.CapPermitted
	} else {
		n.CapEffective = n.CapAmbient
	}
	// exec_task_namespaces (mainline ≈6.1): enter time_ns_for_children.
	newNS, err := nsproxy.ExecTaskNamespaces(&t.ctx, t.nsproxy, old.UserNS(), t.current())
	if err != nil {
		n.Put(&t.ctx)
		return relabel(err, "execve")
	}
	if newNS != nil {
		switchTaskNamespaces(&t.ctx, t, newNS)
	}
	t.allocLock.Lock()
	t.comm = comm
	t.cred = n
	t.allocLock.Unlock()
	t.ctx.EUID = n.EUID
	t.mm.nonDumpable.Store(!(n.UID == n.EUID && n.GID == n.EGID))
	old.Put(&t.ctx)
	return nil
}
