package ns_test

import (
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/ns"
)

// proc_alloc_inum hands out the lowest free number from PROC_DYNAMIC_FIRST
// (0xF0000000 = 4026531840), so a freed namespace's number is reused by the
// next one (reference §14.1).
func ExampleInumAlloc() {
	var a ns.InumAlloc
	x, y, z := a.Alloc(), a.Alloc(), a.Alloc()
	fmt.Println(x, y, z)
	fmt.Println(a.Free(y), a.Free(y), a.InUse())
	fmt.Println(a.Alloc(), a.Alloc())

	var c ns.Common
	c.InitCommon(ns.UTS, x)
	fmt.Println(c.Link())
	// Output:
	// 4026531840 4026531841 4026531842
	// true false 2
	// 4026531841 4026531843
	// uts:[4026531840]
}
