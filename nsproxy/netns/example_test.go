package netns_test

import (
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// boot builds a Kernel's worth of network state: init_net with lo and eth0,
// and root's credentials.
func boot() (*ns.Ctx, *netns.Globals, *userns.Globals, *userns.Cred) {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ug := userns.NewGlobals(env, 1000)
	env.Inums.Alloc() // the initial mount namespace
	g, err := netns.NewGlobals(env, ug, 4026531992, netns.DefaultBootDevices())
	if err != nil {
		panic(err)
	}
	root := new(userns.Cred)
	userns.InitCred(root, ug)
	return ns.NewCtx(env, 0), g, ug, root
}

// unshare(CLONE_NEWNET) gives a namespace holding only a loopback device,
// down, charged to the creator in the owning user namespace; the last
// put_net gives everything back.
func ExampleCopyNetNS() {
	ctx, g, ug, _ := boot()
	n, err := netns.CopyNetNS(ctx, uapi.CLONE_NEWNET, ug.Init, g.Init)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Init.Link(), g.Init.Devices())
	fmt.Println(n.Link(), "count", n.Count(), n.Devices())
	fmt.Print(n.ShowDev())
	fmt.Println("charged", ug.Charged(ug.Init, 0, userns.UCOUNT_NET_NAMESPACES))
	n.Put(ctx)
	fmt.Println("charged", ug.Charged(ug.Init, 0, userns.UCOUNT_NET_NAMESPACES), "leaks:", ctx.Env.Refs.Leaks())
	// Output:
	// net:[4026531992] [lo(1) eth0(2)]
	// net:[4026531841] count 1 [lo(1)]
	// Inter-|   Receive                                                |  Transmit
	//  face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
	//     lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
	// charged 1
	// charged 0 leaks: <nil>
}

// `ip link add name host0 type veth peer name cont0 netns X` from init_net:
// the peer is registered first, in X; each end shows carrier only once both
// are up. When X dies its end takes host0 with it.
func ExampleLinkAdd() {
	ctx, g, ug, root := boot()
	x, _ := netns.CopyNetNS(ctx, uapi.CLONE_NEWNET, ug.Init, g.Init)
	if err := netns.LinkAdd(ctx, g.Init, root, "veth", "host0", "cont0", x); err != nil {
		panic(err)
	}
	show := func() {
		h, _ := g.Init.Device("host0")
		c, _ := x.Device("cont0")
		fmt.Printf("%v@if%d %s | %v@if%d %s\n", h, h.PeerIfindex, h.Operstate, c, c.PeerIfindex, c.Operstate)
	}
	show()
	_ = netns.LinkSetUp(ctx, g.Init, root, "host0")
	show()
	_ = netns.LinkSetUp(ctx, x, root, "cont0")
	show()
	err := netns.LinkAdd(ctx, x, root, "veth", "cont0", "", nil)
	fmt.Println(err)
	x.Put(ctx)
	fmt.Println(g.Init.Devices())
	// Output:
	// host0(3)@if2 down | cont0(2)@if3 down
	// host0(3)@if2 lowerlayerdown | cont0(2)@if3 down
	// host0(3)@if2 up | cont0(2)@if3 up
	// RTM_NEWLINK: EEXIST (File exists): device "cont0" exists (NLM_F_EXCL) (rtnl_newlink)
	// [lo(1) eth0(2)]
}

// A physical NIC lent to a namespace comes back to init_net, down, when the
// namespace dies; lo never moves.
func ExampleLinkSetNetNS() {
	ctx, g, ug, root := boot()
	x, _ := netns.CopyNetNS(ctx, uapi.CLONE_NEWNET, ug.Init, g.Init)
	fmt.Println(netns.LinkSetNetNS(ctx, g.Init, root, "lo", x))
	fmt.Println(netns.LinkSetNetNS(ctx, g.Init, root, "eth0", x))
	fmt.Println(g.Init.Devices(), x.Devices())
	x.Put(ctx)
	eth0, _ := g.Init.Device("eth0")
	fmt.Println(g.Init.Devices(), eth0.Operstate)
	// Output:
	// RTM_SETLINK: EINVAL (Invalid argument): device "lo" is NETIF_F_NETNS_LOCAL (dev_change_net_namespace)
	// <nil>
	// [lo(1)] [lo(1) eth0(2)]
	// [lo(1) eth0(2)] down
}

// /sys/class/net/<dev>/ attributes, one line each.
func ExampleNamespace_SysfsRead() {
	_, g, _, _ := boot()
	for _, a := range netns.SysfsAttrs() {
		v, _ := g.Init.SysfsRead("eth0", a)
		fmt.Printf("%s: %s", a, v)
	}
	// Output:
	// address: 52:54:00:12:34:56
	// carrier: 1
	// flags: 0x1003
	// ifindex: 2
	// mtu: 1500
	// operstate: up
	// type: 1
}
