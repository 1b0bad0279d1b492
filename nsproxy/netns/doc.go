// Package netns models network namespaces at the level a user observes them
// (net/core/net_namespace.c, net/core/dev.c, net/core/rtnetlink.c,
// net/core/net-procfs.c, net/core/net-sysfs.c, net/core/link_watch.c,
// drivers/net/loopback.c, dummy.c, veth.c; Linux 4.19.13).
//
// Objects and who references whom:
//
//   - Namespace mirrors struct net: count (refcount_t, liveness: held by
//     every nsproxy that points at it and every open nsfs file), passive
//     (refcount_t, the memory; 1 in the model since nothing else pins it),
//     one reference on its owner user namespace, its max_net_namespaces
//     charge (owner, creator's euid), ns_common (the inode number comes
//     from the pernet init net_ns_net_init), net->ifindex (the last index
//     dev_new_index handed out), the device list (dev_base_head) and the
//     loopback device. CopyNetNS is copy_net_ns; the last Put runs
//     cleanup_net at once (the kernel defers it to a work queue).
//   - Device mirrors the observable part of struct net_device: name,
//     ifindex, flags, mtu, type, address, carrier, operstate, the namespace
//     (not counted: devices die with, or leave, their namespace before it is
//     freed), the driver (loopback, a physical NIC, dummy, veth) and a veth's
//     peer (the two ends point at each other; either may be in any
//     namespace).
//   - Globals is one Kernel's state: init_net (count 1, static: no owner
//     reference, no ucount charge, never freed, not in the leak registry),
//     the rtnl lock and the random-address generator.
//
// Operations take ctx (current: its euid is charged for new namespaces,
// its trace cursor records kernel functions), the caller's cred where the
// kernel checks capabilities, and n, the caller's network namespace (the
// namespace of its rtnetlink socket). Link* are the rtnetlink requests of
// `ip link`: LinkAdd (dummy, veth, a veth's peer possibly in another
// namespace), LinkDel, LinkSetUp/LinkSetDown, LinkSetNetNS, LinkRename. All
// need CAP_NET_ADMIN in n's owner; moving also in the target's. Install is
// netns_install's permission check. ShowDev renders /proc/net/dev and
// SysfsRead /sys/class/net/<dev>/<attr>; Devices and Device are snapshots.
//
// Namespace teardown (cleanup_net): physical devices go back to init_net
// (renamed "dev<ifindex>" if their name is taken there; ifindex kept if
// free), devices made over rtnetlink are deleted (a veth takes its peer
// with it, wherever the peer is), lo goes last; then the inode number, the
// ucount charge, the owner reference and the memory are given back.
//
// Locking: Globals.rtnl (rtnl_mutex) guards every device, every device list
// and every ifindex counter, across namespaces (a move touches two). The
// namespace counts are refcount words (plain under a Kernel's big kernel
// lock). Lock order: the big kernel lock before rtnl; the
// ucount table, inode allocator and leak registry are leaves taken under
// it. Put must not be called with rtnl held: cleanup_net takes it.
//
// Differences between flavours (ctx.Env.Mainline()): /proc/net/dev order
// (see ShowDev), LinkSetNetNS onto a taken name (EINVAL in 4.19, EEXIST),
// LinkRename of an up device (EBUSY in 4.19, allowed since 6.2), the
// default_device_exit fallback name (4.19: BUG(), recorded as a warning).
//
// Not modelled: traffic and its counters (all 0), addresses, routes,
// sockets, netns ids (peernet2id, IFLA_LINK_NETNSID), altnames, MTU and
// address changes, ifindex requests, device groups, other link kinds
// (EOPNOTSUPP), the dummy module's own dummy0 in init_net when it loads,
// ENOMEM, and the pernet subsystems without a visible effect. cleanup_net
// runs inside the last Put rather than from the netns work queue, and the
// link watcher (operstate) runs when the request that queued its events
// releases the rtnl lock rather than up to a second later: the simulator
// shows the state a reader sees once the kernel's work has run.
//
// Invariants: names are unique and valid within a namespace; ifindexes are
// unique within a namespace; lo is ifindex 1 and first on every list;
// a veth's ends point at each other; every device made after boot is in the
// leak registry ("net_device") exactly while registered, and every
// namespace but init_net ("net") exactly while not freed.
package netns
