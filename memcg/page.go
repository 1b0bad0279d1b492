package memcg

import "strconv"

// PFN is a page frame number: the index of a Page in its MemMap. Page
// links are PFNs, not pointers, so the whole map is one allocation that the
// garbage collector scans as plain data.
type PFN uint32

// NoPFN ends a list (the kernel's list_head pointing back at its head).
const NoPFN PFN = ^PFN(0)

// PageFlags are struct page's flags bits (include/linux/page-flags.h), the
// ones reclaim reads.
type PageFlags uint32

const (
	PG_referenced PageFlags = 1 << iota
	PG_dirty
	PG_lru
	PG_active
	PG_writeback
	PG_reclaim
	PG_swapbacked // anon and shmem pages; page_is_file_cache is its absence
	PG_unevictable
	PG_mlocked
)

var pageFlagNames = []string{"referenced", "dirty", "lru", "active", "writeback", "reclaim", "swapbacked", "unevictable", "mlocked"}

// String lists the set flags as /proc/kpageflags tools do, e.g.
// "lru|active|swapbacked".
func (f PageFlags) String() string {
	s := ""
	for i, n := range pageFlagNames {
		if f&(1<<i) != 0 {
			if s != "" {
				s += "|"
			}
			s += n
		}
	}
	if s == "" {
		return "0"
	}
	return s
}

// Page mirrors the parts of struct page (include/linux/mm_types.h) that
// charging and reclaim use: flags, the lru links (as PFNs), _refcount,
// _mapcount and the owning mem_cgroup as an id (page->mem_cgroup; an id, as
// swap_cgroup keeps it, so a Page holds no pointer). 24 bytes; the kernel's
// is 64.
type Page struct {
	flags    PageFlags
	memcg    uint16 // mem_cgroup id; 0: not charged
	_        uint16
	refcount int32 // _refcount
	mapcount int32 // _mapcount: -1 when not mapped
	prev     PFN   // lru.prev: towards the list head (newer)
	next     PFN   // lru.next: towards the tail (older)
}

// MemMap mirrors mem_map: every page frame of the simulated machine in one
// PFN-indexed array, with a free list threaded through the lru links (the
// order-0 free list of the page allocator).
type MemMap struct {
	pages    []Page
	freeHead PFN
	nrFree   int
}

// NewMemMap returns a map of n free page frames.
func NewMemMap(n int) *MemMap {
	m := &MemMap{pages: make([]Page, n), freeHead: NoPFN}
	for i := n - 1; i >= 0; i-- {
		m.pages[i] = Page{mapcount: -1, prev: NoPFN, next: m.freeHead}
		m.freeHead = PFN(i)
	}
	m.nrFree = n
	return m
}

// Page returns the frame at pfn (pfn_to_page).
func (m *MemMap) Page(pfn PFN) *Page { return &m.pages[pfn] }

// NrPages and NrFree count the frames and the free ones.
func (m *MemMap) NrPages() int { return len(m.pages) }
func (m *MemMap) NrFree() int  { return m.nrFree }

// AllocPage mirrors an order-0 alloc_page: the lowest free frame first
// (the free list is LIFO after frees, like the per-cpu lists), _refcount 1,
// no flags; false when none is free.
func (m *MemMap) AllocPage() (PFN, bool) {
	pfn := m.freeHead
	if pfn == NoPFN {
		return NoPFN, false
	}
	p := &m.pages[pfn]
	m.freeHead = p.next
	m.nrFree--
	*p = Page{refcount: 1, mapcount: -1, prev: NoPFN, next: NoPFN}
	return pfn, true
}

// GetPage mirrors get_page: one more reference.
func (m *MemMap) GetPage(pfn PFN) { m.pages[pfn].refcount++ }

// PutPage mirrors put_page: drop a reference, and free the frame at zero
// (__put_single_page; the page must be off the LRU by then, as
// __page_cache_release ensures). It reports whether the page was freed and
// panics on a put of a free page, a simulator bug.
func (m *MemMap) PutPage(pfn PFN) bool {
	p := &m.pages[pfn]
	if p.refcount <= 0 {
		panic("memcg: put_page of free page " + strconv.Itoa(int(pfn)))
	}
	p.refcount--
	if p.refcount > 0 {
		return false
	}
	if p.flags&PG_lru != 0 {
		panic("memcg: freeing page " + strconv.Itoa(int(pfn)) + " still on an LRU list")
	}
	*p = Page{mapcount: -1, prev: NoPFN, next: m.freeHead}
	m.freeHead = pfn
	m.nrFree++
	return true
}

// Flags, Refcount, Mapcount and MemcgID read the page's fields (page_count
// is Refcount, page_mapcount is Mapcount+1).
func (p *Page) Flags() PageFlags { return p.flags }
func (p *Page) Refcount() int32  { return p.refcount }
func (p *Page) Mapcount() int32  { return p.mapcount }
func (p *Page) MemcgID() uint16  { return p.memcg }

// SetFlags and ClearFlags set and clear flag bits (SetPageX/ClearPageX).
func (p *Page) SetFlags(f PageFlags)   { p.flags |= f }
func (p *Page) ClearFlags(f PageFlags) { p.flags &^= f }

// SetMemcgID records the charged mem_cgroup's id (commit_charge).
func (p *Page) SetMemcgID(id uint16) { p.memcg = id }

// IsFileCache mirrors page_is_file_cache: not swap-backed.
func (p *Page) IsFileCache() bool { return p.flags&PG_swapbacked == 0 }
