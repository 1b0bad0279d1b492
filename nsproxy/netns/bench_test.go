package netns_test

import (
	"testing"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// BenchmarkCopyNetNSPut is unshare(CLONE_NEWNET) and the last put_net: the
// ucount charge, inode number, lo, and cleanup_net giving it all back.
func BenchmarkCopyNetNSPut(b *testing.B) {
	f := newFix(b, refcount.Linux419)
	b.ReportAllocs()
	for b.Loop() {
		n, err := netns.CopyNetNS(f.ctx, uapi.CLONE_NEWNET, f.ug.Init, f.g.Init)
		if err != nil {
			b.Fatal(err)
		}
		n.Put(f.ctx)
	}
	b.StopTimer()
	f.requireClean(b)
}

// BenchmarkLinkAddDel is `ip link add type dummy` and `ip link del dummy0`
// in a namespace that already holds a few devices.
func BenchmarkLinkAddDel(b *testing.B) {
	f := newFix(b, refcount.Linux419)
	n := f.newNS(b)
	for range 4 {
		must(netns.LinkAdd(f.ctx, n, f.root, "veth", "", "", nil))
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := netns.LinkAdd(f.ctx, n, f.root, "dummy", "d0", "", nil); err != nil {
			b.Fatal(err)
		}
		if err := netns.LinkDel(f.ctx, n, f.root, "d0"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n.Put(f.ctx)
	f.requireClean(b)
}

// BenchmarkVethAcrossDel is a veth pair across two namespaces, deleted
// from the peer's side.
func BenchmarkVethAcrossDel(b *testing.B) {
	f := newFix(b, refcount.Linux419)
	x, y := f.newNS(b), f.newNS(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := netns.LinkAdd(f.ctx, x, f.root, "veth", "h0", "c0", y); err != nil {
			b.Fatal(err)
		}
		if err := netns.LinkDel(f.ctx, y, f.root, "c0"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	x.Put(f.ctx)
	y.Put(f.ctx)
	f.requireClean(b)
}

// BenchmarkShowDev renders /proc/net/dev for init_net plus eight devices.
func BenchmarkShowDev(b *testing.B) {
	f := newFix(b, refcount.Linux419)
	for range 4 {
		must(netns.LinkAdd(f.ctx, f.g.Init, f.root, "veth", "", "", nil))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = f.g.Init.ShowDev()
	}
}
