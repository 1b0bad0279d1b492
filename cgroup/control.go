package cgroup

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// calcSubtreeSSMask mirrors cgroup_calc_subtree_ss_mask: subtree_control
// plus the implicit controllers, within what is available (depends_on is
// not modelled: no controller here has one).
func (g *Globals) calcSubtreeSSMask(subtreeControl, thisSSMask uint16) uint16 {
	return (subtreeControl | g.dflImplicit) & thisSSMask
}

// propagateControl mirrors cgroup_propagate_control: keep each live
// descendant's subtree_control within what its parent offers and recompute
// its subtree_ss_mask.
func (g *Globals) propagateControl(c *Cgroup) {
	c.eachLiveDescendantPre(func(d *Cgroup) {
		d.subtreeControl &= d.control()
		d.subtreeSSMask = g.calcSubtreeSSMask(d.subtreeControl, d.ssMask())
	})
}

// saveControl mirrors cgroup_save_control.
func (g *Globals) saveControl(c *Cgroup) {
	c.eachLiveDescendantPre(func(d *Cgroup) {
		d.oldSubtreeControl, d.oldSubtreeSSMask, d.oldDomCgrp = d.subtreeControl, d.subtreeSSMask, d.domCgrp
	})
}

// restoreControl mirrors cgroup_restore_control.
func (g *Globals) restoreControl(c *Cgroup) {
	c.eachLiveDescendantPost(func(d *Cgroup) {
		d.subtreeControl, d.subtreeSSMask, d.domCgrp = d.oldSubtreeControl, d.oldSubtreeSSMask, d.oldDomCgrp
	})
}

// cssVisible mirrors css_visible.
func (g *Globals) cssVisible(css *CSS) bool {
	c, bit := css.cgroup, uint16(1)<<css.ss.id
	if c.control()&bit != 0 {
		return true
	}
	if c.ssMask()&bit == 0 {
		return false
	}
	return c.onDfl() && css.ss.info.ImplicitOnDfl
}

// applyControlEnable mirrors cgroup_apply_control_enable: create the missing
// csses of every live descendant's ss mask (pre-order) and show the visible
// ones. A failure leaves what was made for applyControlDisable.
func (g *Globals) applyControlEnable(ctx *ns.Ctx, c *Cgroup) error {
	var err error
	c.eachLiveDescendantPre(func(d *Cgroup) {
		if err != nil {
			return
		}
		for i := 0; i < g.nss && err == nil; i++ {
			if d.ssMask()&(1<<i) == 0 {
				continue
			}
			css := d.subsys[i]
			if css == nil {
				css, err = g.cssCreate(ctx, d, g.ss[i])
				if err != nil {
					return
				}
			}
			if g.cssVisible(css) {
				css.setFlag(CSS_VISIBLE) // css_populate_dir
			}
		}
	})
	return err
}

// applyControlDisable mirrors cgroup_apply_control_disable: kill the csses
// no longer in their cgroup's ss mask (post-order), hide invisible ones.
func (g *Globals) applyControlDisable(ctx *ns.Ctx, c *Cgroup) {
	c.eachLiveDescendantPost(func(d *Cgroup) {
		for i := 0; i < g.nss; i++ {
			css := d.subsys[i]
			if css == nil {
				continue
			}
			if css.parent != nil && d.ssMask()&(1<<i) == 0 {
				g.killCSS(ctx, css)
			} else if !g.cssVisible(css) {
				css.clearFlag(CSS_VISIBLE) // css_clear_dir; css_reset is not modelled
			}
		}
	})
}

// applyControl mirrors cgroup_apply_control: propagate, create csses, and
// re-home every task of the subtree.
func (g *Globals) applyControl(ctx *ns.Ctx, c *Cgroup) error {
	ctx.Enter("cgroup_apply_control")
	defer ctx.Exit("cgroup_apply_control")
	g.propagateControl(c)
	if err := g.applyControlEnable(ctx, c); err != nil {
		return err
	}
	return g.updateDflCsses(ctx, c)
}

// finalizeControl mirrors cgroup_finalize_control: on failure restore the
// saved masks, then kill what is no longer wanted.
func (g *Globals) finalizeControl(ctx *ns.Ctx, c *Cgroup, err error) {
	if err != nil {
		g.restoreControl(c)
		g.propagateControl(c)
	}
	g.applyControlDisable(ctx, c)
}

// vetSubtreeControlEnable mirrors cgroup_vet_subtree_control_enable.
func (g *Globals) vetSubtreeControlEnable(c *Cgroup, enable uint16) error {
	if enable == 0 {
		return nil
	}
	if !c.domCgrp.isValidDomain() {
		return uapi.Err("write", uapi.EOPNOTSUPP, c.label()+" is not in a valid domain", "cgroup_vet_subtree_control_enable")
	}
	if c.isMixable() {
		return nil
	}
	if enable&^g.dflThreaded != 0 {
		if c.isThreadRoot() || c.isThreaded() {
			return uapi.Err("write", uapi.EOPNOTSUPP, "domain controllers cannot be enabled inside a threaded subtree", "cgroup_vet_subtree_control_enable")
		}
	} else if c.canBeThreadRoot() || c.isThreaded() {
		return nil
	}
	if c.hasTasks() {
		return uapi.Err("write", uapi.EBUSY, c.label()+" has processes (no internal processes)", "cgroup_vet_subtree_control_enable")
	}
	return nil
}

// WriteSubtreeControl mirrors cgroup_subtree_control_write: buf (strstripped)
// is a list of "+name" / "-name" tokens separated by spaces; a later token
// on the same controller wins. In order: a token that names no controller
// (allowed on v2) or has no +/- prefix is EINVAL; a removed cgroup ENODEV;
// then per controller in id order, enabling one that cgroup.controllers
// lacks is ENOENT and disabling one a live child still has in its
// subtree_control EBUSY (no-ops are dropped); nothing left succeeds; then
// cgroup_vet_subtree_control_enable (EOPNOTSUPP, EBUSY). On success the
// csses are created, every task of the subtree is re-homed, and the
// controllers' csses no longer needed are killed; it returns len(buf). The
// file exists only on v2 (ENOENT on v1).
func (g *Globals) WriteSubtreeControl(ctx *ns.Ctx, c *Cgroup, buf []byte) (int, error) {
	defer g.kick()
	ctx.Enter("cgroup_subtree_control_write")
	defer ctx.Exit("cgroup_subtree_control_write")
	n := len(buf)
	if !c.onDfl() {
		return 0, noFile(c, "cgroup.subtree_control")
	}
	s, err := kernfsBuf("write", buf)
	if err != nil {
		return 0, err
	}
	var enable, disable uint16
	for _, tok := range bytes.Split(klib.Strstrip(s), []byte{' '}) {
		if len(tok) == 0 {
			continue
		}
		found := false
		for i := 0; i < g.nss; i++ {
			if g.dflInhibit&(1<<i) != 0 || string(tok[1:]) != g.ss[i].name {
				continue
			}
			switch tok[0] {
			case '+':
				enable |= 1 << i
				disable &^= 1 << i
			case '-':
				disable |= 1 << i
				enable &^= 1 << i
			default:
				return 0, uapi.Err("write", uapi.EINVAL, "token "+strconv.Quote(string(tok))+" lacks a + or - prefix", "cgroup_subtree_control_write")
			}
			found = true
			break
		}
		if !found {
			return 0, uapi.Err("write", uapi.EINVAL, "token "+strconv.Quote(string(tok))+" names no controller", "cgroup_subtree_control_write")
		}
	}

	g.lock()
	defer g.unlock()
	if c.isDead() {
		return 0, uapi.Err("write", uapi.ENODEV, c.label()+" was removed", "cgroup_kn_lock_live")
	}
	for i := 0; i < g.nss; i++ {
		bit := uint16(1) << i
		switch {
		case enable&bit != 0:
			if c.subtreeControl&bit != 0 {
				enable &^= bit
				continue
			}
			if c.control()&bit == 0 {
				return 0, uapi.Err("write", uapi.ENOENT, g.ss[i].name+" is not in "+c.label()+"'s cgroup.controllers", "cgroup_subtree_control_write")
			}
		case disable&bit != 0:
			if c.subtreeControl&bit == 0 {
				disable &^= bit
				continue
			}
			busy := false
			c.self.children.each(func(k *CSS) bool {
				if !k.cgroup.isDead() && k.cgroup.subtreeControl&bit != 0 {
					busy = true
				}
				return !busy
			})
			if busy {
				return 0, uapi.Err("write", uapi.EBUSY, "a child of "+c.label()+" has "+g.ss[i].name+" in its cgroup.subtree_control", "cgroup_subtree_control_write")
			}
		}
	}
	if enable == 0 && disable == 0 {
		return n, nil
	}
	if err := g.vetSubtreeControlEnable(c, enable); err != nil {
		return 0, err
	}
	g.saveControl(c)
	c.subtreeControl |= enable
	c.subtreeControl &^= disable
	err = g.applyControl(ctx, c)
	g.finalizeControl(ctx, c, err)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// enableThreaded mirrors cgroup_enable_threaded.
func (g *Globals) enableThreaded(ctx *ns.Ctx, c *Cgroup) error {
	parent := c.parent()
	dom := parent.domCgrp
	if c.isThreaded() {
		return nil
	}
	if c.isPopulated() || c.subtreeControl&^g.dflThreaded != 0 {
		return uapi.Err("write", uapi.EOPNOTSUPP, c.label()+" is populated or has domain controllers enabled", "cgroup_enable_threaded")
	}
	if !dom.isValidDomain() || !dom.canBeThreadRoot() {
		return uapi.Err("write", uapi.EOPNOTSUPP, dom.label()+" cannot become a thread root", "cgroup_enable_threaded")
	}
	g.saveControl(c)
	c.eachLiveDescendantPre(func(d *Cgroup) {
		if d == c || d.isThreaded() {
			d.domCgrp = dom
		}
	})
	err := g.applyControl(ctx, c)
	if err == nil {
		parent.nrThreadedChildren++
	}
	g.finalizeControl(ctx, c, err)
	return err
}

// WriteType mirrors cgroup_type_write: only "threaded" (strstripped) is
// accepted (else EINVAL); a removed cgroup is ENOENT; then
// cgroup_enable_threaded (EOPNOTSUPP). Not on a root cgroup or v1 (no such
// file: ENOENT).
func (g *Globals) WriteType(ctx *ns.Ctx, c *Cgroup, buf []byte) (int, error) {
	defer g.kick()
	ctx.Enter("cgroup_type_write")
	defer ctx.Exit("cgroup_type_write")
	if !c.onDfl() || c.parent() == nil {
		return 0, noFile(c, "cgroup.type")
	}
	s, err := kernfsBuf("write", buf)
	if err != nil {
		return 0, err
	}
	if string(klib.Strstrip(s)) != "threaded" {
		return 0, uapi.Err("write", uapi.EINVAL, "only \"threaded\" can be written", "cgroup_type_write")
	}
	g.lock()
	defer g.unlock()
	if c.isDead() {
		return 0, uapi.Err("write", uapi.ENOENT, c.label()+" was removed", "cgroup_kn_lock_live")
	}
	if err := g.enableThreaded(ctx, c); err != nil {
		return 0, err
	}
	return len(buf), nil
}

// parseMax parses a cgroup.max.* write: strstrip, "max" is MaxLimit, else
// kstrtoint (EINVAL, ERANGE); a negative value is ERANGE.
func parseMax(file string, buf []byte) (int32, error) {
	s, err := kernfsBuf("write", buf)
	if err != nil {
		return 0, err
	}
	s = klib.Strstrip(s)
	if string(s) == "max" {
		return MaxLimit, nil
	}
	v, e := kstrtoint(s)
	if e != 0 {
		return 0, uapi.Err("write", e, strconv.Quote(string(s))+" is not an int for "+file, "kstrtoint")
	}
	if v < 0 {
		return 0, uapi.Err("write", uapi.ERANGE, file+" cannot be negative", strings.ReplaceAll(file, ".", "_")+"_write")
	}
	return v, nil
}

// WriteMaxDescendants mirrors cgroup_max_descendants_write (v2 only).
func (g *Globals) WriteMaxDescendants(ctx *ns.Ctx, c *Cgroup, buf []byte) (int, error) {
	return g.writeMax(ctx, c, buf, "cgroup.max.descendants", &c.maxDescendants)
}

// WriteMaxDepth mirrors cgroup_max_depth_write (v2 only).
func (g *Globals) WriteMaxDepth(ctx *ns.Ctx, c *Cgroup, buf []byte) (int, error) {
	return g.writeMax(ctx, c, buf, "cgroup.max.depth", &c.maxDepth)
}

func (g *Globals) writeMax(ctx *ns.Ctx, c *Cgroup, buf []byte, file string, field *int32) (int, error) {
	defer g.kick()
	if !c.onDfl() {
		return 0, noFile(c, file)
	}
	v, err := parseMax(file, buf)
	if err != nil {
		return 0, err
	}
	g.lock()
	defer g.unlock()
	if c.isDead() {
		return 0, uapi.Err("write", uapi.ENOENT, c.label()+" was removed", "cgroup_kn_lock_live")
	}
	*field = v
	return len(buf), nil
}

// noFile is the error for a file the cgroup does not have.
func noFile(c *Cgroup, file string) error {
	return uapi.Err("open", uapi.ENOENT, c.label()+" has no "+file, "kernfs_iop_lookup")
}
