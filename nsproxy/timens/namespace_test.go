package timens_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// The namespace satisfies what nsproxy and nsfs need of every type.
var _ ns.Namespace = (*timens.Namespace)(nil)

func TestInitTimeNS(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	n := f.g.Init
	// kernel/time/namespace.c: init_time_ns = { .ns.__ns_ref = REFCOUNT_INIT(3),
	// .user_ns = &init_user_ns, .ns.inum = PROC_TIME_INIT_INO, .frozen_offsets = true }.
	assert.Equal(t, int64(3), n.Count())
	assert.Equal(t, "time:[4026531834]", n.Link(), "as readlink /proc/self/ns/time shows on the machine")
	assert.Equal(t, ns.TIME, n.Type())
	assert.Same(t, f.users.Init, n.UserNS())
	assert.Equal(t, f.users.Init, n.Owner())
	assert.True(t, n.Frozen())
	assert.Equal(t, timens.Offsets{}, n.Offsets())
	assert.Same(t, f.g, n.Globals())
	assert.Zero(t, f.env.Refs.LiveCount(), "init_time_ns is static: not in the leak registry")
	assert.Equal(t, int64(3), f.users.Init.Count(), "init_time_ns does not count its owner")
	s := f.g.InitSlots()
	assert.Same(t, n, s.TimeNS)
	assert.Same(t, n, s.TimeNSForChildren)
	assert.Equal(t, int64(3), n.Count(), "init_nsproxy's slots are part of the static count")
	f.requireClean(t)
}

func TestCopyTimeNSShares(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	for _, flags := range []uapi.CloneFlags{0, uapi.CLONE_NEWUTS | uapi.CLONE_NEWPID, uapi.CLONE_NEWUSER} {
		got, err := timens.CopyTimeNS(f.ctx, flags, f.users.Init, f.g.Init)
		require.NoError(t, err)
		assert.Same(t, f.g.Init, got, "flags %v", flags)
		assert.Equal(t, int64(4), f.g.Init.Count(), "get_time_ns(old)")
		got.Put(f.ctx)
		assert.Equal(t, int64(3), f.g.Init.Count())
	}
	assert.Zero(t, f.charged())
	f.requireClean(t)
}

func TestCloneTimeNS(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	parent := f.newNS(t, f.users.Init)
	_, err := timens.SetOffsets(f.ctx, parent, &f.root, []byte("monotonic 100 1\nboottime 200 2\n"))
	require.NoError(t, err)
	ownerBefore := f.users.Init.Count()

	n, err := timens.CopyTimeNS(f.ctx, uapi.CLONE_NEWTIME, f.users.Init, parent)
	require.NoError(t, err)
	assert.NotSame(t, parent, n)
	assert.Equal(t, int64(1), n.Count(), "clone_time_ns: count 1")
	assert.Equal(t, int64(1), parent.Count(), "copy_time_ns takes no reference on old when cloning")
	assert.Equal(t, "time:[4026531841]", n.Link(), "the next dynamic inode number after the parent's")
	assert.Same(t, f.users.Init, n.UserNS())
	assert.Equal(t, ownerBefore+1, f.users.Init.Count(), "the owner is referenced")
	assert.Equal(t, offs(ts(100, 1), ts(200, 2)), n.Offsets(), "offsets are copied from old")
	assert.False(t, n.Frozen(), "a new namespace is not frozen")
	assert.Equal(t, int64(2), f.charged(), "inc_time_namespaces(user_ns) with current_euid() 0")
	assert.Equal(t, 2, f.env.Refs.CountKind("time_namespace"))

	// Copies are independent: writing the child leaves the parent alone.
	_, err = timens.SetOffsets(f.ctx, n, &f.root, []byte("monotonic 5 0"))
	require.NoError(t, err)
	assert.Equal(t, ts(100, 1), parent.Offsets().Monotonic)

	n.Put(f.ctx) // free_time_ns
	assert.Equal(t, ownerBefore, f.users.Init.Count())
	assert.Equal(t, int64(1), f.charged())
	parent.Put(f.ctx)
	f.requireClean(t)
}

func TestCloneTimeNSOwnedByChildUserNS(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	alice := f.user(&f.root, 1000, 0)
	inside := f.inUserNS(t, alice)
	ctx := ns.NewCtx(f.env, 1000)
	n, err := timens.CopyTimeNS(ctx, uapi.CLONE_NEWTIME, inside.UserNS(), f.g.Init)
	require.NoError(t, err)
	assert.Same(t, inside.UserNS(), n.UserNS())
	assert.Equal(t, int64(1), f.users.Charged(inside.UserNS(), 1000, userns.UCOUNT_TIME_NAMESPACES),
		"charged to the owning namespace with the creator's euid")
	inside.Put(f.ctx)
	alice.Put(f.ctx)
	assert.Equal(t, int64(1), n.UserNS().Count(), "the time namespace keeps its owner alive")
	n.Put(f.ctx)
	f.requireClean(t)
}

func TestCloneTimeNSErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, f *fix) (*ns.Ctx, *userns.Namespace, func())
		errno uapi.Errno
	}{
		{"max_time_namespaces 0 in the owner", func(_ *testing.T, f *fix) (*ns.Ctx, *userns.Namespace, func()) {
			f.users.SetUcountMax(f.users.Init, userns.UCOUNT_TIME_NAMESPACES, 0)
			return f.ctx, f.users.Init, func() {}
		}, uapi.ENOSPC},
		{"limit reached at an ancestor", func(t *testing.T, f *fix) (*ns.Ctx, *userns.Namespace, func()) {
			alice := f.user(&f.root, 1000, 0)
			inside := f.inUserNS(t, alice)
			f.users.SetUcountMax(f.users.Init, userns.UCOUNT_TIME_NAMESPACES, 0)
			return ns.NewCtx(f.env, 1000), inside.UserNS(), func() { inside.Put(f.ctx); alice.Put(f.ctx) }
		}, uapi.ENOSPC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t)
			ctx, owner, done := tc.setup(t, f)
			before := f.state(f.g.Init)
			ownerCount, entries := owner.Count(), f.users.UcountEntries()
			n, err := timens.CopyTimeNS(ctx, uapi.CLONE_NEWTIME, owner, f.g.Init)
			require.ErrorIs(t, err, tc.errno)
			assert.Nil(t, n)
			var e *uapi.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "inc_time_namespaces", e.Check)
			assert.Equal(t, before, f.state(f.g.Init), "nothing changed")
			assert.Equal(t, ownerCount, owner.Count())
			assert.Equal(t, entries, f.users.UcountEntries(), "no ucounts left behind")
			done()
			f.requireClean(t)
		})
	}
}

func TestLimitCountsLiveNamespaces(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	f.users.SetUcountMax(f.users.Init, userns.UCOUNT_TIME_NAMESPACES, 2)
	a := f.newNS(t, f.users.Init)
	b := f.newNS(t, f.users.Init)
	_, err := timens.CopyTimeNS(f.ctx, uapi.CLONE_NEWTIME, f.users.Init, a)
	require.ErrorIs(t, err, uapi.ENOSPC)
	b.Put(f.ctx)
	c, err := timens.CopyTimeNS(f.ctx, uapi.CLONE_NEWTIME, f.users.Init, a)
	require.NoError(t, err, "freeing a namespace gives its charge back")
	assert.Equal(t, "time:[4026531841]", c.Link(), "and b's inode number is reused")
	a.Put(f.ctx)
	c.Put(f.ctx)
	f.requireClean(t)
}

func TestPutInitWarns(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	for range 3 {
		f.g.Init.Put(f.ctx)
	}
	w := f.env.Refs.Warnings()
	require.Len(t, w, 1)
	assert.Contains(t, w[0].Message, "init_time_ns released")
}
