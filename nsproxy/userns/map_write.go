package userns

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Limits of an id map write (include/linux/user_namespace.h, x86-64 PAGE_SIZE).
const (
	// UID_GID_MAP_MAX_EXTENTS is the most extents one map may hold (340 since 4.15).
	UID_GID_MAP_MAX_EXTENTS = 340
	// UID_GID_MAP_MAX_BASE_EXTENTS is how many extents the kernel keeps inline,
	// in the order written; a bigger map is kept sorted by first id, and that is
	// the order /proc/<pid>/uid_map lists it in.
	UID_GID_MAP_MAX_BASE_EXTENTS = 5
	// PAGE_SIZE bounds one write to a map file: count >= PAGE_SIZE is EINVAL.
	PAGE_SIZE = 4096
)

// MapWrite mirrors write(2) on /proc/<pid>/uid_map, gid_map or projid_map:
// proc_uid_map_write / proc_gid_map_write / proc_projid_map_write and the
// map_write they call (kernel/user_namespace.c, 4.19.13). target is the user
// namespace of the task the file belongs to (seq->private); opener is the cred
// the file was opened with (file->f_cred, whose user namespace is
// seq_user_ns); writer is the cred of the task calling write(2)
// (current_cred()); offset is the file position (*ppos). On success it
// returns len(data), the new file position, and the map is published; on
// failure nothing changes.
//
// Checks in order (reference §12.2):
//  1. target is the initial user namespace: EPERM (proc_*_map_write);
//  2. opener's user namespace is neither target nor its parent: EPERM;
//  3. offset != 0 or len(data) >= PAGE_SIZE: EINVAL (map_write), before
//     the write-once test, so a second write on the same file is EINVAL;
//  4. under userns_state_mutex, the map already has extents: EPERM;
//  5. uid_map and gid_map only: opener lacks CAP_SYS_ADMIN over target
//     (file_ns_capable): EPERM;
//  6. the text does not parse (see parseIDMap): EINVAL;
//  7. new_idmap_permitted refuses: EPERM;
//  8. some extent's lower range is not inside one extent of the parent's map
//     (map_id_range_down): EPERM;
//  9. install: sorted by first id when above UID_GID_MAP_MAX_BASE_EXTENTS.
//
// 4.19 has no verify_root_map (mainline 5.12: mapping the parent's id 0 also
// needs CAP_SETFCAP), so neither flavour models it yet.
func MapWrite(ctx *ns.Ctx, target *Namespace, kind MapKind, opener, writer *Cred, offset int64, data []byte) (int, error) {
	fn := kind.writeFunc()
	ctx.Enter(fn)
	defer ctx.Exit(fn)
	if target.parent == nil {
		return 0, uapi.Err("write", uapi.EPERM, "the initial user namespace's "+kind.String()+" cannot be written", fn)
	}
	if seq := opener.userNS; seq != target && seq != target.parent {
		return 0, uapi.Err("write", uapi.EPERM, "the file's opener is in neither the target user namespace nor its parent", fn)
	}
	return mapWrite(ctx, target, kind, opener, writer, offset, data)
}

// mapWrite mirrors map_write (kernel/user_namespace.c) from its own first check.
func mapWrite(ctx *ns.Ctx, target *Namespace, kind MapKind, opener, writer *Cred, offset int64, data []byte) (int, error) {
	ctx.Enter("map_write")
	defer ctx.Exit("map_write")
	if offset != 0 {
		return 0, uapi.Err("write", uapi.EINVAL, "file offset "+strconv.FormatInt(offset, 10)+" != 0 (a map is written in one write at offset 0)", "map_write")
	}
	if len(data) >= PAGE_SIZE {
		return 0, uapi.Err("write", uapi.EINVAL, "write of "+strconv.Itoa(len(data))+" bytes >= PAGE_SIZE", "map_write")
	}
	// memdup_user_nul: the kernel parses a C string, so a NUL ends the text.
	text := data
	if i := bytes.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}

	g := target.g
	g.stateMu.Lock()
	defer g.stateMu.Unlock()
	if len(target.loadMap(kind).Extents) != 0 {
		return 0, uapi.Err("write", uapi.EPERM, kind.String()+" was already written (a map is written once)", "map_write")
	}
	if _, ok := kind.capSetid(); ok && !CapCapable(opener, target, uapi.CAP_SYS_ADMIN) {
		return 0, uapi.Err("write", uapi.EPERM, "the file's opener lacks CAP_SYS_ADMIN over the target user namespace (file_ns_capable)", "map_write")
	}
	extents, reason := parseIDMap(text)
	if reason != "" {
		return 0, uapi.Err("write", uapi.EINVAL, reason, "map_write")
	}
	if reason := newIDMapPermitted(target, kind, opener, writer, extents); reason != "" {
		return 0, uapi.Err("write", uapi.EPERM, reason, "new_idmap_permitted")
	}
	parentMap := target.parent.loadMap(kind)
	for _, e := range extents {
		if parentMap.mapRangeDown(e.LowerFirst, e.Count) == NoID {
			return 0, uapi.Err("write", uapi.EPERM, "lower ids "+strconv.FormatUint(uint64(e.LowerFirst), 10)+
				".."+strconv.FormatUint(uint64(e.LowerFirst)+uint64(e.Count)-1, 10)+
				" are not inside one extent of the parent's "+kind.String()+" (map_id_range_down)", "map_write")
		}
	}
	if len(extents) > UID_GID_MAP_MAX_BASE_EXTENTS {
		// sort_idmaps: the forward array is sorted by first id (firsts are
		// distinct: extents do not overlap).
		slices.SortFunc(extents, func(a, b IDMapExtent) int { return cmp.Compare(a.First, b.First) })
	}
	target.maps[kind].Store(&IDMap{Extents: extents})
	return len(data), nil
}

// parseIDMap parses a map write the way map_write does, returning the extents
// in the order written, or the reason the text is refused (EINVAL).
//
// Lines end at '\n'; a newline that ends the text ends the input, so one
// trailing newline is optional, but an empty line is an error. Each line is
// "first lower count": white space (isspace: space, \t, \v, \f, \r and
// Latin-1 0xA0) may come before each number and must follow the first two;
// after count only white space may follow. Numbers are decimal digits as
// simple_strtoul reads them: no sign, no prefix, and a value beyond 32 bits is
// cut to its low 32 bits (4294967296 reads as 0). Then: first or lower equal
// to 4294967295, a count of 0 or one that wraps first or lower past
// 4294967295, a range (upper or lower) overlapping an earlier line's, or a
// line after the 340th, are refused.
func parseIDMap(text []byte) ([]IDMapExtent, string) {
	var extents []IDMapExtent
	rest := text
	for lineNo := 1; ; lineNo++ {
		line, more := rest, false
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
			more = len(rest) != 0
		}
		at := "line " + strconv.Itoa(lineNo) + ": "
		var e IDMapExtent
		i := klib.SkipSpaces(line, 0)
		e.First, i = simpleStrtoul32(line, i)
		if !klib.IsSpace(klib.At(line, i)) {
			return nil, at + "first id is not a decimal number followed by white space"
		}
		i = klib.SkipSpaces(line, i)
		e.LowerFirst, i = simpleStrtoul32(line, i)
		if !klib.IsSpace(klib.At(line, i)) {
			return nil, at + "lower id is not a decimal number followed by white space"
		}
		i = klib.SkipSpaces(line, i)
		e.Count, i = simpleStrtoul32(line, i)
		if c := klib.At(line, i); c != 0 && !klib.IsSpace(c) {
			return nil, at + "count is not a decimal number"
		}
		if i = klib.SkipSpaces(line, i); klib.At(line, i) != 0 {
			return nil, at + "trailing junk after count"
		}
		if e.First == NoID || e.LowerFirst == NoID {
			return nil, at + "first or lower id is 4294967295"
		}
		if e.First+e.Count <= e.First || e.LowerFirst+e.Count <= e.LowerFirst {
			return nil, at + "count is 0 or wraps the id range"
		}
		if mappingsOverlap(extents, e) {
			return nil, at + "range overlaps an earlier extent"
		}
		if len(extents)+1 == UID_GID_MAP_MAX_EXTENTS && more {
			return nil, "more than " + strconv.Itoa(UID_GID_MAP_MAX_EXTENTS) + " extents (UID_GID_MAP_MAX_EXTENTS)"
		}
		extents = append(extents, e)
		if !more {
			return extents, ""
		}
	}
}

// simpleStrtoul32 mirrors simple_strtoul(s, &end, 10) stored into a u32: it
// consumes every decimal digit, accumulating modulo 2^64 as _parse_integer
// does, and keeps the low 32 bits. No digits gives 0 with i unchanged.
func simpleStrtoul32(s []byte, i int) (uint32, int) {
	if i >= len(s) {
		return 0, i
	}
	v, n, _ := klib.ParseInteger(s[i:], 10)
	return uint32(v), i + n
}

// mappingsOverlap mirrors mappings_overlap: whether e's upper or lower range
// intersects that of any extent already parsed.
func mappingsOverlap(prev []IDMapExtent, e IDMapExtent) bool {
	upperLast, lowerLast := e.First+e.Count-1, e.LowerFirst+e.Count-1
	for _, p := range prev {
		if p.First <= upperLast && p.First+p.Count-1 >= e.First {
			return true
		}
		if p.LowerFirst <= lowerLast && p.LowerFirst+p.Count-1 >= e.LowerFirst {
			return true
		}
	}
	return false
}

// mapRangeDown mirrors map_id_range_down: ids [id, id+count) mapped down
// through m, NoID unless one extent holds the whole range.
func (m *IDMap) mapRangeDown(id, count uint32) uint32 {
	last := id + count - 1
	for _, e := range m.Extents {
		eLast := e.First + e.Count - 1
		if id >= e.First && id <= eLast && last >= e.First && last <= eLast {
			return id - e.First + e.LowerFirst
		}
	}
	return NoID
}

// newIDMapPermitted mirrors new_idmap_permitted (kernel/user_namespace.c,
// 4.19): it returns "" when the map may be installed, else why not. Allowed
// when
//
//	(a) the map is one extent of count 1, target's owner is the opener's euid,
//	    and the lower id (a parent id) is the opener's euid for uid_map, or the
//	    opener's egid for gid_map with setgroups already "deny";
//	(b) it is a projid_map (no capability needed);
//	(c) both the writer (ns_capable) and the opener (file_ns_capable) hold
//	    CAP_SETUID (uid_map) or CAP_SETGID (gid_map) in target's parent.
func newIDMapPermitted(target *Namespace, kind MapKind, opener, writer *Cred, extents []IDMapExtent) string {
	selfMap := len(extents) == 1 && extents[0].Count == 1 && target.owner == opener.EUID
	setgroupsAllowed := target.flags.Load()&USERNS_SETGROUPS_ALLOWED != 0
	if selfMap {
		id := extents[0].LowerFirst
		switch kind {
		case UIDMap:
			if MakeKUID(target.parent, id) == opener.EUID {
				return ""
			}
		case GIDMap:
			if !setgroupsAllowed && MakeKGID(target.parent, id) == opener.EGID {
				return ""
			}
		}
	}
	capSetid, ok := kind.capSetid()
	if !ok {
		return ""
	}
	writerOK, openerOK := CapCapable(writer, target.parent, capSetid), CapCapable(opener, target.parent, capSetid)
	if writerOK && openerOK {
		return ""
	}
	var who string
	switch {
	case !writerOK && !openerOK:
		who = "the writer and the opener lack "
	case !writerOK:
		who = "the writer lacks "
	default:
		who = "the file's opener lacks "
	}
	reason := who + capSetid.String() + " in the parent user namespace, and the map is not the opener's own "
	if kind == UIDMap {
		reason += "euid mapped once by the namespace's owner"
	} else {
		reason += "egid mapped once by the namespace's owner"
		if selfMap && setgroupsAllowed && MakeKGID(target.parent, extents[0].LowerFirst) == opener.EGID {
			reason += " (setgroups must be \"deny\" first)"
		} else {
			reason += " with setgroups \"deny\""
		}
	}
	return reason
}
