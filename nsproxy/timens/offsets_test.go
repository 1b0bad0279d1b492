package timens_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// goldenWrites are the writes whose /proc/<pid>/timens_offsets text is kept
// under testdata/. The files were read from this machine (Linux 6.18) inside
// a fresh time namespace after the same write; TestDifferential checks them
// against the machine again.
var goldenWrites = []struct{ file, write string }{
	{"offsets_zero.golden", ""},
	{"offsets_set.golden", "monotonic 123456 789\nboottime -3 999999999\n"},
	{"offsets_wide.golden", "1 0 18446744073709551615\n7 4000000000 0"},
}

func TestShowOffsetsGolden(t *testing.T) {
	t.Parallel()
	for _, gw := range goldenWrites {
		t.Run(gw.file, func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(filepath.Join("testdata", gw.file))
			require.NoError(t, err)
			f := newFix(t)
			n := f.newNS(t, f.users.Init)
			if gw.write != "" {
				c, err := timens.SetOffsets(f.ctx, n, &f.root, []byte(gw.write))
				require.NoError(t, err)
				assert.Equal(t, len(gw.write), c)
			}
			assert.Equal(t, string(want), timens.ShowOffsets(n))
			n.Put(f.ctx)
			f.requireClean(t)
		})
	}
}

func TestShowOffsetsInitAndNil(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	want, err := os.ReadFile(filepath.Join("testdata", "offsets_zero.golden"))
	require.NoError(t, err)
	assert.Equal(t, string(want), timens.ShowOffsets(f.g.Init))
	assert.Empty(t, timens.ShowOffsets(nil), "a task without nsproxy shows nothing")
}

// TestShowOffsetsWidths checks "%-10s %10lld %9ld" at and past its widths.
func TestShowOffsetsWidths(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	n := f.newNS(t, f.users.Init)
	// 10 digits fill the seconds column; a negative nanosecond offset
	// (from a %lu of 2^64-1e9 read into a long) widens its column.
	_, err := timens.SetOffsets(f.ctx, n, &f.root, []byte("monotonic 4611686000 999999999\nboottime -4 18446744072709551616"))
	require.NoError(t, err)
	assert.Equal(t, "monotonic  4611686000 999999999\nboottime"+strings.Repeat(" ", 11)+"-4 -1000000000\n", timens.ShowOffsets(n))
	n.Put(f.ctx)
	f.requireClean(t)
}

func TestWriteOffsetsAccepted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		in    string
		count int // -1: all of in
		want  timens.Offsets
	}{
		{"names", "monotonic 1 2\nboottime 3 4", -1, offs(ts(1, 2), ts(3, 4))},
		{"trailing newline", "boottime 3 4\n", -1, offs(ts(0, 0), ts(3, 4))},
		{"clock numbers 1 and 7", "1 5 6\n7 -3 5\n", -1, offs(ts(5, 6), ts(-3, 5))},
		{"white space around fields", " \tmonotonic\v 1 \f 2\r", -1, offs(ts(1, 2), ts(0, 0))},
		{"0xA0 is white space to the kernel", "\xa0monotonic\xa01\xa02", -1, offs(ts(1, 2), ts(0, 0))},
		{"trailing text is ignored", "monotonic 1 2 garbage", -1, offs(ts(1, 2), ts(0, 0))},
		{"%9s cuts a longer word", "monotonic5 6", -1, offs(ts(5, 6), ts(0, 0))},
		{"-0", "monotonic -0 0", -1, offs(ts(0, 0), ts(0, 0))},
		{"the second line wins for a repeated clock", "monotonic 1 0\nmonotonic 2 0", -1, offs(ts(2, 0), ts(0, 0))},
		{"a third line is not read: short write", "monotonic 1 2\nboottime 3 4\nmonotonic 5 6\n", 27, offs(ts(1, 2), ts(3, 4))},
		{"a third line is not even parsed", "monotonic 1 2\nboottime 3 4\nrubbish", 27, offs(ts(1, 2), ts(3, 4))},
		{"a NUL ends the text", "monotonic 1 2\x00\nrubbish", -1, offs(ts(1, 2), ts(0, 0))},
		{"a NUL after the newline ends it too", "monotonic 1 2\n\x00rubbish", -1, offs(ts(1, 2), ts(0, 0))},
		{"seconds wrap modulo 2^64", "monotonic 18446744073709551617 0", -1, offs(ts(1, 0), ts(0, 0))},
		{"nanoseconds 2^64 wrap to 0", "boottime 0 18446744073709551616", -1, offs(ts(0, 0), ts(0, 0))},
		{"nanoseconds 2^64-1 read as -1", "monotonic 0 18446744073709551615", -1, offs(ts(0, -1), ts(0, 0))},
		{"PAGE_SIZE-1 bytes", "monotonic 1 0" + strings.Repeat(" ", 4095-13), -1, offs(ts(1, 0), ts(0, 0))},
		{"largest nanoseconds", "monotonic 0 999999999", -1, offs(ts(0, 999999999), ts(0, 0))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t)
			n := f.newNS(t, f.users.Init)
			c, err := timens.SetOffsets(f.ctx, n, &f.root, []byte(tc.in))
			require.NoError(t, err)
			if tc.count < 0 {
				tc.count = len(tc.in)
			}
			assert.Equal(t, tc.count, c)
			assert.Equal(t, tc.want, n.Offsets())
			n.Put(f.ctx)
			f.requireClean(t)
		})
	}
}

func TestWriteOffsetsErrors(t *testing.T) {
	t.Parallel()
	type env struct {
		f     *fix
		n     *timens.Namespace
		cred  *userns.Cred
		nilNS bool
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, e *env)
		pos   int64
		in    string
		errno uapi.Errno
		check string
	}{
		{"offset not 0", nil, 1, "monotonic 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"PAGE_SIZE bytes", nil, 0, "monotonic 1 0" + strings.Repeat(" ", 4096-13), uapi.EINVAL, "timens_offsets_write"},
		{"empty write", nil, 0, "", uapi.EINVAL, "timens_offsets_write"},
		{"a lone newline", nil, 0, "\n", uapi.EINVAL, "timens_offsets_write"},
		{"empty line after the first", nil, 0, "monotonic 1 0\n\n", uapi.EINVAL, "timens_offsets_write"},
		{"empty line between", nil, 0, "monotonic 1 0\n\nboottime 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"second line bad: all or nothing", nil, 0, "monotonic 1 0\nboottime x 0", uapi.EINVAL, "timens_offsets_write"},
		{"unknown clock", nil, 0, "realtime 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"clock number of realtime", nil, 0, "0 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"clock number with a leading zero", nil, 0, "01 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"clock name in capitals", nil, 0, "MONOTONIC 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"%9s leaves a letter", nil, 0, "monotonicx 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"two fields", nil, 0, "monotonic 1", uapi.EINVAL, "timens_offsets_write"},
		{"one field", nil, 0, "monotonic", uapi.EINVAL, "timens_offsets_write"},
		{"plus sign", nil, 0, "monotonic +1 0", uapi.EINVAL, "timens_offsets_write"},
		{"lone minus", nil, 0, "monotonic - 0", uapi.EINVAL, "timens_offsets_write"},
		{"negative nanoseconds", nil, 0, "monotonic 1 -1", uapi.EINVAL, "timens_offsets_write"},
		{"nanoseconds NSEC_PER_SEC", nil, 0, "monotonic 1 1000000000", uapi.EINVAL, "timens_offsets_write"},
		{"hex", nil, 0, "monotonic 0x10 0", uapi.EINVAL, "timens_offsets_write"},
		{"NUL before the fields", nil, 0, "monotonic\x00 1 0", uapi.EINVAL, "timens_offsets_write"},
		{"no nsproxy", func(_ *testing.T, e *env) { e.nilNS = true }, 0, "monotonic 1 0", uapi.ESRCH, "proc_timens_set_offset"},
		{"parse errors come before ESRCH", func(_ *testing.T, e *env) { e.nilNS = true }, 0, "monotonic", uapi.EINVAL, "timens_offsets_write"},
		{"opener without CAP_SYS_TIME", func(_ *testing.T, e *env) {
			e.cred = e.f.user(&e.f.root, 1000, e.f.users.CapFullSet().Without(uapi.CAP_SYS_TIME))
		}, 0, "monotonic 1 0", uapi.EPERM, "file_ns_capable"},
		{"opener inside a user namespace that does not own it", func(t *testing.T, e *env) {
			e.cred = e.f.inUserNS(t, &e.f.root)
		}, 0, "monotonic 1 0", uapi.EPERM, "file_ns_capable"},
		{"parse errors come before EPERM", func(_ *testing.T, e *env) {
			e.cred = e.f.user(&e.f.root, 1000, 0)
		}, 0, "monotonic 1", uapi.EINVAL, "timens_offsets_write"},
		{"EPERM comes before ERANGE", func(_ *testing.T, e *env) {
			e.cred = e.f.user(&e.f.root, 1000, 0)
		}, 0, "monotonic -100 0", uapi.EPERM, "file_ns_capable"},
		{"seconds above KTIME_SEC_MAX", nil, 0, "boottime 9223372037 0", uapi.ERANGE, "proc_timens_set_offset"},
		{"seconds below -KTIME_SEC_MAX", nil, 0, "boottime -9223372037 0", uapi.ERANGE, "proc_timens_set_offset"},
		{"clock would read below 0", nil, 0, "monotonic -6 0", uapi.ERANGE, "proc_timens_set_offset"},
		{"1 ns below 0", nil, 0, "monotonic -6 999999999", uapi.ERANGE, "proc_timens_set_offset"},
		{"negative nanoseconds reach below 0", nil, 0, "monotonic -5 18446744073709551615", uapi.ERANGE, "proc_timens_set_offset"},
		{"clock would read above KTIME_SEC_MAX/2", nil, 0, "monotonic 4611686014 0", uapi.ERANGE, "proc_timens_set_offset"},
		{"boottime includes the time asleep", func(_ *testing.T, e *env) {
			e.f.g.Clock.Sleep(10e9) // boottime 15 s, monotonic 5 s
		}, 0, "boottime 4611686004 0", uapi.ERANGE, "proc_timens_set_offset"},
		{"second line out of range: all or nothing", nil, 0, "monotonic 1 0\nboottime -100 0", uapi.ERANGE, "proc_timens_set_offset"},
		{"frozen", func(_ *testing.T, e *env) { timens.Commit(e.f.ctx, e.n) }, 0, "monotonic 1 0", uapi.EACCES, "proc_timens_set_offset"},
		{"init_time_ns is frozen", func(_ *testing.T, e *env) { e.n = e.f.g.Init }, 0, "monotonic 1 0", uapi.EACCES, "proc_timens_set_offset"},
		{"ERANGE comes before EACCES", func(_ *testing.T, e *env) { timens.Commit(e.f.ctx, e.n) }, 0, "monotonic -100 0", uapi.ERANGE, "proc_timens_set_offset"},
		{"EPERM comes before EACCES", func(_ *testing.T, e *env) {
			timens.Commit(e.f.ctx, e.n)
			e.cred = e.f.user(&e.f.root, 1000, 0)
		}, 0, "monotonic 1 0", uapi.EPERM, "file_ns_capable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t)
			e := &env{f: f, n: f.newNS(t, f.users.Init), cred: &f.root}
			own := e.n
			_, err := timens.SetOffsets(f.ctx, own, &f.root, []byte("monotonic 3 3\nboottime 4 4"))
			require.NoError(t, err)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			target := e.n
			if e.nilNS {
				target = nil
			}
			before := f.state(e.n)
			c, err := timens.WriteOffsets(f.ctx, target, e.cred, tc.pos, []byte(tc.in))
			require.ErrorIs(t, err, tc.errno)
			assert.Zero(t, c)
			var ue *uapi.Error
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, tc.check, ue.Check)
			assert.Equal(t, "write", ue.Op)
			assert.Equal(t, before, f.state(e.n), "a failed write changes nothing")
			if e.n == own {
				assert.Equal(t, offs(ts(3, 3), ts(4, 4)), own.Offsets())
			}
			if e.cred != &f.root {
				e.cred.Put(f.ctx)
			}
			own.Put(f.ctx)
			f.requireClean(t)
		})
	}
}

// TestWriteOffsetsRange walks the ERANGE limits against the simulated clock:
// the offset must keep the clock's host reading plus the offset inside
// [0, KTIME_SEC_MAX/2] seconds, and the reading moves with Advance.
func TestWriteOffsetsRange(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	n := f.newNS(t, f.users.Init)
	write := func(s string) error { _, err := timens.SetOffsets(f.ctx, n, &f.root, []byte(s)); return err }
	// Monotonic reads 5 s at boot.
	require.NoError(t, write("monotonic -5 0"), "exactly 0")
	require.ErrorIs(t, write("monotonic -6 999999999"), uapi.ERANGE, "1 ns below 0")
	require.NoError(t, write("monotonic 4611686013 999999999"), "KTIME_SEC_MAX/2 = 4611686018 s")
	require.ErrorIs(t, write("monotonic 4611686014 0"), uapi.ERANGE)
	require.ErrorIs(t, write("monotonic 0 0\nmonotonic -9223372036 0"), uapi.ERANGE, "within ±KTIME_SEC_MAX, but below 0")
	f.g.Clock.Advance(10e9)
	require.NoError(t, write("monotonic -15 0"), "the clock moved on")
	require.ErrorIs(t, write("monotonic 4611686004 0"), uapi.ERANGE)
	assert.Equal(t, ts(-15, 0), n.Offsets().Monotonic)
	n.Put(f.ctx)
	f.requireClean(t)
}

func TestWriteOffsetsOwnerCapability(t *testing.T) {
	t.Parallel()
	f := newFix(t)
	alice := f.user(&f.root, 1000, 0)
	aliceIn := f.inUserNS(t, alice)
	n := f.newNS(t, aliceIn.UserNS())
	for _, tc := range []struct {
		name string
		cred *userns.Cred
		ok   bool
	}{
		{"root of the parent user namespace", &f.root, true},
		{"inside the owner, full capabilities", aliceIn, true},
		{"the owner's creator outside it (owner uid has every capability in it)", alice, true},
		{"another uid outside without capabilities", f.user(&f.root, 1001, 0), false},
	} {
		_, err := timens.SetOffsets(f.ctx, n, tc.cred, []byte("boottime 1 0"))
		if tc.ok {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, uapi.EPERM, tc.name)
		}
		if tc.cred != &f.root && tc.cred != alice && tc.cred != aliceIn {
			tc.cred.Put(f.ctx)
		}
	}
	n.Put(f.ctx)
	aliceIn.Put(f.ctx)
	alice.Put(f.ctx)
	f.requireClean(t)
}
