// Package memcg models the Linux memory controller for kernsim. This first
// part is mm/page_counter.c: the hierarchical page counter every mem_cgroup
// charges (memory, memsw, kmem, tcpmem in v1; memory and swap in v2), and
// the size parser of the memory.* files.
//
// # Kernel objects modelled
//
// PageCounter mirrors struct page_counter (include/linux/page_counter.h):
// usage (pages charged to the counter and every descendant), the hard limit
// max, the protections min and low with the bookkeeping that propagates
// them to the parent (min_usage, low_usage, children_min_usage,
// children_low_usage), the watermark (v1 max_usage_in_bytes, v2
// memory.peak), failcnt (v1 failcnt) and the parent link. Mainline adds
// high (memory.high, 5.8+). The charging primitives keep the kernel's names
// and order: Charge (page_counter_charge), TryCharge
// (page_counter_try_charge), Cancel (page_counter_cancel), Uncharge
// (page_counter_uncharge), SetMax, SetMin, SetLow, SetHigh.
//
// Page frames and LRU lists (mm/swap.c, mm/vmscan.c, include/linux/
// mm_inline.h): MemMap is mem_map, every frame of the machine in one
// PFN-indexed array of 24-byte Pages (flags, _refcount, _mapcount, the
// charged memcg's id, lru links as PFNs), with the order-0 free list
// threaded through the links, so nothing allocates per page. Lruvec holds a
// memcg's five lists (enum lru_list) and reclaim statistics; LruCacheAdd
// (placement by page_lru; a fault's new anon page active in 4.19, inactive
// in mainline, unevictable when VM_LOCKED), ActivatePage,
// MarkPageAccessed (two touches promote a cache page), IsolateLRUPages from
// the tail, PutbackLRUPages and InactiveListIsLow (the int_sqrt ratio) are
// the kernel's. Per-cpu pagevecs are drained at once: there are no CPUs.
// GetScanCount is 4.19's get_scan_count for memcg reclaim: the scan balance
// (SCAN_FILE, SCAN_EQUAL, SCAN_FRACT by swappiness and the aged rotation
// ratios) and the pages to scan per list at a priority.
//
// Effective protection is computed top-down by the reclaim walk:
// Protected419 is 4.19's mem_cgroup_protected (the share of the parent's
// emin/elow by protected usage, MEMCG_PROT_MIN/LOW/NONE), and
// CalculateProtection is mainline's page_counter_calculate_protection with
// effective_protection (overcommit scaling by usage, and with
// memory_recursiveprot the unclaimed parental protection shared by
// unprotected usage).
//
// Memparse and PageCounterMemparse mirror lib/cmdline.c's memparse and
// page_counter_memparse: simple_strtoull (internal/klib) with base 0 (hex after 0x, octal
// after a leading 0), one optional K/M/G/T/P/E suffix, wrapping modulo 2^64
// as the kernel does, bytes rounded down to pages and capped at
// PAGE_COUNTER_MAX.
//
// # Flavours
//
// A counter follows its Domain's flavour (refcount.Linux419 or Mainline):
//
//   - 4.19.13: propagate_protected_usage is all-or-nothing (a counter above
//     its protection contributes 0 to its parent), and page_counter_charge
//     and page_counter_try_charge call it with the starting counter at every
//     level (the child's contribution ends up computed from the topmost
//     level's usage; 5.9 fixed this); a failed try_charge propagates the
//     over-limit value first; page_counter_cancel lets usage go negative
//     with a WARN_ON_ONCE.
//   - mainline: the contribution is min(usage, protection), each level
//     propagates its own usage, and page_counter_cancel clamps an underflow
//     to 0 with WARN_ONCE("page_counter underflow: %ld nr_pages=%lu").
//
// # References and locking
//
// A PageCounter holds no reference: its parent is the parent mem_cgroup's
// counter, which outlives it (a css outlives its children). Counters are
// plain words: the kernel's atomic_long_t usage is read and written by
// callers that serialise every operation on a hierarchy — in a Kernel the
// big kernel lock, which every syscall holds. A standalone user must not
// share a hierarchy between goroutines without a lock of its own.
//
// Invariants (with no underflow): a counter's usage is the sum of what was
// charged to it and to its descendants and not yet uncharged; after a
// successful TryCharge every level's usage is at most its max; watermark is
// at least every usage the counter ever reached; only the level that
// refused a TryCharge counts it in failcnt.
package memcg
