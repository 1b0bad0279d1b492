package mntns

import (
	"math/bits"
	"sync"
)

// ida mirrors struct ida (lib/idr.c) as fs/namespace.c and fs/super.c use
// it: ida_alloc_range hands out the lowest free number in [min, max] and
// ida_free gives it back, so numbers are reused lowest first. It is safe for
// concurrent use.
type ida struct {
	mu       sync.Mutex
	min, max int
	words    []uint64 // bit i set = min+i in use
	low      int      // no free bit below word low
	inUse    int
}

func newIDA(min, max int) ida { return ida{min: min, max: max} }

// alloc returns the lowest free number, or -1 when [min, max] is full
// (ida_alloc_range's -ENOSPC).
func (a *ida) alloc() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := a.low; i < len(a.words); i++ {
		if w := a.words[i]; w != ^uint64(0) {
			b := bits.TrailingZeros64(^w)
			n := a.min + i*64 + b
			if n > a.max {
				return -1
			}
			a.words[i] |= 1 << uint(b)
			a.low = i
			a.inUse++
			return n
		}
	}
	n := a.min + len(a.words)*64
	if n > a.max {
		return -1
	}
	a.words = append(a.words, 1)
	a.low = len(a.words) - 1
	a.inUse++
	return n
}

// free gives n back; it reports false for a number not allocated.
func (a *ida) free(n int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	i := n - a.min
	if i < 0 {
		return false
	}
	w, b := i/64, uint(i%64)
	if w >= len(a.words) || a.words[w]&(1<<b) == 0 {
		return false
	}
	a.words[w] &^= 1 << b
	if w < a.low {
		a.low = w
	}
	a.inUse--
	return true
}

func (a *ida) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inUse
}
