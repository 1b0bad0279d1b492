package ns

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
)

func standaloneEnv() *Env {
	return &Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
}

func serialEnv() *Env {
	e := &Env{Trace: trace.New()}
	e.Serialise(refcount.Mainline)
	return e
}

// Serialise makes the counters plain, the registry and proc_inum_ida
// lock-free, and turns the KLocks off; a standalone Env locks.
func TestSerialise(t *testing.T) {
	e := serialEnv()
	assert.True(t, e.Serial)
	assert.True(t, e.Refs.Serialised())
	assert.Equal(t, refcount.Mainline, e.Refs.Flavour())
	assert.True(t, e.Inums.serial)
	s := standaloneEnv()
	assert.False(t, s.Serial)
	assert.False(t, s.Refs.Serialised())
	assert.False(t, s.Inums.serial)

	var l KLock
	l.Lock(e) // not taken: a TryLock succeeds
	require.True(t, l.mu.TryLock())
	l.mu.Unlock()
	l.Unlock(e)
	l.Lock(s) // taken
	require.False(t, l.mu.TryLock())
	l.Unlock(s)
	require.True(t, l.mu.TryLock())
	l.mu.Unlock()

	var rw KRWLock
	rw.RLock(e)
	require.True(t, rw.mu.TryLock())
	rw.mu.Unlock()
	rw.RUnlock(e)
	rw.Lock(e)
	require.True(t, rw.mu.TryLock())
	rw.mu.Unlock()
	rw.Unlock(e)
	rw.RLock(s)
	require.False(t, rw.mu.TryLock())
	require.True(t, rw.mu.TryRLock()) // readers share
	rw.mu.RUnlock()
	rw.RUnlock(s)
	rw.Lock(s)
	require.False(t, rw.mu.TryRLock())
	rw.Unlock(s)
}

// A standalone Env's KLock excludes: concurrent increments under it add up
// (run with -race).
func TestKLockStandaloneExcludes(t *testing.T) {
	e := standaloneEnv()
	var l KLock
	n := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				l.Lock(e)
				n++
				l.Unlock(e)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 8000, n)
}

// The cache hands back the most recently freed object, nil when empty, and
// keeps at most KmemCacheSize objects.
func TestKmemCache(t *testing.T) {
	for _, e := range []*Env{serialEnv(), standaloneEnv()} {
		var c KmemCache
		assert.Nil(t, c.Alloc(e))
		a, b := new(int), new(int)
		c.Free(e, a)
		c.Free(e, b)
		assert.Same(t, b, c.Alloc(e).(*int))
		assert.Same(t, a, c.Alloc(e).(*int))
		assert.Nil(t, c.Alloc(e))
		objs := make([]*int, KmemCacheSize+5)
		for i := range objs {
			objs[i] = new(int)
			c.Free(e, objs[i])
		}
		assert.Len(t, c.free, KmemCacheSize)
		assert.Same(t, objs[KmemCacheSize-1], c.Alloc(e).(*int), "the objects beyond the bound were dropped")
		// Steady state: a free and an alloc cost no allocation.
		allocs := testing.AllocsPerRun(100, func() { c.Free(e, c.Alloc(e)) })
		assert.Zero(t, allocs)
	}
}

// nsproxy numbers count from 1 in both modes.
func TestNextNSProxyID(t *testing.T) {
	for _, e := range []*Env{serialEnv(), standaloneEnv()} {
		assert.Equal(t, uint64(1), e.NextNSProxyID())
		assert.Equal(t, uint64(2), e.NextNSProxyID())
	}
}

// NewCtx binds the cursor to the Env's tracer, so ctx.Enter records.
func TestNewCtxBindsTracer(t *testing.T) {
	e := standaloneEnv()
	c := NewCtx(e, 1000)
	assert.Equal(t, uint32(1000), c.EUID)
	assert.Same(t, e.Trace, c.Tracer())
	e.Trace.Start()
	c.PID = 7
	c.Enter("copy_namespaces")
	c.Mark("copy_utsname")
	c.Exit("copy_namespaces")
	assert.Equal(t, []string{"copy_namespaces", "copy_utsname"}, e.Trace.Names())
	var d Ctx
	d.Init(e, 0)
	assert.Same(t, e.Trace, d.Tracer())
	assert.Zero(t, d.Depth())
}
