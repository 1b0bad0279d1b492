package cgroup

// lnode is an intrusive, circular, doubly linked list node: struct list_head
// (include/linux/list.h). The same type serves as a list head (owner unused)
// and as the node embedded in an element (owner points back at the element,
// standing in for container_of). A node that is on no list points at itself,
// so empty() on a node says "not linked" exactly as list_empty(&node) does.
type lnode[T any] struct {
	prev, next *lnode[T]
	owner      T
}

// init makes n an unlinked node owned by owner (INIT_LIST_HEAD).
func (n *lnode[T]) init(owner T) {
	n.prev, n.next, n.owner = n, n, owner
}

// initHead makes h an empty list head (INIT_LIST_HEAD).
func (h *lnode[T]) initHead() { h.prev, h.next = h, h }

// empty is list_empty: for a head, no elements; for a node, not linked.
func (h *lnode[T]) empty() bool { return h.next == h }

// addTail is list_add_tail(n, h).
func (h *lnode[T]) addTail(n *lnode[T]) {
	p := h.prev
	n.prev, n.next = p, h
	p.next = n
	h.prev = n
}

// add is list_add(n, h): insert right after the head.
func (h *lnode[T]) add(n *lnode[T]) {
	nx := h.next
	n.prev, n.next = h, nx
	nx.prev = n
	h.next = n
}

// del is list_del_init: unlink n and leave it pointing at itself.
func (n *lnode[T]) del() {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next = n, n
}

// moveTail is list_move_tail(n, h).
func (n *lnode[T]) moveTail(h *lnode[T]) {
	n.del()
	h.addTail(n)
}

// spliceTailInit is list_splice_tail_init(l, h): move every element of l to
// the tail of h, in order, and leave l empty.
func (l *lnode[T]) spliceTailInit(h *lnode[T]) {
	if l.empty() {
		return
	}
	first, last := l.next, l.prev
	at := h.prev
	first.prev = at
	at.next = first
	last.next = h
	h.prev = last
	l.initHead()
}

// each calls fn for every element from first to last; fn may unlink the
// element it is given (list_for_each_entry_safe) but no other.
func (h *lnode[T]) each(fn func(T) bool) {
	for n := h.next; n != h; {
		nx := n.next
		if !fn(n.owner) {
			return
		}
		n = nx
	}
}

// count returns the number of elements.
func (h *lnode[T]) count() int {
	c := 0
	for n := h.next; n != h; n = n.next {
		c++
	}
	return c
}
