package memcg

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kernsim/kernsim/refcount"
)

// family builds root → p → children, charges each child its usage, then
// sets the protections (set_min/set_low re-propagate with every level's own
// usage), and returns them.
func family(f refcount.Flavour, pMin, pLow uint64, kids [][3]uint64) (root, p *PageCounter, cs []*PageCounter) {
	d := refcount.NewSerialDomain(f)
	root, p = new(PageCounter), new(PageCounter)
	root.Init(d, nil, "root")
	p.Init(d, root, "p")
	for _, k := range kids { // usage, min, low
		c := new(PageCounter)
		c.Init(d, p, "c")
		c.Charge(k[0])
		cs = append(cs, c)
	}
	p.SetMin(pMin)
	p.SetLow(pLow)
	for i, k := range kids {
		cs[i].SetMin(k[1])
		cs[i].SetLow(k[2])
	}
	return root, p, cs
}

// The reference's worked examples for mainline's effective_protection:
// recursive protection shares the parent's unclaimed protection by
// unprotected usage; an overcommitted level is scaled by usage.
func TestCalculateProtectionMainline(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pLow      uint64
		kids      [][3]uint64
		recursive bool
		want      []uint64 // children's elow
	}{
		{"recursive", 100, [][3]uint64{{50, 0, 20}, {30, 0, 0}}, true, []uint64{60, 40}},
		{"not recursive", 100, [][3]uint64{{50, 0, 20}, {30, 0, 0}}, false, []uint64{20, 0}},
		{"overcommitted", 50, [][3]uint64{{50, 0, 75}, {50, 0, 25}, {50, 0, 0}}, false, []uint64{33, 16, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, p, cs := family(refcount.Mainline, 0, tc.pLow, tc.kids)
			p.CalculateProtection(root, tc.recursive)
			assert.Equal(t, tc.pLow, p.ELow(), "the root's child keeps its setting")
			var got []uint64
			for _, c := range cs {
				c.CalculateProtection(root, tc.recursive)
				got = append(got, c.ELow())
			}
			assert.Equal(t, tc.want, got)
		})
	}
	// The root itself and a counter without usage are left stale.
	root, p, cs := family(refcount.Mainline, 0, 100, [][3]uint64{{0, 0, 20}})
	cs[0].elow = 7
	cs[0].CalculateProtection(root, true)
	assert.Equal(t, uint64(7), cs[0].ELow())
	p.CalculateProtection(p, true)
	assert.Zero(t, p.ELow())
}

// 4.19's mem_cgroup_protected, one case per branch.
func TestProtected419(t *testing.T) {
	t.Run("parent is the root: settings uncapped", func(t *testing.T) {
		root, p, _ := family(refcount.Linux419, 100, 0, [][3]uint64{{50, 0, 0}})
		assert.Equal(t, MEMCG_PROT_MIN, p.Protected419(root)) // usage 50 <= emin 100
		assert.Equal(t, uint64(100), p.EMin())
	})
	t.Run("below its share of the parent", func(t *testing.T) {
		// X above its min contributes nothing (all-or-nothing), Y 5.
		root, p, cs := family(refcount.Linux419, 100, 0, [][3]uint64{{50, 20, 0}, {5, 10, 0}})
		assert.Equal(t, int64(5), p.ChildrenMinUsage())
		p.Protected419(root)
		assert.Equal(t, MEMCG_PROT_NONE, cs[0].Protected419(root))
		assert.Equal(t, uint64(20), cs[0].EMin()) // min(20, 100*20/5)
		assert.Equal(t, MEMCG_PROT_MIN, cs[1].Protected419(root))
		assert.Equal(t, uint64(10), cs[1].EMin())
	})
	t.Run("overcommitted parent scales the shares", func(t *testing.T) {
		root, p, cs := family(refcount.Linux419, 10, 10, [][3]uint64{{8, 8, 8}, {4, 8, 8}})
		assert.Equal(t, int64(12), p.ChildrenMinUsage())
		p.Protected419(root)
		assert.Equal(t, MEMCG_PROT_NONE, cs[0].Protected419(root))
		assert.Equal(t, []uint64{6, 6}, []uint64{cs[0].EMin(), cs[0].ELow()}) // 10*8/12
		assert.Equal(t, MEMCG_PROT_NONE, cs[1].Protected419(root))
		assert.Equal(t, []uint64{3, 3}, []uint64{cs[1].EMin(), cs[1].ELow()}) // 10*4/12
	})
	t.Run("low only", func(t *testing.T) {
		root, p, cs := family(refcount.Linux419, 0, 100, [][3]uint64{{5, 0, 10}})
		p.Protected419(root)
		assert.Equal(t, MEMCG_PROT_LOW, cs[0].Protected419(root))
		assert.Equal(t, "MEMCG_PROT_LOW", MEMCG_PROT_LOW.String())
	})
	t.Run("the root, no usage, no parent", func(t *testing.T) {
		root, p, cs := family(refcount.Linux419, 100, 100, [][3]uint64{{0, 10, 10}})
		cs[0].emin = 7
		assert.Equal(t, MEMCG_PROT_NONE, cs[0].Protected419(root))
		assert.Equal(t, uint64(7), cs[0].EMin(), "left untouched")
		assert.Equal(t, MEMCG_PROT_NONE, p.Protected419(p))
		var lone PageCounter // a v1 child without use_hierarchy
		lone.Init(refcount.NewSerialDomain(refcount.Linux419), nil, "lone")
		lone.Charge(1)
		lone.SetMin(10)
		assert.Equal(t, MEMCG_PROT_NONE, lone.Protected419(root))
		assert.Equal(t, "MEMCG_PROT_NONE", MEMCG_PROT_NONE.String())
		assert.Equal(t, "MEMCG_PROT_MIN", MEMCG_PROT_MIN.String())
	})
}
