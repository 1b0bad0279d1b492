package netns

import (
	"math"
	"slices"
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Everything in this file runs with the Globals' rtnl lock held (ASSERT_RTNL).

// devGetByName mirrors __dev_get_by_name (net/core/dev.c).
func (n *Namespace) devGetByName(name string) *Device {
	for _, d := range n.devs {
		if d.name == name {
			return d
		}
	}
	return nil
}

// devGetByIndex mirrors __dev_get_by_index (net/core/dev.c).
func (n *Namespace) devGetByIndex(ifindex int) *Device {
	for _, d := range n.devs {
		if d.ifindex == ifindex {
			return d
		}
	}
	return nil
}

// devNewIndex mirrors dev_new_index (net/core/dev.c): the first free index
// after the last one handed out in n (net->ifindex), wrapping past INT_MAX
// to 1. Indexes of deleted devices are not reused until the counter wraps.
func (n *Namespace) devNewIndex() int {
	ifindex := n.ifindex
	for {
		if ifindex++; ifindex <= 0 || ifindex > math.MaxInt32 {
			ifindex = 1
		}
		if n.devGetByIndex(ifindex) == nil {
			n.ifindex = ifindex
			return ifindex
		}
	}
}

// listNetdevice mirrors list_netdevice: append to net->dev_base_head.
func (n *Namespace) listNetdevice(d *Device) { n.devs = append(n.devs, d) }

// unlistNetdevice mirrors unlist_netdevice.
func (n *Namespace) unlistNetdevice(d *Device) {
	if i := slices.Index(n.devs, d); i >= 0 {
		n.devs = slices.Delete(n.devs, i, i+1)
	}
}

// registerNetdevice mirrors register_netdevice (net/core/dev.c): the name
// first (dev_get_valid_name: EINVAL, EEXIST, or a "%d" unit; ENFILE), then
// an ifindex (dev_new_index, or the requested one if free, else EBUSY), the
// link watcher's initial look at the carrier, and the device list. A failure
// changes nothing. Devices registered after boot join the leak registry.
func (g *Globals) registerNetdevice(ctx *ns.Ctx, d *Device) error {
	ctx.Enter("register_netdevice")
	defer ctx.Exit("register_netdevice")
	n := d.net
	name, err := n.devGetValidName("register_netdevice", d.name)
	if err != nil {
		return err
	}
	d.name = name
	if d.ifindex == 0 {
		d.ifindex = n.devNewIndex()
	} else if n.devGetByIndex(d.ifindex) != nil {
		return uapi.Err("register_netdevice", uapi.EBUSY, "ifindex "+strconv.Itoa(d.ifindex)+" in use", "register_netdevice")
	}
	d.registered = true
	if d.noCarrier { // linkwatch_init_dev: pre-registration link state
		d.rfc2863Policy()
	}
	n.listNetdevice(d)
	if g.booted {
		g.devSeq++
		d.id = d.name + "#" + strconv.FormatUint(g.devSeq, 10)
		ctx.Env.Refs.Track(&d.node, d)
	}
	return nil
}

// unregisterNetdeviceMany mirrors unregister_netdevice_many
// (rollback_registered_many, netdev_run_todo): close the running devices
// (dev_close_many), unlist each, mark it unregistered and free it. A device
// queued twice (dellink of both veth ends) goes once.
func (g *Globals) unregisterNetdeviceMany(ctx *ns.Ctx, kill []*Device) {
	ctx.Enter("unregister_netdevice_many")
	defer ctx.Exit("unregister_netdevice_many")
	for _, d := range kill {
		if d.registered {
			g.devClose(ctx, d)
		}
	}
	for _, d := range kill {
		if !d.registered {
			continue
		}
		d.net.unlistNetdevice(d)
		d.registered = false
		d.peer = nil
		if d.node.Tracked() {
			ctx.Env.Refs.Untrack(&d.node)
		}
	}
}

// dellink mirrors rtnl_link_ops->dellink: veth_dellink queues the device and
// its peer (wherever the peer lives) and unties them; dummy's default
// unregister_netdevice_queue queues the device alone.
func dellink(d *Device, kill []*Device) []*Device {
	kill = append(kill, d)
	if p := d.peer; p != nil {
		d.peer, p.peer = nil, nil
		kill = append(kill, p)
	}
	return kill
}

// devOpen mirrors dev_open/__dev_open (net/core/dev.c): nothing if already
// up; the driver's ndo_open, then IFF_UP.
func (g *Globals) devOpen(ctx *ns.Ctx, d *Device) error {
	if d.flags&IFF_UP != 0 {
		return nil
	}
	ctx.Enter("__dev_open")
	defer ctx.Exit("__dev_open")
	switch d.kind {
	case kindVeth:
		if err := vethOpen(d); err != nil {
			return err
		}
	case kindPhysical:
		d.netifCarrierOn() // the driver's PHY reports link once opened
	}
	d.flags |= IFF_UP
	return nil
}

// devClose mirrors dev_close/__dev_close_many: the driver's ndo_stop, then
// IFF_UP cleared. Nothing if the device is down.
func (g *Globals) devClose(ctx *ns.Ctx, d *Device) {
	if d.flags&IFF_UP == 0 {
		return
	}
	ctx.Enter("__dev_close_many")
	defer ctx.Exit("__dev_close_many")
	switch d.kind {
	case kindVeth:
		vethClose(d)
	case kindPhysical:
		d.netifCarrierOff()
	}
	d.flags &^= IFF_UP
}

// netifCarrierOn mirrors netif_carrier_on (net/sched/sch_generic.c): clear
// __LINK_STATE_NOCARRIER and, if it was set, fire a link-watch event.
func (d *Device) netifCarrierOn() {
	if d.noCarrier {
		d.noCarrier = false
		d.linkwatchFireEvent()
	}
}

// netifCarrierOff mirrors netif_carrier_off: set __LINK_STATE_NOCARRIER and,
// on a registered device whose bit was clear, fire a link-watch event.
func (d *Device) netifCarrierOff() {
	if !d.noCarrier {
		d.noCarrier = true
		if d.registered {
			d.linkwatchFireEvent()
		}
	}
}

// linkwatchFireEvent mirrors linkwatch_fire_event (net/core/link_watch.c):
// queue the device once (__LINK_STATE_LINKWATCH_PENDING). The kernel's
// linkwatch_event work takes the rtnl lock after the current holder, up to a
// second later; the simulator runs the queue when the request that fired
// the event releases the lock (rtnlUnlock), so the policy sees the state the
// whole request left behind (a moved veth peer's new ifindex, say).
func (d *Device) linkwatchFireEvent() {
	if !d.lwPending {
		d.lwPending = true
		g := d.net.g
		g.lwEvents = append(g.lwEvents, d)
	}
}

// linkwatchRunQueue mirrors linkwatch_run_queue → linkwatch_do_dev: the
// RFC 2863 policy for every queued device still registered
// (linkwatch_forget_dev drops the others).
func (g *Globals) linkwatchRunQueue() {
	for i, d := range g.lwEvents {
		d.lwPending = false
		if d.registered {
			d.rfc2863Policy()
		}
		g.lwEvents[i] = nil
	}
	g.lwEvents = g.lwEvents[:0]
}

// rtnlUnlock releases the rtnl lock of a request that may have fired
// link-watch events, running them first (see linkwatchFireEvent).
func (g *Globals) rtnlUnlock() {
	g.linkwatchRunQueue()
	g.rtnl.Unlock()
}

// rfc2863Policy mirrors rfc2863_policy with default_operstate: no carrier is
// IF_OPER_LOWERLAYERDOWN for a device stacked on another (iflink differs from
// its own index, as a veth's peer index does) and IF_OPER_DOWN otherwise;
// with carrier, IF_OPER_UP. Devices that never see a carrier event keep
// IF_OPER_UNKNOWN (loopback, dummy).
func (d *Device) rfc2863Policy() {
	switch {
	case !d.noCarrier:
		d.operstate = IF_OPER_UP
	case d.ifindex != d.iflink():
		d.operstate = IF_OPER_LOWERLAYERDOWN
	default:
		d.operstate = IF_OPER_DOWN
	}
}

// devChangeName mirrors dev_change_name (net/core/dev.c): 4.19 refuses a
// device that is up (EBUSY; mainline allows live renames since 6.2); the
// same name is a no-op; otherwise dev_get_valid_name in the device's
// namespace (EINVAL, EEXIST, "%d" units, ENFILE).
func (g *Globals) devChangeName(ctx *ns.Ctx, d *Device, newname string) error {
	ctx.Enter("dev_change_name")
	defer ctx.Exit("dev_change_name")
	if d.flags&IFF_UP != 0 && !ctx.Env.Mainline() {
		return uapi.Err("dev_change_name", uapi.EBUSY, "device "+strconv.Quote(d.name)+" is up", "dev_change_name")
	}
	if newname == d.name {
		return nil
	}
	name, err := d.net.devGetValidName("dev_change_name", newname)
	if err != nil {
		return err
	}
	d.name = name
	return nil
}

// devChangeNetNamespace mirrors dev_change_net_namespace (net/core/dev.c):
// a NETIF_F_NETNS_LOCAL or unregistered device is EINVAL; the same namespace
// is a no-op; a name taken in the target is EEXIST without a pattern, else
// the pattern is applied there (dev_get_valid_name); then the device is
// closed, unlisted, keeps its ifindex if the target has it free (else gets
// dev_new_index there) and is listed at the target's tail.
func (g *Globals) devChangeNetNamespace(ctx *ns.Ctx, d *Device, target *Namespace, pat *string) error {
	ctx.Enter("dev_change_net_namespace")
	defer ctx.Exit("dev_change_net_namespace")
	const op = "dev_change_net_namespace"
	if d.netnsLocal {
		return uapi.Err(op, uapi.EINVAL, "device "+strconv.Quote(d.name)+" is NETIF_F_NETNS_LOCAL", op)
	}
	if !d.registered {
		return uapi.Err(op, uapi.EINVAL, "device not registered", op)
	}
	if d.net == target {
		return nil
	}
	name := d.name
	if target.devGetByName(name) != nil {
		if pat == nil {
			return uapi.Err(op, uapi.EEXIST, "name "+strconv.Quote(name)+" taken in the target namespace", op)
		}
		var err error
		if name, err = target.devGetValidName(op, *pat); err != nil {
			return err
		}
	}
	g.devClose(ctx, d)
	d.net.unlistNetdevice(d)
	ifindex := d.ifindex
	if target.devGetByIndex(ifindex) != nil {
		ifindex = target.devNewIndex()
	}
	d.name, d.net, d.ifindex = name, target, ifindex
	target.listNetdevice(d)
	return nil
}
