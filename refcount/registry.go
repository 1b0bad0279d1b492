package refcount

import (
	"strconv"
	"strings"
)

// Object is a reference-counted simulated kernel object that a Domain's
// registry can list. Its methods are never called with a registry or
// warning-log lock held.
type Object interface {
	// RefKind is the kernel type name: "uts_namespace", "nsproxy",
	// "task_struct", "cred", "user_namespace", ...
	RefKind() string
	// RefID identifies the object within its kind, e.g. "4026532171" or
	// "pid 7".
	RefID() string
	// RefCount is the object's current count as the kernel would show it.
	RefCount() int64
}

// Node is the intrusive registry link embedded (by value) in each tracked
// object. The zero value is untracked. A Node must not be copied while
// tracked. Its fields are guarded by the tracking Domain's registry lock
// (the owner's lock when the Domain is serialised).
type Node struct {
	prev, next *Node
	seq        uint64
	obj        Object
	kind       string // obj.RefKind(), cached at Track time for CountKind.
	d          *Domain
}

// Tracked reports whether n is currently tracked by some Domain. Only the
// object's owner asks (typically its free path), so no other goroutine is
// tracking or untracking n meanwhile.
func (n *Node) Tracked() bool { return n.d != nil }

// Live describes one tracked object, as listed by Domain.Live.
type Live struct {
	Kind, ID string
	Count    int64
}

// String renders l as "kind id count=N", the format used by Leaks.
func (l Live) String() string {
	return l.Kind + " " + l.ID + " count=" + strconv.FormatInt(l.Count, 10)
}

// LeakError is the error returned by Domain.Leaks. Objects lists the live
// objects in tracking order.
type LeakError struct {
	Objects []Live
}

// Error lists every live object, one per line, as "kind id count=N".
func (e *LeakError) Error() string {
	var b strings.Builder
	for i, l := range e.Objects {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.String())
	}
	return b.String()
}

// lockRegistry takes the registry lock (nothing when the Domain is
// serialised: its owner's lock is held) and lazily initialises the sentinel.
func (d *Domain) lockRegistry() {
	if !d.serial {
		d.regMu.Lock()
	}
	if d.head.next == nil {
		d.head.next = &d.head
		d.head.prev = &d.head
	}
}

func (d *Domain) unlockRegistry() {
	if !d.serial {
		d.regMu.Unlock()
	}
}

// Track starts tracking obj through its embedded Node n, the simulator's
// stand-in for the allocation of a kernel object (kmem_cache_alloc and
// friends). It does not allocate. It panics if obj is nil or if n is
// already tracked, which are simulator bugs.
func (d *Domain) Track(n *Node, obj Object) {
	if obj == nil {
		panic("refcount: Track of a nil Object")
	}
	kind := obj.RefKind() // called before taking the leaf lock
	d.lockRegistry()
	if n.d != nil {
		d.unlockRegistry()
		panic("refcount: Track of an already tracked " + kind + " node")
	}
	n.d = d
	d.seq++
	n.seq = d.seq
	n.obj = obj
	n.kind = kind
	tail := d.head.prev
	n.prev = tail
	n.next = &d.head
	tail.next = n
	d.head.prev = n
	d.live++
	d.unlockRegistry()
}

// Untrack stops tracking n, the simulator's stand-in for freeing a kernel
// object (kfree, kmem_cache_free, typically reached from a kref release
// function). It does not allocate. It panics if n is not tracked by d.
func (d *Domain) Untrack(n *Node) {
	d.lockRegistry()
	if n.d != d {
		d.unlockRegistry()
		panic("refcount: Untrack of a node not tracked by this Domain")
	}
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next = nil, nil
	n.obj = nil
	n.kind = ""
	n.seq = 0
	n.d = nil
	d.live--
	d.unlockRegistry()
}

// Live lists the tracked objects in tracking order. Object methods are
// called after the registry lock is released.
func (d *Domain) Live() []Live {
	type ent struct {
		kind string
		obj  Object
	}
	d.lockRegistry()
	ents := make([]ent, 0, d.live)
	for n := d.head.next; n != &d.head; n = n.next {
		ents = append(ents, ent{n.kind, n.obj})
	}
	d.unlockRegistry()

	if len(ents) == 0 {
		return nil
	}
	out := make([]Live, len(ents))
	for i, e := range ents {
		out[i] = Live{Kind: e.kind, ID: e.obj.RefID(), Count: e.obj.RefCount()}
	}
	return out
}

// LiveCount returns the number of tracked objects.
func (d *Domain) LiveCount() int {
	d.lockRegistry()
	defer d.unlockRegistry()
	return d.live
}

// CountKind returns the number of tracked objects whose RefKind is kind.
func (d *Domain) CountKind(kind string) int {
	d.lockRegistry()
	defer d.unlockRegistry()
	c := 0
	for n := d.head.next; n != &d.head; n = n.next {
		if n.kind == kind {
			c++
		}
	}
	return c
}

// Leaks returns nil when nothing is tracked; otherwise a *LeakError whose
// message lists every live object in tracking order, one per line, as
// "kind id count=N". Call it when a Kernel shuts down or a test ends.
func (d *Domain) Leaks() error {
	live := d.Live()
	if len(live) == 0 {
		return nil
	}
	return &LeakError{Objects: live}
}

// Objects returns the tracked objects themselves, in tracking order, so an
// invariant checker can recompute each one's expected count.
func (d *Domain) Objects() []Object {
	d.lockRegistry()
	defer d.unlockRegistry()
	out := make([]Object, 0, d.live)
	for n := d.head.next; n != &d.head; n = n.next {
		out = append(out, n.obj)
	}
	return out
}
