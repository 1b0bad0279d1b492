package mntns

import (
	"sort"

	"github.com/kernsim/kernsim/nsproxy/ns"
)

// The path-walk half the task layer uses (fs/namei.c): a task's root is its
// mount namespace's root (RootPath), and each component steps one directory
// down and then follows the mounts stacked on the result (Step), as
// walk_component and follow_managed do. Callers hold no lock; each call takes
// the namespace lock, so a walk sees each step consistently, and a concurrent
// mount may be seen or not, as RCU walk allows.

// RootPath returns "/" of n's root mount with the mounts stacked on it
// followed: where a task of n starts its walks (set_fs_root after
// mntns_install or copy_mnt_ns). It takes no reference.
func (n *Namespace) RootPath() Path {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	return n.g.nsRoot(n)
}

// Step returns the directory name below p with the mounts on it followed,
// or false if p has no such directory. It takes no reference.
func (g *Globals) Step(p Path, name string) (Path, bool) {
	g.sem.Lock()
	defer g.sem.Unlock()
	d := p.Dentry.lookup(name)
	if d == nil {
		return Path{}, false
	}
	return g.followDown(Path{p.Mnt, d}), true
}

// Children lists the directories below d in name order (dcache_readdir of
// the minimal model; the order is the simulator's, not a hash order).
func (g *Globals) Children(d *Dentry) []string {
	g.sem.Lock()
	defer g.sem.Unlock()
	names := make([]string, 0, len(d.children))
	for n := range d.children {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Globals returns the Globals n belongs to.
func (n *Namespace) Globals() *Globals { return n.g }

// MkdirAt creates the directory name below p (vfs_mkdir in the minimal
// model) and reports whether it was created (false: it exists).
func (g *Globals) MkdirAt(p Path, name string) bool {
	g.sem.Lock()
	defer g.sem.Unlock()
	if p.Dentry.lookup(name) != nil {
		return false
	}
	p.Dentry.mkdir(name)
	return true
}

// Shutdown unmounts, from the initial namespace, every mount that boot did
// not make — the topmost first, each with its subtree (umount_tree without
// propagation) — as `umount -a` does at power-off, so that a powered-off
// Kernel keeps only its static mounts and the leak registry can be checked.
func (g *Globals) Shutdown(ctx *ns.Ctx) {
	g.sem.Lock()
	for {
		var victim *Mount
		for e := g.Init.list.next; e != &g.Init.list; e = e.next {
			if m := e.owner; !m.boot && m.parent.boot {
				victim = m
				break
			}
		}
		if victim == nil {
			break
		}
		g.umountTree(ctx, victim, UMOUNT_SYNC)
	}
	g.unlock(ctx)
}
