package trace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A step of a scripted call sequence: Enter, Exit or Mark of fn, or a
// tracer control ("start", "stop", "pid").
type step struct {
	op, fn string
	pid    int32
}

// script switches tracing on and off in the middle of calls, filters by pid,
// exits without a pending enter and nests past one bit word, so that both the
// fast paths and every slow path of Enter, Exit and Mark run.
func script() []step {
	s := []step{
		{op: "exit", fn: "unbalanced"},
		{op: "enter", fn: "_do_fork"}, // off: not recorded
		{op: "start"},
		{op: "enter", fn: "copy_process"},
		{op: "mark", fn: "copy_creds"},
		{op: "stop"},
		{op: "enter", fn: "copy_namespaces"}, // unrecorded
		{op: "start"},
		{op: "enter", fn: "create_new_namespaces"},
		{op: "pid", pid: 2},
		{op: "mark", fn: "filtered"},
		{op: "enter", fn: "filtered_call"},
		{op: "pid", pid: 0},
		{op: "exit", fn: "filtered_call"},
		{op: "exit", fn: "create_new_namespaces"},
		{op: "exit", fn: "copy_namespaces"},
		{op: "exit", fn: "copy_process"},
		{op: "stop"},
		{op: "exit", fn: "_do_fork"},
		{op: "start"},
	}
	for i := range 70 {
		s = append(s, step{op: "enter", fn: "deep"})
		if i%17 == 0 {
			s = append(s, step{op: "mark", fn: "leaf"})
		}
	}
	for range 70 {
		s = append(s, step{op: "exit", fn: "deep"})
	}
	return s
}

func runScript(tr *Tracer, c *Cursor, bound bool) {
	for _, st := range script() {
		switch st.op {
		case "start":
			tr.Start()
		case "stop":
			tr.Stop()
		case "pid":
			tr.SetPID(st.pid)
		case "enter":
			if bound {
				c.Enter(st.fn)
			} else {
				tr.Enter(c, st.fn)
			}
		case "exit":
			if bound {
				c.Exit(st.fn)
			} else {
				tr.Exit(c, st.fn)
			}
		case "mark":
			if bound {
				c.Mark(st.fn)
			} else {
				tr.Mark(c, st.fn)
			}
		}
	}
}

// The bound Cursor's Enter, Exit and Mark record exactly what the Tracer's
// do, step for step.
func TestCursorBoundMatchesTracer(t *testing.T) {
	want, viaTracer := New(), &Cursor{PID: 1}
	runScript(want, viaTracer, false)
	got := New()
	c := &Cursor{PID: 1}
	c.Bind(got)
	require.Same(t, got, c.Tracer())
	runScript(got, c, true)
	require.NotEmpty(t, want.Events())
	assert.Equal(t, want.Events(), got.Events())
	assert.Equal(t, want.String(), got.String())
	assert.Equal(t, 0, c.Depth())
	assert.Equal(t, viaTracer.Depth(), c.Depth())
}

// With tracing off the bound fast paths allocate nothing and keep depth.
func TestCursorBoundOffNoAllocs(t *testing.T) {
	tr := New()
	c := &Cursor{PID: 1}
	c.Bind(tr)
	allocs := testing.AllocsPerRun(1000, func() {
		c.Enter("copy_namespaces")
		c.Mark("copy_utsname")
		c.Exit("copy_namespaces")
	})
	assert.Zero(t, allocs)
	assert.Equal(t, 0, c.Depth())
	assert.Empty(t, tr.Events())
}

// An unbound Cursor has no tracer to consult: its own Enter panics (a Ctx
// must be built with NewCtx or Init).
func TestCursorUnboundPanics(t *testing.T) {
	c := &Cursor{PID: 1}
	assert.Nil(t, c.Tracer())
	assert.Panics(t, func() { c.Enter("x") })
}

func BenchmarkCursorEnterExitOff(b *testing.B) {
	tr := New()
	c := &Cursor{PID: 1}
	c.Bind(tr)
	b.ReportAllocs()
	for b.Loop() {
		c.Enter("copy_namespaces")
		c.Exit("copy_namespaces")
	}
}
