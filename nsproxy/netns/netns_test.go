package netns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

func TestInitNet(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.g.Init
	assert.Equal(t, "net:[4026531992]", n.Link())
	assert.Equal(t, int64(1), n.Count(), "setup_net sets count 1; init_nsproxy's pointer is static")
	assert.Equal(t, int64(1), n.Passive())
	assert.Same(t, f.ug.Init, n.UserNS())
	assert.Equal(t, ns.Namespace(f.ug.Init), n.Owner())
	assert.True(t, n.IsInit())
	assert.Equal(t, int64(3), f.ug.Init.Count(), "static init_net takes no init_user_ns reference")
	assert.Equal(t, "net", n.RefKind())
	assert.Equal(t, "4026531992", n.RefID())

	assert.Equal(t, []string{"lo", "eth0"}, names(n))
	lo, eth0 := dev(t, n, "lo"), dev(t, n, "eth0")
	assert.Equal(t, netns.DeviceInfo{Name: "lo", Ifindex: 1, Flags: 0x9, MTU: 65536, Type: 772,
		Running: true, Carrier: true, Operstate: "unknown", NetnsLocal: true}, lo)
	assert.Equal(t, netns.DeviceInfo{Name: "eth0", Ifindex: 2, Flags: 0x1003, MTU: 1500, Type: 1,
		Addr: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}, Running: true, Carrier: true, Operstate: "up"}, eth0)
	assert.Equal(t, 2, n.LastIfindex())
	assert.Zero(t, f.env.Refs.LiveCount(), "boot objects are static")
	f.requireClean(t)
}

func TestNewGlobalsBadBootDevice(t *testing.T) {
	t.Parallel()
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ug := userns.NewGlobals(env, 1000)
	for _, tc := range []struct {
		devs  []netns.DeviceConfig
		errno uapi.Errno
	}{
		{[]netns.DeviceConfig{{Name: "lo"}}, uapi.EEXIST},
		{[]netns.DeviceConfig{{Name: "eth0"}, {Name: "eth0"}}, uapi.EEXIST},
		{[]netns.DeviceConfig{{Name: "e/0"}}, uapi.EINVAL},
		{[]netns.DeviceConfig{{Name: ""}}, uapi.EINVAL},
	} {
		_, err := netns.NewGlobals(env, ug, initNetInum, tc.devs)
		require.ErrorIs(t, err, tc.errno, "%+v", tc.devs)
	}
	g, err := netns.NewGlobals(env, ug, initNetInum, []netns.DeviceConfig{{Name: "eth%d"}, {Name: "eth%d", Up: true, MTU: 9000}})
	require.NoError(t, err)
	assert.Equal(t, []string{"lo", "eth0", "eth1"}, names(g.Init))
	d := dev(t, g.Init, "eth1")
	assert.Equal(t, 9000, d.MTU)
	assert.True(t, d.Running)
	assert.Equal(t, "up", d.Operstate)
	assert.False(t, dev(t, g.Init, "eth0").Running)
	assert.Equal(t, "down", dev(t, g.Init, "eth0").Operstate)
	assert.Equal(t, "0x1002\n", must1(g.Init.SysfsRead("eth0", "flags")))
}

func TestCopyNetNSShares(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n, err := netns.CopyNetNS(f.ctx, uapi.CLONE_NEWUTS|uapi.CLONE_NEWPID, f.ug.Init, f.g.Init)
	require.NoError(t, err)
	assert.Same(t, f.g.Init, n)
	assert.Equal(t, int64(2), n.Count())
	n.Put(f.ctx)
	assert.Equal(t, int64(1), f.g.Init.Count())
	f.requireClean(t)
}

func TestCopyNetNSNew(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	inums := f.env.Inums.InUse()
	ownerCount := f.ug.Init.Count()

	n := f.newNS(t)
	assert.Equal(t, "net:[4026531841]", n.Link(), "net_ns_net_init takes the lowest free proc inode number")
	assert.Equal(t, int64(1), n.Count())
	assert.Equal(t, int64(1), n.Passive())
	assert.False(t, n.IsInit())
	assert.Equal(t, ownerCount+1, f.ug.Init.Count(), "net->user_ns holds a reference")
	assert.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_NET_NAMESPACES))
	assert.Equal(t, inums+1, f.env.Inums.InUse())
	assert.Equal(t, []netns.DeviceInfo{{Name: "lo", Ifindex: 1, Flags: 0x8, MTU: 65536, Type: 772,
		Carrier: true, Operstate: "down", NetnsLocal: true}}, n.Devices(), "a new namespace holds only lo, down")
	assert.Equal(t, 1, f.env.Refs.CountKind("net"))
	assert.Equal(t, 1, f.env.Refs.CountKind("net_device"), "the new lo")
	assert.Equal(t, []string{"lo", "eth0"}, names(f.g.Init), "isolation")

	n.Get()
	assert.Equal(t, int64(2), n.Count())
	n.Put(f.ctx)
	assert.Equal(t, 1, f.env.Refs.CountKind("net"), "still alive at count 1")
	n.Put(f.ctx) // cleanup_net
	assert.Equal(t, ownerCount, f.ug.Init.Count())
	assert.Equal(t, inums, f.env.Inums.InUse())
	f.requireClean(t)

	again := f.newNS(t)
	assert.Equal(t, "net:[4026531841]", again.Link(), "the freed inode number is reused")
	again.Put(f.ctx)
	f.requireClean(t)
}

func TestCopyNetNSENOSPC(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_NET_NAMESPACES, 1)
	first := f.newNS(t)
	before, inums, owner := f.state(first), f.env.Inums.InUse(), f.ug.Init.Count()
	_, err := netns.CopyNetNS(f.ctx, uapi.CLONE_NEWNET, f.ug.Init, f.g.Init)
	require.ErrorIs(t, err, uapi.ENOSPC)
	var e *uapi.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "inc_net_namespaces", e.Check)
	assert.Equal(t, before, f.state(first))
	assert.Equal(t, inums, f.env.Inums.InUse(), "the charge comes before the inode number")
	assert.Equal(t, owner, f.ug.Init.Count())
	assert.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 0, userns.UCOUNT_NET_NAMESPACES))

	// Without CLONE_NEWNET nothing is charged: the limit does not apply.
	shared, err := netns.CopyNetNS(f.ctx, 0, f.ug.Init, first)
	require.NoError(t, err)
	shared.Put(f.ctx)
	first.Put(f.ctx)
	f.requireClean(t)
}

// The charge goes to the creator's euid in the new owner, and to every
// ancestor user namespace.
func TestCopyNetNSChargesOwner(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	c, n := f.userRoot(t)
	owner := c.UserNS()
	assert.Same(t, owner, n.UserNS())
	assert.Equal(t, int64(1), f.ug.Charged(owner, 1000, userns.UCOUNT_NET_NAMESPACES))
	assert.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 1000, userns.UCOUNT_NET_NAMESPACES), "charged up the chain")
	n.Put(f.ctx)
	assert.Zero(t, f.ug.Charged(owner, 1000, userns.UCOUNT_NET_NAMESPACES))
	f.requireClean(t)
}

func TestInstall(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	uroot, own := f.userRoot(t)
	defer own.Put(f.ctx)
	other := f.newNS(t)
	defer other.Put(f.ctx)
	for _, tc := range []struct {
		name   string
		cred   *userns.Cred
		target *netns.Namespace
		errno  uapi.Errno
	}{
		{"root into a child", f.root, other, 0},
		{"root into one owned by a child user ns", f.root, own, 0},
		{"root into init_net", f.root, f.g.Init, 0},
		{"unprivileged", f.unpriv(t), other, uapi.EPERM},
		{"user-ns root into its own", uroot, own, 0},
		{"user-ns root into init_net", uroot, f.g.Init, uapi.EPERM},
		{"user-ns root into root's child", uroot, other, uapi.EPERM},
	} {
		before := f.state(own, other)
		err := netns.Install(f.ctx, tc.cred, tc.target)
		if tc.errno == 0 {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, tc.errno, tc.name)
		}
		assert.Equal(t, before, f.state(own, other), "%s: install's check changes nothing", tc.name)
	}
}

func TestPutInitNetWarns(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	f.g.Init.Put(f.ctx)
	require.Len(t, f.env.Refs.Warnings(), 1)
	assert.Contains(t, f.env.Refs.Warnings()[0].Message, "init_net released")
	assert.Equal(t, []string{"lo", "eth0"}, names(f.g.Init), "init_net is never cleaned up")
}

// The traced path of unshare(CLONE_NEWNET) and of the last put_net.
func TestTrace(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	f.env.Trace.Start()
	n := f.newNS(t)
	n.Put(f.ctx)
	log := f.env.Trace.String()
	for _, fn := range []string{"copy_net_ns", "setup_net", "loopback_net_init", "register_netdevice",
		"cleanup_net", "default_device_exit", "default_device_exit_batch", "unregister_netdevice_many"} {
		assert.Contains(t, log, fn)
	}
	f.requireClean(t)
}

func must1(s string, err error) string {
	must(err)
	return s
}
