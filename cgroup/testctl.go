package cgroup

import (
	"strconv"
	"strings"
	"sync"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// TestController is a trivial controller for tests of the core and of the
// packages built on it: it keeps a small state per css, records every
// callback it receives, and can be told to refuse an operation. It stands
// in for a real controller under that controller's name ("memory" as a
// domain controller, "pids" as a threaded one). Safe for concurrent use.
type TestController struct {
	BaseSubsys
	info SubsysInfo

	mu    sync.Mutex
	quiet bool
	log   []string
	fail  map[string]uapi.Errno
	live  int
	calls map[string]int
}

// TestState is what TestController keeps per css.
type TestState struct {
	Serial uint64 // of the parent css at css_alloc (0 for a root css)
	Freed  bool
}

// NewTestController returns a controller called name; threaded makes it a
// threaded controller (cgrp_dfl_threaded_ss_mask).
func NewTestController(name string, threaded bool) *TestController {
	return &TestController{
		info:  SubsysInfo{Name: name, Threaded: threaded},
		fail:  map[string]uapi.Errno{},
		calls: map[string]int{},
	}
}

// Info implements Subsys.
func (t *TestController) Info() SubsysInfo { return t.info }

// SetQuiet stops (or resumes) keeping the log; calls are still counted.
func (t *TestController) SetQuiet(q bool) {
	t.mu.Lock()
	t.quiet = q
	t.mu.Unlock()
}

// SetFail makes op ("css_alloc", "css_online", "can_fork", "can_attach")
// fail with errno; 0 clears it.
func (t *TestController) SetFail(op string, errno uapi.Errno) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if errno == 0 {
		delete(t.fail, op)
		return
	}
	t.fail[op] = errno
}

// Log returns the recorded callbacks and clears the record.
func (t *TestController) Log() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.log
	t.log = nil
	return l
}

// Calls returns how many times op was called.
func (t *TestController) Calls(op string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[op]
}

// Live returns the number of states allocated and not yet freed.
func (t *TestController) Live() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.live
}

// record counts op, logs it with detail() unless quiet, and returns the
// failure set for op.
func (t *TestController) record(op string, detail func() string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls[op]++
	if !t.quiet {
		line := op
		if detail != nil {
			line += " " + detail()
		}
		t.log = append(t.log, line)
	}
	if e := t.fail[op]; e != 0 {
		return uapi.Err("write", e, t.info.Name+" refuses "+op, t.info.Name+"_"+op)
	}
	return nil
}

func cssWhere(c *CSS) string {
	if c == nil {
		return "-"
	}
	return c.cgroup.label()
}

// CSSAlloc implements Subsys.
func (t *TestController) CSSAlloc(_ *ns.Ctx, parent *CSS) (any, error) {
	if err := t.record("css_alloc", func() string { return "parent=" + cssWhere(parent) }); err != nil {
		return nil, err
	}
	st := &TestState{}
	if parent != nil {
		st.Serial = parent.serial
	}
	t.mu.Lock()
	t.live++
	t.mu.Unlock()
	return st, nil
}

// CSSOnline implements Subsys.
func (t *TestController) CSSOnline(_ *ns.Ctx, css *CSS) error {
	return t.record("css_online", func() string { return cssWhere(css) })
}

// CSSOffline implements Subsys.
func (t *TestController) CSSOffline(_ *ns.Ctx, css *CSS) {
	_ = t.record("css_offline", func() string { return cssWhere(css) })
}

// CSSReleased implements Subsys.
func (t *TestController) CSSReleased(_ *ns.Ctx, css *CSS) {
	_ = t.record("css_released", func() string { return cssWhere(css) })
}

// CSSFree implements Subsys.
func (t *TestController) CSSFree(_ *ns.Ctx, css *CSS) {
	_ = t.record("css_free", func() string { return cssWhere(css) })
	if st, ok := css.State().(*TestState); ok {
		t.mu.Lock()
		if st.Freed {
			t.mu.Unlock()
			panic("cgroup: TestController state freed twice")
		}
		st.Freed = true
		t.live--
		t.mu.Unlock()
	}
}

// CanFork implements Subsys.
func (t *TestController) CanFork(_ *ns.Ctx, _ Member, cset *CSSSet) error {
	return t.record("can_fork", func() string { return cssWhere(cset.subsys[cset.g.SubsysID(t.info.Name)]) })
}

// CancelFork implements Subsys.
func (t *TestController) CancelFork(*ns.Ctx, Member, *CSSSet) { _ = t.record("cancel_fork", nil) }

// Fork implements Subsys.
func (t *TestController) Fork(*ns.Ctx, Member) { _ = t.record("fork", nil) }

// moves lists "src->dst" per task before the commit, "dst" after it.
func (t *TestController) moves(ts *TaskSet, src bool) string {
	var b []string
	ts.ForEach(func(m Member, dst *CSS) bool {
		s := cssWhere(dst)
		if src {
			s = cssWhere(TaskCSS(m, ts.ssid)) + "->" + s
		}
		b = append(b, s)
		return true
	})
	return strconv.Itoa(ts.Len()) + " " + strings.Join(b, ",")
}

// CanAttach implements Subsys.
func (t *TestController) CanAttach(_ *ns.Ctx, ts *TaskSet) error {
	return t.record("can_attach", func() string { return t.moves(ts, true) })
}

// CancelAttach implements Subsys.
func (t *TestController) CancelAttach(_ *ns.Ctx, ts *TaskSet) {
	_ = t.record("cancel_attach", func() string { return t.moves(ts, true) })
}

// Attach implements Subsys.
func (t *TestController) Attach(_ *ns.Ctx, ts *TaskSet) {
	_ = t.record("attach", func() string { return t.moves(ts, false) })
}

// Exit implements Subsys.
func (t *TestController) Exit(*ns.Ctx, Member) { _ = t.record("exit", nil) }

// Free implements Subsys.
func (t *TestController) Free(*ns.Ctx, Member) { _ = t.record("free", nil) }
