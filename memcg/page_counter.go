package memcg

import (
	"math"
	"strconv"
	"strings"

	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// PAGE_SHIFT and PAGE_SIZE are x86-64's (arch/x86/include/asm/page_types.h).
const (
	PAGE_SHIFT = 12
	PAGE_SIZE  = 1 << PAGE_SHIFT
)

// PAGE_COUNTER_MAX is LONG_MAX / PAGE_SIZE on 64-bit
// (include/linux/page_counter.h): 2251799813685247 pages, which a v1 file
// shows as 9223372036854771712 bytes.
const PAGE_COUNTER_MAX uint64 = math.MaxInt64 / PAGE_SIZE

// PageCounter mirrors struct page_counter (include/linux/page_counter.h).
// The zero value is not ready: Init it. A PageCounter must not be copied
// after Init (its children point at it).
type PageCounter struct {
	usage int64 // atomic_long_t usage

	max  uint64
	high uint64 // mainline (5.8+)
	min  uint64
	low  uint64

	// Effective protection, cached by the reclaim walk (mem_cgroup_protected
	// in 4.19, page_counter_calculate_protection in mainline).
	emin, elow uint64

	minUsage, lowUsage                 int64 // this counter's contribution to its parent
	childrenMinUsage, childrenLowUsage int64

	watermark int64
	failcnt   uint64

	parent *PageCounter
	d      *refcount.Domain // flavour and warning log
	name   string           // "kind id" in warnings, e.g. "memcg /a memory"
}

// Init mirrors page_counter_init (include/linux/page_counter.h): usage 0,
// max (and mainline's high) PAGE_COUNTER_MAX, no protection, the given parent
// (nil for a root, and for a v1 child whose parent has use_hierarchy 0). d
// gives the flavour and the warning log; name labels the counter in
// warnings.
func (c *PageCounter) Init(d *refcount.Domain, parent *PageCounter, name string) {
	*c = PageCounter{max: PAGE_COUNTER_MAX, high: PAGE_COUNTER_MAX, parent: parent, d: d, name: name}
}

func (c *PageCounter) mainline() bool { return c.d.Flavour() == refcount.Mainline }

// Read mirrors page_counter_read: the usage in pages.
func (c *PageCounter) Read() int64 { return c.usage }

// Max, High, Min, Low, Watermark, Failcnt and Parent read the fields of the
// same names; EMin and ELow the cached effective protection; MinUsage,
// LowUsage, ChildrenMinUsage and ChildrenLowUsage the propagation state.
func (c *PageCounter) Max() uint64             { return c.max }
func (c *PageCounter) High() uint64            { return c.high }
func (c *PageCounter) Min() uint64             { return c.min }
func (c *PageCounter) Low() uint64             { return c.low }
func (c *PageCounter) EMin() uint64            { return c.emin }
func (c *PageCounter) ELow() uint64            { return c.elow }
func (c *PageCounter) Watermark() int64        { return c.watermark }
func (c *PageCounter) Failcnt() uint64         { return c.failcnt }
func (c *PageCounter) Parent() *PageCounter    { return c.parent }
func (c *PageCounter) MinUsage() int64         { return c.minUsage }
func (c *PageCounter) LowUsage() int64         { return c.lowUsage }
func (c *PageCounter) ChildrenMinUsage() int64 { return c.childrenMinUsage }
func (c *PageCounter) ChildrenLowUsage() int64 { return c.childrenLowUsage }

// ResetFailcnt mirrors the v1 failcnt write (any value resets it to 0).
func (c *PageCounter) ResetFailcnt() { c.failcnt = 0 }

// ResetWatermark mirrors page_counter_reset_watermark: watermark = usage.
func (c *PageCounter) ResetWatermark() { c.watermark = c.usage }

// propagateProtectedUsage mirrors propagate_protected_usage
// (mm/page_counter.c): for a counter with a parent and a protection (or a
// contribution left from one), swap in the new contribution — 4.19: usage
// when usage <= the protection, else 0; mainline: min(usage, protection) —
// and add the difference to the parent's children_*_usage. usage is the
// kernel's unsigned long.
func (c *PageCounter) propagateProtectedUsage(usage uint64) {
	// The kernel's tests, hoisted: no parent, or no protection and no
	// contribution left from one, is nothing to do (the common case).
	if c.parent == nil || c.min|c.low|uint64(c.minUsage|c.lowUsage) == 0 {
		return
	}
	c.propagateProtected(usage)
}

func (c *PageCounter) propagateProtected(usage uint64) {
	ml := c.mainline()
	contribution := func(setting uint64) int64 {
		if ml {
			return int64(min(usage, setting))
		}
		if usage <= setting {
			return int64(usage)
		}
		return 0
	}
	if c.min != 0 || c.minUsage != 0 {
		p := contribution(c.min)
		delta := p - c.minUsage
		c.minUsage = p
		c.parent.childrenMinUsage += delta
	}
	if c.low != 0 || c.lowUsage != 0 {
		p := contribution(c.low)
		delta := p - c.lowUsage
		c.lowUsage = p
		c.parent.childrenLowUsage += delta
	}
}

// Cancel mirrors page_counter_cancel (mm/page_counter.c): take n pages out
// of this counter alone. 4.19 propagates the new usage and warns
// (WARN_ON_ONCE) when it went below 0, leaving it negative; mainline clamps
// an underflow to 0 with WARN_ONCE before propagating.
func (c *PageCounter) Cancel(n uint64) {
	nv := c.usage - int64(n)
	c.usage = nv
	if c.mainline() {
		if nv < 0 {
			c.warnOnce("page_counter underflow:", "page_counter underflow: "+strconv.FormatInt(nv, 10)+" nr_pages="+strconv.FormatUint(n, 10))
			nv = 0
			c.usage = 0
		}
		c.propagateProtectedUsage(uint64(nv))
		return
	}
	c.propagateProtectedUsage(uint64(nv))
	if nv < 0 {
		c.warnOnce(msgCancel419, msgCancel419)
	}
}

// msgCancel419 is 4.19's WARN_ON_ONCE(new < 0) in page_counter_cancel.
const msgCancel419 = "WARNING at mm/page_counter.c page_counter_cancel: WARN_ON_ONCE(new < 0)"

// warnOnce logs msg unless a warning starting with site was logged before,
// in which case that warning's repeat count goes up: WARN_ONCE is once per
// call site whatever its formatted text.
func (c *PageCounter) warnOnce(site, msg string) {
	if c.d == nil {
		return
	}
	for _, w := range c.d.Warnings() {
		if strings.HasPrefix(w.Message, site) {
			c.d.Warn(w.Object, w.Message)
			return
		}
	}
	c.d.Warn(c.name, msg)
}

// charged is what charge and try_charge do at level l once its new usage nv
// stands: propagate the protected usage (4.19 with the starting counter c,
// mainline with l itself) and raise l's watermark.
func (l *PageCounter) charged(c *PageCounter, nv int64, ml bool) {
	if ml {
		c = l
	}
	c.propagateProtectedUsage(uint64(nv))
	if nv > l.watermark {
		l.watermark = nv
	}
}

// Charge mirrors page_counter_charge (mm/page_counter.c): add n pages at
// every level up to the root, whatever the limits (forced charges), raising
// each level's watermark. 4.19 propagates protected usage with the starting
// counter at every level; mainline with the level itself.
func (c *PageCounter) Charge(n uint64) {
	ml := c.mainline()
	for l := c; l != nil; l = l.parent {
		nv := l.usage + int64(n)
		l.usage = nv
		l.charged(c, nv, ml)
	}
}

// TryCharge mirrors page_counter_try_charge (mm/page_counter.c): walk up
// from c adding n pages at each level; the first level whose new usage
// exceeds its max (the test is new > max, so usage may reach max) takes
// them back, counts the failure in its own failcnt and is returned, after
// every level below it was cancelled (higher levels were never touched).
// A level's watermark rises before the levels above it are tested, so a
// failed attempt can leave a child's watermark above an ancestor's limit.
func (c *PageCounter) TryCharge(n uint64) (fail *PageCounter, ok bool) {
	ml := c.mainline()
	for l := c; l != nil; l = l.parent {
		nv := l.usage + int64(n)
		l.usage = nv
		if uint64(nv) > l.max { // long against unsigned long, as in C
			l.usage -= int64(n)
			if !ml {
				c.propagateProtectedUsage(uint64(nv)) // 4.19 propagates the refused value
			}
			l.failcnt++
			fail = l
			break
		}
		l.charged(c, nv, ml)
	}
	if fail == nil {
		return nil, true
	}
	for l := c; l != fail; l = l.parent {
		l.Cancel(n)
	}
	return fail, false
}

// Uncharge mirrors page_counter_uncharge: Cancel at c and every ancestor.
func (c *PageCounter) Uncharge(n uint64) {
	for l := c; l != nil; l = l.parent {
		l.Cancel(n)
	}
}

// SetMax mirrors page_counter_set_max (mm/page_counter.c): EBUSY when the
// usage is above n, otherwise the new limit. (v1 memory.limit_in_bytes
// reclaims and retries around it; v2 memory.max stores without it.)
func (c *PageCounter) SetMax(n uint64) error {
	if uint64(c.usage) > n { // long against unsigned long
		return uapi.Err("write", uapi.EBUSY, "usage "+strconv.FormatInt(c.usage, 10)+" pages is above the new limit", "page_counter_set_max")
	}
	c.max = n
	return nil
}

// SetHigh mirrors mainline's page_counter_set_high: store memory.high.
func (c *PageCounter) SetHigh(n uint64) { c.high = n }

// SetMin mirrors page_counter_set_min: store the protection, then re-run
// the propagation for c and every ancestor with that level's usage.
func (c *PageCounter) SetMin(n uint64) {
	c.min = n
	for l := c; l != nil; l = l.parent {
		l.propagateProtectedUsage(uint64(l.usage))
	}
}

// SetLow mirrors page_counter_set_low, as SetMin for low.
func (c *PageCounter) SetLow(n uint64) {
	c.low = n
	for l := c; l != nil; l = l.parent {
		l.propagateProtectedUsage(uint64(l.usage))
	}
}
