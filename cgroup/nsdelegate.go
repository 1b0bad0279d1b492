package cgroup

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Root flags (enum in include/linux/cgroup-defs.h): the cgroup2 mount
// options the simulator models. Only the v2 root carries them.
const (
	// CGRP_ROOT_NS_DELEGATE is "nsdelegate" (4.13+): cgroup namespaces are
	// delegation boundaries.
	CGRP_ROOT_NS_DELEGATE uint32 = 1 << 3
	// CGRP_ROOT_PIDS_LOCAL_EVENTS is "pids_localevents" (mainline 6.13):
	// pids.events counts refused forks in the forking cgroup, as on v1.
	CGRP_ROOT_PIDS_LOCAL_EVENTS uint32 = 1 << 20
)

// dflFlags turns the mount options of opt into cgrp_dfl_root.flags
// (cgroup2_parse_param / apply_cgroup_root_flags). pids_localevents exists
// only in mainline.
func (opt Options) dflFlags(env *ns.Env) uint32 {
	var f uint32
	if opt.NSDelegate {
		f |= CGRP_ROOT_NS_DELEGATE
	}
	if opt.PidsLocalEvents && env.Mainline() {
		f |= CGRP_ROOT_PIDS_LOCAL_EVENTS
	}
	return f
}

// Flags returns the root's CGRP_ROOT_* flags (0 on a v1 root here).
func (r *Root) Flags() uint32 { return r.flags }

// NSDelegatable reports CFTYPE_NS_DELEGATABLE of a core interface file:
// cgroup.procs, cgroup.threads and cgroup.subtree_control (4.19 and
// mainline; mainline's memory.oom.group and memory.reclaim are not
// modelled). These stay writable at a namespace root under nsdelegate;
// /sys/kernel/cgroup/delegate lists them.
func NSDelegatable(file string) bool {
	switch file {
	case "cgroup.procs", "cgroup.threads", "cgroup.subtree_control":
		return true
	}
	return false
}

// CheckFileWriteNS mirrors the test that opens cgroup_file_write
// (kernel/cgroup/cgroup.c): on a hierarchy mounted with nsdelegate, a
// writer in a cgroup namespace other than init_cgroup_ns may not write a
// file that is not CFTYPE_NS_DELEGATABLE in the cgroup that is its
// namespace's root (ns->root_cset->dfl_cgrp == cgrp): EPERM. 4.19 takes the
// writer's namespace (current->nsproxy->cgroup_ns), mainline (5.16+) the
// opener's (the cgroup_file_ctx's ns, taken at open).
func (g *Globals) CheckFileWriteNS(c *Cgroup, file string, n CgroupNS) error {
	if c.root.flags&CGRP_ROOT_NS_DELEGATE == 0 || NSDelegatable(file) || n.IsInitNS() {
		return nil
	}
	if n.RootCSet().dflCgrp != c {
		return nil
	}
	return uapi.Err("write", uapi.EPERM, file+" of "+c.label()+", the root of the writer's cgroup namespace, is not delegatable (nsdelegate)", "cgroup_file_write")
}

// CheckProcsNS mirrors the nsdelegate half of cgroup_procs_write_permission
// (kernel/cgroup/cgroup.c), which runs after the permission check on the
// common ancestor's cgroup.procs: when cgroup2 is mounted with nsdelegate,
// both the source and the destination must lie at or below the v2 cgroup
// of the writer's namespace root (ns->root_cset->dfl_cgrp), else ENOENT.
// Even init_cgroup_ns is checked, trivially true. 4.19 takes the writer's
// namespace, mainline the opener's. It may run under cgroup_mutex.
func (g *Globals) CheckProcsNS(src, dst *Cgroup, n CgroupNS) error {
	if g.dfl.flags&CGRP_ROOT_NS_DELEGATE == 0 {
		return nil
	}
	root := n.RootCSet().dflCgrp
	if !src.isDescendant(root) || !dst.isDescendant(root) {
		return uapi.Err("write", uapi.ENOENT, "moving from "+src.label()+" to "+dst.label()+" crosses the writer's cgroup namespace boundary "+root.label()+" (nsdelegate)", "cgroup_procs_write_permission")
	}
	return nil
}
