package userns

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Cred mirrors struct cred (include/linux/cred.h): kernel ids, capability sets
// and the user namespace, which it holds one reference on. A published Cred is
// not modified; PrepareCreds copies one to change it.
type Cred struct {
	usage refcount.Atomic

	UID, GID     uint32 // real (kernel ids)
	SUID, SGID   uint32 // saved
	EUID, EGID   uint32 // effective
	FSUID, FSGID uint32 // for file access

	Securebits     uint32
	CapInheritable uapi.CapSet
	CapPermitted   uapi.CapSet
	CapEffective   uapi.CapSet
	CapBset        uapi.CapSet
	CapAmbient     uapi.CapSet

	userNS *Namespace
	node   refcount.Node
}

// InitCred builds init_cred (kernel/cred.c) into c: root with every capability
// of the flavour, in init_user_ns. init_cred is static: its user-namespace
// reference is one of init_user_ns's boot count of 3, and it is not tracked by
// the leak registry.
func InitCred(c *Cred, g *Globals) {
	*c = Cred{userNS: g.Init}
	full := g.CapFullSet()
	c.CapPermitted, c.CapEffective, c.CapBset = full, full, full
	c.usage.Init(g.env.Refs, 4) // ATOMIC_INIT(4) in kernel/cred.c: never reaches zero
}

// UserNS returns the cred's user namespace without taking a reference.
func (c *Cred) UserNS() *Namespace { return c.userNS }

// Usage reads the cred's usage count.
func (c *Cred) Usage() int64 { return int64(c.usage.Read()) }

// Get mirrors get_cred (include/linux/cred.h).
func (c *Cred) Get() *Cred { c.usage.Inc(); return c }

// Put mirrors put_cred → __put_cred (kernel/cred.c): at zero the cred drops its
// user-namespace reference and is freed.
func (c *Cred) Put(ctx *ns.Ctx) {
	if c.usage.DecAndTest() {
		if c.node.Tracked() {
			ctx.Env.Refs.Untrack(&c.node)
		}
		c.userNS.Put(ctx)
	}
}

// PrepareCreds mirrors prepare_creds (kernel/cred.c): a private copy of old with
// usage 1 and its own reference on the user namespace, ready to modify and commit.
// dst, when non-nil, is storage to build it in (a task embeds one Cred so fork
// needs no extra allocation); otherwise a new Cred is allocated.
func PrepareCreds(ctx *ns.Ctx, old *Cred, dst *Cred) *Cred {
	if dst == nil {
		dst = new(Cred)
	}
	*dst = Cred{
		UID: old.UID, GID: old.GID, SUID: old.SUID, SGID: old.SGID,
		EUID: old.EUID, EGID: old.EGID, FSUID: old.FSUID, FSGID: old.FSGID,
		Securebits:     old.Securebits,
		CapInheritable: old.CapInheritable, CapPermitted: old.CapPermitted,
		CapEffective: old.CapEffective, CapBset: old.CapBset, CapAmbient: old.CapAmbient,
		userNS: old.userNS,
	}
	dst.usage.Init(ctx.Env.Refs, 1)
	dst.userNS.Get()
	ctx.Env.Refs.Track(&dst.node, dst)
	return dst
}

// RefKind, RefID and RefCount let the leak registry list the cred.
func (c *Cred) RefKind() string { return "cred" }
func (c *Cred) RefID() string {
	return "uid " + strconv.FormatUint(uint64(c.UID), 10) + " euid " + strconv.FormatUint(uint64(c.EUID), 10)
}
func (c *Cred) RefCount() int64 { return c.Usage() }
