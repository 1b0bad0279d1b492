package cgroup_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/uapi"
)

// evState is what one cgroup's pids files and counters say after a refusal.
type evState struct {
	events, local    string // pids.events, pids.events.local ("" = no such file)
	forkfail         int64  // EventsLimit: refusals of forks from here
	notified, localN uint64 // cgroup_file_notify on pids.events / .local
	log              bool   // the pr_info line names this cgroup
}

// A fork from a/p/c refused by p's pids.max (p is full: c's task and one
// child). 4.19 counts it in c, the forking cgroup, in both hierarchy kinds.
// Mainline (kernel/cgroup/pids.c pids_event, 6.13+) counts on v2: in
// pids.events of p and every ancestor below the root (a), in
// pids.events.local of p only; c keeps events_local[PIDCG_FORKFAIL] and the
// log line. On v1 or with pids_localevents mainline counts as 4.19 does;
// pids.events.local exists on v2 only, and then reads FORKFAIL.
func TestPidsEventsHierarchical(t *testing.T) {
	t.Parallel()
	noLocal, zero := "", "max 0\n"
	for _, tc := range []struct {
		m       pidsMode
		a, p, c evState
	}{
		{pidsMode{name: "v2/4.19"},
			evState{zero, noLocal, 0, 0, 0, false}, evState{zero, noLocal, 0, 0, 0, false}, evState{"max 1\n", noLocal, 1, 1, 0, true}},
		{pidsMode{name: "v1/4.19", v1: true},
			evState{zero, noLocal, 0, 0, 0, false}, evState{zero, noLocal, 0, 0, 0, false}, evState{"max 1\n", noLocal, 1, 1, 0, true}},
		{pidsMode{name: "v2/mainline", mainline: true},
			evState{"max 1\n", zero, 0, 1, 0, false}, evState{"max 1\n", "max 1\n", 0, 1, 1, false}, evState{zero, zero, 1, 0, 0, true}},
		{pidsMode{name: "v1/mainline", v1: true, mainline: true},
			evState{zero, noLocal, 0, 0, 0, false}, evState{zero, noLocal, 0, 0, 0, false}, evState{"max 1\n", noLocal, 1, 1, 1, true}},
		{pidsMode{name: "v2/mainline pids_localevents", mainline: true, localEvents: true},
			evState{zero, zero, 0, 0, 0, false}, evState{zero, zero, 0, 0, 0, false}, evState{"max 1\n", "max 1\n", 1, 1, 1, true}},
		{pidsMode{name: "v2/4.19 pids_localevents (no such option)", localEvents: true},
			evState{zero, noLocal, 0, 0, 0, false}, evState{zero, noLocal, 0, 0, 0, false}, evState{"max 1\n", noLocal, 1, 1, 0, true}},
	} {
		t.Run(tc.m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, tc.m)
			a := pf.mkdir(t, pf.root(), "a")
			p := pf.mkdir(t, a, "p")
			c := pf.mkdir(t, p, "c")
			pf.setMax(t, p, "2")
			leader := pf.fork(t, pf.init)
			pf.move(t, c, leader)
			pf.fork(t, leader)
			before := pf.snapshot(t, false)
			_, err := pf.forkAs(pf.ctx, leader, nil)
			require.ErrorIs(t, err, uapi.EAGAIN)
			require.Equal(t, before, pf.snapshot(t, false), "only the event counters moved")
			for _, x := range []struct {
				name string
				cg   *cgroup.Cgroup
				want evState
			}{{"a", a, tc.a}, {"p", p, tc.p}, {"c", c, tc.c}} {
				ev, err := pf.g.ReadPidsEvents(x.cg)
				require.NoError(t, err)
				local, err := pf.g.ReadPidsEventsLocal(x.cg)
				if x.want.local == noLocal {
					require.ErrorIs(t, err, uapi.ENOENT, x.name)
				} else {
					require.NoError(t, err, x.name)
				}
				st := pf.state(x.cg)
				got := evState{ev, local, st.EventsLimit(), st.EventsNotified(), st.EventsLocalNotified(), st.RejectLog() != ""}
				require.Equal(t, x.want, got, x.name)
			}
			require.Equal(t, "cgroup: fork rejected by pids controller in /a/p/c", pf.state(c).RejectLog())
			pf.requireClean(t)
		})
	}
}

// Mainline's pids.peak: the highest pids.current since the css was made,
// raised by forks and by migrations (pids_charge), never lowered; a refused
// fork leaves raised the levels below the one that refused it (pids.c: "not
// technically accurate ... tolerable for the watermark"). 4.19 has no such
// file.
func TestPidsPeak(t *testing.T) {
	t.Parallel()
	for _, m := range pidsModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pf := newPidsFix(t, m)
			p := pf.mkdir(t, pf.root(), "p")
			c := pf.mkdir(t, p, "c")
			peak := func(cg *cgroup.Cgroup) string {
				s, err := pf.g.ReadPidsPeak(cg)
				if !m.mainline {
					require.ErrorIs(t, err, uapi.ENOENT)
					return "-"
				}
				require.NoError(t, err)
				return s
			}
			want := func(s string) string {
				if !m.mainline {
					return "-"
				}
				return s
			}
			_, err := pf.g.ReadPidsPeak(pf.root())
			require.ErrorIs(t, err, uapi.ENOENT, "not on the root")
			require.Equal(t, want("0\n"), peak(c))

			leader := pf.fork(t, pf.init)
			pf.move(t, c, leader) // pids_can_attach → pids_charge
			kids := []*task{pf.fork(t, leader), pf.fork(t, leader)}
			require.Equal(t, want("3\n"), peak(c))
			require.Equal(t, want("3\n"), peak(p))
			pf.reap(pf.ctx, kids...)
			require.Equal(t, 1, pf.current(t, c))
			require.Equal(t, want("3\n"), peak(c), "never lowered")

			// p at its limit: c's level is raised to 2 before p refuses.
			pf.setMax(t, p, "1")
			_, err = pf.forkAs(pf.ctx, leader, nil)
			require.ErrorIs(t, err, uapi.EAGAIN)
			require.Equal(t, want("3\n"), peak(c))
			d := pf.mkdir(t, p, "d")
			pf.move(t, d, leader)
			_, err = pf.forkAs(pf.ctx, leader, nil)
			require.ErrorIs(t, err, uapi.EAGAIN)
			require.Equal(t, want("2\n"), peak(d), "raised by the refused fork")
			require.Equal(t, 1, pf.current(t, d))
			require.Equal(t, want("3\n"), peak(p))
			pf.requireClean(t)
		})
	}
}
