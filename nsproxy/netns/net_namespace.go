package netns

import (
	"slices"
	"strconv"
	"sync"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Namespace mirrors struct net (include/net/net_namespace.h, 4.19): count
// (liveness: nsproxies, nsfs files), passive (the memory), the owning user
// namespace (one reference), the ucounts charge, ns_common, the ifindex
// counter, the device list (dev_base_head) and the loopback device.
type Namespace struct {
	ns.Common
	count   refcount.Refcount // net->count
	passive refcount.Refcount // net->passive
	userNS  *userns.Namespace
	ucounts *userns.Ucounts
	g       *Globals

	// Guarded by g.rtnl.
	ifindex  int       // net->ifindex: the last index dev_new_index handed out
	devs     []*Device // net->dev_base_head, in list order
	loopback *Device   // net->loopback_dev

	node refcount.Node
}

// Globals is one Kernel's network-namespace state: init_net, the rtnl lock
// (every device, device list and ifindex counter of every namespace is
// guarded by it) and the address generator for random MACs.
type Globals struct {
	rtnl sync.Mutex // rtnl_mutex
	Init *Namespace // &init_net

	env    *ns.Env
	ug     *userns.Globals
	booted bool   // devices registered from now on are tracked
	rnd    uint64 // eth_hw_addr_random's generator state
	devSeq uint64 // leak-registry identities of devices
	inuse  [maxNetdevices / 64]uint64
	// lwEvents is the link watcher's queue (lweventlist), run by rtnlUnlock.
	lwEvents []*Device
}

// DeviceConfig describes a physical network device present at boot: a NIC
// whose driver registers it in init_net (it has no rtnl_link_ops, so it
// cannot be deleted and returns to init_net when a namespace it was moved
// to dies).
type DeviceConfig struct {
	Name string
	MAC  [ETH_ALEN]byte
	MTU  int  // 0 means ETH_DATA_LEN
	Up   bool // brought up at boot (by init scripts)
}

// DefaultBootDevices is the Kernel's default hardware: one Ethernet NIC,
// eth0 (ifindex 2, after lo), up, with QEMU's first default address.
func DefaultBootDevices() []DeviceConfig {
	return []DeviceConfig{{Name: "eth0", MAC: [ETH_ALEN]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, MTU: ETH_DATA_LEN, Up: true}}
}

// NewGlobals builds init_net as net_ns_init and the boot do: setup_net with
// init_user_ns (count 1, passive 1; init_net is static, so it holds no
// reference on init_user_ns, is not charged to any ucounts, is not in the
// leak registry and is never freed), inode number initInum (dynamic in 4.19:
// it depends on what procfs registered before; NET_NS_INIT_INO in mainline),
// "lo" at ifindex 1, then bootDevs registered in order (ifindex 2, 3, ...).
// lo and the devices marked Up are brought up, as a booted system's init
// scripts do. A bad boot device (invalid or duplicate name) is an error.
func NewGlobals(env *ns.Env, ug *userns.Globals, initInum uint32, bootDevs []DeviceConfig) (*Globals, error) {
	g := &Globals{env: env, ug: ug, rnd: 0x6e65746e73}
	n := &Namespace{g: g, userNS: ug.Init}
	n.count.Init(env.Refs, n, 1)
	n.passive.Init(env.Refs, n, 1)
	n.InitCommon(ns.NET, initInum)
	g.Init = n
	ctx := ns.NewCtx(env, 0)
	g.loopbackNetInit(ctx, n)
	g.rtnl.Lock()
	defer g.rtnlUnlock()
	up := []*Device{n.loopback}
	for _, c := range bootDevs {
		d := &Device{name: c.Name, net: n, kind: kindPhysical, noCarrier: true}
		etherSetup(d)
		d.addr = c.MAC
		if c.MTU != 0 {
			d.mtu = c.MTU
		}
		if err := g.registerNetdevice(ctx, d); err != nil {
			return nil, err
		}
		if c.Up {
			up = append(up, d)
		}
	}
	for _, d := range up {
		if err := g.devOpen(ctx, d); err != nil {
			return nil, err
		}
	}
	g.booted = true
	return g, nil
}

var _ ns.Namespace = (*Namespace)(nil)

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_net (include/net/net_namespace.h).
func (n *Namespace) Get() { n.count.Inc() }

// Put mirrors put_net: at zero, __put_net queues cleanup_net. The kernel runs
// it later from the netns work queue; the simulator runs it before Put
// returns, so the caller must not hold the rtnl lock (no caller outside
// this package can).
func (n *Namespace) Put(ctx *ns.Ctx) {
	if !n.count.DecAndTest() {
		return
	}
	if n == n.g.Init {
		ctx.Env.Refs.Warn(n.Link(), "put_net: init_net released")
		return
	}
	n.g.cleanupNet(ctx, n)
}

// Count reads net->count.
func (n *Namespace) Count() int64 { return int64(n.count.Read()) }

// Passive reads net->passive.
func (n *Namespace) Passive() int64 { return int64(n.passive.Read()) }

// Owner implements proc_ns_operations.owner (netns_owner).
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// UserNS returns net->user_ns without taking a reference.
func (n *Namespace) UserNS() *userns.Namespace { return n.userNS }

// IsInit reports whether n is init_net.
func (n *Namespace) IsInit() bool { return n == n.g.Init }

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string { return "net" }
func (n *Namespace) RefID() string   { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64 { return n.Count() }

// CopyNetNS mirrors copy_net_ns (net/core/net_namespace.c): without
// CLONE_NEWNET, old with one more reference (get_net). With it: charge
// max_net_namespaces to (userNS, current euid) (ENOSPC), net_alloc, passive
// 1, the charge and a reference on userNS, then setup_net runs the pernet
// inits. The new namespace has count 1 and holds only "lo" (ifindex 1, down).
func CopyNetNS(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, old *Namespace) (*Namespace, error) {
	ctx.Enter("copy_net_ns")
	defer ctx.Exit("copy_net_ns")
	if flags&uapi.CLONE_NEWNET == 0 {
		old.Get()
		return old, nil
	}
	g := old.g
	uc := g.ug.Inc(userNS, ctx.EUID, userns.UCOUNT_NET_NAMESPACES)
	if uc == nil {
		return nil, uapi.Err("copy_net_ns", uapi.ENOSPC, "max_net_namespaces reached", "inc_net_namespaces")
	}
	n := &Namespace{g: g} // net_alloc: kmem_cache_zalloc
	n.passive.Init(ctx.Env.Refs, n, 1)
	n.ucounts = uc
	userNS.Get()
	g.setupNet(ctx, n, userNS)
	return n, nil
}

// setupNet mirrors setup_net: count 1, passive 1, user_ns, then the pernet
// inits in registration order. The ones with observable state are
// net_ns_net_init (the inode number, proc_alloc_inum) and, among the
// pernet devices, loopback_net_init ("lo"). None can fail in the
// simulator (the kernel's can fail with ENOMEM, unwinding in reverse).
func (g *Globals) setupNet(ctx *ns.Ctx, n *Namespace, userNS *userns.Namespace) {
	ctx.Enter("setup_net")
	defer ctx.Exit("setup_net")
	n.count.Init(ctx.Env.Refs, n, 1)
	n.passive.Set(1)
	n.userNS = userNS
	n.InitCommon(ns.NET, ctx.Env.Inums.Alloc()) // net_ns_net_init
	g.loopbackNetInit(ctx, n)
	ctx.Env.Refs.Track(&n.node, n)
}

// cleanupNet mirrors cleanup_net for one namespace: the pernet exits in
// reverse order, which for devices is default_device_exit (physical devices
// back to init_net) then default_device_exit_batch (every other device
// unregistered, last registered first, lo last); net_ns_net_exit frees the
// inode number; then the ucount charge and the owner reference are given
// back and net_drop_ns drops the passive reference, freeing the struct.
func (g *Globals) cleanupNet(ctx *ns.Ctx, n *Namespace) {
	ctx.Enter("cleanup_net")
	defer ctx.Exit("cleanup_net")
	g.rtnl.Lock()
	g.defaultDeviceExit(ctx, n)
	g.defaultDeviceExitBatch(ctx, n)
	g.rtnlUnlock()
	ctx.Env.Inums.Free(n.Inum()) // net_ns_net_exit
	g.ug.Dec(n.ucounts, userns.UCOUNT_NET_NAMESPACES)
	n.userNS.Put(ctx)
	n.netDropNS(ctx)
}

// netDropNS mirrors net_drop_ns: drop the passive reference; at zero
// net_free frees the memory.
func (n *Namespace) netDropNS(ctx *ns.Ctx) {
	if n.passive.DecAndTest() {
		ctx.Env.Refs.Untrack(&n.node)
	}
}

// defaultDeviceExit mirrors default_device_exit (net/core/dev.c): every
// device of the dying namespace that is neither NETIF_F_NETNS_LOCAL (lo) nor
// made through rtnl_link_ops (dummy, veth) goes back to init_net, renamed
// "dev<ifindex>" if its name is taken there. If that name is taken too, 4.19
// hits BUG(); the simulator records a warning and, as mainline does, falls
// back to "dev%d".
func (g *Globals) defaultDeviceExit(ctx *ns.Ctx, n *Namespace) {
	ctx.Enter("default_device_exit")
	defer ctx.Exit("default_device_exit")
	for _, d := range slices.Clone(n.devs) {
		if d.netnsLocal || d.kind.hasLinkOps() {
			continue
		}
		fb := "dev" + strconv.Itoa(d.ifindex)
		if ctx.Env.Mainline() && g.Init.devGetByName(fb) != nil {
			fb = "dev%d"
		}
		if err := g.devChangeNetNamespace(ctx, d, g.Init, &fb); err != nil {
			ctx.Env.Refs.Warn(n.Link(), "default_device_exit: failed to move "+d.name+" to init_net: "+err.Error())
			fb = "dev%d"
			if err := g.devChangeNetNamespace(ctx, d, g.Init, &fb); err != nil {
				ctx.Env.Refs.Warn(n.Link(), "default_device_exit: "+err.Error())
			}
		}
	}
}

// defaultDeviceExitBatch mirrors default_device_exit_batch: walk the device
// list backwards, queueing each device through its dellink (a veth takes its
// peer, in whatever namespace it is) or unregister_netdevice_queue, then
// unregister_netdevice_many. lo, registered first, goes last.
func (g *Globals) defaultDeviceExitBatch(ctx *ns.Ctx, n *Namespace) {
	ctx.Enter("default_device_exit_batch")
	defer ctx.Exit("default_device_exit_batch")
	var kill []*Device
	for i := len(n.devs) - 1; i >= 0; i-- {
		kill = dellink(n.devs[i], kill)
	}
	g.unregisterNetdeviceMany(ctx, kill)
	n.loopback = nil
}

// Install is the check half of netns_install (net/core/net_namespace.c):
// CAP_SYS_ADMIN in the target's owner and in the caller's user namespace,
// else EPERM. On success the caller (nsproxy) swaps its net reference.
func Install(ctx *ns.Ctx, cred *userns.Cred, target *Namespace) error {
	ctx.Enter("netns_install")
	defer ctx.Exit("netns_install")
	if err := userns.InstallPermission(cred, target.userNS, "netns_install"); err != nil {
		return err
	}
	return nil
}

// Shutdown deletes every virtual device (dummy, veth) left in init_net, each
// through its dellink as cleanup_net would for another namespace, so that a
// powered-off Kernel's leak registry holds nothing the running system made.
// Boot devices and lo stay: they are static.
func (g *Globals) Shutdown(ctx *ns.Ctx) {
	g.rtnl.Lock()
	var kill []*Device
	for i := len(g.Init.devs) - 1; i >= 0; i-- {
		if d := g.Init.devs[i]; d.kind.hasLinkOps() {
			kill = dellink(d, kill)
		}
	}
	g.unregisterNetdeviceMany(ctx, kill)
	g.rtnlUnlock()
}
