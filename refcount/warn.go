package refcount

import (
	"fmt"
	"sync"
)

// Flavour selects which kernel's refcount_t semantics a Domain follows.
type Flavour uint8

const (
	// Linux419 is Linux 4.19.13 with CONFIG_REFCOUNT_FULL: saturation at
	// UINT_MAX, underflow leaves the counter unchanged (lib/refcount.c).
	Linux419 Flavour = iota
	// Mainline is lib/refcount.c since 5.5: every bad transition calls
	// refcount_warn_saturate and pins the counter at REFCOUNT_SATURATED.
	Mainline
)

// String returns "4.19.13" or "mainline".
func (f Flavour) String() string {
	switch f {
	case Linux419:
		return "4.19.13"
	case Mainline:
		return "mainline"
	default:
		return fmt.Sprintf("Flavour(%d)", uint8(f))
	}
}

// SaturationValue returns the value at which a refcount_t of this flavour is
// pinned: UINT_MAX for Linux419 (lib/refcount.c) and REFCOUNT_SATURATED,
// INT_MIN/2, for Mainline (include/linux/refcount.h).
func (f Flavour) SaturationValue() uint32 {
	if f == Mainline {
		return SaturatedMainline
	}
	return Saturated419
}

const (
	// Saturated419 is UINT_MAX, where a 4.19 REFCOUNT_FULL refcount_t sticks.
	Saturated419 uint32 = 0xffffffff
	// SaturatedMainline is REFCOUNT_SATURATED (INT_MIN / 2) seen as unsigned.
	SaturatedMainline uint32 = 0xc0000000
	// RefcountMaxMainline is REFCOUNT_MAX (INT_MAX), the largest good value
	// of a mainline refcount_t.
	RefcountMaxMainline uint32 = 0x7fffffff
)

// Warning texts emitted by refcount_t, as printed by the kernel (without the
// trailing newline). Both flavours use the same texts; only Linux419 ever
// emits MsgIncrementOnZero, mainline reports that case as MsgAdditionOnZero.
const (
	MsgSaturated        = "refcount_t: saturated; leaking memory."
	MsgIncrementOnZero  = "refcount_t: increment on 0; use-after-free."
	MsgAdditionOnZero   = "refcount_t: addition on 0; use-after-free."
	MsgUnderflow        = "refcount_t: underflow; use-after-free."
	MsgDecrementHitZero = "refcount_t: decrement hit 0; leaking memory."
)

// Warning is one WARN_ONCE line of a Domain's kernel log.
type Warning struct {
	// Message is the warning text, without trailing newline.
	Message string
	// Object is "kind id" of the object whose counter first triggered the
	// warning, or "" when unknown.
	Object string
	// Repeats counts how many times the same message fired again after the
	// first occurrence. WARN_ONCE prints only once; the repeats are kept so
	// tests can see them.
	Repeats int
}

// Domain is the per-Kernel context of the reference-counting machinery: the
// refcount_t flavour, the kernel warning log and the live-object registry.
// A Domain from NewDomain is safe for concurrent use, and so are the
// counters initialised against it. A Domain from NewSerialDomain belongs to
// an owner that runs every operation on its counters and registry under one
// lock of its own (a Kernel's big lock): the counters are then plain words
// and the registry takes no lock of its own. The zero value is a usable
// Linux419 domain, but NewDomain is the intended constructor.
type Domain struct {
	flavour Flavour
	serial  bool

	// warnMu is a leaf lock guarding warnings and warnIdx.
	warnMu   sync.Mutex
	warnings []Warning
	warnIdx  map[string]int

	// regMu is a leaf lock guarding the registry below.
	regMu sync.Mutex
	// head is the sentinel of the circular doubly linked list of tracked
	// Nodes, oldest first. head.next == nil means "not yet initialised".
	head Node
	// seq is the sequence number given to the most recently tracked Node.
	seq uint64
	// live is the number of tracked Nodes.
	live int
}

// NewDomain returns an empty Domain following flavour f. It panics if f is
// not a known Flavour.
func NewDomain(f Flavour) *Domain {
	if f != Linux419 && f != Mainline {
		panic(fmt.Sprintf("refcount: NewDomain: unknown %v", f))
	}
	return &Domain{flavour: f}
}

// NewSerialDomain returns an empty Domain following flavour f whose owner
// serialises every counter operation and every registry call with its own
// lock (see Domain). Warnings keep their own lock, as they may be read at any
// time.
func NewSerialDomain(f Flavour) *Domain {
	d := NewDomain(f)
	d.serial = true
	return d
}

// Serialised reports whether d's owner serialises its counters and registry
// (NewSerialDomain). A nil Domain is not serialised.
func (d *Domain) Serialised() bool { return d != nil && d.serial }

// Flavour reports which refcount_t semantics the domain follows. A nil
// Domain reports Linux419.
func (d *Domain) Flavour() Flavour {
	if d == nil {
		return Linux419
	}
	return d.flavour
}

// Warn records a kernel warning with WARN_ONCE semantics (include/asm-generic/bug.h):
// the first occurrence of message is logged with object ("kind id", or ""),
// later occurrences only increment that entry's Repeats. Warn is a leaf
// operation and may be called with any lock held.
func (d *Domain) Warn(object, message string) {
	d.warnMu.Lock()
	defer d.warnMu.Unlock()
	if i, ok := d.warnIdx[message]; ok {
		d.warnings[i].Repeats++
		return
	}
	if d.warnIdx == nil {
		d.warnIdx = make(map[string]int)
	}
	d.warnIdx[message] = len(d.warnings)
	d.warnings = append(d.warnings, Warning{Message: message, Object: object})
}

// Warnings returns a copy of the warning log in order of first occurrence,
// like reading dmesg. It returns nil when nothing has been warned.
func (d *Domain) Warnings() []Warning {
	d.warnMu.Lock()
	defer d.warnMu.Unlock()
	if len(d.warnings) == 0 {
		return nil
	}
	out := make([]Warning, len(d.warnings))
	copy(out, d.warnings)
	return out
}

// ResetWarnings empties the warning log and re-arms every WARN_ONCE, like
// writing to /sys/kernel/debug/clear_warn_once (kernel/panic.c).
func (d *Domain) ResetWarnings() {
	d.warnMu.Lock()
	defer d.warnMu.Unlock()
	d.warnings = nil
	d.warnIdx = nil
}

// label renders an Object as the "kind id" used in Warning.Object.
func label(o Object) string {
	if o == nil {
		return ""
	}
	kind, id := o.RefKind(), o.RefID()
	switch {
	case id == "":
		return kind
	case kind == "":
		return id
	default:
		return kind + " " + id
	}
}
