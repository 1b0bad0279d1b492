package mntns

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
)

// Propagation (fs/pnode.c, 4.19). A peer group is a ring through mnt_share
// whose members share mnt_group_id and MNT_SHARED. A slave's mnt_master is
// one member of the group it receives from, and it sits on that member's
// mnt_slave_list; the slaves of a whole peer group are spread over its
// members' lists, peers of one slave group contiguously. The walks below
// depend on that shape and mirror the kernel's.

func nextPeer(p *Mount) *Mount   { return p.share.next.owner }     // next_peer
func firstSlave(p *Mount) *Mount { return p.slaveList.next.owner } // first_slave
func lastSlave(p *Mount) *Mount  { return p.slaveList.prev.owner } // last_slave
func nextSlave(p *Mount) *Mount  { return p.slave.next.owner }     // next_slave

// releaseGroupID mirrors mnt_release_group_id.
func (g *Globals) releaseGroupID(m *Mount) {
	g.groupIDs.free(m.groupID)
	m.groupID = 0
}

// isPathReachable mirrors is_path_reachable: whether (mnt, dentry) is at or
// below root.
func isPathReachable(mnt *Mount, dentry *Dentry, root Path) bool {
	for mnt != root.Mnt && mnt.hasParent() {
		dentry = mnt.mountpoint
		mnt = mnt.parent
	}
	return mnt == root.Mnt && isSubdir(dentry, root.Dentry)
}

// getPeerUnderRoot mirrors get_peer_under_root.
func getPeerUnderRoot(mnt *Mount, n *Namespace, root Path) *Mount {
	m := mnt
	for {
		if m.ns == n && isPathReachable(m, m.root, root) {
			return m
		}
		m = nextPeer(m)
		if m == mnt {
			return nil
		}
	}
}

// getDominatingID mirrors get_dominating_id: the id of the closest peer
// group up the master chain that has a member in mnt's namespace under
// root (mountinfo's propagate_from).
func getDominatingID(mnt *Mount, root Path) int {
	for m := mnt.master; m != nil; m = m.master {
		if d := getPeerUnderRoot(m, mnt.ns, root); d != nil {
			return d.groupID
		}
	}
	return 0
}

// doMakeSlave mirrors do_make_slave: mnt leaves its peer group (giving the
// group id back if it was the last member) and becomes a slave of a former
// peer (one with the same root if any) or keeps its master; its own slaves
// move to that master. A mount with neither peers nor master frees its
// slaves.
func (g *Globals) doMakeSlave(mnt *Mount) {
	var master *Mount
	if mnt.share.empty() {
		if mnt.isShared() {
			g.releaseGroupID(mnt)
			mnt.flags &^= MNT_SHARED
		}
		master = mnt.master
		if master == nil {
			for !mnt.slaveList.empty() {
				s := firstSlave(mnt)
				s.slave.delInit()
				s.master = nil
			}
			return
		}
	} else {
		master = nextPeer(mnt)
		for m := master; m != mnt; m = nextPeer(m) {
			if m.root == mnt.root {
				master = m
				break
			}
		}
		mnt.share.delInit()
		mnt.groupID = 0
		mnt.flags &^= MNT_SHARED
	}
	for e := mnt.slaveList.next; e != &mnt.slaveList; e = e.next {
		e.owner.master = master
	}
	listMove(&mnt.slave, &master.slaveList)
	listSplice(&mnt.slaveList, master.slaveList.prev)
	mnt.slaveList.init(nil)
	mnt.master = master
}

// changeMntPropagation mirrors change_mnt_propagation.
func (g *Globals) changeMntPropagation(mnt *Mount, typ uint64) {
	if typ == MS_SHARED {
		mnt.setShared()
		return
	}
	g.doMakeSlave(mnt)
	if typ != MS_SLAVE {
		mnt.slave.delInit()
		mnt.master = nil
		if typ == MS_UNBINDABLE {
			mnt.flags |= MNT_UNBINDABLE
		} else {
			mnt.flags &^= MNT_UNBINDABLE
		}
	}
}

// propagationNext mirrors propagation_next: the next mount after m in the
// propagation tree of origin (its peers, their slaves, recursively).
func propagationNext(m, origin *Mount) *Mount {
	if !m.isNew() && !m.slaveList.empty() {
		return firstSlave(m)
	}
	for {
		master := m.master
		if master == origin.master {
			next := nextPeer(m)
			if next == origin {
				return nil
			}
			return next
		} else if m.slave.next != &master.slaveList {
			return nextSlave(m)
		}
		m = master
	}
}

// skipPropagationSubtree mirrors skip_propagation_subtree.
func skipPropagationSubtree(m *Mount) *Mount {
	if !m.isNew() && !m.slaveList.empty() {
		m = lastSlave(m)
	}
	return m
}

// nextGroup mirrors next_group: the first mount of the next slave peer
// group in origin's propagation tree.
func nextGroup(m, origin *Mount) *Mount {
	for {
		for {
			if !m.isNew() && !m.slaveList.empty() {
				return firstSlave(m)
			}
			next := nextPeer(m)
			if m.groupID == origin.groupID {
				if next == origin {
					return nil
				}
			} else if m.slave.next != &next.slave {
				break
			}
			m = next
		}
		// m is the last peer
		for {
			master := m.master
			if m.slave.next != &master.slaveList {
				return nextSlave(m)
			}
			m = nextPeer(master)
			if master.groupID == origin.groupID {
				break
			}
			if master.slave.next == &m.slave {
				break
			}
			m = master
		}
		if m == origin {
			return nil
		}
	}
}

func peers(m1, m2 *Mount) bool { return m1.groupID == m2.groupID && m1.groupID != 0 }

// propState is what propagate_mnt keeps in file-scope statics for
// propagate_one (serialised by namespace_sem there, per call here).
type propState struct {
	userNS                                        *userns.Namespace
	lastDest, firstSource, lastSource, destMaster *Mount
	mp                                            *Dentry
	list                                          []*Mount // tree_list; the kernel's hlist is newest first
}

// propagateOne mirrors propagate_one: give receiver m its copy of the tree
// being mounted, as a peer of the last copy if m is a peer of the last
// receiver, else as a slave of the right earlier copy.
func (g *Globals) propagateOne(ctx *ns.Ctx, s *propState, m *Mount) error {
	if m.isNew() { // added by this propagate_mnt
		return nil
	}
	if !isSubdir(s.mp, m.root) { // mountpoint not covered by it
		return nil
	}
	var typ int
	if peers(m, s.lastDest) {
		typ = CL_MAKE_SHARED
	} else {
		var n, p *Mount
		for n = m; ; n = p {
			p = n.master
			if p == s.destMaster || p == nil || p.isMarked() {
				break
			}
		}
		for {
			parent := s.lastSource.parent
			if s.lastSource == s.firstSource {
				break
			}
			done := parent.master == p
			if done && peers(n, parent) {
				break
			}
			s.lastSource = s.lastSource.master
			if done {
				break
			}
		}
		typ = CL_SLAVE
		if m.isShared() { // beginning of a peer group among the slaves
			typ |= CL_MAKE_SHARED
		}
	}
	// Notice when we are propagating across user namespaces.
	if m.ns.userNS != s.userNS {
		typ |= CL_UNPRIVILEGED
	}
	child, err := g.copyTree(ctx, s.lastSource, s.lastSource.root, typ)
	if err != nil {
		return err
	}
	child.flags &^= MNT_LOCKED
	mntSetMountpoint(m, s.mp, child)
	s.lastDest = m
	s.lastSource = child
	if m.master != s.destMaster {
		m.master.flags |= MNT_MARKED
	}
	s.list = append(s.list, child)
	return g.countMounts(m.ns, child)
}

// propagateMnt mirrors propagate_mnt: copy source (about to be mounted on mp
// in dest) to every other member of dest's propagation tree, peers first,
// then each slave group. The copies are returned for attach_recursive_mnt
// to commit, in the kernel's hlist order (newest first). callerNS is the
// caller's mount namespace: a receiver owned by another user namespace gets
// a locked copy.
func (g *Globals) propagateMnt(ctx *ns.Ctx, callerNS *Namespace, dest *Mount, mp *Dentry, source *Mount) ([]*Mount, error) {
	ctx.Enter("propagate_mnt")
	defer ctx.Exit("propagate_mnt")
	s := propState{
		userNS:      callerNS.userNS,
		lastDest:    dest,
		firstSource: source,
		lastSource:  source,
		mp:          mp,
		destMaster:  dest.master,
	}
	var err error
	for n := nextPeer(dest); n != dest; n = nextPeer(n) {
		if err = g.propagateOne(ctx, &s, n); err != nil {
			goto out
		}
	}
	for m := nextGroup(dest, dest); m != nil; m = nextGroup(m, dest) {
		n := m
		for {
			if err = g.propagateOne(ctx, &s, n); err != nil {
				goto out
			}
			n = nextPeer(n)
			if n == m {
				break
			}
		}
	}
out:
	for _, n := range s.list {
		if m := n.parent; m.master != dest.master {
			m.master.flags &^= MNT_MARKED
		}
	}
	rev := make([]*Mount, len(s.list))
	for i, c := range s.list {
		rev[len(s.list)-1-i] = c
	}
	return rev, err
}

// findTopper mirrors find_topper: the one mount covering mnt's root, if
// that is mnt's only child.
func findTopper(mnt *Mount) *Mount {
	if !mnt.mounts.singular() {
		return nil
	}
	child := mnt.mounts.next.owner
	if child.mountpoint != mnt.root {
		return nil
	}
	return child
}

// propagateMountBusy mirrors propagate_mount_busy: mnt is busy if it has
// children or more than refcnt references, or if a copy that the umount
// would propagate to (one without children of its own, a topper aside)
// has more references than its tree and topper give it.
func (g *Globals) propagateMountBusy(mnt *Mount, refcnt int32) bool {
	parent := mnt.parent
	if mnt == parent {
		return mnt.count.Read() > refcnt
	}
	if !mnt.mounts.empty() || mnt.count.Read() > refcnt {
		return true
	}
	for m := propagationNext(parent, parent); m != nil; m = propagationNext(m, parent) {
		count := int32(1)
		child := g.lookupMnt(m, mnt.mountpoint)
		if child == nil {
			continue
		}
		if findTopper(child) != nil {
			count++
		} else if !child.mounts.empty() {
			continue
		}
		if child.count.Read() > count {
			return true
		}
	}
	return false
}

// propagateMountUnlock mirrors propagate_mount_unlock: the copies of mnt
// that receive its umount lose MNT_LOCKED.
func (g *Globals) propagateMountUnlock(mnt *Mount) {
	parent := mnt.parent
	for m := propagationNext(parent, parent); m != nil; m = propagationNext(m, parent) {
		if child := g.lookupMnt(m, mnt.mountpoint); child != nil {
			child.flags &^= MNT_LOCKED
		}
	}
}

// umountOne mirrors umount_one.
func umountOne(mnt *Mount, toUmount *listHead) {
	mnt.flags &^= MNT_MARKED
	mnt.flags |= MNT_UMOUNT
	mnt.child.delInit()
	mnt.umounting.delInit()
	listMoveTail(&mnt.list, toUmount)
}

// propagateUmountOne mirrors __propagate_umount: a copy without children
// (a topper aside, or children already found unmountable) is marked, and
// unmounted unless locked.
func propagateUmountOne(mnt *Mount, toUmount, toRestore *listHead) bool {
	if mnt.flags&(MNT_UMOUNT|MNT_MARKED) != 0 {
		return false
	}
	for e := mnt.mounts.next; e != &mnt.mounts; e = e.next {
		child := e.owner
		if child.mountpoint == mnt.root {
			continue
		}
		if !child.umounting.empty() && child.isMarked() {
			continue
		}
		// Found a mounted child.
		listMoveTail(&mnt.umounting, toRestore)
		return false
	}
	mnt.flags |= MNT_MARKED
	if !mnt.isLocked() {
		umountOne(mnt, toUmount)
	} else {
		listMoveTail(&mnt.umounting, toRestore)
	}
	return true
}

// umountList mirrors umount_list: children of unmounted copies go too,
// except toppers, which are restored onto the copy's old place.
func umountList(toUmount, toRestore *listHead) {
	for e := toUmount.next; e != toUmount; e = e.next {
		mnt := e.owner
		for c := mnt.mounts.next; c != &mnt.mounts; {
			next := c.next
			child := c.owner
			if child.mountpoint == mnt.root {
				listMoveTail(&child.umounting, toRestore)
			} else {
				umountOne(child, toUmount)
			}
			c = next
		}
	}
}

// restoreMounts mirrors restore_mounts: survivors whose parent is being
// unmounted move down onto the nearest surviving ancestor.
func (g *Globals) restoreMounts(toRestore *listHead) {
	for !toRestore.empty() {
		mnt := toRestore.next.owner
		mnt.flags &^= MNT_MARKED
		mnt.umounting.delInit()
		mp, parent := mnt.mountpoint, mnt.parent
		for parent.flags&MNT_UMOUNT != 0 {
			mp = parent.mountpoint
			parent = parent.parent
		}
		if parent != mnt.parent {
			g.mntChangeMountpoint(parent, mp, mnt)
		}
	}
}

// propagateUmount mirrors propagate_umount: add to list every copy that
// receives the umount of the mounts in list.
func (g *Globals) propagateUmount(ctx *ns.Ctx, list *listHead) {
	ctx.Enter("propagate_umount")
	defer ctx.Exit("propagate_umount")
	var toRestore, toUmount, visited listHead
	toRestore.init(nil)
	toUmount.init(nil)
	visited.init(nil)
	for e := list.prev; e != list; e = e.prev {
		mnt := e.owner
		parent := mnt.parent
		if !mnt.umounting.empty() {
			continue
		}
		listAddTail(&mnt.umounting, &visited)
		for m := propagationNext(parent, parent); m != nil; m = propagationNext(m, parent) {
			child := g.lookupMnt(m, mnt.mountpoint)
			if child == nil {
				continue
			}
			if !child.umounting.empty() {
				m = skipPropagationSubtree(m)
				continue
			} else if child.flags&MNT_UMOUNT != 0 {
				listAddTail(&child.umounting, &visited)
				continue
			}
			for propagateUmountOne(child, &toUmount, &toRestore) {
				child = child.parent
				if child.umounting.empty() {
					break
				}
			}
		}
	}
	umountList(&toUmount, &toRestore)
	g.restoreMounts(&toRestore)
	for !visited.empty() {
		visited.next.delInit()
	}
	listSpliceTail(&toUmount, list)
}
