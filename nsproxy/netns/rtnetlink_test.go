package netns_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// world is a fixture with two extra namespaces: a (root's, holding dummy d0
// and veth va, whose peer vb is in b) and b (root's). uroot owns its own
// namespace u; it has no capability over init_net, a or b.
type world struct {
	*fix
	t       *testing.T
	a, b, u *netns.Namespace
	uroot   *userns.Cred
	nobody  *userns.Cred
}

func newWorld(t *testing.T, fl refcount.Flavour) *world {
	t.Helper()
	f := newFix(t, fl)
	w := &world{fix: f, t: t, a: f.newNS(t), b: f.newNS(t), nobody: f.unpriv(t)}
	w.uroot, w.u = f.userRoot(t)
	require.NoError(t, netns.LinkAdd(f.ctx, w.a, f.root, "dummy", "d0", "", nil))
	require.NoError(t, netns.LinkAdd(f.ctx, w.a, f.root, "veth", "va", "vb", w.b))
	t.Cleanup(func() {
		for _, n := range []*netns.Namespace{w.a, w.b, w.u} {
			n.Put(f.ctx)
		}
		f.requireClean(t)
	})
	return w
}

func (w *world) snapshot() string { return w.state(w.a, w.b, w.u) }

// errRow is one errno branch: run must fail with errno and leave the state
// as it was, except that a row with used > 0 lets the ifindex counter of
// namespace counter advance by that much (veth's peer registered, then
// unregistered).
type errRow struct {
	name    string
	setup   func(w *world)
	run     func(w *world) error
	errno   uapi.Errno
	check   string // the failing kernel check, when it matters
	counter func(w *world) *netns.Namespace
	used    int
}

func runErrRows(t *testing.T, fl refcount.Flavour, rows []errRow) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fl)
			if r.setup != nil {
				r.setup(w)
			}
			var last int
			var cn *netns.Namespace
			if r.counter != nil {
				cn = r.counter(w)
				last = cn.LastIfindex()
			}
			before := w.snapshot()
			err := r.run(w)
			require.ErrorIs(t, err, r.errno)
			if r.check != "" {
				var e *uapi.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, r.check, e.Check)
			}
			if cn != nil {
				assert.Equal(t, last+r.used, cn.LastIfindex(), "ifindex counter")
				after := w.snapshot()
				before = strings.Replace(before, cn.Link()+" count=1 passive=1 last="+strconv.Itoa(last), "", 1)
				after = strings.Replace(after, cn.Link()+" count=1 passive=1 last="+strconv.Itoa(last+r.used), "", 1)
				assert.Equal(t, before, after)
			} else {
				assert.Equal(t, before, w.snapshot(), "a failed call changes nothing")
			}
		})
	}
}

func TestLinkAddErrors(t *testing.T) {
	t.Parallel()
	add := func(kind, name, peer string, nsOf func(w *world) *netns.Namespace) func(w *world) error {
		return func(w *world) error {
			var pn *netns.Namespace
			if nsOf != nil {
				pn = nsOf(w)
			}
			return netns.LinkAdd(w.ctx, w.a, w.root, kind, name, peer, pn)
		}
	}
	inB := func(w *world) *netns.Namespace { return w.b }
	inA := func(w *world) *netns.Namespace { return w.a }
	rows := []errRow{
		{name: "unprivileged", run: func(w *world) error {
			return netns.LinkAdd(w.ctx, w.a, w.nobody, "dummy", "x", "", nil)
		}, errno: uapi.EPERM, check: "rtnetlink_rcv_msg"},
		{name: "user-ns root in root's namespace", run: func(w *world) error {
			return netns.LinkAdd(w.ctx, w.g.Init, w.uroot, "veth", "x", "y", nil)
		}, errno: uapi.EPERM},
		{name: "EPERM before ERANGE", run: func(w *world) error {
			return netns.LinkAdd(w.ctx, w.a, w.nobody, "dummy", "0123456789abcdef", "", nil)
		}, errno: uapi.EPERM},
		{name: "name of 16 bytes", run: add("dummy", "0123456789abcdef", "", nil), errno: uapi.ERANGE, check: "validate_nla"},
		{name: "name exists", run: add("dummy", "d0", "", nil), errno: uapi.EEXIST, check: "rtnl_newlink"},
		{name: "lo exists", run: add("veth", "lo", "x", nil), errno: uapi.EEXIST},
		{name: "EEXIST before EOPNOTSUPP", run: add("bogus", "lo", "", nil), errno: uapi.EEXIST},
		{name: "unknown kind", run: add("bridge", "br0", "", nil), errno: uapi.EOPNOTSUPP, check: "rtnl_newlink"},
		{name: "no kind", run: add("", "x", "", nil), errno: uapi.EOPNOTSUPP},
		{name: "EOPNOTSUPP before peer ERANGE", run: add("bond", "x", "0123456789abcdef", nil), errno: uapi.EOPNOTSUPP},
		{name: "slash", run: add("dummy", "a/b", "", nil), errno: uapi.EINVAL, check: "dev_valid_name"},
		{name: "colon", run: add("dummy", "eth0:1", "", nil), errno: uapi.EINVAL},
		{name: "space", run: add("dummy", "a b", "", nil), errno: uapi.EINVAL},
		{name: "tab", run: add("dummy", "a\tb", "", nil), errno: uapi.EINVAL},
		{name: "no-break space 0xa0", run: add("dummy", "a\xa0b", "", nil), errno: uapi.EINVAL},
		{name: "dot", run: add("dummy", ".", "", nil), errno: uapi.EINVAL},
		{name: "dotdot", run: add("dummy", "..", "", nil), errno: uapi.EINVAL},
		{name: "%s format", run: add("dummy", "a%s", "", nil), errno: uapi.EINVAL, check: "__dev_alloc_name"},
		{name: "two %d", run: add("dummy", "a%d%d", "", nil), errno: uapi.EINVAL},
		{name: "trailing %", run: add("dummy", "a%", "", nil), errno: uapi.EINVAL},
		{name: "veth peer name 16 bytes", run: add("veth", "x", "0123456789abcdef", nil), errno: uapi.ERANGE},
		{name: "veth peer name exists", run: add("veth", "x", "d0", nil), errno: uapi.EEXIST, check: "dev_get_valid_name"},
		{name: "veth peer name exists in peer ns", run: add("veth", "x", "lo", inB), errno: uapi.EEXIST},
		{name: "veth peer name invalid", run: add("veth", "x", "p:q", inB), errno: uapi.EINVAL},
		{name: "veth dev name = peer name", run: add("veth", "same", "same", nil), errno: uapi.EEXIST,
			counter: inA, used: 1},
		{name: "veth dev name invalid after peer", run: add("veth", "x:y", "p", inB), errno: uapi.EINVAL,
			counter: inB, used: 1},
		{name: "veth dev name .. after default peer", run: add("veth", "..", "", nil), errno: uapi.EINVAL,
			counter: inA, used: 1},
	}
	runErrRows(t, refcount.Linux419, rows)
}

func TestLinkAddENFILE(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	defer func() { n.Put(f.ctx); f.requireClean(t) }()
	// 13 letters leave room for two digits: units 0..99, then "%d" of 100
	// is cut to 15 bytes and comes out as unit 10's name.
	for i := range 100 {
		require.NoError(t, netns.LinkAdd(f.ctx, n, f.root, "dummy", "abcdefghijklm%d", "", nil), "unit %d", i)
	}
	assert.Equal(t, "abcdefghijklm99", names(n)[100])
	before := f.state(n)
	err := netns.LinkAdd(f.ctx, n, f.root, "dummy", "abcdefghijklm%d", "", nil)
	require.ErrorIs(t, err, uapi.ENFILE)
	assert.Equal(t, before, f.state(n))
}

func TestLinkAddNames(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	defer func() { n.Put(f.ctx); f.requireClean(t) }()
	add := func(kind, name, peer string) {
		t.Helper()
		require.NoError(t, netns.LinkAdd(f.ctx, n, f.root, kind, name, peer, nil))
	}
	add("dummy", "", "")            // dummy%d → dummy0
	add("dummy", "", "")            // dummy1
	add("veth", "", "")             // peer veth0 (4), dev veth1 (5)
	add("dummy", "x%d", "")         // x0
	add("dummy", "x%dy", "")        // x0y
	add("dummy", "\x00ignored", "") // nla_strlcpy stops at the NUL: an empty name
	add("dummy", "0123456789abcde", "")
	assert.Equal(t, []string{"lo", "dummy0", "dummy1", "veth0", "veth1", "x0", "x0y", "dummy2", "0123456789abcde"}, names(n))
	assert.Equal(t, map[string]int{"lo": 1, "dummy0": 2, "dummy1": 3, "veth0": 4, "veth1": 5, "x0": 6, "x0y": 7,
		"dummy2": 8, "0123456789abcde": 9}, ifindexes(n))
	v0, v1 := dev(t, n, "veth0"), dev(t, n, "veth1")
	assert.Equal(t, "veth1", v0.PeerName)
	assert.Equal(t, 5, v0.PeerIfindex)
	assert.Equal(t, 4, v1.PeerIfindex)
	assert.Equal(t, n.Inum(), v1.PeerNetInum)
	assert.NotEqual(t, v0.Addr, v1.Addr)
	for _, d := range n.Devices()[1:] {
		assert.Equal(t, byte(0x02), d.Addr[0]&0x03, "%s: locally administered unicast", d.Name)
	}

	// Deleted indexes are not reused: dev_new_index counts on.
	require.NoError(t, netns.LinkDel(f.ctx, n, f.root, "dummy0"))
	add("dummy", "", "")
	assert.Equal(t, 10, dev(t, n, "dummy0").Ifindex)
}

func TestLinkDelErrors(t *testing.T) {
	t.Parallel()
	del := func(name string) func(w *world) error {
		return func(w *world) error { return netns.LinkDel(w.ctx, w.a, w.root, name) }
	}
	runErrRows(t, refcount.Linux419, []errRow{
		{name: "unprivileged", run: func(w *world) error { return netns.LinkDel(w.ctx, w.a, w.nobody, "d0") },
			errno: uapi.EPERM},
		{name: "name of 16 bytes", run: del("0123456789abcdef"), errno: uapi.ERANGE},
		{name: "no such device", run: del("nope"), errno: uapi.ENODEV, check: "__dev_get_by_name"},
		{name: "peer lives elsewhere", run: del("vb"), errno: uapi.ENODEV},
		{name: "empty name", run: del(""), errno: uapi.ENODEV},
		{name: "lo", run: del("lo"), errno: uapi.EOPNOTSUPP, check: "rtnl_delete_link"},
		{name: "physical", run: func(w *world) error { return netns.LinkDel(w.ctx, w.g.Init, w.root, "eth0") },
			errno: uapi.EOPNOTSUPP},
	})
}

func TestLinkDel(t *testing.T) {
	t.Parallel()
	w := newWorld(t, refcount.Linux419)
	require.NoError(t, netns.LinkDel(w.ctx, w.a, w.root, "d0"))
	assert.Equal(t, []string{"lo", "va"}, names(w.a))
	// Deleting one veth end deletes the other, in its own namespace.
	require.NoError(t, netns.LinkDel(w.ctx, w.b, w.root, "vb"))
	assert.Equal(t, []string{"lo"}, names(w.a))
	assert.Equal(t, []string{"lo"}, names(w.b))
	assert.Equal(t, 3, w.env.Refs.CountKind("net_device"), "three lo left")
}

func TestLinkSetUpDownErrors(t *testing.T) {
	t.Parallel()
	runErrRows(t, refcount.Linux419, []errRow{
		{name: "up unprivileged", run: func(w *world) error { return netns.LinkSetUp(w.ctx, w.a, w.nobody, "d0") },
			errno: uapi.EPERM},
		{name: "down by user-ns root", run: func(w *world) error { return netns.LinkSetDown(w.ctx, w.g.Init, w.uroot, "eth0") },
			errno: uapi.EPERM},
		{name: "up ERANGE", run: func(w *world) error { return netns.LinkSetUp(w.ctx, w.a, w.root, "0123456789abcdef") },
			errno: uapi.ERANGE},
		{name: "up no device", run: func(w *world) error { return netns.LinkSetUp(w.ctx, w.a, w.root, "vb") },
			errno: uapi.ENODEV},
		{name: "down no device", run: func(w *world) error { return netns.LinkSetDown(w.ctx, w.b, w.root, "va") },
			errno: uapi.ENODEV},
	})
}

// A veth shows carrier (and operstate up) only while both ends are up.
func TestLinkSetUpDownVeth(t *testing.T) {
	t.Parallel()
	w := newWorld(t, refcount.Linux419)
	st := func() [2]string {
		va, vb := dev(t, w.a, "va"), dev(t, w.b, "vb")
		return [2]string{va.Operstate + carrier(va), vb.Operstate + carrier(vb)}
	}
	assert.Equal(t, [2]string{"down-", "down-"}, st())
	require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "va"))
	assert.Equal(t, [2]string{"lowerlayerdown0", "down-"}, st())
	require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "va"), "up twice is a no-op")
	require.NoError(t, netns.LinkSetUp(w.ctx, w.b, w.root, "vb"))
	assert.Equal(t, [2]string{"up1", "up1"}, st())
	assert.Equal(t, uint32(0x1003), dev(t, w.a, "va").Flags)
	require.NoError(t, netns.LinkSetDown(w.ctx, w.b, w.root, "vb"))
	assert.Equal(t, [2]string{"lowerlayerdown0", "down-"}, st())
	assert.Equal(t, uint32(0x1002), dev(t, w.b, "vb").Flags)
	require.NoError(t, netns.LinkSetDown(w.ctx, w.b, w.root, "vb"), "down twice is a no-op")

	// dummy and lo never fire link-watch events: "unknown" while up.
	require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "d0"))
	require.NoError(t, netns.LinkSetUp(w.ctx, w.a, w.root, "lo"))
	assert.Equal(t, "unknown1", dev(t, w.a, "d0").Operstate+carrier(dev(t, w.a, "d0")))
	assert.Equal(t, uint32(0x83), dev(t, w.a, "d0").Flags)
	assert.Equal(t, uint32(0x9), dev(t, w.a, "lo").Flags)
}

// carrier renders what /sys/class/net/<dev>/carrier gives: "-" for EINVAL.
func carrier(d netns.DeviceInfo) string {
	switch {
	case !d.Running:
		return "-"
	case d.Carrier:
		return "1"
	}
	return "0"
}
