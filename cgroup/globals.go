package cgroup

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Options selects one Kernel's cgroup setup.
type Options struct {
	// Subsys lists the controllers the kernel is built with, in any order:
	// their ids follow include/linux/cgroup_subsys.h. Names must be kernel
	// names and distinct.
	Subsys []Subsys
	// V1 lists the v1 hierarchies mounted at boot, in mount order, each as
	// its controller names (mount -t cgroup -o memory none ...: {"memory"};
	// {"cpu", "cpuacct"} for a co-mounted pair). A controller can be on one
	// hierarchy only; the ones not listed stay on the v2 hierarchy.
	V1 [][]string
	// HideV2 leaves cgroup2 unmounted (cgrp_dfl_visible false), so
	// /proc/<pid>/cgroup has no "0::" line, as on a pure v1 system.
	HideV2 bool
	// NSDelegate mounts cgroup2 with nsdelegate (CGRP_ROOT_NS_DELEGATE):
	// cgroup namespaces become delegation boundaries (see nsdelegate.go).
	NSDelegate bool
	// PidsLocalEvents mounts cgroup2 with pids_localevents
	// (CGRP_ROOT_PIDS_LOCAL_EVENTS, mainline 6.13): pids.events counts as
	// v1 does. Ignored by the 4.19 flavour, which has no such option.
	PidsLocalEvents bool
}

// Globals is one Kernel's cgroup state: the hierarchies, the controllers,
// init_css_set and the css_set hash, and the kernel's cgroup locks. Nothing
// in the package is package-level mutable state.
type Globals struct {
	env *ns.Env

	// mu is cgroup_mutex: every hierarchy change (mkdir, rmdir, control
	// masks, css lifecycle, css_set creation, migration).
	mu sync.Mutex
	// threadgroup is cgroup_threadgroup_rwsem: fork holds it for reading
	// from CanFork to PostFork/CancelFork, migration for writing; in a
	// Kernel every holder is in a syscall, so the big kernel lock stands in.
	threadgroup ns.KRWLock
	// csetMu is css_set_lock: the css_set hash, cgrp_cset_links, task
	// lists, nr_tasks, populated counters and migration list nodes. In a
	// Kernel every holder is in a syscall or holds Kernel.Lock, so the big
	// kernel lock stands in for it (a KLock); its readers (NrTasks, Dead,
	// NrCSSSets, ...) follow the Kernel's reader contract.
	csetMu ns.KLock

	ss  [MaxSubsys]*subsys // cgroup_subsys[], dense ids
	nss int                // CGROUP_SUBSYS_COUNT

	dfl   *Root   // &cgrp_dfl_root
	roots []*Root // cgroup_roots in for_each_root order (newest first)

	initCset  CSSSet                       // init_css_set
	csetTable [1 << csetHashBits][]*CSSSet // css_set_table; guarded by csetMu
	csetCount int                          // css_set_count; guarded by csetMu

	dflImplicit, dflInhibit, dflThreaded uint16 // cgrp_dfl_{implicit,inhibit,threaded}_ss_mask
	dflVisible                           bool

	cssSerial uint64        // css_serial_nr_next; guarded by mu
	csetSeq   atomic.Uint64 // numbers css_sets for listings

	// The destroy workqueue (cgroup_destroy_wq) with the RCU grace
	// periods folded in: see the package documentation.
	wqMu    sync.Mutex
	wq      []work
	wqHead  int
	pending atomic.Int32
	kworker ns.Ctx // the destroy work's "current"; used under cgroup_mutex only
}

// CSS_SET_HASH_BITS.
const csetHashBits = 7

// NewGlobals boots the cgroup core as cgroup_init_early and cgroup_init do,
// then mounts the v1 hierarchies of opt.V1 in order (cgroup1_mount →
// cgroup_setup_root → rebind_subsystems). The v2 root is hierarchy 0 and
// cgroup id 1; each v1 root takes the next hierarchy id. Every controller's
// root css has id 1, CSS_NO_REF, and sits in init_css_set, which holds one
// reference of its own and is linked to every root cgroup.
func NewGlobals(env *ns.Env, opt Options) (*Globals, error) {
	g := &Globals{env: env, dflVisible: !opt.HideV2, cssSerial: 1}
	g.kworker.Init(env, 0)
	ctx := ns.NewCtx(env, 0)

	// Order the controllers as the kernel numbers them.
	var byOrder [MaxSubsys]Subsys
	for _, s := range opt.Subsys {
		info := s.Info()
		o := kernelSubsysOrder(info.Name)
		if o < 0 {
			return nil, uapi.Err("cgroup_init", uapi.EINVAL, "unknown controller "+info.Name, "cgroup_init_early")
		}
		if byOrder[o] != nil {
			return nil, uapi.Err("cgroup_init", uapi.EINVAL, "controller "+info.Name+" listed twice", "cgroup_init_early")
		}
		if info.ImplicitOnDfl && !info.Threaded {
			return nil, uapi.Err("cgroup_init", uapi.EINVAL, "implicit controller "+info.Name+" is not threaded", "cgroup_init")
		}
		byOrder[o] = s
	}
	for _, s := range byOrder {
		if s == nil {
			continue
		}
		info := s.Info()
		ln := info.LegacyName
		if ln == "" {
			ln = info.Name
		}
		g.ss[g.nss] = &subsys{ops: s, id: g.nss, name: info.Name, legacyName: ln, info: info}
		g.nss++
	}

	// cgroup_init_early: init_cgroup_root(&cgrp_dfl_root), CSS_NO_REF.
	g.dfl = g.newRoot(true)
	g.dfl.flags = opt.dflFlags(env)
	g.initCset.initCSSSet(g)
	g.initCset.dflCgrp = &g.dfl.cgrp

	g.mu.Lock()
	g.hashAdd(&g.initCset)
	g.setupRoot(ctx, g.dfl, 0)
	g.mu.Unlock()

	for i := 0; i < g.nss; i++ {
		ss := g.ss[i]
		g.initSubsys(ctx, ss)
		g.initCset.eCsetNode[i].init(&g.initCset)
		g.dfl.cgrp.eCsets[i].addTail(&g.initCset.eCsetNode[i])
		g.dfl.subsysMask |= 1 << i
		switch {
		case ss.info.ImplicitOnDfl:
			g.dflImplicit |= 1 << i
		case ss.info.NoDflFiles:
			g.dflInhibit |= 1 << i
		}
		if ss.info.Threaded {
			g.dflThreaded |= 1 << i
		}
		ss.root.cgrp.subsys[i].setFlag(CSS_VISIBLE) // css_populate_dir
	}
	g.mu.Lock()
	g.hashDel(&g.initCset) // init_css_set.subsys[] changed: re-hash
	g.hashAdd(&g.initCset)
	g.mu.Unlock()

	for _, set := range opt.V1 {
		if _, err := g.mountV1(ctx, set); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// newRoot mirrors init_cgroup_root: nr_cgrps 1, the root cgroup's
// housekeeping (online, its own domain, max.depth and max.descendants
// "max"), CSS_NO_REF (see the package documentation for v1 roots).
func (g *Globals) newRoot(dfl bool) *Root {
	r := &Root{g: g, dfl: dfl}
	r.nrCgrps.Store(1)
	c := &r.cgrp
	c.root = r
	c.initHousekeeping(g)
	c.self.ref.init()
	c.self.setFlag(CSS_NO_REF)
	c.kids = map[string]*Cgroup{}
	return r
}

// setupRoot mirrors cgroup_setup_root: cgroup id 1, a hierarchy id, bind
// the controllers, add the root to cgroup_roots (at the head) and link its
// root cgroup into every existing css_set, counting populated ones.
func (g *Globals) setupRoot(ctx *ns.Ctx, r *Root, ssMask uint16) error {
	ctx.Enter("cgroup_setup_root")
	defer ctx.Exit("cgroup_setup_root")
	c := &r.cgrp
	c.id = r.cgroupIDs.alloc(1)
	c.ancestorIDs = []int{c.id}
	r.hierarchyID = len(g.roots) // idr_alloc_cyclic from 0; roots are never destroyed
	if err := g.rebindSubsystems(ctx, r, ssMask); err != nil {
		return err
	}
	r.name = r.computeName()
	g.roots = append([]*Root{r}, g.roots...)
	g.csetMu.Lock(g.env)
	for _, b := range g.csetTable {
		for _, cset := range b {
			g.linkCSSSet(cset, c)
			if cset.populated() {
				g.updatePopulated(c, true)
			}
		}
	}
	g.csetMu.Unlock(g.env)
	return nil
}

// initSubsys mirrors cgroup_init_subsys: the controller's root css on the
// v2 root, CSS_NO_REF, id 1, in init_css_set, online.
func (g *Globals) initSubsys(ctx *ns.Ctx, ss *subsys) {
	ctx.Enter("cgroup_init_subsys")
	defer ctx.Exit("cgroup_init_subsys")
	g.mu.Lock()
	defer g.mu.Unlock()
	ss.root = g.dfl
	state, err := ss.ops.CSSAlloc(ctx, nil)
	if err != nil {
		panic("cgroup: root css_alloc of " + ss.name + " failed: " + err.Error())
	}
	css := &CSS{}
	g.initAndLinkCSS(css, ss, &g.dfl.cgrp)
	css.state = state
	css.ref.init()
	css.setFlag(CSS_NO_REF)
	css.id = ss.cssIDs.alloc(1)
	g.initCset.subsys[ss.id] = css
	if err := g.onlineCSS(ctx, css); err != nil {
		panic("cgroup: root css_online of " + ss.name + " failed: " + err.Error())
	}
}

// mountV1 mirrors cgroup1_mount creating a new hierarchy for the named
// controllers (parse_cgroupfs_options then cgroup_setup_root). It runs at
// boot only.
func (g *Globals) mountV1(ctx *ns.Ctx, names []string) (*Root, error) {
	ctx.Enter("cgroup1_mount")
	defer ctx.Exit("cgroup1_mount")
	var mask uint16
	for _, n := range names {
		ss := g.subsysByName(n)
		if ss == nil {
			return nil, uapi.Err("mount", uapi.ENOENT, "no controller "+n+" in this kernel", "parse_cgroupfs_options")
		}
		mask |= 1 << ss.id
	}
	if mask == 0 {
		return nil, uapi.Err("mount", uapi.EINVAL, "a new v1 hierarchy needs controllers", "cgroup1_mount")
	}
	for _, r := range g.roots {
		if !r.dfl && r.subsysMask == mask {
			return r, nil // an existing hierarchy with the same controllers is reused
		}
	}
	r := g.newRoot(false)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.setupRoot(ctx, r, mask); err != nil {
		return nil, err
	}
	return r, nil
}

// rebindSubsystems mirrors rebind_subsystems at boot: a controller with
// csses below its root, or already on another v1 hierarchy, cannot move
// (EBUSY). Moving hands the controller's root css to dst's root cgroup; on a
// v1 hierarchy the root's subtree_control gains it.
func (g *Globals) rebindSubsystems(ctx *ns.Ctx, dst *Root, mask uint16) error {
	for i := 0; i < g.nss; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		ss := g.ss[i]
		rc := ss.root.cgrp.subsys[i]
		if rc != nil && !rc.children.empty() && !ss.info.ImplicitOnDfl {
			return uapi.Err("mount", uapi.EBUSY, ss.name+" has csses below its root", "rebind_subsystems")
		}
		if !ss.root.dfl && !dst.dfl {
			return uapi.Err("mount", uapi.EBUSY, ss.name+" is already bound to hierarchy "+itoa(ss.root.hierarchyID), "rebind_subsystems")
		}
	}
	for i := 0; i < g.nss; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		ss := g.ss[i]
		src := ss.root
		scgrp, dcgrp := &src.cgrp, &dst.cgrp
		css := scgrp.subsys[i]
		src.subsysMask &^= 1 << i
		g.applyControl(ctx, scgrp)
		g.finalizeControl(ctx, scgrp, nil)
		scgrp.subsys[i] = nil
		dcgrp.subsys[i] = css
		ss.root = dst
		css.cgroup = dcgrp
		g.csetMu.Lock(g.env)
		for _, b := range g.csetTable {
			for _, cset := range b {
				cset.eCsetNode[i].moveTail(&dcgrp.eCsets[i])
			}
		}
		g.csetMu.Unlock(g.env)
		dst.subsysMask |= 1 << i
		if !dst.dfl {
			dcgrp.subtreeControl |= 1 << i
		}
		if err := g.applyControl(ctx, dcgrp); err != nil {
			ctx.Env.Refs.Warn("cgroup", "partial failure to rebind "+ss.name)
		}
	}
	return nil
}

func (g *Globals) subsysByName(name string) *subsys {
	for i := 0; i < g.nss; i++ {
		if g.ss[i].name == name {
			return g.ss[i]
		}
	}
	return nil
}

// SubsysID returns the id of the named controller, or -1.
func (g *Globals) SubsysID(name string) int {
	if ss := g.subsysByName(name); ss != nil {
		return ss.id
	}
	return -1
}

// SubsysName returns the name of controller id.
func (g *Globals) SubsysName(id int) string { return g.ss[id].name }

// NrSubsys is CGROUP_SUBSYS_COUNT for this kernel.
func (g *Globals) NrSubsys() int { return g.nss }

// Mask returns the bit mask of the named controllers (unknown names are
// ignored).
func (g *Globals) Mask(names ...string) uint16 {
	var m uint16
	for _, n := range names {
		if ss := g.subsysByName(n); ss != nil {
			m |= 1 << ss.id
		}
	}
	return m
}

// MaskNames lists the controllers of mask in id order.
func (g *Globals) MaskNames(mask uint16) []string {
	var out []string
	for i := 0; i < g.nss; i++ {
		if mask&(1<<i) != 0 {
			out = append(out, g.ss[i].name)
		}
	}
	return out
}

// Dfl returns the v2 hierarchy (cgrp_dfl_root).
func (g *Globals) Dfl() *Root { return g.dfl }

// Roots lists the hierarchies in for_each_root order: the most recently
// mounted v1 hierarchy first, the v2 root last.
func (g *Globals) Roots() []*Root { return append([]*Root(nil), g.roots...) }

// SubsysRoot returns the hierarchy controller id is bound to (ss->root).
func (g *Globals) SubsysRoot(id int) *Root { return g.ss[id].root }

// InitCSSSet returns &init_css_set.
func (g *Globals) InitCSSSet() *CSSSet { return &g.initCset }

// NrCSSSets reads css_set_count (init_css_set included).
func (g *Globals) NrCSSSets() int {
	g.csetMu.Lock(g.env)
	defer g.csetMu.Unlock(g.env)
	return g.csetCount + 1
}

// ThreadgroupChangeBegin mirrors cgroup_threadgroup_change_begin: fork takes
// it before CgroupCanFork and releases it after PostFork or CancelFork, and
// exit_signals around setting PF_EXITING, so no migration runs in between.
func (g *Globals) ThreadgroupChangeBegin() { g.threadgroup.RLock(g.env) }

// ThreadgroupChangeEnd mirrors cgroup_threadgroup_change_end.
func (g *Globals) ThreadgroupChangeEnd() { g.threadgroup.RUnlock(g.env) }

// Root mirrors struct cgroup_root: one hierarchy.
type Root struct {
	g           *Globals
	cgrp        Cgroup // the root cgroup, never freed
	hierarchyID int
	subsysMask  uint16 // guarded by cgroup_mutex; fixed after boot
	nrCgrps     atomic.Int32
	cgroupIDs   ida // cgroup_idr; guarded by cgroup_mutex
	dfl         bool
	name        string // Name(), fixed once the controllers are bound
	flags       uint32 // CGRP_ROOT_*: mount options, fixed at boot
}

// Cgroup returns the root cgroup.
func (r *Root) Cgroup() *Cgroup { return &r.cgrp }

// HierarchyID is hierarchy_id: 0 for v2, 1, 2, ... for v1 mounts.
func (r *Root) HierarchyID() int { return r.hierarchyID }

// IsDfl reports whether this is the v2 hierarchy.
func (r *Root) IsDfl() bool { return r.dfl }

// SubsysMask is the mask of controllers bound to the hierarchy.
func (r *Root) SubsysMask() uint16 { return r.subsysMask }

// NrCgroups reads nr_cgrps: the root and every cgroup not yet freed.
func (r *Root) NrCgroups() int { return int(r.nrCgrps.Load()) }

// Name names the hierarchy as /proc/<pid>/cgroup does ("" for v2, else the
// controllers' legacy names joined by commas, in id order).
func (r *Root) Name() string { return r.name }

func (r *Root) computeName() string {
	if r.dfl {
		return ""
	}
	var b strings.Builder
	for i := 0; i < r.g.nss; i++ {
		if r.subsysMask&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(r.g.ss[i].legacyName)
		}
	}
	return b.String()
}
