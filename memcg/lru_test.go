package memcg

import (
	"math"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageIsSmall(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(Page{}), uintptr(64), "a struct page is at most 64 bytes")
}

func TestMemMapAllocFree(t *testing.T) {
	m := NewMemMap(3)
	require.Equal(t, 3, m.NrFree())
	a, ok := m.AllocPage()
	require.True(t, ok)
	b, _ := m.AllocPage()
	assert.Equal(t, []PFN{0, 1}, []PFN{a, b}, "lowest first")
	assert.Equal(t, int32(1), m.Page(a).Refcount())
	assert.Equal(t, int32(-1), m.Page(a).Mapcount())
	m.GetPage(a)
	assert.False(t, m.PutPage(a))
	assert.True(t, m.PutPage(a))
	c, _ := m.AllocPage()
	assert.Equal(t, a, c, "the frame freed last is reused first")
	_, _ = m.AllocPage()
	_, ok = m.AllocPage()
	assert.False(t, ok, "all three in use")
	assert.Zero(t, m.NrFree())
	assert.Panics(t, func() { m.PutPage(a); m.PutPage(a) }, "put of a free page")

	v := NewLruvec()
	m.LruCacheAdd(v, b)
	assert.Panics(t, func() { m.PutPage(b) }, "freeing a page still on the LRU")
	assert.Panics(t, func() { m.LruCacheAdd(v, b) }, "added twice")
}

// lists returns each list's pages from head to tail.
func lists(m *MemMap, v *Lruvec) [NR_LRU_LISTS][]PFN {
	var out [NR_LRU_LISTS][]PFN
	for i := range v.Lists {
		m.Walk(&v.Lists[i], func(p PFN) { out[i] = append(out[i], p) })
		if len(out[i]) != v.Lists[i].Len {
			panic("lru_size disagrees with the list")
		}
	}
	return out
}

// Where lru_cache_add puts a page: a new anon page is active in 4.19 and
// inactive in mainline, a VM_LOCKED one unevictable; page cache inactive,
// or active when already PG_active (a workingset refault).
func TestLruCacheAddPlacement(t *testing.T) {
	m, v := NewMemMap(6), NewLruvec()
	var pf [6]PFN
	for i := range pf {
		pf[i], _ = m.AllocPage()
	}
	m.LruCacheAddNewAnon(v, pf[0], false, false) // 4.19
	m.LruCacheAddNewAnon(v, pf[1], false, true)  // mainline
	m.LruCacheAddNewAnon(v, pf[2], true, false)  // mlocked
	m.LruCacheAdd(v, pf[3])                      // page cache
	m.Page(pf[4]).SetFlags(PG_active)
	m.LruCacheAdd(v, pf[4])
	assert.Equal(t, [NR_LRU_LISTS][]PFN{{pf[1]}, {pf[0]}, {pf[3]}, {pf[4]}, {pf[2]}}, lists(m, v))
	assert.Equal(t, "lru|active|swapbacked", m.Page(pf[0]).Flags().String())
	assert.Equal(t, "lru|swapbacked|unevictable|mlocked", m.Page(pf[2]).Flags().String())
	assert.Equal(t, "0", m.Page(pf[5]).Flags().String())
	assert.Equal(t, [2]uint64{3, 2}, v.RecentScanned)
	assert.Equal(t, [2]uint64{1, 1}, v.RecentRotated)
	assert.Equal(t, "active_file", LRU_ACTIVE_FILE.String())
	assert.Equal(t, "LRUList(9)", LRUList(9).String())
}

// mark_page_accessed: the first touch marks, the second activates (to the
// active list's head, PGACTIVATE) and clears the mark; an active or
// unevictable page only keeps its mark; off the LRU only PG_active is set.
func TestMarkPageAccessed(t *testing.T) {
	m, v := NewMemMap(4), NewLruvec()
	var pf [4]PFN
	for i := range pf {
		pf[i], _ = m.AllocPage()
		m.LruCacheAdd(v, pf[i])
	}
	m.MarkPageAccessed(v, pf[0])
	assert.Equal(t, "referenced|lru", m.Page(pf[0]).Flags().String())
	assert.Equal(t, 4, v.Size(LRU_INACTIVE_FILE))
	m.MarkPageAccessed(v, pf[0])
	assert.Equal(t, "lru|active", m.Page(pf[0]).Flags().String())
	assert.Equal(t, []PFN{pf[0]}, lists(m, v)[LRU_ACTIVE_FILE])
	assert.Equal(t, uint64(1), v.PGACTIVATE)
	m.MarkPageAccessed(v, pf[0]) // active: only marked
	m.MarkPageAccessed(v, pf[0])
	assert.Equal(t, "referenced|lru|active", m.Page(pf[0]).Flags().String())
	assert.Equal(t, uint64(1), v.PGACTIVATE)

	var iso = NewPageList()
	require.Equal(t, 1, m.IsolateLRUPages(v, 1, LRU_INACTIVE_FILE, &iso))
	off := iso.Head
	m.MarkPageAccessed(v, off)
	m.MarkPageAccessed(v, off)
	assert.Equal(t, "active", m.Page(off).Flags().String(), "__lru_cache_activate_page")
	m.PutbackLRUPages(v, &iso)
	assert.Equal(t, []PFN{off, pf[0]}, lists(m, v)[LRU_ACTIVE_FILE])
}

// isolate_lru_pages takes the oldest pages from the tail; putback returns
// each to the head of the list its flags name.
func TestIsolatePutback(t *testing.T) {
	m, v := NewMemMap(5), NewLruvec()
	var pf [5]PFN
	for i := range pf {
		pf[i], _ = m.AllocPage()
		m.LruCacheAdd(v, pf[i]) // head: pf[4] … tail: pf[0]
	}
	iso := NewPageList()
	assert.Equal(t, 3, m.IsolateLRUPages(v, 3, LRU_INACTIVE_FILE, &iso))
	assert.Equal(t, []PFN{pf[4], pf[3]}, lists(m, v)[LRU_INACTIVE_FILE])
	var got []PFN
	m.Walk(&iso, func(p PFN) { got = append(got, p) })
	assert.Equal(t, []PFN{pf[2], pf[1], pf[0]}, got)
	for _, p := range got {
		assert.Zero(t, m.Page(p).Flags()&PG_lru)
	}
	m.Page(pf[1]).SetFlags(PG_active) // referenced while isolated
	m.PutbackLRUPages(v, &iso)
	assert.Zero(t, iso.Len)
	// putback_inactive_pages takes the isolated list from its tail and adds
	// each page at the head: pf[0] first, then pf[2] on top of it.
	assert.Equal(t, []PFN{pf[2], pf[0], pf[4], pf[3]}, lists(m, v)[LRU_INACTIVE_FILE])
	assert.Equal(t, []PFN{pf[1]}, lists(m, v)[LRU_ACTIVE_FILE])
	assert.Equal(t, 0, m.IsolateLRUPages(v, 2, LRU_ACTIVE_ANON, &iso), "an empty list gives nothing")
}

func TestIntSqrt(t *testing.T) {
	for _, tc := range [][2]uint64{{0, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 2}, {10, 3}, {100, 10}, {1000, 31}, {10240, 101}, {math.MaxUint64, 4294967295}} {
		assert.Equal(t, tc[1], IntSqrt(tc[0]), "int_sqrt(%d)", tc[0])
	}
	for x := uint64(0); x < 100000; x += 7 {
		r := IntSqrt(x)
		require.True(t, r*r <= x && (r+1)*(r+1) > x, "int_sqrt(%d) = %d", x, r)
	}
}

// inactive_list_is_low, one case per branch, with the ratio rule's
// boundary at one GiB (262144 pages: ratio 3).
func TestInactiveListIsLow(t *testing.T) {
	const gib = 1 << (30 - PAGE_SHIFT)
	fill := func(inactive, active int, file bool) *Lruvec {
		v := NewLruvec()
		in, ac := LRU_INACTIVE_ANON, LRU_ACTIVE_ANON
		if file {
			in, ac = LRU_INACTIVE_FILE, LRU_ACTIVE_FILE
		}
		v.Lists[in].Len, v.Lists[ac].Len = inactive, active // sizes are what the rule reads
		return v
	}
	for _, tc := range []struct {
		name             string
		inactive, active int
		file             bool
		swap             uint64
		refaults         bool
		want             bool
	}{
		{"anon without swap never", 1, 1000, false, 0, false, false},
		{"anon with swap, under a GiB, ratio 1", 10, 11, false, 1, false, true},
		{"equal is not low", 11, 11, true, 0, false, false},
		{"refaults: ratio 0", 1000, 1, true, 0, true, true},
		{"refaults only count for file", 1000, 1, false, 1, true, false},
		{"one GiB, ratio 3, at the boundary", gib / 4, gib * 3 / 4, true, 0, false, false},
		{"one GiB, ratio 3, above it", gib / 4, gib*3/4 + 1, true, 0, false, true},
		// Ten GiB: ratio int_sqrt(100) = 10, low while inactive × 11 < total.
		{"ten GiB, ratio 10, low", 238312, 10*gib - 238312, true, 0, false, true},
		{"ten GiB, ratio 10, not low", 238313, 10*gib - 238313, true, 0, false, false},
	} {
		v := fill(tc.inactive, tc.active, tc.file)
		assert.Equal(t, tc.want, v.InactiveListIsLow(tc.file, tc.swap, tc.refaults), tc.name)
	}
}

// Random LRU operations against a model of the lists (slices): the PFN
// links, the sizes and the flags stay consistent.
func FuzzLRUOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{3, 3, 3, 9, 9, 1, 2, 250, 17, 4, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const n = 16
		m, v := NewMemMap(n), NewLruvec()
		iso := NewPageList()
		var pages []PFN
		for _, op := range ops {
			arg := int(op >> 3)
			switch op & 7 {
			case 0, 1: // allocate and add (file or anon)
				pfn, ok := m.AllocPage()
				if !ok {
					continue
				}
				if op&1 == 0 {
					m.LruCacheAdd(v, pfn)
				} else {
					m.LruCacheAddNewAnon(v, pfn, arg%5 == 0, arg%2 == 0)
				}
				pages = append(pages, pfn)
			case 2, 3: // touch
				if len(pages) > 0 {
					m.MarkPageAccessed(v, pages[arg%len(pages)])
				}
			case 4: // isolate
				m.IsolateLRUPages(v, arg%4+1, LRUList(arg%int(NR_LRU_LISTS)), &iso)
			case 5: // putback
				m.PutbackLRUPages(v, &iso)
			case 6: // delete from its list and free
				if len(pages) == 0 {
					continue
				}
				i := arg % len(pages)
				p := m.Page(pages[i])
				if p.Flags()&PG_lru == 0 {
					continue // isolated
				}
				m.DelPageFromLRUList(v, pages[i], p.PageLRU())
				p.ClearFlags(PG_lru)
				require.True(t, m.PutPage(pages[i]))
				pages = append(pages[:i], pages[i+1:]...)
			case 7: // activate_page
				if len(pages) > 0 {
					m.ActivatePage(v, pages[arg%len(pages)])
				}
			}
			// Every page on a list is flagged PG_lru and belongs there;
			// isolated ones are not flagged; the counts add up.
			onLists := 0
			for l, ps := range lists(m, v) {
				for _, p := range ps {
					pg := m.Page(p)
					require.NotZero(t, pg.Flags()&PG_lru)
					require.Equal(t, LRUList(l), pg.PageLRU())
				}
				onLists += len(ps)
			}
			m.Walk(&iso, func(p PFN) { require.Zero(t, m.Page(p).Flags()&PG_lru) })
			require.Equal(t, len(pages), onLists+iso.Len)
			require.Equal(t, n-len(pages), m.NrFree())
		}
	})
}
