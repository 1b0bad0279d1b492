package memcg

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func sizedLruvec(inAnon, acAnon, inFile, acFile int) *Lruvec {
	v := NewLruvec()
	v.Lists[LRU_INACTIVE_ANON].Len = inAnon
	v.Lists[LRU_ACTIVE_ANON].Len = acAnon
	v.Lists[LRU_INACTIVE_FILE].Len = inFile
	v.Lists[LRU_ACTIVE_FILE].Len = acFile
	return v
}

// get_scan_count for memcg reclaim, one case per branch; the numbers are
// worked by hand from mm/vmscan.c's formulas.
func TestGetScanCount(t *testing.T) {
	swap := ScanInput{Priority: 4, MaySwap: true, Swappiness: 60, NrSwapPages: 1 << 20, Online: true}
	for _, tc := range []struct {
		name    string
		v       *Lruvec
		in      ScanInput
		want    [LRU_UNEVICTABLE]uint64
		balance ScanBalance
	}{
		{"no swap left: file only", sizedLruvec(40960, 0, 100, 200), ScanInput{Priority: 4, MaySwap: true, Swappiness: 60, Online: true},
			[LRU_UNEVICTABLE]uint64{0, 0, 6, 12}, SCAN_FILE},
		{"may_swap off: file only", sizedLruvec(40960, 0, 100, 200), ScanInput{Priority: 4, Swappiness: 60, NrSwapPages: 10, Online: true},
			[LRU_UNEVICTABLE]uint64{0, 0, 6, 12}, SCAN_FILE},
		{"swappiness 0: file only", sizedLruvec(40960, 0, 100, 200), ScanInput{Priority: 4, MaySwap: true, NrSwapPages: 10, Online: true},
			[LRU_UNEVICTABLE]uint64{0, 0, 6, 12}, SCAN_FILE},
		{"priority 0: everything", sizedLruvec(40960, 7, 100, 200), ScanInput{MaySwap: true, Swappiness: 60, NrSwapPages: 10, Online: true},
			[LRU_UNEVICTABLE]uint64{40960, 7, 100, 200}, SCAN_EQUAL},
		{"enough inactive file: file only", sizedLruvec(40960, 0, 8192, 0), ScanInput{Priority: 12, MaySwap: true, Swappiness: 60, NrSwapPages: 10, Online: true},
			[LRU_UNEVICTABLE]uint64{0, 0, 2, 0}, SCAN_FILE},
		// ap = 60, fp = 140, denominator 201: 2560·60/201, 6·140/201, 12·140/201.
		{"fraction by swappiness", sizedLruvec(40960, 0, 100, 200), swap,
			[LRU_UNEVICTABLE]uint64{764, 0, 4, 8}, SCAN_FRACT},
		// The reference's example: a 50 MiB file list scans 3 pages at
		// priority 12, 6 at 11.
		{"50 MiB at priority 12", sizedLruvec(0, 0, 12800, 0), ScanInput{Priority: 12, Online: true}, [LRU_UNEVICTABLE]uint64{0, 0, 3, 0}, SCAN_FILE},
		{"50 MiB at priority 11", sizedLruvec(0, 0, 12800, 0), ScanInput{Priority: 11, Online: true}, [LRU_UNEVICTABLE]uint64{0, 0, 6, 0}, SCAN_FILE},
		// An offline memcg's small lists are scanned up to 32 pages anyway.
		{"offline memcg", sizedLruvec(0, 0, 100, 20), ScanInput{Priority: 12}, [LRU_UNEVICTABLE]uint64{0, 0, 32, 20}, SCAN_FILE},
	} {
		nr, b := tc.v.GetScanCount(tc.in)
		assert.Equal(t, tc.balance, b, tc.name)
		assert.Equal(t, tc.want, nr, tc.name)
	}
}

// SCAN_FRACT ages the rotation statistics first: a type scanned more than a
// quarter of its size has both counts halved.
func TestGetScanCountAging(t *testing.T) {
	v := sizedLruvec(40960, 0, 100, 200)
	v.RecentScanned = [2]uint64{20000, 10}
	v.RecentRotated = [2]uint64{5000, 9}
	nr, b := v.GetScanCount(ScanInput{Priority: 4, MaySwap: true, Swappiness: 60, NrSwapPages: 1, Online: true})
	assert.Equal(t, SCAN_FRACT, b)
	assert.Equal(t, [2]uint64{10000, 10}, v.RecentScanned, "anon halved (20000 > 40960/4), file kept (10 <= 75)")
	assert.Equal(t, [2]uint64{2500, 9}, v.RecentRotated)
	// ap = 60·10001/2501 = 239, fp = 140·11/10 = 154, denominator 394.
	assert.Equal(t, [LRU_UNEVICTABLE]uint64{2560 * 239 / 394, 0, 6 * 154 / 394, 12 * 154 / 394}, nr)
	assert.Equal(t, "SCAN_FRACT", b.String())
}
