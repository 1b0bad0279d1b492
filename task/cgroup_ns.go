package task

import "github.com/kernsim/kernsim/cgroup"

// CgroupNS returns the cgroup namespace t works in, current->nsproxy->
// cgroup_ns, without taking a reference: the one place procfs
// (/proc/<pid>/cgroup paths) and cgroupfs (nsdelegate, mainline's
// open-time namespace) ask for it. t must be running (its nsproxy set).
//
// Until nsproxy holds cgroup namespaces every task is in init_cgroup_ns;
// once it does, this returns t.NSProxy().CGROUP() (a
// *cgroupns.Namespace implements cgroup.CgroupNS).
func (t *Task) CgroupNS() cgroup.CgroupNS {
	return t.k.Cgroup.InitCgroupNS()
}
