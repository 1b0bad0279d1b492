package memcg

import (
	"math/bits"
	"strconv"
)

// LRUList mirrors enum lru_list (include/linux/mmzone.h).
type LRUList int

const (
	LRU_INACTIVE_ANON LRUList = iota // LRU_BASE
	LRU_ACTIVE_ANON                  // LRU_BASE + LRU_ACTIVE
	LRU_INACTIVE_FILE                // LRU_BASE + LRU_FILE
	LRU_ACTIVE_FILE                  // LRU_BASE + LRU_FILE + LRU_ACTIVE
	LRU_UNEVICTABLE
	NR_LRU_LISTS
)

// LRU_ACTIVE and LRU_FILE are the offsets enum lru_list is built from.
const (
	LRU_ACTIVE LRUList = 1
	LRU_FILE   LRUList = 2
)

var lruNames = [NR_LRU_LISTS]string{"inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"}

// String returns the memory.stat key of the list.
func (l LRUList) String() string {
	if l >= 0 && l < NR_LRU_LISTS {
		return lruNames[l]
	}
	return "LRUList(" + strconv.Itoa(int(l)) + ")"
}

// PageList is a list_head of pages linked through their lru fields by PFN:
// Head is the newest entry (list_add), Tail the oldest (reclaim takes from
// there). The zero value is not empty-initialised: use NewPageList.
type PageList struct {
	Head, Tail PFN
	Len        int
}

// NewPageList returns an empty list.
func NewPageList() PageList { return PageList{Head: NoPFN, Tail: NoPFN} }

func (m *MemMap) listAdd(l *PageList, pfn PFN) {
	p := &m.pages[pfn]
	p.prev, p.next = NoPFN, l.Head
	if l.Head != NoPFN {
		m.pages[l.Head].prev = pfn
	} else {
		l.Tail = pfn
	}
	l.Head = pfn
	l.Len++
}

func (m *MemMap) listAddTail(l *PageList, pfn PFN) {
	p := &m.pages[pfn]
	p.prev, p.next = l.Tail, NoPFN
	if l.Tail != NoPFN {
		m.pages[l.Tail].next = pfn
	} else {
		l.Head = pfn
	}
	l.Tail = pfn
	l.Len++
}

func (m *MemMap) listDel(l *PageList, pfn PFN) {
	p := &m.pages[pfn]
	if p.prev != NoPFN {
		m.pages[p.prev].next = p.next
	} else {
		l.Head = p.next
	}
	if p.next != NoPFN {
		m.pages[p.next].prev = p.prev
	} else {
		l.Tail = p.prev
	}
	p.prev, p.next = NoPFN, NoPFN
	l.Len--
}

// Walk calls fn for each page of l from head (newest) to tail (oldest).
func (m *MemMap) Walk(l *PageList, fn func(PFN)) {
	for pfn := l.Head; pfn != NoPFN; pfn = m.pages[pfn].next {
		fn(pfn)
	}
}

// Lruvec mirrors struct lruvec (include/linux/mmzone.h) of one memcg on the
// simulated machine's one node: the five lists, their sizes (lru_size), and
// zone_reclaim_stat's recent_scanned and recent_rotated per type (0 anon,
// 1 file). PGACTIVATE and PGDEACTIVATE count the vm events of its pages.
type Lruvec struct {
	Lists                        [NR_LRU_LISTS]PageList
	RecentScanned, RecentRotated [2]uint64
	PGACTIVATE, PGDEACTIVATE     uint64
}

// NewLruvec returns an lruvec with empty lists (lruvec_init).
func NewLruvec() *Lruvec {
	v := new(Lruvec)
	for i := range v.Lists {
		v.Lists[i] = NewPageList()
	}
	return v
}

// Size mirrors lruvec_lru_size: the pages on list lru.
func (v *Lruvec) Size(lru LRUList) int { return v.Lists[lru].Len }

// PageLRUBaseType mirrors page_lru_base_type: the inactive list of the
// page's type.
func (p *Page) PageLRUBaseType() LRUList {
	if p.IsFileCache() {
		return LRU_INACTIVE_FILE
	}
	return LRU_INACTIVE_ANON
}

// PageLRU mirrors page_lru (include/linux/mm_inline.h): the list the page
// belongs on from its flags.
func (p *Page) PageLRU() LRUList {
	if p.flags&PG_unevictable != 0 {
		return LRU_UNEVICTABLE
	}
	lru := p.PageLRUBaseType()
	if p.flags&PG_active != 0 {
		lru += LRU_ACTIVE
	}
	return lru
}

// AddPageToLRUList mirrors add_page_to_lru_list: the page goes to the head
// of list lru (update_lru_size counts it).
func (m *MemMap) AddPageToLRUList(v *Lruvec, pfn PFN, lru LRUList) { m.listAdd(&v.Lists[lru], pfn) }

// AddPageToLRUListTail mirrors add_page_to_lru_list_tail.
func (m *MemMap) AddPageToLRUListTail(v *Lruvec, pfn PFN, lru LRUList) {
	m.listAddTail(&v.Lists[lru], pfn)
}

// DelPageFromLRUList mirrors del_page_from_lru_list.
func (m *MemMap) DelPageFromLRUList(v *Lruvec, pfn PFN, lru LRUList) { m.listDel(&v.Lists[lru], pfn) }

// updatePageReclaimStat mirrors update_page_reclaim_stat.
func (v *Lruvec) updatePageReclaimStat(file bool, rotated bool) {
	t := 0
	if file {
		t = 1
	}
	v.RecentScanned[t]++
	if rotated {
		v.RecentRotated[t]++
	}
}

// LruCacheAdd mirrors lru_cache_add and its drain (__pagevec_lru_add_fn):
// the per-cpu pagevec is drained at once, as the simulator has no CPUs to
// batch for. The page gets PG_lru and goes to the head of page_lru's list.
func (m *MemMap) LruCacheAdd(v *Lruvec, pfn PFN) {
	p := &m.pages[pfn]
	if p.flags&PG_lru != 0 {
		panic("memcg: lru_cache_add of a page already on an LRU list")
	}
	p.flags |= PG_lru
	m.AddPageToLRUList(v, pfn, p.PageLRU())
	v.updatePageReclaimStat(p.IsFileCache(), p.flags&PG_active != 0)
}

// LruCacheAddNewAnon is how a page fault puts a new anon page on the LRU:
// 4.19's lru_cache_add_active_or_unevictable (active, unless the vma is
// VM_LOCKED: mlocked and unevictable), mainline's (5.9+)
// lru_cache_add_inactive_or_unevictable (inactive).
func (m *MemMap) LruCacheAddNewAnon(v *Lruvec, pfn PFN, locked, mainline bool) {
	p := &m.pages[pfn]
	p.flags |= PG_swapbacked
	switch {
	case locked:
		p.flags |= PG_mlocked | PG_unevictable
	case !mainline:
		p.flags |= PG_active
	}
	m.LruCacheAdd(v, pfn)
}

// ActivatePage mirrors activate_page with its drain (__activate_page): a
// page on an inactive list moves to the head of its active list, PG_active
// set, counted in PGACTIVATE and as rotated. Other pages are left alone.
func (m *MemMap) ActivatePage(v *Lruvec, pfn PFN) {
	p := &m.pages[pfn]
	if p.flags&(PG_lru|PG_active|PG_unevictable) != PG_lru {
		return
	}
	lru := p.PageLRUBaseType()
	m.DelPageFromLRUList(v, pfn, lru)
	p.flags |= PG_active
	m.AddPageToLRUList(v, pfn, lru+LRU_ACTIVE)
	v.PGACTIVATE++
	v.updatePageReclaimStat(p.IsFileCache(), true)
}

// MarkPageAccessed mirrors mark_page_accessed (mm/swap.c): an inactive,
// evictable page already marked referenced is activated (or, off the LRU,
// only gets PG_active) and loses PG_referenced; a page not yet referenced
// is marked. So a cache page must be touched twice to be promoted.
func (m *MemMap) MarkPageAccessed(v *Lruvec, pfn PFN) {
	p := &m.pages[pfn]
	switch {
	case p.flags&(PG_active|PG_unevictable|PG_referenced) == PG_referenced:
		if p.flags&PG_lru != 0 {
			m.ActivatePage(v, pfn)
		} else {
			p.flags |= PG_active // __lru_cache_activate_page
		}
		p.flags &^= PG_referenced
	case p.flags&PG_referenced == 0:
		p.flags |= PG_referenced
	}
}

// IsolateLRUPages mirrors isolate_lru_pages for order-0 pages: take up to
// n pages from the tail (the oldest) of list lru onto dst, clearing PG_lru.
// It returns how many were taken.
func (m *MemMap) IsolateLRUPages(v *Lruvec, n int, lru LRUList, dst *PageList) int {
	src := &v.Lists[lru]
	taken := 0
	for taken < n && src.Tail != NoPFN {
		pfn := src.Tail
		m.listDel(src, pfn)
		m.pages[pfn].flags &^= PG_lru
		m.listAdd(dst, pfn)
		taken++
	}
	return taken
}

// PutbackLRUPages puts isolated pages back, oldest first, each at the head
// of the list its flags name (putback_inactive_pages' and
// move_active_pages_to_lru's list_add), counting an active one as rotated.
// src is left empty.
func (m *MemMap) PutbackLRUPages(v *Lruvec, src *PageList) {
	for src.Tail != NoPFN {
		pfn := src.Tail
		m.listDel(src, pfn)
		p := &m.pages[pfn]
		p.flags |= PG_lru
		m.AddPageToLRUList(v, pfn, p.PageLRU())
		if p.flags&PG_active != 0 {
			v.updatePageReclaimStat(p.IsFileCache(), true)
		}
	}
}

// IntSqrt mirrors int_sqrt (lib/int_sqrt.c): the integer square root,
// rounded down.
func IntSqrt(x uint64) uint64 {
	if x < 2 {
		return x
	}
	m := uint64(1) << ((bits.Len64(x) - 1) &^ 1)
	var y uint64
	for m != 0 {
		b := y + m
		y >>= 1
		if x >= b {
			x -= b
			y += m
		}
		m >>= 2
	}
	return y
}

// InactiveListIsLow mirrors 4.19's inactive_list_is_low (mm/vmscan.c;
// mainline's inactive_is_low keeps the rule): never for anon without any
// swap; for file pages during actual reclaim while refaults activate pages
// (refaultsChanged) the ratio is 0; otherwise ratio = int_sqrt(10 × whole
// GiB on the two lists), 1 under a GiB. Low when inactive × ratio < active.
func (v *Lruvec) InactiveListIsLow(file bool, totalSwapPages uint64, refaultsChanged bool) bool {
	if !file && totalSwapPages == 0 {
		return false
	}
	inactive, active := LRU_INACTIVE_ANON, LRU_ACTIVE_ANON
	if file {
		inactive, active = LRU_INACTIVE_FILE, LRU_ACTIVE_FILE
	}
	in, ac := uint64(v.Size(inactive)), uint64(v.Size(active))
	var ratio uint64
	if file && refaultsChanged {
		ratio = 0
	} else if gb := (in + ac) >> (30 - PAGE_SHIFT); gb != 0 {
		ratio = IntSqrt(10 * gb)
	} else {
		ratio = 1
	}
	return in*ratio < ac
}
