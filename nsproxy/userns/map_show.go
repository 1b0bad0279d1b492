package userns

import (
	"strconv"
	"strings"
)

// MapRead mirrors reading /proc/<pid>/uid_map, gid_map or projid_map: the
// seq_file of uid_m_show / gid_m_show / projid_m_show over m_start
// (kernel/user_namespace.c). target is the user namespace of the task the file
// belongs to; reader is the user namespace of the cred the file was opened
// with (seq_user_ns).
//
// One line per extent, "%10u %10u %10u\n" of first, lower and count, in the
// order the map keeps them (as written up to UID_GID_MAP_MAX_BASE_EXTENTS
// extents, sorted by first id above). lower is the extent's kernel id seen
// from reader, except that a reader inside target sees it from target's
// parent, so a task reads its own map relative to the parent. A lower id
// without a mapping there reads as 4294967295 ((u32)-1: from_kuid fails and
// the show function prints it as is). An unwritten map reads as "". Reading
// takes no lock.
func MapRead(target *Namespace, kind MapKind, reader *Namespace) string {
	m := target.loadMap(kind)
	lowerNS := reader
	if lowerNS == target && lowerNS.parent != nil {
		lowerNS = lowerNS.parent
	}
	var b strings.Builder
	for _, e := range m.Extents {
		kid := e.LowerFirst // the initial namespace's extents are kernel ids
		if target.parent != nil {
			kid = makeKID(target.parent, kind, e.LowerFirst)
		}
		writeU10(&b, e.First)
		b.WriteByte(' ')
		writeU10(&b, fromKID(lowerNS, kind, kid))
		b.WriteByte(' ')
		writeU10(&b, e.Count)
		b.WriteByte('\n')
	}
	return b.String()
}

// writeU10 writes v as printf's "%10u": decimal, right-aligned in 10 columns.
func writeU10(b *strings.Builder, v uint32) {
	s := strconv.FormatUint(uint64(v), 10)
	for i := len(s); i < 10; i++ {
		b.WriteByte(' ')
	}
	b.WriteString(s)
}
