package timens_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// task is the time part of a simulated task: its nsproxy's slots (each
// holding a reference) and its cred. The methods replay what the nsproxy
// layer does around this package's functions (kernel/nsproxy.c,
// kernel/fork.c), so the freezing rules can be tested without the rest of
// the simulator.
type task struct {
	f     *fix
	slots timens.Slots
	cred  *userns.Cred
}

// initTask is a task sharing init_nsproxy's time slots, with its own references.
func (f *fix) initTask(t *testing.T) *task {
	t.Helper()
	init := f.g.InitSlots()
	tk := &task{f: f, cred: &f.root}
	require.NoError(t, tk.slots.Copy(f.ctx, 0, f.users.Init, &init))
	return tk
}

// unshare is unshare(CLONE_NEWTIME): a new nsproxy whose
// time_ns_for_children is new; time_ns unchanged.
func (tk *task) unshare(t *testing.T) {
	t.Helper()
	var s timens.Slots
	require.NoError(t, s.Copy(tk.f.ctx, uapi.CLONE_NEWTIME, tk.cred.UserNS(), &tk.slots))
	tk.slots.Put(tk.f.ctx)
	tk.slots = s
}

// fork is copy_namespaces(flags) for a child: the fast path shares the
// nsproxy when no CLONE_NEW* flag is given and either CLONE_VM is set or the
// two slots agree; otherwise create_new_namespaces, then timens_on_fork
// unless CLONE_VM.
func (tk *task) fork(t *testing.T, flags uapi.CloneFlags) *task {
	t.Helper()
	child := &task{f: tk.f, cred: tk.cred}
	if flags&uapi.NSProxyFlagsMainline == 0 && (flags&uapi.CLONE_VM != 0 || tk.slots.TimeNS == tk.slots.TimeNSForChildren) {
		child.slots = tk.slots // get_nsproxy: one more reference on each member
		child.slots.TimeNS.Get()
		child.slots.TimeNSForChildren.Get()
		return child
	}
	require.NoError(t, child.slots.Copy(tk.f.ctx, flags, tk.cred.UserNS(), &tk.slots))
	if flags&uapi.CLONE_VM == 0 {
		timens.TimensOnFork(tk.f.ctx, &child.slots)
	}
	return child
}

// exec is exec_task_namespaces (≈6.1): when the slots differ, a fresh nsproxy
// whose time_ns becomes time_ns_for_children.
func (tk *task) exec(t *testing.T) {
	t.Helper()
	if tk.slots.TimeNS == tk.slots.TimeNSForChildren {
		return
	}
	var s timens.Slots
	require.NoError(t, s.Copy(tk.f.ctx, 0, tk.cred.UserNS(), &tk.slots))
	timens.TimensOnFork(tk.f.ctx, &s)
	tk.slots.Put(tk.f.ctx)
	tk.slots = s
}

// setns is setns(fd of target, CLONE_NEWTIME): validate on a copy of the
// nsproxy, then commit_nsset switches and calls timens_commit.
func (tk *task) setns(t *testing.T, target *timens.Namespace, singleThreaded bool) error {
	t.Helper()
	if err := timens.Install(tk.f.ctx, tk.cred, target, singleThreaded); err != nil {
		return err
	}
	var s timens.Slots
	require.NoError(t, s.Copy(tk.f.ctx, 0, tk.cred.UserNS(), &tk.slots))
	s.Install(tk.f.ctx, target)
	tk.slots.Put(tk.f.ctx)
	tk.slots = s
	timens.Commit(tk.f.ctx, tk.slots.TimeNS)
	return nil
}

func (tk *task) exit() { tk.slots.Put(tk.f.ctx) }

func TestTimensOnFork(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	parent := f.initTask(t)
	parent.unshare(t)
	n := parent.slots.TimeNSForChildren
	assert.NotSame(t, f.g.Init, n)
	assert.Same(t, f.g.Init, parent.slots.TimeNS, "unshare leaves the caller's own time namespace alone")
	assert.Equal(t, int64(1), n.Count())

	s := timens.Slots{TimeNS: parent.slots.TimeNS, TimeNSForChildren: n}
	s.TimeNS.Get()
	n.Get()
	initCount := f.g.Init.Count()
	timens.TimensOnFork(f.ctx, &s)
	assert.Same(t, n, s.TimeNS, "the child enters time_ns_for_children")
	assert.Equal(t, int64(3), n.Count(), "parent's slot + both child slots")
	assert.Equal(t, initCount-1, f.g.Init.Count(), "the child's time_ns reference moved off init_time_ns")
	assert.True(t, n.Frozen())

	// Equal slots: nothing to do ("create_new_namespaces already incremented").
	timens.TimensOnFork(f.ctx, &s)
	assert.Equal(t, int64(3), n.Count())
	s.Put(f.ctx)
	assert.Equal(t, timens.Slots{}, s)
	parent.exit()
	f.requireClean(t)
}

// TestFreezeRules replays each way a task can start using a time namespace
// (and the ways that look similar but do not), as the machine showed them
// (diff_test.go runs the same sequences on the real kernel).
func TestFreezeRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		act    func(t *testing.T, tk *task)
		frozen bool
	}{
		{"unshare alone", func(*testing.T, *task) {}, false},
		{"fork (timens_on_fork)", func(t *testing.T, tk *task) { tk.fork(t, 0).exit() }, true},
		{"clone(CLONE_NEWUTS) also enters", func(t *testing.T, tk *task) { tk.fork(t, uapi.CLONE_NEWUTS).exit() }, true},
		{"vfork child that exits: shares the VM, no timens_on_fork", func(t *testing.T, tk *task) {
			tk.fork(t, uapi.CLONE_VM|uapi.CLONE_VFORK).exit()
		}, false},
		{"thread: CLONE_VM", func(t *testing.T, tk *task) {
			tk.fork(t, uapi.CLONE_VM|uapi.CLONE_THREAD|uapi.CLONE_SIGHAND).exit()
		}, false},
		{"vfork child that execs (exec_task_namespaces)", func(t *testing.T, tk *task) {
			c := tk.fork(t, uapi.CLONE_VM|uapi.CLONE_VFORK)
			c.exec(t)
			assert.Same(t, c.slots.TimeNSForChildren, c.slots.TimeNS)
			c.exit()
		}, true},
		{"the unsharer execs", func(t *testing.T, tk *task) { tk.exec(t) }, true},
		{"setns into time_for_children", func(t *testing.T, tk *task) {
			require.NoError(t, tk.setns(t, tk.slots.TimeNSForChildren, true))
		}, true},
		{"setns refused (EUSERS)", func(t *testing.T, tk *task) {
			require.ErrorIs(t, tk.setns(t, tk.slots.TimeNSForChildren, false), uapi.EUSERS)
		}, false},
		{"a second unshare copies, the first stays writable", func(t *testing.T, tk *task) {
			first := tk.slots.TimeNSForChildren
			first.Get()
			tk.unshare(t)
			tk.fork(t, 0).exit()
			assert.False(t, first.Frozen())
			first.Put(tk.f.ctx)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t)
			tk := f.initTask(t)
			tk.unshare(t)
			tc.act(t, tk)
			n := tk.slots.TimeNSForChildren
			assert.Equal(t, tc.frozen, n.Frozen())
			before := f.state(n)
			_, err := timens.SetOffsets(f.ctx, n, &f.root, []byte("monotonic 1 0"))
			if tc.frozen {
				require.ErrorIs(t, err, uapi.EACCES)
				assert.Equal(t, before, f.state(n), "a refused write changes nothing")
			} else {
				require.NoError(t, err)
				assert.Equal(t, ts(1, 0), n.Offsets().Monotonic)
			}
			tk.exit()
			f.requireClean(t)
		})
	}
}

func TestCommitInitAndIdempotent(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	timens.Commit(f.ctx, f.g.Init)
	assert.True(t, f.g.Init.Frozen())
	n := f.newNS(t, f.users.Init)
	timens.Commit(f.ctx, n)
	timens.Commit(f.ctx, n)
	assert.True(t, n.Frozen())
	assert.Equal(t, int64(1), n.Count(), "commit takes no reference")
	n.Put(f.ctx)
	f.requireClean(t)
}

func TestInstallErrors(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	full := f.users.CapFullSet()
	alice := f.user(&f.root, 1000, 0)
	aliceIn := f.inUserNS(t, alice) // full caps inside alice's user namespace U
	capless := f.user(&f.root, 0, 0)
	admin := f.user(&f.root, 1001, full)
	ownedByU := f.newNS(t, aliceIn.UserNS())
	ownedByInit := f.newNS(t, f.users.Init)

	for _, tc := range []struct {
		name           string
		cred           *userns.Cred
		target         *timens.Namespace
		singleThreaded bool
		errno          uapi.Errno
	}{
		{"multi-threaded root", &f.root, ownedByInit, false, uapi.EUSERS},
		{"multi-threaded and no capability: EUSERS is checked first", capless, ownedByInit, false, uapi.EUSERS},
		{"no CAP_SYS_ADMIN over the owner", aliceIn, ownedByInit, true, uapi.EPERM},
		{"no CAP_SYS_ADMIN in the caller's own user namespace", alice, ownedByU, true, uapi.EPERM},
		{"capless root uid", capless, ownedByInit, true, uapi.EPERM},
		{"root", &f.root, ownedByInit, true, 0},
		{"root into a child user namespace's time namespace", &f.root, ownedByU, true, 0},
		{"inside the owner", aliceIn, ownedByU, true, 0},
		{"admin with every capability", admin, ownedByInit, true, 0},
	} {
		before := f.state(tc.target)
		err := timens.Install(f.ctx, tc.cred, tc.target, tc.singleThreaded)
		if tc.errno == 0 {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, tc.errno, tc.name)
			var e *uapi.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "timens_install", e.Check)
		}
		assert.Equal(t, before, f.state(tc.target), "%s: the check half changes nothing", tc.name)
	}
	ownedByU.Put(f.ctx)
	ownedByInit.Put(f.ctx)
	for _, c := range []*userns.Cred{admin, capless, aliceIn, alice} {
		c.Put(f.ctx)
	}
	f.requireClean(t)
}

func TestSlotsInstall(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	tk := f.initTask(t)
	n := f.newNS(t, f.users.Init)
	initCount := f.g.Init.Count()
	tk.slots.Install(f.ctx, n)
	assert.Same(t, n, tk.slots.TimeNS)
	assert.Same(t, n, tk.slots.TimeNSForChildren)
	assert.Equal(t, int64(3), n.Count())
	assert.Equal(t, initCount-2, f.g.Init.Count())
	assert.False(t, n.Frozen(), "install alone does not freeze: commit does")
	tk.exit()
	n.Put(f.ctx)
	f.requireClean(t)
}

func TestSlotsCopyError(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	tk := f.initTask(t)
	f.users.SetUcountMax(f.users.Init, userns.UCOUNT_TIME_NAMESPACES, 0)
	before := f.state(f.g.Init)
	var s timens.Slots
	err := s.Copy(f.ctx, uapi.CLONE_NEWTIME, f.users.Init, &tk.slots)
	require.ErrorIs(t, err, uapi.ENOSPC)
	assert.Equal(t, timens.Slots{}, s, "nothing held on error")
	assert.Equal(t, before, f.state(f.g.Init))
	tk.exit()
	f.requireClean(t)
}

// TestConcurrentWritesAndCommit races offset writers against the first task
// entering: every write either lands before the freeze or fails with EACCES,
// and the frozen offsets are those of the last write that succeeded.
func TestConcurrentWritesAndCommit(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	n := f.newNS(t, f.users.Init)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		lastOK  = -1
		readers sync.WaitGroup
	)
	for w := range 8 {
		wg.Go(func() {
			ctx := ns.NewCtx(f.env, 0) // each task has its own ctx
			for i := range 50 {
				v := w*1000 + i
				text := []byte("monotonic " + itoa(v) + " 0\nboottime " + itoa(v) + " 0")
				mu.Lock() // serialise so "last" is well defined
				_, err := timens.SetOffsets(ctx, n, &f.root, text)
				if err == nil {
					lastOK = v
				} else if !assert.ErrorIs(t, err, uapi.EACCES) {
					mu.Unlock()
					return
				}
				mu.Unlock()
			}
		})
	}
	for range 4 {
		readers.Go(func() {
			for range 100 {
				o := n.Offsets()
				assert.Equal(t, o.Monotonic, o.Boottime, "a write is seen whole")
				_, err := timens.ClockGettime(n, timens.CLOCK_MONOTONIC)
				assert.NoError(t, err)
				_ = timens.ShowOffsets(n)
			}
		})
	}
	wg.Go(func() { timens.Commit(ns.NewCtx(f.env, 0), n) })
	wg.Wait()
	readers.Wait()
	require.True(t, n.Frozen())
	mu.Lock()
	defer mu.Unlock()
	if lastOK >= 0 {
		assert.Equal(t, ts(int64(lastOK), 0), n.Offsets().Monotonic)
	} else {
		assert.Equal(t, timens.Offsets{}, n.Offsets())
	}
	n.Put(f.ctx)
	f.requireClean(t)
}
