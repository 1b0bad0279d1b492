package memcg

// ScanBalance mirrors enum scan_balance (mm/vmscan.c).
type ScanBalance int

const (
	SCAN_EQUAL ScanBalance = iota // scan both types in proportion to their size
	SCAN_FRACT                    // split by swappiness and the recent rotation ratios
	SCAN_ANON                     // anon only (global reclaim with file nearly gone)
	SCAN_FILE                     // file only
)

var scanBalanceNames = [...]string{"SCAN_EQUAL", "SCAN_FRACT", "SCAN_ANON", "SCAN_FILE"}

// String returns the kernel's name.
func (b ScanBalance) String() string { return scanBalanceNames[b] }

// DEF_PRIORITY and SWAP_CLUSTER_MAX are include/linux/mmzone.h's and
// include/linux/swap.h's: reclaim starts at priority 12 (scanning 1/4096 of
// each list) and works in batches of 32 pages.
const (
	DEF_PRIORITY     = 12
	SWAP_CLUSTER_MAX = 32
)

// ScanInput is what 4.19's get_scan_count reads for a memcg's (limit, not
// global) reclaim: the scan_control's priority and may_swap, the memcg's
// swappiness (mem_cgroup_swappiness), the swap it may still use
// (mem_cgroup_get_nr_swap_pages) and whether it is online.
type ScanInput struct {
	Priority    int
	MaySwap     bool
	Swappiness  int
	NrSwapPages int64
	Online      bool
}

// GetScanCount mirrors 4.19's get_scan_count (mm/vmscan.c) for memcg
// reclaim: it picks the scan balance — SCAN_FILE without swap (or may_swap
// off), with swappiness 0, or while the inactive file list is not low and
// has pages at this priority; SCAN_EQUAL at priority 0; else SCAN_FRACT,
// aging recent_scanned/recent_rotated (halved once scanned exceeds a
// quarter of the type) and weighting anon by swappiness × (scanned+1) /
// (rotated+1) and file likewise with 200 − swappiness — then returns how
// many pages to scan on each evictable list: size >> priority (up to 32 of
// an offline memcg's small list), scaled or zeroed by the balance.
// The global-reclaim SCAN_ANON branch (file + free below the watermarks)
// needs zones and is not modelled.
func (v *Lruvec) GetScanCount(in ScanInput) (nr [LRU_UNEVICTABLE]uint64, balance ScanBalance) {
	var fraction [2]uint64
	var denominator uint64
	switch {
	case !in.MaySwap || in.NrSwapPages <= 0:
		balance = SCAN_FILE
	case in.Swappiness == 0:
		balance = SCAN_FILE
	case in.Priority == 0:
		balance = SCAN_EQUAL
	case !v.InactiveListIsLow(true, 0, false) && uint64(v.Size(LRU_INACTIVE_FILE))>>in.Priority != 0:
		balance = SCAN_FILE
	default:
		balance = SCAN_FRACT
		anonPrio := uint64(in.Swappiness)
		filePrio := 200 - anonPrio
		anon := uint64(v.Size(LRU_ACTIVE_ANON) + v.Size(LRU_INACTIVE_ANON))
		file := uint64(v.Size(LRU_ACTIVE_FILE) + v.Size(LRU_INACTIVE_FILE))
		if v.RecentScanned[0] > anon/4 {
			v.RecentScanned[0] /= 2
			v.RecentRotated[0] /= 2
		}
		if v.RecentScanned[1] > file/4 {
			v.RecentScanned[1] /= 2
			v.RecentRotated[1] /= 2
		}
		ap := anonPrio * (v.RecentScanned[0] + 1) / (v.RecentRotated[0] + 1)
		fp := filePrio * (v.RecentScanned[1] + 1) / (v.RecentRotated[1] + 1)
		fraction = [2]uint64{ap, fp}
		denominator = ap + fp + 1
	}
	for lru := LRU_INACTIVE_ANON; lru < LRU_UNEVICTABLE; lru++ {
		file := lru >= LRU_INACTIVE_FILE
		size := uint64(v.Size(lru))
		scan := size >> in.Priority
		if scan == 0 && !in.Online {
			scan = min(size, SWAP_CLUSTER_MAX)
		}
		switch balance {
		case SCAN_FRACT:
			t := 0
			if file {
				t = 1
			}
			scan = scan * fraction[t] / denominator
		case SCAN_FILE:
			if !file {
				scan = 0
			}
		}
		nr[lru] = scan
	}
	return nr, balance
}
