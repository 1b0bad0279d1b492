package task

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/uapi"
)

// The rtnetlink requests `ip link` sends (net/core/rtnetlink.c), made by a
// task over a NETLINK_ROUTE socket created in its current network
// namespace. Errors are package netns's; the namespace a device goes to is
// named the way IFLA_NET_NS_FD does it (an open /proc/<pid>/ns/net file) or
// IFLA_NET_NS_PID (a process whose namespace it is).

// NoNetNS marks "no IFLA_NET_NS_FD attribute" (the caller's namespace).
const NoNetNS = -1

// netNS is current->nsproxy->net_ns, stable while the task runs a syscall.
func (t *Task) netNS() *netns.Namespace { return t.NSProxy().NET() }

// getNetNSByFD mirrors get_net_ns_by_fd: an open nsfs file of a network
// namespace, with a reference (EBADF for a closed descriptor, EINVAL for
// any other file).
func (t *Task) getNetNSByFD(op string, fd int) (*netns.Namespace, error) {
	f := t.files.fget(fd)
	if f == nil {
		return nil, uapi.Err(op, uapi.EBADF, "fd "+strconv.Itoa(fd)+" is not open", "get_net_ns_by_fd")
	}
	defer f.put(&t.ctx)
	n, ok := f.Namespace().(*netns.Namespace)
	if !ok {
		return nil, uapi.Err(op, uapi.EINVAL, f.path+" is not a network namespace file", "get_net_ns_by_fd")
	}
	n.Get()
	return n, nil
}

// LinkAdd mirrors RTM_NEWLINK with NLM_F_CREATE: a "dummy" or "veth" device
// name (a veth's other end peerName, in the network namespace of the open
// nsfs file peerNSFD, or the caller's with NoNetNS).
func (t *Task) LinkAdd(kind, name, peerName string, peerNSFD int) error {
	if err := t.enter("sendmsg"); err != nil {
		return err
	}
	defer t.leave()
	var peer *netns.Namespace
	if peerNSFD != NoNetNS {
		var err error
		if peer, err = t.getNetNSByFD("RTM_NEWLINK", peerNSFD); err != nil {
			return err
		}
		defer peer.Put(&t.ctx)
	}
	return netns.LinkAdd(&t.ctx, t.netNS(), t.Cred(), kind, name, peerName, peer)
}

// LinkDel mirrors RTM_DELLINK.
func (t *Task) LinkDel(name string) error {
	return t.netlink(func(n *netns.Namespace) error { return netns.LinkDel(&t.ctx, n, t.Cred(), name) })
}

// LinkSetUp mirrors RTM_NEWLINK setting IFF_UP (ip link set name up).
func (t *Task) LinkSetUp(name string) error {
	return t.netlink(func(n *netns.Namespace) error { return netns.LinkSetUp(&t.ctx, n, t.Cred(), name) })
}

// LinkSetDown mirrors RTM_NEWLINK clearing IFF_UP.
func (t *Task) LinkSetDown(name string) error {
	return t.netlink(func(n *netns.Namespace) error { return netns.LinkSetDown(&t.ctx, n, t.Cred(), name) })
}

// LinkRename mirrors RTM_NEWLINK with IFLA_IFNAME (ip link set name name newName).
func (t *Task) LinkRename(name, newName string) error {
	return t.netlink(func(n *netns.Namespace) error { return netns.LinkRename(&t.ctx, n, t.Cred(), name, newName) })
}

// LinkSetNetNSFD mirrors RTM_NEWLINK with IFLA_NET_NS_FD (ip link set name
// netns /proc/<pid>/ns/net): the device moves to that namespace.
func (t *Task) LinkSetNetNSFD(name string, fd int) error {
	return t.netlink(func(n *netns.Namespace) error {
		target, err := t.getNetNSByFD("RTM_NEWLINK", fd)
		if err != nil {
			return err
		}
		defer target.Put(&t.ctx)
		return netns.LinkSetNetNS(&t.ctx, n, t.Cred(), name, target)
	})
}

// LinkSetNetNSPid mirrors RTM_NEWLINK with IFLA_NET_NS_PID (ip link set name
// netns <pid>): the network namespace of the process numbered pid in the
// caller's pid namespace (get_net_ns_by_pid: ESRCH if there is none or it
// has exited).
func (t *Task) LinkSetNetNSPid(name string, pid int32) error {
	return t.netlink(func(n *netns.Namespace) error {
		p, _ := t.ActivePidNS().FindTask(int(pid)).(*Task)
		var target *netns.Namespace
		if p != nil {
			p.allocLock.Lock()
			if p.nsproxy != nil {
				target = p.nsproxy.NET()
				target.Get()
			}
			p.allocLock.Unlock()
		}
		if target == nil {
			return uapi.Err("RTM_NEWLINK", uapi.ESRCH, "no process "+strconv.Itoa(int(pid))+" with a network namespace", "get_net_ns_by_pid")
		}
		defer target.Put(&t.ctx)
		return netns.LinkSetNetNS(&t.ctx, n, t.Cred(), name, target)
	})
}

// Links mirrors an RTM_GETLINK dump (ip link show): the devices of the
// caller's network namespace.
func (t *Task) Links() ([]netns.DeviceInfo, error) {
	var out []netns.DeviceInfo
	err := t.netlink(func(n *netns.Namespace) error { out = n.Devices(); return nil })
	return out, err
}

func (t *Task) netlink(do func(*netns.Namespace) error) error {
	if err := t.enter("sendmsg"); err != nil {
		return err
	}
	defer t.leave()
	return do(t.netNS())
}
