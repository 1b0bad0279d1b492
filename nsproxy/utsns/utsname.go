package utsns

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Field indexes of new_utsname, in the kernel's order.
const (
	Sysname = iota
	Nodename
	Release
	Version
	Machine
	Domainname
	nFields
)

// Name mirrors struct new_utsname: six NUL-padded char[65] fields.
type Name [nFields][uapi.NEW_UTS_LEN + 1]byte

// Field returns field i up to its first NUL.
func (n *Name) Field(i int) string {
	f := n[i][:]
	if j := bytes.IndexByte(f, 0); j >= 0 {
		f = f[:j]
	}
	return string(f)
}

// Set stores s in field i as the kernel does: copy, then zero the rest of the
// 65-byte field. len(s) must be at most NEW_UTS_LEN.
func (n *Name) Set(i int, s string) {
	k := copy(n[i][:uapi.NEW_UTS_LEN], s)
	clear(n[i][k:])
}

// Utsname converts to the uapi struct uname(2) fills.
func (n *Name) Utsname() uapi.Utsname {
	return uapi.Utsname{
		Sysname: n.Field(Sysname), Nodename: n.Field(Nodename), Release: n.Field(Release),
		Version: n.Field(Version), Machine: n.Field(Machine), Domainname: n.Field(Domainname),
	}
}

// Namespace mirrors struct uts_namespace (4.19): kref, name, owner user
// namespace, ucounts charge and ns_common.
type Namespace struct {
	ns.Common
	kref refcount.Kref
	name Name
	// strs holds each field of name as uname(2) reads it (up to its first
	// NUL), kept with name so uname and the readers copy out without
	// allocating.
	strs    [nFields]string
	userNS  *userns.Namespace // holds a reference
	ucounts *userns.Ucounts
	g       *Globals
	node    refcount.Node
}

// Globals is one Kernel's UTS state: init_uts_ns and uts_sem.
type Globals struct {
	Sem  sync.Mutex // uts_sem
	Init *Namespace // &init_uts_ns
	ug   *userns.Globals
}

// NewGlobals builds init_uts_ns (init/version.c): kref 2, name {"Linux",
// "(none)", release, version, machine, "(none)"}, owner init_user_ns (which
// init_uts_ns, being static, does not count), inode PROC_UTS_INIT_INO.
func NewGlobals(env *ns.Env, ug *userns.Globals, release, version, machine string) *Globals {
	g := &Globals{ug: ug}
	n := &Namespace{userNS: ug.Init, g: g}
	n.InitCommon(ns.UTS, ns.PROC_UTS_INIT_INO)
	n.kref.Init(env.Refs, n)
	n.kref.Get()
	n.setField(Sysname, "Linux")
	n.setField(Nodename, "(none)")
	n.setField(Release, release)
	n.setField(Version, version)
	n.setField(Machine, machine)
	n.setField(Domainname, "(none)")
	g.Init = n
	return g
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_uts_ns (include/linux/utsname.h).
func (n *Namespace) Get() { n.kref.Get() }

// Put mirrors put_uts_ns: kref_put with free_uts_ns as the release.
func (n *Namespace) Put(ctx *ns.Ctx) {
	n.kref.Put(func() { n.free(ctx) })
}

// free mirrors free_uts_ns (kernel/utsname.c): give back the ucount, put the
// owner, free the inode number.
func (n *Namespace) free(ctx *ns.Ctx) {
	ctx.Enter("free_uts_ns")
	if n == n.g.Init {
		ctx.Env.Refs.Warn(n.Link(), "free_uts_ns: init_uts_ns released")
		ctx.Exit("free_uts_ns")
		return
	}
	n.g.ug.Dec(n.ucounts, userns.UCOUNT_UTS_NAMESPACES)
	n.userNS.Put(ctx)
	ctx.Env.Inums.Free(n.Inum())
	ctx.Env.Refs.Untrack(&n.node)
	*n = Namespace{} // kfree: back to the Kernel's cache
	ctx.Env.Caches.UTS.Free(ctx.Env, n)
	ctx.Exit("free_uts_ns")
}

// Count reads the kref.
func (n *Namespace) Count() int64 { return int64(n.kref.Read()) }

// Owner implements proc_ns_operations.owner (utsns_owner).
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// UserNS returns the owning user namespace.
func (n *Namespace) UserNS() *userns.Namespace { return n.userNS }

// Name returns a copy of the name, read under uts_sem.
func (n *Namespace) Name() Name {
	n.g.Sem.Lock()
	defer n.g.Sem.Unlock()
	return n.name
}

// Nodename returns the host name, read under uts_sem.
func (n *Namespace) Nodename() string {
	n.g.Sem.Lock()
	defer n.g.Sem.Unlock()
	return n.strs[Nodename]
}

// Utsname returns the name as uname(2) copies it out, read under uts_sem,
// without allocating.
func (n *Namespace) Utsname() uapi.Utsname {
	n.g.Sem.Lock()
	defer n.g.Sem.Unlock()
	return uapi.Utsname{
		Sysname: n.strs[Sysname], Nodename: n.strs[Nodename], Release: n.strs[Release],
		Version: n.strs[Version], Machine: n.strs[Machine], Domainname: n.strs[Domainname],
	}
}

// setField stores s in field i of name and its string form.
func (n *Namespace) setField(i int, s string) {
	n.name.Set(i, s)
	if j := strings.IndexByte(s, 0); j >= 0 {
		s = s[:j]
	}
	n.strs[i] = s
}

// SetField stores field i under uts_sem: the tail of
// sethostname and setdomainname once their checks passed.
func (n *Namespace) SetField(i int, s string) {
	n.g.Sem.Lock()
	n.setField(i, s)
	n.g.Sem.Unlock()
}

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string { return "uts_namespace" }
func (n *Namespace) RefID() string   { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64 { return n.Count() }

// CopyUTSName mirrors copy_utsname (kernel/utsname.c): without CLONE_NEWUTS it
// returns old with a new reference; with it, a clone of old owned by userNS.
func CopyUTSName(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, old *Namespace) (*Namespace, error) {
	ctx.Enter("copy_utsname")
	defer ctx.Exit("copy_utsname")
	old.Get()
	if flags&uapi.CLONE_NEWUTS == 0 {
		return old, nil
	}
	n, err := cloneUTSNS(ctx, userNS, old)
	old.Put(ctx)
	return n, err
}

// cloneUTSNS mirrors clone_uts_ns: charge max_uts_namespaces (ENOSPC), allocate,
// take an inode number, copy the whole name from old under uts_sem, take a
// reference on the owner. The new namespace's kref is 1.
func cloneUTSNS(ctx *ns.Ctx, userNS *userns.Namespace, old *Namespace) (*Namespace, error) {
	ctx.Enter("clone_uts_ns")
	defer ctx.Exit("clone_uts_ns")
	g := old.g
	uc := g.ug.Inc(userNS, ctx.EUID, userns.UCOUNT_UTS_NAMESPACES)
	if uc == nil {
		return nil, uapi.Err("clone_uts_ns", uapi.ENOSPC, "max_uts_namespaces reached", "inc_uts_namespaces")
	}
	n, _ := ctx.Env.Caches.UTS.Alloc(ctx.Env).(*Namespace) // kmalloc
	if n == nil {
		n = new(Namespace)
	}
	n.ucounts, n.g, n.userNS = uc, g, userNS
	n.InitCommon(ns.UTS, ctx.Env.Inums.Alloc())
	n.kref.Init(ctx.Env.Refs, n)
	// down_read(&uts_sem): writers hold the big kernel lock too in a
	// serialised Env, so a reader under it needs no more.
	if !ctx.Env.Serial {
		g.Sem.Lock()
	}
	n.name, n.strs = old.name, old.strs
	if !ctx.Env.Serial {
		g.Sem.Unlock()
	}
	userNS.Get()
	ctx.Env.Refs.Track(&n.node, n)
	return n, nil
}
