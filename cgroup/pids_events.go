package cgroup

import "strconv"

// pids.events, pids.events.local and pids.peak: 4.19's single counter, and
// mainline's per-event counters (kernel/cgroup/pids.c, 6.13+).

// enum pidcg_event (mainline).
const (
	// PIDCG_MAX: a fork in the subtree failed because this cgroup's
	// limit was hit.
	PIDCG_MAX = iota
	// PIDCG_FORKFAIL: a fork in this cgroup failed because some
	// ancestor-or-self limit was hit.
	PIDCG_FORKFAIL
	nrPidcgEvents
)

// EventsLimit reads the count of forks from this cgroup refused because
// this cgroup's or an ancestor's pids.max was reached: 4.19's events_limit,
// mainline's events_local[PIDCG_FORKFAIL].
func (p *PidsCgroup) EventsLimit() int64 {
	if p.mainline {
		return p.eventsLocal[PIDCG_FORKFAIL].Load()
	}
	return p.eventsLimit.Load()
}

// EventsNotified counts the cgroup_file_notify calls on pids.events.
func (p *PidsCgroup) EventsNotified() uint64 { return p.notified.Load() }

// RejectLog is the kernel log line pids_can_fork printed (pr_info, once per
// cgroup, when events_limit first became 1), or "" if none was printed.
func (p *PidsCgroup) RejectLog() string {
	if s := p.rejectLog.Load(); s != nil {
		return *s
	}
	return ""
}

// Events reads mainline's events[e] (hierarchical: this cgroup's and its
// descendants' refusals); 0 in 4.19.
func (p *PidsCgroup) Events(e int) int64 { return p.events[e].Load() }

// EventsLocal reads mainline's events_local[e]; 0 in 4.19.
func (p *PidsCgroup) EventsLocal(e int) int64 { return p.eventsLocal[e].Load() }

// Watermark reads mainline's watermark (pids.peak); 0 in 4.19.
func (p *PidsCgroup) Watermark() int64 { return p.watermark.Load() }

// EventsLocalNotified counts mainline's cgroup_file_notify calls on
// pids.events.local.
func (p *PidsCgroup) EventsLocalNotified() uint64 { return p.localNotified.Load() }

// updateWatermark mirrors pids_update_watermark (mainline): racy by design,
// an unordered read-compare-store.
func (p *PidsCgroup) updateWatermark(n int64) {
	if p.mainline && n > p.watermark.Load() {
		p.watermark.Store(n)
	}
}

// logReject records the pr_info line of the first refusal counted in p.
func (p *PidsCgroup) logReject(css *CSS) {
	line := "cgroup: fork rejected by pids controller in " + css.cgroup.Path()
	p.rejectLog.Store(&line)
}

// localEvents reports what makes pids_event and __pids_events_show count
// as 4.19 did: pids not on the default hierarchy
// (!cgroup_subsys_on_dfl(pids_cgrp_subsys)), or cgroup2 mounted with
// pids_localevents.
func (g *Globals) localEvents(c *Cgroup) bool {
	return !c.onDfl() || g.dfl.flags&CGRP_ROOT_PIDS_LOCAL_EVENTS != 0
}

// pidsEvent mirrors mainline's pids_event(pids_forking, pids_over_limit):
// events_local[PIDCG_FORKFAIL] of the forking cgroup (the pr_info line the
// first time); then on v1 or with pids_localevents both of its files are
// notified and that is all; otherwise events_local[PIDCG_MAX] of the
// cgroup whose limit was hit (its pids.events.local notified), and
// events[PIDCG_MAX] of it and every ancestor below the root (each one's
// pids.events notified).
func pidsEvent(g *Globals, forking *CSS, over *PidsCgroup) {
	p := PidsOf(forking)
	if p.eventsLocal[PIDCG_FORKFAIL].Add(1) == 1 {
		p.logReject(forking)
	}
	if g.localEvents(forking.cgroup) {
		p.notified.Add(1)
		p.localNotified.Add(1)
		return
	}
	over.eventsLocal[PIDCG_MAX].Add(1)
	over.localNotified.Add(1)
	for q := over; q.parent != nil; q = q.parent {
		q.events[PIDCG_MAX].Add(1)
		q.notified.Add(1)
	}
}

// ReadPidsEvents renders pids.events: 4.19's pids_events_show prints
// "max <events_limit>"; mainline's __pids_events_show(local = false)
// prints events[PIDCG_MAX], or on v1 and with pids_localevents
// events_local[PIDCG_FORKFAIL].
func (g *Globals) ReadPidsEvents(c *Cgroup) (s string, err error) {
	err = g.pidsFile(c, "pids.events", "read", nil, func(p *PidsCgroup) error {
		s = "max " + strconv.FormatInt(g.pidsEventsCount(c, p, false), 10) + "\n"
		return nil
	})
	return
}

// ReadPidsEventsLocal renders mainline's pids.events.local, a v2-only file
// (pids_files, not pids_files_legacy): __pids_events_show(local = true),
// events_local[PIDCG_MAX], or with pids_localevents
// events_local[PIDCG_FORKFAIL]. ENOENT in 4.19 and on v1.
func (g *Globals) ReadPidsEventsLocal(c *Cgroup) (s string, err error) {
	if !g.env.Mainline() || !c.onDfl() {
		return "", noFile(c, "pids.events.local")
	}
	err = g.pidsFile(c, "pids.events.local", "read", nil, func(p *PidsCgroup) error {
		s = "max " + strconv.FormatInt(g.pidsEventsCount(c, p, true), 10) + "\n"
		return nil
	})
	return
}

// pidsEventsCount is the number __pids_events_show prints.
func (g *Globals) pidsEventsCount(c *Cgroup, p *PidsCgroup, local bool) int64 {
	if !p.mainline {
		return p.eventsLimit.Load()
	}
	e := PIDCG_MAX
	if g.localEvents(c) {
		e, local = PIDCG_FORKFAIL, true
	}
	if local {
		return p.eventsLocal[e].Load()
	}
	return p.events[e].Load()
}

// ReadPidsPeak renders mainline's pids.peak (pids_peak_read): the
// watermark, the highest pids.current seen. ENOENT in 4.19.
func (g *Globals) ReadPidsPeak(c *Cgroup) (s string, err error) {
	if !g.env.Mainline() {
		return "", noFile(c, "pids.peak")
	}
	err = g.pidsFile(c, "pids.peak", "read", nil, func(p *PidsCgroup) error {
		s = strconv.FormatInt(p.watermark.Load(), 10) + "\n"
		return nil
	})
	return
}
