package mntns_test

import (
	"strconv"
	"testing"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// benchBoot is a tree of total mounts: rootfs, an ext4 "/" and total-2
// tmpfs mounts on /m/<i>, all shared as systemd leaves them.
func benchBoot(total int) mntns.Config {
	dirs := make([]string, 0, total)
	for i := range total - 2 {
		dirs = append(dirs, "m/"+strconv.Itoa(i))
	}
	mounts := []mntns.BootMount{{Target: "/", FSType: "ext4", Source: "/dev/sda1", Dev: mntns.MkDev(8, 1), Dirs: dirs}}
	for i := range total - 2 {
		mounts = append(mounts, mntns.BootMount{Target: "/m/" + strconv.Itoa(i), FSType: "tmpfs", Source: "tmpfs"})
	}
	mounts = append(mounts, mntns.BootMount{Target: "/", Propagation: mntns.MS_SHARED | mntns.MS_REC})
	return mntns.Config{Mounts: mounts}
}

// BenchmarkCopyMntNS is unshare(CLONE_NEWNS) and the namespace's release
// for trees of 10, 100 and 1000 mounts: copy_tree clones every mount into
// the peer groups of the originals, put_mnt_ns unmounts them all. The cost
// per mount should stay flat as the tree grows.
func BenchmarkCopyMntNS(b *testing.B) {
	for _, total := range []int{10, 100, 1000} {
		b.Run("mounts="+strconv.Itoa(total), func(b *testing.B) {
			f := newFix(b, refcount.Linux419, benchBoot(total))
			if f.g.Init.MountCount() != total {
				b.Fatalf("boot tree has %d mounts", f.g.Init.MountCount())
			}
			b.ReportAllocs()
			for b.Loop() {
				n, _, err := mntns.CopyMntNS(f.ctx, uapi.CLONE_NEWNS, f.ug.Init, f.g.Init)
				if err != nil {
					b.Fatal(err)
				}
				n.Put(f.ctx)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(total), "ns/mount")
			b.StopTimer()
			f.requireClean(b, total)
		})
	}
}
