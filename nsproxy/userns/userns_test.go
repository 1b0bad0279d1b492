package userns

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// usernsFix is one Kernel's worth of user-namespace state without the rest.
type usernsFix struct {
	env  *ns.Env
	ctx  *ns.Ctx
	g    *Globals
	root Cred // init_cred
}

func newUsernsFix(t *testing.T, maxThreads int) *usernsFix {
	t.Helper()
	f := &usernsFix{env: &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}}
	f.ctx = ns.NewCtx(f.env, 0)
	f.g = NewGlobals(f.env, maxThreads)
	InitCred(&f.root, f.g)
	return f
}

// user returns a cred derived from parent with every id set to kuid (and kgid
// = kuid) and the given effective and permitted capabilities.
func (f *usernsFix) user(parent *Cred, kuid uint32, caps uapi.CapSet) *Cred {
	c := PrepareCreds(f.ctx, parent, nil)
	c.UID, c.EUID, c.SUID, c.FSUID = kuid, kuid, kuid, kuid
	c.GID, c.EGID, c.SGID, c.FSGID = kuid, kuid, kuid, kuid
	c.CapPermitted, c.CapEffective = caps, caps
	return c
}

// create makes a user namespace as creator would (prepare_creds +
// create_user_ns) and returns the cred inside it (full caps there).
func (f *usernsFix) create(t *testing.T, creator *Cred) *Cred {
	t.Helper()
	c := PrepareCreds(f.ctx, creator, nil)
	require.NoError(t, CreateUserNS(f.ctx, c))
	return c
}

func TestCapCapable(t *testing.T) {
	t.Parallel()
	f := newUsernsFix(t, 1000)
	full := f.g.CapFullSet()
	root := &f.root
	// init_user_ns users.
	alice := f.user(root, 1000, 0)
	bob := f.user(root, 1001, 0)
	sub := f.user(root, 100000, 0)
	adminOnly := f.user(root, 1002, uapi.CapSet(0).With(uapi.CAP_SYS_ADMIN))

	// A (level 1, owner 1000) with uid 0 → 1000 and 1..65536 → 100000..;
	// B (level 1, owner 1001) is A's sibling.
	inA := f.create(t, alice)
	nsA := inA.UserNS()
	nsA.uidMap = IDMap{Extents: []IDMapExtent{{0, 1000, 1}, {1, 100000, 65536}}}
	nsA.gidMap = nsA.uidMap
	inB := f.create(t, bob)
	nsB := inB.UserNS()
	// Inside A: A1 created by A's root (kuid 1000), A2 by A's uid 1 (kuid 100000).
	inA1 := f.create(t, inA)
	nsA1 := inA1.UserNS()
	aUID1 := f.user(inA, 100000, 0) // uid 1 inside A, no capabilities
	inA2 := f.create(t, aUID1)
	nsA2 := inA2.UserNS()
	aUID1Full := f.user(inA, 100000, full)
	aNobody := f.user(inA, 100005, 0)

	require.Equal(t, 1, nsA.Level())
	require.Equal(t, 2, nsA2.Level())
	require.Equal(t, uint32(1000), nsA1.OwnerUID())
	require.Equal(t, uint32(100000), nsA2.OwnerUID())

	sysAdmin := uapi.CAP_SYS_ADMIN
	for _, tc := range []struct {
		name   string
		cred   *Cred
		target *Namespace
		cap    uapi.Cap
		want   bool
	}{
		// Rule 1: the caller's own namespace → its effective set.
		{"root in init", root, f.g.Init, sysAdmin, true},
		{"unprivileged in init", alice, f.g.Init, sysAdmin, false},
		{"effective CAP_SYS_ADMIN only", adminOnly, f.g.Init, sysAdmin, true},
		{"effective set lacks CAP_NET_ADMIN", adminOnly, f.g.Init, uapi.CAP_NET_ADMIN, false},
		{"full set inside A", inA, nsA, sysAdmin, true},
		{"no caps inside A", aNobody, nsA, sysAdmin, false},
		// Rule 3: the owner of a namespace whose parent is the caller's.
		{"owner of A from init", alice, nsA, sysAdmin, true},
		{"owner has every cap", alice, nsA, uapi.CAP_NET_ADMIN, true},
		{"owner of B from init", bob, nsB, sysAdmin, true},
		{"not the owner of A", bob, nsA, sysAdmin, false},
		{"owner of A reaches A's children", alice, nsA1, sysAdmin, true},
		{"owner of A reaches A2 (owned by someone else)", alice, nsA2, sysAdmin, true},
		{"owner of A2 inside A", aUID1, nsA2, sysAdmin, true},
		{"owner of A2 has nothing in A", aUID1, nsA, sysAdmin, false},
		{"A2's owner kuid from init: A2's parent is not init", sub, nsA2, sysAdmin, false},
		{"not A1's owner inside A", aNobody, nsA1, sysAdmin, false},
		// Rule 4: capabilities in the own namespace reach every descendant.
		{"root in init reaches A", root, nsA, sysAdmin, true},
		{"root in init reaches A2", root, nsA2, sysAdmin, true},
		{"inside A reaches A1", inA, nsA1, sysAdmin, true},
		{"uid 1 in A with caps reaches A1", aUID1Full, nsA1, sysAdmin, true},
		{"unprivileged in init does not reach A2", bob, nsA2, sysAdmin, false},
		// Rule 2: never an ancestor or a sibling.
		{"A's root in init", inA, f.g.Init, sysAdmin, false},
		{"A's root in sibling B", inA, nsB, sysAdmin, false},
		{"B's root in A", inB, nsA, sysAdmin, false},
		{"A1's root in A", inA1, nsA, sysAdmin, false},
		{"A1's root in sibling A2", inA1, nsA2, sysAdmin, false},
		{"A1's root in init", inA1, f.g.Init, sysAdmin, false},
	} {
		assert.Equal(t, tc.want, CapCapable(tc.cred, tc.target, tc.cap), tc.name)
		assert.Equal(t, tc.want, NSCapable(tc.cred, tc.target, tc.cap), tc.name)
	}
	assert.True(t, Capable(root, sysAdmin))
	assert.False(t, Capable(inA, sysAdmin), "full caps in A are none in init")
	assert.False(t, Capable(alice, sysAdmin))

	for _, c := range []*Cred{aNobody, aUID1Full, inA2, aUID1, inA1, inB, inA, adminOnly, sub, bob, alice} {
		c.Put(f.ctx)
	}
	assert.NoError(t, f.env.Refs.Leaks())
	assert.Zero(t, f.g.UcountEntries())
	assert.Zero(t, f.env.Inums.InUse())
	assert.EqualValues(t, 3, f.g.Init.Count())
	assert.Empty(t, f.env.Refs.Warnings())
}

func TestIDMaps(t *testing.T) {
	t.Parallel()
	f := newUsernsFix(t, 1000)
	alice := f.user(&f.root, 1000, 0)
	inA := f.create(t, alice)
	a := inA.UserNS()
	a.uidMap = IDMap{Extents: []IDMapExtent{{0, 1000, 1}, {1, 100000, 65536}}}
	a.gidMap = IDMap{Extents: []IDMapExtent{{0, 1000, 1}, {5, 2000, 1}}}
	inA1 := f.create(t, inA)
	a1 := inA1.UserNS()
	// A1's uids 0..9 are A's 1..10, i.e. kuids 100000..100009.
	a1.uidMap = IDMap{Extents: []IDMapExtent{{0, 1, 10}}}
	a1.gidMap = IDMap{Extents: []IDMapExtent{{0, 0, 1}}}

	init := f.g.Init
	for _, tc := range []struct {
		ns   *Namespace
		uid  uint32
		kuid uint32
	}{
		{init, 0, 0},
		{init, 4294967294, 4294967294},
		{a, 0, 1000},
		{a, 1, 100000},
		{a, 65536, 165535},
		{a, 65537, NoID},
		{a, 2, 100001},
		{a1, 0, 100000},
		{a1, 9, 100009},
		{a1, 10, NoID},
		{a, NoID, NoID},
	} {
		assert.Equal(t, tc.kuid, MakeKUID(tc.ns, tc.uid), "make_kuid(level %d, %d)", tc.ns.Level(), tc.uid)
		if tc.kuid != NoID {
			assert.Equal(t, tc.uid, FromKUID(tc.ns, tc.kuid), "from_kuid(level %d, %d)", tc.ns.Level(), tc.kuid)
			assert.True(t, KUIDHasMapping(tc.ns, tc.kuid))
		}
	}
	for _, tc := range []struct {
		ns   *Namespace
		kuid uint32
	}{{a, 5}, {a, 999}, {a, 165536}, {a1, 1000}, {a1, 100010}, {a1, 5}} {
		assert.Equal(t, NoID, FromKUID(tc.ns, tc.kuid), "kuid %d unmapped at level %d", tc.kuid, tc.ns.Level())
		assert.Equal(t, OverflowUID, FromKUIDMunged(tc.ns, tc.kuid), "reads as overflowuid")
		assert.False(t, KUIDHasMapping(tc.ns, tc.kuid))
	}
	assert.Equal(t, uint32(65534), OverflowUID)
	assert.Equal(t, uint32(1000), MakeKGID(a, 0))
	assert.Equal(t, uint32(2000), MakeKGID(a, 5))
	assert.Equal(t, uint32(5), FromKGID(a, 2000))
	assert.Equal(t, NoID, MakeKGID(a, 1))
	assert.Equal(t, NoID, FromKGID(a, 1001))
	assert.Equal(t, uint32(1000), MakeKGID(a1, 0))
	assert.True(t, KGIDHasMapping(a1, 1000))
	assert.False(t, KGIDHasMapping(a1, 2000))

	// create_user_ns (§12.1 step 4): the creator's euid or egid needs a
	// mapping in the parent, else EPERM, and nothing is charged or allocated.
	inuse, entries := f.env.Inums.InUse(), f.g.UcountEntries()
	for _, kid := range []struct{ uid, gid uint32 }{{5, 1000}, {1000, 5}} {
		c := f.user(inA, kid.uid, 0)
		c.GID, c.EGID, c.SGID, c.FSGID = kid.gid, kid.gid, kid.gid, kid.gid
		n := PrepareCreds(f.ctx, c, nil)
		err := CreateUserNS(f.ctx, n)
		require.ErrorIs(t, err, uapi.EPERM)
		assert.Same(t, a, n.UserNS(), "cred unchanged on failure")
		assert.Equal(t, inuse, f.env.Inums.InUse())
		assert.Equal(t, entries, f.g.UcountEntries())
		n.Put(f.ctx)
		c.Put(f.ctx)
	}

	inA1.Put(f.ctx)
	inA.Put(f.ctx)
	alice.Put(f.ctx)
	assert.NoError(t, f.env.Refs.Leaks())
	assert.Zero(t, f.g.UcountEntries())
}

// TestUcountLimits checks §5: a charge is checked against the limit of every
// ancestor level, each level's own per-(ns, uid) counter, and undone on refusal.
func TestUcountLimits(t *testing.T) {
	t.Parallel()
	f := newUsernsFix(t, 1000)
	g := f.g
	init := g.Init
	const uts = UCOUNT_UTS_NAMESPACES
	assert.EqualValues(t, 500, g.UcountMax(init, uts), "init_user_ns limits are max_threads/2")

	// A (level 1) is charged to (init, 1000); A1 (level 2) to (A, 1000).
	alice := f.user(&f.root, 1000, 0)
	inA := f.create(t, alice)
	a := inA.UserNS()
	a.uidMap = IDMap{Extents: []IDMapExtent{{0, 1000, 1}}}
	a.gidMap = a.uidMap
	inA1 := f.create(t, inA)
	a1 := inA1.UserNS()
	a1.uidMap = IDMap{Extents: []IDMapExtent{{0, 0, 1}}} // A1 root is A root, kuid 1000
	a1.gidMap = a1.uidMap
	assert.EqualValues(t, math.MaxInt32, g.UcountMax(a, uts), "a new user ns starts at INT_MAX")
	assert.EqualValues(t, math.MaxInt32, g.UcountMax(a1, uts))
	assert.EqualValues(t, 2, g.Charged(init, 1000, UCOUNT_USER_NAMESPACES), "A charged to its parent with the creator's euid, A1 counted there too")
	assert.EqualValues(t, 1, g.Charged(a, 1000, UCOUNT_USER_NAMESPACES))

	// A UTS namespace created in A1 by kuid 7 charges (A1,7), (A,1000), (init,1000).
	const creator = 7
	charged := func() [3]int64 {
		return [3]int64{g.Charged(a1, creator, uts), g.Charged(a, 1000, uts), g.Charged(init, 1000, uts)}
	}
	uc := g.Inc(a1, creator, uts)
	require.NotNil(t, uc)
	assert.Equal(t, [3]int64{1, 1, 1}, charged())

	for _, level := range []*Namespace{init, a, a1} {
		t.Run("limit at level "+strconv.Itoa(level.Level()), func(t *testing.T) {
			old := g.UcountMax(level, uts)
			g.SetUcountMax(level, uts, 1) // one namespace already charged there
			assert.Nil(t, g.Inc(a1, creator, uts), "refused at level %d", level.Level())
			assert.Equal(t, [3]int64{1, 1, 1}, charged(), "the levels below were undone")
			g.SetUcountMax(level, uts, 0)
			assert.Nil(t, g.Inc(a1, creator, uts), "limit 0 forbids")
			g.SetUcountMax(level, uts, 2)
			second := g.Inc(a1, creator, uts)
			require.NotNil(t, second)
			assert.Equal(t, [3]int64{2, 2, 2}, charged())
			g.Dec(second, uts)
			assert.Equal(t, [3]int64{1, 1, 1}, charged())
			g.SetUcountMax(level, uts, old)
		})
	}

	// The limit is per (ns, uid): another user at init level is not affected
	// by alice's charges, but alice's own creations in init are.
	g.SetUcountMax(init, uts, 1)
	assert.Nil(t, g.Inc(init, 1000, uts), "alice has 1 charged at init level")
	other := g.Inc(init, 1001, uts)
	require.NotNil(t, other)
	assert.EqualValues(t, 1, g.Charged(init, 1001, uts))
	g.Dec(other, uts)
	g.SetUcountMax(init, uts, 500)

	// max_user_namespaces: create_user_ns charges the parent (§5, §12.1 step 2).
	g.SetUcountMax(init, UCOUNT_USER_NAMESPACES, 1)
	n := PrepareCreds(f.ctx, alice, nil)
	err := CreateUserNS(f.ctx, n)
	require.ErrorIs(t, err, uapi.ENOSPC)
	var e *uapi.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "inc_user_namespaces", e.Check)
	n.Put(f.ctx)
	// ... also for a grandchild: A1's creation in A already counts at init level.
	g.SetUcountMax(init, UCOUNT_USER_NAMESPACES, 2)
	n = PrepareCreds(f.ctx, inA1, nil)
	require.ErrorIs(t, CreateUserNS(f.ctx, n), uapi.ENOSPC, "A2 in A1 would be alice's third at init level")
	n.Put(f.ctx)
	g.SetUcountMax(init, UCOUNT_USER_NAMESPACES, 3)
	n = PrepareCreds(f.ctx, inA1, nil)
	require.NoError(t, CreateUserNS(f.ctx, n))
	assert.Equal(t, 3, n.UserNS().Level())
	n.Put(f.ctx)

	g.Dec(uc, uts)
	assert.Equal(t, [3]int64{0, 0, 0}, charged())
	inA1.Put(f.ctx)
	inA.Put(f.ctx)
	alice.Put(f.ctx)
	assert.Zero(t, g.UcountEntries())
	assert.NoError(t, f.env.Refs.Leaks())
	assert.Empty(t, f.env.Refs.Warnings())
}

// TestUserNSDepth: create_user_ns refuses a parent whose level is above 32,
// so the deepest user namespace has level 33 (§1.2, §12.1 step 1).
func TestUserNSDepth(t *testing.T) {
	t.Parallel()
	f := newUsernsFix(t, 1000)
	c := PrepareCreds(f.ctx, &f.root, nil)
	for level := 1; level <= 33; level++ {
		n := PrepareCreds(f.ctx, c, nil)
		require.NoError(t, CreateUserNS(f.ctx, n), "level %d", level)
		require.Equal(t, level, n.UserNS().Level())
		id := IDMap{Extents: []IDMapExtent{{0, 0, 1}}} // root maps to root
		n.UserNS().uidMap, n.UserNS().gidMap = id, id
		c.Put(f.ctx)
		c = n
	}
	n := PrepareCreds(f.ctx, c, nil)
	err := CreateUserNS(f.ctx, n)
	require.ErrorIs(t, err, uapi.ENOSPC)
	n.Put(f.ctx)
	assert.Equal(t, 33, f.env.Inums.InUse())
	c.Put(f.ctx) // frees the whole chain, level 33 up to 1 (free_user_ns walks up)
	assert.NoError(t, f.env.Refs.Leaks())
	assert.Zero(t, f.env.Inums.InUse())
	assert.Zero(t, f.g.UcountEntries())
	assert.EqualValues(t, 3, f.g.Init.Count())
}

// TestUserNSReferences follows §15.2: the creator's cred reference on the
// parent moves to the child, and the child lives while any cred, child user
// namespace or other holder refers to it.
func TestUserNSReferences(t *testing.T) {
	t.Parallel()
	f := newUsernsFix(t, 1000)
	init := f.g.Init
	require.EqualValues(t, 3, init.Count())
	c := PrepareCreds(f.ctx, &f.root, nil)
	assert.EqualValues(t, 4, init.Count(), "prepare_creds takes a user ns reference")
	require.NoError(t, CreateUserNS(f.ctx, c))
	a := c.UserNS()
	assert.EqualValues(t, 4, init.Count(), "the cred's reference moved to the child's parent pointer")
	assert.EqualValues(t, 1, a.Count())
	assert.Same(t, init, a.Parent())
	assert.Equal(t, f.g.CapFullSet(), c.CapEffective, "full caps inside (§12.1 step 7)")
	assert.Zero(t, c.CapInheritable)
	assert.Zero(t, c.CapAmbient)
	assert.True(t, a.SetgroupsAllowed(), "flags inherited from the parent")
	assert.True(t, InUserNS(init, a))
	assert.False(t, InUserNS(a, init))

	other := PrepareCreds(f.ctx, c, nil) // a second cred in A
	assert.EqualValues(t, 2, a.Count())
	a1cred := PrepareCreds(f.ctx, c, nil)
	a.uidMap = IDMap{Extents: []IDMapExtent{{0, 0, 1}}}
	a.gidMap = a.uidMap
	require.NoError(t, CreateUserNS(f.ctx, a1cred))
	a1 := a1cred.UserNS()
	assert.EqualValues(t, 3, a.Count(), "c, other, and A1's parent pointer")
	assert.Same(t, a, a1.Parent())
	assert.Same(t, a, a1.Owner(), "userns_owner is the parent")

	c.Put(f.ctx)
	other.Put(f.ctx)
	assert.EqualValues(t, 1, a.Count(), "only A1 keeps A alive")
	assert.Equal(t, 2, f.env.Refs.CountKind("user_namespace"))
	a1cred.Put(f.ctx) // A1 freed, then A (free_user_ns continues with the parent)
	assert.Zero(t, f.env.Refs.CountKind("user_namespace"))
	assert.EqualValues(t, 3, init.Count())
	assert.NoError(t, f.env.Refs.Leaks())
	assert.Empty(t, f.env.Refs.Warnings())
}
