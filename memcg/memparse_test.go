package memcg

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/uapi"
)

// memparseCases are page_counter_memparse inputs (already stripped) with
// the pages they give, or -1 for EINVAL, for v1's "-1" and v2's "max". The
// differential test writes the same inputs to a real v1 memory cgroup.
var memparseCases = []struct {
	in     string
	v1, v2 int64 // pages; -1: EINVAL
}{
	{"-1", int64(PAGE_COUNTER_MAX), -1},
	{"max", -1, int64(PAGE_COUNTER_MAX)},
	{"", 0, 0}, // simple_strtoull parses nothing: 0, nothing left
	{"0", 0, 0},
	{"4096", 1, 1},
	{"4097", 1, 1}, // rounded down
	{"4095", 0, 0}, // rounded down
	{"1k", 0, 0},   // 1024 bytes
	{"4K", 1, 1},   // suffixes either case
	{"30M", 7680, 7680},
	{"1g", 262144, 262144},
	{"1T", 1 << 28, 1 << 28},
	{"1P", 1 << 38, 1 << 38},
	{"1E", 1 << 48, 1 << 48},
	{"8E", int64(PAGE_COUNTER_MAX), int64(PAGE_COUNTER_MAX)}, // 2^63 bytes: capped
	{"16E", 0, 0}, // 2^64 wraps to 0
	{"0x1000", 1, 1},
	{"0X2000", 2, 2},
	{"010000", 1, 1}, // octal 4096
	{"99999999999999999999", 1896064363147519, 1896064363147519}, // wraps mod 2^64
	{"18446744073709551615", int64(PAGE_COUNTER_MAX), int64(PAGE_COUNTER_MAX)},
	{"1.0", -1, -1},
	{"1xx", -1, -1},
	{"xx", -1, -1},
	{"-2", -1, -1},
	{"+4096", -1, -1},
	{"5 M", -1, -1},
	{"4KB", -1, -1}, // one suffix letter only
	{"0x", -1, -1},  // base 8 "0", then "x" is left
	{"0xg", -1, -1},
	{"08", -1, -1}, // not an octal digit
	{"MAX", -1, -1},
}

func TestPageCounterMemparse(t *testing.T) {
	for _, tc := range memparseCases {
		for _, v := range []struct {
			maxstr string
			want   int64
		}{{"-1", tc.v1}, {"max", tc.v2}} {
			got, err := PageCounterMemparse(tc.in, v.maxstr)
			if v.want < 0 {
				require.ErrorIs(t, err, uapi.EINVAL, "%q (max %q)", tc.in, v.maxstr)
				assert.Contains(t, err.Error(), "page_counter_memparse")
				continue
			}
			require.NoError(t, err, "%q (max %q)", tc.in, v.maxstr)
			assert.Equal(t, uint64(v.want), got, "%q (max %q)", tc.in, v.maxstr)
		}
	}
}

func TestMemparseRest(t *testing.T) {
	for _, tc := range []struct {
		in   string
		v    uint64
		rest string
	}{
		{"12kX", 12 << 10, "X"},
		{"0x1fM", 31 << 20, ""},
		{"077", 63, ""},
		{"9z", 9, "z"},
		{"abc", 0, "abc"},
	} {
		v, rest := Memparse(tc.in)
		assert.Equal(t, tc.v, v, tc.in)
		assert.Equal(t, tc.rest, rest, tc.in)
	}
}

// Whatever the input, PageCounterMemparse either fails with EINVAL or
// gives at most PAGE_COUNTER_MAX pages, and memparse never reads past the
// input.
func FuzzPageCounterMemparse(f *testing.F) {
	for _, tc := range memparseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, rest := Memparse(s)
		if len(rest) > len(s) || s[len(s)-len(rest):] != rest {
			t.Fatalf("rest %q is not a suffix of %q", rest, s)
		}
		for _, maxstr := range []string{"-1", "max"} {
			n, err := PageCounterMemparse(s, maxstr)
			if err != nil {
				if !errorsIsEINVAL(err) || rest == "" {
					t.Fatalf("%q: %v with rest %q", s, err, rest)
				}
				continue
			}
			if n > PAGE_COUNTER_MAX {
				t.Fatalf("%q: %d pages", s, n)
			}
		}
	})
}
