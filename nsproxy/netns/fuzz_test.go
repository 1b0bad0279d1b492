package netns_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// validName is dev_valid_name restated from its definition: 1 to 15 bytes,
// not "." or "..", none of '/', ':', the C-locale white space or 0xA0.
func validName(s string) bool {
	if s == "" || len(s) > 15 || s == "." || s == ".." {
		return false
	}
	return !strings.ContainsAny(s, "/: \t\n\v\f\r") && !strings.Contains(s, "\xa0")
}

// FuzzLinkNames feeds user-written names through the name parser
// (IFLA_IFNAME, dev_valid_name, "%d" templates) by adding a dummy device and
// renaming it, and checks the outcome against the rules restated
// independently: errno by class, unchanged state on failure, a valid unique
// name on success that is the input or the input's template filled with a
// unit.
func FuzzLinkNames(f *testing.F) {
	for _, s := range []string{"eth0", "", "a%d", "a%dz", "%d", "a%s", "a/b", "..", "x\x00y", "0123456789abcdef",
		"abcdefghijklm%d", "a\xa0", "lo", "dummy%d", "-1", "a%d%d", "é%d"} {
		f.Add(s, "b%d")
	}
	f.Fuzz(func(t *testing.T, name, rename string) {
		fx := newFix(t, refcount.Linux419)
		n := fx.newNS(t)
		defer n.Put(fx.ctx)
		must(netns.LinkAdd(fx.ctx, n, fx.root, "dummy", "taken", "", nil))
		must(netns.LinkAdd(fx.ctx, n, fx.root, "dummy", "a0", "", nil))
		got := check(t, fx, n, name, "", func() error { return netns.LinkAdd(fx.ctx, n, fx.root, "dummy", name, "", nil) })
		if got == "" {
			got = "taken"
		}
		check(t, fx, n, rename, got, func() error { return netns.LinkRename(fx.ctx, n, fx.root, got, rename) })
	})
}

// check runs op, which names a device (a new one, or old renamed) after in,
// and returns the device's resulting name ("" if op failed).
func check(t *testing.T, fx *fix, n *netns.Namespace, in, old string, op func() error) string {
	before, beforeNames := fx.state(n), names(n)
	err := op()
	c := in
	if i := strings.IndexByte(c, 0); i >= 0 {
		c = c[:i]
	}
	if err != nil {
		if fx.state(n) != before {
			t.Fatalf("%q: failed (%v) but changed state", in, err)
		}
		switch e := uapi.ErrnoOf(err); {
		case len(in) > 15:
			if e != uapi.ERANGE {
				t.Fatalf("%q: %v, want ERANGE", in, err)
			}
		case e == uapi.EINVAL:
			if validName(c) && (strings.Count(c, "%") == 0 || strings.Count(c, "%") == 1 && strings.Contains(c, "%d")) {
				t.Fatalf("%q: EINVAL for a valid name", in)
			}
		case e == uapi.EEXIST:
			if !slices.Contains(beforeNames, c) {
				t.Fatalf("%q: EEXIST but no such device in %v", in, beforeNames)
			}
		case e == uapi.ENFILE:
			if !strings.Contains(c, "%d") {
				t.Fatalf("%q: ENFILE without a template", in)
			}
		default:
			t.Fatalf("%q: unexpected %v", in, err)
		}
		return ""
	}
	if len(in) > 15 {
		t.Fatalf("%q: accepted a name over 15 bytes", in)
	}
	after := names(n)
	var got string
	if old == "" {
		for _, a := range after {
			if !slices.Contains(beforeNames, a) {
				got = a
			}
		}
	} else {
		got = after[slices.Index(beforeNames, old)]
		if c == "" || c == old {
			if !slices.Equal(after, beforeNames) {
				t.Fatalf("%q: no-op rename changed %v to %v", in, beforeNames, after)
			}
			return old
		}
	}
	if got == "" || !validName(got) {
		t.Fatalf("%q: resulting name %q (%v -> %v)", in, got, beforeNames, after)
	}
	seen := map[string]bool{}
	for _, a := range after {
		if seen[a] {
			t.Fatalf("%q: duplicate %q in %v", in, a, after)
		}
		seen[a] = true
	}
	tmpl := c
	if c == "" {
		tmpl = "dummy%d"
	}
	if p := strings.Index(tmpl, "%d"); p >= 0 {
		if !strings.HasPrefix(got, tmpl[:p]) {
			t.Fatalf("%q: %q does not follow the template", in, got)
		}
		rest := strings.TrimPrefix(got, tmpl[:p])
		ok := false
		for u := 0; u <= len(rest) && !ok; u++ {
			if v, err := strconv.Atoi(rest[:u]); err == nil && v >= 0 && strconv.Itoa(v) == rest[:u] {
				full := tmpl[:p] + rest[:u] + tmpl[p+2:]
				ok = full == got || len(full) > 15 && full[:15] == got
			}
		}
		if !ok {
			t.Fatalf("%q: %q is not the template filled with a unit", in, got)
		}
	} else if got != c {
		t.Fatalf("%q: got %q", in, got)
	}
	return got
}
