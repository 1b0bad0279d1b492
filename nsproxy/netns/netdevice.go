package netns

import (
	"strconv"

	"github.com/kernsim/kernsim/refcount"
)

// Interface flags, dev->flags (include/uapi/linux/if.h). sysfs "flags" shows
// exactly these bits; IFF_RUNNING, IFF_LOWER_UP and IFF_DORMANT are only
// computed for netlink and ioctl readers (dev_get_flags) and never stored.
const (
	IFF_UP          uint32 = 0x1
	IFF_BROADCAST   uint32 = 0x2
	IFF_DEBUG       uint32 = 0x4
	IFF_LOOPBACK    uint32 = 0x8
	IFF_POINTOPOINT uint32 = 0x10
	IFF_NOTRAILERS  uint32 = 0x20
	IFF_RUNNING     uint32 = 0x40
	IFF_NOARP       uint32 = 0x80
	IFF_PROMISC     uint32 = 0x100
	IFF_ALLMULTI    uint32 = 0x200
	IFF_MASTER      uint32 = 0x400
	IFF_SLAVE       uint32 = 0x800
	IFF_MULTICAST   uint32 = 0x1000
	IFF_LOWER_UP    uint32 = 0x10000
)

// Hardware types, dev->type (include/uapi/linux/if_arp.h).
const (
	ARPHRD_ETHER    uint16 = 1
	ARPHRD_LOOPBACK uint16 = 772
)

// Sizes (include/uapi/linux/if.h, include/uapi/linux/if_ether.h).
const (
	IFNAMSIZ     = 16   // names hold at most IFNAMSIZ-1 = 15 bytes
	ETH_ALEN     = 6    // hardware address length
	ETH_DATA_LEN = 1500 // ether_setup's mtu
	LOOPBACK_MTU = 1 << 16
	// LOOPBACK_IFINDEX is the index loopback_net_init asserts (include/net/net_namespace.h).
	LOOPBACK_IFINDEX = 1
)

// RFC 2863 operational states, dev->operstate (include/uapi/linux/if.h).
const (
	IF_OPER_UNKNOWN uint8 = iota
	IF_OPER_NOTPRESENT
	IF_OPER_DOWN
	IF_OPER_LOWERLAYERDOWN
	IF_OPER_TESTING
	IF_OPER_DORMANT
	IF_OPER_UP
)

// operstateString is net-sysfs.c's operstates[] table.
func operstateString(op uint8) string {
	switch op {
	case IF_OPER_UNKNOWN:
		return "unknown"
	case IF_OPER_NOTPRESENT:
		return "notpresent"
	case IF_OPER_DOWN:
		return "down"
	case IF_OPER_LOWERLAYERDOWN:
		return "lowerlayerdown"
	case IF_OPER_TESTING:
		return "testing"
	case IF_OPER_DORMANT:
		return "dormant"
	case IF_OPER_UP:
		return "up"
	}
	return ""
}

// linkKind stands for a device's driver: its netdev_ops and, for the
// virtual kinds, its rtnl_link_ops.
type linkKind uint8

const (
	kindPhysical linkKind = iota // a NIC registered by its driver at boot: no rtnl_link_ops
	kindLoopback                 // drivers/net/loopback.c: no rtnl_link_ops, NETIF_F_NETNS_LOCAL
	kindDummy                    // drivers/net/dummy.c: dummy_link_ops
	kindVeth                     // drivers/net/veth.c: veth_link_ops
)

// rtnlKind returns rtnl_link_ops->kind, or "" for a device without link ops.
func (k linkKind) rtnlKind() string {
	switch k {
	case kindDummy:
		return "dummy"
	case kindVeth:
		return "veth"
	}
	return ""
}

// hasLinkOps reports whether dev->rtnl_link_ops is set: such devices are
// created and deleted over rtnetlink and destroyed with their namespace.
func (k linkKind) hasLinkOps() bool { return k == kindDummy || k == kindVeth }

// kindByName mirrors rtnl_link_ops_get (net/core/rtnetlink.c) for the
// drivers the simulator has.
func kindByName(kind string) (linkKind, bool) {
	switch kind {
	case "dummy":
		return kindDummy, true
	case "veth":
		return kindVeth, true
	}
	return 0, false
}

// Device mirrors the parts of struct net_device (include/linux/netdevice.h)
// a user can observe. Every field is guarded by the Globals' rtnl lock.
// Its namespace is not counted: a device never outlives its namespace
// (dev_net_set takes no reference).
type Device struct {
	name       string
	ifindex    int
	net        *Namespace
	kind       linkKind
	flags      uint32 // dev->flags
	netnsLocal bool   // NETIF_F_NETNS_LOCAL in dev->features
	mtu        int
	typ        uint16
	addr       [ETH_ALEN]byte
	noCarrier  bool  // __LINK_STATE_NOCARRIER in dev->state
	operstate  uint8 // set by the link watcher (rfc2863_policy)
	peer       *Device
	registered bool // reg_state == NETREG_REGISTERED
	lwPending  bool // __LINK_STATE_LINKWATCH_PENDING

	id   string // leak-registry identity, fixed at registration
	node refcount.Node
}

// netifRunning mirrors netif_running: __LINK_STATE_START, which dev_open sets
// and dev_close clears together with IFF_UP.
func (d *Device) netifRunning() bool { return d.flags&IFF_UP != 0 }

// iflink mirrors dev_get_iflink (net/core/dev.c): veth_get_iflink returns
// the peer's ifindex (0 without a peer); other devices their own.
func (d *Device) iflink() int {
	if d.kind == kindVeth {
		if d.peer == nil {
			return 0
		}
		return d.peer.ifindex
	}
	return d.ifindex
}

// RefKind, RefID and RefCount let the leak registry list devices made after
// boot. A registered device counts 1 (the dev_hold of register_netdevice).
func (d *Device) RefKind() string { return "net_device" }
func (d *Device) RefID() string   { return d.id }
func (d *Device) RefCount() int64 { return 1 }

// DeviceInfo is a snapshot of one device, taken under the rtnl lock.
type DeviceInfo struct {
	Name       string
	Ifindex    int
	Kind       string // rtnl_link_ops->kind: "dummy", "veth"; "" for lo and physical devices
	Flags      uint32 // dev->flags, as /sys/class/net/<dev>/flags shows them
	MTU        int
	Type       uint16
	Addr       [ETH_ALEN]byte
	Running    bool   // netif_running
	Carrier    bool   // netif_carrier_ok
	Operstate  string // as /sys/class/net/<dev>/operstate shows it ("down" when not running)
	NetnsLocal bool   // NETIF_F_NETNS_LOCAL: cannot change namespace

	// For a veth: its peer's name and ifindex and the inode number of the
	// peer's namespace (dev_get_iflink; iproute2's "a@b" or "a@ifN").
	PeerName    string
	PeerIfindex int
	PeerNetInum uint32
}

// info snapshots d; the caller holds the rtnl lock.
func (d *Device) info() DeviceInfo {
	di := DeviceInfo{
		Name: d.name, Ifindex: d.ifindex, Kind: d.kind.rtnlKind(), Flags: d.flags,
		MTU: d.mtu, Type: d.typ, Addr: d.addr, Running: d.netifRunning(),
		Carrier: !d.noCarrier, Operstate: d.operstateName(), NetnsLocal: d.netnsLocal,
	}
	if d.peer != nil {
		di.PeerName, di.PeerIfindex, di.PeerNetInum = d.peer.name, d.peer.ifindex, d.peer.net.Inum()
	}
	return di
}

// operstateName mirrors operstate_show (net/core/net-sysfs.c): IF_OPER_DOWN
// while the device is not running, else the stored state.
func (d *Device) operstateName() string {
	op := d.operstate
	if !d.netifRunning() {
		op = IF_OPER_DOWN
	}
	return operstateString(op)
}

// formatMAC mirrors sysfs_format_mac ("%*phC"): lower-case hex pairs joined by ':'.
func formatMAC(a [ETH_ALEN]byte) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 3*ETH_ALEN)
	for i, c := range a {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}

// String returns "name(ifindex)" for messages.
func (di DeviceInfo) String() string { return di.Name + "(" + strconv.Itoa(di.Ifindex) + ")" }
