package refcount_test

import (
	"fmt"

	"github.com/kernsim/kernsim/refcount"
)

// utsNamespace is a cut-down struct uts_namespace: a kref plus the registry
// node every tracked kernel object embeds.
type utsNamespace struct {
	kref refcount.Kref
	node refcount.Node
	inum uint32
}

func (ns *utsNamespace) RefKind() string { return "uts_namespace" }
func (ns *utsNamespace) RefID() string   { return fmt.Sprint(ns.inum) }
func (ns *utsNamespace) RefCount() int64 { return int64(ns.kref.Read()) }

func newUTS(d *refcount.Domain, inum uint32) *utsNamespace {
	ns := &utsNamespace{inum: inum}
	ns.kref.Init(d, ns)
	d.Track(&ns.node, ns) // allocation
	return ns
}

func ExampleKref() {
	d := refcount.NewDomain(refcount.Linux419)
	ns := newUTS(d, 4026532171)
	freeUTS := func() {
		d.Untrack(&ns.node) // kfree
		fmt.Println("free_uts_ns")
	}

	ns.kref.Get() // get_uts_ns: a second task joins
	fmt.Println("count:", ns.kref.Read())
	fmt.Println("released:", ns.kref.Put(freeUTS))
	fmt.Println("released:", ns.kref.Put(freeUTS))
	fmt.Println("leaks:", d.Leaks())
	// Output:
	// count: 2
	// released: false
	// free_uts_ns
	// released: true
	// leaks: <nil>
}

func ExampleRefcount_Inc() {
	for _, f := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		d := refcount.NewDomain(f)
		ns := &utsNamespace{inum: 4026531838}
		var r refcount.Refcount
		r.Init(d, ns, 0) // already released: this Inc is a use-after-free
		r.Inc()
		r.Inc()
		fmt.Printf("%s: value %#x\n", f, r.Read())
		for _, w := range d.Warnings() {
			fmt.Printf("  WARNING: %s (%s, repeated %d)\n", w.Message, w.Object, w.Repeats)
		}
	}
	// Output:
	// 4.19.13: value 0x0
	//   WARNING: refcount_t: increment on 0; use-after-free. (uts_namespace 4026531838, repeated 1)
	// mainline: value 0xc0000000
	//   WARNING: refcount_t: addition on 0; use-after-free. (uts_namespace 4026531838, repeated 0)
	//   WARNING: refcount_t: saturated; leaking memory. (uts_namespace 4026531838, repeated 0)
}

func ExampleDomain_Leaks() {
	d := refcount.NewDomain(refcount.Mainline)
	initNS := newUTS(d, 4026531838)
	child := newUTS(d, 4026532171)
	child.kref.Get() // a reference nobody drops

	initNS.kref.Put(func() { d.Untrack(&initNS.node) })
	child.kref.Put(func() { d.Untrack(&child.node) })

	fmt.Println("live:", d.LiveCount())
	if err := d.Leaks(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// live: 1
	// uts_namespace 4026532171 count=1
}
