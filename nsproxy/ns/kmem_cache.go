package ns

// KmemCacheSize bounds how many freed objects a KmemCache keeps, as a slab
// cache gives idle slabs back to the page allocator.
const KmemCacheSize = 64

// KmemCache mirrors a kmem_cache (mm/slab_common.c) of one object type: Free
// keeps a freed object, Alloc hands it out again, so steady-state allocation
// and free of the type cost no Go allocation. Objects are kept as the caller
// left them (the caller zeroes on free). Under a serialised Env the big
// kernel lock guards it; a standalone Env's callers take its KLock.
type KmemCache struct {
	lock KLock
	free []any
}

// Alloc returns a cached object, or nil when the cache is empty (the caller
// allocates a new one, as a slab grows).
func (c *KmemCache) Alloc(e *Env) any {
	c.lock.Lock(e)
	var x any
	if n := len(c.free); n > 0 {
		x = c.free[n-1]
		c.free[n-1] = nil
		c.free = c.free[:n-1]
	}
	c.lock.Unlock(e)
	return x
}

// Free gives x back to the cache; beyond KmemCacheSize objects it is left to
// the garbage collector.
func (c *KmemCache) Free(e *Env, x any) {
	c.lock.Lock(e)
	if len(c.free) < KmemCacheSize {
		if c.free == nil {
			c.free = make([]any, 0, KmemCacheSize)
		}
		c.free = append(c.free, x)
	}
	c.lock.Unlock(e)
}
