package ns

import (
	"math/bits"
	"sync"
)

// PROC_DYNAMIC_FIRST is the first dynamically allocated proc inode number
// (fs/proc/generic.c).
const PROC_DYNAMIC_FIRST uint32 = 0xF0000000

// InumAlloc mirrors proc_inum_ida: proc_alloc_inum hands out the lowest free
// number at or above PROC_DYNAMIC_FIRST, proc_free_inum gives it back.
// It does not allocate once its bitmap has grown. It is safe for concurrent
// use; in a serialised Env (Env.Serialise) its callers hold the big kernel
// lock and it takes no lock of its own.
type InumAlloc struct {
	mu     sync.Mutex
	serial bool
	words  []uint64 // bit i set = PROC_DYNAMIC_FIRST+i in use
	inUse  int
}

func (a *InumAlloc) lock() {
	if !a.serial {
		a.mu.Lock()
	}
}

func (a *InumAlloc) unlock() {
	if !a.serial {
		a.mu.Unlock()
	}
}

// Alloc mirrors proc_alloc_inum (fs/proc/generic.c) via ns_alloc_inum
// (include/linux/proc_ns.h): the lowest free number.
func (a *InumAlloc) Alloc() uint32 {
	a.lock()
	defer a.unlock()
	for i, w := range a.words {
		if w != ^uint64(0) {
			b := bits.TrailingZeros64(^w)
			a.words[i] |= 1 << uint(b)
			a.inUse++
			return PROC_DYNAMIC_FIRST + uint32(i*64+b)
		}
	}
	a.words = append(a.words, 1)
	a.inUse++
	return PROC_DYNAMIC_FIRST + uint32((len(a.words)-1)*64)
}

// Free mirrors proc_free_inum (fs/proc/generic.c) via ns_free_inum. Freeing a
// fixed (initial) number or one not allocated is a no-op reported as false.
func (a *InumAlloc) Free(inum uint32) bool {
	if inum < PROC_DYNAMIC_FIRST {
		return false
	}
	a.lock()
	defer a.unlock()
	i := inum - PROC_DYNAMIC_FIRST
	w, b := int(i/64), i%64
	if w >= len(a.words) || a.words[w]&(1<<b) == 0 {
		return false
	}
	a.words[w] &^= 1 << b
	a.inUse--
	return true
}

// InUse returns how many dynamic numbers are allocated.
func (a *InumAlloc) InUse() int {
	a.lock()
	defer a.unlock()
	return a.inUse
}
