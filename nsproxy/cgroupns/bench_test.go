package cgroupns_test

import (
	"testing"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/uapi"
)

// copy_cgroup_ns with CLONE_NEWCGROUP and the put that frees the namespace:
// ucount charge, css_set pin, inode number, owner reference, and back.
func BenchmarkCopyCgroupNSPut(b *testing.B) {
	k, err := kernsim.Boot(kernsim.Config{Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}}})
	if err != nil {
		b.Fatal(err)
	}
	init := k.Init()
	g := cgroupns.NewGlobals(&k.Env, k.UserNS, k.Cgroup.InitCSSSet())
	b.ReportAllocs()
	for b.Loop() {
		n, err := cgroupns.CopyCgroupNS(init.Ctx(), uapi.CLONE_NEWCGROUP, init.UserNS(), init.Cred(), init.CgroupTask(), g.Init)
		if err != nil {
			b.Fatal(err)
		}
		n.Put(init.Ctx())
	}
	b.StopTimer()
	k.PowerOff()
	if err := k.Leaks(); err != nil {
		b.Fatal(err)
	}
}
