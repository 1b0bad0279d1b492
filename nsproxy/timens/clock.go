package timens

import (
	"strconv"
	"sync"
	"time"

	"github.com/kernsim/kernsim/uapi"
)

// Time constants of include/vdso/time64.h and include/linux/time64.h.
const (
	NSEC_PER_SEC int64 = 1_000_000_000
	// KTIME_MAX is the largest ktime_t: (s64)~((u64)1 << 63).
	KTIME_MAX int64 = 1<<63 - 1
	// KTIME_SEC_MAX is KTIME_MAX / NSEC_PER_SEC = 9223372036.
	KTIME_SEC_MAX = KTIME_MAX / NSEC_PER_SEC
)

// Timespec64 mirrors struct timespec64 (include/linux/time64.h): tv_sec is a
// time64_t, tv_nsec a long. A normalised value has 0 <= Nsec < NSEC_PER_SEC,
// but an offset written through timens_offsets may hold a negative Nsec (see
// WriteOffsets).
type Timespec64 struct {
	Sec  int64
	Nsec int64
}

// String formats a normalised ts as seconds with nine decimals, "-1.500000000"
// for {-2, 500000000}; a value that is not normalised as "<sec>s<nsec>ns".
func (ts Timespec64) String() string {
	if ts.Nsec < 0 || ts.Nsec >= NSEC_PER_SEC {
		return strconv.FormatInt(ts.Sec, 10) + "s" + strconv.FormatInt(ts.Nsec, 10) + "ns"
	}
	sign, sec, nsec := "", uint64(ts.Sec), ts.Nsec
	if ts.Sec < 0 {
		sign, sec = "-", uint64(-(ts.Sec+1))+1
		if nsec != 0 {
			sec, nsec = sec-1, NSEC_PER_SEC-nsec
		}
	}
	ns := strconv.FormatInt(nsec, 10)
	return sign + strconv.FormatUint(sec, 10) + "." + "000000000"[len(ns):] + ns
}

// SetNormalizedTimespec64 mirrors set_normalized_timespec64 (kernel/time/time.c):
// fold nsec into [0, NSEC_PER_SEC) by moving whole seconds into sec. The
// kernel loops one second at a time; floor division gives the same result.
func SetNormalizedTimespec64(sec, nsec int64) Timespec64 {
	q, r := nsec/NSEC_PER_SEC, nsec%NSEC_PER_SEC
	if r < 0 {
		q, r = q-1, r+NSEC_PER_SEC
	}
	return Timespec64{Sec: sec + q, Nsec: r}
}

// Timespec64Add mirrors timespec64_add (include/linux/time64.h): the normalised
// sum. lhs is a clock reading (normalised) and rhs an offset (|Sec| at most
// KTIME_SEC_MAX, Nsec below NSEC_PER_SEC), so neither addition overflows.
func Timespec64Add(lhs, rhs Timespec64) Timespec64 {
	return SetNormalizedTimespec64(lhs.Sec+rhs.Sec, lhs.Nsec+rhs.Nsec)
}

// ClockID mirrors clockid_t and the ids of include/uapi/linux/time.h.
type ClockID int32

// The clock ids (include/uapi/linux/time.h).
const (
	CLOCK_REALTIME           ClockID = 0
	CLOCK_MONOTONIC          ClockID = 1
	CLOCK_PROCESS_CPUTIME_ID ClockID = 2
	CLOCK_THREAD_CPUTIME_ID  ClockID = 3
	CLOCK_MONOTONIC_RAW      ClockID = 4
	CLOCK_REALTIME_COARSE    ClockID = 5
	CLOCK_MONOTONIC_COARSE   ClockID = 6
	CLOCK_BOOTTIME           ClockID = 7
	CLOCK_REALTIME_ALARM     ClockID = 8
	CLOCK_BOOTTIME_ALARM     ClockID = 9
	CLOCK_SGI_CYCLE          ClockID = 10 // removed; no posix clock
	CLOCK_TAI                ClockID = 11
	MAX_CLOCKS               ClockID = 16
)

var clockNames = [...]string{"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
	"CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE",
	"CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM", "CLOCK_BOOTTIME_ALARM", "CLOCK_SGI_CYCLE", "CLOCK_TAI"}

// String returns the id's name, such as "CLOCK_BOOTTIME", or "clock <n>".
func (c ClockID) String() string {
	if c >= 0 && int(c) < len(clockNames) {
		return clockNames[c]
	}
	return "clock " + strconv.Itoa(int(c))
}

// Fixed boot readings of every Clock: the simulator's machine has been up
// BootMonotonic when the Kernel is built, never suspended, and its wall clock
// then reads BootRealtime (2026-11-30T08:53:20Z).
const (
	BootMonotonic = 5 * time.Second
	BootRealtime  = 1_796_028_800 * time.Second
)

// Clock mirrors the readings of the timekeeper (kernel/time/timekeeping.c,
// tk_core) that clock_gettime and timens_offsets use. CLOCK_MONOTONIC is the
// base; CLOCK_BOOTTIME adds offs_boot (time spent suspended); CLOCK_REALTIME
// adds offs_real. Nothing reads the host's clock: the readings start at
// BootMonotonic and BootRealtime and move only through Advance and Sleep. It
// is safe for concurrent use.
type Clock struct {
	mu       sync.Mutex // tk_core.seq: readers see one consistent snapshot
	mono     int64      // CLOCK_MONOTONIC, ns (ktime_get)
	offsBoot int64      // tk->offs_boot, ns
	offsReal int64      // tk->offs_real, ns
	noRTC    bool       // no RTC device: alarmtimer_get_rtcdev() is NULL
}

// NewClock returns a Clock at the fixed boot readings, with an RTC device.
func NewClock() *Clock {
	return &Clock{mono: int64(BootMonotonic), offsReal: int64(BootRealtime - BootMonotonic)}
}

// Advance lets d pass while the machine runs: every clock moves by d. A
// negative d is a simulator bug: clocks never run backwards.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		panic("timens: Clock.Advance(" + d.String() + "): clocks never run backwards")
	}
	c.mu.Lock()
	c.mono += int64(d)
	c.mu.Unlock()
}

// Sleep lets d pass while the machine is suspended (timekeeping_resume's
// __timekeeping_inject_sleeptime): CLOCK_BOOTTIME and CLOCK_REALTIME move by
// d, CLOCK_MONOTONIC does not.
func (c *Clock) Sleep(d time.Duration) {
	if d < 0 {
		panic("timens: Clock.Sleep(" + d.String() + "): clocks never run backwards")
	}
	c.mu.Lock()
	c.offsBoot += int64(d)
	c.offsReal += int64(d)
	c.mu.Unlock()
}

// SetRTC says whether the machine has an RTC device the alarm timers can use
// (alarmtimer_get_rtcdev). Without one, CLOCK_REALTIME_ALARM and
// CLOCK_BOOTTIME_ALARM give EINVAL, as on a VM without /dev/rtc.
func (c *Clock) SetRTC(present bool) {
	c.mu.Lock()
	c.noRTC = !present
	c.mu.Unlock()
}

func nsToTimespec64(ns int64) Timespec64 { return SetNormalizedTimespec64(0, ns) }

// Monotonic mirrors ktime_get_ts64: CLOCK_MONOTONIC as the host sees it.
func (c *Clock) Monotonic() Timespec64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return nsToTimespec64(c.mono)
}

// Boottime mirrors ktime_get_boottime_ts64: CLOCK_BOOTTIME as the host sees it.
func (c *Clock) Boottime() Timespec64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return nsToTimespec64(c.mono + c.offsBoot)
}

// Realtime mirrors ktime_get_real_ts64: CLOCK_REALTIME.
func (c *Clock) Realtime() Timespec64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return nsToTimespec64(c.mono + c.offsReal)
}

// ClockGettime mirrors clock_gettime(2) (kernel/time/posix-timers.c) as a task
// whose nsproxy->time_ns is n sees it: the kclock's reading, plus n's offsets
// for the clocks a time namespace shifts (timens_add_monotonic for
// CLOCK_MONOTONIC, _RAW and _COARSE; timens_add_boottime for CLOCK_BOOTTIME
// and CLOCK_BOOTTIME_ALARM). CLOCK_REALTIME, _COARSE, _ALARM and CLOCK_TAI are
// not shifted. Errors (EINVAL): an id with no posix clock (clockid_to_kclock:
// 10, 12 and above), an alarm clock without an RTC (alarm_clock_get_timespec),
// and the CPU-time and dynamic clocks, which the simulator does not model.
func ClockGettime(n *Namespace, id ClockID) (Timespec64, error) {
	c := n.g.Clock
	c.mu.Lock()
	mono, boot, wall, noRTC := c.mono, c.mono+c.offsBoot, c.mono+c.offsReal, c.noRTC
	c.mu.Unlock()
	switch id {
	case CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_TAI: // posix_get_realtime_timespec, _coarse, posix_get_tai_timespec
		return nsToTimespec64(wall), nil
	case CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE: // posix_get_monotonic_timespec, _raw, _coarse
		return Timespec64Add(nsToTimespec64(mono), n.readOffsets().Monotonic), nil
	case CLOCK_BOOTTIME: // posix_get_boottime_timespec
		return Timespec64Add(nsToTimespec64(boot), n.readOffsets().Boottime), nil
	case CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM: // alarm_clock_get_timespec
		if noRTC {
			return Timespec64{}, uapi.Err("clock_gettime", uapi.EINVAL, id.String()+" without an RTC device", "alarm_clock_get_timespec")
		}
		if id == CLOCK_REALTIME_ALARM {
			return nsToTimespec64(wall), nil
		}
		return Timespec64Add(nsToTimespec64(boot), n.readOffsets().Boottime), nil // get_boottime_timespec
	case CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID:
		return Timespec64{}, uapi.Err("clock_gettime", uapi.EINVAL, id.String()+": CPU-time clocks are not modelled", "posix_cpu_clock_get")
	}
	if id < 0 {
		return Timespec64{}, uapi.Err("clock_gettime", uapi.EINVAL, id.String()+": CPU-time and dynamic clocks are not modelled", "clockid_to_kclock")
	}
	return Timespec64{}, uapi.Err("clock_gettime", uapi.EINVAL, id.String()+" has no posix clock", "clockid_to_kclock")
}
