package netns

import (
	"errors"
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// The Link* functions are the rtnetlink requests `ip link` sends, issued
// from a NETLINK_ROUTE socket in namespace n (sock_net: the caller's
// current->nsproxy->net_ns) by a caller with credentials cred. Devices are
// named as iproute2's user names them; iproute2 turns a name into an index
// first, which changes no errno. Every name is an IFLA_IFNAME attribute:
// more than 15 bytes is ERANGE, and it ends at its first NUL.
//
// Every request first needs CAP_NET_ADMIN in n's owner (rtnetlink_rcv_msg's
// netlink_net_capable), else EPERM. A failed request changes nothing, with
// the kernel's exceptions noted on each function.

// relabel reports err under the netlink request's name.
func relabel(op string, err error) error {
	var e *uapi.Error
	if errors.As(err, &e) && e.Op != op {
		return e.WithOp(op)
	}
	return err
}

// netAdmin mirrors netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN).
func netAdmin(op, check string, cred *userns.Cred, n *Namespace) error {
	if !userns.NSCapable(cred, n.userNS, uapi.CAP_NET_ADMIN) {
		return uapi.Err(op, uapi.EPERM, "no CAP_NET_ADMIN in the owner of "+n.Link(), check)
	}
	return nil
}

// LinkAdd mirrors rtnl_newlink (net/core/rtnetlink.c) with NLM_F_CREATE|
// NLM_F_EXCL, as `ip link add [name NAME] type KIND [peer name PEER [netns
// PEERNS]]` sends it. Checks in order: EPERM; ERANGE (name); a device called
// name in n: EEXIST; kind neither "dummy" nor "veth": EOPNOTSUPP (no
// rtnl_link_ops after request_module). An empty name becomes "<kind>%d".
// dummy registers the device (register_netdevice: EINVAL, EEXIST, ENFILE);
// peerName and peerNS are ignored for it, as the kernel ignores
// IFLA_INFO_DATA for a kind without a policy. veth (veth_newlink) checks the
// peer's name (ERANGE), registers the peer in peerNS (nil: n; no capability
// is checked there in 4.19) as peerName or "veth%d", then the device.
// Exception to "nothing changed": when the device's own registration fails
// after the peer's succeeded, the peer's namespace has used an ifindex.
func LinkAdd(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, kind, name, peerName string, peerNS *Namespace) error {
	const op = "RTM_NEWLINK"
	ctx.Enter("rtnl_newlink")
	defer ctx.Exit("rtnl_newlink")
	if err := netAdmin(op, "rtnetlink_rcv_msg", cred, n); err != nil {
		return err
	}
	ifname, err := nlaIfname(op, name)
	if err != nil {
		return err
	}
	g := n.g
	g.rtnl.Lock()
	defer g.rtnlUnlock()
	if ifname != "" && n.devGetByName(ifname) != nil {
		return uapi.Err(op, uapi.EEXIST, "device "+strconv.Quote(ifname)+" exists (NLM_F_EXCL)", "rtnl_newlink")
	}
	k, ok := kindByName(kind)
	if !ok {
		return uapi.Err(op, uapi.EOPNOTSUPP, "no rtnl_link_ops for kind "+strconv.Quote(kind), "rtnl_newlink")
	}
	if ifname == "" {
		ifname = kind + "%d" // NET_NAME_ENUM
	}
	dev := &Device{name: ifname, net: n} // rtnl_create_link → alloc_netdev → setup
	switch k {
	case kindDummy:
		g.dummySetup(dev)
		return relabel(op, g.registerNetdevice(ctx, dev))
	default: // kindVeth
		vethSetup(dev)
		pname, err := nlaIfname(op, peerName)
		if err != nil {
			return err
		}
		peerNet := n
		if peerNS != nil {
			peerNet = peerNS
		}
		return relabel(op, g.vethNewlink(ctx, dev, peerNet, pname))
	}
}

// LinkDel mirrors rtnl_dellink and rtnl_delete_link (`ip link del NAME`):
// EPERM; ERANGE; no such device in n: ENODEV; a device without
// rtnl_link_ops->dellink (lo, a physical NIC): EOPNOTSUPP. Deleting a veth
// deletes its peer too, in whichever namespace the peer is.
func LinkDel(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, name string) error {
	const op = "RTM_DELLINK"
	ctx.Enter("rtnl_dellink")
	defer ctx.Exit("rtnl_dellink")
	g := n.g
	d, err := g.lookup(op, n, cred, name)
	if err != nil {
		return err
	}
	defer g.rtnlUnlock()
	if !d.kind.hasLinkOps() {
		return uapi.Err(op, uapi.EOPNOTSUPP, "device "+strconv.Quote(d.name)+" has no rtnl_link_ops->dellink", "rtnl_delete_link")
	}
	g.unregisterNetdeviceMany(ctx, dellink(d, nil))
	return nil
}

// lookup runs rtnl_setlink's and rtnl_dellink's common prefix: the EPERM
// check, the name attribute (ERANGE) and the lookup in n (ENODEV). On
// success it returns with the rtnl lock held.
func (g *Globals) lookup(op string, n *Namespace, cred *userns.Cred, name string) (*Device, error) {
	if err := netAdmin(op, "rtnetlink_rcv_msg", cred, n); err != nil {
		return nil, err
	}
	ifname, err := nlaIfname(op, name)
	if err != nil {
		return nil, err
	}
	g.rtnl.Lock()
	d := n.devGetByName(ifname)
	if d == nil {
		g.rtnl.Unlock()
		return nil, noDevice(op, n, ifname)
	}
	return d, nil
}

func noDevice(op string, n *Namespace, name string) error {
	return uapi.Err(op, uapi.ENODEV, "no device "+strconv.Quote(name)+" in "+n.Link(), "__dev_get_by_name")
}

// LinkSetUp mirrors rtnl_setlink → do_setlink → dev_change_flags with IFF_UP
// (`ip link set NAME up`): EPERM; ERANGE; ENODEV; then dev_open. Up already
// is a no-op. A veth gets carrier (both ends) only once its peer is up too.
func LinkSetUp(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, name string) error {
	const op = "RTM_SETLINK"
	ctx.Enter("rtnl_setlink")
	defer ctx.Exit("rtnl_setlink")
	d, err := n.g.lookup(op, n, cred, name)
	if err != nil {
		return err
	}
	defer n.g.rtnlUnlock()
	return relabel(op, n.g.devOpen(ctx, d))
}

// LinkSetDown mirrors dev_change_flags without IFF_UP (`ip link set NAME
// down`): EPERM; ERANGE; ENODEV; then dev_close (a veth's close takes the
// carrier of both ends).
func LinkSetDown(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, name string) error {
	const op = "RTM_SETLINK"
	ctx.Enter("rtnl_setlink")
	defer ctx.Exit("rtnl_setlink")
	d, err := n.g.lookup(op, n, cred, name)
	if err != nil {
		return err
	}
	defer n.g.rtnlUnlock()
	n.g.devClose(ctx, d)
	return nil
}

// LinkSetNetNS mirrors do_setlink with IFLA_NET_NS_FD (`ip link set NAME
// netns TARGET`): EPERM in n; ERANGE; ENODEV; no CAP_NET_ADMIN in target's
// owner: EPERM (rtnl_link_get_net_capable); then dev_change_net_namespace:
// NETIF_F_NETNS_LOCAL (lo): EINVAL; target is the device's namespace: no-op;
// name taken in target: EINVAL in 4.19 (do_setlink passes the empty
// IFLA_IFNAME buffer as the pattern, which dev_valid_name refuses), EEXIST in
// mainline (5.15's "rtnetlink: Return correct error on changing device
// netns"). The device is closed first (a veth's peer loses carrier), keeps
// its ifindex if free in target, else gets target's next one, and goes to
// the tail of target's list. The caller holds a reference on target.
func LinkSetNetNS(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, name string, target *Namespace) error {
	const op = "RTM_SETLINK"
	ctx.Enter("rtnl_setlink")
	defer ctx.Exit("rtnl_setlink")
	g := n.g
	d, err := g.lookup(op, n, cred, name)
	if err != nil {
		return err
	}
	defer g.rtnlUnlock()
	if err := netAdmin(op, "rtnl_link_get_net_capable", cred, target); err != nil {
		return err
	}
	var pat *string
	if !ctx.Env.Mainline() {
		empty := "" // ifname[] without IFLA_IFNAME
		pat = &empty
	}
	return relabel(op, g.devChangeNetNamespace(ctx, d, target, pat))
}

// LinkRename mirrors do_setlink's dev_change_name (`ip link set NAME name
// NEWNAME`): EPERM; ERANGE (either name); ENODEV; an empty newName changes
// nothing (do_setlink renames only when ifname[0]); then dev_change_name:
// the device is up: EBUSY in 4.19 (mainline renames live); same name: no-op;
// EINVAL, EEXIST; a "%d" template takes the lowest free unit (ENFILE).
func LinkRename(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, name, newName string) error {
	const op = "RTM_SETLINK"
	ctx.Enter("rtnl_setlink")
	defer ctx.Exit("rtnl_setlink")
	if err := netAdmin(op, "rtnetlink_rcv_msg", cred, n); err != nil {
		return err
	}
	newname, err := nlaIfname(op, newName)
	if err != nil {
		return err
	}
	ifname, err := nlaIfname(op, name)
	if err != nil {
		return err
	}
	g := n.g
	g.rtnl.Lock()
	defer g.rtnlUnlock()
	d := n.devGetByName(ifname)
	if d == nil {
		return noDevice(op, n, ifname)
	}
	if newname == "" {
		return nil
	}
	return relabel(op, g.devChangeName(ctx, d, newname))
}

// Devices returns a snapshot of n's devices in device-list order
// (for_each_netdev: registration order, a device moved in at the tail).
func (n *Namespace) Devices() []DeviceInfo {
	n.g.rtnl.Lock()
	defer n.g.rtnl.Unlock()
	out := make([]DeviceInfo, len(n.devs))
	for i, d := range n.devs {
		out[i] = d.info()
	}
	return out
}

// Device returns a snapshot of n's device called name.
func (n *Namespace) Device(name string) (DeviceInfo, bool) {
	n.g.rtnl.Lock()
	defer n.g.rtnl.Unlock()
	if d := n.devGetByName(name); d != nil {
		return d.info(), true
	}
	return DeviceInfo{}, false
}

// LastIfindex reads net->ifindex: the index dev_new_index handed out last.
func (n *Namespace) LastIfindex() int {
	n.g.rtnl.Lock()
	defer n.g.rtnl.Unlock()
	return n.ifindex
}
