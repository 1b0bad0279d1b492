package netns

// etherSetup mirrors ether_setup (net/ethernet/eth.c): an Ethernet device,
// ARPHRD_ETHER, mtu ETH_DATA_LEN, IFF_BROADCAST|IFF_MULTICAST.
func etherSetup(d *Device) {
	d.typ = ARPHRD_ETHER
	d.mtu = ETH_DATA_LEN
	d.flags = IFF_BROADCAST | IFF_MULTICAST
}

// ethHwAddrRandom mirrors eth_hw_addr_random (include/linux/etherdevice.h):
// six random bytes with the multicast bit cleared and the locally
// administered bit set. The bytes come from the Globals' generator, a
// splitmix64 sequence from a fixed seed, so runs are reproducible; the
// kernel uses get_random_bytes.
func (g *Globals) ethHwAddrRandom(d *Device) {
	g.rnd += 0x9e3779b97f4a7c15
	z := g.rnd
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	for i := range d.addr {
		d.addr[i] = byte(z >> (8 * i))
	}
	d.addr[0] &= 0xfe // clear multicast
	d.addr[0] |= 0x02 // set local assignment
}
