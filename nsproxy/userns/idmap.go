package userns

// IDMapExtent mirrors struct uid_gid_extent: ids [First, First+Count) inside the
// namespace map to [LowerFirst, LowerFirst+Count) in the parent namespace.
//
// The kernel stores LowerFirst already translated to a kernel (global) id;
// map_write only accepts an extent whose parent range lies inside one extent
// of the parent's map, so keeping the parent's id and walking the maps up to
// init_user_ns gives the same ids in every direction.
type IDMapExtent struct {
	First, LowerFirst, Count uint32
}

// IDMap mirrors struct uid_gid_map (uid_map, gid_map, projid_map). A published
// IDMap is never modified: map_write builds a new one and publishes it with an
// atomic pointer store (the kernel's smp_wmb before nr_extents), so lock-free
// readers see either no extents or all of them.
type IDMap struct {
	Extents []IDMapExtent
}

// NoID is (u32)-1, the value map_id_down and map_id_up return for an unmapped id,
// and INVALID_UID / INVALID_GID.
const NoID = ^uint32(0)

// OverflowUID and OverflowGID are what an unmapped id reads as (kernel/sys.c:
// overflowuid/overflowgid sysctl defaults).
const (
	OverflowUID uint32 = 65534
	OverflowGID uint32 = 65534
)

// mapDown mirrors map_id_down (kernel/user_namespace.c): an id in the namespace
// to the parent's (ultimately global, kernel) id.
func (m *IDMap) mapDown(id uint32) uint32 {
	for _, e := range m.Extents {
		if id >= e.First && uint64(id) < uint64(e.First)+uint64(e.Count) {
			return e.LowerFirst + (id - e.First)
		}
	}
	return NoID
}

// mapUp mirrors map_id_up: a parent id to the id inside the namespace.
func (m *IDMap) mapUp(id uint32) uint32 {
	for _, e := range m.Extents {
		if id >= e.LowerFirst && uint64(id) < uint64(e.LowerFirst)+uint64(e.Count) {
			return e.First + (id - e.LowerFirst)
		}
	}
	return NoID
}

// MakeKUID mirrors make_kuid (kernel/user_namespace.c): uid as seen in ns to a
// kernel uid, walking the maps down to the initial namespace. NoID if unmapped.
func MakeKUID(ns *Namespace, uid uint32) uint32 { return makeKID(ns, UIDMap, uid) }

// FromKUID mirrors from_kuid: a kernel uid as seen in ns, NoID if unmapped.
func FromKUID(ns *Namespace, kuid uint32) uint32 { return fromKID(ns, UIDMap, kuid) }

// FromKGID mirrors from_kgid.
func FromKGID(ns *Namespace, kgid uint32) uint32 { return fromKID(ns, GIDMap, kgid) }

// FromKUIDMunged mirrors from_kuid_munged: unmapped ids read as OverflowUID.
func FromKUIDMunged(ns *Namespace, kuid uint32) uint32 {
	if u := FromKUID(ns, kuid); u != NoID {
		return u
	}
	return OverflowUID
}

// KUIDHasMapping mirrors kuid_has_mapping.
func KUIDHasMapping(ns *Namespace, kuid uint32) bool { return FromKUID(ns, kuid) != NoID }

// KGIDHasMapping mirrors kgid_has_mapping.
func KGIDHasMapping(ns *Namespace, kgid uint32) bool { return FromKGID(ns, kgid) != NoID }

// MakeKGID mirrors make_kgid: gid as seen in ns to a kernel gid, NoID if unmapped.
func MakeKGID(ns *Namespace, gid uint32) uint32 { return makeKID(ns, GIDMap, gid) }

// makeKID is make_kuid/make_kgid/make_kprojid: id as seen in ns to a kernel id
// through ns's kind map and its ancestors' (the initial namespace's maps are
// the identity), NoID if unmapped at some level.
func makeKID(ns *Namespace, kind MapKind, id uint32) uint32 {
	for n := ns; n != nil && n.parent != nil && id != NoID; n = n.parent {
		id = n.loadMap(kind).mapDown(id)
	}
	return id
}

// fromKID is from_kuid/from_kgid/from_kprojid: a kernel id as seen in ns.
func fromKID(ns *Namespace, kind MapKind, kid uint32) uint32 {
	if ns.parent == nil || kid == NoID {
		return kid
	}
	return ns.loadMap(kind).mapUp(fromKID(ns.parent, kind, kid))
}
