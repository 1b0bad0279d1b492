package netns

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// vethSetup mirrors veth_setup (drivers/net/veth.c): ether_setup (flags
// IFF_BROADCAST|IFF_MULTICAST, mtu 1500). The address is drawn by
// veth_newlink.
func vethSetup(d *Device) {
	d.kind = kindVeth
	etherSetup(d)
}

// vethNewlink mirrors veth_newlink (drivers/net/veth.c) once rtnl_newlink
// has allocated dev in n. The peer is made and registered first, in peerNet
// (the namespace of the peer's IFLA_NET_NS_FD, else n), named peerName or
// "veth%d"; its carrier goes off. Then dev is registered (so a peer made in
// the same namespace gets the lower ifindex) and its carrier goes off, and
// the two are tied. If dev's registration fails the already registered peer
// is unregistered again: the error comes back, but the peer's namespace has
// used up an ifindex.
func (g *Globals) vethNewlink(ctx *ns.Ctx, dev *Device, peerNet *Namespace, peerName string) error {
	ctx.Enter("veth_newlink")
	defer ctx.Exit("veth_newlink")
	if peerName == "" {
		peerName = "veth%d"
	}
	peer := &Device{name: peerName, net: peerNet} // rtnl_create_link
	vethSetup(peer)
	g.ethHwAddrRandom(peer)
	if err := g.registerNetdevice(ctx, peer); err != nil {
		return err // err_register_peer: free_netdev(peer)
	}
	peer.netifCarrierOff()
	g.ethHwAddrRandom(dev)
	if err := g.registerNetdevice(ctx, dev); err != nil {
		g.unregisterNetdeviceMany(ctx, []*Device{peer}) // err_register_dev
		return err
	}
	dev.netifCarrierOff()
	dev.peer, peer.peer = peer, dev
	return nil
}

// vethOpen mirrors veth_open: ENOTCONN without a peer; if the peer is up,
// carrier on for both ends. A veth therefore has carrier only while both
// ends are up.
func vethOpen(d *Device) error {
	p := d.peer
	if p == nil {
		return uapi.Err("veth_open", uapi.ENOTCONN, "veth has no peer", "veth_open")
	}
	if p.flags&IFF_UP != 0 {
		d.netifCarrierOn()
		p.netifCarrierOn()
	}
	return nil
}

// vethClose mirrors veth_close: carrier off for both ends.
func vethClose(d *Device) {
	d.netifCarrierOff()
	if d.peer != nil {
		d.peer.netifCarrierOff()
	}
}
