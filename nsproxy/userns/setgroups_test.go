package userns

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/uapi"
)

// TestSetgroupsWrite has one row per branch of proc_setgroups_write (reference
// §12.3) and of the open check in proc_setgroups_open. A failed write leaves
// the flag and the maps unchanged.
func TestSetgroupsWrite(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	root, alice, bob := w.root, w.alice, w.bob
	type pre int
	const (
		fresh         pre = iota
		denied            // "deny" written before
		gidWritten        // gid_map written by root while "allow"
		deniedAndGIDs     // "deny", then the self gid_map
	)
	// newA builds alice's namespace in the given state; it returns the
	// namespace and the cred inside it.
	newA := func(p pre) (*Namespace, *Cred) {
		inA := w.create(alice)
		a := inA.UserNS()
		switch p {
		case denied:
			w.mustDeny(a, inA)
		case gidWritten:
			w.mustWrite(a, GIDMap, root, root, "0 1000 1")
		case deniedAndGIDs:
			w.mustDeny(a, inA)
			w.mustWrite(a, GIDMap, inA, inA, "0 1000 1")
		}
		return a, inA
	}
	const inside, owner, other, caplessInside, initRoot = 0, 1, 2, 3, 4
	for _, tc := range []struct {
		name   string
		pre    pre
		opener int
		offset int64
		data   string
		errno  uapi.Errno // 0: success
		op     string
		want   string // SetgroupsRead afterwards
	}{
		{"allow when allowed", fresh, inside, 0, "allow", 0, "", "allow\n"},
		{"deny", fresh, inside, 0, "deny", 0, "", "deny\n"},
		{"deny by the owner from the parent", fresh, owner, 0, "deny", 0, "", "deny\n"},
		{"deny with newline", fresh, inside, 0, "deny\n", 0, "", "deny\n"},
		{"deny with trailing white space (7 bytes)", fresh, inside, 0, "deny \t\n", 0, "", "deny\n"},
		{"NUL ends the text", fresh, inside, 0, "deny\x00zz", 0, "", "deny\n"},
		{"allow after deny", denied, inside, 0, "allow", uapi.EPERM, "write", "deny\n"},
		{"deny after deny", denied, inside, 0, "deny", 0, "", "deny\n"},
		{"deny after gid_map", gidWritten, inside, 0, "deny", uapi.EPERM, "write", "allow\n"},
		{"deny after deny and gid_map", deniedAndGIDs, inside, 0, "deny", uapi.EPERM, "write", "deny\n"},
		{"allow after gid_map", gidWritten, inside, 0, "allow", 0, "", "allow\n"},
		{"allow after deny and gid_map", deniedAndGIDs, inside, 0, "allow", uapi.EPERM, "write", "deny\n"},
		{"offset != 0", fresh, inside, 4, "deny", uapi.EINVAL, "write", "allow\n"},
		{"8 bytes", fresh, inside, 0, "deny    ", uapi.EINVAL, "write", "allow\n"},
		{"offset checked before the flag", denied, inside, 5, "allow", uapi.EINVAL, "write", "deny\n"},
		{"empty", fresh, inside, 0, "", uapi.EINVAL, "write", "allow\n"},
		{"leading space", fresh, inside, 0, " deny", uapi.EINVAL, "write", "allow\n"},
		{"trailing junk", fresh, inside, 0, "denyx", uapi.EINVAL, "write", "allow\n"},
		{"junk after a space", fresh, inside, 0, "deny x", uapi.EINVAL, "write", "allow\n"},
		{"upper case", fresh, inside, 0, "DENY", uapi.EINVAL, "write", "allow\n"},
		{"prefix of deny", fresh, inside, 0, "den", uapi.EINVAL, "write", "allow\n"},
		{"prefix of allow", fresh, inside, 0, "all", uapi.EINVAL, "write", "allow\n"},
		{"opener without CAP_SYS_ADMIN over the ns", fresh, other, 0, "deny", uapi.EACCES, "open", "allow\n"},
		{"capless opener inside", fresh, caplessInside, 0, "deny", uapi.EACCES, "open", "allow\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, inA := newA(tc.pre)
			opener := map[int]*Cred{inside: inA, owner: alice, other: bob, caplessInside: w.user(inA, 1000, 0)}[tc.opener]
			before := stateOf(a)
			n, err := SetgroupsWrite(w.ctx, a, opener, tc.offset, []byte(tc.data))
			if tc.errno != 0 {
				check := "proc_setgroups_write"
				if tc.errno == uapi.EACCES {
					check = "proc_setgroups_open"
				}
				requireErr(t, err, tc.errno, tc.op, check)
				assert.Zero(t, n)
				assert.Equal(t, before, stateOf(a), "a failed write changes nothing")
			} else {
				require.NoError(t, err)
				assert.Equal(t, len(tc.data), n)
			}
			assert.Equal(t, tc.want, SetgroupsRead(a))
			assert.Equal(t, tc.want == "allow\n", a.SetgroupsAllowed())
			assert.Equal(t, before.GID, a.GIDMap(), "setgroups never touches gid_map")
		})
	}

	// The initial namespace: its gid_map is written (identity), so "deny" is
	// EPERM; "allow" is accepted and changes nothing.
	init := w.g.Init
	_, err := SetgroupsWrite(w.ctx, init, root, 0, []byte("deny"))
	requireErr(t, err, uapi.EPERM, "write", "proc_setgroups_write")
	n, err := SetgroupsWrite(w.ctx, init, root, 0, []byte("allow\n"))
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	assert.Equal(t, "allow\n", SetgroupsRead(init))
	_, err = SetgroupsWrite(w.ctx, init, alice, 0, []byte("allow"))
	requireErr(t, err, uapi.EACCES, "open", "proc_setgroups_open")
	w.done()
}

// TestSetgroupsOpen mirrors proc_setgroups_open: reading is open to all,
// writing needs CAP_SYS_ADMIN over the namespace (the owner has it).
func TestSetgroupsOpen(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	inA := w.create(w.alice)
	a := inA.UserNS()
	for _, tc := range []struct {
		name   string
		opener *Cred
		write  bool
		ok     bool
	}{
		{"owner writes", w.alice, true, true},
		{"root in init writes", w.root, true, true},
		{"full caps inside write", inA, true, true},
		{"other user writes", w.bob, true, false},
		{"other user reads", w.bob, false, true},
		{"capless inside writes", w.user(inA, 1000, 0), true, false},
	} {
		err := SetgroupsOpen(a, tc.opener, tc.write)
		if tc.ok {
			assert.NoError(t, err, tc.name)
		} else {
			requireErr(t, err, uapi.EACCES, "open", "proc_setgroups_open")
		}
	}
	w.done()
}

// TestSetgroupsInheritanceAndMay: a new user namespace copies its parent's
// flag (create_user_ns), each namespace then changes only its own, and
// setgroups(2) needs a written gid_map and "allow" (userns_may_setgroups).
// (A child needs its creator's egid mapped, i.e. the parent's gid_map
// written, and from then on the parent's flag can no longer change.)
func TestSetgroupsInheritanceAndMay(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t)
	// A: "deny" then the self maps; its child starts denied.
	inA := w.create(w.alice)
	a := inA.UserNS()
	w.mustWrite(a, UIDMap, inA, inA, "0 1000 1")
	w.mustDeny(a, inA)
	w.mustWrite(a, GIDMap, inA, inA, "0 1000 1")
	aChild := w.create(inA).UserNS()
	assert.Equal(t, "deny\n", SetgroupsRead(aChild), "copied from A")
	_, err := SetgroupsWrite(w.ctx, aChild, inA, 0, []byte("allow"))
	requireErr(t, err, uapi.EPERM, "write", "proc_setgroups_write")

	// B: maps written by root while "allow"; its child starts allowed and
	// may deny for itself without touching B.
	inB := w.create(w.alice)
	b := inB.UserNS()
	w.mustWrite(b, UIDMap, w.root, w.root, "0 1000 1")
	w.mustWrite(b, GIDMap, w.root, w.root, "0 1000 1")
	bChild := w.create(inB).UserNS()
	assert.Equal(t, "allow\n", SetgroupsRead(bChild), "copied from B")
	w.mustDeny(bChild, inB)
	assert.Equal(t, "deny\n", SetgroupsRead(bChild))
	assert.Equal(t, "allow\n", SetgroupsRead(b), "the parent is not affected")
	assert.Equal(t, "allow\n", SetgroupsRead(w.g.Init))

	assert.True(t, MaySetgroups(w.g.Init), "init: gid_map written, allow")
	assert.True(t, MaySetgroups(b), "allowed and gid_map written")
	assert.False(t, MaySetgroups(a), "gid_map written but denied")
	assert.False(t, MaySetgroups(bChild), "denied")
	fresh := w.create(w.alice).UserNS()
	assert.False(t, MaySetgroups(fresh), "allowed but gid_map unwritten")
	w.done()
}
