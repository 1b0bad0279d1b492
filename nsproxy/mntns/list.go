package mntns

// listHead is an intrusive circular doubly linked list node, struct list_head
// (include/linux/list.h). The propagation walks (propagation_next, next_group)
// depend on the exact shape of the peer rings and slave lists, so the mount
// links are kept as the kernel keeps them rather than as slices. owner is the
// mount a node is embedded in (nil for a list head outside a mount).
type listHead struct {
	next, prev *listHead
	owner      *Mount
}

// init mirrors INIT_LIST_HEAD.
func (l *listHead) init(owner *Mount) { l.next, l.prev, l.owner = l, l, owner }

// empty mirrors list_empty.
func (l *listHead) empty() bool { return l.next == l }

// singular mirrors list_is_singular.
func (l *listHead) singular() bool { return !l.empty() && l.next == l.prev }

func listInsert(n, prev, next *listHead) {
	next.prev = n
	n.next = next
	n.prev = prev
	prev.next = n
}

// listAdd mirrors list_add: n right after head.
func listAdd(n, head *listHead) { listInsert(n, head, head.next) }

// listAddTail mirrors list_add_tail: n right before head (at the end).
func listAddTail(n, head *listHead) { listInsert(n, head.prev, head) }

// delInit mirrors list_del_init.
func (l *listHead) delInit() {
	l.prev.next = l.next
	l.next.prev = l.prev
	l.next, l.prev = l, l
}

// listMove mirrors list_move.
func listMove(n, head *listHead) {
	n.prev.next = n.next
	n.next.prev = n.prev
	listAdd(n, head)
}

// listMoveTail mirrors list_move_tail.
func listMoveTail(n, head *listHead) {
	n.prev.next = n.next
	n.next.prev = n.prev
	listAddTail(n, head)
}

// listSplice mirrors list_splice: the entries of list go between prev and
// prev.next; list itself is left stale (the caller reinitialises it).
func listSplice(list, prev *listHead) {
	if list.empty() {
		return
	}
	first, last, next := list.next, list.prev, prev.next
	first.prev = prev
	prev.next = first
	last.next = next
	next.prev = last
}

// listSpliceTail mirrors list_splice_tail.
func listSpliceTail(list, head *listHead) { listSplice(list, head.prev) }
