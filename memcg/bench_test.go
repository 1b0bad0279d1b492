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
