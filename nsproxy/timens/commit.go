package timens

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Slots is the time part of struct nsproxy (include/linux/nsproxy.h, 5.6+).
// Each non-nil field holds one reference on its namespace.
type Slots struct {
	// TimeNS is nsproxy->time_ns: the namespace the task's clocks read.
	TimeNS *Namespace
	// TimeNSForChildren is nsproxy->time_ns_for_children: the namespace the
	// task's next children (and, since ≈6.1, the task itself at execve)
	// enter; /proc/<pid>/timens_offsets and ns/time_for_children show it.
	TimeNSForChildren *Namespace
}

// InitSlots returns init_nsproxy's slots (kernel/nsproxy.c): both point at
// init_time_ns, whose static boot count already includes them.
func (g *Globals) InitSlots() Slots { return Slots{TimeNS: g.Init, TimeNSForChildren: g.Init} }

// Copy fills s the way create_new_namespaces (kernel/nsproxy.c) does after
// copy_net_ns: time_ns_for_children = copy_time_ns(flags, userNS,
// old->time_ns_for_children), then time_ns = get_time_ns(old->time_ns). On
// error s is left empty and nothing is held (the time slots are the last
// copied, so the caller's unwind starts with its own put_net).
func (s *Slots) Copy(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, old *Slots) error {
	forChildren, err := CopyTimeNS(ctx, flags, userNS, old.TimeNSForChildren)
	if err != nil {
		return err
	}
	old.TimeNS.Get()
	s.TimeNS, s.TimeNSForChildren = old.TimeNS, forChildren
	return nil
}

// Put drops the slots' references in free_nsproxy's order (kernel/nsproxy.c:
// put_time_ns(time_ns), then put_time_ns(time_ns_for_children), between the
// pid and cgroup namespaces) and clears them. Nil slots are skipped.
func (s *Slots) Put(ctx *ns.Ctx) {
	if s.TimeNS != nil {
		s.TimeNS.Put(ctx)
	}
	if s.TimeNSForChildren != nil {
		s.TimeNSForChildren.Put(ctx)
	}
	*s = Slots{}
}

// TimensOnFork mirrors timens_on_fork (kernel/time/namespace.c): if the new
// nsproxy's time_ns_for_children differs from its time_ns, the task enters it
// (time_ns takes a reference on it and drops the old one) and timens_commit
// freezes its offsets. copy_namespaces calls it for a child that does not
// share its parent's VM (no CLONE_VM); exec_task_namespaces (≈6.1) calls it
// on the fresh nsproxy execve builds when the two slots differ.
func TimensOnFork(ctx *ns.Ctx, s *Slots) {
	ctx.Enter("timens_on_fork")
	defer ctx.Exit("timens_on_fork")
	n := s.TimeNSForChildren
	if s.TimeNS == n { // create_new_namespaces already took the reference
		return
	}
	n.Get()
	s.TimeNS.Put(ctx)
	s.TimeNS = n
	Commit(ctx, n)
}

// Commit mirrors timens_commit (kernel/time/namespace.c), the part of setns's
// commit_nsset and of timens_on_fork that makes the task use n: its
// timens_set_vvar_page freezes n's offsets (nothing for init_time_ns; under
// offset_lock, once), and vdso_join_timens, which remaps the task's vvar
// pages, is not modelled.
func Commit(ctx *ns.Ctx, n *Namespace) {
	ctx.Enter("timens_commit")
	defer ctx.Exit("timens_commit")
	if n == n.g.Init || n.frozen.Load() { // fast path: every task but the first
		return
	}
	n.g.offsetLock.Lock()
	n.frozen.Store(true) // the vvar page would be filled from the offsets here
	n.g.offsetLock.Unlock()
}

// Install mirrors the checks of timens_install (kernel/time/namespace.c), in
// its order: a caller that is not single-threaded (current_is_single_threaded:
// another thread, or another process sharing its mm) gets EUSERS; then
// CAP_SYS_ADMIN over target's owner and over cred's own user namespace
// (nsset->cred->user_ns), else EPERM. cred is the nsset's cred. On success the
// caller applies Slots.Install to the nsset's nsproxy and, once the whole
// setns has succeeded, Commit(ctx, nsproxy's time_ns) (commit_nsset).
func Install(ctx *ns.Ctx, cred *userns.Cred, target *Namespace, singleThreaded bool) error {
	ctx.Enter("timens_install")
	defer ctx.Exit("timens_install")
	if !singleThreaded {
		return uapi.Err("setns", uapi.EUSERS, "caller is not single-threaded", "timens_install")
	}
	if err := userns.InstallPermission(cred, target.userNS, "timens_install"); err != nil {
		return err
	}
	return nil
}

// Install is the effect half of timens_install: both time_ns and
// time_ns_for_children take a reference on n and drop the one they held.
// Entering n this way freezes it only at Commit.
func (s *Slots) Install(ctx *ns.Ctx, n *Namespace) {
	n.Get()
	s.TimeNS.Put(ctx)
	s.TimeNS = n
	n.Get()
	s.TimeNSForChildren.Put(ctx)
	s.TimeNSForChildren = n
}
