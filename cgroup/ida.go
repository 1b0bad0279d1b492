package cgroup

import "math/bits"

// ida hands out the lowest free integer id at or above a floor, as
// idr_alloc(idr, ptr, start, 0, gfp) does for cgroup ids (cgroup_idr_alloc
// with start 2: the root cgroup is 1) and css ids (start 2: root csses are
// 1). Freed ids are reused. The caller serialises access (cgroup_idr_lock;
// here cgroup_mutex, which every caller holds).
type ida struct {
	used []uint64
}

func (a *ida) test(id int) bool {
	w := id / 64
	return w < len(a.used) && a.used[w]&(1<<(id%64)) != 0
}

func (a *ida) set(id int) {
	for id/64 >= len(a.used) {
		a.used = append(a.used, 0)
	}
	a.used[id/64] |= 1 << (id % 64)
}

// alloc returns the lowest free id >= start and marks it used.
func (a *ida) alloc(start int) int {
	w := start / 64
	for ; w < len(a.used); w++ {
		free := ^a.used[w]
		if w == start/64 {
			free &^= (1 << (start % 64)) - 1
		}
		if free != 0 {
			id := w*64 + bits.TrailingZeros64(free)
			a.set(id)
			return id
		}
	}
	id := max(start, len(a.used)*64)
	a.set(id)
	return id
}

// remove frees id (idr_remove).
func (a *ida) remove(id int) {
	if id >= 0 && id/64 < len(a.used) {
		a.used[id/64] &^= 1 << (id % 64)
	}
}
