package userns

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// mapWorld is a usernsFix that remembers every cred it hands out, so a test
// can drop them all and then check nothing leaked.
type mapWorld struct {
	*usernsFix
	t     *testing.T
	creds []*Cred
	root  *Cred // init_cred: root with every capability in init_user_ns
	alice *Cred // uid/gid 1000 in init_user_ns, no capabilities
	bob   *Cred // uid/gid 1001 in init_user_ns, no capabilities
}

func newMapWorld(t *testing.T) *mapWorld {
	t.Helper()
	w := &mapWorld{usernsFix: newUsernsFix(t, 1000), t: t}
	w.root = &w.usernsFix.root
	w.alice = w.user(w.root, 1000, 0)
	w.bob = w.user(w.root, 1001, 0)
	return w
}

func (w *mapWorld) keep(c *Cred) *Cred { w.creds = append(w.creds, c); return c }

// user derives a cred from parent with every id kuid and the given capabilities.
func (w *mapWorld) user(parent *Cred, kuid uint32, caps uapi.CapSet) *Cred {
	return w.keep(w.usernsFix.user(parent, kuid, caps))
}

// create makes a user namespace as creator would and returns the cred inside it.
func (w *mapWorld) create(creator *Cred) *Cred { return w.keep(w.usernsFix.create(w.t, creator)) }

func (w *mapWorld) write(target *Namespace, kind MapKind, opener, writer *Cred, data string) (int, error) {
	return MapWrite(w.ctx, target, kind, opener, writer, 0, []byte(data))
}

func (w *mapWorld) mustWrite(target *Namespace, kind MapKind, opener, writer *Cred, data string) {
	w.t.Helper()
	n, err := w.write(target, kind, opener, writer, data)
	require.NoError(w.t, err)
	require.Equal(w.t, len(data), n)
}

func (w *mapWorld) mustDeny(target *Namespace, opener *Cred) {
	w.t.Helper()
	_, err := SetgroupsWrite(w.ctx, target, opener, 0, []byte("deny"))
	require.NoError(w.t, err)
}

// done drops every cred and checks that all namespaces, charges and inode
// numbers went with them.
func (w *mapWorld) done() {
	w.t.Helper()
	for i := len(w.creds) - 1; i >= 0; i-- {
		w.creds[i].Put(w.ctx)
	}
	assert.NoError(w.t, w.env.Refs.Leaks())
	assert.Empty(w.t, w.env.Refs.Warnings())
	assert.Zero(w.t, w.g.UcountEntries())
	assert.Zero(w.t, w.env.Inums.InUse())
	assert.EqualValues(w.t, 3, w.g.Init.Count())
}

// nsState is everything a map or setgroups write may change.
type nsState struct {
	UID, GID, Projid []IDMapExtent
	Setgroups        string
}

func stateOf(n *Namespace) nsState {
	return nsState{n.UIDMap(), n.GIDMap(), n.ProjidMap(), SetgroupsRead(n)}
}

// requireErr checks err is an *uapi.Error with the given errno, op and check.
func requireErr(t *testing.T, err error, errno uapi.Errno, op, check string) {
	t.Helper()
	var e *uapi.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, errno, e.Errno, e.Error())
	require.Equal(t, op, e.Op, e.Error())
	require.Equal(t, check, e.Check, e.Error())
}

// showLine is one line of /proc/<pid>/uid_map as the kernel prints it:
// seq_printf(seq, "%10u %10u %10u\n", first, lower, count).
func showLine(first, lower, count uint32) string {
	return fmt.Sprintf("%10d %10d %10d\n", first, lower, count)
}

// extentLines returns n lines "i 1000+i 1\n".
func extentLines(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d %d 1\n", i, 1000+i)
	}
	return b.String()
}

type mapCase struct {
	target         *Namespace
	kind           MapKind
	opener, writer *Cred
	offset         int64
	data           string
}

// TestMapWriteErrnos has one row per check of reference §12.2 (proc_*_map_write
// and map_write, 4.19), in their order, plus the successes each check lets
// through. A failed write must leave the target's maps and setgroups flag as
// they were.
func TestMapWriteErrnos(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	root, alice, bob := w.root, w.alice, w.bob
	full := w.g.CapFullSet()
	// newA: a fresh user namespace created by alice (owner kuid 1000) and the
	// cred inside it (full capabilities there, kuid 1000).
	newA := func() (*Namespace, *Cred) { c := w.create(alice); return c.UserNS(), c }
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }
	adminSetuid := w.user(root, 2000, uapi.CapSet(0).With(uapi.CAP_SYS_ADMIN).With(uapi.CAP_SETUID))
	// carol: uid 3000, gid 4000, no capabilities; newCarol: her namespace
	// (owner 3000, group 4000) and the cred inside it.
	carol := w.user(root, 3000, 0)
	carol.GID, carol.EGID, carol.SGID, carol.FSGID = 4000, 4000, 4000, 4000
	newCarol := func() (*Namespace, *Cred) { c := w.create(carol); return c.UserNS(), c }

	for _, tc := range []struct {
		name  string
		build func() mapCase
		errno uapi.Errno // 0: the write succeeds
		check string
		want  []IDMapExtent // the installed map on success
	}{
		// 1. The initial namespace's maps are never written (proc_*_map_write).
		{"initial ns uid_map", func() mapCase { return mapCase{w.g.Init, UIDMap, root, root, 0, "0 0 1"} },
			uapi.EPERM, "proc_uid_map_write", nil},
		{"initial ns gid_map", func() mapCase { return mapCase{w.g.Init, GIDMap, root, root, 0, "0 0 1"} },
			uapi.EPERM, "proc_gid_map_write", nil},
		{"initial ns projid_map", func() mapCase { return mapCase{w.g.Init, ProjidMap, root, root, 0, "0 0 1"} },
			uapi.EPERM, "proc_projid_map_write", nil},
		// 2. The opener must be in the target or its parent.
		{"opener in a sibling user ns", func() mapCase {
			a, _ := newA()
			inC := w.create(bob)
			return mapCase{a, UIDMap, inC, inC, 0, "0 1001 1"}
		}, uapi.EPERM, "proc_uid_map_write", nil},
		{"opener in a child of the target", func() mapCase {
			a, inA := newA()
			w.mustWrite(a, UIDMap, inA, inA, "0 1000 1")
			w.mustDeny(a, inA)
			w.mustWrite(a, GIDMap, inA, inA, "0 1000 1")
			inA1 := w.create(inA)
			// projid_map: unwritten, and no other check would refuse it.
			return mapCase{a, ProjidMap, inA1, inA1, 0, "0 0 1"}
		}, uapi.EPERM, "proc_projid_map_write", nil},
		{"root in the grandparent", func() mapCase {
			a, inA := newA()
			w.mustWrite(a, UIDMap, root, root, "0 1000 1")
			w.mustWrite(a, GIDMap, root, root, "0 1000 1")
			a1 := w.create(inA).UserNS()
			return mapCase{a1, UIDMap, root, root, 0, "0 0 1"}
		}, uapi.EPERM, "proc_uid_map_write", nil},
		// 3. Offset and size, before the write-once test.
		{"offset != 0", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 9, "0 1000 1"} },
			uapi.EINVAL, "map_write", nil},
		{"offset != 0 on a written map", func() mapCase {
			a, inA := newA()
			w.mustWrite(a, UIDMap, inA, inA, "0 1000 1")
			return mapCase{a, UIDMap, inA, inA, 9, "0 1000 1"}
		}, uapi.EINVAL, "map_write", nil},
		{"PAGE_SIZE bytes", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 0, pad("0 1000 1", 4096)} },
			uapi.EINVAL, "map_write", nil},
		{"PAGE_SIZE-1 bytes", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 0, pad("0 1000 1", 4095)} },
			0, "", []IDMapExtent{{0, 1000, 1}}},
		// 4. Write once.
		{"uid_map already written", func() mapCase {
			a, inA := newA()
			w.mustWrite(a, UIDMap, inA, inA, "0 1000 1")
			return mapCase{a, UIDMap, inA, inA, 0, "0 1000 1"}
		}, uapi.EPERM, "map_write", nil},
		{"projid_map already written", func() mapCase {
			a, inA := newA()
			w.mustWrite(a, ProjidMap, inA, inA, "0 0 10")
			return mapCase{a, ProjidMap, inA, inA, 0, "100 100 1"}
		}, uapi.EPERM, "map_write", nil},
		{"already written beats bad syntax", func() mapCase {
			a, inA := newA()
			w.mustWrite(a, UIDMap, inA, inA, "0 1000 1")
			return mapCase{a, UIDMap, inA, inA, 0, "junk"}
		}, uapi.EPERM, "map_write", nil},
		// 5. CAP_SYS_ADMIN over the target (uid_map and gid_map only).
		{"opener neither owner nor capable", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, bob, bob, 0, "0 1001 1"} },
			uapi.EPERM, "map_write", nil},
		{"capless cred inside the target", func() mapCase {
			a, inA := newA()
			c := w.user(inA, 1000, 0)
			return mapCase{a, UIDMap, c, c, 0, "0 1000 1"}
		}, uapi.EPERM, "map_write", nil},
		{"no CAP_SYS_ADMIN beats bad syntax", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, bob, bob, 0, "junk"} },
			uapi.EPERM, "map_write", nil},
		{"projid_map by a capless cred inside", func() mapCase {
			a, inA := newA()
			c := w.user(inA, 1000, 0)
			return mapCase{a, ProjidMap, c, c, 0, "0 5000 10\n10 0 1"}
		}, 0, "", []IDMapExtent{{0, 5000, 10}, {10, 0, 1}}},
		// 6. Parsing comes before the permission test.
		{"bad syntax beats new_idmap_permitted", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, alice, alice, 0, "0 0 1 junk"} },
			uapi.EINVAL, "map_write", nil},
		{"overlap", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, root, root, 0, "0 1000 10\n5 2000 1"} },
			uapi.EINVAL, "map_write", nil},
		{"count 0", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 0, "0 1000 0"} },
			uapi.EINVAL, "map_write", nil},
		{"count 4294967295 wraps from 1", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, root, root, 0, "1 0 4294967295"} },
			uapi.EINVAL, "map_write", nil},
		{"341 extents", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, root, root, 0, extentLines(341)} },
			uapi.EINVAL, "map_write", nil},
		// 7. new_idmap_permitted.
		{"unprivileged self uid map from inside", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 0, "0 1000 1\n"} },
			0, "", []IDMapExtent{{0, 1000, 1}}},
		{"unprivileged self uid map by the creator outside", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, alice, alice, 0, "0 1000 1"} },
			0, "", []IDMapExtent{{0, 1000, 1}}},
		{"unprivileged self map of another inner id", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 0, "7 1000 1"} },
			0, "", []IDMapExtent{{7, 1000, 1}}},
		{"unprivileged maps another uid", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 0, "0 0 1"} },
			uapi.EPERM, "new_idmap_permitted", nil},
		{"unprivileged maps count 2", func() mapCase { a, inA := newA(); return mapCase{a, UIDMap, inA, inA, 0, "0 1000 2"} },
			uapi.EPERM, "new_idmap_permitted", nil},
		{"unprivileged maps two extents", func() mapCase {
			a, inA := newA()
			return mapCase{a, UIDMap, inA, inA, 0, "0 1000 1\n1 1001 1"}
		}, uapi.EPERM, "new_idmap_permitted", nil},
		{"opener not the owner", func() mapCase {
			a, inA := newA()
			c := w.user(inA, 5, full) // full caps in A, but euid 5 is not A's owner
			return mapCase{a, UIDMap, c, c, 0, "0 5 1"}
		}, uapi.EPERM, "new_idmap_permitted", nil},
		{"gid self map while setgroups allow", func() mapCase { a, inA := newA(); return mapCase{a, GIDMap, inA, inA, 0, "0 1000 1"} },
			uapi.EPERM, "new_idmap_permitted", nil},
		{"gid self map after setgroups deny", func() mapCase {
			a, inA := newA()
			w.mustDeny(a, inA)
			return mapCase{a, GIDMap, inA, inA, 0, "0 1000 1"}
		}, 0, "", []IDMapExtent{{0, 1000, 1}}},
		{"another gid after setgroups deny", func() mapCase {
			a, inA := newA()
			w.mustDeny(a, inA)
			return mapCase{a, GIDMap, inA, inA, 0, "0 1001 1"}
		}, uapi.EPERM, "new_idmap_permitted", nil},
		{"gid self map is the opener's egid", func() mapCase {
			n, in := newCarol()
			w.mustDeny(n, in)
			return mapCase{n, GIDMap, in, in, 0, "0 4000 1"}
		}, 0, "", []IDMapExtent{{0, 4000, 1}}},
		{"gid self map of the opener's euid", func() mapCase {
			n, in := newCarol()
			w.mustDeny(n, in)
			return mapCase{n, GIDMap, in, in, 0, "0 3000 1"}
		}, uapi.EPERM, "new_idmap_permitted", nil},
		{"uid self map of the opener's egid", func() mapCase { n, in := newCarol(); return mapCase{n, UIDMap, in, in, 0, "0 4000 1"} },
			uapi.EPERM, "new_idmap_permitted", nil},
		{"uid self map of the opener's euid", func() mapCase { n, in := newCarol(); return mapCase{n, UIDMap, in, in, 0, "0 3000 1"} },
			0, "", []IDMapExtent{{0, 3000, 1}}},
		{"root writes a multi-extent uid_map", func() mapCase {
			a, _ := newA()
			return mapCase{a, UIDMap, root, root, 0, "0 1000 1\n1 100000 65536\n"}
		}, 0, "", []IDMapExtent{{0, 1000, 1}, {1, 100000, 65536}}},
		{"root writes gid_map while setgroups allow", func() mapCase {
			a, _ := newA()
			return mapCase{a, GIDMap, root, root, 0, "0 1000 1\n1 100000 65536"}
		}, 0, "", []IDMapExtent{{0, 1000, 1}, {1, 100000, 65536}}},
		{"root maps the whole id space", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, root, root, 0, "0 0 4294967295"} },
			0, "", []IDMapExtent{{0, 0, 4294967295}}},
		{"340 extents", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, root, root, 0, extentLines(340)} },
			0, "", nil /* checked by length below */},
		{"CAP_SETUID and CAP_SYS_ADMIN in the parent, not the owner", func() mapCase {
			a, _ := newA()
			return mapCase{a, UIDMap, adminSetuid, adminSetuid, 0, "0 3000 10"}
		}, 0, "", []IDMapExtent{{0, 3000, 10}}},
		{"CAP_SETUID does not allow gid_map", func() mapCase {
			a, _ := newA()
			return mapCase{a, GIDMap, adminSetuid, adminSetuid, 0, "0 3000 10"}
		}, uapi.EPERM, "new_idmap_permitted", nil},
		{"root opener, unprivileged writer", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, root, alice, 0, "0 1000 2"} },
			uapi.EPERM, "new_idmap_permitted", nil},
		{"unprivileged opener, root writer", func() mapCase { a, _ := newA(); return mapCase{a, UIDMap, alice, root, 0, "0 1000 2"} },
			uapi.EPERM, "new_idmap_permitted", nil},
		{"writer in a third user ns", func() mapCase {
			a, _ := newA()
			inC := w.create(bob)
			return mapCase{a, UIDMap, root, inC, 0, "0 1000 2"}
		}, uapi.EPERM, "new_idmap_permitted", nil},
		{"writer in a third user ns, owner's self map: only the opener counts", func() mapCase {
			a, _ := newA()
			inC := w.create(bob)
			return mapCase{a, UIDMap, alice, inC, 0, "0 1000 1"}
		}, 0, "", []IDMapExtent{{0, 1000, 1}}},
		// 8. Translation through the parent's map.
		{"lower range not mapped in the parent", func() mapCase {
			b, inB := newA()
			w.mustWrite(b, UIDMap, root, root, "0 100000 65536")
			w.mustWrite(b, GIDMap, root, root, "0 100000 65536")
			cB := w.user(inB, 100000, full) // uid 0 in B
			b1 := w.create(cB).UserNS()
			return mapCase{b1, UIDMap, cB, cB, 0, "0 65530 10"}
		}, uapi.EPERM, "map_write", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build()
			before := stateOf(c.target)
			n, err := MapWrite(w.ctx, c.target, c.kind, c.opener, c.writer, c.offset, []byte(c.data))
			if tc.errno != 0 {
				requireErr(t, err, tc.errno, "write", tc.check)
				assert.Zero(t, n)
				assert.Equal(t, before, stateOf(c.target), "a failed write changes nothing")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, len(c.data), n, "the whole write is consumed")
			got := c.target.Map(c.kind)
			if tc.want != nil {
				assert.Equal(t, tc.want, got)
			} else {
				assert.Len(t, got, UID_GID_MAP_MAX_EXTENTS)
			}
			after := stateOf(c.target)
			before2 := before
			switch c.kind { // only the written map changed
			case UIDMap:
				before2.UID = after.UID
			case GIDMap:
				before2.GID = after.GID
			case ProjidMap:
				before2.Projid = after.Projid
			}
			assert.Equal(t, before2, after)
		})
	}
	w.done()
}

// TestMapWriteParse follows map_write's parser (simple_strtoul, skip_spaces,
// isspace; reference §12.2 step 6). Root writes, so only the text decides.
func TestMapWriteParse(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	one := []IDMapExtent{{0, 1000, 1}}
	for _, tc := range []struct {
		name string
		data string
		want []IDMapExtent // nil: EINVAL
	}{
		{"plain", "0 1000 1", one},
		{"trailing newline", "0 1000 1\n", one},
		{"tabs, runs of blanks, CR LF", "  0\t1000   1 \r\n", one},
		{"vertical tab and form feed", "\v0\v1000\f1\f", one},
		{"Latin-1 no-break space is a kernel space", "0\xa01000\xa01", one},
		{"leading zeros are decimal", "00 01000 0001", one},
		{"above 32 bits keeps the low 32 bits", "4294967296 4294968296 4294967297", one},
		{"NUL ends the text", "0 1000 1\x00 junk\n", one},
		{"NUL ends the text before later lines", "0 1000 1\x00\n1 2000 1", one},
		{"two lines", "0 1000 1\n1 100000 65536", []IDMapExtent{{0, 1000, 1}, {1, 100000, 65536}}},
		{"adjacent ranges do not overlap", "0 1000 10\n10 1010 10", []IDMapExtent{{0, 1000, 10}, {10, 1010, 10}}},
		{"first plus count reaches 4294967295", "1 0 4294967294", []IDMapExtent{{1, 0, 4294967294}}},
		{"empty", "", nil},
		{"newline only", "\n", nil},
		{"empty line at the end", "0 1000 1\n\n", nil},
		{"empty line first", "\n0 1000 1", nil},
		{"blank line", "0 1000 1\n \n1 2000 1", nil},
		{"one number", "0", nil},
		{"two numbers", "0 1000", nil},
		{"two numbers and a blank", "0 1000 ", nil},
		{"four numbers", "0 1000 1 2", nil},
		{"junk glued to count", "0 1000 1x", nil},
		{"junk glued to first", "0x 1000 1", nil},
		{"not a number", "x 1000 1", nil},
		{"minus sign", "-1 1000 1", nil},
		{"plus sign", "+0 1000 1", nil},
		{"hex prefix", "0x10 1000 1", nil},
		{"first 4294967295", "4294967295 1000 1", nil},
		{"lower 4294967295", "0 4294967295 1", nil},
		{"low 32 bits are 4294967295", "8589934591 1000 1", nil},
		{"count 0", "0 1000 0", nil},
		{"count wraps first", "1 0 4294967295", nil},
		{"count wraps lower", "0 1 4294967295", nil},
		{"upper ranges overlap", "0 1000 10\n5 2000 1", nil},
		{"lower ranges overlap", "0 1000 10\n20 1005 1", nil},
		{"later extent contains an earlier one", "5 2005 1\n0 2000 10", nil},
		{"same line twice", "0 1000 1\n0 1000 1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := w.create(w.alice).UserNS()
			n, err := w.write(a, UIDMap, w.root, w.root, tc.data)
			if tc.want == nil {
				requireErr(t, err, uapi.EINVAL, "write", "map_write")
				assert.Empty(t, a.UIDMap(), "nothing installed")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, len(tc.data), n)
			assert.Equal(t, tc.want, a.UIDMap())
		})
	}
	w.done()
}

// TestMapWriteOnce: a successful write leaves the file offset at the byte
// count, so writing again on the same fd is EINVAL (offset check first) and on
// a fresh fd EPERM (write-once); neither changes the map (§12.2 steps 3-4).
func TestMapWriteOnce(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	inA := w.create(w.alice)
	a := inA.UserNS()
	assert.Equal(t, NoID, MakeKUID(a, 0), "unmapped before the write")
	assert.Equal(t, OverflowUID, FromKUIDMunged(a, 1000))

	data := []byte("0 1000 1\n")
	off, err := MapWrite(w.ctx, a, UIDMap, inA, inA, 0, data)
	require.NoError(t, err)
	require.Equal(t, len(data), off)

	_, err = MapWrite(w.ctx, a, UIDMap, inA, inA, int64(off), []byte("1 1001 1\n"))
	requireErr(t, err, uapi.EINVAL, "write", "map_write")
	_, err = MapWrite(w.ctx, a, UIDMap, w.root, w.root, 0, []byte("1 1001 1\n"))
	requireErr(t, err, uapi.EPERM, "write", "map_write")
	assert.Equal(t, []IDMapExtent{{0, 1000, 1}}, a.UIDMap())

	// make_kuid / from_kuid after the write.
	assert.Equal(t, uint32(1000), MakeKUID(a, 0))
	assert.Equal(t, NoID, MakeKUID(a, 1))
	assert.Equal(t, uint32(0), FromKUID(a, 1000))
	assert.True(t, KUIDHasMapping(a, 1000))
	assert.False(t, KUIDHasMapping(a, 0))
	assert.Equal(t, OverflowUID, FromKUIDMunged(a, 0), "global root reads as 65534 inside")
	assert.Equal(t, OverflowGID, FromKGIDMunged(a, 1000), "gid_map still unwritten")
	w.done()
}

// TestMapWriteOrderAndLookup: up to UID_GID_MAP_MAX_BASE_EXTENTS extents stay
// in the order written; above, the kernel keeps them sorted by first id
// (sort_idmaps) and lists them so. Lookups work either way.
func TestMapWriteOrderAndLookup(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	five := "40 1040 1\n0 1000 1\n30 1030 1\n10 1010 1\n20 1020 1\n"
	six := "50 1050 1\n" + five
	a5 := w.create(w.alice).UserNS()
	w.mustWrite(a5, UIDMap, w.root, w.root, five)
	a6 := w.create(w.alice).UserNS()
	w.mustWrite(a6, UIDMap, w.root, w.root, six)

	assert.Equal(t, []IDMapExtent{{40, 1040, 1}, {0, 1000, 1}, {30, 1030, 1}, {10, 1010, 1}, {20, 1020, 1}}, a5.UIDMap())
	assert.Equal(t, showLine(40, 1040, 1)+showLine(0, 1000, 1)+showLine(30, 1030, 1)+showLine(10, 1010, 1)+showLine(20, 1020, 1),
		MapRead(a5, UIDMap, w.g.Init))
	var sorted strings.Builder
	for i := uint32(0); i <= 50; i += 10 {
		sorted.WriteString(showLine(i, 1000+i, 1))
	}
	assert.Equal(t, sorted.String(), MapRead(a6, UIDMap, w.g.Init))
	for _, n := range []*Namespace{a5, a6} {
		assert.Equal(t, uint32(1030), MakeKUID(n, 30))
		assert.Equal(t, uint32(40), FromKUID(n, 1040))
		assert.Equal(t, NoID, MakeKUID(n, 5))
	}
	assert.Equal(t, uint32(50), FromKUID(a6, 1050))
	w.done()
}

// TestMapReadView checks §12.2's reading rule: lower is shown in the reader's
// user namespace, except that a reader inside the map's own namespace sees it
// in the parent's; an id without a mapping there shows as 4294967295.
func TestMapReadView(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	init := w.g.Init
	full := w.g.CapFullSet()
	// A: alice's self map, uid 0 = kuid 1000.
	inA := w.create(w.alice)
	a := inA.UserNS()
	w.mustWrite(a, UIDMap, inA, inA, "0 1000 1")
	// B: root maps B's 0..65535 to kuid 100000..165535; B1 inside B maps
	// its 0..9 to B's 5..14 (kuid 100005..100014).
	inB := w.create(w.alice)
	b := inB.UserNS()
	w.mustWrite(b, UIDMap, w.root, w.root, "0 100000 65536")
	w.mustWrite(b, GIDMap, w.root, w.root, "0 100000 65536")
	cB := w.user(inB, 100000, full)
	b1 := w.create(cB).UserNS()
	w.mustWrite(b1, UIDMap, cB, cB, "0 5 10")

	for _, tc := range []struct {
		name   string
		target *Namespace
		kind   MapKind
		reader *Namespace
		want   string
	}{
		{"initial map from init", init, UIDMap, init, showLine(0, 0, 4294967295)},
		{"initial projid map from init", init, ProjidMap, init, showLine(0, 0, 4294967295)},
		{"initial map from A: kuid 0 unmapped in A", init, UIDMap, a, showLine(0, 4294967295, 4294967295)},
		{"A from inside A: parent's view", a, UIDMap, a, showLine(0, 1000, 1)},
		{"A from init", a, UIDMap, init, showLine(0, 1000, 1)},
		{"A from sibling B: kuid 1000 unmapped in B", a, UIDMap, b, showLine(0, 4294967295, 1)},
		{"B from inside B", b, UIDMap, b, showLine(0, 100000, 65536)},
		{"B gid_map from init", b, GIDMap, init, showLine(0, 100000, 65536)},
		{"B from its child B1: kuid 100000 unmapped in B1", b, UIDMap, b1, showLine(0, 4294967295, 65536)},
		{"B1 from its parent B", b1, UIDMap, b, showLine(0, 5, 10)},
		{"B1 from inside B1: B's view", b1, UIDMap, b1, showLine(0, 5, 10)},
		{"B1 from init: kernel ids", b1, UIDMap, init, showLine(0, 100005, 10)},
		{"B1 from A: unmapped", b1, UIDMap, a, showLine(0, 4294967295, 10)},
		{"unwritten gid_map", a, GIDMap, a, ""},
		{"unwritten projid_map", b1, ProjidMap, init, ""},
	} {
		assert.Equal(t, tc.want, MapRead(tc.target, tc.kind, tc.reader), tc.name)
	}
	assert.Equal(t, "         0          0 4294967295\n", MapRead(init, UIDMap, init), "%10u columns")
	w.done()
}

// TestNestedMaps: a child's lower ids are the parent's ids, translated through
// the parent's map; a range not inside one extent of the parent's map is EPERM
// (§12.2 step 8, the CVE-2018-18955 fix in 4.19.2).
func TestNestedMaps(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	full := w.g.CapFullSet()
	inB := w.create(w.alice)
	b := inB.UserNS()
	w.mustWrite(b, UIDMap, w.root, w.root, "0 100000 65536")
	w.mustWrite(b, GIDMap, w.root, w.root, "0 100000 65536")
	cB := w.user(inB, 100000, full) // uid 0 in B

	b1 := w.create(cB).UserNS()
	w.mustWrite(b1, UIDMap, cB, cB, "0 5 10")
	assert.Equal(t, uint32(100005), MakeKUID(b1, 0))
	assert.Equal(t, uint32(100014), MakeKUID(b1, 9))
	assert.Equal(t, NoID, MakeKUID(b1, 10))
	assert.Equal(t, uint32(9), FromKUID(b1, 100014))
	assert.Equal(t, NoID, FromKUID(b1, 100004))
	assert.Equal(t, NoID, FromKUID(b1, 5), "kuid 5 is not B's uid 5")

	for _, tc := range []struct{ name, data string }{
		{"range runs past the parent's extent", "0 65530 10"},
		{"lower id beyond the parent's map", "0 70000 1"},
		{"one of seven extents unmapped", "0 0 1\n1 1 1\n2 2 1\n3 3 1\n4 4 1\n5 5 1\n6 70000 1"},
	} {
		n := w.create(cB).UserNS()
		before := stateOf(n)
		_, err := w.write(n, UIDMap, cB, cB, tc.data)
		requireErr(t, err, uapi.EPERM, "write", "map_write")
		assert.Equal(t, before, stateOf(n), tc.name)
	}

	// More than five extents: every lower id is translated before the map is
	// sorted, so kernel ids 0..5 do not leak in (CVE-2018-18955).
	b3 := w.create(cB).UserNS()
	w.mustWrite(b3, UIDMap, cB, cB, "5 5 1\n4 4 1\n3 3 1\n2 2 1\n1 1 1\n0 0 1\n")
	for i := uint32(0); i < 6; i++ {
		assert.Equal(t, 100000+i, MakeKUID(b3, i))
		assert.Equal(t, i, FromKUID(b3, 100000+i))
		assert.Equal(t, NoID, FromKUID(b3, i), "kernel id %d has no mapping in b3", i)
	}

	// A range covering two adjacent parent extents is refused although every
	// id in it is mapped: map_id_range_down wants one extent.
	inC := w.create(w.alice)
	c := inC.UserNS()
	w.mustWrite(c, UIDMap, w.root, w.root, "0 200000 10\n10 200010 10")
	w.mustWrite(c, GIDMap, w.root, w.root, "0 200000 20")
	cC := w.user(inC, 200000, full)
	c1 := w.create(cC).UserNS()
	_, err := w.write(c1, UIDMap, cC, cC, "0 5 10")
	requireErr(t, err, uapi.EPERM, "write", "map_write")
	assert.Empty(t, c1.UIDMap())
	w.mustWrite(c1, UIDMap, cC, cC, "0 0 10\n10 10 10")
	assert.Equal(t, uint32(200015), MakeKUID(c1, 15))
	w.done()
}

// TestThreeLevelSelfMaps: each level is created by the previous level's root
// and maps its root to its creator with the unprivileged self map, so root at
// every level is kuid 1000 (§12.2 step 7 (a)); setgroups "deny" is inherited
// by namespaces created after it was written.
func TestThreeLevelSelfMaps(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	init := w.g.Init
	inL1 := w.create(w.alice)
	l1 := inL1.UserNS()
	w.mustWrite(l1, UIDMap, inL1, inL1, "0 1000 1")
	w.mustDeny(l1, inL1)
	w.mustWrite(l1, GIDMap, inL1, inL1, "0 1000 1")

	inL2 := w.create(inL1)
	l2 := inL2.UserNS()
	assert.Equal(t, "deny\n", SetgroupsRead(l2), "flag inherited at creation")
	w.mustWrite(l2, UIDMap, inL2, inL2, "0 0 1")
	w.mustWrite(l2, GIDMap, inL2, inL2, "0 0 1")

	inL3 := w.create(inL2)
	l3 := inL3.UserNS()
	assert.Equal(t, "deny\n", SetgroupsRead(l3))
	// Lower ids are L2's: L2's uid 1000 is not kuid 1000, so this is no self map.
	_, err := w.write(l3, UIDMap, inL3, inL3, "0 1000 1")
	requireErr(t, err, uapi.EPERM, "write", "new_idmap_permitted")
	w.mustWrite(l3, UIDMap, inL3, inL3, "0 0 1")
	w.mustWrite(l3, GIDMap, inL3, inL3, "0 0 1")

	assert.Equal(t, 3, l3.Level())
	assert.Equal(t, uint32(1000), l3.OwnerUID(), "owner is the creator's kernel euid")
	for _, n := range []*Namespace{l1, l2, l3} {
		assert.Equal(t, uint32(1000), MakeKUID(n, 0), "level %d", n.Level())
		assert.Equal(t, uint32(1000), MakeKGID(n, 0), "level %d", n.Level())
		assert.Equal(t, uint32(0), FromKUID(n, 1000), "level %d", n.Level())
		assert.Equal(t, NoID, MakeKUID(n, 1), "level %d", n.Level())
		assert.Equal(t, OverflowUID, FromKUIDMunged(n, 0), "level %d", n.Level())
		assert.False(t, MaySetgroups(n), "setgroups denied at level %d", n.Level())
	}
	assert.Equal(t, showLine(0, 0, 1), MapRead(l3, UIDMap, l3), "inside: L2's view")
	assert.Equal(t, showLine(0, 0, 1), MapRead(l3, UIDMap, l1))
	assert.Equal(t, showLine(0, 1000, 1), MapRead(l3, UIDMap, init))
	assert.Equal(t, showLine(0, 1000, 1), MapRead(l1, GIDMap, l1))
	w.done()
}

// TestMapWriteConcurrent: writes are serialised by userns_state_mutex (exactly
// one of many racing writers wins) and lock-free readers see either no map or
// the whole map. Run with -race.
func TestMapWriteConcurrent(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	inA := w.create(w.alice)
	a := inA.UserNS()
	const writers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				k := MakeKUID(a, 0)
				assert.Contains(t, []uint32{NoID, 1000}, k)
				assert.Contains(t, []string{"", showLine(0, 1000, 1)}, MapRead(a, UIDMap, w.g.Init))
				assert.Contains(t, []string{"allow\n", "deny\n"}, SetgroupsRead(a))
				_ = FromKGID(a, 1000)
				_ = MaySetgroups(a)
				_ = a.UIDMap()
			}
		}()
	}
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := ns.NewCtx(w.env, 0)
			_, err := MapWrite(ctx, a, UIDMap, inA, inA, 0, []byte("0 1000 1"))
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
				return
			}
			assert.ErrorIs(t, err, uapi.EPERM)
		}()
	}
	wg.Add(1)
	go func() { // setgroups then gid_map, racing with the uid_map writers
		defer wg.Done()
		ctx := ns.NewCtx(w.env, 0)
		_, err := SetgroupsWrite(ctx, a, inA, 0, []byte("deny"))
		assert.NoError(t, err)
		_, err = MapWrite(ctx, a, GIDMap, inA, inA, 0, []byte("0 1000 1"))
		assert.NoError(t, err)
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	assert.Equal(t, 1, wins, "exactly one write of the uid_map succeeds")
	assert.Equal(t, uint32(1000), MakeKUID(a, 0))
	assert.Equal(t, uint32(1000), MakeKGID(a, 0))
	w.done()
}

// TestProjidMaps: projid_map needs no capability beyond being the target or
// its parent (§12.2 step 7 (b)), and translates through the parent's projid map.
func TestProjidMaps(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	inA := w.create(w.alice)
	a := inA.UserNS()
	w.mustWrite(a, UIDMap, inA, inA, "0 1000 1")
	w.mustDeny(a, inA)
	w.mustWrite(a, GIDMap, inA, inA, "0 1000 1")
	capless := w.user(inA, 1000, 0)
	w.mustWrite(a, ProjidMap, capless, capless, "0 500 100\n1000 0 1")
	assert.Equal(t, uint32(550), MakeKProjid(a, 50))
	assert.Equal(t, uint32(0), MakeKProjid(a, 1000))
	assert.Equal(t, uint32(1000), FromKProjid(a, 0))
	assert.Equal(t, NoID, FromKProjid(a, 600))
	assert.Equal(t, OverflowProjid, FromKProjidMunged(a, 600))
	assert.True(t, KProjidHasMapping(a, 599))
	assert.Equal(t, uint32(12), MakeKProjid(w.g.Init, 12), "identity in init")
	assert.Equal(t, uint32(1000), MakeKUID(a, 0), "uid_map untouched")

	a1 := w.create(inA).UserNS() // created by A's root, in A
	_, err := w.write(a1, ProjidMap, capless, capless, "0 100 1")
	requireErr(t, err, uapi.EPERM, "write", "map_write") // A maps projids 0..99 and 1000 only
	assert.Empty(t, a1.ProjidMap())
	w.mustWrite(a1, ProjidMap, capless, capless, "7 99 1")
	assert.Equal(t, uint32(599), MakeKProjid(a1, 7))
	assert.Equal(t, showLine(7, 99, 1), MapRead(a1, ProjidMap, a))
	assert.Equal(t, showLine(7, 599, 1), MapRead(a1, ProjidMap, w.g.Init))
	w.done()
}
