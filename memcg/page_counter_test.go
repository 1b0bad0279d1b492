package memcg

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

var flavours = []refcount.Flavour{refcount.Linux419, refcount.Mainline}

// tree is root → a → b, plus a sibling s of a under root.
type tree struct {
	d             *refcount.Domain
	root, a, b, s PageCounter
}

func newTree(f refcount.Flavour) *tree {
	t := &tree{d: refcount.NewSerialDomain(f)}
	t.root.Init(t.d, nil, "root")
	t.a.Init(t.d, &t.root, "a")
	t.b.Init(t.d, &t.a, "b")
	t.s.Init(t.d, &t.root, "s")
	return t
}

func usages(cs ...*PageCounter) []int64 {
	var u []int64
	for _, c := range cs {
		u = append(u, c.Read())
	}
	return u
}

func TestInit(t *testing.T) {
	tr := newTree(refcount.Linux419)
	assert.Equal(t, uint64(2251799813685247), PAGE_COUNTER_MAX)
	assert.Equal(t, uint64(9223372036854771712), PAGE_COUNTER_MAX*PAGE_SIZE)
	assert.Equal(t, PAGE_COUNTER_MAX, tr.b.Max())
	assert.Equal(t, PAGE_COUNTER_MAX, tr.b.High())
	assert.Zero(t, tr.b.Read())
	assert.Same(t, &tr.a, tr.b.Parent())
	assert.Nil(t, tr.root.Parent())
}

// page_counter_try_charge, one case per branch, in both flavours.
func TestTryCharge(t *testing.T) {
	for _, f := range flavours {
		t.Run(f.String(), func(t *testing.T) {
			t.Run("within every limit", func(t *testing.T) {
				tr := newTree(f)
				require.NoError(t, tr.a.SetMax(10))
				fail, ok := tr.b.TryCharge(4)
				require.True(t, ok)
				assert.Nil(t, fail)
				assert.Equal(t, []int64{4, 4, 4}, usages(&tr.b, &tr.a, &tr.root))
				assert.Equal(t, int64(4), tr.root.Watermark())
			})
			t.Run("reaching max exactly", func(t *testing.T) {
				tr := newTree(f)
				require.NoError(t, tr.a.SetMax(10))
				tr.b.Charge(4)
				_, ok := tr.b.TryCharge(6)
				require.True(t, ok)
				assert.Equal(t, []int64{10, 10, 10}, usages(&tr.b, &tr.a, &tr.root))
				assert.Zero(t, tr.a.Failcnt())
			})
			t.Run("refused by an ancestor", func(t *testing.T) {
				tr := newTree(f)
				require.NoError(t, tr.a.SetMax(10))
				tr.b.Charge(10)
				fail, ok := tr.b.TryCharge(1)
				require.False(t, ok)
				assert.Same(t, &tr.a, fail)
				assert.Equal(t, []int64{10, 10, 10}, usages(&tr.b, &tr.a, &tr.root), "the lower level was cancelled, the root never touched")
				assert.Equal(t, []uint64{0, 1, 0}, []uint64{tr.b.Failcnt(), tr.a.Failcnt(), tr.root.Failcnt()}, "only the refusing level counts it")
				assert.Equal(t, int64(11), tr.b.Watermark(), "b's watermark rose before a refused")
				assert.Equal(t, int64(10), tr.a.Watermark())
			})
			t.Run("refused by the counter itself", func(t *testing.T) {
				tr := newTree(f)
				require.NoError(t, tr.b.SetMax(3))
				fail, ok := tr.b.TryCharge(4)
				require.False(t, ok)
				assert.Same(t, &tr.b, fail)
				assert.Equal(t, []int64{0, 0, 0}, usages(&tr.b, &tr.a, &tr.root))
				assert.Equal(t, uint64(1), tr.b.Failcnt())
				assert.Zero(t, tr.b.Watermark())
			})
		})
	}
}

// page_counter_charge ignores limits; uncharge walks every level; the
// watermark stays until reset.
func TestChargeUncharge(t *testing.T) {
	for _, f := range flavours {
		t.Run(f.String(), func(t *testing.T) {
			tr := newTree(f)
			require.NoError(t, tr.a.SetMax(10))
			tr.b.Charge(20)
			assert.Equal(t, []int64{20, 20, 20}, usages(&tr.b, &tr.a, &tr.root))
			assert.Zero(t, tr.a.Failcnt())
			tr.s.Charge(5)
			assert.Equal(t, []int64{20, 25, 5}, usages(&tr.a, &tr.root, &tr.s))
			tr.b.Uncharge(15)
			assert.Equal(t, []int64{5, 5, 10}, usages(&tr.b, &tr.a, &tr.root))
			assert.Equal(t, int64(20), tr.a.Watermark())
			assert.Equal(t, int64(25), tr.root.Watermark())
			tr.a.ResetWatermark()
			assert.Equal(t, int64(5), tr.a.Watermark())
			_, _ = tr.b.TryCharge(100)
			require.Equal(t, uint64(1), tr.a.Failcnt())
			tr.a.ResetFailcnt()
			assert.Zero(t, tr.a.Failcnt())
			assert.Empty(t, tr.d.Warnings())
		})
	}
}

// page_counter_set_max: EBUSY below the usage, changing nothing; a limit
// equal to the usage is fine.
func TestSetMax(t *testing.T) {
	tr := newTree(refcount.Linux419)
	tr.b.Charge(5)
	err := tr.b.SetMax(4)
	require.ErrorIs(t, err, uapi.EBUSY)
	assert.Contains(t, err.Error(), "page_counter_set_max")
	assert.Equal(t, PAGE_COUNTER_MAX, tr.b.Max())
	require.NoError(t, tr.b.SetMax(5))
	assert.Equal(t, uint64(5), tr.b.Max())
	tr.a.SetHigh(7)
	assert.Equal(t, uint64(7), tr.a.High())
}

// page_counter_cancel below zero: 4.19 leaves the counter negative and
// warns once; mainline clamps it to 0 and warns once with the numbers.
func TestCancelUnderflow(t *testing.T) {
	tr := newTree(refcount.Linux419)
	tr.b.Cancel(1)
	tr.b.Cancel(2)
	assert.Equal(t, int64(-3), tr.b.Read())
	assert.Equal(t, []refcount.Warning{{Message: msgCancel419, Object: "b", Repeats: 1}}, tr.d.Warnings())

	tr = newTree(refcount.Mainline)
	tr.b.Charge(1)
	tr.b.Uncharge(3)
	assert.Equal(t, []int64{0, 0, 0}, usages(&tr.b, &tr.a, &tr.root))
	assert.Equal(t, []refcount.Warning{{Message: "page_counter underflow: -2 nr_pages=3", Object: "b", Repeats: 2}}, tr.d.Warnings())
}

// propagate_protected_usage: mainline contributes min(usage, protection)
// from each level's own usage; 4.19 is all-or-nothing and, in charge and
// try_charge, recomputes the child's contribution from each ancestor's
// usage in turn (ending on the topmost level's), which an uncharge repairs.
func TestProtectedUsage(t *testing.T) {
	for _, tc := range []struct {
		f                   refcount.Flavour
		afterCharge         int64 // b.MinUsage after b charges 5 while s holds 20
		overProtection      int64 // b.MinUsage at usage 15 > min 10
		afterUncharge       int64 // b.MinUsage after uncharging 1 (usage 4)
		failedTryChargeLeft int64 // b.MinUsage after b itself refused a TryCharge
	}{
		// 4.19 propagates the refused value (5) when the counter itself
		// refuses, and nothing repairs it: no level below was charged.
		{refcount.Linux419, 0, 0, 4, 5},
		{refcount.Mainline, 5, 10, 4, 4},
	} {
		t.Run(tc.f.String(), func(t *testing.T) {
			d := refcount.NewSerialDomain(tc.f)
			var root, p, b, s PageCounter
			root.Init(d, nil, "root")
			p.Init(d, &root, "p")
			b.Init(d, &p, "b")
			s.Init(d, &p, "s")
			s.Charge(20)
			b.SetMin(10)
			b.SetLow(10)
			assert.Zero(t, b.MinUsage())
			b.Charge(5)
			assert.Equal(t, tc.afterCharge, b.MinUsage())
			assert.Equal(t, tc.afterCharge, b.LowUsage())
			assert.Equal(t, tc.afterCharge, p.ChildrenMinUsage())
			assert.Equal(t, tc.afterCharge, p.ChildrenLowUsage())
			b.Uncharge(1)
			assert.Equal(t, tc.afterUncharge, b.MinUsage())
			assert.Equal(t, tc.afterUncharge, p.ChildrenMinUsage())
			require.NoError(t, p.SetMax(24))
			_, ok := b.TryCharge(1) // p would reach 25: refused there, b cancelled
			require.False(t, ok)
			assert.Equal(t, tc.afterUncharge, b.MinUsage(), "the cancel below the refusing level repairs it")
			require.NoError(t, p.SetMax(PAGE_COUNTER_MAX))
			require.NoError(t, b.SetMax(4))
			_, ok = b.TryCharge(1) // b itself refuses
			require.False(t, ok)
			assert.Equal(t, int64(4), b.Read())
			assert.Equal(t, tc.failedTryChargeLeft, b.MinUsage())
			assert.Equal(t, tc.failedTryChargeLeft, p.ChildrenMinUsage())
			require.NoError(t, b.SetMax(PAGE_COUNTER_MAX))
			b.Uncharge(4)
			b.Charge(15)
			b.Uncharge(0) // a cancel at the right level
			assert.Equal(t, tc.overProtection, b.MinUsage())
			assert.Equal(t, tc.overProtection, p.ChildrenMinUsage())
			assert.Equal(t, tc.overProtection, p.ChildrenLowUsage())
		})
	}
}

// page_counter_set_min re-runs the propagation with each level's usage.
func TestSetMinPropagates(t *testing.T) {
	for _, f := range flavours {
		tr := newTree(f)
		tr.b.Charge(5)
		tr.b.SetMin(10)
		assert.Equal(t, int64(5), tr.b.MinUsage(), f.String())
		assert.Equal(t, int64(5), tr.a.ChildrenMinUsage(), f.String())
		tr.b.SetMin(0)
		assert.Zero(t, tr.b.MinUsage(), f.String())
		assert.Zero(t, tr.a.ChildrenMinUsage(), f.String())
		assert.Zero(t, tr.root.ChildrenMinUsage(), "a has no protection, so it contributes nothing")
	}
}
