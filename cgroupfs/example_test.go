package cgroupfs_test

import (
	"fmt"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
)

// Delegating a cgroup2 subtree to a user (cgroup-v2.rst "Delegation"):
// root chowns the directory and its cgroup.procs, cgroup.threads and
// cgroup.subtree_control. The user's children are its own, with their
// files, so it limits them — but not the delegated cgroup itself, whose
// pids.max root made — and it moves processes only between cgroups whose
// common ancestor's cgroup.procs it may write.
func Example_delegation() {
	k, _ := kernsim.Boot(kernsim.Config{Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{cgroup.NewPidsController()}}})
	defer k.PowerOff()
	init := k.Init()
	const user = "/sys/fs/cgroup/user"
	_, _ = init.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", "+pids")
	_ = init.Mkdir(user, 0o755)
	for _, f := range []string{"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control"} {
		_ = init.Chown(user+f, 1000, 1000)
	}
	u, _ := init.Fork()
	_ = u.Setresgid(1000, 1000, 1000)
	_ = u.Setresuid(1000, 1000, 1000)

	show := func(what string, err error) { fmt.Printf("%-36s %v\n", what+":", err) }
	show("mkdir user/job", u.Mkdir(user+"/job", 0o755))
	_, err := u.WriteFile(user+"/cgroup.subtree_control", "+pids")
	show("enable pids below user", err)
	_, err = u.WriteFile(user+"/job/pids.max", "10")
	show("limit user/job", err)
	_, err = u.WriteFile(user+"/pids.max", "10")
	show("limit user itself", err)
	_, err = u.WriteFile(user+"/job/cgroup.procs", fmt.Sprint(u.PID()))
	show("move itself from / into user/job", err)
	_, _ = init.WriteFile(user+"/job/cgroup.procs", fmt.Sprint(u.PID()))
	_ = u.Mkdir(user+"/other", 0o755)
	_, err = u.WriteFile(user+"/other/cgroup.procs", fmt.Sprint(u.PID()))
	show("move itself from user/job to other", err)

	_, _ = init.WriteFile("/sys/fs/cgroup/cgroup.procs", fmt.Sprint(u.PID()))
	for _, d := range []string{"/job", "/other", ""} {
		_ = init.Rmdir(user + d)
	}
	// Output:
	// mkdir user/job:                      <nil>
	// enable pids below user:              <nil>
	// limit user/job:                      <nil>
	// limit user itself:                   open: EACCES (Permission denied): permission denied (generic_permission)
	// move itself from / into user/job:    write: EACCES (Permission denied): no write permission on the common ancestor's /cgroup.procs (cgroup_procs_write_permission)
	// move itself from user/job to other:  <nil>
}
