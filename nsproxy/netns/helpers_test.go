package netns_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// initNetInum is init_net's inode number on many 4.19 distribution kernels
// (the Kernel passes whatever its boot order gives).
const initNetInum = 4026531992

// fix is one Kernel's network-namespace state with root's credentials.
type fix struct {
	env  *ns.Env
	ctx  *ns.Ctx
	ug   *userns.Globals
	g    *netns.Globals
	root *userns.Cred
}

func newFix(t testing.TB, fl refcount.Flavour) *fix {
	t.Helper()
	env := &ns.Env{Refs: refcount.NewDomain(fl), Trace: trace.New(), Flavour: fl}
	ug := userns.NewGlobals(env, 1000)
	env.Inums.Alloc() // the initial mount namespace's 4026531840, as at boot
	g, err := netns.NewGlobals(env, ug, initNetInum, netns.DefaultBootDevices())
	require.NoError(t, err)
	f := &fix{env: env, ctx: ns.NewCtx(env, 0), ug: ug, g: g, root: new(userns.Cred)}
	userns.InitCred(f.root, ug)
	return f
}

// newNS is unshare(CLONE_NEWNET) by root: a namespace owned by init_user_ns.
func (f *fix) newNS(t testing.TB) *netns.Namespace {
	t.Helper()
	n, err := netns.CopyNetNS(f.ctx, uapi.CLONE_NEWNET, f.ug.Init, f.g.Init)
	require.NoError(t, err)
	return n
}

// unpriv returns uid 1000 without capabilities in init_user_ns.
func (f *fix) unpriv(t testing.TB) *userns.Cred {
	t.Helper()
	c := userns.PrepareCreds(f.ctx, f.root, nil)
	c.UID, c.EUID, c.SUID, c.FSUID = 1000, 1000, 1000, 1000
	c.GID, c.EGID, c.SGID, c.FSGID = 1000, 1000, 1000, 1000
	c.CapPermitted, c.CapEffective = 0, 0
	t.Cleanup(func() { c.Put(f.ctx) })
	return c
}

// userRoot returns the credentials of uid 1000 after unshare(CLONE_NEWUSER):
// every capability in its new user namespace, none outside. Its network
// namespace (owned by that user namespace) is made by unshare(CLONE_NEWNET)
// from inside; the caller puts it.
func (f *fix) userRoot(t testing.TB) (*userns.Cred, *netns.Namespace) {
	t.Helper()
	c := userns.PrepareCreds(f.ctx, f.unpriv(t), nil)
	require.NoError(t, userns.CreateUserNS(f.ctx, c))
	ctx := ns.NewCtx(f.env, c.EUID)
	n, err := netns.CopyNetNS(ctx, uapi.CLONE_NEWNET, c.UserNS(), f.g.Init)
	require.NoError(t, err)
	t.Cleanup(func() { c.Put(f.ctx) })
	return c, n
}

// state renders everything a failed call must leave alone: every listed
// namespace's devices in list order with all their fields, its ifindex
// counter and counts, and the leak registry.
func (f *fix) state(nss ...*netns.Namespace) string {
	var b strings.Builder
	for _, n := range append([]*netns.Namespace{f.g.Init}, nss...) {
		fmt.Fprintf(&b, "%s count=%d passive=%d last=%d\n", n.Link(), n.Count(), n.Passive(), n.LastIfindex())
		for _, d := range n.Devices() {
			fmt.Fprintf(&b, "  %+v\n", d)
		}
	}
	for _, l := range f.env.Refs.Live() {
		fmt.Fprintf(&b, "live %s\n", l)
	}
	return b.String()
}

// requireClean checks that no namespace or device made after boot is left
// (credentials are the test's own) and nothing warned.
func (f *fix) requireClean(t testing.TB) {
	t.Helper()
	require.Zero(t, f.env.Refs.CountKind("net"), "%v", f.env.Refs.Live())
	require.Zero(t, f.env.Refs.CountKind("net_device"), "%v", f.env.Refs.Live())
	require.Empty(t, f.env.Refs.Warnings())
	require.Zero(t, f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_NET_NAMESPACES))
	require.Zero(t, f.ug.Charged(f.ug.Init, 1000, userns.UCOUNT_NET_NAMESPACES))
}

// names lists n's device names in list order.
func names(n *netns.Namespace) []string {
	var out []string
	for _, d := range n.Devices() {
		out = append(out, d.Name)
	}
	return out
}

// ifindexes maps n's device names to their ifindex.
func ifindexes(n *netns.Namespace) map[string]int {
	out := map[string]int{}
	for _, d := range n.Devices() {
		out[d.Name] = d.Ifindex
	}
	return out
}

func dev(t testing.TB, n *netns.Namespace, name string) netns.DeviceInfo {
	t.Helper()
	d, ok := n.Device(name)
	require.True(t, ok, "no device %q in %s: %v", name, n.Link(), names(n))
	return d
}
