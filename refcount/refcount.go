package refcount

import (
	"sync"
	"sync/atomic"
)

// Refcount mirrors refcount_t (include/linux/refcount.h, lib/refcount.c).
//
// A Refcount must be initialised with Init before any operation that can
// warn, so it knows its Domain (flavour and warning log) and the owner to
// name in warnings. A Refcount must not be copied after first use.
//
// Operations are lock-free atomics, or plain loads and stores when the
// Domain is serialised (its owner guards every counter with one lock). The
// value is kept as the kernel keeps it: an unsigned 32-bit word that
// Mainline interprets as signed when looking for bad values.
type Refcount struct {
	v     uint32
	plain bool
	d     *Domain
	owner Object
}

// Init mirrors refcount_set (include/linux/refcount.h) used as an
// initialiser (REFCOUNT_INIT): it binds r to domain d, records owner (which
// may be nil) for warning messages, and sets the count to n. Init must
// happen before r is shared with other goroutines.
func (r *Refcount) Init(d *Domain, owner Object, n uint32) {
	r.d = d
	r.owner = owner
	r.plain = d.Serialised()
	r.v = n
}

// The word primitives: atomic instructions, or plain ones under a
// serialised Domain's lock.

func (r *Refcount) load() uint32 {
	if r.plain {
		return r.v
	}
	return atomic.LoadUint32(&r.v)
}

func (r *Refcount) store(n uint32) {
	if r.plain {
		r.v = n
		return
	}
	atomic.StoreUint32(&r.v, n)
}

func (r *Refcount) add(n uint32) uint32 {
	if r.plain {
		r.v += n
		return r.v
	}
	return atomic.AddUint32(&r.v, n)
}

func (r *Refcount) cas(old, new uint32) bool {
	if r.plain {
		if r.v != old {
			return false
		}
		r.v = new
		return true
	}
	return atomic.CompareAndSwapUint32(&r.v, old, new)
}

// Domain returns the Domain r was initialised with, or nil.
func (r *Refcount) Domain() *Domain { return r.d }

// Read mirrors refcount_read (include/linux/refcount.h).
func (r *Refcount) Read() uint32 { return r.load() }

// Set mirrors refcount_set (include/linux/refcount.h).
func (r *Refcount) Set(n uint32) { r.store(n) }

// Saturated reports whether r is in its flavour's saturation state: exactly
// UINT_MAX for Linux419; for Mainline any value that is negative when seen
// as a signed int (the "bad value" range that holds REFCOUNT_SATURATED and
// that every mainline operation pins back to it).
func (r *Refcount) Saturated() bool {
	v := r.load()
	if r.mainline() {
		return int32(v) < 0
	}
	return v == Saturated419
}

func (r *Refcount) mainline() bool { return r.d != nil && r.d.flavour == Mainline }

// warn logs msg against r's owner in r's Domain.
func (r *Refcount) warn(msg string) {
	if r.d == nil {
		panic("refcount: " + msg + " (Refcount used without Init: no Domain to warn into)")
	}
	r.d.Warn(label(r.owner), msg)
}

// saturate mirrors refcount_warn_saturate (mainline lib/refcount.c): pin
// the counter at REFCOUNT_SATURATED and warn.
func (r *Refcount) saturate(msg string) {
	r.store(SaturatedMainline)
	r.warn(msg)
}

// Inc mirrors refcount_inc (lib/refcount.c in 4.19, include/linux/refcount.h
// in mainline). Linux419: an increment on 0 warns MsgIncrementOnZero and
// leaves 0; reaching UINT_MAX warns MsgSaturated; at UINT_MAX nothing
// happens. Mainline: behaves as Add(1).
func (r *Refcount) Inc() {
	if r.mainline() {
		r.addMainline(1)
		return
	}
	if !r.incNotZero419() {
		r.warn(MsgIncrementOnZero)
	}
}

// IncNotZero mirrors refcount_inc_not_zero (lib/refcount.c in 4.19,
// include/linux/refcount.h in mainline). It returns false, changing
// nothing, when the count is 0.
func (r *Refcount) IncNotZero() bool {
	if r.mainline() {
		return r.addNotZeroMainline(1)
	}
	return r.incNotZero419()
}

// Add mirrors refcount_add (lib/refcount.c in 4.19, include/linux/refcount.h
// in mainline). Linux419: an addition on 0 warns MsgAdditionOnZero and
// leaves 0; overflow saturates at UINT_MAX with MsgSaturated. Mainline: n is
// the kernel's int i; an addition on 0 or an overflow pins the counter at
// REFCOUNT_SATURATED with MsgAdditionOnZero or MsgSaturated.
func (r *Refcount) Add(n uint32) {
	if r.mainline() {
		r.addMainline(int32(n))
		return
	}
	if !r.addNotZero419(n) {
		r.warn(MsgAdditionOnZero)
	}
}

// AddNotZero mirrors refcount_add_not_zero (lib/refcount.c in 4.19,
// include/linux/refcount.h in mainline). It returns false when the count
// was 0.
func (r *Refcount) AddNotZero(n uint32) bool {
	if r.mainline() {
		return r.addNotZeroMainline(int32(n))
	}
	return r.addNotZero419(n)
}

// DecAndTest mirrors refcount_dec_and_test (lib/refcount.c in 4.19,
// include/linux/refcount.h in mainline): SubAndTest(1).
func (r *Refcount) DecAndTest() bool { return r.SubAndTest(1) }

// SubAndTest mirrors refcount_sub_and_test (lib/refcount.c in 4.19,
// include/linux/refcount.h in mainline) and reports whether the count
// reached 0. Linux419: a saturated counter is left alone (false); an
// underflow warns MsgUnderflow and leaves the value unchanged (false).
// Mainline: true exactly when the old value equalled n; an underflow or a
// bad old value pins REFCOUNT_SATURATED and warns MsgUnderflow.
func (r *Refcount) SubAndTest(n uint32) bool {
	if r.mainline() {
		return r.subAndTestMainline(int32(n))
	}
	for {
		val := r.load()
		if val == Saturated419 {
			return false
		}
		nv := val - n
		if nv > val {
			r.warn(MsgUnderflow)
			return false
		}
		if r.cas(val, nv) {
			return nv == 0
		}
	}
}

// Dec mirrors refcount_dec (lib/refcount.c in 4.19, include/linux/refcount.h
// in mainline), for drops that must never be the last. Linux419: reaching 0
// warns MsgDecrementHitZero (the value stays 0); underflow warns
// MsgUnderflow. Mainline: an old value <= 1 (including bad values) pins
// REFCOUNT_SATURATED and warns MsgDecrementHitZero.
func (r *Refcount) Dec() {
	if r.mainline() {
		if old := int32(r.add(^uint32(0)) + 1); old <= 1 {
			r.saturate(MsgDecrementHitZero)
		}
		return
	}
	if r.SubAndTest(1) {
		r.warn(MsgDecrementHitZero)
	}
}

// DecIfOne mirrors refcount_dec_if_one (lib/refcount.c): it attempts the
// 1 -> 0 transition and reports whether it happened. It never warns.
func (r *Refcount) DecIfOne() bool { return r.cas(1, 0) }

// DecNotOne mirrors refcount_dec_not_one (lib/refcount.c): it decrements
// unless the count is 1, returning false in that case. A saturated counter
// is left alone (true); a count of 0 warns MsgUnderflow and is left alone
// (true).
func (r *Refcount) DecNotOne() bool {
	sat := r.d.Flavour().SaturationValue()
	for {
		val := r.load()
		if val == sat {
			return true
		}
		if val == 1 {
			return false
		}
		nv := val - 1
		if nv > val {
			r.warn(MsgUnderflow)
			return true
		}
		if r.cas(val, nv) {
			return true
		}
	}
}

// DecAndLock mirrors refcount_dec_and_lock and refcount_dec_and_mutex_lock
// (lib/refcount.c): it decrements, and if the count drops to 0 it returns
// true with l held; otherwise it returns false with l not held. l is only
// taken when the count might reach 0.
func (r *Refcount) DecAndLock(l sync.Locker) bool {
	if r.DecNotOne() {
		return false
	}
	l.Lock()
	if !r.DecAndTest() {
		l.Unlock()
		return false
	}
	return true
}

// incNotZero419 is refcount_inc_not_zero under 4.19 CONFIG_REFCOUNT_FULL.
func (r *Refcount) incNotZero419() bool {
	for {
		val := r.load()
		nv := val + 1
		if val == 0 {
			return false
		}
		if nv == 0 { // val == UINT_MAX: saturated, stays put.
			return true
		}
		if r.cas(val, nv) {
			if nv == Saturated419 {
				r.warn(MsgSaturated)
			}
			return true
		}
	}
}

// addNotZero419 is refcount_add_not_zero under 4.19 CONFIG_REFCOUNT_FULL.
func (r *Refcount) addNotZero419(n uint32) bool {
	for {
		val := r.load()
		if val == 0 {
			return false
		}
		if val == Saturated419 {
			return true
		}
		nv := val + n
		if nv < val {
			nv = Saturated419
		}
		if r.cas(val, nv) {
			if nv == Saturated419 {
				r.warn(MsgSaturated)
			}
			return true
		}
	}
}

// addNotZeroMainline is __refcount_add_not_zero (mainline refcount.h).
// Arithmetic wraps, as the kernel builds with -fno-strict-overflow.
func (r *Refcount) addNotZeroMainline(i int32) bool {
	var old int32
	for {
		old = int32(r.load())
		if old == 0 {
			break
		}
		if r.cas(uint32(old), uint32(old+i)) {
			break
		}
	}
	if old < 0 || old+i < 0 {
		r.saturate(MsgSaturated)
	}
	return old != 0
}

// addMainline is __refcount_add (mainline refcount.h).
func (r *Refcount) addMainline(i int32) {
	old := int32(r.add(uint32(i)) - uint32(i))
	if old == 0 {
		r.saturate(MsgAdditionOnZero)
	} else if old < 0 || old+i < 0 {
		r.saturate(MsgSaturated)
	}
}

// subAndTestMainline is __refcount_sub_and_test (mainline refcount.h).
func (r *Refcount) subAndTestMainline(i int32) bool {
	old := int32(r.add(-uint32(i)) + uint32(i))
	if old == i {
		return true
	}
	if old < 0 || old-i < 0 {
		r.saturate(MsgUnderflow)
	}
	return false
}
