package task

import "github.com/kernsim/kernsim/nsproxy/timens"

// ClockGettime mirrors clock_gettime(2) (kernel/time/posix-timers.c, and the
// vDSO's time-namespace page in mainline): the Kernel's simulated clock read
// through the caller's time namespace, whose offsets shift the monotonic and
// boottime clocks. 4.19 has no time namespaces: the clocks are read as they
// are. An unknown clock is EINVAL.
func (t *Task) ClockGettime(id timens.ClockID) (timens.Timespec64, error) {
	if err := t.enter("clock_gettime"); err != nil {
		return timens.Timespec64{}, err
	}
	defer t.leave()
	n := t.NSProxy().TimeNS()
	if n == nil {
		n = t.k.Time.Init // 4.19: no offsets
	}
	return timens.ClockGettime(n, id)
}
