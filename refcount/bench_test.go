package refcount

import "testing"

func BenchmarkRefcountIncDec(b *testing.B) {
	for _, f := range []Flavour{Linux419, Mainline} {
		b.Run(f.String(), func(b *testing.B) {
			var r Refcount
			r.Init(NewDomain(f), nil, 1)
			b.ReportAllocs()
			for b.Loop() {
				r.Inc()
				r.Dec()
			}
			if r.Read() != 1 {
				b.Fatalf("count %d, want 1", r.Read())
			}
		})
	}
}

func BenchmarkKrefGetPut(b *testing.B) {
	for _, f := range []Flavour{Linux419, Mainline} {
		b.Run(f.String(), func(b *testing.B) {
			var k Kref
			k.Init(NewDomain(f), nil)
			b.ReportAllocs()
			for b.Loop() {
				k.Get()
				if k.Put(nil) {
					b.Fatal("released")
				}
			}
		})
	}
}

func BenchmarkTrackUntrack(b *testing.B) {
	d := NewDomain(Linux419)
	// Keep some objects live so Track/Untrack work on a non-empty list.
	others := make([]*obj, 64)
	for i := range others {
		others[i] = newObj("cred", i)
		d.Track(&others[i].node, others[i])
	}
	o := newObj("cred", -1)
	b.ReportAllocs()
	for b.Loop() {
		d.Track(&o.node, o)
		d.Untrack(&o.node)
	}
	if d.LiveCount() != len(others) {
		b.Fatalf("live %d", d.LiveCount())
	}
}

func BenchmarkRefcountIncDecParallel(b *testing.B) {
	var r Refcount
	r.Init(NewDomain(Mainline), nil, 1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Inc()
			r.Dec()
		}
	})
}
