package cgroup

import "sync"

// KernfsAttr is the part of a kernfs node's attributes (struct
// kernfs_iattrs: ia_uid, ia_gid, ia_mode) that permission checks read:
// owner and group as kernel ids, and the permission bits.
type KernfsAttr struct {
	UID, GID uint32
	Mode     uint32 // permission bits (07777), no file type
}

// kernfsAttrs keeps the attributes of a cgroup's kernfs nodes that differ
// from what kernfs creates them with (GLOBAL_ROOT_UID, GLOBAL_ROOT_GID, the
// mode given at creation): the directory ("") and its interface files, by
// name. cgroupfs (the kernfs layer) records them; the core only keeps them
// with the cgroup, since cgrp->kn lives as long as the cgroup does.
//
// Each entry is tagged with the css whose directory population made the
// node (cgroup->self for the directory and the core files, the controller's
// css for its files). When that css is gone (the controller was disabled,
// its files removed, css_clear_dir) the entry is stale: a file made again
// later is a new node, created root's with its default mode.
type kernfsAttrs struct {
	mu sync.Mutex // a leaf lock (kernfs_mutex's role for iattrs)
	m  map[string]kernfsEntry
}

type kernfsEntry struct {
	attr KernfsAttr
	css  *CSS
}

// Iattr returns the attributes recorded for node name of c ("" is the
// directory) if they were recorded while css populated it; ok false means
// kernfs's defaults apply. css is c.Self() for the directory and the core
// files, the controller's current css for a controller file.
func (c *Cgroup) Iattr(name string, css *CSS) (KernfsAttr, bool) {
	c.kn.mu.Lock()
	defer c.kn.mu.Unlock()
	e, ok := c.kn.m[name]
	if !ok || e.css != css {
		return KernfsAttr{}, false
	}
	return e.attr, true
}

// SetIattr mirrors kernfs_setattr on node name of c under the attributes
// lock: fn receives the current attributes (ok false: the defaults, which
// the caller supplies) and returns the new ones, or an error that leaves
// the node unchanged. css tags the entry as in Iattr.
func (c *Cgroup) SetIattr(name string, css *CSS, fn func(cur KernfsAttr, ok bool) (KernfsAttr, error)) error {
	c.kn.mu.Lock()
	defer c.kn.mu.Unlock()
	e, ok := c.kn.m[name]
	if ok && e.css != css {
		ok = false
	}
	if !ok {
		e.attr = KernfsAttr{}
	}
	a, err := fn(e.attr, ok)
	if err != nil {
		return err
	}
	if c.kn.m == nil {
		c.kn.m = make(map[string]kernfsEntry)
	}
	c.kn.m[name] = kernfsEntry{attr: a, css: css}
	return nil
}
