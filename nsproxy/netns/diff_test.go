//go:build linux

package netns_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// The differential tests run a script of `ip link`-style requests twice:
// in a helper process (this test binary, re-executed in fresh network and
// mount namespaces, speaking rtnetlink to the real kernel) and in the
// simulator (mainline flavour: the machine runs 6.18). They compare each
// request's errno, and at each dump every namespace's /proc/net/dev bytes,
// every device's name, ifindex, flags, type, mtu, operstate, carrier and
// iflink as RTM_GETLINK reports them, and the first namespace's
// /sys/class/net values. The host's own namespaces are never touched.

// diffOp is one step. NS names the namespace the request comes from ("A" is
// the first; "newns" makes another, "killns" drops the last reference to
// one and waits until the devices in Gone ("NS/name") have disappeared).
type diffOp struct {
	Op     string // newns killns add del up down move rename dump
	NS     string
	Kind   string
	Name   string
	Peer   string
	PeerNS string
	Target string
	New    string
	Gone   []string
}

type diffDump struct {
	NS         string
	ProcNetDev string
	Links      []nlLink
	Sysfs      map[string]string // "dev/attr" → value or errno name
}

type diffResult struct {
	Errnos []string
	Dumps  []diffDump
}

const diffMarker = "NETNS-DIFF-RESULT:"

func needRoot(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux: the differential test makes network namespaces (CLONE_NEWNET)")
	}
	if testing.Short() {
		t.Skip("differential test skipped in -short mode")
	}
}

// probe reports whether the kernel has the link kind (its module may be
// missing: this machine has veth built in but no dummy).
func probe(t *testing.T, kind string) bool {
	res := runReal(t, []diffOp{{Op: "add", NS: "A", Kind: kind, Name: "probe0"}})
	return res.Errnos[0] == "OK"
}

// runSim runs script in the simulator.
func runSim(t *testing.T, script []diffOp) diffResult {
	t.Helper()
	f := newFix(t, refcount.Mainline)
	nss := map[string]*netns.Namespace{"A": f.newNS(t)}
	var res diffResult
	errno := func(err error) string {
		if err == nil {
			return "OK"
		}
		return uapi.ErrnoOf(err).Name()
	}
	for _, op := range script {
		n := nss[op.NS]
		var err error
		switch op.Op {
		case "newns":
			nss[op.NS] = f.newNS(t)
		case "killns":
			n.Put(f.ctx)
			delete(nss, op.NS)
		case "add":
			err = netns.LinkAdd(f.ctx, n, f.root, op.Kind, op.Name, op.Peer, nss[op.PeerNS])
		case "del":
			err = netns.LinkDel(f.ctx, n, f.root, op.Name)
		case "up":
			err = netns.LinkSetUp(f.ctx, n, f.root, op.Name)
		case "down":
			err = netns.LinkSetDown(f.ctx, n, f.root, op.Name)
		case "move":
			err = netns.LinkSetNetNS(f.ctx, n, f.root, op.Name, nss[op.Target])
		case "rename":
			err = netns.LinkRename(f.ctx, n, f.root, op.Name, op.New)
		case "dump":
			for _, name := range sortedKeys(nss) {
				res.Dumps = append(res.Dumps, simDump(name, nss[name]))
			}
		}
		res.Errnos = append(res.Errnos, errno(err))
	}
	for _, n := range nss {
		n.Put(f.ctx)
	}
	f.requireClean(t)
	return res
}

func sortedKeys(m map[string]*netns.Namespace) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// simDump renders the simulator's namespace as the helper reports the
// kernel's: RTM_GETLINK's view of each device (dev_get_flags adds
// IFF_RUNNING when running and operationally up or unknown, IFF_LOWER_UP
// when running with carrier; operstate is IF_OPER_DOWN unless running).
func simDump(name string, n *netns.Namespace) diffDump {
	d := diffDump{NS: name, ProcNetDev: n.ShowDev()}
	for _, di := range n.Devices() {
		l := nlLink{Name: di.Name, Index: di.Ifindex, Flags: di.Flags, Type: di.Type, MTU: di.MTU,
			Carrier: di.Carrier, Link: di.Ifindex}
		if di.Running && (di.Operstate == "up" || di.Operstate == "unknown") {
			l.Flags |= netns.IFF_RUNNING
		}
		if di.Running && di.Carrier {
			l.Flags |= netns.IFF_LOWER_UP
		}
		l.Operstate = operstateCode(di.Operstate)
		if di.Kind == "veth" {
			l.Link = di.PeerIfindex
		}
		if di.Name == "lo" {
			l.Addr = "00 00 00 00 00 00"
		}
		d.Links = append(d.Links, l)
	}
	if name == "A" {
		d.Sysfs = map[string]string{}
		for _, di := range n.Devices() {
			for _, a := range netns.SysfsAttrs() {
				v, err := n.SysfsRead(di.Name, a)
				if err != nil {
					v = uapi.ErrnoOf(err).Name()
				}
				d.Sysfs[di.Name+"/"+a] = maskMAC(di.Name, a, v)
			}
		}
	}
	return d
}

func operstateCode(s string) uint8 {
	for i, n := range []string{"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"} {
		if n == s {
			return uint8(i)
		}
	}
	return 255
}

var macRE = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2}){5}\n$`)

// maskMAC hides random addresses (eth_hw_addr_random): only their format
// is compared.
func maskMAC(dev, attr, v string) string {
	if attr == "address" && dev != "lo" && macRE.MatchString(v) {
		return "<random>\n"
	}
	return v
}

// normalize makes the kernel's dump comparable: IFLA_LINK is absent when
// iflink equals the index; random addresses are not compared.
func normalize(r diffResult) diffResult {
	for i := range r.Dumps {
		for j := range r.Dumps[i].Links {
			l := &r.Dumps[i].Links[j]
			if l.Link == 0 {
				l.Link = l.Index
			}
			if l.Name != "lo" {
				l.Addr = ""
			}
		}
	}
	return r
}

func compare(t *testing.T, script []diffOp) {
	t.Helper()
	real, sim := normalize(runReal(t, script)), runSim(t, script)
	require.Len(t, real.Errnos, len(script))
	for i, op := range script {
		assert.Equal(t, real.Errnos[i], sim.Errnos[i], "step %d %+v", i, op)
	}
	require.Len(t, sim.Dumps, len(real.Dumps))
	for i := range real.Dumps {
		r, s := real.Dumps[i], sim.Dumps[i]
		assert.Equal(t, r.NS, s.NS)
		assert.Equal(t, r.ProcNetDev, s.ProcNetDev, "dump %d of %s: /proc/net/dev", i, r.NS)
		assert.Equal(t, r.Links, s.Links, "dump %d of %s: RTM_GETLINK", i, r.NS)
		assert.Equal(t, r.Sysfs, s.Sysfs, "dump %d of %s: /sys/class/net", i, r.NS)
	}
}

// TestDiffVeth: names, errnos and ifindexes of veth pairs in one namespace,
// carrier and operstate through up and down, renames, deletes.
func TestDiffVeth(t *testing.T) {
	needRoot(t)
	if !probe(t, "veth") {
		t.Skip("the veth link kind is missing on this machine (no veth module)")
	}
	add := func(name, peer string) diffOp {
		return diffOp{Op: "add", NS: "A", Kind: "veth", Name: name, Peer: peer}
	}
	set := func(op, name string) diffOp { return diffOp{Op: op, NS: "A", Name: name} }
	compare(t, []diffOp{
		{Op: "dump"},
		add("va", "vb"),
		add("", ""),                    // peer veth0, dev veth1
		add("va", "x"),                 // EEXIST before anything
		add("same", "same"),            // peer registered, then EEXIST: an ifindex is used
		add("x:y", "p"),                // EINVAL after the peer
		add("..", ""),                  // EINVAL
		add("a\xa0b", "p2"),            // 0xA0 is white space to the kernel
		add("a b", "p3"),               // EINVAL
		add("a\vb", "p5"),              // EINVAL
		add("a\x85b", "p\xffq"),        // not white space: valid
		add("0123456789abcdef", "p4"),  // ERANGE
		add("w", "0123456789abcdef"),   // ERANGE for the peer's name
		add("w", "vb"),                 // peer EEXIST
		add("z%s", ""),                 // EINVAL format
		add("q%d", "q%d"),              // q0 (peer), q1
		add("0123456789abcde", "r%dr"), // 15 bytes; r0r
		add("n\x00ignored", "m"),       // the name ends at the NUL
		{Op: "add", NS: "A", Kind: "nosuchkind", Name: "k0"}, // EOPNOTSUPP
		{Op: "add", NS: "A", Kind: "nosuchkind", Name: "lo"}, // EEXIST first
		{Op: "dump"},
		set("up", "lo"),
		set("up", "va"),
		{Op: "dump"},
		set("up", "vb"),
		{Op: "dump"},
		set("down", "vb"),
		set("down", "vb"),
		{Op: "dump"},
		{Op: "rename", NS: "A", Name: "va", New: "vz"}, // up: allowed since 6.2
		{Op: "rename", NS: "A", Name: "vb", New: "lo"},
		{Op: "rename", NS: "A", Name: "vb", New: "v%d"},
		{Op: "rename", NS: "A", Name: "q0", New: "a/b"},
		{Op: "del", NS: "A", Name: "lo"},
		{Op: "del", NS: "A", Name: "nope"},
		{Op: "del", NS: "A", Name: "veth0"}, // takes veth1
		{Op: "dump"},
	})
}

// TestDiffNamespaces: a veth peer created in another namespace, moves in
// both directions (ifindex kept or reassigned, the device closed), moving lo,
// a taken name, and the death of a namespace taking its veth ends' peers.
func TestDiffNamespaces(t *testing.T) {
	needRoot(t)
	if !probe(t, "veth") {
		t.Skip("the veth link kind is missing on this machine (no veth module)")
	}
	compare(t, []diffOp{
		{Op: "newns", NS: "B"},
		{Op: "add", NS: "A", Kind: "veth", Name: "h0", Peer: "c0", PeerNS: "B"},
		{Op: "add", NS: "A", Kind: "veth", Name: "va", Peer: "vb"},
		{Op: "add", NS: "B", Kind: "veth", Name: "c0", Peer: "x"},               // EEXIST in B
		{Op: "add", NS: "A", Kind: "veth", Name: "h1", Peer: "c0", PeerNS: "B"}, // EEXIST in B
		{Op: "add", NS: "A", Kind: "veth", Name: "h2", Peer: "c2", PeerNS: "B"},
		{Op: "up", NS: "A", Name: "h0"},
		{Op: "up", NS: "B", Name: "c0"},
		{Op: "up", NS: "A", Name: "va"},
		{Op: "up", NS: "A", Name: "vb"},
		{Op: "dump"},
		{Op: "move", NS: "A", Name: "vb", Target: "B"},   // closed; va loses carrier
		{Op: "move", NS: "A", Name: "lo", Target: "B"},   // EINVAL
		{Op: "move", NS: "A", Name: "nope", Target: "B"}, // ENODEV
		{Op: "move", NS: "A", Name: "va", Target: "A"},   // nothing to do
		{Op: "dump"},
		{Op: "add", NS: "A", Kind: "veth", Name: "vb", Peer: "vc"},
		{Op: "move", NS: "B", Name: "vb", Target: "A"}, // taken: EEXIST in 6.18
		{Op: "rename", NS: "B", Name: "vb", New: "vb2"},
		{Op: "move", NS: "B", Name: "vb2", Target: "A"},
		{Op: "dump"},
		{Op: "move", NS: "A", Name: "h0", Target: "B"}, // next to its peer
		{Op: "up", NS: "B", Name: "h0"},
		{Op: "dump"},
		{Op: "killns", NS: "B", Gone: []string{"A/h2"}},
		{Op: "dump"},
	})
}

// TestDiffDummy needs the dummy module, which this machine lacks.
func TestDiffDummy(t *testing.T) {
	needRoot(t)
	if !probe(t, "dummy") {
		t.Skip("the dummy link kind is missing on this machine (CONFIG_DUMMY not set, no dummy module): " +
			"dummy behaviour is checked against drivers/net/dummy.c only")
	}
	add := func(name string) diffOp { return diffOp{Op: "add", NS: "A", Kind: "dummy", Name: name} }
	compare(t, []diffOp{
		add(""), add(""), add("d%d"), add("dummy0"), add("x/y"),
		{Op: "up", NS: "A", Name: "dummy1"},
		{Op: "newns", NS: "B"},
		{Op: "move", NS: "A", Name: "dummy1", Target: "B"},
		{Op: "dump"},
		{Op: "killns", NS: "B"},
		{Op: "del", NS: "A", Name: "dummy0"},
		{Op: "dump"},
	})
}

// TestDiffGolden re-checks the golden /proc/net/dev files against the
// machine: each scenario's script, run with iproute2 in a fresh
// `unshare -n`, must print the file.
func TestDiffGolden(t *testing.T) {
	needRoot(t)
	for _, tool := range []string{"unshare", "nsenter", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("needs " + tool + " (util-linux, iproute2)")
		}
	}
	if !probe(t, "veth") {
		t.Skip("the veth link kind is missing on this machine")
	}
	for _, sc := range goldenScenarios {
		want, err := os.ReadFile(filepath.Join("testdata", sc.file))
		require.NoError(t, err)
		out, err := exec.Command("unshare", "-n", "sh", "-c", sc.script).Output()
		require.NoError(t, err, sc.file)
		assert.Equal(t, string(want), string(out), sc.file)
	}
}
