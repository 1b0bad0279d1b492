package refcount

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistryOrderAndLeaks(t *testing.T) {
	for _, dk := range domainKinds {
		t.Run(dk.name, func(t *testing.T) { testRegistryOrderAndLeaks(t, dk.new(Linux419)) })
	}
}

func testRegistryOrderAndLeaks(t *testing.T, d *Domain) {
	require.NoError(t, d.Leaks())
	require.Nil(t, d.Live())
	require.Equal(t, 0, d.LiveCount())

	uts := &obj{kind: "uts_namespace", id: "4026531838"}
	nsp := &obj{kind: "nsproxy", id: "1"}
	task := &obj{kind: "task_struct", id: "pid 7"}
	uts2 := &obj{kind: "uts_namespace", id: "4026532171"}
	for _, o := range []*obj{uts, nsp, task, uts2} {
		o.ref.Init(d, o)
		d.Track(&o.node, o)
		require.True(t, o.node.Tracked())
	}
	nsp.ref.Get()
	uts2.ref.Get()
	uts2.ref.Get()

	assert.Equal(t, 4, d.LiveCount())
	assert.Equal(t, 2, d.CountKind("uts_namespace"))
	assert.Equal(t, 1, d.CountKind("task_struct"))
	assert.Equal(t, 0, d.CountKind("cred"))
	assert.Equal(t, []Live{
		{"uts_namespace", "4026531838", 1},
		{"nsproxy", "1", 2},
		{"task_struct", "pid 7", 1},
		{"uts_namespace", "4026532171", 3},
	}, d.Live())

	// Free one from the middle and one from the head: order of the rest is
	// kept, and a re-tracked object goes to the end.
	d.Untrack(&nsp.node)
	d.Untrack(&uts.node)
	assert.False(t, nsp.node.Tracked())
	d.Track(&nsp.node, nsp)

	err := d.Leaks()
	require.Error(t, err)
	assert.EqualError(t, err,
		"task_struct pid 7 count=1\n"+
			"uts_namespace 4026532171 count=3\n"+
			"nsproxy 1 count=2")
	var le *LeakError
	require.True(t, errors.As(err, &le))
	assert.Equal(t, []Live{
		{"task_struct", "pid 7", 1},
		{"uts_namespace", "4026532171", 3},
		{"nsproxy", "1", 2},
	}, le.Objects)

	for _, o := range []*obj{task, uts2, nsp} {
		d.Untrack(&o.node)
	}
	assert.NoError(t, d.Leaks())
	assert.Equal(t, 0, d.LiveCount())
	assert.Equal(t, 0, d.CountKind("uts_namespace"))
	assert.Nil(t, d.Live())
}

func TestRegistryZeroDomain(t *testing.T) {
	var d Domain
	o := newObj("cred", 1)
	assert.Equal(t, 0, d.CountKind("cred"))
	d.Track(&o.node, o)
	assert.Equal(t, 1, d.CountKind("cred"))
	d.Untrack(&o.node)
	assert.NoError(t, d.Leaks())
}

func TestRegistryPanics(t *testing.T) {
	d, other := NewDomain(Linux419), NewDomain(Linux419)
	o := newObj("cred", 1)

	assert.PanicsWithValue(t, "refcount: Untrack of a node not tracked by this Domain",
		func() { d.Untrack(&o.node) }, "never tracked")

	d.Track(&o.node, o)
	assert.PanicsWithValue(t, "refcount: Track of an already tracked cred node",
		func() { d.Track(&o.node, o) }, "double track")
	assert.Panics(t, func() { other.Track(&o.node, o) }, "tracked by another domain")
	assert.Panics(t, func() { other.Untrack(&o.node) }, "untrack through the wrong domain")
	assert.Equal(t, 1, d.LiveCount(), "failed calls change nothing")
	assert.Equal(t, 0, other.LiveCount())

	d.Untrack(&o.node)
	assert.Panics(t, func() { d.Untrack(&o.node) }, "double untrack")
	assert.PanicsWithValue(t, "refcount: Track of a nil Object", func() { d.Track(&o.node, nil) })
	assert.False(t, o.node.Tracked())
	assert.NoError(t, d.Leaks())
}

// TestRegistryNoAllocs makes Track/Untrack and the counter fast paths fail
// if they start allocating.
func TestRegistryNoAllocs(t *testing.T) {
	d := NewDomain(Mainline)
	o := newObj("nsproxy", 1)
	o.ref.Init(d, o)
	for name, fn := range map[string]func(){
		"track/untrack": func() { d.Track(&o.node, o); d.Untrack(&o.node) },
		"inc/dec":       func() { o.ref.Refcount.Inc(); o.ref.Refcount.Dec() },
		"get/put":       func() { o.ref.Get(); o.ref.Put(nil) },
		"count":         func() { d.LiveCount(); d.CountKind("nsproxy") },
	} {
		assert.Zero(t, testing.AllocsPerRun(100, fn), name)
	}
	assert.Empty(t, d.Warnings())
}

// TestRegistryConcurrent tracks and untracks from many goroutines while
// others list the registry; run it with -race.
func TestRegistryConcurrent(t *testing.T) {
	const workers, per = 8, 300
	d := NewDomain(Linux419)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				live := d.Live()
				assert.LessOrEqual(t, len(live), workers*per)
				_ = d.LiveCount()
				_ = d.CountKind("w0")
				_ = d.Leaks()
			}
		})
	}
	objs := make([][]*obj, workers)
	for w := range workers {
		objs[w] = make([]*obj, per)
		for i := range per {
			objs[w][i] = &obj{kind: fmt.Sprintf("w%d", w), id: fmt.Sprint(i)}
		}
		wg.Go(func() {
			for i, o := range objs[w] {
				o.ref.Init(d, o)
				d.Track(&o.node, o)
				if i%3 == 0 {
					o.ref.Get()
					o.ref.Put(nil)
					o.ref.Put(func() { d.Untrack(&o.node) })
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	want := per - (per+2)/3
	assert.Equal(t, workers*want, d.LiveCount())
	for w := range workers {
		assert.Equal(t, want, d.CountKind(fmt.Sprintf("w%d", w)))
	}
	// Per goroutine, objects appear in the order that goroutine tracked them.
	last := map[string]int{}
	for _, l := range d.Live() {
		var i int
		_, err := fmt.Sscan(l.ID, &i)
		require.NoError(t, err)
		if prev, ok := last[l.Kind]; ok {
			require.Greater(t, i, prev, "tracking order within %s", l.Kind)
		}
		last[l.Kind] = i
	}
	for _, os := range objs {
		for _, o := range os {
			if o.node.Tracked() {
				d.Untrack(&o.node)
			}
		}
	}
	assert.NoError(t, d.Leaks())
}
