package netns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

func moveRows(fl refcount.Flavour) []errRow {
	move := func(from, to func(w *world) *netns.Namespace, name string) func(w *world) error {
		return func(w *world) error { return netns.LinkSetNetNS(w.ctx, from(w), w.root, name, to(w)) }
	}
	a := func(w *world) *netns.Namespace { return w.a }
	b := func(w *world) *netns.Namespace { return w.b }
	taken := uapi.EINVAL // 4.19: dev_get_valid_name(net, dev, "")
	if fl == refcount.Mainline {
		taken = uapi.EEXIST
	}
	return []errRow{
		{name: "unprivileged", run: func(w *world) error { return netns.LinkSetNetNS(w.ctx, w.a, w.nobody, "d0", w.b) },
			errno: uapi.EPERM, check: "rtnetlink_rcv_msg"},
		{name: "no CAP_NET_ADMIN over the target", setup: func(w *world) {
			require.NoError(w.t, netns.LinkAdd(w.ctx, w.u, w.uroot, "dummy", "mine", "", nil))
		}, run: func(w *world) error {
			return netns.LinkSetNetNS(w.ctx, w.u, w.uroot, "mine", w.a)
		}, errno: uapi.EPERM, check: "rtnl_link_get_net_capable"},
		{name: "no CAP_NET_ADMIN over the source", run: func(w *world) error {
			return netns.LinkSetNetNS(w.ctx, w.a, w.uroot, "d0", w.u)
		}, errno: uapi.EPERM, check: "rtnetlink_rcv_msg"},
		{name: "ERANGE", run: move(a, b, "0123456789abcdef"), errno: uapi.ERANGE},
		{name: "no such device", run: move(a, b, "vb"), errno: uapi.ENODEV},
		{name: "lo is NETIF_F_NETNS_LOCAL", run: move(a, b, "lo"), errno: uapi.EINVAL, check: "dev_change_net_namespace"},
		{name: "lo into its own namespace", run: move(a, a, "lo"), errno: uapi.EINVAL},
		{name: "name taken in the target", setup: func(w *world) {
			require.NoError(w.t, netns.LinkAdd(w.ctx, w.b, w.root, "dummy", "d0", "", nil))
		}, run: move(a, b, "d0"), errno: taken},
	}
}

func TestLinkSetNetNSErrors(t *testing.T) {
	t.Parallel()
	t.Run("4.19", func(t *testing.T) { t.Parallel(); runErrRows(t, refcount.Linux419, moveRows(refcount.Linux419)) })
	t.Run("mainline", func(t *testing.T) { t.Parallel(); runErrRows(t, refcount.Mainline, moveRows(refcount.Mainline)) })
}

func TestLinkSetNetNS(t *testing.T) {
	t.Parallel()
	w := newWorld(t, refcount.Linux419)
	assert.Equal(t, map[string]int{"lo": 1, "d0": 2, "va": 3}, ifindexes(w.a))
	assert.Equal(t, map[string]int{"lo": 1, "vb": 2}, ifindexes(w.b), "the peer registered first, in b")

	require.NoError(t, netns.LinkSetNetNS(w.ctx, w.a, w.root, "d0", w.a), "same namespace: nothing to do")
	require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "va"))
	require.NoError(t, netns.LinkSetUp(w.ctx, w.b, w.root, "vb"))
	require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "d0"))

	// d0 moves to b: index 2 is vb's there, so it gets b's next, 3; it is closed.
	require.NoError(t, netns.LinkSetNetNS(w.ctx, w.a, w.root, "d0", w.b))
	assert.Equal(t, []string{"lo", "va"}, names(w.a))
	assert.Equal(t, []string{"lo", "vb", "d0"}, names(w.b))
	assert.Equal(t, 3, dev(t, w.b, "d0").Ifindex)
	assert.False(t, dev(t, w.b, "d0").Running, "dev_close before the move")

	// va moves to b next to its peer: index 3 is taken, so 4; closing it
	// takes the carrier of vb, which stays up.
	require.NoError(t, netns.LinkSetNetNS(w.ctx, w.a, w.root, "va", w.b))
	vb := dev(t, w.b, "vb")
	assert.Equal(t, "lowerlayerdown", vb.Operstate)
	assert.False(t, vb.Carrier)
	assert.Equal(t, 4, vb.PeerIfindex)
	assert.Equal(t, w.b.Inum(), vb.PeerNetInum)

	// Back to a, where 4 is free: it keeps 4 and a's counter stays at 3.
	require.NoError(t, netns.LinkSetNetNS(w.ctx, w.b, w.root, "va", w.a))
	assert.Equal(t, 4, dev(t, w.a, "va").Ifindex)
	assert.Equal(t, 3, w.a.LastIfindex())

	// A physical NIC moves too, keeping index 2, free in a.
	require.NoError(t, netns.LinkSetNetNS(w.ctx, w.g.Init, w.root, "eth0", w.a))
	assert.Equal(t, []string{"lo"}, names(w.g.Init))
	assert.Equal(t, 2, dev(t, w.a, "eth0").Ifindex, "index 2 is free in a")
	assert.Equal(t, "down", dev(t, w.a, "eth0").Operstate)
	require.NoError(t, netns.LinkSetNetNS(w.ctx, w.a, w.root, "eth0", w.g.Init))
}

func renameRows(fl refcount.Flavour) []errRow {
	ren := func(name, to string) func(w *world) error {
		return func(w *world) error { return netns.LinkRename(w.ctx, w.a, w.root, name, to) }
	}
	rows := []errRow{
		{name: "unprivileged", run: func(w *world) error { return netns.LinkRename(w.ctx, w.a, w.nobody, "d0", "x") },
			errno: uapi.EPERM},
		{name: "ERANGE new name", run: ren("d0", "0123456789abcdef"), errno: uapi.ERANGE},
		{name: "ERANGE before ENODEV", run: ren("nope", "0123456789abcdef"), errno: uapi.ERANGE},
		{name: "no such device", run: ren("nope", "x"), errno: uapi.ENODEV},
		{name: "taken", run: ren("d0", "va"), errno: uapi.EEXIST, check: "dev_get_valid_name"},
		{name: "taken by lo", run: ren("va", "lo"), errno: uapi.EEXIST},
		{name: "invalid", run: ren("d0", "a/b"), errno: uapi.EINVAL},
		{name: "bad format", run: ren("d0", "x%x"), errno: uapi.EINVAL},
	}
	if fl == refcount.Linux419 {
		rows = append(rows, errRow{name: "up", run: func(w *world) error {
			require.NoError(w.t, netns.LinkSetUp(w.ctx, w.a, w.root, "lo"))
			return netns.LinkRename(w.ctx, w.a, w.root, "lo", "lo") // EBUSY comes before the same-name check
		}, errno: uapi.EBUSY, check: "dev_change_name"})
	}
	return rows
}

func TestLinkRenameErrors(t *testing.T) {
	t.Parallel()
	t.Run("4.19", func(t *testing.T) { t.Parallel(); runErrRows(t, refcount.Linux419, renameRows(refcount.Linux419)) })
	t.Run("mainline", func(t *testing.T) { t.Parallel(); runErrRows(t, refcount.Mainline, renameRows(refcount.Mainline)) })
}

func TestLinkRename(t *testing.T) {
	t.Parallel()
	for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		w := newWorld(t, fl)
		require.NoError(t, netns.LinkRename(w.ctx, w.a, w.root, "d0", ""), "empty IFLA_IFNAME: no rename")
		require.NoError(t, netns.LinkRename(w.ctx, w.a, w.root, "d0", "d0"))
		require.NoError(t, netns.LinkRename(w.ctx, w.a, w.root, "d0", "va%d"), "va is no unit: va0")
		require.NoError(t, netns.LinkRename(w.ctx, w.a, w.root, "va", "va%d"), "va0 is taken: va1")
		assert.Equal(t, []string{"lo", "va0", "va1"}, names(w.a))
		assert.Equal(t, "va1", dev(t, w.b, "vb").PeerName)
		require.NoError(t, netns.LinkRename(w.ctx, w.a, w.root, "lo", "loop"), "lo may be renamed")
		require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "va1"))
		err := netns.LinkRename(w.ctx, w.a, w.root, "va1", "live")
		if fl == refcount.Linux419 {
			require.ErrorIs(t, err, uapi.EBUSY)
		} else {
			require.NoError(t, err, "mainline renames devices that are up")
		}
	}
}

// The link watcher runs after the whole request: when a veth's peer moves
// and takes, in its new namespace, the same ifindex as the end left behind,
// that end's iflink equals its own index and default_operstate says "down"
// rather than "lowerlayerdown" (checked on the 6.18 machine by
// TestDiffNamespaces).
func TestLinkWatchAfterMove(t *testing.T) {
	t.Parallel()
	w := newWorld(t, refcount.Linux419)
	c := w.newNS(t)
	defer c.Put(w.ctx)
	require.NoError(t, netns.LinkAdd(w.ctx, c, w.root, "dummy", "", "", nil)) // c: lo 1, dummy0 2
	require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "va"))
	require.NoError(t, netns.LinkSetUp(w.ctx, w.b, w.root, "vb"))
	assert.Equal(t, "up", dev(t, w.a, "va").Operstate)
	require.NoError(t, netns.LinkSetNetNS(w.ctx, w.b, w.root, "vb", c))
	va := dev(t, w.a, "va")
	assert.Equal(t, 3, va.Ifindex)
	assert.Equal(t, 3, va.PeerIfindex, "vb found index 2 taken in c and got 3")
	assert.Equal(t, "down", va.Operstate)
	assert.True(t, va.Running)
	// Up again in b (where it keeps 3): carrier on both ends, "up".
	require.NoError(t, netns.LinkSetNetNS(w.ctx, c, w.root, "vb", w.b))
	require.NoError(t, netns.LinkSetUp(w.ctx, w.b, w.root, "vb"))
	assert.Equal(t, 3, dev(t, w.b, "vb").Ifindex)
	assert.Equal(t, "up", dev(t, w.a, "va").Operstate)
}
