package cgroup

import (
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// MaxLimit is INT_MAX: cgroup.max.depth and cgroup.max.descendants read
// "max" at this value.
const MaxLimit = math.MaxInt32

// nameMax is NAME_MAX: the VFS refuses longer names with ENAMETOOLONG.
const nameMax = 255

// Cgroup mirrors struct cgroup: a directory of one hierarchy.
type Cgroup struct {
	self CSS // ss == nil; its reference count is the cgroup's
	root *Root
	name string
	id   int
	// level is the depth (root 0); ancestorIDs[i] is the id of the
	// ancestor at level i (self included), for cgroup_is_descendant.
	level       int
	ancestorIDs []int

	// Guarded by cgroup_mutex.
	maxDescendants, maxDepth int32
	nrDescendants            int32
	nrDyingDescendants       int32
	nrThreadedChildren       int32
	subtreeControl           uint16
	subtreeSSMask            uint16
	oldSubtreeControl        uint16
	oldSubtreeSSMask         uint16
	oldDomCgrp               *Cgroup
	domCgrp                  *Cgroup
	subsys                   [MaxSubsys]*CSS    // online csses (cgroup->subsys[])
	kids                     map[string]*Cgroup // live children by name (the kernfs directory)

	// Written under css_set_lock, read anywhere.
	nrPopulatedCsets            atomic.Int32
	nrPopulatedDomainChildren   atomic.Int32
	nrPopulatedThreadedChildren atomic.Int32
	eventsNotify                atomic.Uint64

	// Guarded by css_set_lock.
	csetLinks lnode[*cgrpCsetLink]
	eCsets    [MaxSubsys]lnode[*CSSSet]

	kn kernfsAttrs // the kernfs nodes' owners and modes (kernfs.go)
}

// initHousekeeping mirrors init_cgroup_housekeeping.
func (c *Cgroup) initHousekeeping(g *Globals) {
	c.self.cgroup = c
	c.self.g = g
	c.self.id = -1
	c.self.sibling.init(&c.self)
	c.self.children.initHead()
	c.self.setFlag(CSS_ONLINE)
	c.domCgrp = c
	c.maxDescendants = MaxLimit
	c.maxDepth = MaxLimit
	c.csetLinks.initHead()
	for i := range c.eCsets {
		c.eCsets[i].initHead()
	}
}

func (c *Cgroup) parent() *Cgroup {
	if c.self.parent == nil {
		return nil
	}
	return c.self.parent.cgroup
}

func (c *Cgroup) g() *Globals { return c.root.g }

// getLive mirrors cgroup_get_live.
func (c *Cgroup) getLive() {
	if c.isDead() {
		c.g().env.Refs.Warn(c.label(), "cgroup_get_live on a dead cgroup")
	}
	c.self.Get()
}

// put mirrors cgroup_put.
func (c *Cgroup) put() { c.self.put() }

func (c *Cgroup) isDead() bool { return !c.self.has(CSS_ONLINE) }

func (c *Cgroup) onDfl() bool { return c.root.dfl }

func (c *Cgroup) isPopulated() bool {
	return c.nrPopulatedCsets.Load()+c.nrPopulatedDomainChildren.Load()+c.nrPopulatedThreadedChildren.Load() > 0
}

// hasTasks mirrors cgroup_has_tasks.
func (c *Cgroup) hasTasks() bool { return c.nrPopulatedCsets.Load() != 0 }

// isThreaded mirrors cgroup_is_threaded.
func (c *Cgroup) isThreaded() bool { return c.domCgrp != c }

// isMixable mirrors cgroup_is_mixable: only the root.
func (c *Cgroup) isMixable() bool { return c.parent() == nil }

// canBeThreadRoot mirrors cgroup_can_be_thread_root.
func (c *Cgroup) canBeThreadRoot() bool {
	if c.isMixable() {
		return true
	}
	if c.isThreaded() {
		return false
	}
	if c.nrPopulatedDomainChildren.Load() != 0 {
		return false
	}
	if c.subtreeControl&^c.g().dflThreaded != 0 {
		return false
	}
	return true
}

// isThreadRoot mirrors cgroup_is_thread_root.
func (c *Cgroup) isThreadRoot() bool {
	if c.isThreaded() {
		return false
	}
	if c.nrThreadedChildren != 0 {
		return true
	}
	return c.hasTasks() && c.subtreeControl&c.g().dflThreaded != 0
}

// isValidDomain mirrors cgroup_is_valid_domain.
func (c *Cgroup) isValidDomain() bool {
	if c.isThreaded() {
		return false
	}
	for p := c.parent(); p != nil; p = p.parent() {
		if !p.isMixable() && p.isThreadRoot() {
			return false
		}
		if p.isThreaded() {
			return false
		}
	}
	return true
}

// control mirrors cgroup_control: the controllers visibly enabled here
// (cgroup.controllers).
func (c *Cgroup) control() uint16 {
	g := c.g()
	if p := c.parent(); p != nil {
		m := p.subtreeControl
		if c.isThreaded() {
			m &= g.dflThreaded
		}
		return m
	}
	m := c.root.subsysMask
	if c.onDfl() {
		m &^= g.dflInhibit | g.dflImplicit
	}
	return m
}

// ssMask mirrors cgroup_ss_mask: the controllers that have a css here.
func (c *Cgroup) ssMask() uint16 {
	if p := c.parent(); p != nil {
		m := p.subtreeSSMask
		if c.isThreaded() {
			m &= c.g().dflThreaded
		}
		return m
	}
	return c.root.subsysMask
}

// eCSS mirrors cgroup_e_css: the css of the nearest ancestor-or-self that
// has the controller in its ss mask.
func (c *Cgroup) eCSS(ssid int) *CSS {
	for !(c.ssMask()&(1<<ssid) != 0) {
		c = c.parent()
		if c == nil {
			return nil
		}
	}
	return c.subsys[ssid]
}

// isDescendant mirrors cgroup_is_descendant.
func (c *Cgroup) isDescendant(ancestor *Cgroup) bool {
	if c.root != ancestor.root || c.level < ancestor.level {
		return false
	}
	return c.ancestorIDs[ancestor.level] == ancestor.ancestorIDs[ancestor.level]
}

// eachLiveDescendantPre calls fn on c and its live descendants in pre-order
// (cgroup_for_each_live_descendant_pre), children in creation order.
func (c *Cgroup) eachLiveDescendantPre(fn func(*Cgroup)) {
	if c.isDead() {
		return
	}
	fn(c)
	c.self.children.each(func(k *CSS) bool {
		k.cgroup.eachLiveDescendantPre(fn)
		return true
	})
}

// eachLiveDescendantPost is the post-order walk.
func (c *Cgroup) eachLiveDescendantPost(fn func(*Cgroup)) {
	if c.isDead() {
		return
	}
	c.self.children.each(func(k *CSS) bool {
		k.cgroup.eachLiveDescendantPost(fn)
		return true
	})
	fn(c)
}

// pathFrom mirrors kernfs_path_from_node(to, from): "/" when equal, the
// path below from, or "/.." per level up to the common ancestor then down.
// from == nil means the hierarchy root.
func pathFrom(from, to *Cgroup) string { return string(appendPath(nil, from, to)) }

func appendPath(dst []byte, from, to *Cgroup) []byte {
	if from == nil {
		from = &to.root.cgrp
	}
	if from == to {
		return append(dst, '/')
	}
	a, b := from, to
	for a.level > b.level {
		a = a.parent()
	}
	for b.level > a.level {
		b = b.parent()
	}
	for a != b {
		a, b = a.parent(), b.parent()
	}
	for i := from.level - a.level; i > 0; i-- {
		dst = append(dst, "/.."...)
	}
	return appendDown(dst, a, to)
}

// appendDown appends "/name" for each cgroup from below common down to to.
func appendDown(dst []byte, common, to *Cgroup) []byte {
	if to == common {
		return dst
	}
	dst = appendDown(dst, common, to.parent())
	dst = append(dst, '/')
	return append(dst, to.name...)
}

func (c *Cgroup) label() string { return strconv.Itoa(c.root.hierarchyID) + ":" + c.Path() }

// RefKind, RefID and RefCount let the leak registry list the cgroup as
// "cgroup <hierarchy>:<path>".
func (c *Cgroup) RefKind() string { return "cgroup" }
func (c *Cgroup) RefID() string   { return c.label() }
func (c *Cgroup) RefCount() int64 { return c.Count() }

// ---- mkdir / rmdir ---------------------------------------------------

// coreFile reports whether name is a core interface file in c (cgroup_base_files
// on v2, cgroup1_base_files on v1), which a new directory cannot shadow.
func coreFile(c *Cgroup, name string) bool {
	root := c.parent() == nil
	if c.onDfl() {
		switch name {
		case "cgroup.procs", "cgroup.threads", "cgroup.controllers", "cgroup.subtree_control",
			"cgroup.max.descendants", "cgroup.max.depth", "cgroup.stat":
			return true
		case "cgroup.type", "cgroup.events", "cpu.stat":
			return !root
		}
		return false
	}
	switch name {
	case "cgroup.procs", "cgroup.clone_children", "tasks", "notify_on_release":
		return true
	case "cgroup.sane_behavior", "release_agent":
		return root
	}
	return false
}

// Mkdir mirrors mkdir(2) of parent/name on a cgroup file system: the VFS
// checks first (an empty name ENOENT, a name longer than NAME_MAX
// ENAMETOOLONG, a removed parent ENOENT from may_create, an existing entry
// — a live child or one of the cgroup's interface files, or "." / ".." —
// EEXIST), then cgroup_mkdir: a newline in the name EINVAL; some ancestor at
// its cgroup.max.descendants or a new level beyond some ancestor's
// cgroup.max.depth EAGAIN (cgroup_check_hierarchy_limits); then
// cgroup_create and a css for every controller in the parent's
// subtree_ss_mask, a controller refusing failing the mkdir with its error
// (the half-made cgroup is destroyed). A name containing '/' is refused
// with EINVAL: it would be a path, not a directory name. Permission checks
// on the parent directory are the caller's.
func (g *Globals) Mkdir(ctx *ns.Ctx, parent *Cgroup, name string) (*Cgroup, error) {
	defer g.kick()
	ctx.Enter("cgroup_mkdir")
	defer ctx.Exit("cgroup_mkdir")
	switch {
	case name == "":
		return nil, uapi.Err("mkdir", uapi.ENOENT, "empty name", "filename_create")
	case strings.IndexByte(name, '/') >= 0:
		return nil, uapi.Err("mkdir", uapi.EINVAL, "name "+strconv.Quote(name)+" is a path, not a directory name", "Mkdir")
	case len(name) > nameMax:
		return nil, uapi.Err("mkdir", uapi.ENAMETOOLONG, "name longer than NAME_MAX (255)", "link_path_walk")
	}
	g.lock()
	defer g.unlock()
	if parent.isDead() {
		return nil, uapi.Err("mkdir", uapi.ENOENT, "parent cgroup "+parent.label()+" was removed", "may_create")
	}
	if name == "." || name == ".." || parent.kids[name] != nil || coreFile(parent, name) {
		return nil, uapi.Err("mkdir", uapi.EEXIST, strconv.Quote(name)+" exists in "+parent.label(), "filename_create")
	}
	if strings.IndexByte(name, '\n') >= 0 {
		return nil, uapi.Err("mkdir", uapi.EINVAL, "name contains a newline", "cgroup_mkdir")
	}
	if reason := parent.checkHierarchyLimits(); reason != "" {
		return nil, uapi.Err("mkdir", uapi.EAGAIN, reason, "cgroup_check_hierarchy_limits")
	}
	c := g.cgroupCreate(ctx, parent, name)
	parent.kids[name] = c // kernfs_create_dir
	c.self.setFlag(CSS_VISIBLE)
	if err := g.applyControlEnable(ctx, c); err != nil {
		g.destroyLocked(ctx, c)
		return nil, err
	}
	return c, nil
}

// checkHierarchyLimits mirrors cgroup_check_hierarchy_limits: walking up
// from the parent, an ancestor with nr_descendants >= max.descendants, or
// one whose max.depth is below the new cgroup's depth under it, refuses.
// It returns why, or "".
func (c *Cgroup) checkHierarchyLimits() string {
	level := int32(1)
	for t := c; t != nil; t = t.parent() {
		if t.nrDescendants >= t.maxDescendants {
			return t.label() + " has " + strconv.Itoa(int(t.nrDescendants)) + " descendants, cgroup.max.descendants " + strconv.Itoa(int(t.maxDescendants))
		}
		if level > t.maxDepth {
			return "depth " + strconv.Itoa(int(level)) + " below " + t.label() + " exceeds its cgroup.max.depth " + strconv.Itoa(int(t.maxDepth))
		}
		level++
	}
	return ""
}

// cgroupCreate mirrors cgroup_create: an id, the level and ancestor ids,
// every ancestor's nr_descendants++, a serial number, link under the
// parent (pinning it), nr_cgrps++, and the control masks: on v1 the child
// inherits the parent's subtree_control, on v2 it starts empty.
func (g *Globals) cgroupCreate(ctx *ns.Ctx, parent *Cgroup, name string) *Cgroup {
	ctx.Enter("cgroup_create")
	defer ctx.Exit("cgroup_create")
	root := parent.root
	c := &Cgroup{root: root, name: name, kids: map[string]*Cgroup{}}
	c.self.ref.init()
	c.id = root.cgroupIDs.alloc(2)
	c.initHousekeeping(g)
	c.self.parent = &parent.self
	c.level = parent.level + 1
	c.ancestorIDs = make([]int, c.level+1)
	copy(c.ancestorIDs, parent.ancestorIDs)
	c.ancestorIDs[c.level] = c.id
	for t := parent; t != nil; t = t.parent() {
		t.nrDescendants++
	}
	c.self.serial = g.cssSerial
	g.cssSerial++
	parent.self.children.addTail(&c.self.sibling)
	root.nrCgrps.Add(1)
	parent.getLive()
	g.env.Refs.Track(&c.self.node, c)
	if !c.onDfl() {
		c.subtreeControl = c.control()
	}
	g.propagateControl(c)
	return c
}

// Rmdir mirrors rmdir(2) of a cgroup directory: a root cgroup is a mount
// root (EBUSY from the VFS), a removed one is gone (ENOENT), then
// cgroup_destroy_locked: EBUSY while populated (own tasks or a
// descendant's) or while a child is online. On success the cgroup is dead
// at once (no new tasks or children, invisible), each ancestor counts it in
// nr_dying_descendants instead of nr_descendants, its csses are killed, and
// it is released and freed when its last reference goes, which may be
// right away.
func (g *Globals) Rmdir(ctx *ns.Ctx, c *Cgroup) error {
	defer g.kick()
	ctx.Enter("cgroup_rmdir")
	defer ctx.Exit("cgroup_rmdir")
	if c.parent() == nil {
		return uapi.Err("rmdir", uapi.EBUSY, "the root cgroup is the mount root", "do_rmdir")
	}
	g.lock()
	defer g.unlock()
	if c.isDead() {
		return uapi.Err("rmdir", uapi.ENOENT, c.label()+" was already removed", "do_rmdir")
	}
	return g.destroyLocked(ctx, c)
}

// destroyLocked mirrors cgroup_destroy_locked.
func (g *Globals) destroyLocked(ctx *ns.Ctx, c *Cgroup) error {
	ctx.Enter("cgroup_destroy_locked")
	defer ctx.Exit("cgroup_destroy_locked")
	if c.isPopulated() {
		return uapi.Err("rmdir", uapi.EBUSY, c.label()+" is populated", "cgroup_destroy_locked")
	}
	online := false
	c.self.children.each(func(k *CSS) bool {
		online = k.has(CSS_ONLINE)
		return !online
	})
	if online {
		return uapi.Err("rmdir", uapi.EBUSY, c.label()+" has a live child", "css_has_online_children")
	}
	c.self.clearFlag(CSS_ONLINE)
	g.csetMu.Lock(g.env)
	c.csetLinks.each(func(l *cgrpCsetLink) bool {
		l.cset.dead = true
		return true
	})
	g.csetMu.Unlock(g.env)
	for i := 0; i < g.nss; i++ {
		if css := c.subsys[i]; css != nil {
			g.killCSS(ctx, css)
		}
	}
	c.self.clearFlag(CSS_VISIBLE)
	parent := c.parent()
	if parent.kids[c.name] == c {
		delete(parent.kids, c.name) // kernfs_remove
	}
	if c.isThreaded() {
		parent.nrThreadedChildren--
	}
	for t := parent; t != nil; t = t.parent() {
		t.nrDescendants--
		t.nrDyingDescendants++
	}
	c.self.kill(nil) // percpu_ref_kill: put the base reference
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
