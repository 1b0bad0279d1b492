package refcount

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWarnOnce(t *testing.T) {
	d := NewDomain(Linux419)
	assert.Nil(t, d.Warnings(), "fresh domain has an empty log")

	d.Warn("ucounts 1000", "ucounts underflow")
	d.Warn("cred pid 7", wUnder)
	d.Warn("ucounts 1001", "ucounts underflow") // same message, other object
	d.Warn("", "ucounts underflow")
	d.Warn("cred pid 8", wUnder)
	d.Warn("", "third")

	assert.Equal(t, []Warning{
		{Message: "ucounts underflow", Object: "ucounts 1000", Repeats: 2},
		{Message: wUnder, Object: "cred pid 7", Repeats: 1},
		{Message: "third", Object: "", Repeats: 0},
	}, d.Warnings())
}

func TestWarningsIsACopy(t *testing.T) {
	d := NewDomain(Mainline)
	d.Warn("x", "m")
	ws := d.Warnings()
	ws[0].Repeats = 99
	ws[0].Message = "changed"
	assert.Equal(t, []Warning{{Message: "m", Object: "x"}}, d.Warnings())
}

func TestResetWarningsRearms(t *testing.T) {
	d := NewDomain(Linux419)
	var r Refcount
	r.Init(d, newObj("nsproxy", 3), 0)
	r.Inc()
	r.Inc()
	require.Equal(t, []Warning{{Message: wIncZero, Object: "nsproxy 3", Repeats: 1}}, d.Warnings())

	d.ResetWarnings()
	assert.Nil(t, d.Warnings())
	r.Inc()
	assert.Equal(t, []Warning{{Message: wIncZero, Object: "nsproxy 3"}}, d.Warnings(),
		"after reset the warning is logged afresh with Repeats 0")
}

// TestRefcountWarnOnceRepeats checks that repeated misuse through counters
// is folded into one line per message, in order of first occurrence.
func TestRefcountWarnOnceRepeats(t *testing.T) {
	d := NewDomain(Linux419)
	a, b := newObj("uts_namespace", 1), newObj("ipc_namespace", 2)
	var ra, rb Refcount
	ra.Init(d, a, 0)
	rb.Init(d, b, 0)
	ra.DecAndTest() // underflow, a
	rb.Inc()        // increment on 0, b
	rb.DecAndTest() // underflow again, b
	ra.Inc()        // increment on 0 again, a
	ra.Inc()
	assert.Equal(t, []Warning{
		{Message: wUnder, Object: "uts_namespace 1", Repeats: 1},
		{Message: wIncZero, Object: "ipc_namespace 2", Repeats: 2},
	}, d.Warnings())
}

func TestWarnLabel(t *testing.T) {
	for _, tc := range []struct {
		kind, id, want string
	}{
		{"cred", "pid 7", "cred pid 7"},
		{"cred", "", "cred"},
		{"", "pid 7", "pid 7"},
		{"", "", ""},
	} {
		d := NewDomain(Linux419)
		var r Refcount
		r.Init(d, &obj{kind: tc.kind, id: tc.id}, 0)
		r.Add(1)
		assert.Equal(t, []Warning{{Message: wAddZero, Object: tc.want}}, d.Warnings())
	}
}

func TestWarnConcurrent(t *testing.T) {
	const workers, per = 8, 1000
	d := NewDomain(Mainline)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range per {
				d.Warn("", "a")
				d.Warn("", "b")
			}
		})
	}
	for range workers {
		wg.Go(func() {
			for range per {
				_ = d.Warnings()
			}
		})
	}
	wg.Wait()
	ws := d.Warnings()
	require.Len(t, ws, 2)
	assert.Equal(t, workers*per-1, ws[0].Repeats)
	assert.Equal(t, workers*per-1, ws[1].Repeats)
}
