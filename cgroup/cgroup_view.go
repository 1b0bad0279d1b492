package cgroup

// The object view of a cgroup: accessors that read without changing
// anything (what tests and tools inspect).

// Name returns the directory name ("" for a root cgroup).
func (c *Cgroup) Name() string { return c.name }

// Parent returns the parent cgroup, nil for a root.
func (c *Cgroup) Parent() *Cgroup { return c.parent() }

// Root returns the hierarchy.
func (c *Cgroup) Root() *Root { return c.root }

// Level is the depth: 0 for a root.
func (c *Cgroup) Level() int { return c.level }

// ID is the cgroup id: 1 for a root, the lowest free id from 2 for others,
// -1 once released.
func (c *Cgroup) ID() (id int) {
	c.locked(func() { id = c.id })
	return
}

// OnDfl reports whether the cgroup is on the v2 hierarchy (cgroup_on_dfl).
func (c *Cgroup) OnDfl() bool { return c.onDfl() }

// IsDead reports cgroup_is_dead: rmdir has run.
func (c *Cgroup) IsDead() bool { return c.isDead() }

// IsDescendant reports whether c is ancestor or below it.
func (c *Cgroup) IsDescendant(ancestor *Cgroup) bool { return c.isDescendant(ancestor) }

// Count reads the cgroup's reference count (its self css).
func (c *Cgroup) Count() int64 { return c.self.Count() }

// Self returns the cgroup's self css (cgroup->self).
func (c *Cgroup) Self() *CSS { return &c.self }

// Populated mirrors cgroup_is_populated.
func (c *Cgroup) Populated() bool { return c.isPopulated() }

// NrPopulatedCsets, NrPopulatedDomainChildren and
// NrPopulatedThreadedChildren read the populated counters.
func (c *Cgroup) NrPopulatedCsets() int { return int(c.nrPopulatedCsets.Load()) }
func (c *Cgroup) NrPopulatedDomainChildren() int {
	return int(c.nrPopulatedDomainChildren.Load())
}
func (c *Cgroup) NrPopulatedThreadedChildren() int {
	return int(c.nrPopulatedThreadedChildren.Load())
}

// EventsNotified counts cgroup_file_notify calls on cgroup.events: one per
// change of the populated state (the kernel rate-limits the resulting
// inotify events to one per 10 ms; every change is counted here).
func (c *Cgroup) EventsNotified() uint64 { return c.eventsNotify.Load() }

// locked runs fn under cgroup_mutex.
func (c *Cgroup) locked(fn func()) {
	g := c.g()
	defer g.kick()
	g.lock()
	defer g.unlock()
	fn()
}

// NrDescendants reads nr_descendants (live descendants).
func (c *Cgroup) NrDescendants() (n int) {
	c.locked(func() { n = int(c.nrDescendants) })
	return
}

// NrDyingDescendants reads nr_dying_descendants: removed descendants whose
// cgroup is not yet released.
func (c *Cgroup) NrDyingDescendants() (n int) {
	c.locked(func() { n = int(c.nrDyingDescendants) })
	return
}

// SubtreeControl reads subtree_control.
func (c *Cgroup) SubtreeControl() (m uint16) {
	c.locked(func() { m = c.subtreeControl })
	return
}

// SubtreeSSMask reads subtree_ss_mask.
func (c *Cgroup) SubtreeSSMask() (m uint16) {
	c.locked(func() { m = c.subtreeSSMask })
	return
}

// Controllers reads cgroup_control (what cgroup.controllers lists).
func (c *Cgroup) Controllers() (m uint16) {
	c.locked(func() { m = c.control() })
	return
}

// MaxDepth and MaxDescendants read the limits (MaxLimit = "max").
func (c *Cgroup) MaxDepth() (n int) {
	c.locked(func() { n = int(c.maxDepth) })
	return
}
func (c *Cgroup) MaxDescendants() (n int) {
	c.locked(func() { n = int(c.maxDescendants) })
	return
}

// CSS returns cgroup_css(c, ss): the online css of controller ssid, or nil.
func (c *Cgroup) CSS(ssid int) (css *CSS) {
	c.locked(func() { css = c.subsys[ssid] })
	return
}

// ECSS returns cgroup_e_css: the effective css of controller ssid.
func (c *Cgroup) ECSS(ssid int) (css *CSS) {
	c.locked(func() { css = c.eCSS(ssid) })
	return
}

// Threaded reports cgroup_is_threaded.
func (c *Cgroup) Threaded() (t bool) {
	c.locked(func() { t = c.isThreaded() })
	return
}

// Children lists the live children in creation order.
func (c *Cgroup) Children() []*Cgroup {
	var out []*Cgroup
	c.locked(func() {
		c.self.children.each(func(k *CSS) bool {
			if !k.cgroup.isDead() {
				out = append(out, k.cgroup)
			}
			return true
		})
	})
	return out
}

// Child returns the live child called name, or nil.
func (c *Cgroup) Child(name string) (k *Cgroup) {
	c.locked(func() { k = c.kids[name] })
	return
}

// Path mirrors kernfs_path: the path from the hierarchy root ("/" for the
// root). Names never change, so no lock is needed.
func (c *Cgroup) Path() string {
	if c.parent() == nil {
		return "/"
	}
	return pathFrom(nil, c)
}
