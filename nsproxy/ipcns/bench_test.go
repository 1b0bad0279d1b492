package ipcns_test

import (
	"testing"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// BenchmarkShmgetRmid creates a keyed segment and removes it again:
// ipcget_public → newseg → ipc_addid, then shmctl_down → shm_destroy.
func BenchmarkShmgetRmid(b *testing.B) {
	for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		b.Run(fl.String(), func(b *testing.B) {
			f := newFix(b, fl)
			n := f.newNS(b)
			b.ReportAllocs()
			for b.Loop() {
				id, err := ipcns.Shmget(f.ctx, n, f.root, 0x1234, 4096, ipcns.IPC_CREAT|0o600)
				if err != nil {
					b.Fatal(err)
				}
				if err := ipcns.Rmid(f.ctx, n, f.root, ipcns.SHM, id); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			n.Put(f.ctx)
		})
	}
}

// BenchmarkCopyIPCs creates and frees an empty ipc namespace: the ucount
// charge, inode number, owner reference and three empty registries, then
// free_ipc_ns.
func BenchmarkCopyIPCs(b *testing.B) {
	f := newFix(b, refcount.Linux419)
	b.ReportAllocs()
	for b.Loop() {
		n, err := ipcns.CopyIPCs(f.ctx, uapi.CLONE_NEWIPC, f.ug.Init, f.g.Init)
		if err != nil {
			b.Fatal(err)
		}
		n.Put(f.ctx)
	}
}
