package userns

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"math"
)

// UcountType mirrors enum ucount_type (include/linux/user_namespace.h, 4.19).
type UcountType int

// The 4.19 ucount types, plus time namespaces (mainline 5.6) at the end so the
// 4.19 indexes keep their order.
const (
	UCOUNT_USER_NAMESPACES UcountType = iota
	UCOUNT_PID_NAMESPACES
	UCOUNT_UTS_NAMESPACES
	UCOUNT_IPC_NAMESPACES
	UCOUNT_NET_NAMESPACES
	UCOUNT_MNT_NAMESPACES
	UCOUNT_CGROUP_NAMESPACES
	UCOUNT_INOTIFY_INSTANCES
	UCOUNT_INOTIFY_WATCHES
	UCOUNT_TIME_NAMESPACES
	UCOUNT_COUNTS
)

var ucountNames = [UCOUNT_COUNTS]string{
	"max_user_namespaces", "max_pid_namespaces", "max_uts_namespaces", "max_ipc_namespaces",
	"max_net_namespaces", "max_mnt_namespaces", "max_cgroup_namespaces",
	"max_inotify_instances", "max_inotify_watches", "max_time_namespaces",
}

// Name returns the /proc/sys/user file name of the limit, e.g. "max_uts_namespaces".
func (t UcountType) Name() string { return ucountNames[t] }

// Ucounts mirrors struct ucounts: the namespaces of each type that uid created
// while its user namespace was ns. Guarded by Globals.ucountsMu.
type Ucounts struct {
	ns     *Namespace
	uid    uint32
	count  int
	ucount [UCOUNT_COUNTS]int64
}

type ucountKey struct {
	ns  *Namespace
	uid uint32
}

// ucountTable is the ucounts hash (kernel/ucount.c: ucounts_hashtable).
type ucountTable struct {
	mu ns.KLock // ucounts_lock
	m  map[ucountKey]*Ucounts
}

// incUcount mirrors inc_ucount (kernel/ucount.c): charge one namespace of type t
// to (ns, uid) and to every ancestor's ucounts, each against that level's limit.
// It returns nil when any level is at its limit, having undone what it charged;
// callers turn nil into ENOSPC.
func (g *Globals) incUcount(ns *Namespace, uid uint32, t UcountType) *Ucounts {
	g.ucounts.mu.Lock(g.env)
	defer g.ucounts.mu.Unlock(g.env)
	uc := ns.ucountsHint
	if uc == nil || uc.uid != uid {
		key := ucountKey{ns, uid}
		if uc = g.ucounts.m[key]; uc == nil {
			uc = &Ucounts{ns: ns, uid: uid}
			g.ucounts.m[key] = uc
		}
		ns.ucountsHint = uc
	}
	if uc.count == math.MaxInt32 { // get_ucounts refuses an overflowing count
		return nil
	}
	uc.count++
	for iter := uc; iter != nil; iter = iter.ns.ucounts {
		if iter.ucount[t] >= iter.ns.ucountMax[t] {
			for undo := uc; undo != iter; undo = undo.ns.ucounts {
				undo.ucount[t]--
			}
			g.putUcountsLocked(uc)
			return nil
		}
		iter.ucount[t]++
	}
	return uc
}

// decUcount mirrors dec_ucount: give back one charge of type t along the chain.
func (g *Globals) decUcount(uc *Ucounts, t UcountType) {
	g.ucounts.mu.Lock(g.env)
	defer g.ucounts.mu.Unlock(g.env)
	for iter := uc; iter != nil; iter = iter.ns.ucounts {
		if iter.ucount[t] <= 0 {
			g.env.Refs.Warn("ucounts", "dec_ucount: "+t.Name()+" would go below 0")
			continue
		}
		iter.ucount[t]--
	}
	g.putUcountsLocked(uc)
}

// putUcountsLocked mirrors put_ucounts: unhash and free at zero.
func (g *Globals) putUcountsLocked(uc *Ucounts) {
	uc.count--
	if uc.count == 0 {
		if uc.ns.ucountsHint == uc {
			uc.ns.ucountsHint = nil
		}
		delete(g.ucounts.m, ucountKey{uc.ns, uc.uid})
	}
}

// Charged returns how many namespaces of type t are charged to (ns, uid),
// counting those created in descendants (what the limit check compares).
func (g *Globals) Charged(ns *Namespace, uid uint32, t UcountType) int64 {
	g.ucounts.mu.Lock(g.env)
	defer g.ucounts.mu.Unlock(g.env)
	if uc := g.ucounts.m[ucountKey{ns, uid}]; uc != nil {
		return uc.ucount[t]
	}
	return 0
}

// UcountEntries returns how many ucounts objects are hashed (0 when nothing is charged).
func (g *Globals) UcountEntries() int {
	g.ucounts.mu.Lock(g.env)
	defer g.ucounts.mu.Unlock(g.env)
	return len(g.ucounts.m)
}

// Inc charges one namespace of type t created by uid in ns, the way each
// namespace type's inc_<type>_namespaces does. It returns nil at the limit.
func (g *Globals) Inc(ns *Namespace, uid uint32, t UcountType) *Ucounts {
	return g.incUcount(ns, uid, t)
}

// Dec gives back a charge taken by Inc.
func (g *Globals) Dec(uc *Ucounts, t UcountType) { g.decUcount(uc, t) }
