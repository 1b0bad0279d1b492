package userns

import "github.com/kernsim/kernsim/uapi"

// MapKind names one of a user namespace's three id maps, the files
// /proc/<pid>/uid_map, gid_map and projid_map (fs/proc/base.c).
type MapKind uint8

// The id maps of a user namespace (user_namespace.uid_map, gid_map, projid_map).
const (
	UIDMap MapKind = iota
	GIDMap
	ProjidMap
	nrMapKinds
)

// String returns the /proc/<pid> file name of the map: "uid_map", "gid_map"
// or "projid_map".
func (k MapKind) String() string {
	switch k {
	case UIDMap:
		return "uid_map"
	case GIDMap:
		return "gid_map"
	case ProjidMap:
		return "projid_map"
	}
	return "map?"
}

// writeFunc returns the kernel function behind write(2) on the map's file.
func (k MapKind) writeFunc() string { return "proc_" + k.String() + "_write" }

// capSetid returns the cap_setid argument proc_*_map_write passes to map_write:
// CAP_SETUID for uid_map, CAP_SETGID for gid_map, and -1 (cap_valid false, no
// capability needed) for projid_map.
func (k MapKind) capSetid() (uapi.Cap, bool) {
	switch k {
	case UIDMap:
		return uapi.CAP_SETUID, true
	case GIDMap:
		return uapi.CAP_SETGID, true
	}
	return 0, false
}

// OverflowProjid is what an unmapped project id reads as (OVERFLOW_PROJID,
// include/linux/projid.h).
const OverflowProjid uint32 = 65534

// loadMap returns the namespace's kind map as readers see it: the one map_write
// published, or else the map the namespace was built with (init_user_ns's
// identity maps; empty for a new namespace). The kernel reads nr_extents then
// smp_rmb(); the atomic load gives the same guarantee. The returned IDMap must
// not be modified.
func (n *Namespace) loadMap(kind MapKind) *IDMap {
	if m := n.maps[kind].Load(); m != nil {
		return m
	}
	switch kind {
	case UIDMap:
		return &n.uidMap
	case GIDMap:
		return &n.gidMap
	}
	return &n.projidMap
}

// Map returns a copy of the kind map's extents, in the order /proc/<pid>/<kind>
// lists them; nil while the map is unwritten.
func (n *Namespace) Map(kind MapKind) []IDMapExtent {
	return append([]IDMapExtent(nil), n.loadMap(kind).Extents...)
}

// ProjidMap returns a copy of the project id map's extents.
func (n *Namespace) ProjidMap() []IDMapExtent { return n.Map(ProjidMap) }

// MakeKProjid mirrors make_kprojid (kernel/user_namespace.c): projid as seen in
// ns to a kernel project id, NoID (INVALID_PROJID) if unmapped.
func MakeKProjid(ns *Namespace, projid uint32) uint32 { return makeKID(ns, ProjidMap, projid) }

// FromKProjid mirrors from_kprojid: a kernel project id as seen in ns, NoID if
// unmapped.
func FromKProjid(ns *Namespace, kprojid uint32) uint32 { return fromKID(ns, ProjidMap, kprojid) }

// FromKProjidMunged mirrors from_kprojid_munged: unmapped ids read as
// OverflowProjid.
func FromKProjidMunged(ns *Namespace, kprojid uint32) uint32 {
	if p := FromKProjid(ns, kprojid); p != NoID {
		return p
	}
	return OverflowProjid
}

// FromKGIDMunged mirrors from_kgid_munged: unmapped ids read as OverflowGID.
func FromKGIDMunged(ns *Namespace, kgid uint32) uint32 {
	if g := FromKGID(ns, kgid); g != NoID {
		return g
	}
	return OverflowGID
}

// KProjidHasMapping mirrors kprojid_has_mapping.
func KProjidHasMapping(ns *Namespace, kprojid uint32) bool { return FromKProjid(ns, kprojid) != NoID }
