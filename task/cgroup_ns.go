package task

import (
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy"
)

// CgroupNS returns the cgroup namespace t works in, current->nsproxy->
// cgroup_ns, without taking a reference: the one place procfs
// (/proc/<pid>/cgroup paths) and cgroupfs (nsdelegate, mainline's
// open-time namespace) ask for it. t must be running (its nsproxy set).
//
// A task past exit_task_namespaces reads as in init_cgroup_ns.
func (t *Task) CgroupNS() cgroup.CgroupNS {
	if p := t.NSProxy(); p != nil {
		return p.CGROUP()
	}
	return t.k.CgroupNS.Init
}

// current is t as create_new_namespaces reads it (t must be current).
func (t *Task) current() nsproxy.Current {
	return nsproxy.Current{Cred: t.cred, Cgroups: &t.cg, Active: t.ActivePidNS()}
}
