package timens_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/uapi"
)

// FuzzWriteOffsets feeds arbitrary bytes to a timens_offsets write of a fresh
// namespace. It must never panic; a refused write must change nothing and
// fail with EINVAL or ERANGE (the only errors the text alone can cause); an
// accepted one must consume a prefix of the input ending at a line boundary
// (or all of it), and ShowOffsets must then show exactly the stored values,
// in the kernel's format. Written back to another fresh namespace, that text
// is accepted and gives the same offsets, except when a stored nanosecond
// value is negative: the kernel shows it with a '-' that "%lu" refuses, so
// the text is refused with EINVAL.
func FuzzWriteOffsets(f *testing.F) {
	for _, s := range []string{
		"", "\n", "monotonic 1 2", "boottime 3 4\n", "1 5 6\n7 -3 5\n", "monotonic5 6",
		"monotonic 0 18446744073709551615", "monotonic 18446744073709551617 0",
		"monotonic 1 2\nboottime 3 4\nmonotonic 5 6\n", "monotonic 1 2\x00\nx", "\xa0boottime\xa01\xa02",
		"monotonic -6 0", "boottime 4611686013 999999999", "realtime 1 0", "monotonic 1 0\n\n",
		"monotonic +1 0", "7 -9223372036 0", "1 9223372037 0", "monotonic 1 1000000000",
	} {
		f.Add([]byte(s))
	}
	fx := newFix(f) // one Kernel per worker; every input gets fresh namespaces
	f.Fuzz(func(t *testing.T, data []byte) {
		n := fx.newNS(t, fx.users.Init)
		defer n.Put(fx.ctx)
		before := n.Offsets()
		c, err := timens.SetOffsets(fx.ctx, n, &fx.root, data)
		if err != nil {
			if e := uapi.ErrnoOf(err); e != uapi.EINVAL && e != uapi.ERANGE {
				t.Fatalf("%q: unexpected error %v", data, err)
			}
			if len(data) >= timens.PAGE_SIZE && !errors.Is(err, uapi.EINVAL) {
				t.Fatalf("%q: %d bytes must be EINVAL", data, len(data))
			}
			if c != 0 || n.Offsets() != before {
				t.Fatalf("%q: refused write changed something (count %d)", data, c)
			}
			return
		}
		if c <= 0 || c > len(data) || (c < len(data) && data[c-1] != '\n') {
			t.Fatalf("%q: consumed %d bytes", data, c)
		}
		o := n.Offsets()
		want := "monotonic  " + pad(strconv.FormatInt(o.Monotonic.Sec, 10), 10) + " " + pad(strconv.FormatInt(o.Monotonic.Nsec, 10), 9) + "\n" +
			"boottime   " + pad(strconv.FormatInt(o.Boottime.Sec, 10), 10) + " " + pad(strconv.FormatInt(o.Boottime.Nsec, 10), 9) + "\n"
		shown := timens.ShowOffsets(n)
		if shown != want {
			t.Fatalf("%q: shows %q, want %q", data, shown, want)
		}
		for _, v := range []timens.Timespec64{o.Monotonic, o.Boottime} {
			if v.Nsec >= timens.NSEC_PER_SEC {
				t.Fatalf("%q: stored nanoseconds %d >= NSEC_PER_SEC", data, v.Nsec)
			}
		}

		m := fx.newNS(t, fx.users.Init)
		defer m.Put(fx.ctx)
		_, err = timens.SetOffsets(fx.ctx, m, &fx.root, []byte(shown))
		if o.Monotonic.Nsec < 0 || o.Boottime.Nsec < 0 {
			if !errors.Is(err, uapi.EINVAL) {
				t.Fatalf("%q: shown %q with negative nanoseconds, written back: %v", data, shown, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: shown %q, written back: %v", data, shown, err)
		}
		if m.Offsets() != o || timens.ShowOffsets(m) != shown {
			t.Fatalf("%q: round trip gave %v, want %v", data, m.Offsets(), o)
		}
	})
}

func pad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat(" ", width-len(s)) + s
}
