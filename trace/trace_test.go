package trace

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cloneNewUTS mirrors the call path of clone(CLONE_NEWUTS).
func cloneNewUTS(t *Tracer, c *Cursor) {
	t.Enter(c, "_do_fork")
	defer t.Exit(c, "_do_fork")
	t.Enter(c, "copy_process")
	defer t.Exit(c, "copy_process")
	t.Mark(c, "copy_creds")
	t.Enter(c, "copy_namespaces")
	defer t.Exit(c, "copy_namespaces")
	t.Enter(c, "create_new_namespaces")
	defer t.Exit(c, "create_new_namespaces")
	t.Enter(c, "copy_utsname")
	defer t.Exit(c, "copy_utsname")
	t.Enter(c, "clone_uts_ns")
	t.Exit(c, "clone_uts_ns")
}

const cloneGolden = "" +
	" 0)  |  _do_fork() {\n" +
	" 0)  |    copy_process() {\n" +
	" 0)  |      copy_creds();\n" +
	" 0)  |      copy_namespaces() {\n" +
	" 0)  |        create_new_namespaces() {\n" +
	" 0)  |          copy_utsname() {\n" +
	" 0)  |            clone_uts_ns();\n" +
	" 0)  |          }\n" +
	" 0)  |        }\n" +
	" 0)  |      }\n" +
	" 0)  |    }\n" +
	" 0)  |  }\n"

func TestNewIsStopped(t *testing.T) {
	tr := New()
	assert.False(t, tr.Enabled())
	assert.Equal(t, int32(0), tr.PID())
	assert.Equal(t, DefaultBufferSize, tr.BufferSize())
	c := &Cursor{PID: 1}
	cloneNewUTS(tr, c)
	assert.Empty(t, tr.Events())
	assert.Empty(t, tr.String())
	assert.Equal(t, 0, c.Depth())
}

func TestStartStopEnabled(t *testing.T) {
	tr := New()
	tr.SetPID(7)
	tr.Start()
	assert.True(t, tr.Enabled())
	assert.Equal(t, int32(7), tr.PID(), "Start keeps the pid filter")
	tr.Stop()
	assert.False(t, tr.Enabled())
	assert.Equal(t, int32(7), tr.PID(), "Stop keeps the pid filter")
	tr.Start()
	tr.SetPID(-3)
	assert.True(t, tr.Enabled(), "SetPID keeps tracing_on")
	assert.Equal(t, int32(-3), tr.PID())
	tr.SetPID(0)
	assert.Equal(t, int32(0), tr.PID())
}

func TestGoldenCloneNewUTS(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	cloneNewUTS(tr, c)
	assert.Equal(t, cloneGolden, tr.String())
	assert.Equal(t, 0, c.Depth())

	var buf bytes.Buffer
	n, err := tr.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(cloneGolden)), n)
	assert.Equal(t, cloneGolden, buf.String())
}

func TestEventsNestingAndDepth(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 5}
	tr.Enter(c, "a")
	assert.Equal(t, 1, c.Depth())
	tr.Enter(c, "b")
	tr.Mark(c, "leaf")
	tr.Comment(c, "hello")
	tr.Exit(c, "b")
	tr.Exit(c, "a")
	assert.Equal(t, 0, c.Depth())
	assert.Equal(t, []Event{
		{PID: 5, Depth: 0, Kind: Entry, Func: "a"},
		{PID: 5, Depth: 1, Kind: Entry, Func: "b"},
		{PID: 5, Depth: 2, Kind: Leaf, Func: "leaf"},
		{PID: 5, Depth: 2, Kind: Note, Func: "hello"},
		{PID: 5, Depth: 1, Kind: Return, Func: "b"},
		{PID: 5, Depth: 0, Kind: Return, Func: "a"},
	}, tr.Events())
	assert.Equal(t, ""+
		" 0)  |  a() {\n"+
		" 0)  |    b() {\n"+
		" 0)  |      leaf();\n"+
		" 0)  |      /* hello */\n"+
		" 0)  |    }\n"+
		" 0)  |  }\n", tr.String())
}

func TestLeafCollapse(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	// Enter+Exit with nothing in between renders exactly like Mark.
	tr.Enter(c, "f")
	tr.Exit(c, "f")
	tr.Mark(c, "f")
	// A comment is a child: no collapse.
	tr.Enter(c, "g")
	tr.Comment(c, "note")
	tr.Exit(c, "g")
	// A childless function at depth > 0 collapses too.
	tr.Enter(c, "h")
	tr.Enter(c, "i")
	tr.Exit(c, "i")
	tr.Exit(c, "h")
	assert.Equal(t, ""+
		" 0)  |  f();\n"+
		" 0)  |  f();\n"+
		" 0)  |  g() {\n"+
		" 0)  |    /* note */\n"+
		" 0)  |  }\n"+
		" 0)  |  h() {\n"+
		" 0)  |    i();\n"+
		" 0)  |  }\n", tr.String())
	assert.Len(t, tr.Events(), 10, "Mark is one event, Enter+Exit two")
}

func TestDocExample(t *testing.T) {
	// The sample in doc.go.
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	tr.Enter(c, "_do_fork")
	tr.Enter(c, "copy_process")
	tr.Mark(c, "copy_creds")
	tr.Enter(c, "copy_namespaces")
	tr.Comment(c, "CLONE_NEWUTS")
	tr.Enter(c, "copy_utsname")
	tr.Mark(c, "clone_uts_ns")
	tr.Exit(c, "copy_utsname")
	tr.Exit(c, "copy_namespaces")
	tr.Exit(c, "copy_process")
	tr.Exit(c, "_do_fork")
	assert.Equal(t, ""+
		" 0)  |  _do_fork() {\n"+
		" 0)  |    copy_process() {\n"+
		" 0)  |      copy_creds();\n"+
		" 0)  |      copy_namespaces() {\n"+
		" 0)  |        /* CLONE_NEWUTS */\n"+
		" 0)  |        copy_utsname() {\n"+
		" 0)  |          clone_uts_ns();\n"+
		" 0)  |        }\n"+
		" 0)  |      }\n"+
		" 0)  |    }\n"+
		" 0)  |  }\n", tr.String())
}

func TestNames(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	cloneNewUTS(tr, c)
	tr.Comment(c, "not a name")
	assert.Equal(t, []string{
		"_do_fork", "copy_process", "copy_creds", "copy_namespaces",
		"create_new_namespaces", "copy_utsname", "clone_uts_ns",
	}, tr.Names())
	tr.Reset()
	assert.Empty(t, tr.Names())
}

func TestPIDFilter(t *testing.T) {
	tr := New()
	tr.Start()
	tr.SetPID(2)
	c1, c2 := &Cursor{PID: 1}, &Cursor{PID: 2}
	tr.Enter(c1, "one")
	tr.Enter(c2, "two")
	tr.Mark(c1, "leaf1")
	tr.Mark(c2, "leaf2")
	tr.Comment(c1, "c1")
	tr.Comment(c2, "c2")
	tr.Exit(c1, "one")
	tr.Exit(c2, "two")
	assert.Equal(t, 0, c1.Depth())
	assert.Equal(t, 0, c2.Depth())
	assert.Equal(t, ""+
		" 0)  |  two() {\n"+
		" 0)  |    leaf2();\n"+
		" 0)  |    /* c2 */\n"+
		" 0)  |  }\n", tr.String())
	for _, e := range tr.Events() {
		assert.Equal(t, int32(2), e.PID)
	}

	// Clearing the filter records every task again.
	tr.Reset()
	tr.SetPID(0)
	tr.Mark(c1, "x")
	tr.Mark(c2, "y")
	assert.Equal(t, []string{"x", "y"}, tr.Names())
}

func TestPIDFilterChangedMidCall(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	tr.Enter(c, "outer") // recorded
	tr.SetPID(9)
	tr.Mark(c, "filtered") // not recorded
	tr.Enter(c, "inner")   // not recorded
	tr.Exit(c, "inner")    // nothing to record
	tr.Exit(c, "outer")    // its entry was recorded: keep the graph balanced
	assert.Equal(t, ""+
		" 0)  |  outer();\n", tr.String())
	assert.Equal(t, 0, c.Depth())
}

func TestSwitchOnMidCall(t *testing.T) {
	tr := New()
	c := &Cursor{PID: 1}
	tr.Enter(c, "_do_fork") // off: not recorded
	tr.Enter(c, "copy_process")
	tr.Start()
	tr.Enter(c, "copy_namespaces")
	tr.Mark(c, "create_new_namespaces")
	tr.Exit(c, "copy_namespaces")
	tr.Exit(c, "copy_process") // entry unrecorded: nothing
	tr.Exit(c, "_do_fork")     // entry unrecorded: nothing
	assert.Equal(t, 0, c.Depth())
	assert.Equal(t, ""+
		" 0)  |  copy_namespaces() {\n"+
		" 0)  |    create_new_namespaces();\n"+
		" 0)  |  }\n", tr.String())

	// A later call starts at depth 0 again.
	tr.Reset()
	tr.Mark(c, "schedule")
	assert.Equal(t, []Event{{PID: 1, Depth: 0, Kind: Leaf, Func: "schedule"}}, tr.Events())
}

func TestSwitchOffAndOnMidCall(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	tr.Enter(c, "a") // recorded
	tr.Stop()
	tr.Enter(c, "b") // unrecorded
	tr.Start()
	tr.Enter(c, "c") // recorded, child of a in the graph
	tr.Exit(c, "c")
	tr.Exit(c, "b") // must not close a
	tr.Mark(c, "d") // still inside a
	tr.Exit(c, "a")
	assert.Equal(t, ""+
		" 0)  |  a() {\n"+
		" 0)  |    c();\n"+
		" 0)  |    d();\n"+
		" 0)  |  }\n", tr.String())
	assert.Equal(t, 0, c.Depth())
}

func TestSwitchOffBeforeReturn(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	tr.Enter(c, "a")
	tr.Enter(c, "b")
	tr.Stop()
	tr.Exit(c, "b") // entry recorded but tracing off: nothing
	tr.Exit(c, "a")
	tr.Start()
	tr.Mark(c, "next") // depth back at 0
	assert.Equal(t, ""+
		" 0)  |  a() {\n"+
		" 0)  |    b() {\n"+
		" 0)  |  next();\n", tr.String())
}

func TestDeepRecursion(t *testing.T) {
	tr := New()
	c := &Cursor{PID: 1}
	const deep = 200
	var rec func(n int)
	rec = func(n int) {
		tr.Enter(c, "f")
		defer tr.Exit(c, "f")
		if n == 100 {
			tr.Start() // switch on deep inside; frames >= 64 use the overflow bits
		}
		if n == 150 {
			tr.Stop()
		}
		if n == 170 {
			tr.Start()
		}
		if n < deep {
			rec(n + 1)
		}
	}
	rec(0)
	assert.Equal(t, 0, c.Depth())
	evs := tr.Events()
	var entries, returns int
	for _, e := range evs {
		switch e.Kind {
		case Entry:
			entries++
		case Return:
			returns++
		}
	}
	// Entries recorded at n = 101..150 and 171..200; every one returns with
	// tracing on.
	assert.Equal(t, 80, entries)
	assert.Equal(t, 80, returns)
	assert.Equal(t, 0, evs[0].Depth)
	assert.Equal(t, 0, evs[len(evs)-1].Depth)
	assert.Equal(t, Return, evs[len(evs)-1].Kind)
	// f at n=171 is nested under the 50 recorded frames 101..150.
	assert.Equal(t, 50, evs[50].Depth)
}

func TestUnbalancedExitIgnored(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	tr.Exit(c, "nothing")
	assert.Empty(t, tr.Events())
	assert.Equal(t, 0, c.Depth())
}

func TestReset(t *testing.T) {
	tr := New()
	tr.SetBufferSize(4)
	tr.Start()
	c := &Cursor{PID: 1}
	for range 10 {
		tr.Mark(c, "x")
	}
	require.Equal(t, 6, tr.Overruns())
	tr.Enter(c, "open")
	tr.Reset()
	assert.Empty(t, tr.Events())
	assert.Equal(t, 0, tr.Len())
	assert.Equal(t, 0, tr.Overruns())
	assert.Empty(t, tr.String())
	assert.True(t, tr.Enabled(), "Reset keeps tracing_on")
	assert.Equal(t, 4, tr.BufferSize(), "Reset keeps the buffer size")

	// The return of an entry cleared by Reset is an orphan, printed with
	// its name like print_graph_return does.
	tr.Mark(c, "child")
	tr.Exit(c, "open")
	assert.Equal(t, ""+
		" 0)  |    child();\n"+
		" 0)  |  } /* open */\n", tr.String())
}

func TestRingOverflow(t *testing.T) {
	tr := New()
	tr.SetBufferSize(3)
	tr.Start()
	c := &Cursor{PID: 1}
	for i := range 5 {
		tr.Mark(c, fmt.Sprint("f", i))
		assert.Equal(t, min(i+1, 3), tr.Len())
	}
	assert.Equal(t, []string{"f2", "f3", "f4"}, tr.Names())
	assert.Equal(t, 2, tr.Overruns())

	for i := 5; i < 11; i++ {
		tr.Mark(c, fmt.Sprint("f", i))
	}
	assert.Equal(t, []string{"f8", "f9", "f10"}, tr.Names())
	assert.Equal(t, 8, tr.Overruns())
	evs := tr.Events()
	require.Len(t, evs, 3)
	assert.Equal(t, "f8", evs[0].Func)
	assert.Equal(t, "f10", evs[2].Func)
}

func TestRingOverflowOrphanReturn(t *testing.T) {
	tr := New()
	tr.SetBufferSize(3)
	tr.Start()
	c := &Cursor{PID: 1}
	tr.Enter(c, "outer")
	tr.Mark(c, "a")
	tr.Mark(c, "b")
	tr.Mark(c, "c") // overwrites outer's entry
	tr.Exit(c, "outer")
	assert.Equal(t, 2, tr.Overruns())
	assert.Equal(t, ""+
		" 0)  |    b();\n"+
		" 0)  |    c();\n"+
		" 0)  |  } /* outer */\n", tr.String())
}

func TestSetBufferSize(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	tr.SetBufferSize(4)
	for i := range 6 { // wraps: holds f2..f5, head in the middle
		tr.Mark(c, fmt.Sprint("f", i))
	}
	require.Equal(t, 2, tr.Overruns())

	tr.SetBufferSize(8) // grow: keep everything, in order
	assert.Equal(t, []string{"f2", "f3", "f4", "f5"}, tr.Names())
	tr.Mark(c, "f6")
	assert.Equal(t, []string{"f2", "f3", "f4", "f5", "f6"}, tr.Names())
	assert.Equal(t, 2, tr.Overruns())

	tr.SetBufferSize(2) // shrink: keep the newest, count the rest as lost
	assert.Equal(t, []string{"f5", "f6"}, tr.Names())
	assert.Equal(t, 5, tr.Overruns())
	assert.Equal(t, 2, tr.BufferSize())

	tr.SetBufferSize(0) // clamped to 1
	assert.Equal(t, 1, tr.BufferSize())
	assert.Equal(t, []string{"f6"}, tr.Names())
	tr.Mark(c, "f7")
	assert.Equal(t, []string{"f7"}, tr.Names())
	assert.Equal(t, 7, tr.Overruns())
}

func TestContextSwitchMarker(t *testing.T) {
	tr := New()
	tr.Start()
	c1, c2 := &Cursor{PID: 1}, &Cursor{PID: 2}
	tr.Enter(c1, "_do_fork")
	tr.Enter(c2, "do_exit") // pid 2 preempts pid 1
	tr.Mark(c2, "exit_task_namespaces")
	tr.Exit(c2, "do_exit")
	tr.Mark(c1, "copy_process")
	tr.Exit(c1, "_do_fork")
	tr.Enter(c1, "sys_getpid") // same pid: no marker
	tr.Exit(c1, "sys_getpid")
	assert.Equal(t, ""+
		" 0)  |  _do_fork() {\n"+
		" ------------------------------------------\n"+
		" 0)  1  =>  2\n"+
		" ------------------------------------------\n"+
		"\n"+
		" 0)  |  do_exit() {\n"+
		" 0)  |    exit_task_namespaces();\n"+
		" 0)  |  }\n"+
		" ------------------------------------------\n"+
		" 0)  2  =>  1\n"+
		" ------------------------------------------\n"+
		"\n"+
		" 0)  |    copy_process();\n"+
		" 0)  |  }\n"+
		" 0)  |  sys_getpid();\n", tr.String())
}

func TestInterleavingPreventsCollapse(t *testing.T) {
	tr := New()
	tr.Start()
	c1, c2 := &Cursor{PID: 1}, &Cursor{PID: 2}
	tr.Enter(c1, "f")
	tr.Mark(c2, "g")
	tr.Exit(c1, "f")
	assert.Equal(t, ""+
		" 0)  |  f() {\n"+
		" ------------------------------------------\n"+
		" 0)  1  =>  2\n"+
		" ------------------------------------------\n"+
		"\n"+
		" 0)  |  g();\n"+
		" ------------------------------------------\n"+
		" 0)  2  =>  1\n"+
		" ------------------------------------------\n"+
		"\n"+
		" 0)  |  }\n", tr.String())
}

func TestRenderReturnMatchingIsPerTask(t *testing.T) {
	// Two tasks at the same depth: each return matches its own task's entry.
	evs := []Event{
		{PID: 1, Depth: 0, Kind: Entry, Func: "a"},
		{PID: 2, Depth: 0, Kind: Entry, Func: "b"},
		{PID: 1, Depth: 0, Kind: Return, Func: "a"},
		{PID: 2, Depth: 0, Kind: Return, Func: "b"},
		{PID: 2, Depth: 0, Kind: Return, Func: "b"}, // second one is an orphan
	}
	out := string(Render(nil, evs))
	assert.Equal(t, 2, strings.Count(out, " 0)  |  }\n"))
	assert.Equal(t, 1, strings.Count(out, "} /* b */"))
	assert.True(t, strings.HasPrefix(string(Render([]byte("x"), evs[:1])), "x 0)  |  a() {\n"))
	assert.Empty(t, Render(nil, nil))
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "entry", Entry.String())
	assert.Equal(t, "return", Return.String())
	assert.Equal(t, "leaf", Leaf.String())
	assert.Equal(t, "note", Note.String())
	assert.Equal(t, "Kind(0)", Kind(0).String())
	assert.Equal(t, " 0)  |  /* Kind(9): x */\n", string(Render(nil, []Event{{Kind: 9, Func: "x"}})))
}

func TestEventsIsACopy(t *testing.T) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	tr.Mark(c, "a")
	evs := tr.Events()
	evs[0].Func = "changed"
	names := tr.Names()
	names[0] = "changed"
	assert.Equal(t, []string{"a"}, tr.Names())
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteToError(t *testing.T) {
	tr := New()
	tr.Start()
	tr.Mark(&Cursor{PID: 1}, "a")
	n, err := tr.WriteTo(failWriter{})
	assert.EqualError(t, err, "disk full")
	assert.Equal(t, int64(0), n)
}

// checkWellFormed verifies that one task's events form a proper graph:
// entries and returns nest, and depths follow the nesting.
func checkWellFormed(t *testing.T, evs []Event) {
	t.Helper()
	var stack []string
	for _, e := range evs {
		switch e.Kind {
		case Entry:
			require.Equal(t, len(stack), e.Depth)
			stack = append(stack, e.Func)
		case Return:
			require.NotEmpty(t, stack)
			require.Equal(t, stack[len(stack)-1], e.Func)
			stack = stack[:len(stack)-1]
			require.Equal(t, len(stack), e.Depth)
		case Leaf, Note:
			require.Equal(t, len(stack), e.Depth)
		}
	}
	require.Empty(t, stack)
}

func TestConcurrentRecording(t *testing.T) {
	tr := New()
	tr.Start()
	const tasks, iters = 16, 200
	var wg sync.WaitGroup
	for p := range tasks {
		wg.Go(func() {
			c := Cursor{PID: int32(p + 1)} // each task owns its cursor
			for range iters {
				cloneNewUTS(tr, &c)
				tr.Comment(&c, "done")
			}
			assert.Equal(t, 0, c.Depth())
		})
	}
	// Readers run concurrently with the writers.
	wg.Go(func() {
		for range 50 {
			_ = tr.String()
			_ = tr.Names()
			_ = tr.Enabled()
			_ = tr.Overruns()
		}
	})
	wg.Wait()

	evs := tr.Events()
	// Per iteration: 6 entries, 6 returns, 1 leaf (copy_creds), 1 note.
	require.Len(t, evs, tasks*iters*14)
	assert.Equal(t, 0, tr.Overruns())
	byPID := map[int32][]Event{}
	for _, e := range evs {
		byPID[e.PID] = append(byPID[e.PID], e)
	}
	require.Len(t, byPID, tasks)
	for pid, pe := range byPID {
		require.Len(t, pe, iters*14, "pid %d", pid)
		checkWellFormed(t, pe)
	}
	// Every task's own subsequence renders like the single-task golden.
	one := Render(nil, byPID[3][:13])
	assert.Equal(t, cloneGolden, string(one))
}

func TestConcurrentToggling(t *testing.T) {
	// Tasks record while another goroutine flips tracing_on, the pid filter,
	// the buffer size and resets the buffer. Depth tracking must survive:
	// every cursor ends at depth 0 and no return is recorded without a
	// recorded entry in its own task.
	tr := New()
	tr.SetBufferSize(1 << 20)
	const tasks, iters = 8, 300
	var wg sync.WaitGroup
	for p := range tasks {
		wg.Go(func() {
			c := Cursor{PID: int32(p + 1)}
			for range iters {
				cloneNewUTS(tr, &c)
			}
			assert.Equal(t, 0, c.Depth())
		})
	}
	wg.Go(func() {
		for i := range 400 {
			switch i % 4 {
			case 0:
				tr.Start()
			case 1:
				tr.SetPID(int32(i%tasks + 1))
			case 2:
				tr.SetPID(0)
			case 3:
				tr.Stop()
			}
		}
		tr.Start()
	})
	wg.Wait()

	byPID := map[int32][]Event{}
	for _, e := range tr.Events() {
		byPID[e.PID] = append(byPID[e.PID], e)
	}
	for _, pe := range byPID {
		var open []string
		for _, e := range pe {
			switch e.Kind {
			case Entry:
				// Returns may be missing (tracing off at exit), so a new
				// entry may be shallower than the open frames, never deeper.
				require.LessOrEqual(t, e.Depth, len(open))
				open = append(open[:e.Depth], e.Func)
			case Return:
				// A return never appears without its entry.
				require.Less(t, e.Depth, len(open), "return of %s without entry", e.Func)
				require.Equal(t, open[e.Depth], e.Func)
				open = open[:e.Depth]
			}
		}
	}
}

func BenchmarkEnterExitOff(b *testing.B) {
	tr := New()
	c := &Cursor{PID: 1}
	b.ReportAllocs()
	for b.Loop() {
		tr.Enter(c, "copy_namespaces")
		tr.Exit(c, "copy_namespaces")
	}
}

func BenchmarkEnterExitFiltered(b *testing.B) {
	tr := New()
	tr.Start()
	tr.SetPID(2)
	c := &Cursor{PID: 1}
	b.ReportAllocs()
	for b.Loop() {
		tr.Enter(c, "copy_namespaces")
		tr.Exit(c, "copy_namespaces")
	}
}

func BenchmarkEnterExitOn(b *testing.B) {
	tr := New()
	tr.Start()
	c := &Cursor{PID: 1}
	b.ReportAllocs()
	for b.Loop() {
		tr.Enter(c, "copy_namespaces")
		tr.Exit(c, "copy_namespaces")
	}
}
