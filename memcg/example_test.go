package memcg_test

import (
	"fmt"

	"github.com/kernsim/kernsim/memcg"
	"github.com/kernsim/kernsim/refcount"
)

// A parent limited to 30M (7680 pages) and a child without a limit: charges
// walk the hierarchy, a charge that would take the parent over its limit is
// refused there (its failcnt counts it, the child's charge is rolled back),
// and the child's watermark keeps the attempt.
func ExamplePageCounter_TryCharge() {
	d := refcount.NewSerialDomain(refcount.Linux419)
	var root, parent, child memcg.PageCounter
	root.Init(d, nil, "root")
	parent.Init(d, &root, "parent")
	child.Init(d, &parent, "child")
	limit, _ := memcg.PageCounterMemparse("30M", "-1")
	_ = parent.SetMax(limit)

	_, ok := child.TryCharge(7000)
	fmt.Println("7000 pages:", ok, child.Read(), parent.Read(), root.Read())
	fail, ok := child.TryCharge(1000)
	fmt.Println("1000 more:", ok, "refused by parent:", fail == &parent)
	fmt.Println("usage", child.Read(), parent.Read(), "failcnt", child.Failcnt(), parent.Failcnt())
	fmt.Println("watermarks", child.Watermark(), parent.Watermark())
	fmt.Println("EBUSY:", parent.SetMax(6000) != nil)
	// Output:
	// 7000 pages: true 7000 7000 7000
	// 1000 more: false refused by parent: true
	// usage 7000 7000 failcnt 0 1
	// watermarks 8000 7000
	// EBUSY: true
}
