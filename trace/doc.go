// Package trace is kernsim's per-Kernel tracer, modelled on ftrace's
// function_graph tracer (kernel/trace/trace_functions_graph.c).
//
// Simulated kernel code calls Enter at the entry and Exit at the return of
// each kernel function it mirrors, Mark for leaf calls whose body is not
// simulated, and Comment for trace_printk-style notes, so a test can check
// that clone(CLONE_NEWUTS) walked _do_fork → copy_process → copy_creds →
// copy_namespaces → create_new_namespaces → copy_utsname → clone_uts_ns.
//
// # What is modelled
//
//   - tracing_on: Start and Stop flip the switch; Enabled reads it. Events are
//     recorded only while it is on. As with ftrace's return hook, an Exit is
//     recorded only if its Enter was.
//   - set_ftrace_pid: SetPID restricts recording to one task; 0 means all.
//   - The ring buffer: a bounded buffer (DefaultBufferSize events, changed
//     with SetBufferSize, like buffer_size_kb) in overwrite mode: when full,
//     the oldest event is overwritten and counted in Overruns, like the
//     "overrun" field of per_cpu/cpu0/stats. Reset empties it, like
//     "echo > trace".
//   - The per-task return stack: each simulated task embeds a Cursor in its
//     ns.Ctx (the analogue of task_struct's curr_ret_stack) holding its pid,
//     its call depth and, per depth, whether that entry was recorded.
//     Switching tracing on or off, or changing the pid filter, in the middle
//     of a call therefore never corrupts the depth: a trace started mid-call
//     begins at depth 0, and returns of unrecorded entries are never
//     recorded.
//   - The trace file: String and WriteTo render the buffer as the
//     function_graph tracer prints /sys/kernel/tracing/trace, without the
//     "# tracer:" header and without timing.
//
// # Output format
//
// Every event is one line:
//
//	" 0)  |  " + strings.Repeat("  ", depth) + text + "\n"
//
// " 0) " is the CPU column, always 0 (see below); the duration column is
// blank because the simulator has no clock. text is "fn() {" for an entry,
// "}" for its return, "fn();" for a Mark or for an entry whose return is the
// very next event in the buffer (ftrace's leaf collapse), and "/* text */"
// for a Comment. A return whose entry is not in the buffer (overwritten, or
// cleared by Reset) prints "} /* fn */", as print_graph_return does. For
// example (the "#" header of the real trace file is shown here for
// orientation only; String does not print it):
//
//	# tracer: function_graph
//	#
//	# CPU  DURATION                  FUNCTION CALLS
//	# |     |   |                     |   |   |   |
//	 0)  |  _do_fork() {
//	 0)  |    copy_process() {
//	 0)  |      copy_creds();
//	 0)  |      copy_namespaces() {
//	 0)  |        /* CLONE_NEWUTS */
//	 0)  |        copy_utsname() {
//	 0)  |          clone_uts_ns();
//	 0)  |        }
//	 0)  |      }
//	 0)  |    }
//	 0)  |  }
//
// When consecutive events come from different tasks, a context-switch block
// is printed between them, as verif_pid does in trace_functions_graph.c
// (ftrace prints "comm-pid"; the tracer knows only pids): a rule line, a
// line with the CPU column, the old pid, "=>" and the new pid (separated by
// two spaces), the rule again and an empty line. Task 2 preempting task 1
// inside _do_fork prints:
//
//	# tracer: function_graph
//	 0)  |  _do_fork() {
//	 ------------------------------------------
//	 0)  1  =>  2
//	 ------------------------------------------
//
//	 0)  |  do_exit() {
//
// Interleaving also prevents leaf collapse, as in ftrace: an entry collapses
// only if the next event is its own return.
//
// # Cost
//
// A Cursor bound to its tracer (Cursor.Bind; ns.Ctx binds the task's)
// carries Enter, Exit and Mark fast paths that the compiler inlines into
// every caller, so the simulated kernel calls ctx.Enter(fn) and friends.
// With tracing off, Enter is a depth increment and one atomic load, Exit
// with no recorded entry pending is two compares and a decrement, and Mark
// is one atomic load; the work of recording is out of line. A Cursor's own
// methods need it bound (an unbound one panics at its first Enter);
// Tracer.Enter, Exit, Mark and Comment take the cursor explicitly, cost the
// same and are inlinable too. None allocates. A pid-filtered-out Enter adds
// one function call. The depths are int32, which keeps a Task within the
// 768-byte size class once Go's malloc header is counted. With tracing on,
// each event takes the buffer mutex; the buffer grows by append up to its
// size and then is reused as a ring, so recording allocates nothing once it
// is full (amortized zero per event).
//
// # Concurrency
//
// A Tracer is safe for concurrent use: tracing_on and the pid filter live in
// one atomic word, and the ring buffer is guarded by a mutex. A Cursor
// belongs to one task and only that task's calls use it, one at a time (in
// a Kernel, under its big kernel lock), so it has no lock. Real ftrace
// keeps one ring buffer per CPU; the simulator has a single logical CPU
// view, so there is one buffer, the CPU column is always 0, and events
// appear in the order they were recorded.
//
// # Determinism
//
// Nothing reads a clock or depends on map order; the rendering is a pure
// function of the recorded events, so a deterministic simulation produces
// byte-identical traces. The package has no package-level mutable state:
// each Kernel owns its Tracer.
package trace
