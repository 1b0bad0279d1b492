package refcount

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAtomic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start int32
		op    func(a *Atomic) any
		ret   any // nil when the operation returns nothing
		want  int32
	}{
		{"set", 3, func(a *Atomic) any { a.Set(-9); return nil }, nil, -9},
		{"read", 42, func(a *Atomic) any { return a.Read() }, int32(42), 42},
		{"inc", 1, func(a *Atomic) any { a.Inc(); return nil }, nil, 2},
		{"inc wraps silently", math.MaxInt32, func(a *Atomic) any { a.Inc(); return nil }, nil, math.MinInt32},
		{"dec", 2, func(a *Atomic) any { a.Dec(); return nil }, nil, 1},
		{"dec below zero silently", 0, func(a *Atomic) any { a.Dec(); return nil }, nil, -1},
		{"add", 2, func(a *Atomic) any { a.Add(5); return nil }, nil, 7},
		{"add wraps", math.MaxInt32 - 1, func(a *Atomic) any { a.Add(3); return nil }, nil, math.MinInt32 + 1},
		{"sub", 7, func(a *Atomic) any { a.Sub(5); return nil }, nil, 2},
		{"sub negative", 1, func(a *Atomic) any { a.Sub(3); return nil }, nil, -2},
		{"add_return", 1, func(a *Atomic) any { return a.AddReturn(4) }, int32(5), 5},
		{"sub_return", 1, func(a *Atomic) any { return a.SubReturn(4) }, int32(-3), -3},
		{"inc_return", 1, func(a *Atomic) any { return a.IncReturn() }, int32(2), 2},
		{"dec_return", 1, func(a *Atomic) any { return a.DecReturn() }, int32(0), 0},
		{"dec_and_test to zero", 1, func(a *Atomic) any { return a.DecAndTest() }, true, 0},
		{"dec_and_test not zero", 2, func(a *Atomic) any { return a.DecAndTest() }, false, 1},
		{"dec_and_test from zero", 0, func(a *Atomic) any { return a.DecAndTest() }, false, -1},
		{"sub_and_test to zero", 4, func(a *Atomic) any { return a.SubAndTest(4) }, true, 0},
		{"sub_and_test not zero", 4, func(a *Atomic) any { return a.SubAndTest(5) }, false, -1},
		{"inc_not_zero on zero", 0, func(a *Atomic) any { return a.IncNotZero() }, false, 0},
		{"inc_not_zero", 3, func(a *Atomic) any { return a.IncNotZero() }, true, 4},
		{"inc_not_zero negative", -1, func(a *Atomic) any { return a.IncNotZero() }, true, 0},
		{"add_unless hit", 5, func(a *Atomic) any { return a.AddUnless(2, 5) }, false, 5},
		{"add_unless miss", 4, func(a *Atomic) any { return a.AddUnless(2, 5) }, true, 6},
		{"add_unless -1 unless 1", 1, func(a *Atomic) any { return a.AddUnless(-1, 1) }, false, 1},
		{"dec_if_positive", 2, func(a *Atomic) any { return a.DecIfPositive() }, int32(1), 1},
		{"dec_if_positive to zero", 1, func(a *Atomic) any { return a.DecIfPositive() }, int32(0), 0},
		{"dec_if_positive on zero", 0, func(a *Atomic) any { return a.DecIfPositive() }, int32(-1), 0},
		{"cmpxchg match", 3, func(a *Atomic) any { return a.Cmpxchg(3, 8) }, int32(3), 8},
		{"cmpxchg mismatch", 4, func(a *Atomic) any { return a.Cmpxchg(3, 8) }, int32(4), 4},
		{"xchg", 4, func(a *Atomic) any { return a.Xchg(9) }, int32(4), 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a Atomic
			a.Set(tc.start)
			assert.Equal(t, tc.ret, tc.op(&a))
			assert.Equal(t, tc.want, a.Read())
		})
		// The same operation on a plain counter of a serialised domain.
		t.Run(tc.name+"/serial", func(t *testing.T) {
			var a Atomic
			a.Init(NewSerialDomain(Linux419), tc.start)
			assert.True(t, a.plain)
			assert.Equal(t, tc.ret, tc.op(&a))
			assert.Equal(t, tc.want, a.Read())
		})
	}
}

func TestAtomicZeroValue(t *testing.T) {
	var a Atomic
	assert.Equal(t, int32(0), a.Read())
	assert.False(t, a.IncNotZero())
}

func TestAtomicConcurrent(t *testing.T) {
	const workers, per = 8, 5000
	var a Atomic
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range per {
				if w%2 == 0 {
					a.Inc()
				} else {
					a.Add(3)
					a.Sub(1)
				}
				a.AddUnless(1, math.MaxInt32)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(workers/2*per+workers/2*2*per+workers*per), a.Read())
}
