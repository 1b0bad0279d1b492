package realkernel

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperSource is the C helper; go:embed requires a variable, but nothing
// ever writes to it.
//
//go:embed helper.c
var helperSource string

// Steps added for pid namespaces (doc.go lists the others):
//
//	getpid <task>                         pid=<n>
//	gettid <task>                         tid=<n>
//	getppid <task>                        ppid=<n>
//	    the number in the task's own pid namespace (getppid: 0 when the
//	    parent is outside it). When that namespace is the script's
//	    outermost one (the helper's), the number depends on the machine
//	    and the line ends in " (outer)"; numbers inside pid namespaces the
//	    script created are deterministic.
//	same_ns2 <task> <a> <nsA> <b> <nsB>   same | different | errno
//	    same_ns for two different links, e.g. a task's pid_for_children
//	    and another's pid
//	exit_async <task> <code>              ok
//	    exit without waiting for the exit to finish: a pid-namespace init
//	    whose namespace still holds a task that a process outside must
//	    reap sleeps in zap_pid_ns_processes until it is reaped, so a
//	    plain exit step would time out. A later step must not depend on
//	    how far that exit has got (wait for one of the killed tasks first).
//
// wait passes the child's number as the waiter sees it: the controller reads
// both tasks' NSpid lines from /proc/<pid>/status and checks with
// NS_GET_PARENT that the child's pid namespace lies below the waiter's; a
// child that the waiter cannot see, or that is gone, is waited for as
// INT_MAX, which names no task (ECHILD). For the creator this is the pid
// clone() returned, which the controller cross-checks.

const (
	// scriptTimeout bounds one RunScript call. The helper itself gives up
	// on a step after 5 s, so this only fires if the helper misbehaves.
	scriptTimeout = 30 * time.Second
	// waitDelay is how long we wait after SIGTERM before SIGKILL, and for
	// output pipes to close after the helper exited.
	waitDelay = 5 * time.Second
	// buildTimeout bounds the gcc run.
	buildTimeout = 2 * time.Minute
)

// BenchOps returns the operations Helper.Bench accepts.
func BenchOps() []string {
	return []string{
		"fork_exit_wait",
		"clone_exit_wait",
		"clone_newuts_exit_wait",
		"unshare_uts",
		"setns_uts",
		"sethostname",
		"uname",
		"gethostname",
	}
}

// Available reports whether differential tests can run: Linux, euid 0, gcc
// on PATH, and unshare(CLONE_NEWUTS) permitted in a child. why explains a
// "no".
func Available() (ok bool, why string) {
	if runtime.GOOS != "linux" {
		return false, "realkernel: needs Linux, running on " + runtime.GOOS
	}
	if os.Geteuid() != 0 {
		return false, "realkernel: needs root (euid 0) to create namespaces"
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		return false, "realkernel: gcc not found on PATH: " + err.Error()
	}
	probe, err := exec.LookPath("true")
	if err != nil {
		return false, "realkernel: no 'true' binary to probe CLONE_NEWUTS with: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, probe)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}
	if err := cmd.Run(); err != nil {
		return false, "realkernel: cannot start a child in a new UTS namespace: " + err.Error()
	}
	return true, ""
}

// Helper is a built helper binary.
type Helper struct{ Path string }

// Build compiles the embedded helper.c into dir.
func Build(dir string) (*Helper, error) {
	src := filepath.Join(dir, "helper.c")
	bin := filepath.Join(dir, "kernsim-realkernel-helper")
	if err := os.WriteFile(src, []byte(helperSource), 0o644); err != nil {
		return nil, fmt.Errorf("realkernel: writing helper source: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "gcc", "-O2", "-Wall", "-o", bin, src).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("realkernel: gcc failed: %w\n%s", err, out)
	}
	return &Helper{Path: bin}, nil
}

// command prepares the helper in a fresh UTS namespace (the helper also
// unshares one itself). On timeout the helper gets SIGTERM, which makes it
// kill and reap its tasks, and SIGKILL waitDelay later.
func (h *Helper) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, h.Path, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = waitDelay
	return cmd
}

// stepCount returns how many result lines script should produce, using the
// helper's rules: '#' at the start of a word starts a comment, and lines
// without words are skipped.
func stepCount(script string) int {
	n := 0
	for _, line := range strings.Split(script, "\n") {
		for i := 0; i < len(line); i++ {
			if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
				line = line[:i]
				break
			}
		}
		if len(strings.Fields(line)) > 0 {
			n++
		}
	}
	return n
}

// RunScript runs a scenario and returns one result string per step
// (comments and blank lines produce none). It fails if the helper reports
// an error, exits non-zero, times out, or produces the wrong number of
// lines; the lines produced so far are returned along with the error.
func (h *Helper) RunScript(script string) ([]string, error) {
	if !strings.HasSuffix(script, "\n") {
		script += "\n"
	}
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := h.command(ctx, "script")
	cmd.Stdin = strings.NewReader(script)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	runErr := cmd.Run()

	var lines []string
	for _, l := range strings.Split(stdout.String(), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	describe := func(msg string) error {
		tail := ""
		if len(lines) > 0 {
			tail = fmt.Sprintf("; last line %q (step %d)", lines[len(lines)-1], len(lines))
		}
		if s := strings.TrimSpace(stderr.String()); s != "" {
			tail += "; stderr: " + s
		}
		return errors.New("realkernel: script " + msg + tail)
	}
	switch {
	case ctx.Err() != nil:
		return lines, describe("timed out after " + scriptTimeout.String())
	case runErr != nil:
		return lines, describe("failed: " + runErr.Error())
	case len(lines) > 0 && strings.HasPrefix(lines[len(lines)-1], "error"):
		return lines, describe("reported an error")
	}
	if want := stepCount(script); len(lines) != want {
		return lines, describe(fmt.Sprintf("produced %d result lines for %d steps", len(lines), want))
	}
	return lines, nil
}

// Bench runs op n times and returns nanoseconds per operation as the helper
// measured it (CLOCK_MONOTONIC around the loop only). See BenchOps.
func (h *Helper) Bench(op string, n int) (float64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("realkernel: bench %s: iteration count %d must be positive", op, n)
	}
	// Generous: the slowest op (fork+exit+wait) costs well under 1 ms.
	timeout := scriptTimeout + time.Duration(n)*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := h.command(ctx, "bench", op, strconv.Itoa(n))
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	out := strings.TrimSpace(stdout.String())
	if ctx.Err() != nil {
		return 0, fmt.Errorf("realkernel: bench %s timed out after %v", op, timeout)
	}
	if err != nil {
		return 0, fmt.Errorf("realkernel: bench %s: %w: %s %s", op, err, out, strings.TrimSpace(stderr.String()))
	}
	v, ok := strings.CutPrefix(out, "ns_per_op=")
	if !ok {
		return 0, fmt.Errorf("realkernel: bench %s: unexpected output %q", op, out)
	}
	ns, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("realkernel: bench %s: %w", op, err)
	}
	return ns, nil
}

// Require returns a helper built into t.TempDir(), or skips the test or
// benchmark with the reason when Available reports that the real kernel
// cannot be used. A build failure on a capable machine fails the test.
func Require(t testing.TB) *Helper {
	t.Helper()
	if ok, why := Available(); !ok {
		t.Skip("differential test against the real kernel skipped: " + why)
	}
	h, err := Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return h
}
