package memcg

import (
	"testing"
)

// The charge hot path: a page fault's try_charge of one page three levels
// deep, and its uncharge.
func BenchmarkTryChargeUncharge(b *testing.B) {
	for _, f := range flavours {
		b.Run(f.String(), func(b *testing.B) {
			tr := newTree(f)
			if err := tr.a.SetMax(1 << 20); err != nil {
				b.Fatal(err)
			}
			tr.b.SetLow(100)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := tr.b.TryCharge(1); !ok {
					b.Fatal("refused")
				}
				tr.b.Uncharge(1)
			}
		})
	}
}

func BenchmarkPageCounterMemparse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PageCounterMemparse("512M", "max"); err != nil {
			b.Fatal(err)
		}
	}
}

// A reclaim scan batch: isolate SWAP_CLUSTER_MAX (32) pages from the
// inactive tail and put them back.
func BenchmarkIsolatePutback32(b *testing.B) {
	m, v := NewMemMap(1024), NewLruvec()
	for range 1024 {
		pfn, _ := m.AllocPage()
		m.LruCacheAdd(v, pfn)
	}
	iso := NewPageList()
	b.ReportAllocs()
	for b.Loop() {
		m.IsolateLRUPages(v, 32, LRU_INACTIVE_FILE, &iso)
		m.PutbackLRUPages(v, &iso)
	}
}

// A page-cache page touched twice (marked, then activated) and put back on
// the inactive list.
func BenchmarkMarkPageAccessedActivate(b *testing.B) {
	m, v := NewMemMap(1), NewLruvec()
	pfn, _ := m.AllocPage()
	m.LruCacheAdd(v, pfn)
	p := m.Page(pfn)
	b.ReportAllocs()
	for b.Loop() {
		m.MarkPageAccessed(v, pfn)
		m.MarkPageAccessed(v, pfn)
		m.DelPageFromLRUList(v, pfn, LRU_ACTIVE_FILE)
		p.ClearFlags(PG_active)
		m.AddPageToLRUList(v, pfn, LRU_INACTIVE_FILE)
	}
}

// Reclaim computes the effective protection of every memcg it visits, top
// down: a parent and its child.
func BenchmarkProtection(b *testing.B) {
	for _, f := range flavours {
		b.Run(f.String(), func(b *testing.B) {
			root, p, cs := family(f, 100, 100, [][3]uint64{{50, 20, 20}, {30, 0, 10}})
			b.ReportAllocs()
			for b.Loop() {
				if f == flavours[0] {
					p.Protected419(root)
					cs[0].Protected419(root)
				} else {
					p.CalculateProtection(root, true)
					cs[0].CalculateProtection(root, true)
				}
			}
		})
	}
}

// get_scan_count runs once per lruvec per reclaim priority.
func BenchmarkGetScanCount(b *testing.B) {
	v := sizedLruvec(40960, 1000, 100, 200)
	in := ScanInput{Priority: 4, MaySwap: true, Swappiness: 60, NrSwapPages: 1 << 20, Online: true}
	b.ReportAllocs()
	for b.Loop() {
		v.GetScanCount(in)
	}
}
