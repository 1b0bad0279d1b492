package netns

import "github.com/kernsim/kernsim/nsproxy/ns"

// loopbackSetup mirrors loopback_setup (drivers/net/loopback.c): mtu 64 KiB,
// ARPHRD_LOOPBACK, IFF_LOOPBACK, an all-zero address, NETIF_F_NETNS_LOCAL
// (it never leaves its namespace) and no rtnl_link_ops (it cannot be
// deleted). Its carrier is always on and it never fires a link-watch event,
// so its operstate stays IF_OPER_UNKNOWN.
func loopbackSetup(d *Device) {
	d.kind = kindLoopback
	d.mtu = LOOPBACK_MTU
	d.typ = ARPHRD_LOOPBACK
	d.flags = IFF_LOOPBACK
	d.netnsLocal = true
}

// loopbackNetInit mirrors loopback_net_init, the loopback pernet init:
// allocate "lo" in n, register it (it is the first device, so its ifindex is
// LOOPBACK_IFINDEX) and keep it as net->loopback_dev. It takes the rtnl lock
// as register_netdev does.
func (g *Globals) loopbackNetInit(ctx *ns.Ctx, n *Namespace) {
	ctx.Enter("loopback_net_init")
	defer ctx.Exit("loopback_net_init")
	d := &Device{name: "lo", net: n}
	loopbackSetup(d)
	g.rtnl.Lock()
	if err := g.registerNetdevice(ctx, d); err != nil || d.ifindex != LOOPBACK_IFINDEX {
		ctx.Env.Refs.Warn(n.Link(), "loopback_net_init: BUG_ON(dev->ifindex != LOOPBACK_IFINDEX)")
	}
	n.loopback = d
	g.rtnl.Unlock()
}
