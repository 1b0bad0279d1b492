package mntns

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Namespace mirrors struct mnt_namespace (fs/mount.h, 4.19): atomic_t
// count, ns_common, the root mount, the list of its mounts (linked through
// mnt_list, in the order /proc/<pid>/mountinfo prints them), the owner user
// namespace (one reference), the max_mnt_namespaces ucount charge, seq,
// event, and mounts/pending_mounts (counted against fs.mount-max).
type Namespace struct {
	ns.Common
	count   refcount.Atomic
	root    *Mount
	list    listHead // guarded by Globals' namespace lock, like the fields below
	event   uint64
	mounts  uint32
	pending uint32
	seq     uint64
	userNS  *userns.Namespace
	ucounts *userns.Ucounts
	g       *Globals
	node    refcount.Node
}

// Globals is one Kernel's mount state: the initial mount namespace,
// namespace_sem and mount_lock (one mutex here: every path that changes a
// tree takes both in the kernel), mount_hashtable, mnt_id_ida,
// mnt_group_ida, unnamed_dev_ida, mnt_ns_seq, the global event counter and
// sysctl fs.mount-max. Nothing is package-level, so Kernels are independent.
type Globals struct {
	// Init is the initial mount namespace, built by NewGlobals as
	// init_mount_tree does and then populated with the boot tree.
	Init *Namespace

	sem       sync.Mutex // namespace_sem + mount_lock
	hash      map[mpKey]*Mount
	event     uint64
	unmounted []*Mount // references dropped after namespace_unlock
	booting   bool

	mntIDs   ida // mnt_id_ida: from 0
	groupIDs ida // mnt_group_ida: from 1
	anonDevs ida // unnamed_dev_ida: minors 1 .. (1<<MINORBITS)-1

	seq      atomic.Uint64 // mnt_ns_seq, ATOMIC64_INIT(1)
	mountMax atomic.Uint32 // sysctl_mount_max

	fsTypes map[string]fsType
	keyed   map[keyedSuper]*SuperBlock // live superblocks of keyed types (mount_ns's sget)
	env     *ns.Env
	ug      *userns.Globals

	// OnKill, if set, is called (namespace lock held) when a keyed
	// superblock dies, so that whoever serves its contents can let go.
	OnKill func(*SuperBlock)
}

// keyedSuper identifies a superblock of a keyed type: mount_ns finds the
// existing one for the same s_fs_info.
type keyedSuper struct {
	fsType string
	key    any
}

// SetKey makes the boot superblock mounted at path in the initial namespace
// the keyed superblock of key (the boot proc is init_pid_ns's), so that a
// later mount of the type with that key shares it, as mount_ns does.
func (g *Globals) SetKey(path string, key any) error {
	p, err := g.Init.Lookup(path)
	if err != nil {
		return err
	}
	g.sem.Lock()
	defer g.sem.Unlock()
	sb := p.Mnt.sb
	sb.key = key
	g.keyed[keyedSuper{sb.fsType, key}] = sb
	return nil
}

// BootMount is one mount of the initial tree, made the way early boot
// scripts make them (mount(2) as global root) but with no permission checks
// and with the mount target's missing directories created first.
type BootMount struct {
	Target string // absolute path in the tree built so far
	// FSType and Source are the filesystem type and mnt_devname. Any type
	// may be used at boot; mount(2) later knows only rootfs, tmpfs, ramfs.
	FSType, Source string
	// Dev is a fixed s_dev (a disk: MkDev(8, 1)); 0 gives an anonymous
	// device 0:N. Two boot mounts with the same fixed Dev share one
	// superblock, as two mounts of one block device do.
	Dev Dev
	// Flags are mount(2) flags: MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC,
	// MS_NOATIME, MS_STRICTATIME, ... (relatime is the default, as for
	// mount(2)); with Bind, MS_REC makes the bind recursive.
	Flags uint64
	// Options is the filesystem's ->show_options text, each option with
	// its leading comma (",errors=remount-ro", ",mode=755").
	Options string
	// Bind, when set, makes this a bind mount of that path instead. With
	// neither FSType nor Bind nothing is mounted: only Propagation and Dirs
	// apply to the mount at Target.
	Bind string
	// Propagation (MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE,
	// optionally with MS_REC) is applied to the new mount afterwards.
	Propagation uint64
	// Dirs are directories created below Target once it is mounted.
	Dirs []string
}

// Config describes a Kernel's initial mount tree.
type Config struct {
	// Mounts are mounted in order on top of rootfs.
	Mounts []BootMount
	// MountMax is fs.mount-max; 0 means DefaultMountMax.
	MountMax uint32
}

// NewGlobals builds the initial mount namespace as init_mount_tree does
// (fs/namespace.c): a rootfs mount (the first mount id, 0, and the first
// anonymous device, 0:1; mnt_flags 0, so mountinfo shows plain "rw"; marked
// MNT_LOCKED) in a namespace made by create_mnt_ns → alloc_mnt_ns(init_user_ns):
// one max_mnt_namespaces charge to (init_user_ns, uid 0), the first dynamic
// inode number in 4.19 (MNT_NS_INIT_INO in the mainline flavour), seq 2, and
// count 2 (init_nsproxy and the get_mnt_ns of init_mount_tree). Then the
// boot mounts of cfg are made in order. The initial namespace and what boot
// creates are static like init_uts_ns: the leak registry does not track them.
func NewGlobals(env *ns.Env, ug *userns.Globals, cfg Config) (*Globals, error) {
	g := &Globals{
		hash:     make(map[mpKey]*Mount),
		mntIDs:   newIDA(0, 1<<31-1),
		groupIDs: newIDA(1, 1<<31-1),
		anonDevs: newIDA(1, 1<<MINORBITS-1),
		fsTypes:  registeredFilesystems(),
		keyed:    make(map[keyedSuper]*SuperBlock),
		env:      env,
		ug:       ug,
		booting:  true,
	}
	g.seq.Store(1)
	max := cfg.MountMax
	if max == 0 {
		max = DefaultMountMax
	}
	g.mountMax.Store(max)
	ctx := ns.NewCtx(env, 0) // the boot CPU: euid 0

	// init_mount_tree: vfs_kern_mount(rootfs, 0, "rootfs", NULL).
	sb, _ := g.newSuper("rootfs", 0, 0, "")
	root := g.allocVfsmnt("rootfs")
	root.sb, root.root, root.mountpoint, root.parent = sb, sb.root, sb.root, root
	sb.active.Init(env.Refs, 1)
	n, err := g.allocMntNS(ctx, ug.Init)
	if err != nil {
		return nil, err
	}
	if env.Mainline() {
		env.Inums.Free(n.Inum())
		n.InitCommon(ns.MNT, MNT_NS_INIT_INO)
	}
	root.ns = n
	n.root = root
	n.mounts++
	listAdd(&root.list, &n.list)
	n.count.Inc() // get_mnt_ns for init_task's nsproxy
	root.flags |= MNT_LOCKED
	g.Init = n

	var initCred userns.Cred
	userns.InitCred(&initCred, ug)
	for _, bm := range cfg.Mounts {
		if err := g.bootMount(ctx, &initCred, bm); err != nil {
			return nil, err
		}
	}
	g.booting = false
	return g, nil
}

// MNT_NS_INIT_INO is the initial mount namespace's fixed inode number in
// mainline (include/linux/proc_ns.h, ≈6.18); 4.19 gives it a dynamic one.
const MNT_NS_INIT_INO uint32 = 0xEFFFFFF8

func (g *Globals) bootMount(ctx *ns.Ctx, cred *userns.Cred, bm BootMount) error {
	g.sem.Lock()
	p, err := g.lookupPath(g.Init, bm.Target, true, "boot")
	switch {
	case err != nil:
	case bm.Bind != "":
		err = g.doLoopback(ctx, g.Init, p, bm.Bind, bm.Flags&MS_REC != 0)
	case bm.FSType != "":
		flags := bm.Flags
		mntFlags := mntFlagsFromMS(flags)
		sbFlags := flags & (SB_RDONLY | SB_SYNCHRONOUS | SB_MANDLOCK | SB_DIRSYNC | SB_SILENT | SB_POSIXACL | SB_LAZYTIME | SB_I_VERSION)
		var sb *SuperBlock
		if bm.Dev != 0 {
			sb = g.findBootSuper(bm.Dev)
		}
		if sb == nil {
			sb, _ = g.newSuper(bm.FSType, bm.Dev, sbFlags, bm.Options)
		}
		m := g.allocVfsmnt(bm.Source)
		sb.active.Inc()
		m.sb, m.root, m.mountpoint, m.parent = sb, sb.root, sb.root, m
		err = g.doAddMount(ctx, g.Init, m, p, mntFlags)
	}
	if err == nil {
		p, err = g.lookupPath(g.Init, bm.Target, false, "boot")
	}
	if err == nil && bm.Propagation != 0 {
		err = g.doChangeType(ctx, p, bm.Propagation)
	}
	if err == nil {
		for _, d := range bm.Dirs {
			_, err = g.lookupPath(g.Init, strings.TrimSuffix(bm.Target, "/")+"/"+strings.TrimPrefix(d, "/"), true, "boot")
			if err != nil {
				break
			}
		}
	}
	g.unlock(ctx)
	if err != nil {
		if e, ok := err.(*uapi.Error); ok {
			return e.WithOp("boot mount " + bm.Target)
		}
	}
	return err
}

func (g *Globals) findBootSuper(dev Dev) *SuperBlock {
	for e := g.Init.list.next; e != &g.Init.list; e = e.next {
		if e.owner.sb.dev == dev {
			return e.owner.sb
		}
	}
	return nil
}

// MountMax reads fs.mount-max.
func (g *Globals) MountMax() uint32 { return g.mountMax.Load() }

// SetMountMax writes fs.mount-max (proc_dointvec_minmax with extra1 = 1: 0
// is refused with EINVAL). Writing it needs global CAP_SYS_ADMIN, which is
// the caller's check.
func (g *Globals) SetMountMax(n uint32) error {
	if n < 1 || n > 1<<31-1 {
		return uapi.Err("write", uapi.EINVAL, "mount-max "+strconv.FormatUint(uint64(n), 10)+" outside [1, INT_MAX]", "proc_dointvec_minmax")
	}
	g.mountMax.Store(n)
	return nil
}

// MountIDsInUse, GroupIDsInUse and AnonDevsInUse report how many numbers
// mnt_id_ida, mnt_group_ida and unnamed_dev_ida have handed out.
func (g *Globals) MountIDsInUse() int { return g.mntIDs.count() }
func (g *Globals) GroupIDsInUse() int { return g.groupIDs.count() }
func (g *Globals) AnonDevsInUse() int { return g.anonDevs.count() }

// Event reads the global mount event counter.
func (g *Globals) Event() uint64 {
	g.sem.Lock()
	defer g.sem.Unlock()
	return g.event
}

// unlock mirrors namespace_unlock: release the lock, then drop the
// references of everything umount_tree unmounted (group_pin_kill →
// drop_mountpoint → mntput), which frees the mounts nobody else holds.
func (g *Globals) unlock(ctx *ns.Ctx) {
	head := g.unmounted
	g.unmounted = nil
	g.sem.Unlock()
	for _, m := range head {
		m.put(ctx)
	}
}

// NS implements ns.Namespace.
func (n *Namespace) NS() *ns.Common { return &n.Common }

// Get mirrors get_mnt_ns.
func (n *Namespace) Get() { n.count.Inc() }

// Put mirrors put_mnt_ns: at zero the whole tree is dropped
// (drop_collected_mounts: umount_tree of the root without propagation) and
// the namespace freed (free_mnt_ns). The initial namespace is never freed:
// reaching zero there is reported as a warning.
func (n *Namespace) Put(ctx *ns.Ctx) {
	ctx.Enter("put_mnt_ns")
	defer ctx.Exit("put_mnt_ns")
	if !n.count.DecAndTest() {
		return
	}
	if n == n.g.Init {
		ctx.Env.Refs.Warn(n.Link(), "put_mnt_ns: initial mount namespace count hit 0")
		return
	}
	g := n.g
	ctx.Enter("drop_collected_mounts")
	g.sem.Lock()
	g.umountTree(ctx, n.root, 0)
	g.unlock(ctx)
	ctx.Exit("drop_collected_mounts")
	g.freeMntNS(ctx, n)
}

// Count reads the atomic_t count.
func (n *Namespace) Count() int64 { return int64(n.count.Read()) }

// Owner implements proc_ns_operations.owner (mntns_owner).
func (n *Namespace) Owner() ns.Namespace { return n.userNS }

// UserNS returns the owning user namespace.
func (n *Namespace) UserNS() *userns.Namespace { return n.userNS }

// Seq returns the creation sequence number (the first namespace gets 2).
func (n *Namespace) Seq() uint64 { return n.seq }

// Event reads ns->event, the global event number of its last change.
func (n *Namespace) Event() uint64 {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	return n.event
}

// MountCount reads ns->mounts, the number counted against fs.mount-max.
func (n *Namespace) MountCount() int {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	return int(n.mounts)
}

// Root returns the namespace's root mount.
func (n *Namespace) Root() *Mount { return n.root }

// Mounts lists the namespace's mounts in list order, the order of
// /proc/<pid>/mountinfo. It takes no references.
func (n *Namespace) Mounts() []*Mount {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	out := make([]*Mount, 0, n.mounts)
	for e := n.list.next; e != &n.list; e = e.next {
		out = append(out, e.owner)
	}
	return out
}

// RefKind, RefID and RefCount let the leak registry list the namespace.
func (n *Namespace) RefKind() string { return "mnt_namespace" }
func (n *Namespace) RefID() string   { return strconv.FormatUint(uint64(n.Inum()), 10) }
func (n *Namespace) RefCount() int64 { return n.Count() }

// allocMntNS mirrors alloc_mnt_ns: charge max_mnt_namespaces to (userNS,
// current euid) (ENOSPC), take an inode number, the next mnt_ns_seq, count
// 1, an empty list, event 0 and a reference on userNS.
func (g *Globals) allocMntNS(ctx *ns.Ctx, userNS *userns.Namespace) (*Namespace, error) {
	ctx.Enter("alloc_mnt_ns")
	defer ctx.Exit("alloc_mnt_ns")
	uc := g.ug.Inc(userNS, ctx.EUID, userns.UCOUNT_MNT_NAMESPACES)
	if uc == nil {
		return nil, uapi.Err("alloc_mnt_ns", uapi.ENOSPC, "max_mnt_namespaces reached", "inc_mnt_namespaces")
	}
	n := &Namespace{userNS: userNS, ucounts: uc, g: g}
	n.InitCommon(ns.MNT, ctx.Env.Inums.Alloc())
	n.seq = g.seq.Add(1)
	n.count.Init(ctx.Env.Refs, 1)
	n.list.init(nil)
	userNS.Get()
	if !g.booting {
		ctx.Env.Refs.Track(&n.node, n)
	}
	return n, nil
}

// freeMntNS mirrors free_mnt_ns: free the inode number, give back the
// ucount charge, put the owner.
func (g *Globals) freeMntNS(ctx *ns.Ctx, n *Namespace) {
	ctx.Enter("free_mnt_ns")
	ctx.Env.Inums.Free(n.Inum())
	g.ug.Dec(n.ucounts, userns.UCOUNT_MNT_NAMESPACES)
	n.userNS.Put(ctx)
	if n.node.Tracked() {
		ctx.Env.Refs.Untrack(&n.node)
	}
	ctx.Exit("free_mnt_ns")
}

// CopyMntNS mirrors copy_mnt_ns (fs/namespace.c) as create_new_namespaces
// calls it. Without CLONE_NEWNS it returns old with a new reference and a
// nil map. With it, alloc_mnt_ns (ENOSPC at max_mnt_namespaces) and then,
// under the namespace lock, copy_tree of old's whole tree with
// CL_COPY_UNBINDABLE|CL_EXPIRE, plus CL_SHARED_TO_SLAVE|CL_UNPRIVILEGED when
// userNS is not old's owner (shared mounts become slaves of their original,
// every copy gets MNT_LOCKED and the MNT_LOCK_* flags of what it has). The
// copies join the new namespace in copy order (depth first, children in
// mount order), which is the new namespace's mountinfo order, and are
// counted in mounts without checking fs.mount-max. The returned map takes
// each old mount to its copy, so the caller can move its root and cwd
// (copy_mnt_ns re-points new_fs->root and ->pwd, mntget on the copy and
// mntput on the original). The caller checked CAP_SYS_ADMIN.
func CopyMntNS(ctx *ns.Ctx, flags uapi.CloneFlags, userNS *userns.Namespace, old *Namespace) (*Namespace, map[*Mount]*Mount, error) {
	ctx.Enter("copy_mnt_ns")
	defer ctx.Exit("copy_mnt_ns")
	if flags&uapi.CLONE_NEWNS == 0 {
		old.Get()
		return old, nil, nil
	}
	g := old.g
	n, err := g.allocMntNS(ctx, userNS)
	if err != nil {
		return nil, nil, err
	}
	g.sem.Lock()
	copyFlags := CL_COPY_UNBINDABLE | CL_EXPIRE
	if userNS != old.userNS {
		copyFlags |= CL_SHARED_TO_SLAVE | CL_UNPRIVILEGED
	}
	oldRoot := old.root
	newRoot, err := g.copyTree(ctx, oldRoot, oldRoot.root, copyFlags)
	if err != nil {
		g.unlock(ctx)
		g.freeMntNS(ctx, n)
		return nil, nil, err
	}
	n.root = newRoot
	listAddTail(&n.list, &newRoot.list)
	remap := make(map[*Mount]*Mount, old.mounts)
	p, q := oldRoot, newRoot
	for p != nil {
		q.ns = n
		n.mounts++
		remap[p] = q
		p = nextMnt(p, oldRoot)
		q = nextMnt(q, newRoot)
		if q == nil {
			break
		}
		for p.root != q.root {
			p = nextMnt(p, oldRoot)
		}
	}
	g.unlock(ctx)
	return n, remap, nil
}
