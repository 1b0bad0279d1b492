// Package refcount models the Linux kernel's reference-counting disciplines
// for kernsim: atomic_t, refcount_t and struct kref, together with the
// per-kernel warning log and live-object registry that the rest of the
// simulator uses to report misuse and leaks.
//
// # Kernel objects modelled
//
// Atomic mirrors atomic_t (include/linux/atomic.h and the arch
// asm/atomic.h): a 32-bit signed counter with no checks at all. It wraps
// silently on overflow and underflow, exactly as the kernel's does.
//
// Refcount mirrors refcount_t (include/linux/refcount.h, lib/refcount.c):
// an unsigned 32-bit counter that refuses to wrap. Instead of wrapping it
// saturates, leaking the object rather than risking a use-after-free, and
// reports the event through the warning log.
//
// Kref mirrors struct kref (include/linux/kref.h): a Refcount plus the
// kref_put convention that a release function runs exactly once, on the
// 1 -> 0 transition.
//
// # Flavours
//
// A Domain carries a Flavour that selects which refcount_t implementation
// every Refcount initialised against it follows.
//
// Linux419 is Linux 4.19.13 built with CONFIG_REFCOUNT_FULL: every
// operation is a cmpxchg loop over an unsigned value. The counter saturates
// at UINT_MAX and then never moves; an increment on 0 warns and leaves the
// value at 0; an underflowing decrement warns and leaves the value
// unchanged; a decrement of a saturated counter is silently ignored.
//
// Mainline is lib/refcount.c and include/linux/refcount.h since 5.5, where
// every bad transition funnels into refcount_warn_saturate. The counter is
// viewed as signed; any negative value is "bad", and on detecting one the
// counter is forced to REFCOUNT_SATURATED (INT_MIN/2, 0xc0000000 unsigned).
// An increment on 0 warns "addition on 0" and saturates, an overflow or an
// operation on an already-bad value warns "saturated" and saturates, an
// underflow warns and saturates, and refcount_dec reaching 0 warns
// "decrement hit 0" and saturates. refcount_dec_and_test returns true
// exactly when the old value was 1.
//
// The message texts are the kernel's, without the trailing newline; see
// MsgSaturated and its siblings.
//
// # Warning log
//
// Each Domain keeps the kernel log's WARN_ONCE lines. The first occurrence
// of a message is recorded together with the object that triggered it;
// later occurrences of the same message only bump Warning.Repeats, the way
// WARN_ONCE stays silent after its first splat. ResetWarnings re-arms every
// message, as writing to /sys/kernel/debug/clear_warn_once does. Other
// packages report their own kernel warnings (for example "ucounts
// underflow") through Domain.Warn.
//
// # Live-object registry
//
// Every simulated kernel object that owns a reference count embeds a Node
// and is tracked by its Kernel's Domain from allocation until it is freed:
// Track is called where the kernel allocates the object and Untrack where
// the kernel frees it (typically from the kref release function). The
// registry is intrusive, so Track and Untrack do not allocate. Invariants:
//
//   - a Node is tracked by at most one Domain at a time; tracking a tracked
//     Node, or untracking a Node the Domain does not hold, panics because it
//     is a simulator bug, not a simulated-kernel bug;
//   - Live lists objects in the order they were tracked, so its output is
//     deterministic for a deterministic workload;
//   - leak checks (Leaks, LiveCount, CountKind) are explicit and run per
//     Kernel and per test; nothing relies on garbage-collector finalizers.
//
// # Locking
//
// A Domain comes in two kinds, and a counter takes its Domain's kind when it
// is initialised against it (Atomic.Init, Refcount.Init, Kref.Init), which
// must happen before the counter is shared:
//
//   - NewDomain: safe for concurrent use. Counters are sync/atomic loads,
//     adds and compare-and-swaps, usable from any goroutine without a lock,
//     and the registry has its own mutex. Standalone use (a package's tests
//     driving code from many goroutines) and the zero Atomic are this kind.
//   - NewSerialDomain: the Domain's owner runs every counter operation and
//     every registry call under one lock of its own (a Kernel's big kernel
//     lock, ns.Env.BKL, see Domain.Serialised). Counters are then plain
//     loads and stores, and the registry takes no lock; a Node's Domain
//     pointer is a plain field that only the object's owner reads
//     (Tracked). Readers of its counters or registry (Live, LiveCount,
//     Leaks, ...) must hold the owner's lock too.
//
// The warning log keeps its own mutex in both kinds, so Warnings may be read
// at any time. The registry mutex (NewDomain's) and the warning-log mutex
// are leaf locks: no other lock is acquired and no Object method is called
// while either is held, so callers may Track, Untrack or Warn while holding
// any of their own locks.
//
// The package holds no package-level mutable state and never reads the wall
// clock; all state lives in Domains.
package refcount
