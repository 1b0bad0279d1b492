package netns

// dummySetup mirrors dummy_setup (drivers/net/dummy.c): ether_setup, then
// IFF_NOARP on and IFF_MULTICAST off (flags 0x82), a random address. Its
// carrier is always on and it never fires a link-watch event, so its
// operstate stays IF_OPER_UNKNOWN while up.
func (g *Globals) dummySetup(d *Device) {
	d.kind = kindDummy
	etherSetup(d)
	d.flags |= IFF_NOARP
	d.flags &^= IFF_MULTICAST
	g.ethHwAddrRandom(d)
}
