package cgroupns_test

import (
	"fmt"
	"strings"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/uapi"
)

// A process in /sys/fs/cgroup/pids/a makes a cgroup namespace: its root is
// the process's css_set, so through the namespace /a reads "/", a cgroup
// below it "/sub", the hierarchy's root "/.." and a sibling "/../b"
// (cgroup_path_ns, as unshare -C shows on Linux). The v2 hierarchy, where
// every task is in the root, reads "/" everywhere.
func ExampleCopyCgroupNS() {
	k, _ := kernsim.Boot(kernsim.Config{Cgroup: cgroup.Options{
		Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: [][]string{{"pids"}}}})
	init := k.Init()
	for _, d := range []string{"a", "a/sub", "b"} {
		_ = init.Mkdir("/sys/fs/cgroup/pids/"+d, 0o755)
	}
	c, _ := init.Fork()
	_, _ = init.WriteFile("/sys/fs/cgroup/pids/a/cgroup.procs", fmt.Sprint(c.PID()))

	g := cgroupns.NewGlobals(&k.Env, k.UserNS, k.Cgroup.InitCSSSet())
	n, err := cgroupns.CopyCgroupNS(c.Ctx(), uapi.CLONE_NEWCGROUP, c.UserNS(), c.Cred(), c.CgroupTask(), g.Init)
	if err != nil {
		panic(err)
	}
	fmt.Println(n.Link(), "count", n.Count(), "owner", n.UserNS().Link())

	pids := k.Cgroup.SubsysRoot(k.Cgroup.SubsysID("pids")).Cgroup()
	for _, p := range []string{"", "a", "a/sub", "b"} {
		cg := pids
		for _, name := range strings.Split(p, "/") {
			if name != "" {
				cg = cg.Child(name)
			}
		}
		fmt.Printf("%-6s -> %s\n", "/"+p, k.Cgroup.PathNS(cg, n))
	}
	text, _ := k.Cgroup.ProcCgroupTask(init.Ctx(), init.CgroupTask(), false, n.RootCSet())
	fmt.Print("init's /proc/1/cgroup through the namespace:\n", text)

	n.Put(init.Ctx())
	_ = c.Exit(0)
	_, _, _ = init.Wait(c.PID(), 0)
	for _, d := range []string{"a/sub", "a", "b"} {
		_ = init.Rmdir("/sys/fs/cgroup/pids/" + d)
	}
	k.PowerOff()
	fmt.Println("leaks:", k.Leaks())
	// Output:
	// cgroup:[4026531993] count 1 owner user:[4026531837]
	// /      -> /..
	// /a     -> /
	// /a/sub -> /sub
	// /b     -> /../b
	// init's /proc/1/cgroup through the namespace:
	// 1:pids:/..
	// 0::/
	// leaks: <nil>
}
