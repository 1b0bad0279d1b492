package trace

import (
	"io"
	"strconv"
	"sync"
	"sync/atomic"
)

// DefaultBufferSize is the number of events a new Tracer's ring buffer holds
// before it starts overwriting the oldest ones (ftrace's buffer_size_kb,
// counted in events rather than kilobytes).
const DefaultBufferSize = 1 << 16

// stateOn is the sign bit of Tracer.state: tracing_on. The low 32 bits hold
// the pid filter (set_ftrace_pid); 0 means every task. Keeping both in one
// word lets Enter decide "record or not" with a single atomic load, and the
// sign bit makes the "is it on" test a single comparison (state < 0).
const stateOn = -1 << 63

// Kind says what an Event records.
type Kind uint8

const (
	// Entry is a function entry (ftrace's TRACE_GRAPH_ENT), rendered as
	// "fn() {" or, when its return follows immediately, collapsed to "fn();".
	Entry Kind = iota + 1
	// Return is a function return (ftrace's TRACE_GRAPH_RET), rendered "}".
	Return
	// Leaf is a call recorded by Mark, rendered "fn();".
	Leaf
	// Note is a trace_printk-style comment, rendered "/* text */".
	Note
)

// String returns the lower-case name of k ("entry", "return", "leaf",
// "note").
func (k Kind) String() string {
	switch k {
	case Entry:
		return "entry"
	case Return:
		return "return"
	case Leaf:
		return "leaf"
	case Note:
		return "note"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one record in the ring buffer, the counterpart of ftrace's
// ftrace_graph_ent_entry / ftrace_graph_ret_entry / bprint entries.
//
// Depth is the graph depth: the number of enclosing recorded (not yet
// returned) entries of the same task. A trace switched on in the middle of a
// call therefore starts at depth 0. For a Note, Func holds the comment text.
type Event struct {
	PID   int32
	Depth int
	Kind  Kind
	Func  string
}

// Tracer is one Kernel's tracer, modelled on ftrace's function_graph tracer
// (kernel/trace/trace_functions_graph.c). The zero value is not usable; use
// New. A Tracer is safe for concurrent use.
type Tracer struct {
	// state packs tracing_on (sign bit) and the pid filter (low 32 bits).
	state atomic.Int64

	mu       sync.Mutex
	size     int     // capacity of the ring, in events
	buf      []Event // grows by append up to size, then used as a ring
	head     int     // once len(buf) == size: index of the oldest event
	overruns int     // events overwritten since the last Reset
}

// New returns a stopped Tracer (tracing_on = 0, no pid filter) with a ring
// buffer of DefaultBufferSize events. The buffer's memory is allocated as
// events arrive, never more than the buffer size.
func New() *Tracer {
	return &Tracer{size: DefaultBufferSize}
}

// Start turns recording on, like "echo 1 > tracing_on".
func (t *Tracer) Start() { t.update(func(s int64) int64 { return s | stateOn }) }

// Stop turns recording off, like "echo 0 > tracing_on". Events already in the
// buffer are kept.
func (t *Tracer) Stop() { t.update(func(s int64) int64 { return s &^ stateOn }) }

// Enabled reports whether recording is on (reading tracing_on). It is a single
// atomic load.
func (t *Tracer) Enabled() bool { return t.state.Load() < 0 }

// SetPID restricts recording to the task with this pid, like
// "echo pid > set_ftrace_pid"; 0 clears the filter (all tasks), like
// "echo > set_ftrace_pid". The filter is checked when a function is entered
// (and for Mark and Comment); the return of an entry that was recorded is
// always recorded while tracing is on, so the graph stays balanced.
func (t *Tracer) SetPID(pid int32) {
	t.update(func(s int64) int64 {
		return int64(uint32(pid)) | s&stateOn
	})
}

// PID returns the current pid filter (reading set_ftrace_pid); 0 means all
// tasks.
func (t *Tracer) PID() int32 { return int32(t.state.Load()) }

func (t *Tracer) update(f func(int64) int64) {
	for {
		old := t.state.Load()
		if t.state.CompareAndSwap(old, f(old)) {
			return
		}
	}
}

// admits reports whether state s records events of the task with pid.
func admits(s int64, pid int32) bool {
	if s >= 0 {
		return false
	}
	f := int32(s)
	return f == 0 || f == pid
}

// Reset empties the ring buffer and zeroes the overrun count, like
// "echo > trace". It changes neither tracing_on, the pid filter nor the buffer
// size. Tasks still inside recorded calls will later record returns whose
// entries are gone; they render as "} /* fn */", as in ftrace.
func (t *Tracer) Reset() {
	t.mu.Lock()
	clear(t.buf)
	t.buf = t.buf[:0]
	t.head = 0
	t.overruns = 0
	t.mu.Unlock()
}

// SetBufferSize sets the ring buffer's capacity to n events, like writing
// buffer_size_kb. The newest events that fit are kept; the oldest ones that
// do not are dropped and counted as overruns. n < 1 is treated as 1.
func (t *Tracer) SetBufferSize(n int) {
	if n < 1 {
		n = 1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	evs := t.snapshotLocked()
	if len(evs) > n {
		t.overruns += len(evs) - n
		evs = evs[len(evs)-n:]
	}
	t.size = n
	t.buf = evs
	t.head = 0
}

// BufferSize returns the ring buffer's capacity in events (buffer_size_kb).
func (t *Tracer) BufferSize() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.size
}

// Overruns returns how many events were overwritten (lost) because the ring
// buffer was full since the last Reset, like the "overrun" line of
// per_cpu/cpu0/stats.
func (t *Tracer) Overruns() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.overruns
}

// Len returns the number of events in the buffer ("entries" in
// per_cpu/cpu0/stats).
func (t *Tracer) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buf)
}

// record appends e to the ring, overwriting the oldest event when full, like
// the ring buffer in overwrite mode (options/overwrite = 1).
func (t *Tracer) record(e Event) {
	t.mu.Lock()
	if len(t.buf) < t.size {
		t.buf = append(t.buf, e)
	} else if t.size > 0 {
		t.buf[t.head] = e
		t.head++
		if t.head == len(t.buf) {
			t.head = 0
		}
		t.overruns++
	}
	t.mu.Unlock()
}

// snapshotLocked returns a fresh copy of the buffer, oldest first.
func (t *Tracer) snapshotLocked() []Event {
	out := make([]Event, 0, len(t.buf))
	out = append(out, t.buf[t.head:]...)
	return append(out, t.buf[:t.head]...)
}

// Events returns a copy of the buffer's events, oldest first (the raw
// records behind the trace file, as trace_pipe_raw would give them).
func (t *Tracer) Events() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.snapshotLocked()
}

// Names returns the functions entered, oldest first: the Func of every Entry
// and Leaf event, without returns or comments (the call sequence that the
// function tracer, rather than function_graph, would list).
func (t *Tracer) Names() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var names []string
	add := func(evs []Event) {
		for _, e := range evs {
			if e.Kind == Entry || e.Kind == Leaf {
				names = append(names, e.Func)
			}
		}
	}
	add(t.buf[t.head:])
	add(t.buf[:t.head])
	return names
}

// Cursor is a task's tracing state, the counterpart of the function graph
// return stack kept in task_struct (curr_ret_stack). It is embedded by value
// in the simulated task_struct; only its owning task uses it, so it needs no
// lock. The zero value is ready for the Tracer's methods once PID is set;
// the Cursor's own Enter, Exit and Mark need Bind first.
//
// Besides the call depth, the cursor remembers, per depth, whether the entry
// at that depth was recorded, so an Exit whose Enter happened while tracing
// was off (or filtered out) records nothing, whatever tracing_on is by then.
//
// A new task (fork/clone) must start with a fresh Cursor{PID: pid}, not a copy
// of its parent's, just as a child gets its own empty return stack.
type Cursor struct {
	// PID is the owning task's pid, matched against set_ftrace_pid and
	// stored in every Event.
	PID int32

	// int32 depths keep the cursor, and so a Task, small.
	depth  int32    // calls entered and not yet exited, recorded or not
	rdepth int32    // recorded entries not yet exited: the graph depth
	tr     *Tracer  // the tracer of Cursor.Enter, Exit and Mark (Bind)
	bits   uint64   // bit d: the entry at call depth d (< 64) was recorded
	more   []uint64 // the same for call depths >= 64
}

// Bind attaches c to t for the Cursor's own Enter, Exit and Mark, which a
// task's hot paths call: they are t.Enter(c, fn) and friends, small enough
// to be inlined into their callers.
func (c *Cursor) Bind(t *Tracer) { c.tr = t }

// Tracer returns the tracer c is bound to, or nil.
func (c *Cursor) Tracer() *Tracer { return c.tr }

// Enter is Tracer.Enter on the bound tracer: with tracing off, inlined, it is
// a depth increment and one atomic load. c must be bound.
func (c *Cursor) Enter(fn string) {
	c.depth++
	if c.tr.state.Load() < 0 {
		c.tr.enter(c, fn)
	}
}

// Exit is Tracer.Exit on the bound tracer: with no recorded entry pending,
// inlined, it is a depth decrement.
func (c *Cursor) Exit(fn string) {
	if c.rdepth != 0 || c.depth <= 0 {
		c.tr.exit(c, fn)
		return
	}
	c.depth--
}

// Mark is Tracer.Mark on the bound tracer.
func (c *Cursor) Mark(fn string) {
	if c.tr.state.Load() < 0 {
		c.tr.mark(c, fn)
	}
}

// mark is Mark's out-of-line slow path.
//
//go:noinline
func (t *Tracer) mark(c *Cursor, fn string) { t.leaf(t.state.Load(), c, Leaf, fn) }

// Depth returns the task's current call depth: Enter calls not yet matched by
// Exit, whether they were recorded or not.
func (c *Cursor) Depth() int { return int(c.depth) }

func (c *Cursor) setRecorded(d int) {
	if d < 64 {
		c.bits |= 1 << uint(d)
		return
	}
	w := (d - 64) / 64
	for len(c.more) <= w {
		c.more = append(c.more, 0)
	}
	c.more[w] |= 1 << uint(d%64)
}

// takeRecorded reports whether the entry at call depth d was recorded and
// clears that bit.
func (c *Cursor) takeRecorded(d int) bool {
	if d < 64 {
		m := uint64(1) << uint(d)
		r := c.bits&m != 0
		c.bits &^= m
		return r
	}
	w := (d - 64) / 64
	if w >= len(c.more) {
		return false
	}
	m := uint64(1) << uint(d%64)
	r := c.more[w]&m != 0
	c.more[w] &^= m
	return r
}

// Enter records entry to kernel function fn by the task owning c, as the
// function_graph entry hook (trace_graph_entry) does. When tracing is off
// (tracing_on = 0) it does one atomic load, bumps the cursor's call depth and
// returns without allocating; when set_ftrace_pid excludes c.PID it does the
// same plus an out-of-line call. Enter is small enough to be inlined. Every
// Enter must be paired with an Exit for the same function (typically
// deferred), whether or not tracing was on.
func (t *Tracer) Enter(c *Cursor, fn string) {
	c.depth++
	if t.state.Load() < 0 {
		t.enter(c, fn)
	}
}

// enter is Enter's out-of-line slow path, taken while tracing is on.
func (t *Tracer) enter(c *Cursor, fn string) {
	if !admits(t.state.Load(), c.PID) {
		return
	}
	c.setRecorded(int(c.depth - 1))
	t.record(Event{PID: c.PID, Depth: int(c.rdepth), Kind: Entry, Func: fn})
	c.rdepth++
}

// Exit records the return from fn by the task owning c, as the
// function_graph return hook (trace_graph_return) does. It records only if
// the matching Enter was recorded and tracing is still on; an Exit whose Enter
// went unrecorded does no atomic operation and records nothing, whatever
// tracing_on is by now. An Exit without any pending Enter is ignored.
func (t *Tracer) Exit(c *Cursor, fn string) {
	if c.rdepth != 0 || c.depth <= 0 {
		t.exit(c, fn)
		return
	}
	c.depth--
}

// exit is Exit's out-of-line slow path, taken only while the task has
// recorded entries pending (or for an unbalanced Exit, ignored).
func (t *Tracer) exit(c *Cursor, fn string) {
	if c.depth <= 0 {
		return
	}
	c.depth--
	if c.rdepth == 0 || !c.takeRecorded(int(c.depth)) {
		return
	}
	c.rdepth--
	if t.state.Load() < 0 {
		t.record(Event{PID: c.PID, Depth: int(c.rdepth), Kind: Return, Func: fn})
	}
}

// Mark records a call to a leaf function whose body is not traced, rendered
// "fn();" exactly like an Enter immediately followed by its Exit (a
// function_graph leaf entry), but stored as a single Leaf event. Off, it is
// one atomic load.
func (t *Tracer) Mark(c *Cursor, fn string) {
	if s := t.state.Load(); s < 0 {
		t.leaf(s, c, Leaf, fn)
	}
}

// Comment records a trace_printk-style comment, rendered "/* text */" at the
// task's current graph depth (function_graph prints trace_printk output as a
// comment nested in the calling function). It obeys tracing_on and
// set_ftrace_pid like Enter. text should be a single line.
func (t *Tracer) Comment(c *Cursor, text string) {
	if s := t.state.Load(); s < 0 {
		t.leaf(s, c, Note, text)
	}
}

func (t *Tracer) leaf(s int64, c *Cursor, k Kind, text string) {
	if admits(s, c.PID) {
		t.record(Event{PID: c.PID, Depth: int(c.rdepth), Kind: k, Func: text})
	}
}

// String renders the buffer like reading /sys/kernel/tracing/trace with the
// function_graph tracer, without the header and with the duration column left
// blank (the simulator has no clock). See the package documentation for the
// exact format.
func (t *Tracer) String() string {
	return string(Render(nil, t.Events()))
}

// WriteTo writes the same text as String to w (io.WriterTo), like copying
// the trace file.
func (t *Tracer) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(Render(nil, t.Events()))
	return int64(n), err
}

// Line prefix: CPU column (always 0), blank duration column, separator.
const linePrefix = " 0)  |  "

// Context-switch separator, as printed by verif_pid in
// trace_functions_graph.c.
const switchRule = " ------------------------------------------\n"

// Render appends the function_graph rendering of evs (oldest first) to dst
// and returns the extended slice. String and WriteTo use it on the buffer's
// contents; it is exported so that events filtered or merged by the caller
// can be rendered the same way.
//
// Like print_graph_entry, an Entry immediately followed by its own Return
// (same pid, function and depth) collapses to "fn();". Like
// print_graph_return, a Return whose Entry is not in evs at that depth prints
// "} /* fn */".
func Render(dst []byte, evs []Event) []byte {
	// Per pid, the function last entered at each depth (fgraph_cpu_data's
	// enter_funcs, kept per task rather than per CPU).
	open := map[int32][]string{}
	for i := 0; i < len(evs); i++ {
		e := evs[i]
		if i > 0 && evs[i-1].PID != e.PID {
			dst = append(dst, switchRule...)
			dst = append(dst, " 0)  "...)
			dst = strconv.AppendInt(dst, int64(evs[i-1].PID), 10)
			dst = append(dst, "  =>  "...)
			dst = strconv.AppendInt(dst, int64(e.PID), 10)
			dst = append(dst, '\n')
			dst = append(dst, switchRule...)
			dst = append(dst, '\n')
		}
		dst = append(dst, linePrefix...)
		for range max(e.Depth, 0) {
			dst = append(dst, "  "...)
		}
		switch e.Kind {
		case Entry:
			if i+1 < len(evs) {
				n := evs[i+1]
				if n.Kind == Return && n.PID == e.PID && n.Func == e.Func && n.Depth == e.Depth {
					dst = append(dst, e.Func...)
					dst = append(dst, "();\n"...)
					i++
					continue
				}
			}
			stack := open[e.PID]
			if e.Depth >= 0 {
				for len(stack) <= e.Depth {
					stack = append(stack, "")
				}
				stack[e.Depth] = e.Func
				open[e.PID] = stack
			}
			dst = append(dst, e.Func...)
			dst = append(dst, "() {\n"...)
		case Return:
			stack := open[e.PID]
			if e.Depth >= 0 && e.Depth < len(stack) && stack[e.Depth] == e.Func {
				stack[e.Depth] = ""
				dst = append(dst, "}\n"...)
			} else {
				dst = append(dst, "} /* "...)
				dst = append(dst, e.Func...)
				dst = append(dst, " */\n"...)
			}
		case Leaf:
			dst = append(dst, e.Func...)
			dst = append(dst, "();\n"...)
		case Note:
			dst = append(dst, "/* "...)
			dst = append(dst, e.Func...)
			dst = append(dst, " */\n"...)
		default:
			dst = append(dst, "/* "...)
			dst = append(dst, e.Kind.String()...)
			dst = append(dst, ": "...)
			dst = append(dst, e.Func...)
			dst = append(dst, " */\n"...)
		}
	}
	return dst
}

// compile-time check that Tracer implements io.WriterTo and fmt.Stringer.
var (
	_ io.WriterTo                  = (*Tracer)(nil)
	_ interface{ String() string } = (*Tracer)(nil)
)
