package task

import (
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/mntns"
)

// DefaultMounts is the boot mount tree of a plain machine like the one the
// differential tests run on (no systemd, so every mount is private): the
// root disk at / (ext4 on /dev/vda, 254:0), proc at /proc, sysfs at /sys,
// and the cgroup hierarchies of cg under /sys/fs/cgroup — cgroup2 itself
// when only the v2 hierarchy exists, else a tmpfs holding one cgroup mount
// per v1 hierarchy (named after its controllers) and cgroup2 at "unified".
// /tmp and /mnt are empty directories of the root disk.
func DefaultMounts(cg *cgroup.Globals) []mntns.BootMount {
	m := []mntns.BootMount{
		{Target: "/", FSType: "ext4", Source: "/dev/vda", Dev: mntns.MkDev(254, 0), Dirs: []string{"tmp", "mnt"}},
		{Target: "/proc", FSType: "proc", Source: "proc"},
		{Target: "/sys", FSType: "sysfs", Source: "sysfs"},
	}
	var v1 []*cgroup.Root
	for _, r := range cg.Roots() {
		if !r.IsDfl() {
			v1 = append(v1, r)
		}
	}
	if len(v1) == 0 {
		return append(m, mntns.BootMount{Target: "/sys/fs/cgroup", FSType: "cgroup2", Source: "cgroup2"})
	}
	m = append(m, mntns.BootMount{Target: "/sys/fs/cgroup", FSType: "tmpfs", Source: "tmpfs", Options: ",mode=755"})
	for _, r := range v1 {
		m = append(m, mntns.BootMount{Target: "/sys/fs/cgroup/" + r.Name(), FSType: "cgroup", Source: "cgroup", Options: "," + r.Name()})
	}
	return append(m, mntns.BootMount{Target: "/sys/fs/cgroup/unified", FSType: "cgroup2", Source: "cgroup2"})
}
