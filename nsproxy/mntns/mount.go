package mntns

import (
	"strconv"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
)

// Mount mirrors struct mount (fs/mount.h, 4.19) with its embedded vfsmount:
// the parent mount and the mountpoint dentry in it, the root dentry and
// superblock, mnt_flags, mnt_devname, the containing namespace (mnt_ns, not
// counted), mnt_id and mnt_group_id, the propagation links (the mnt_share
// peer ring, mnt_slave_list/mnt_slave and mnt_master) and the tree links
// (mnt_mounts/mnt_child, mnt_list). mnt_count is one atomic counter (the
// kernel's per-cpu sum): 1 from allocation, owned by the mount tree and
// dropped when the mount is unmounted; 1 for every mount attached on it
// (mnt_set_mountpoint); 1 for every holder that took Get (an open file, a
// cwd or root). The mount is freed when it reaches 0.
//
// Every field but count and expiryMark (both atomic) is guarded by Globals'
// namespace lock; id, root, sb and devname never change.
type Mount struct {
	parent     *Mount
	mountpoint *Dentry
	root       *Dentry
	sb         *SuperBlock
	flags      int
	devname    string
	ns         *Namespace
	id         int
	groupID    int
	master     *Mount

	count      refcount.Atomic // mnt_count
	expiryMark atomic.Bool     // mnt_expiry_mark

	mounts    listHead // mnt_mounts: children (head)
	child     listHead // mnt_child: entry in the parent's mnt_mounts
	list      listHead // mnt_list: entry in the namespace's list
	share     listHead // mnt_share: peer ring
	slaveList listHead // mnt_slave_list: slaves (head)
	slave     listHead // mnt_slave: entry in the master's mnt_slave_list
	umounting listHead // mnt_umounting: propagate_umount's visit list

	g    *Globals
	node refcount.Node
	boot bool // made while the Globals booted: static
}

// ID returns mnt_id.
func (m *Mount) ID() int { return m.id }

// Parent returns mnt_parent (the mount itself for a namespace root or a
// detached mount).
func (m *Mount) Parent() *Mount {
	m.g.sem.Lock()
	defer m.g.sem.Unlock()
	return m.parent
}

// GroupID returns mnt_group_id: the peer group, 0 for none.
func (m *Mount) GroupID() int {
	m.g.sem.Lock()
	defer m.g.sem.Unlock()
	return m.groupID
}

// Flags returns mnt_flags.
func (m *Mount) Flags() int {
	m.g.sem.Lock()
	defer m.g.sem.Unlock()
	return m.flags
}

// Master returns mnt_master: the mount this one receives propagation from.
func (m *Mount) Master() *Mount {
	m.g.sem.Lock()
	defer m.g.sem.Unlock()
	return m.master
}

// Namespace returns mnt_ns, nil once unmounted.
func (m *Mount) Namespace() *Namespace {
	m.g.sem.Lock()
	defer m.g.sem.Unlock()
	return m.ns
}

// Root returns the mount's root dentry.
func (m *Mount) Root() *Dentry { return m.root }

// SuperBlock returns the mounted filesystem.
func (m *Mount) SuperBlock() *SuperBlock { return m.sb }

// Devname returns mnt_devname, the source shown by mountinfo.
func (m *Mount) Devname() string { return m.devname }

// Count reads mnt_count.
func (m *Mount) Count() int64 { return int64(m.count.Read()) }

// RefKind, RefID and RefCount let the leak registry list the mount.
func (m *Mount) RefKind() string { return "mount" }
func (m *Mount) RefID() string   { return strconv.Itoa(m.id) }
func (m *Mount) RefCount() int64 { return m.Count() }

// Get mirrors mntget: a holder such as a task's root or cwd, or an open
// file, pins the mount (umount without MNT_DETACH then fails with EBUSY).
func (m *Mount) Get() *Mount {
	m.count.Inc()
	return m
}

// Put mirrors mntput: drop a reference (and, as mntput does, clear the
// expiry mark of a mount still mounted); the last one frees the mount.
func (m *Mount) Put(ctx *ns.Ctx) {
	if m.expiryMark.Load() {
		m.expiryMark.Store(false)
	}
	m.put(ctx)
}

// put mirrors mntput_no_expire.
func (m *Mount) put(ctx *ns.Ctx) {
	if m.count.DecAndTest() {
		m.cleanup(ctx)
	}
}

func (m *Mount) isNew() bool        { return m.ns == nil }                 // IS_MNT_NEW
func (m *Mount) isShared() bool     { return m.flags&MNT_SHARED != 0 }     // IS_MNT_SHARED
func (m *Mount) isSlave() bool      { return m.master != nil }             // IS_MNT_SLAVE
func (m *Mount) isUnbindable() bool { return m.flags&MNT_UNBINDABLE != 0 } // IS_MNT_UNBINDABLE
func (m *Mount) isMarked() bool     { return m.flags&MNT_MARKED != 0 }     // IS_MNT_MARKED
func (m *Mount) isLocked() bool     { return m.flags&MNT_LOCKED != 0 }     // IS_MNT_LOCKED
func (m *Mount) hasParent() bool    { return m != m.parent }               // mnt_has_parent

// setShared mirrors set_mnt_shared.
func (m *Mount) setShared() {
	m.flags &^= MNT_SHARED_MASK
	m.flags |= MNT_SHARED
}

// allocVfsmnt mirrors alloc_vfsmnt: an id from mnt_id_ida (lowest free from
// 0), the device name, mnt_count 1 and empty lists. Mounts made while the
// Globals boots are static, like the namespace they live in; later ones are
// tracked by the leak registry.
func (g *Globals) allocVfsmnt(name string) *Mount {
	m := &Mount{devname: name, g: g}
	m.id = g.mntIDs.alloc()
	m.count.Init(g.env.Refs, 1)
	m.mounts.init(nil)
	m.child.init(m)
	m.list.init(m)
	m.share.init(m)
	m.slaveList.init(nil)
	m.slave.init(m)
	m.umounting.init(m)
	if !g.booting {
		g.env.Refs.Track(&m.node, m)
	}
	m.boot = g.booting
	return m
}

// cleanup mirrors cleanup_mnt (reached from mntput_no_expire at 0):
// deactivate the superblock, give the id back, free.
func (m *Mount) cleanup(ctx *ns.Ctx) {
	ctx.Enter("cleanup_mnt")
	if m.groupID != 0 {
		ctx.Env.Refs.Warn("mount "+m.RefID(), "cleanup_mnt: mount freed with peer group "+strconv.Itoa(m.groupID))
	}
	m.sb.deactivate()
	m.g.mntIDs.free(m.id)
	if m.node.Tracked() {
		ctx.Env.Refs.Untrack(&m.node)
	}
	ctx.Exit("cleanup_mnt")
}

// nextMnt mirrors next_mnt: depth-first pre-order successor of p within the
// tree rooted at root, children in mnt_mounts order.
func nextMnt(p, root *Mount) *Mount {
	next := p.mounts.next
	if next == &p.mounts {
		for {
			if p == root {
				return nil
			}
			next = p.child.next
			if next != &p.parent.mounts {
				break
			}
			p = p.parent
		}
	}
	return next.owner
}

// skipMntTree mirrors skip_mnt_tree: the last mount of p's subtree in
// next_mnt order.
func skipMntTree(p *Mount) *Mount {
	prev := p.mounts.prev
	for prev != &p.mounts {
		p = prev.owner
		prev = p.mounts.prev
	}
	return p
}

// mpKey indexes mount_hashtable: (parent mount, mountpoint dentry).
type mpKey struct {
	parent *Mount
	dentry *Dentry
}

// lookupMnt mirrors __lookup_mnt: the mount attached on dentry in parent.
func (g *Globals) lookupMnt(parent *Mount, dentry *Dentry) *Mount {
	return g.hash[mpKey{parent, dentry}]
}

// mntSetMountpoint mirrors mnt_set_mountpoint: child goes on mp in parent,
// which gains a reference.
func mntSetMountpoint(parent *Mount, mp *Dentry, child *Mount) {
	parent.count.Inc()
	child.mountpoint = mp
	child.parent = parent
}

// attachHash mirrors __attach_mnt: hash the mount and append it to the
// parent's children.
func (g *Globals) attachHash(m, parent *Mount) {
	g.hash[mpKey{parent, m.mountpoint}] = m
	listAddTail(&m.child, &parent.mounts)
}

// attachMnt mirrors attach_mnt.
func (g *Globals) attachMnt(m, parent *Mount, mp *Dentry) {
	mntSetMountpoint(parent, mp, m)
	g.attachHash(m, parent)
}

func (g *Globals) unhashOnly(m *Mount) {
	k := mpKey{m.parent, m.mountpoint}
	if g.hash[k] == m {
		delete(g.hash, k)
	}
}

// unhashMnt mirrors unhash_mnt (and so umount_mnt and detach_mnt, whose
// callers deal with the parent's reference): the mount becomes its own
// parent, mounted on its own root.
func (g *Globals) unhashMnt(m *Mount) {
	g.unhashOnly(m)
	m.parent = m
	m.mountpoint = m.root
	m.child.delInit()
}

// mntChangeMountpoint mirrors mnt_change_mountpoint: move m onto mp in
// parent; the old parent loses the reference m held on it.
func (g *Globals) mntChangeMountpoint(parent *Mount, mp *Dentry, m *Mount) {
	oldParent := m.parent
	m.child.delInit()
	g.unhashOnly(m)
	g.attachMnt(m, parent, mp)
	oldParent.count.Dec()
}

// touch mirrors touch_mnt_namespace: a new global event number.
func (g *Globals) touch(n *Namespace) {
	if n != nil {
		g.event++
		n.event = g.event
	}
}

// touchQuiet mirrors __touch_mnt_namespace.
func (g *Globals) touchQuiet(n *Namespace) {
	if n != nil && n.event != g.event {
		n.event = g.event
	}
}

// commitTree mirrors commit_tree: the tree headed by m (linked through
// mnt_list by copy_tree) joins the parent's namespace at the end of its
// list, the namespace's pending mounts are committed, and m is attached.
func (g *Globals) commitTree(m *Mount) {
	parent := m.parent
	n := parent.ns
	var head listHead
	head.init(nil)
	listAddTail(&head, &m.list)
	for e := head.next; e != &head; e = e.next {
		e.owner.ns = n
	}
	listSpliceTail(&head, &n.list)
	n.mounts += n.pending
	n.pending = 0
	g.attachHash(m, parent)
	g.touch(n)
}

// cloneMnt mirrors clone_mnt: a new mount of old's superblock rooted at
// root, its propagation set up according to flag.
func (g *Globals) cloneMnt(old *Mount, root *Dentry, flag int) *Mount {
	m := g.allocVfsmnt(old.devname)
	if flag&(CL_SLAVE|CL_PRIVATE|CL_SHARED_TO_SLAVE) != 0 {
		m.groupID = 0 // not a peer of the original
	} else {
		m.groupID = old.groupID
	}
	if flag&CL_MAKE_SHARED != 0 && m.groupID == 0 {
		m.groupID = g.groupIDs.alloc()
	}
	m.flags = old.flags &^ (MNT_WRITE_HOLD | MNT_MARKED | MNT_INTERNAL)
	if flag&CL_UNPRIVILEGED != 0 {
		// Don't let an unprivileged owner change the mount flags.
		m.flags |= MNT_LOCK_ATIME
		if m.flags&MNT_READONLY != 0 {
			m.flags |= MNT_LOCK_READONLY
		}
		if m.flags&MNT_NODEV != 0 {
			m.flags |= MNT_LOCK_NODEV
		}
		if m.flags&MNT_NOSUID != 0 {
			m.flags |= MNT_LOCK_NOSUID
		}
		if m.flags&MNT_NOEXEC != 0 {
			m.flags |= MNT_LOCK_NOEXEC
		}
		// Nor reveal what is under a mount (no mount is on an expiry list
		// in this model, so CL_EXPIRE never exempts one).
		m.flags |= MNT_LOCKED
	}
	old.sb.active.Inc()
	m.sb = old.sb
	m.root = root
	m.mountpoint = root
	m.parent = m

	if flag&CL_SLAVE != 0 || (flag&CL_SHARED_TO_SLAVE != 0 && old.isShared()) {
		listAdd(&m.slave, &old.slaveList)
		m.master = old
		m.flags &^= MNT_SHARED
	} else if flag&CL_PRIVATE == 0 {
		if flag&CL_MAKE_SHARED != 0 || old.isShared() {
			listAdd(&m.share, &old.share)
		}
		if old.isSlave() {
			listAdd(&m.slave, &old.slave)
		}
		m.master = old.master
	} else {
		m.flags &^= MNT_SHARED
	}
	if flag&CL_MAKE_SHARED != 0 {
		m.setShared()
	}
	return m
}
