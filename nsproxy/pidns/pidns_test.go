package pidns_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Reference §1.2 and §2.5.
func TestConstantsAndInitPidNS(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 32, pidns.MAX_PID_NS_LEVEL)
	assert.Equal(t, uint32(0x80000000), pidns.PIDNS_ADDING)
	assert.Equal(t, 300, pidns.RESERVED_PIDS)
	assert.Equal(t, 32768, pidns.PID_MAX_DEFAULT)
	assert.Equal(t, 4194304, pidns.PID_MAX_LIMIT)
	assert.Equal(t, 301, pidns.PID_MAX_MIN)

	f := newFix(t, refcount.Linux419, 0)
	in := f.g.Init
	assert.Equal(t, "pid:[4026531836]", in.Link())
	assert.Equal(t, ns.PID, in.Type())
	assert.Equal(t, int64(2), in.Count())
	assert.Zero(t, in.Level())
	assert.Nil(t, in.Parent())
	assert.True(t, in.IsInit())
	assert.Same(t, f.ug.Init, in.UserNS())
	assert.Equal(t, ns.Namespace(f.ug.Init), in.Owner())
	assert.Equal(t, pidns.PID_MAX_DEFAULT, f.g.PidMax())
	assert.Zero(t, f.env.Refs.CountKind("pid_namespace"), "init_pid_ns is static")
	var _ ns.Namespace = in

	// Before and after the first process.
	bare := pidns.NewGlobals(f.env, f.ug, 0)
	assert.Equal(t, pidns.PIDNS_ADDING, bare.Init.PidAllocated())
	assert.Equal(t, -1, bare.Init.LastPid(), "idr cursor starts at 0")
	assert.Nil(t, bare.Init.ChildReaper())
	assert.Equal(t, pidns.PIDNS_ADDING|1, in.PidAllocated())
	assert.Equal(t, 1, in.LastPid())
	assert.Equal(t, "init", in.ChildReaper())
	assert.Equal(t, "init", in.FindTask(1))
	assert.True(t, f.initPid.IsChildReaper())
	assert.Equal(t, "1", f.initPid.RefID())
	f.requireClean(t)
}

func TestPidMaxBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		boot, want int
	}{
		{0, 32768}, {-5, 32768}, {100, 301}, {301, 301}, {4096, 4096}, {1 << 23, 4194304},
	} {
		assert.Equal(t, tc.want, newFix(t, refcount.Linux419, tc.boot).g.PidMax(), "boot %d", tc.boot)
	}
	f := newFix(t, refcount.Linux419, 0)
	for _, bad := range []int{300, 0, -1, 4194305} {
		err := f.g.SetPidMax(bad)
		require.ErrorIs(t, err, uapi.EINVAL, "pid_max %d", bad)
	}
	require.NoError(t, f.g.SetPidMax(301))
	require.NoError(t, f.g.SetPidMax(4194304))
	assert.Equal(t, 4194304, f.g.PidMax())
}

// A fresh namespace numbers from 1 upwards and does not reuse a freed number
// while the cursor has higher ones to offer (reference §11.3, §11.7).
func TestNumberingSequence(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, 0)
			ps := f.allocN(t, f.g.Init, 5) // after the init process
			for i, p := range ps {
				assert.Equal(t, []int32{int32(i + 2)}, nrs(p))
			}
			assert.Equal(t, 6, f.g.Init.LastPid())
			f.free(ps[2])
			assert.Nil(t, f.g.Init.FindPid(4))
			p := f.alloc(t, f.g.Init)
			assert.Equal(t, int32(7), p.GlobalNr(), "cyclic: 4 is not reused yet")
			f.free(p, ps[0], ps[1], ps[3], ps[4])
			f.requireClean(t)
		})
	}
}

// The wrap rule of alloc_pid: idr_alloc_cyclic from the cursor up to
// pid_max-1, then again from the lower bound, which is 1 while the cursor is
// at most RESERVED_PIDS and RESERVED_PIDS once it passed it (reference §4.8,
// §11.7). Every case fills a namespace with pid_max 310 (numbers 1..309),
// frees some, optionally writes ns_last_pid, and allocates once more.
func TestWrapAtPidMax(t *testing.T) {
	t.Parallel()
	const pidMax = 310
	none := -1
	for _, tc := range []struct {
		name    string
		free    []int32
		last    int // ns_last_pid written before the allocation; none = leave the cursor
		want    int32
		wantErr error
	}{
		{"cursor past 300 wraps to 300, not 1", []int32{5, 305}, none, 305, nil},
		{"after the wrap 1..299 are not reused", []int32{5, 150}, none, 0, uapi.EAGAIN},
		{"300 itself is reused", []int32{5, 300}, none, 300, nil},
		{"search starts at the cursor", []int32{5, 100, 305}, 50, 100, nil},
		{"cursor at 300 (last 299) wraps to 1", []int32{5}, 299, 5, nil},
		{"cursor at 301 (last 300) wraps to 300", []int32{5}, 300, 0, uapi.EAGAIN},
		{"cursor below 300 wraps to 1", []int32{5, 100}, 200, 5, nil},
		{"last = pid_max: cursor beyond the range wraps", []int32{5, 302}, pidMax, 302, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, refcount.Linux419, pidMax)
			ps := f.allocN(t, f.g.Init, pidMax-2) // 2..309 after the init process
			require.Equal(t, int32(pidMax-1), ps[len(ps)-1].GlobalNr())
			for _, nr := range tc.free {
				f.free(ps[nr-2])
				ps[nr-2] = nil
			}
			if tc.last != none {
				require.NoError(t, f.g.Init.SetLastPid(tc.last))
			}
			p, err := pidns.AllocPid(f.ctx, f.g.Init)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Nil(t, p)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.want, p.GlobalNr())
				assert.Equal(t, int(tc.want), f.g.Init.LastPid())
				ps = append(ps, p)
			}
			for _, p := range ps {
				if p != nil {
					f.free(p)
				}
			}
			f.requireClean(t)
		})
	}
}

// A process at level L owns L+1 numbers, one per namespace on its path, each
// namespace counting on its own; the first process of a new namespace is 1
// there (reference §4.8, §11.4).
func TestNestedNumbering(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, 0)
			outer := f.allocN(t, f.g.Init, 1) // global 2, after the init process
			nss := f.chain(t, 3)
			l1, l2, l3 := nss[0], nss[1], nss[2]
			var pids []*pidns.Pid
			for _, tc := range []struct {
				in   *pidns.Namespace
				want []int32
			}{
				{l1, []int32{3, 1}},
				{l2, []int32{4, 2, 1}},
				{l3, []int32{5, 3, 2, 1}},
				{l3, []int32{6, 4, 3, 2}},
				{f.g.Init, []int32{7}},
				{l1, []int32{8, 5}},
			} {
				p := f.alloc(t, tc.in)
				pids = append(pids, p)
				require.Equal(t, tc.want, nrs(p))
				require.Equal(t, tc.in.Level(), p.Level())
				require.Len(t, p.Numbers(), p.Level()+1)
				require.Same(t, tc.in, p.Namespace())
				require.Equal(t, tc.want[len(tc.want)-1] == 1, p.IsChildReaper())
				for i, u := range p.Numbers() {
					// numbers[i].ns is the ancestor at level i.
					n := tc.in
					for n.Level() > i {
						n = n.Parent()
					}
					require.Same(t, n, u.NS)
					require.Equal(t, u, p.Upid(i))
					require.Same(t, p, u.NS.FindPid(int(u.Nr)), "level %d", i)
				}
			}
			// pid_allocated counts every pid with a number in the namespace.
			for _, tc := range []struct {
				n    *pidns.Namespace
				want uint32
			}{{f.g.Init, 8}, {l1, 5}, {l2, 3}, {l3, 2}} {
				assert.Equal(t, pidns.PIDNS_ADDING|tc.want, tc.n.PidAllocated(), tc.n.Link())
			}
			f.free(pids...)
			f.free(outer...)
			for _, n := range nss {
				// Emptied while still PIDNS_ADDING: free_pid takes that for a
				// failed first fork and sets 0 (with an init the namespace
				// would have been zapped first).
				assert.Zero(t, n.PidAllocated(), n.Link())
			}
			f.putAll(nss)
			f.requireClean(t)
		})
	}
}

// pid_nr_ns: the number in a namespace on the pid's path, 0 from a deeper or
// sibling namespace (reference §11.1).
func TestPidNrNsVisibility(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 0)
	nss := f.chain(t, 3)
	l1, l2, l3 := nss[0], nss[1], nss[2]
	s1 := f.child(t, f.g.Init) // sibling of l1
	s2 := f.child(t, l1)       // sibling of l2
	q := f.alloc(t, s1)        // global 2, s1 1
	p := f.alloc(t, l2)        // global 3, l1 1, l2 1
	require.Equal(t, []int32{2, 1}, nrs(q))
	require.Equal(t, []int32{3, 1, 1}, nrs(p))
	for _, tc := range []struct {
		name string
		in   *pidns.Namespace
		want int32
	}{
		{"init_pid_ns", f.g.Init, 3},
		{"parent", l1, 1},
		{"own", l2, 1},
		{"descendant", l3, 0},
		{"sibling at level 1", s1, 0},
		{"sibling at level 2", s2, 0},
		{"nil namespace", nil, 0},
	} {
		assert.Equal(t, tc.want, p.Nr(tc.in), tc.name)
	}
	var nilPid *pidns.Pid
	assert.Zero(t, nilPid.Nr(f.g.Init))
	assert.Zero(t, nilPid.GlobalNr())
	// Lookups resolve only in the namespace the number belongs to.
	assert.Same(t, p, l2.FindPid(1))
	assert.Same(t, p, l1.FindPid(1))
	assert.Same(t, q, s1.FindPid(1), "the same number is another process in a sibling")
	assert.Nil(t, s2.FindPid(1))
	assert.Nil(t, l3.FindPid(1))
	assert.Equal(t, int32(0), q.Nr(l1))
	assert.Equal(t, int32(1), q.Nr(s1))
	f.free(p, q)
	f.putAll([]*pidns.Namespace{s2, s1})
	f.putAll(nss)
	f.requireClean(t)
}

// Every namespace on the path must have a free number; the first full one
// fails the allocation with EAGAIN, the numbers already reserved below it
// are given back, and the innermost cursor is rewound only if that namespace
// never had a pid (reference §4.8 steps 2 and 6).
func TestAllocPidEAGAINAndUnwind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		innerFirst bool  // the inner namespace already has a pid before the failure
		wantNext   int32 // inner number of the next successful allocation
	}{
		{"first pid failed: cursor rewound, next is still 1", false, 1},
		{"later pid failed: cursor kept, 2 is skipped", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, refcount.Linux419, pidns.PID_MAX_MIN) // numbers 1..300
			l1 := f.child(t, f.g.Init)
			var held []*pidns.Pid
			if tc.innerFirst {
				held = append(held, f.alloc(t, l1)) // [2 1]
			}
			held = append(held, f.allocN(t, f.g.Init, 299-len(held))...) // init_pid_ns full
			require.Equal(t, int32(300), held[len(held)-1].GlobalNr())
			before := l1.PidAllocated()
			live := f.env.Refs.LiveCount()
			count := l1.Count()

			p, err := pidns.AllocPid(f.ctx, l1)
			require.Nil(t, p)
			require.ErrorIs(t, err, uapi.EAGAIN)
			var ue *uapi.Error
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, "alloc_pid", ue.Check)
			assert.Contains(t, ue.Reason, f.g.Init.Link(), "init_pid_ns is the full one")
			// Nothing changed in the inner namespace: its reserved number is free.
			assert.Equal(t, before, l1.PidAllocated())
			assert.Equal(t, live, f.env.Refs.LiveCount())
			assert.Equal(t, count, l1.Count())

			// Room again at level 0 (299 and 300, cursor rewound below 300 so
			// both can be found): the inner number shows whether l1's cursor
			// was rewound.
			f.free(held[len(held)-2:]...)
			held = held[:len(held)-2]
			require.NoError(t, f.g.Init.SetLastPid(298))
			p = f.alloc(t, l1)
			assert.Equal(t, []int32{299, tc.wantNext}, nrs(p))
			// The number the failed attempt reserved in l1 is free again.
			require.NoError(t, l1.SetLastPid(0))
			q := f.alloc(t, l1)
			assert.Equal(t, []int32{300, 2}, nrs(q))
			f.free(append(held, p, q)...)
			l1.Put(f.ctx)
			f.requireClean(t)
		})
	}
}

// A full middle level: the innermost number is given back, level 0 is never
// tried (its cursor does not move).
func TestAllocPidMiddleLevelFull(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 400)
	f.free(f.allocN(t, f.g.Init, 50)...) // 2..51 come and go: init's cursor at 52
	l1 := f.child(t, f.g.Init)
	held := f.allocN(t, l1, 300) // l1 1..300, init 52..351
	require.Equal(t, []int32{351, 300}, nrs(held[299]))
	require.NoError(t, f.g.SetPidMax(pidns.PID_MAX_MIN)) // l1 now full
	require.NoError(t, f.g.Init.SetLastPid(0))           // init has 2..51 free from its cursor
	l2 := f.child(t, l1)

	_, err := pidns.AllocPid(f.ctx, l2)
	require.ErrorIs(t, err, uapi.EAGAIN)
	assert.Contains(t, err.Error(), l1.Link())
	assert.Equal(t, 0, f.g.Init.LastPid(), "level 0 was never reached")
	assert.Equal(t, -1, l2.LastPid(), "l2 had no pid: cursor rewound to 0")
	assert.Equal(t, pidns.PIDNS_ADDING, l2.PidAllocated())
	assert.Equal(t, pidns.PIDNS_ADDING|300, l1.PidAllocated())

	p := f.alloc(t, f.g.Init)
	assert.Equal(t, int32(2), p.GlobalNr())
	f.free(p)
	f.free(held...)
	f.putAll([]*pidns.Namespace{l1, l2})
	f.requireClean(t)
}

// After disable_pid_allocation every allocation for the namespace fails with
// ENOMEM and leaves nothing behind; free_pid wakes the reaper when 2 or 1
// pids are left (reference §4.8 step 5, §4.9, §9.2).
func TestDisablePidAllocation(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, 0)
			nss := f.chain(t, 2)
			l1, l2 := nss[0], nss[1]
			reaper := f.alloc(t, l1) // [2 1]
			l1.SetChildReaper("init of l1")
			kids := f.allocN(t, l1, 2) // [3 2] [4 3]
			deep := f.alloc(t, l2)     // [5 4 1]

			f.env.Trace.Start()
			pidns.DisablePidAllocation(f.ctx, l1)
			f.env.Trace.Stop()
			assert.Equal(t, []string{"disable_pid_allocation"}, f.env.Trace.Names())
			assert.Equal(t, uint32(4), l1.PidAllocated())

			live, count := f.env.Refs.LiveCount(), l1.Count()
			initLast := f.g.Init.LastPid()
			p, err := pidns.AllocPid(f.ctx, l1)
			require.Nil(t, p)
			require.ErrorIs(t, err, uapi.ENOMEM)
			assert.Equal(t, uint32(4), l1.PidAllocated())
			assert.Equal(t, pidns.PIDNS_ADDING|5, f.g.Init.PidAllocated())
			assert.Equal(t, live, f.env.Refs.LiveCount())
			assert.Equal(t, count, l1.Count(), "the namespace reference was given back")
			assert.Nil(t, f.g.Init.FindPid(initLast+1))
			assert.Nil(t, l1.FindPid(5))

			// Only the innermost namespace's flag is checked. With the cursors
			// put back, the numbers the failed attempt reserved (global 6, l1's
			// 5) come out again: they were given back to their own namespaces.
			require.NoError(t, f.g.Init.SetLastPid(initLast))
			require.NoError(t, l1.SetLastPid(4))
			q := f.alloc(t, l2)
			assert.Equal(t, []int32{6, 5, 2}, nrs(q))

			var woken []*pidns.Namespace
			wake := func(n *pidns.Namespace) { woken = append(woken, n) }
			for _, tc := range []struct {
				p    *pidns.Pid
				left uint32
				wake bool
			}{
				{q, 4, false},
				{deep, 3, false},
				{kids[0], 2, true},
				{kids[1], 1, true},
				{reaper, 0, false},
			} {
				woken = nil
				pidns.FreePid(f.ctx, tc.p, wake)
				assert.Equal(t, tc.left, l1.PidAllocated())
				if tc.wake {
					assert.Equal(t, []*pidns.Namespace{l1}, woken, "left %d", tc.left)
				} else {
					assert.Empty(t, woken, "left %d", tc.left)
				}
			}
			_, err = pidns.AllocPid(f.ctx, l1)
			require.ErrorIs(t, err, uapi.ENOMEM)
			f.putAll(nss)
			f.requireClean(t)
		})
	}
}

// If the first process of a namespace fails to fork after alloc_pid, free_pid
// sees pid_allocated drop to exactly PIDNS_ADDING and sets it to 0: the
// namespace never accepts a process again (reference §4.9, §11.3).
func TestFirstPidFailureKillsNamespace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		second   bool // a second pid existed when the first was freed
		reaper   bool // child_reaper was set (the kernel WARNs)
		want     uint32
		wantErr  error
		wantWarn bool
	}{
		{"first process failed", false, false, 0, uapi.ENOMEM, false},
		{"first process failed with a reaper set", false, true, 0, uapi.ENOMEM, true},
		{"another pid still counted", true, false, pidns.PIDNS_ADDING | 1, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, refcount.Linux419, 0)
			l1 := f.child(t, f.g.Init)
			first := f.alloc(t, l1)
			require.True(t, first.IsChildReaper())
			var second *pidns.Pid
			if tc.second {
				second = f.alloc(t, l1)
			}
			if tc.reaper {
				l1.SetChildReaper("init")
			}
			f.free(first)
			assert.Equal(t, tc.want, l1.PidAllocated())
			if tc.wantWarn {
				require.Len(t, f.env.Refs.Warnings(), 1)
				assert.Contains(t, f.env.Refs.Warnings()[0].Message, "child_reaper")
				f.env.Refs.ResetWarnings()
				l1.SetChildReaper(nil)
			} else {
				assert.Empty(t, f.env.Refs.Warnings())
			}
			p, err := pidns.AllocPid(f.ctx, l1)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, int32(3), p.Nr(l1))
				f.free(p, second)
			}
			l1.Put(f.ctx)
			f.requireClean(t)
		})
	}
}

// copy_pid_ns and create_pid_namespace: sharing without CLONE_NEWPID; the
// checks in order with their errnos; the new namespace's initial state
// (reference §4.7).
func TestCopyPidNS(t *testing.T) {
	t.Parallel()
	t.Run("share", func(t *testing.T) {
		t.Parallel()
		f := newFix(t, refcount.Linux419, 0)
		got, err := pidns.CopyPidNS(f.ctx, uapi.CLONE_NEWUTS, f.ug.Init, f.g.Init, f.g.Init)
		require.NoError(t, err)
		assert.Same(t, f.g.Init, got)
		assert.Equal(t, int64(2), f.g.Init.Count(), "init_pid_ns is never counted")
		l1 := f.child(t, f.g.Init)
		// Sharing needs no active == old check.
		got, err = pidns.CopyPidNS(f.ctx, 0, f.ug.Init, l1, f.g.Init)
		require.NoError(t, err)
		assert.Same(t, l1, got)
		assert.Equal(t, int64(2), l1.Count())
		l1.Put(f.ctx)
		l1.Put(f.ctx)
		f.requireClean(t)
	})
	t.Run("new", func(t *testing.T) {
		t.Parallel()
		f := newFix(t, refcount.Linux419, 0)
		f.ctx.EUID = 1000
		userBefore := f.ug.Init.Count()
		f.env.Trace.Start()
		l1, err := pidns.CopyPidNS(f.ctx, uapi.CLONE_NEWPID, f.ug.Init, f.g.Init, f.g.Init)
		f.env.Trace.Stop()
		require.NoError(t, err)
		assert.Equal(t, []string{"copy_pid_ns", "create_pid_namespace"}, f.env.Trace.Names())
		assert.Equal(t, 1, l1.Level())
		assert.Same(t, f.g.Init, l1.Parent())
		assert.False(t, l1.IsInit())
		assert.Same(t, f.ug.Init, l1.UserNS())
		assert.Equal(t, int64(1), l1.Count())
		assert.Equal(t, "pid:[4026531840]", l1.Link(), "first dynamic inode number")
		assert.Equal(t, pidns.PIDNS_ADDING, l1.PidAllocated())
		assert.Equal(t, -1, l1.LastPid())
		assert.Nil(t, l1.ChildReaper())
		assert.Equal(t, userBefore+1, f.ug.Init.Count(), "owner reference")
		assert.Equal(t, int64(1), f.ug.Charged(f.ug.Init, 1000, userns.UCOUNT_PID_NAMESPACES))
		assert.Equal(t, 1, f.env.Refs.CountKind("pid_namespace"))

		l2 := f.child(t, l1)
		assert.Equal(t, 2, l2.Level())
		assert.Equal(t, int64(2), l1.Count(), "l2 holds its parent")
		assert.Equal(t, int64(2), f.ug.Charged(f.ug.Init, 1000, userns.UCOUNT_PID_NAMESPACES))
		f.putAll([]*pidns.Namespace{l1, l2})
		assert.Equal(t, userBefore, f.ug.Init.Count())
		f.requireClean(t)
	})

	type setup struct {
		f           *fix
		userNS      *userns.Namespace
		old, active *pidns.Namespace
		cleanup     func()
	}
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, f *fix) setup
		errno   uapi.Errno
		check   string
	}{
		{"active is not pid_ns_for_children", func(t *testing.T, f *fix) setup {
			l1 := f.child(t, f.g.Init)
			return setup{f: f, userNS: f.ug.Init, old: l1, active: f.g.Init, cleanup: func() { l1.Put(f.ctx) }}
		}, uapi.EINVAL, "copy_pid_ns"},
		{"user namespace outside the parent's owner", func(t *testing.T, f *fix) setup {
			var root userns.Cred
			userns.InitCred(&root, f.ug)
			c := userns.PrepareCreds(f.ctx, &root, nil)
			require.NoError(t, userns.CreateUserNS(f.ctx, c))
			owned, err := pidns.CopyPidNS(f.ctx, uapi.CLONE_NEWPID, c.UserNS(), f.g.Init, f.g.Init)
			require.NoError(t, err)
			return setup{f: f, userNS: f.ug.Init, old: owned, active: owned, cleanup: func() {
				owned.Put(f.ctx)
				c.Put(f.ctx)
			}}
		}, uapi.EINVAL, "create_pid_namespace"},
		{"level 33", func(t *testing.T, f *fix) setup {
			nss := f.chain(t, pidns.MAX_PID_NS_LEVEL)
			deepest := nss[len(nss)-1]
			require.Equal(t, 32, deepest.Level())
			return setup{f: f, userNS: f.ug.Init, old: deepest, active: deepest, cleanup: func() { f.putAll(nss) }}
		}, uapi.ENOSPC, "create_pid_namespace"},
		{"max_pid_namespaces", func(t *testing.T, f *fix) setup {
			f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_PID_NAMESPACES, 2)
			nss := f.chain(t, 2)
			return setup{f: f, userNS: f.ug.Init, old: f.g.Init, active: f.g.Init, cleanup: func() { f.putAll(nss) }}
		}, uapi.ENOSPC, "inc_pid_namespaces"},
		{"max_pid_namespaces of an ancestor user namespace", func(t *testing.T, f *fix) setup {
			var root userns.Cred
			userns.InitCred(&root, f.ug)
			c := userns.PrepareCreds(f.ctx, &root, nil)
			require.NoError(t, userns.CreateUserNS(f.ctx, c))
			f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_PID_NAMESPACES, 0)
			return setup{f: f, userNS: c.UserNS(), old: f.g.Init, active: f.g.Init, cleanup: func() { c.Put(f.ctx) }}
		}, uapi.ENOSPC, "inc_pid_namespaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, refcount.Linux419, 0)
			s := tc.prepare(t, f)
			oldCount, live, inums := s.old.Count(), f.env.Refs.LiveCount(), f.env.Inums.InUse()
			userCount := s.userNS.Count()
			n, err := pidns.CopyPidNS(f.ctx, uapi.CLONE_NEWPID, s.userNS, s.old, s.active)
			require.Nil(t, n)
			require.ErrorIs(t, err, tc.errno)
			var ue *uapi.Error
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, tc.check, ue.Check)
			// Nothing changed.
			assert.Equal(t, oldCount, s.old.Count())
			assert.Equal(t, live, f.env.Refs.LiveCount())
			assert.Equal(t, inums, f.env.Inums.InUse())
			assert.Equal(t, userCount, s.userNS.Count())
			s.cleanup()
			f.requireClean(t)
		})
	}
}

// Once one is freed the charge is back and creation works again.
func TestUcountGivenBack(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 0)
	f.ug.SetUcountMax(f.ug.Init, userns.UCOUNT_PID_NAMESPACES, 1)
	a := f.child(t, f.g.Init)
	_, err := pidns.CopyPidNS(f.ctx, uapi.CLONE_NEWPID, f.ug.Init, f.g.Init, f.g.Init)
	require.ErrorIs(t, err, uapi.ENOSPC)
	a.Put(f.ctx)
	b := f.child(t, f.g.Init)
	assert.Equal(t, "pid:[4026531840]", b.Link(), "the freed inode number is reused")
	b.Put(f.ctx)
	f.requireClean(t)
}

// The deepest namespace (level 32) still allocates: 33 numbers, stored beyond
// the inline ones.
func TestDeepestPid(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 0)
	nss := f.chain(t, pidns.MAX_PID_NS_LEVEL)
	p := f.alloc(t, nss[31])
	require.Equal(t, 32, p.Level())
	require.Len(t, p.Numbers(), 33)
	for i, u := range p.Numbers() {
		want := int32(1)
		if i == 0 {
			want = 2 // after the init process
		}
		assert.Equal(t, want, u.Nr, "level %d", i)
		assert.Same(t, p, u.NS.FindPid(int(want)))
	}
	assert.Equal(t, "2/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/1", p.RefID())
	f.free(p)
	f.putAll(nss)
	f.requireClean(t)
}

// Reference §15: a pid holds its innermost namespace, each namespace its
// parent; put_pid_ns frees up the chain until a namespace survives;
// init_pid_ns is never counted.
func TestRefcounts(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, 0)
			for range 5 {
				f.g.Init.Get()
			}
			f.g.Init.Put(f.ctx)
			assert.Equal(t, int64(2), f.g.Init.Count(), "get/put skip init_pid_ns")

			nss := f.chain(t, 3)
			l1, l2, l3 := nss[0], nss[1], nss[2]
			for _, tc := range []struct {
				n    *pidns.Namespace
				want int64
			}{{l1, 2}, {l2, 2}, {l3, 1}} {
				assert.Equal(t, tc.want, tc.n.Count(), "creator + child")
			}
			p := f.alloc(t, l3)
			assert.Equal(t, int64(2), l3.Count(), "the pid holds its innermost namespace")
			assert.Equal(t, int64(2), l2.Count(), "but not the outer ones")
			assert.Equal(t, int64(1), p.Count())

			// Lookups with a reference.
			got := l3.FindGetPid(1)
			require.Same(t, p, got)
			assert.Equal(t, int64(2), p.Count())
			got.Put(f.ctx)
			assert.Equal(t, int64(1), p.Count())
			assert.Nil(t, l3.FindGetPid(2))

			// The creator references go; the pid keeps the chain alive.
			f.putAll(nss)
			assert.Equal(t, 3, f.env.Refs.CountKind("pid_namespace"))
			assert.Equal(t, int64(1), l3.Count())

			// An extra pid reference outlives free_pid.
			p.Get()
			f.env.Trace.Start()
			f.free(p)
			f.env.Trace.Stop()
			assert.Equal(t, []string{"free_pid", "put_pid"}, f.env.Trace.Names())
			assert.Equal(t, 3, f.env.Refs.CountKind("pid_namespace"))
			assert.Equal(t, 2, f.env.Refs.CountKind("pid"), "p and the init process")
			assert.Nil(t, l3.FindPid(1))
			assert.Equal(t, int64(1), p.Count())

			// The last put_pid frees the pid and cascades up the chain.
			f.env.Trace.Reset()
			f.env.Trace.Start()
			p.Put(f.ctx)
			f.env.Trace.Stop()
			assert.Equal(t, []string{"put_pid", "put_pid_ns", "free_pid_ns", "free_pid_ns", "free_pid_ns"}, f.env.Trace.Names())
			f.requireClean(t)
		})
	}
}

// put_pid_ns stops at the first namespace that survives.
func TestPutPidNSStopsAtSurvivor(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 0)
	nss := f.chain(t, 3)
	l1, l2, l3 := nss[0], nss[1], nss[2]
	l2.Put(f.ctx) // l2 now held only by l3
	assert.Equal(t, 3, f.env.Refs.CountKind("pid_namespace"))
	l3.Put(f.ctx) // frees l3 then l2; l1 keeps its creator reference
	assert.Equal(t, 1, f.env.Refs.CountKind("pid_namespace"))
	assert.Equal(t, int64(1), l1.Count())
	assert.Equal(t, []refcount.Live{{Kind: "pid", ID: "1", Count: 1}, {Kind: "pid_namespace", ID: "4026531840", Count: 1}},
		f.env.Refs.Live())
	l1.Put(f.ctx)
	f.requireClean(t)
}

// /proc/sys/kernel/ns_last_pid: the cursor minus one; a write of N makes N+1
// the next number if free; the write is bounded to [0, pid_max]
// (reference §11.6).
func TestNsLastPid(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 1000)
	l1 := f.child(t, f.g.Init)
	assert.Equal(t, -1, l1.LastPid())
	a := f.alloc(t, l1) // [2 1]
	assert.Equal(t, 1, l1.LastPid())
	assert.Equal(t, 2, f.g.Init.LastPid())
	for _, tc := range []struct {
		write   int
		wantErr bool
		next    int32
	}{
		{99, false, 100},
		{0, false, 2}, // 1 is taken: the next free after the cursor
		{-1, true, 0},
		{1001, true, 0},
		{1000, false, 300}, // cursor past pid_max: wraps to RESERVED_PIDS
	} {
		err := l1.SetLastPid(tc.write)
		if tc.wantErr {
			require.ErrorIs(t, err, uapi.EINVAL, "write %d", tc.write)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.write, l1.LastPid())
		p := f.alloc(t, l1)
		assert.Equal(t, tc.next, p.Nr(l1), "after writing %d", tc.write)
		assert.Equal(t, int(tc.next), l1.LastPid())
		f.free(p)
	}
	assert.Equal(t, 5, f.g.Init.LastPid(), "init_pid_ns numbered 3..5 meanwhile, its cursor untouched by l1's writes")
	f.free(a)
	l1.Put(f.ctx)
	f.requireClean(t)
}

func TestFindGePidAndTaskLinks(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 0)
	ps := f.allocN(t, f.g.Init, 6) // 2..7
	f.free(ps[1], ps[4])           // 3 and 6 gone
	f.initPid.Attach(1)
	for i, p := range ps {
		if i != 1 && i != 4 {
			p.Attach(i + 2)
		}
	}
	var walked []int32
	for p := f.g.Init.FindGePid(0); p != nil; p = f.g.Init.FindGePid(int(p.Nr(f.g.Init)) + 1) {
		walked = append(walked, p.GlobalNr())
		assert.Equal(t, int(p.GlobalNr()), p.Task())
	}
	assert.Equal(t, []int32{1, 2, 4, 5, 7}, walked)
	var listed []int32
	for _, p := range f.g.Init.AppendPids(nil) {
		listed = append(listed, p.GlobalNr())
	}
	assert.Equal(t, walked, listed)
	assert.Same(t, ps[2], f.g.Init.FindGePid(3))
	assert.Nil(t, f.g.Init.FindGePid(8))
	assert.Equal(t, 5, f.g.Init.FindTask(5))
	assert.Nil(t, f.g.Init.FindTask(6))
	ps[3].Detach()
	assert.Nil(t, f.g.Init.FindTask(5))
	assert.Nil(t, ps[3].Task())
	var nilPid *pidns.Pid
	assert.Nil(t, nilPid.Task())
	nilPid.Put(f.ctx) // put_pid(NULL) is a no-op
	f.free(ps[0], ps[2], ps[3], ps[5])
	f.requireClean(t)
}

// alloc_pid's trace: 4.19 prepares the namespace's internal proc mount for
// its first pid (number 1 there, is_child_reaper); mainline (5.8+) no longer
// has that step.
func TestAllocPidTrace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    refcount.Flavour
		want []string
	}{
		{refcount.Linux419, []string{"alloc_pid", "pid_ns_prepare_proc", "alloc_pid"}},
		{refcount.Mainline, []string{"alloc_pid", "alloc_pid"}},
	} {
		t.Run(tc.f.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, tc.f, 0)
			l1 := f.child(t, f.g.Init)
			f.env.Trace.Start()
			a := f.alloc(t, l1) // l1's 1: is_child_reaper
			b := f.alloc(t, l1)
			f.env.Trace.Stop()
			assert.Equal(t, tc.want, f.env.Trace.Names())
			f.free(a, b)
			l1.Put(f.ctx)
			f.requireClean(t)
		})
	}
}

func TestErrorsCarryErrno(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419, 0)
	l1 := f.child(t, f.g.Init)
	pidns.DisablePidAllocation(f.ctx, l1)
	_, err := pidns.AllocPid(f.ctx, l1)
	assert.True(t, errors.Is(err, uapi.ENOMEM))
	assert.Equal(t, "alloc_pid: ENOMEM (Cannot allocate memory): pid namespace pid:[4026531840] no longer accepts processes (PIDNS_ADDING clear) (alloc_pid)", err.Error())
	l1.Put(f.ctx)
	f.requireClean(t)
}
