package memcg

// Protection mirrors enum mem_cgroup_protection (4.19
// include/linux/memcontrol.h): what reclaim may do to a memcg.
type Protection int

const (
	MEMCG_PROT_NONE Protection = iota // reclaim as usual
	MEMCG_PROT_LOW                    // reclaim only when nothing else is left (memory.events low)
	MEMCG_PROT_MIN                    // never reclaim
)

// String returns the kernel's name.
func (p Protection) String() string {
	switch p {
	case MEMCG_PROT_LOW:
		return "MEMCG_PROT_LOW"
	case MEMCG_PROT_MIN:
		return "MEMCG_PROT_MIN"
	}
	return "MEMCG_PROT_NONE"
}

// Protected419 mirrors 4.19's mem_cgroup_protected(root, memcg)
// (mm/memcontrol.c) on the memcgs' memory counters, root being the reclaim
// root's: it computes and caches c's effective protection, emin and elow,
// and says whether c is protected. It must run top-down (the parent's
// effective values first), as the reclaim walk does:
//
//   - c == root, or c has no usage: MEMCG_PROT_NONE, emin/elow untouched;
//   - no parent (a v1 child without use_hierarchy): MEMCG_PROT_NONE,
//     untouched;
//   - parent == root: emin = min, elow = low, uncapped;
//   - otherwise emin = min(min, parent emin), and when both are non-zero and
//     min(usage, min) and the parent's children_min_usage are too, it is
//     capped at parent emin × min(usage, min) / children_min_usage; the same
//     for low.
//
// The result is MEMCG_PROT_MIN when usage <= emin, MEMCG_PROT_LOW when
// usage <= elow, else MEMCG_PROT_NONE.
func (c *PageCounter) Protected419(root *PageCounter) Protection {
	if c == root {
		return MEMCG_PROT_NONE
	}
	usage := uint64(c.usage)
	if usage == 0 {
		return MEMCG_PROT_NONE
	}
	emin, elow := c.min, c.low
	parent := c.parent
	if parent == nil {
		return MEMCG_PROT_NONE
	}
	if parent != root {
		emin = scaled419(emin, parent.emin, min(usage, c.min), uint64(parent.childrenMinUsage))
		elow = scaled419(elow, parent.elow, min(usage, c.low), uint64(parent.childrenLowUsage))
	}
	c.emin, c.elow = emin, elow
	switch {
	case usage <= emin:
		return MEMCG_PROT_MIN
	case usage <= elow:
		return MEMCG_PROT_LOW
	}
	return MEMCG_PROT_NONE
}

// scaled419 is one half of mem_cgroup_protected's body: the setting capped
// by the parent's effective value and by its share of it.
func scaled419(setting, parentEffective, protectedUsage, siblings uint64) uint64 {
	e := min(setting, parentEffective)
	if e != 0 && parentEffective != 0 && protectedUsage != 0 && siblings != 0 {
		e = min(e, parentEffective*protectedUsage/siblings)
	}
	return e
}

// CalculateProtection mirrors mainline's page_counter_calculate_protection
// (mm/page_counter.c, 6.11+; mem_cgroup_calculate_protection before): for
// c below the reclaim root with usage, emin and elow become the configured
// min and low when the parent is the root, else effective_protection of
// each. Like the kernel's it is not stateless: call it top-down. recursive
// is cgroup2's memory_recursiveprot mount option.
func (c *PageCounter) CalculateProtection(root *PageCounter, recursive bool) {
	if c == root {
		return
	}
	usage := uint64(c.usage)
	if usage == 0 {
		return
	}
	parent := c.parent
	if parent == root {
		c.emin, c.elow = c.min, c.low
		return
	}
	pu := uint64(parent.usage)
	c.emin = effectiveProtection(usage, pu, c.min, parent.emin, uint64(parent.childrenMinUsage), recursive)
	c.elow = effectiveProtection(usage, pu, c.low, parent.elow, uint64(parent.childrenLowUsage), recursive)
}

// effectiveProtection mirrors effective_protection (mm/page_counter.c):
// the usage protected by the setting; scaled down in proportion when the
// siblings together claim more than the parent's effective protection;
// with recursive protection, plus a share of the parent's unclaimed
// protection in proportion to the unprotected usage.
func effectiveProtection(usage, parentUsage, setting, parentEffective, siblingsProtected uint64, recursive bool) uint64 {
	protected := min(usage, setting)
	if siblingsProtected > parentEffective {
		return protected * parentEffective / siblingsProtected
	}
	ep := protected
	if !recursive {
		return ep
	}
	if parentEffective > siblingsProtected && parentUsage > siblingsProtected && usage > protected {
		unclaimed := parentEffective - siblingsProtected
		unclaimed *= usage - protected
		unclaimed /= parentUsage - siblingsProtected
		ep += unclaimed
	}
	return ep
}
