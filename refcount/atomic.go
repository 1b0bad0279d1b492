package refcount

import "sync/atomic"

// Atomic mirrors atomic_t (include/linux/atomic.h, arch asm/atomic.h): a
// 32-bit signed counter with no overflow or underflow checks; it wraps
// silently. The zero value is 0. All methods are atomic. An Atomic must not
// be copied after first use.
type Atomic struct {
	v atomic.Int32
}

// Set mirrors atomic_set (arch asm/atomic.h).
func (a *Atomic) Set(i int32) { a.v.Store(i) }

// Read mirrors atomic_read (arch asm/atomic.h).
func (a *Atomic) Read() int32 { return a.v.Load() }

// Inc mirrors atomic_inc (arch asm/atomic.h).
func (a *Atomic) Inc() { a.v.Add(1) }

// Dec mirrors atomic_dec (arch asm/atomic.h).
func (a *Atomic) Dec() { a.v.Add(-1) }

// Add mirrors atomic_add (arch asm/atomic.h).
func (a *Atomic) Add(i int32) { a.v.Add(i) }

// Sub mirrors atomic_sub (arch asm/atomic.h).
func (a *Atomic) Sub(i int32) { a.v.Add(-i) }

// AddReturn mirrors atomic_add_return (arch asm/atomic.h): it returns the
// new value.
func (a *Atomic) AddReturn(i int32) int32 { return a.v.Add(i) }

// SubReturn mirrors atomic_sub_return (arch asm/atomic.h).
func (a *Atomic) SubReturn(i int32) int32 { return a.v.Add(-i) }

// IncReturn mirrors atomic_inc_return (include/linux/atomic.h).
func (a *Atomic) IncReturn() int32 { return a.v.Add(1) }

// DecReturn mirrors atomic_dec_return (include/linux/atomic.h).
func (a *Atomic) DecReturn() int32 { return a.v.Add(-1) }

// DecAndTest mirrors atomic_dec_and_test (arch asm/atomic.h): it reports
// whether the new value is 0.
func (a *Atomic) DecAndTest() bool { return a.v.Add(-1) == 0 }

// SubAndTest mirrors atomic_sub_and_test (arch asm/atomic.h).
func (a *Atomic) SubAndTest(i int32) bool { return a.v.Add(-i) == 0 }

// IncNotZero mirrors atomic_inc_not_zero (include/linux/atomic.h): it
// increments unless the value is 0 and reports whether it did.
func (a *Atomic) IncNotZero() bool { return a.AddUnless(1, 0) }

// AddUnless mirrors atomic_add_unless (include/linux/atomic.h): it adds i
// unless the value is u, and reports whether it added.
func (a *Atomic) AddUnless(i, u int32) bool {
	for {
		c := a.v.Load()
		if c == u {
			return false
		}
		if a.v.CompareAndSwap(c, c+i) {
			return true
		}
	}
}

// DecIfPositive mirrors atomic_dec_if_positive (include/linux/atomic.h): it
// decrements only if the result is not negative and returns the old value
// minus one either way.
func (a *Atomic) DecIfPositive() int32 {
	for {
		c := a.v.Load()
		dec := c - 1
		if dec < 0 {
			return dec
		}
		if a.v.CompareAndSwap(c, dec) {
			return dec
		}
	}
}

// Cmpxchg mirrors atomic_cmpxchg (arch asm/atomic.h): it stores new if the
// value is old and returns the value it found.
func (a *Atomic) Cmpxchg(old, new int32) int32 {
	for {
		c := a.v.Load()
		if c != old {
			return c
		}
		if a.v.CompareAndSwap(old, new) {
			return old
		}
	}
}

// Xchg mirrors atomic_xchg (arch asm/atomic.h): it stores i and returns the
// previous value.
func (a *Atomic) Xchg(i int32) int32 { return a.v.Swap(i) }
