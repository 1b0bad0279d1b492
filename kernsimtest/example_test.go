package kernsimtest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/uapi"
)

// An exercise: an unprivileged user cannot set the host name, but can in a
// user namespace of its own, and the host's name is untouched.
func TestExercise(t *testing.T) {
	k := kernsimtest.Boot(t)
	u := kernsimtest.User(t, k.Init(), 1000)
	if err := u.Sethostname("mine"); !errors.Is(err, uapi.EPERM) {
		t.Fatalf("sethostname as uid 1000: %v, want EPERM", err)
	}
	c := kernsimtest.Fork(t, u, uapi.CLONE_NEWUSER|uapi.CLONE_NEWUTS)
	if err := c.Sethostname("mine"); err != nil {
		t.Fatal(err)
	}
	if got := k.Init().Hostname(); got != "(none)" {
		t.Fatalf("host name %q changed", got)
	}
}

// Boot's end-of-test checks catch a leaked reference: an extra get on a
// namespace makes Check fail and the namespace outlive PowerOff.
func TestBootReportsLeaks(t *testing.T) {
	ft := &fakeT{TB: t}
	k := kernsimtest.Boot(ft)
	c := kernsimtest.Fork(t, k.Init(), uapi.CLONE_NEWUTS)
	c.NSProxy().UTS().Get() // a reference nobody will put
	ft.runCleanups()
	if !ft.failed {
		t.Fatal("a leaked uts_namespace went unreported")
	}
	joined := fmt.Sprint(ft.msgs)
	for _, want := range []string{"uts:[", "uts_namespace"} {
		if !strings.Contains(joined, want) {
			t.Errorf("report %q does not mention %q", joined, want)
		}
	}
}

// A clean kernel passes the same checks.
func TestBootCleanKernel(t *testing.T) {
	ft := &fakeT{TB: t}
	k := kernsimtest.Boot(ft)
	if _, err := k.Init().Open("/proc/self/ns/uts"); err != nil { // left open: PowerOff closes it
		t.Fatal(err)
	}
	ft.runCleanups()
	if ft.failed {
		t.Fatalf("a clean kernel failed its end-of-test checks: %v", ft.msgs)
	}
}

type fakeT struct {
	testing.TB
	cleanups []func()
	failed   bool
	msgs     []string
}

func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Errorf(format string, a ...any) {
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, a...))
}
func (f *fakeT) Helper() {}
func (f *fakeT) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}
