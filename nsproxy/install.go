package nsproxy

import (
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/uapi"
)

// Installer is what the 4.19 install operations read of current besides the
// nsproxy being built: its cred, whether other threads share its thread group,
// and how many tasks share its fs_struct.
type Installer struct {
	Cred    *userns.Cred // current_cred()
	Threads int          // threads in current's thread group (1 = single-threaded)
	FSUsers int          // current->fs->users (userns_install)
	// MntFSUsers is the users count of the fs_struct mntns_install checks:
	// current's in 4.19 and for a setns of CLONE_NEWNS alone, the nsset's
	// private copy (1) when mainline's setns combines it with other flags.
	MntFSUsers int
	Active     *pidns.Namespace // task_active_pid_ns(current)
	// Current is the caller as create_new_namespaces needs it (prepare_nsset).
	Current Current
	// NewCred is set by userns_install: the credentials the caller must commit.
	NewCred *userns.Cred
}

// Install mirrors ns->ops->install(nsproxy, ns) for the namespace's type:
// utsns_install, userns_install, and the install operations of the initial-only
// types (ipcns_install, mntns_install, pidns_install, netns_install,
// cgroupns_install). On success p holds a reference on target in place of the
// one it held on the namespace it replaced. On failure p is unchanged.
func Install(ctx *ns.Ctx, p *NSProxy, in *Installer, target ns.Namespace) error {
	switch n := target.(type) {
	case *utsns.Namespace:
		return utsnsInstall(ctx, p, in, n)
	case *userns.Namespace:
		return usernsInstall(ctx, in, n)
	case *pidns.Namespace:
		return pidnsInstall(ctx, p, in, n)
	case *mntns.Namespace:
		return mntnsInstall(ctx, p, in, n)
	case *ipcns.Namespace:
		return ipcnsInstall(ctx, p, in, n)
	case *cgroupns.Namespace:
		return cgroupnsInstall(ctx, p, in, n)
	case *timens.Namespace:
		return timensInstall(ctx, p, in, n)
	case *netns.Namespace:
		return netnsInstall(ctx, p, in, n)
	}
	return uapi.Err("setns", uapi.EINVAL, "not a namespace the simulator can install", "proc_ns_fget")
}

// utsnsInstall mirrors utsns_install (kernel/utsname.c): CAP_SYS_ADMIN in the
// target's owner and in the caller's user namespace, else EPERM; then swap the
// uts reference.
func utsnsInstall(ctx *ns.Ctx, p *NSProxy, in *Installer, n *utsns.Namespace) error {
	ctx.Enter("utsns_install")
	defer ctx.Exit("utsns_install")
	if err := userns.InstallPermission(in.Cred, n.UserNS(), "utsns_install"); err != nil {
		return err
	}
	n.Get()
	p.uts.Put(ctx)
	p.uts = n
	return nil
}

// usernsInstall mirrors userns_install (kernel/user_namespace.c): the caller's
// own user namespace (EINVAL), a multi-threaded caller (EINVAL), a shared
// fs_struct (EINVAL), no CAP_SYS_ADMIN in the target (EPERM); then new
// credentials with full capabilities in the target, which the caller commits.
func usernsInstall(ctx *ns.Ctx, in *Installer, n *userns.Namespace) error {
	ctx.Enter("userns_install")
	defer ctx.Exit("userns_install")
	switch {
	case n == in.Cred.UserNS():
		return uapi.Err("setns", uapi.EINVAL, "target is the caller's own user namespace", "userns_install")
	case in.Threads > 1:
		return uapi.Err("setns", uapi.EINVAL, "caller shares its thread group", "userns_install")
	case in.FSUsers > 1:
		return uapi.Err("setns", uapi.EINVAL, "caller shares its fs_struct (CLONE_FS)", "userns_install")
	case !userns.NSCapable(in.Cred, n, uapi.CAP_SYS_ADMIN):
		return uapi.Err("setns", uapi.EPERM, "no CAP_SYS_ADMIN in the target user namespace", "userns_install")
	}
	c := userns.PrepareCreds(ctx, in.Cred, nil)
	userns.SetCredUserNS(ctx, c, n)
	in.NewCred = c
	return nil
}

// mntnsInstall mirrors mntns_install (fs/namespace.c): CAP_SYS_ADMIN in the
// target's owner, and CAP_SYS_CHROOT and CAP_SYS_ADMIN in the caller's user
// namespace (EPERM); an fs_struct shared with another task (EINVAL); then
// the nsproxy takes the target (entering the current namespace is allowed)
// and the caller's root and cwd become the target's root — which is where
// the simulator always walks from, so nothing else moves. Anonymous
// namespaces (mainline's EINVAL) do not exist in the simulator.
func mntnsInstall(ctx *ns.Ctx, p *NSProxy, in *Installer, n *mntns.Namespace) error {
	ctx.Enter("mntns_install")
	defer ctx.Exit("mntns_install")
	if !userns.InstallCapable(in.Cred, n.UserNS()) || !userns.NSCapable(in.Cred, in.Cred.UserNS(), uapi.CAP_SYS_CHROOT) {
		return uapi.Err("setns", uapi.EPERM, "no CAP_SYS_ADMIN in the target's owner, or no CAP_SYS_CHROOT and CAP_SYS_ADMIN in the caller's user namespace", "mntns_install")
	}
	if in.MntFSUsers != 1 {
		return uapi.Err("setns", uapi.EINVAL, "caller shares its fs_struct (CLONE_FS)", "mntns_install")
	}
	n.Get()
	p.mnt.Put(ctx)
	p.mnt = n
	return nil
}

// ipcnsInstall mirrors ipcns_install (ipc/namespace.c): the EPERM rule
// (ipcns.Install), exit_sem (4.19 here, mainline in commit_nsset; semaphore
// undo lists are not modelled, so it has nothing to undo), then the swap.
func ipcnsInstall(ctx *ns.Ctx, p *NSProxy, in *Installer, n *ipcns.Namespace) error {
	if err := ipcns.Install(ctx, in.Cred, n); err != nil {
		return err
	}
	n.Get()
	p.ipc.Put(ctx)
	p.ipc = n
	return nil
}

// timensInstall mirrors timens_install (kernel/time/namespace.c, mainline):
// a caller that is not single-threaded is EUSERS, then the EPERM rule; on
// success both time_ns and time_ns_for_children become the target. The
// offsets freeze when the set is committed (timens_commit, in CommitTime).
func timensInstall(ctx *ns.Ctx, p *NSProxy, in *Installer, n *timens.Namespace) error {
	if err := timens.Install(ctx, in.Cred, n, in.Threads <= 1); err != nil {
		return err
	}
	p.time.Install(ctx, n)
	return nil
}

// CommitTime is commit_nsset's timens_commit: the entered time namespace's
// offsets freeze.
func CommitTime(ctx *ns.Ctx, p *NSProxy) {
	if p.time.TimeNS != nil {
		timens.Commit(ctx, p.time.TimeNS)
	}
}

// cgroupnsInstall mirrors cgroupns_install (kernel/cgroup/namespace.c): the
// EPERM rule (cgroupns.Install), nothing to do when the target is already
// the set's namespace, else the swap.
func cgroupnsInstall(ctx *ns.Ctx, p *NSProxy, in *Installer, n *cgroupns.Namespace) error {
	swap, err := cgroupns.Install(ctx, in.Cred, p.cgroup, n)
	if err != nil || !swap {
		return err
	}
	n.Get()
	p.cgroup.Put(ctx)
	p.cgroup = n
	return nil
}

// netnsInstall mirrors netns_install (net/core/net_namespace.c): the EPERM
// rule (netns.Install), then the swap.
func netnsInstall(ctx *ns.Ctx, p *NSProxy, in *Installer, n *netns.Namespace) error {
	if err := netns.Install(ctx, in.Cred, n); err != nil {
		return err
	}
	n.Get()
	p.net.Put(ctx)
	p.net = n
	return nil
}

// pidnsInstall mirrors pidns_install (kernel/pid_namespace.c): CAP_SYS_ADMIN in
// the target's owner and in the caller's user namespace (EPERM); the target
// must be the caller's active pid namespace or one of its descendants
// (EINVAL); then only pid_ns_for_children changes — the caller keeps its pid.
func pidnsInstall(ctx *ns.Ctx, p *NSProxy, in *Installer, n *pidns.Namespace) error {
	ctx.Enter("pidns_install")
	defer ctx.Exit("pidns_install")
	if err := userns.InstallPermission(in.Cred, n.UserNS(), "pidns_install"); err != nil {
		return err
	}
	active := in.Active
	if n.Level() < active.Level() {
		return uapi.Err("setns", uapi.EINVAL, "target pid namespace is above the caller's", "pidns_install")
	}
	anc := n
	for anc.Level() > active.Level() {
		anc = anc.Parent()
	}
	if anc != active {
		return uapi.Err("setns", uapi.EINVAL, "target pid namespace is not the caller's or a descendant of it", "pidns_install")
	}
	n.Get()
	p.pidForChildren.Put(ctx)
	p.pidForChildren = n
	return nil
}
