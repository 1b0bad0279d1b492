package timens_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/uapi"
)

func TestSetNormalizedTimespec64(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sec, nsec int64
		want      timens.Timespec64
	}{
		{0, 0, ts(0, 0)},
		{1, 999999999, ts(1, 999999999)},
		{1, 1000000000, ts(2, 0)},
		{1, 2999999999, ts(3, 999999999)},
		{1, -1, ts(0, 999999999)},
		{0, -1, ts(-1, 999999999)},
		{0, -1000000000, ts(-1, 0)},
		{0, -1000000001, ts(-2, 999999999)},
		{10, -9223372036854775808, ts(10-9223372037, 145224192)},
	} {
		assert.Equal(t, tc.want, timens.SetNormalizedTimespec64(tc.sec, tc.nsec), "%d s %d ns", tc.sec, tc.nsec)
	}
	assert.Equal(t, ts(3, 1), timens.Timespec64Add(ts(1, 999999999), ts(1, 2)))
	assert.Equal(t, ts(0, 999999999), timens.Timespec64Add(ts(1, 0), ts(0, -1)))
	assert.Equal(t, int64(9223372036), timens.KTIME_SEC_MAX)
	assert.Equal(t, "5.000000042", ts(5, 42).String())
	assert.Equal(t, "-0.000000001", ts(-1, 999999999).String())
	assert.Equal(t, "-1.500000000", ts(-2, 500000000).String())
	assert.Equal(t, "-2.000000000", ts(-2, 0).String())
	assert.Equal(t, "-9223372036854775808.000000000", ts(-9223372036854775808, 0).String())
	assert.Equal(t, "-9223372036854775807.000000001", ts(-9223372036854775808, 999999999).String())
	assert.Equal(t, "0s-1ns", ts(0, -1).String())
}

func TestClockReadings(t *testing.T) {
	t.Parallel()
	c := timens.NewClock()
	assert.Equal(t, ts(5, 0), c.Monotonic(), "BootMonotonic")
	assert.Equal(t, ts(5, 0), c.Boottime(), "never suspended yet")
	assert.Equal(t, ts(1796028800, 0), c.Realtime(), "BootRealtime")
	c.Advance(1500 * time.Millisecond)
	assert.Equal(t, ts(6, 500000000), c.Monotonic())
	assert.Equal(t, ts(6, 500000000), c.Boottime())
	assert.Equal(t, ts(1796028801, 500000000), c.Realtime())
	c.Sleep(time.Hour)
	assert.Equal(t, ts(6, 500000000), c.Monotonic(), "suspend stops CLOCK_MONOTONIC")
	assert.Equal(t, ts(3606, 500000000), c.Boottime())
	assert.Equal(t, ts(1796032401, 500000000), c.Realtime())
	assert.Panics(t, func() { c.Advance(-1) })
	assert.Panics(t, func() { c.Sleep(-1) })
	assert.Equal(t, ts(6, 500000000), c.Monotonic(), "a refused move changes nothing")
}

// TestClockGettime checks which clocks a time namespace shifts
// (timens_add_monotonic / timens_add_boottime in kernel/time/posix-timers.c
// and alarmtimer.c); TestDifferential compares the same table with the
// machine.
func TestClockGettime(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	n := f.newNS(t, f.users.Init)
	_, err := timens.SetOffsets(f.ctx, n, &f.root, []byte("monotonic 1000 999999999\nboottime 2000 7"))
	require.NoError(t, err)
	timens.Commit(f.ctx, n)
	f.g.Clock.Advance(250 * time.Millisecond)
	f.g.Clock.Sleep(100 * time.Second)
	// Host: monotonic 5.25, boottime 105.25, realtime 1796028900.25.
	mono, boot, wall := ts(1006, 249999999), ts(2105, 250000007), ts(1796028900, 250000000)
	for _, tc := range []struct {
		id         timens.ClockID
		inNS, host timens.Timespec64
		errno      uapi.Errno
	}{
		{timens.CLOCK_REALTIME, wall, wall, 0},
		{timens.CLOCK_MONOTONIC, mono, ts(5, 250000000), 0},
		{timens.CLOCK_MONOTONIC_RAW, mono, ts(5, 250000000), 0},
		{timens.CLOCK_REALTIME_COARSE, wall, wall, 0},
		{timens.CLOCK_MONOTONIC_COARSE, mono, ts(5, 250000000), 0},
		{timens.CLOCK_BOOTTIME, boot, ts(105, 250000000), 0},
		{timens.CLOCK_REALTIME_ALARM, wall, wall, 0},
		{timens.CLOCK_BOOTTIME_ALARM, boot, ts(105, 250000000), 0},
		{timens.CLOCK_TAI, wall, wall, 0},
		{timens.CLOCK_PROCESS_CPUTIME_ID, ts(0, 0), ts(0, 0), uapi.EINVAL},
		{timens.CLOCK_THREAD_CPUTIME_ID, ts(0, 0), ts(0, 0), uapi.EINVAL},
		{timens.CLOCK_SGI_CYCLE, ts(0, 0), ts(0, 0), uapi.EINVAL},
		{12, ts(0, 0), ts(0, 0), uapi.EINVAL},
		{timens.MAX_CLOCKS, ts(0, 0), ts(0, 0), uapi.EINVAL},
		{-1, ts(0, 0), ts(0, 0), uapi.EINVAL},
	} {
		got, err := timens.ClockGettime(n, tc.id)
		host, herr := timens.ClockGettime(f.g.Init, tc.id)
		if tc.errno != 0 {
			assert.ErrorIs(t, err, tc.errno, "%v", tc.id)
			assert.ErrorIs(t, herr, tc.errno, "%v", tc.id)
			continue
		}
		require.NoError(t, err, "%v", tc.id)
		require.NoError(t, herr, "%v", tc.id)
		assert.Equal(t, tc.inNS, got, "%v in the namespace", tc.id)
		assert.Equal(t, tc.host, host, "%v in init_time_ns", tc.id)
	}

	f.g.Clock.SetRTC(false)
	for _, id := range []timens.ClockID{timens.CLOCK_REALTIME_ALARM, timens.CLOCK_BOOTTIME_ALARM} {
		_, err := timens.ClockGettime(n, id)
		var e *uapi.Error
		require.ErrorAs(t, err, &e, "%v without an RTC", id)
		assert.Equal(t, uapi.EINVAL, e.Errno)
		assert.Equal(t, "alarm_clock_get_timespec", e.Check)
	}
	got, err := timens.ClockGettime(n, timens.CLOCK_BOOTTIME)
	require.NoError(t, err, "CLOCK_BOOTTIME needs no RTC")
	assert.Equal(t, boot, got)
	n.Put(f.ctx)
	f.requireClean(t)
}

func TestClockIDString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "CLOCK_BOOTTIME_ALARM", timens.CLOCK_BOOTTIME_ALARM.String())
	assert.Equal(t, "CLOCK_TAI", timens.CLOCK_TAI.String())
	assert.Equal(t, "clock 12", timens.ClockID(12).String())
	assert.Equal(t, "clock -3", timens.ClockID(-3).String())
}
