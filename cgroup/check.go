package cgroup

import (
	"errors"
	"strconv"
)

// Check recomputes what the core counts and compares: for every cgroup of
// every hierarchy (dying ones included) nr_populated_csets,
// nr_populated_{domain,threaded}_children, nr_descendants,
// nr_dying_descendants and nr_threaded_children; for every css_set nr_tasks
// against its lists, one link per hierarchy, and its place in the hash;
// css_set_count. It takes cgroup_mutex and css_set_lock, so it sees a
// quiescent state. nil means consistent.
func (g *Globals) Check() error {
	defer g.kick()
	g.lock()
	defer g.unlock()
	g.csetMu.Lock(g.env)
	defer g.csetMu.Unlock(g.env)
	var errs []error
	bad := func(what string, got, want int) {
		errs = append(errs, errors.New(what+": "+strconv.Itoa(got)+", recomputed "+strconv.Itoa(want)))
	}
	n := 0
	for b, bk := range g.csetTable {
		for _, cs := range bk {
			n++
			if bucket(cs.key) != b || cs.key != g.csetHash(&cs.subsys) {
				errs = append(errs, errors.New("css_set "+cs.RefID()+" in the wrong hash bucket"))
			}
			if got, want := int(cs.nrTasks), cs.tasks.count()+cs.mgTasks.count(); got != want {
				bad("nr_tasks of css_set "+cs.RefID(), got, want)
			}
			if got := cs.cgrpLinks.count(); got != len(g.roots) {
				bad("links of css_set "+cs.RefID(), got, len(g.roots))
			}
			if cs.Count() < int64(cs.nrTasks) {
				bad("refcount of css_set "+cs.RefID()+" below nr_tasks", int(cs.Count()), int(cs.nrTasks))
			}
		}
	}
	if n != g.csetCount+1 {
		bad("css_set_count", g.csetCount+1, n)
	}
	for _, r := range g.roots {
		g.checkCgroup(&r.cgrp, bad)
	}
	return errors.Join(errs...)
}

// checkCgroup checks c and its subtree, returning the number of live and
// dying descendants.
func (g *Globals) checkCgroup(c *Cgroup, bad func(string, int, int)) (live, dying int) {
	popCsets, popDom, popThr, thr := 0, 0, 0, 0
	c.csetLinks.each(func(l *cgrpCsetLink) bool {
		if l.cset.populated() {
			popCsets++
		}
		return true
	})
	c.self.children.each(func(k *CSS) bool {
		kc := k.cgroup
		l, d := g.checkCgroup(kc, bad)
		live += l
		dying += d
		if kc.isDead() {
			dying++
		} else {
			live++
			if kc.isThreaded() {
				thr++
			}
		}
		if kc.isPopulated() {
			if kc.isThreaded() {
				popThr++
			} else {
				popDom++
			}
		}
		return true
	})
	name := c.label()
	if got := int(c.nrPopulatedCsets.Load()); got != popCsets {
		bad("nr_populated_csets of "+name, got, popCsets)
	}
	if got := int(c.nrPopulatedDomainChildren.Load()); got != popDom {
		bad("nr_populated_domain_children of "+name, got, popDom)
	}
	if got := int(c.nrPopulatedThreadedChildren.Load()); got != popThr {
		bad("nr_populated_threaded_children of "+name, got, popThr)
	}
	if got := int(c.nrThreadedChildren); got != thr && !c.isDead() {
		bad("nr_threaded_children of "+name, got, thr)
	}
	if !c.isDead() {
		if got := int(c.nrDescendants); got != live {
			bad("nr_descendants of "+name, got, live)
		}
		if got := int(c.nrDyingDescendants); got != dying {
			bad("nr_dying_descendants of "+name, got, dying)
		}
	}
	return live, dying
}
