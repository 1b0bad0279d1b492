package nsproxy

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// NSSet mirrors struct nsset (kernel/nsproxy.c, mainline 5.8): what a setns
// call builds before it commits — the flags, a new nsproxy sharing every
// namespace of the caller, and the credentials later installs test against
// (prepared ones when CLONE_NEWUSER is asked). Installs update it in place;
// Commit hands it to the caller, Put drops what was not committed.
type NSSet struct {
	Flags   uapi.CloneFlags
	NSProxy *NSProxy
	In      Installer
}

// CheckSetnsFlags mirrors check_setns_flags: a pidfd setns needs at least
// one of the eight namespace bits and no other bit (EINVAL).
func CheckSetnsFlags(flags uapi.CloneFlags) error {
	if flags == 0 || flags&^uapi.AllNamespaceFlags != 0 {
		return uapi.Err("setns", uapi.EINVAL, "flags must be a non-empty set of CLONE_NEW* bits", "check_setns_flags")
	}
	return nil
}

// PrepareNSSet mirrors prepare_nsset: create_new_namespaces(0, …) for the
// new nsproxy; the caller's credentials (prepare_creds is deferred to
// userns_install, which makes the copy); and for the mount namespace's
// fs_struct, the caller's own when CLONE_NEWNS is the only flag, else a
// private copy (users 1). in carries the caller's state.
func PrepareNSSet(ctx *ns.Ctx, flags uapi.CloneFlags, cur *NSProxy, in Installer) (*NSSet, error) {
	ctx.Enter("prepare_nsset")
	defer ctx.Exit("prepare_nsset")
	p, err := CreateNewNamespaces(ctx, 0, cur, in.Cred.UserNS(), in.Current)
	if err != nil {
		return nil, err
	}
	s := &NSSet{Flags: flags, NSProxy: p, In: in}
	if flags&uapi.CLONE_NEWNS != 0 && flags != uapi.CLONE_NEWNS {
		s.In.MntFSUsers = 1 // copy_fs_struct: a private copy
	}
	return s, nil
}

// Validate mirrors validate_ns: target's install operation against the set.
// After a user namespace install, later installs test the new credentials
// (nsset->cred), which is what lets one call enter namespaces owned by the
// target's user namespace.
func (s *NSSet) Validate(ctx *ns.Ctx, target ns.Namespace) error {
	if err := Install(ctx, s.NSProxy, &s.In, target); err != nil {
		return err
	}
	if s.In.NewCred != nil {
		s.In.Cred = s.In.NewCred
	}
	return nil
}

// Commit mirrors commit_nsset's hand-over: it returns the new nsproxy and the
// credentials to commit (nil when no user namespace was installed) and
// leaves nothing for Put to drop.
func (s *NSSet) Commit() (*NSProxy, *userns.Cred) {
	p, c := s.NSProxy, s.In.NewCred
	s.NSProxy, s.In.NewCred = nil, nil
	return p, c
}

// Put mirrors put_nsset: drop the prepared credentials and nsproxy that were
// not committed.
func (s *NSSet) Put(ctx *ns.Ctx) {
	if s.In.NewCred != nil {
		s.In.NewCred.Put(ctx)
		s.In.NewCred = nil
	}
	if s.NSProxy != nil {
		FreeNSProxy(ctx, s.NSProxy)
		s.NSProxy = nil
	}
}
