package timens_test

import (
	"testing"

	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/uapi"
)

// BenchmarkClockGettime reads CLOCK_MONOTONIC in a frozen namespace with
// offsets: the clock_gettime path of a task in a container.
func BenchmarkClockGettime(b *testing.B) {
	f := newFix(b)
	n := f.newNS(b, f.users.Init)
	if _, err := timens.SetOffsets(f.ctx, n, &f.root, []byte("monotonic 1000 0\nboottime 2000 0")); err != nil {
		b.Fatal(err)
	}
	timens.Commit(f.ctx, n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := timens.ClockGettime(n, timens.CLOCK_MONOTONIC); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n.Put(f.ctx)
	f.requireClean(b)
}

// BenchmarkCopyTimeNSPut is unshare(CLONE_NEWTIME)'s namespace half and the
// matching free: charge, inode number, owner reference, and back.
func BenchmarkCopyTimeNSPut(b *testing.B) {
	f := newFix(b)
	b.ReportAllocs()
	for b.Loop() {
		n, err := timens.CopyTimeNS(f.ctx, uapi.CLONE_NEWTIME, f.users.Init, f.g.Init)
		if err != nil {
			b.Fatal(err)
		}
		n.Put(f.ctx)
	}
	b.StopTimer()
	f.requireClean(b)
}

// BenchmarkWriteOffsets is one two-line write to timens_offsets.
func BenchmarkWriteOffsets(b *testing.B) {
	f := newFix(b)
	n := f.newNS(b, f.users.Init)
	text := []byte("monotonic 86400 0\nboottime 172800 0\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := timens.SetOffsets(f.ctx, n, &f.root, text); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n.Put(f.ctx)
	f.requireClean(b)
}
