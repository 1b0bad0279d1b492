package userns

import "github.com/kernsim/kernsim/uapi"

// CapCapable mirrors cap_capable (security/commoncap.c, 4.19): whether cred has
// capability cap in user namespace target. Walking from target up:
//  1. reaching cred's own namespace: the answer is its effective set;
//  2. a level at or above cred's namespace without meeting it: no;
//  3. a namespace whose parent is cred's namespace and whose owner is cred's euid:
//     yes (the owner of a namespace has every capability in it);
//  4. otherwise continue with the parent.
func CapCapable(c *Cred, target *Namespace, cap uapi.Cap) bool {
	n := target
	for {
		if n == c.userNS {
			return c.CapEffective.Has(cap)
		}
		if n.level <= c.userNS.level {
			return false
		}
		if n.parent == c.userNS && n.owner == c.EUID {
			return true
		}
		n = n.parent
	}
}

// NSCapable mirrors ns_capable (kernel/capability.c) with the caller's cred made
// explicit (the kernel reads current_cred()).
func NSCapable(c *Cred, target *Namespace, cap uapi.Cap) bool { return CapCapable(c, target, cap) }

// InstallCapable is the permission test the install operations of
// uts, ipc, net, cgroup, pid, mnt and time namespaces share (§8.3):
// CAP_SYS_ADMIN over the target's owner and over the caller's own user
// namespace (4.19's current_user_ns(), mainline's nsset->cred->user_ns).
func InstallCapable(c *Cred, owner *Namespace) bool {
	return NSCapable(c, owner, uapi.CAP_SYS_ADMIN) && NSCapable(c, c.userNS, uapi.CAP_SYS_ADMIN)
}

// InstallPermission is InstallCapable as the install operations report it:
// nil, or setns's EPERM naming check, the install function that refused.
func InstallPermission(c *Cred, owner *Namespace, check string) error {
	if InstallCapable(c, owner) {
		return nil
	}
	return uapi.Err("setns", uapi.EPERM, "no CAP_SYS_ADMIN in the target's owner and the caller's user namespace", check)
}

// Capable mirrors capable(): ns_capable in init_user_ns.
func Capable(c *Cred, cap uapi.Cap) bool {
	n := c.userNS
	for n.parent != nil {
		n = n.parent
	}
	return CapCapable(c, n, cap)
}
