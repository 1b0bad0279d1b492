package refcount

import "sync/atomic"

// Atomic mirrors atomic_t (include/linux/atomic.h, arch asm/atomic.h): a
// 32-bit signed counter with no overflow or underflow checks; it wraps
// silently. The zero value is 0 and uses atomic instructions; Init against
// a serialised Domain makes it a plain word that the Domain's owner guards
// (see Domain.Serialised). An Atomic must not be copied after first use.
type Atomic struct {
	v     int32
	plain bool
}

// Init sets the counter to i (ATOMIC_INIT) and binds it to d's locking
// mode: plain operations when d is serialised, atomic ones otherwise. Init
// must happen before a is shared; d may be nil (atomic).
func (a *Atomic) Init(d *Domain, i int32) {
	a.plain = d.Serialised()
	a.v = i
}

func (a *Atomic) add(i int32) int32 {
	if a.plain {
		a.v += i
		return a.v
	}
	return atomic.AddInt32(&a.v, i)
}

func (a *Atomic) load() int32 {
	if a.plain {
		return a.v
	}
	return atomic.LoadInt32(&a.v)
}

func (a *Atomic) cas(old, new int32) bool {
	if a.plain {
		if a.v != old {
			return false
		}
		a.v = new
		return true
	}
	return atomic.CompareAndSwapInt32(&a.v, old, new)
}

// Set mirrors atomic_set (arch asm/atomic.h).
func (a *Atomic) Set(i int32) {
	if a.plain {
		a.v = i
		return
	}
	atomic.StoreInt32(&a.v, i)
}

// Read mirrors atomic_read (arch asm/atomic.h).
func (a *Atomic) Read() int32 { return a.load() }

// Inc mirrors atomic_inc (arch asm/atomic.h).
func (a *Atomic) Inc() { a.add(1) }

// Dec mirrors atomic_dec (arch asm/atomic.h).
func (a *Atomic) Dec() { a.add(-1) }

// Add mirrors atomic_add (arch asm/atomic.h).
func (a *Atomic) Add(i int32) { a.add(i) }

// Sub mirrors atomic_sub (arch asm/atomic.h).
func (a *Atomic) Sub(i int32) { a.add(-i) }

// AddReturn mirrors atomic_add_return (arch asm/atomic.h): it returns the
// new value.
func (a *Atomic) AddReturn(i int32) int32 { return a.add(i) }

// SubReturn mirrors atomic_sub_return (arch asm/atomic.h).
func (a *Atomic) SubReturn(i int32) int32 { return a.add(-i) }

// IncReturn mirrors atomic_inc_return (include/linux/atomic.h).
func (a *Atomic) IncReturn() int32 { return a.add(1) }

// DecReturn mirrors atomic_dec_return (include/linux/atomic.h).
func (a *Atomic) DecReturn() int32 { return a.add(-1) }

// DecAndTest mirrors atomic_dec_and_test (arch asm/atomic.h): it reports
// whether the new value is 0.
func (a *Atomic) DecAndTest() bool { return a.add(-1) == 0 }

// SubAndTest mirrors atomic_sub_and_test (arch asm/atomic.h).
func (a *Atomic) SubAndTest(i int32) bool { return a.add(-i) == 0 }

// IncNotZero mirrors atomic_inc_not_zero (include/linux/atomic.h): it
// increments unless the value is 0 and reports whether it did.
func (a *Atomic) IncNotZero() bool { return a.AddUnless(1, 0) }

// AddUnless mirrors atomic_add_unless (include/linux/atomic.h): it adds i
// unless the value is u, and reports whether it added.
func (a *Atomic) AddUnless(i, u int32) bool {
	for {
		c := a.load()
		if c == u {
			return false
		}
		if a.cas(c, c+i) {
			return true
		}
	}
}

// DecIfPositive mirrors atomic_dec_if_positive (include/linux/atomic.h): it
// decrements only if the result is not negative and returns the old value
// minus one either way.
func (a *Atomic) DecIfPositive() int32 {
	for {
		c := a.load()
		dec := c - 1
		if dec < 0 {
			return dec
		}
		if a.cas(c, dec) {
			return dec
		}
	}
}

// Cmpxchg mirrors atomic_cmpxchg (arch asm/atomic.h): it stores new if the
// value is old and returns the value it found.
func (a *Atomic) Cmpxchg(old, new int32) int32 {
	for {
		c := a.load()
		if c != old {
			return c
		}
		if a.cas(old, new) {
			return old
		}
	}
}

// Xchg mirrors atomic_xchg (arch asm/atomic.h): it stores i and returns the
// previous value.
func (a *Atomic) Xchg(i int32) int32 {
	if a.plain {
		old := a.v
		a.v = i
		return old
	}
	return atomic.SwapInt32(&a.v, i)
}
