package mntns

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// copyTree mirrors copy_tree: clone mnt (rooted at dentry) and every mount
// below it whose mountpoint is under dentry, keeping the shape; without
// CL_COPY_UNBINDABLE an unbindable root is EINVAL and unbindable submounts
// are left out (EPERM if one is also locked). The clones are linked through
// mnt_list behind the returned root in copy order.
func (g *Globals) copyTree(ctx *ns.Ctx, mnt *Mount, dentry *Dentry, flag int) (*Mount, error) {
	ctx.Enter("copy_tree")
	defer ctx.Exit("copy_tree")
	if flag&CL_COPY_UNBINDABLE == 0 && mnt.isUnbindable() {
		return nil, uapi.Err("copy_tree", uapi.EINVAL, "mount "+strconv.Itoa(mnt.id)+" is unbindable", "copy_tree")
	}
	res := g.cloneMnt(mnt, dentry, flag)
	q := res
	q.mountpoint = mnt.mountpoint
	p := mnt
	for e := mnt.mounts.next; e != &mnt.mounts; e = e.next {
		r := e.owner
		if !isSubdir(r.mountpoint, dentry) {
			continue
		}
		for s := r; s != nil; s = nextMnt(s, r) {
			if flag&CL_COPY_UNBINDABLE == 0 && s.isUnbindable() {
				if s.isLocked() {
					// Both unbindable and locked.
					g.umountTree(ctx, res, UMOUNT_SYNC)
					return nil, uapi.Err("copy_tree", uapi.EPERM, "mount "+strconv.Itoa(s.id)+" is unbindable and locked", "copy_tree")
				}
				s = skipMntTree(s)
				continue
			}
			for p != s.parent {
				p = p.parent
				q = q.parent
			}
			p = s
			parent := q
			q = g.cloneMnt(p, p.root, flag)
			listAddTail(&q.list, &res.list)
			g.attachMnt(q, parent, p.mountpoint)
		}
	}
	return res, nil
}

// umountTree mirrors umount_tree: take mnt and everything below it out of
// their namespace (with UMOUNT_PROPAGATE, also the copies that receive the
// umount), make each private, detach it from its parent (dropping the
// reference it held there) and queue its tree reference for
// namespace_unlock. Divergence: the kernel leaves a locked child of an
// unmounted parent connected to it on a lazy umount (disconnect_mount);
// here every mount is disconnected, which no mount table shows.
func (g *Globals) umountTree(ctx *ns.Ctx, mnt *Mount, how int) {
	ctx.Enter("umount_tree")
	defer ctx.Exit("umount_tree")
	if how&UMOUNT_PROPAGATE != 0 && mnt.hasParent() {
		g.propagateMountUnlock(mnt)
	}
	var tmp listHead
	tmp.init(nil)
	for p := mnt; p != nil; p = nextMnt(p, mnt) {
		p.flags |= MNT_UMOUNT
		listMove(&p.list, &tmp)
	}
	for e := tmp.next; e != &tmp; e = e.next {
		e.owner.child.delInit()
	}
	if how&UMOUNT_PROPAGATE != 0 {
		g.propagateUmount(ctx, &tmp)
	}
	for !tmp.empty() {
		p := tmp.next.owner
		p.list.delInit()
		if n := p.ns; n != nil {
			n.mounts--
			g.touchQuiet(n)
		}
		p.ns = nil
		if how&UMOUNT_SYNC != 0 {
			p.flags |= MNT_SYNC_UMOUNT
		}
		if p.hasParent() {
			p.parent.count.Dec()
			g.unhashMnt(p)
		}
		g.changeMntPropagation(p, MS_PRIVATE)
		g.unmounted = append(g.unmounted, p)
	}
}

// countMounts mirrors count_mounts: ENOSPC if adding the tree at mnt to n
// would pass fs.mount-max; otherwise it is added to n's pending mounts.
func (g *Globals) countMounts(n *Namespace, mnt *Mount) error {
	max := g.mountMax.Load()
	var mounts uint32
	for p := mnt; p != nil; p = nextMnt(p, mnt) {
		mounts++
	}
	old, pending := n.mounts, n.pending
	sum := old + pending
	if old > sum || pending > sum || max < sum || mounts > max-sum {
		return uapi.Err("count_mounts", uapi.ENOSPC, strconv.FormatUint(uint64(sum), 10)+" mounts + "+
			strconv.FormatUint(uint64(mounts), 10)+" new > fs.mount-max "+strconv.FormatUint(uint64(max), 10), "count_mounts")
	}
	n.pending = pending + mounts
	return nil
}

// inventGroupIDs mirrors invent_group_ids: a peer group id for every mount
// (of the tree, with recurse) that is not shared and has none.
func (g *Globals) inventGroupIDs(mnt *Mount, recurse bool) {
	for p := mnt; p != nil; {
		if p.groupID == 0 && !p.isShared() {
			p.groupID = g.groupIDs.alloc()
		}
		if !recurse {
			break
		}
		p = nextMnt(p, mnt)
	}
}

// cleanupGroupIDs mirrors cleanup_group_ids (end nil: the whole tree).
func (g *Globals) cleanupGroupIDs(mnt, end *Mount) {
	for p := mnt; p != end; p = nextMnt(p, mnt) {
		if p.groupID != 0 && !p.isShared() {
			g.releaseGroupID(p)
		}
	}
}

func treeContainsUnbindable(mnt *Mount) bool {
	for p := mnt; p != nil; p = nextMnt(p, mnt) {
		if p.isUnbindable() {
			return true
		}
	}
	return false
}

// attachRecursiveMnt mirrors attach_recursive_mnt: attach the tree at
// source on mp in dest (moving it there when move is set). If dest is
// shared the tree becomes shared and a copy of it is propagated to every
// other member of dest's propagation tree (a copy landing where something
// is already mounted goes under it: the old mount is moved on top of the
// copy). A new tree is counted against fs.mount-max in dest's namespace,
// each copy in its receiver's.
func (g *Globals) attachRecursiveMnt(ctx *ns.Ctx, callerNS *Namespace, source, dest *Mount, mp *Dentry, move bool) error {
	ctx.Enter("attach_recursive_mnt")
	defer ctx.Exit("attach_recursive_mnt")
	n := dest.ns
	smp := source.root
	if !move {
		if err := g.countMounts(n, source); err != nil {
			n.pending = 0
			return err
		}
	}
	var tree []*Mount
	if dest.isShared() {
		g.inventGroupIDs(source, true)
		var err error
		tree, err = g.propagateMnt(ctx, callerNS, dest, mp, source)
		if err != nil {
			for _, child := range tree {
				child.parent.ns.pending = 0
				g.umountTree(ctx, child, UMOUNT_SYNC)
			}
			g.cleanupGroupIDs(source, nil)
			n.pending = 0
			return err
		}
		for p := source; p != nil; p = nextMnt(p, source) {
			p.setShared()
		}
	}
	if move {
		oldParent := source.parent // detach_mnt hands it to do_move_mount's parent_path
		g.unhashMnt(source)
		g.attachMnt(source, dest, mp)
		g.touch(source.ns)
		g.unmounted = append(g.unmounted, oldParent) // path_put(&parent_path)
	} else {
		mntSetMountpoint(dest, mp, source)
		g.commitTree(source)
	}
	for _, child := range tree {
		if q := g.lookupMnt(child.parent, child.mountpoint); q != nil {
			g.mntChangeMountpoint(child, smp, q)
		}
		g.commitTree(child)
	}
	return nil
}
