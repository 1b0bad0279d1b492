package timens_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// fix is one mainline Kernel's worth of user- and time-namespace state.
type fix struct {
	env   *ns.Env
	ctx   *ns.Ctx
	users *userns.Globals
	g     *timens.Globals
	root  userns.Cred // init_cred
}

func newFix(t testing.TB) *fix {
	t.Helper()
	f := &fix{env: &ns.Env{Refs: refcount.NewDomain(refcount.Mainline), Trace: trace.New(), Flavour: refcount.Mainline}}
	f.ctx = ns.NewCtx(f.env, 0)
	f.users = userns.NewGlobals(f.env, 1000)
	f.g = timens.NewGlobals(f.env, f.users)
	userns.InitCred(&f.root, f.users)
	return f
}

// user returns a cred derived from parent with every id set to kuid and the
// given effective and permitted capabilities.
func (f *fix) user(parent *userns.Cred, kuid uint32, caps uapi.CapSet) *userns.Cred {
	c := userns.PrepareCreds(f.ctx, parent, nil)
	c.UID, c.EUID, c.SUID, c.FSUID = kuid, kuid, kuid, kuid
	c.GID, c.EGID, c.SGID, c.FSGID = kuid, kuid, kuid, kuid
	c.CapPermitted, c.CapEffective = caps, caps
	return c
}

// inUserNS returns a cred inside a new user namespace created by creator
// (prepare_creds + create_user_ns): full capabilities there.
func (f *fix) inUserNS(t testing.TB, creator *userns.Cred) *userns.Cred {
	t.Helper()
	c := userns.PrepareCreds(f.ctx, creator, nil)
	require.NoError(t, userns.CreateUserNS(f.ctx, c))
	return c
}

// newNS returns a new, unfrozen time namespace owned by owner, copied from
// init_time_ns (unshare(CLONE_NEWTIME) as root in owner).
func (f *fix) newNS(t testing.TB, owner *userns.Namespace) *timens.Namespace {
	t.Helper()
	n, err := timens.CopyTimeNS(f.ctx, uapi.CLONE_NEWTIME, owner, f.g.Init)
	require.NoError(t, err)
	return n
}

// charged reads the max_time_namespaces charge of (init_user_ns, uid 0).
func (f *fix) charged() int64 {
	return f.users.Charged(f.users.Init, 0, userns.UCOUNT_TIME_NAMESPACES)
}

// state is what a failed call must leave alone.
type state struct {
	offsets     timens.Offsets
	frozen      bool
	count       int64
	initCount   int64
	ownerCount  int64
	charged     int64
	inums, live int
	show        string
}

func (f *fix) state(n *timens.Namespace) state {
	return state{
		offsets: n.Offsets(), frozen: n.Frozen(), count: n.Count(), initCount: f.g.Init.Count(),
		ownerCount: n.UserNS().Count(), charged: f.charged(),
		inums: f.env.Inums.InUse(), live: f.env.Refs.LiveCount(), show: timens.ShowOffsets(n),
	}
}

// requireClean checks that everything the test made is gone and nothing warned.
func (f *fix) requireClean(t testing.TB) {
	t.Helper()
	require.NoError(t, f.env.Refs.Leaks())
	require.Empty(t, f.env.Refs.Warnings())
	require.Zero(t, f.env.Inums.InUse())
	require.Zero(t, f.charged())
}

func offs(mono, boot timens.Timespec64) timens.Offsets {
	return timens.Offsets{Monotonic: mono, Boottime: boot}
}

func ts(sec, nsec int64) timens.Timespec64 { return timens.Timespec64{Sec: sec, Nsec: nsec} }

func itoa(v int) string { return strconv.Itoa(v) }
