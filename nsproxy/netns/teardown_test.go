package netns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/refcount"
)

// default_device_exit: a physical NIC in a dying namespace goes back to
// init_net (down, keeping its name and ifindex when free there, at the tail
// of the list); everything made over rtnetlink is deleted.
func TestTeardownPhysicalReturns(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	x := f.newNS(t)
	require.NoError(t, netns.LinkSetNetNS(f.ctx, f.g.Init, f.root, "eth0", x))
	require.NoError(t, netns.LinkAdd(f.ctx, x, f.root, "dummy", "", "", nil))
	require.NoError(t, netns.LinkSetUp(f.ctx, x, f.root, "eth0"))
	require.NoError(t, netns.LinkAdd(f.ctx, f.g.Init, f.root, "dummy", "", "", nil)) // init_net: dummy0, index 3
	assert.Equal(t, "up", dev(t, x, "eth0").Operstate)

	x.Put(f.ctx)
	assert.Equal(t, []string{"lo", "dummy0", "eth0"}, names(f.g.Init))
	eth0 := dev(t, f.g.Init, "eth0")
	assert.Equal(t, 2, eth0.Ifindex)
	assert.False(t, eth0.Running)
	assert.Equal(t, [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}, eth0.Addr)
	require.NoError(t, netns.LinkDel(f.ctx, f.g.Init, f.root, "dummy0"))
	f.requireClean(t)
}

// The returning NIC's name is taken in init_net: it comes back as
// "dev<ifindex>", and with a new index when its own is taken.
func TestTeardownPhysicalRenamed(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	x := f.newNS(t)
	require.NoError(t, netns.LinkAdd(f.ctx, x, f.root, "dummy", "", "", nil)) // x: dummy0 = 2
	require.NoError(t, netns.LinkSetNetNS(f.ctx, f.g.Init, f.root, "eth0", x))
	assert.Equal(t, 3, dev(t, x, "eth0").Ifindex, "2 is dummy0's in x")
	require.NoError(t, netns.LinkAdd(f.ctx, f.g.Init, f.root, "dummy", "eth0", "", nil)) // init_net: 3
	x.Put(f.ctx)
	assert.Equal(t, map[string]int{"lo": 1, "eth0": 3, "dev3": 4}, ifindexes(f.g.Init),
		"fb_name is built from the index in the dying namespace; 3 is taken, so init_net's next")
	assert.Equal(t, "52:54:00:12:34:56", mac(t, f.g.Init, "dev3"))
	require.NoError(t, netns.LinkDel(f.ctx, f.g.Init, f.root, "eth0"))
	f.requireClean(t)
}

// "dev<ifindex>" taken too: 4.19 BUG()s (recorded as a warning, then the
// mainline fallback); mainline falls back to "dev%d" without complaint.
func TestTeardownPhysicalFallback(t *testing.T) {
	t.Parallel()
	for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		f := newFix(t, fl)
		x := f.newNS(t)
		require.NoError(t, netns.LinkSetNetNS(f.ctx, f.g.Init, f.root, "eth0", x))
		for _, name := range []string{"eth0", "dev2"} {
			require.NoError(t, netns.LinkAdd(f.ctx, f.g.Init, f.root, "dummy", name, "", nil))
		}
		x.Put(f.ctx)
		assert.Equal(t, map[string]int{"lo": 1, "eth0": 3, "dev2": 4, "dev0": 2}, ifindexes(f.g.Init), fl)
		if fl == refcount.Linux419 {
			require.Len(t, f.env.Refs.Warnings(), 1)
			assert.Contains(t, f.env.Refs.Warnings()[0].Message, "default_device_exit: failed to move eth0")
		} else {
			assert.Empty(t, f.env.Refs.Warnings())
		}
	}
}

// A veth pair dies with either end's namespace; the pair's other namespace
// loses its end.
func TestTeardownVethPair(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	a, b := f.newNS(t), f.newNS(t)
	require.NoError(t, netns.LinkAdd(f.ctx, a, f.root, "veth", "va", "vb", b))
	require.NoError(t, netns.LinkAdd(f.ctx, a, f.root, "veth", "inner0", "inner1", nil))
	require.NoError(t, netns.LinkAdd(f.ctx, f.g.Init, f.root, "veth", "host0", "cont0", b))
	require.NoError(t, netns.LinkSetUp(f.ctx, f.g.Init, f.root, "host0"))
	require.NoError(t, netns.LinkSetUp(f.ctx, b, f.root, "cont0"))
	assert.Equal(t, "up", dev(t, f.g.Init, "host0").Operstate)
	assert.Equal(t, 8, f.env.Refs.CountKind("net_device"), "two lo, three pairs")

	b.Put(f.ctx)
	assert.Equal(t, []string{"lo", "eth0"}, names(f.g.Init), "host0 went with cont0")
	assert.Equal(t, []string{"lo", "inner1", "inner0"}, names(a), "va went with vb")
	assert.Equal(t, 3, f.env.Refs.CountKind("net_device"), "a's lo and inner pair")
	a.Put(f.ctx)
	f.requireClean(t)
}

// A NIC moved through two namespaces returns to init_net, not to the
// namespace it came from.
func TestTeardownReturnsToInitNet(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	x, y := f.newNS(t), f.newNS(t)
	require.NoError(t, netns.LinkSetNetNS(f.ctx, f.g.Init, f.root, "eth0", x))
	require.NoError(t, netns.LinkSetNetNS(f.ctx, x, f.root, "eth0", y))
	y.Put(f.ctx)
	assert.Equal(t, []string{"lo"}, names(x))
	assert.Equal(t, []string{"lo", "eth0"}, names(f.g.Init))
	x.Put(f.ctx)
	f.requireClean(t)
}

// A namespace is torn down only at its last reference.
func TestTeardownWaitsForLastReference(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	x := f.newNS(t)
	require.NoError(t, netns.LinkAdd(f.ctx, f.g.Init, f.root, "veth", "h", "c", x))
	x.Get() // an open /proc/<pid>/ns/net
	x.Put(f.ctx)
	assert.Equal(t, []string{"lo", "eth0", "h"}, names(f.g.Init))
	x.Put(f.ctx)
	assert.Equal(t, []string{"lo", "eth0"}, names(f.g.Init))
	f.requireClean(t)
}

func mac(t *testing.T, n *netns.Namespace, name string) string {
	t.Helper()
	s, err := n.SysfsRead(name, "address")
	require.NoError(t, err)
	return s[:len(s)-1]
}
