package netns_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// goldenScenarios are the /proc/net/dev files under testdata. Each was
// produced by the real kernel (6.18) running the same steps in a fresh
// `unshare -n` (see goldenScript; TestDiffGolden re-checks them when root),
// and the simulator must print them byte for byte. The 4.19 and 6.18
// formats are identical (dev_seq_show, dev_seq_printf_stats); where list
// and ifindex order differ the file holds the mainline order.
var goldenScenarios = []struct {
	file     string
	mainline bool // the order only holds for the mainline flavour
	script   string
	sim      func(f *fix, n *netns.Namespace)
}{
	{file: "proc_net_dev_fresh.txt", script: "cat /proc/net/dev", sim: func(*fix, *netns.Namespace) {}},
	{
		file: "proc_net_dev_veth.txt",
		script: "ip link set lo up && ip link add name abcdefghijklmno type veth peer name vb && " +
			"ip link add name x type veth peer name vy && cat /proc/net/dev",
		sim: func(f *fix, n *netns.Namespace) {
			must(netns.LinkSetUp(f.ctx, n, f.root, "lo"))
			must(netns.LinkAdd(f.ctx, n, f.root, "veth", "abcdefghijklmno", "vb", nil))
			must(netns.LinkAdd(f.ctx, n, f.root, "veth", "x", "vy", nil))
		},
	},
	{
		file: "proc_net_dev_moved_mainline.txt", mainline: true,
		script: "ip link add name va type veth peer name vb; unshare -n sleep 5 & P=$!; sleep 0.2; " +
			"ip link set vb netns $P; nsenter -t $P -n ip link set vb netns $$; cat /proc/net/dev; kill $P",
		sim: func(f *fix, n *netns.Namespace) {
			must(netns.LinkAdd(f.ctx, n, f.root, "veth", "va", "vb", nil))
			other := f.newNSNoT()
			must(netns.LinkSetNetNS(f.ctx, n, f.root, "vb", other))
			must(netns.LinkSetNetNS(f.ctx, other, f.root, "vb", n))
			other.Put(f.ctx)
		},
	},
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func (f *fix) newNSNoT() *netns.Namespace {
	n, err := netns.CopyNetNS(f.ctx, uapi.CLONE_NEWNET, f.ug.Init, f.g.Init)
	must(err)
	return n
}

func TestShowDevGolden(t *testing.T) {
	t.Parallel()
	for _, sc := range goldenScenarios {
		want, err := os.ReadFile(filepath.Join("testdata", sc.file))
		require.NoError(t, err)
		for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
			if sc.mainline && fl != refcount.Mainline {
				continue
			}
			f := newFix(t, fl)
			n := f.newNS(t)
			sc.sim(f, n)
			assert.Equal(t, string(want), n.ShowDev(), "%s (%s)", sc.file, fl)
			n.Put(f.ctx)
			f.requireClean(t)
		}
	}
}

// In 4.19 the simulator lists in device-list order (the kernel's name-hash
// order depends on the struct net address); mainline by ifindex.
func TestShowDevOrder(t *testing.T) {
	t.Parallel()
	rows := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n")[2:] {
			out = append(out, strings.TrimSpace(l[:strings.IndexByte(l, ':')]))
		}
		return out
	}
	for fl, want := range map[refcount.Flavour][]string{
		refcount.Linux419: {"lo", "dummy0", "eth0"},
		refcount.Mainline: {"lo", "eth0", "dummy0"},
	} {
		f := newFix(t, fl)
		x := f.newNS(t)
		require.NoError(t, netns.LinkSetNetNS(f.ctx, f.g.Init, f.root, "eth0", x))
		require.NoError(t, netns.LinkAdd(f.ctx, f.g.Init, f.root, "dummy", "", "", nil))
		require.NoError(t, netns.LinkSetNetNS(f.ctx, x, f.root, "eth0", f.g.Init))
		assert.Equal(t, map[string]int{"lo": 1, "eth0": 2, "dummy0": 3}, ifindexes(f.g.Init))
		assert.Equal(t, want, rows(f.g.Init.ShowDev()), fl)
		x.Put(f.ctx)
	}
}

// Names shorter than six bytes are right-aligned in six columns, counted in
// bytes as printf counts a C string; longer ones push the line.
func TestShowDevNamePadding(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	defer n.Put(f.ctx)
	for _, name := range []string{"é", "abcdef", "abcdefg"} {
		require.NoError(t, netns.LinkAdd(f.ctx, n, f.root, "dummy", name, "", nil))
	}
	lines := strings.Split(n.ShowDev(), "\n")
	assert.True(t, strings.HasPrefix(lines[3], "    é:       0"), "%q", lines[3])
	assert.True(t, strings.HasPrefix(lines[4], "abcdef:       0"), "%q", lines[4])
	assert.True(t, strings.HasPrefix(lines[5], "abcdefg:       0"), "%q", lines[5])
}

// sysfs values checked on the 6.18 machine in fresh namespaces (lo and veth;
// the machine has no dummy module: its values come from dummy_setup and
// match ifb's, another IFF_NOARP device without carrier events) and, for
// the physical NIC, against the machine's own eth0 (flags 0x1003, up, 1).
func TestSysfsRead(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	defer n.Put(f.ctx)
	must(netns.LinkAdd(f.ctx, n, f.root, "veth", "vx", "vy", nil))
	must(netns.LinkAdd(f.ctx, n, f.root, "dummy", "", "", nil))
	type attrs = map[string]string
	read := func(ns *netns.Namespace, dev string) attrs {
		out := attrs{}
		for _, a := range netns.SysfsAttrs() {
			v, err := ns.SysfsRead(dev, a)
			if err != nil {
				v = uapi.ErrnoOf(err).Name()
			}
			out[a] = v
		}
		return out
	}
	lo := attrs{"ifindex": "1\n", "flags": "0x8\n", "operstate": "down\n", "carrier": "EINVAL",
		"mtu": "65536\n", "address": "00:00:00:00:00:00\n", "type": "772\n"}
	assert.Equal(t, lo, read(n, "lo"))
	must(netns.LinkSetUp(f.ctx, n, f.root, "lo"))
	lo["flags"], lo["operstate"], lo["carrier"] = "0x9\n", "unknown\n", "1\n"
	assert.Equal(t, lo, read(n, "lo"))

	vx := read(n, "vx")
	assert.Regexp(t, `^[0-9a-f]{2}(:[0-9a-f]{2}){5}\n$`, vx["address"])
	delete(vx, "address")
	assert.Equal(t, attrs{"ifindex": "3\n", "flags": "0x1002\n", "operstate": "down\n", "carrier": "EINVAL",
		"mtu": "1500\n", "type": "1\n"}, vx)
	must(netns.LinkSetUp(f.ctx, n, f.root, "vx"))
	assert.Equal(t, "lowerlayerdown\n", read(n, "vx")["operstate"])
	assert.Equal(t, "0\n", read(n, "vx")["carrier"])
	must(netns.LinkSetUp(f.ctx, n, f.root, "vy"))
	assert.Equal(t, "up\n", read(n, "vx")["operstate"])
	assert.Equal(t, "1\n", read(n, "vy")["carrier"])

	d := read(n, "dummy0")
	assert.Equal(t, "0x82\n", d["flags"])
	must(netns.LinkSetUp(f.ctx, n, f.root, "dummy0"))
	d = read(n, "dummy0")
	assert.Equal(t, []string{"0x83\n", "unknown\n", "1\n", "1500\n", "1\n"},
		[]string{d["flags"], d["operstate"], d["carrier"], d["mtu"], d["type"]})

	assert.Equal(t, attrs{"ifindex": "2\n", "flags": "0x1003\n", "operstate": "up\n", "carrier": "1\n",
		"mtu": "1500\n", "address": "52:54:00:12:34:56\n", "type": "1\n"}, read(f.g.Init, "eth0"))

	_, err := n.SysfsRead("eth0", "flags")
	assert.ErrorIs(t, err, uapi.ENOENT, "sysfs shows the mounter's namespace only")
	_, err = n.SysfsRead("lo", "speed")
	assert.ErrorIs(t, err, uapi.ENOENT)
}
