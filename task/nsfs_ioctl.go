package task

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// The nsfs ioctls (include/uapi/linux/nsfs.h): _IO(NSIO, n) with NSIO 0xb7.
const (
	NSIO             = 0xb7
	NS_GET_USERNS    = NSIO<<8 | 1
	NS_GET_PARENT    = NSIO<<8 | 2
	NS_GET_NSTYPE    = NSIO<<8 | 3
	NS_GET_OWNER_UID = NSIO<<8 | 4
)

// Ioctl mirrors ioctl(2) on a namespace file (fs/nsfs.c ns_ioctl, 4.19):
//
//   - NS_GET_USERNS: a new descriptor (the lowest free) on the owning user
//     namespace (a user namespace's parent), if the caller's user namespace
//     is that owner or one of its ancestors, else EPERM (ns_get_owner);
//   - NS_GET_PARENT: for pid namespaces the parent, which must be the
//     caller's active pid namespace or one of its descendants, else EPERM
//     (the initial one has none: EPERM); for user namespaces as
//     NS_GET_USERNS; EINVAL for the other types;
//   - NS_GET_NSTYPE: the CLONE_NEW* value of the namespace's type;
//   - NS_GET_OWNER_UID: for a user namespace, its owner's uid as the
//     caller's user namespace maps it (the kernel writes it through the
//     argument; here it is the result), EINVAL for other types.
//
// Another request is ENOTTY, as is any request on a file that is not a
// namespace file; a closed descriptor is EBADF.
func (t *Task) Ioctl(fd int, req uint32) (int, error) {
	if err := t.enter("ioctl"); err != nil {
		return -1, err
	}
	defer t.leave()
	f := t.files.fget(fd)
	if f == nil {
		return -1, uapi.Err("ioctl", uapi.EBADF, "fd "+strconv.Itoa(fd)+" is not open", "ksys_ioctl")
	}
	defer f.put(&t.ctx)
	n := f.Namespace()
	if n == nil {
		return -1, uapi.Err("ioctl", uapi.ENOTTY, f.path+" has no ioctls", "vfs_ioctl")
	}
	switch req {
	case NS_GET_USERNS:
		return t.openRelatedNS(n, t.nsGetOwner)
	case NS_GET_PARENT:
		switch v := n.(type) {
		case *pidns.Namespace:
			return t.openRelatedNS(v, t.pidnsGetParent)
		case *userns.Namespace:
			return t.openRelatedNS(v, t.nsGetOwner)
		}
		return -1, uapi.Err("ioctl", uapi.EINVAL, n.NS().Type().Name()+" namespaces have no parent", "ns_ioctl")
	case NS_GET_NSTYPE:
		return int(n.NS().Type().Flag()), nil
	case NS_GET_OWNER_UID:
		u, ok := n.(*userns.Namespace)
		if !ok {
			return -1, uapi.Err("ioctl", uapi.EINVAL, "NS_GET_OWNER_UID on a "+n.NS().Type().Name()+" namespace", "ns_ioctl")
		}
		return int(userns.FromKUIDMunged(t.Cred().UserNS(), u.OwnerUID())), nil
	}
	return -1, uapi.Err("ioctl", uapi.ENOTTY, "unknown nsfs request "+strconv.FormatUint(uint64(req), 16), "ns_ioctl")
}

// openRelatedNS mirrors open_related_ns: the related namespace with a
// reference, then a new nsfs file for it at the lowest free descriptor.
func (t *Task) openRelatedNS(n ns.Namespace, related func(ns.Namespace) (ns.Namespace, error)) (int, error) {
	r, err := related(n)
	if err != nil {
		return -1, err
	}
	fd, err := t.fdInstall(t.allocFile(r.NS().Link(), O_RDONLY, t.NewNSFile(r)))
	if err != nil {
		return -1, relabel(err, "ioctl")
	}
	return fd, nil
}

// nsGetOwner mirrors ns_get_owner: n's owner (a user namespace's parent)
// with a reference, if the caller's user namespace is on the way up from
// it; EPERM otherwise, and for init_user_ns, which has no owner.
func (t *Task) nsGetOwner(n ns.Namespace) (ns.Namespace, error) {
	var owner *userns.Namespace
	if u, ok := n.(*userns.Namespace); ok {
		owner = u.Parent()
	} else if o, ok := n.Owner().(*userns.Namespace); ok {
		owner = o
	}
	mine := t.Cred().UserNS()
	for p := owner; ; p = p.Parent() {
		if p == nil {
			return nil, uapi.Err("ioctl", uapi.EPERM, "the owner is outside the caller's user namespace", "ns_get_owner")
		}
		if p == mine {
			break
		}
	}
	owner.Get()
	return owner, nil
}

// pidnsGetParent mirrors pidns_get_parent: the parent pid namespace, if it
// is the caller's active one or a descendant of it, else EPERM.
func (t *Task) pidnsGetParent(n ns.Namespace) (ns.Namespace, error) {
	parent := n.(*pidns.Namespace).Parent()
	active := t.ActivePidNS()
	for p := parent; ; p = p.Parent() {
		if p == nil {
			return nil, uapi.Err("ioctl", uapi.EPERM, "the parent is outside the caller's pid namespace", "pidns_get_parent")
		}
		if p == active {
			break
		}
	}
	parent.Get()
	return parent, nil
}
