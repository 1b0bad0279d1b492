package refcount

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKrefLifecycle(t *testing.T) {
	for _, f := range []Flavour{Linux419, Mainline} {
		t.Run(f.String(), func(t *testing.T) {
			d := NewDomain(f)
			o := newObj("user_namespace", 4026531837)
			o.ref.Init(d, o)
			require.Equal(t, uint32(1), o.ref.Read(), "kref_init sets 1")

			o.ref.Get()
			require.True(t, o.ref.GetUnlessZero())
			require.Equal(t, uint32(3), o.ref.Read())

			released := 0
			release := func() { released++ }
			assert.False(t, o.ref.Put(release))
			assert.False(t, o.ref.Put(release))
			assert.Equal(t, 0, released)
			assert.True(t, o.ref.Put(release), "last put reports release")
			assert.Equal(t, 1, released)
			assert.Equal(t, uint32(0), o.ref.Read())

			assert.False(t, o.ref.GetUnlessZero(), "no reference on a dying object")
			assert.Equal(t, uint32(0), o.ref.Read())
			assert.Empty(t, d.Warnings())
		})
	}
}

func TestKrefMisuse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     Flavour
		op    func(k *Kref, release func()) bool
		value uint32
		warn  string
	}{
		{"419/get after release", Linux419, func(k *Kref, _ func()) bool { k.Get(); return false }, 0, wIncZero},
		{"419/put after release", Linux419, func(k *Kref, r func()) bool { return k.Put(r) }, 0, wUnder},
		{"mainline/get after release", Mainline, func(k *Kref, _ func()) bool { k.Get(); return false }, sat, wAddZero},
		{"mainline/put after release", Mainline, func(k *Kref, r func()) bool { return k.Put(r) }, sat, wUnder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDomain(tc.f)
			o := newObj("nsproxy", 1)
			o.ref.Init(d, o)
			released := 0
			release := func() { released++ }
			require.True(t, o.ref.Put(release))
			assert.False(t, tc.op(&o.ref, release))
			assert.Equal(t, 1, released, "release never runs twice")
			assert.Equal(t, tc.value, o.ref.Read())
			assert.Equal(t, []Warning{{Message: tc.warn, Object: "nsproxy 1"}}, d.Warnings())
		})
	}
}

func TestKrefPutNilRelease(t *testing.T) {
	var k Kref
	k.Init(NewDomain(Linux419), nil)
	assert.True(t, k.Put(nil))
}

func TestKrefPutLock(t *testing.T) {
	var mu sync.Mutex
	var k Kref
	k.Init(NewDomain(Mainline), nil)
	k.Get()

	calls := 0
	release := func() {
		calls++
		require.False(t, mu.TryLock(), "release runs with the lock held")
		mu.Unlock()
	}
	assert.False(t, k.PutLock(&mu, release))
	require.True(t, mu.TryLock(), "lock not held after a non-final put")
	mu.Unlock()
	assert.True(t, k.PutLock(&mu, release))
	assert.Equal(t, 1, calls)
	require.True(t, mu.TryLock(), "release unlocked")
	mu.Unlock()

	k.Init(NewDomain(Linux419), nil)
	assert.True(t, k.PutLock(&mu, nil))
	require.True(t, mu.TryLock(), "nil release: PutLock unlocks")
	mu.Unlock()
}

// TestKrefConcurrentRelease hands one reference to each of N goroutines,
// drops the creator's, and lets the goroutines Get/Put in a loop before
// dropping their own: whichever drop is last releases, exactly once.
func TestKrefConcurrentRelease(t *testing.T) {
	const workers, rounds = 16, 500
	for _, f := range []Flavour{Linux419, Mainline} {
		t.Run(f.String(), func(t *testing.T) {
			for iter := range 20 {
				d := NewDomain(f)
				o := newObj("task_struct", iter)
				o.ref.Init(d, o)
				d.Track(&o.node, o)

				var released, finals Atomic
				release := func() {
					released.Inc()
					d.Untrack(&o.node)
				}
				for range workers {
					o.ref.Get()
				}
				var start, wg sync.WaitGroup
				start.Add(1)
				for range workers {
					wg.Go(func() {
						start.Wait()
						for range rounds {
							o.ref.Get()
							if o.ref.Put(release) {
								finals.Inc()
							}
						}
						if o.ref.Put(release) {
							finals.Inc()
						}
					})
				}
				require.False(t, o.ref.Put(release), "creator's put is not last")
				start.Done()
				wg.Wait()

				require.Equal(t, int32(1), released.Read(), "release ran exactly once")
				require.Equal(t, int32(1), finals.Read(), "exactly one Put returned true")
				require.Equal(t, uint32(0), o.ref.Read())
				require.False(t, o.node.Tracked())
				require.NoError(t, d.Leaks())
				require.Empty(t, d.Warnings())
			}
		})
	}
}
