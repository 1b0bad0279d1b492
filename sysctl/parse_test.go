package sysctl_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/sysctl"
	"github.com/kernsim/kernsim/uapi"
)

var (
	zero   int32 = 0
	intMax int32 = math.MaxInt32
)

// One row per rule of the parser, in each flavour where they differ
// (4.19.0's kernel/sysctl.c read for the 4.19 rows; the mainline rows
// agree with what 6.18 answers for ns_last_pid and the ipc sysctls).
func TestParseIntvec(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		in       string
		vleft    int
		conv     sysctl.Conv
		min, max *int32
		mainline bool
		n        int
		errno    uapi.Errno
		stored   []int32
	}{
		{"one value", "12", 1, sysctl.DointvecMinmax, &zero, &intMax, false, 2, 0, []int32{12}},
		{"blanks around", "  12 \n", 1, sysctl.DointvecMinmax, &zero, &intMax, false, 6, 0, []int32{12}},
		{"rest after trailing blanks left", "12 34", 1, sysctl.Dointvec, nil, nil, false, 3, 0, []int32{12}},
		{"octal and hex", "010 0x10", 2, sysctl.Dointvec, nil, nil, false, 8, 0, []int32{8, 16}},
		{"empty write", "", 1, sysctl.Dointvec, nil, nil, false, 0, 0, nil},
		{"only blanks", " \n", 1, sysctl.Dointvec, nil, nil, false, 0, uapi.EINVAL, nil},
		{"plus sign", "+5", 1, sysctl.Dointvec, nil, nil, false, 0, uapi.EINVAL, nil},
		{"trailing garbage", "5x", 1, sysctl.Dointvec, nil, nil, false, 0, uapi.EINVAL, nil},
		{"21 characters", "000000000000000000001", 1, sysctl.Dointvec, nil, nil, false, 0, uapi.EINVAL, nil},
		{"below min", "-1", 1, sysctl.DointvecMinmax, &zero, &intMax, false, 0, uapi.EINVAL, nil},
		{"4.19 minmax cuts to an int", "4294967301", 1, sysctl.DointvecMinmax, &zero, &intMax, false, 10, 0, []int32{5}},
		{"mainline minmax refuses", "4294967301", 1, sysctl.DointvecMinmax, &zero, &intMax, true, 0, uapi.EINVAL, nil},
		{"plain dointvec refuses in 4.19", "4294967301", 1, sysctl.Dointvec, nil, nil, false, 0, uapi.EINVAL, nil},
		{"INT_MIN fits", "-2147483648", 1, sysctl.Dointvec, nil, nil, true, 11, 0, []int32{math.MinInt32}},
		{"4.19 strtoul wraps", "0x10000000000000005", 1, sysctl.DointvecMinmax, &zero, &intMax, false, 19, 0, []int32{5}},
		{"mainline strtoul refuses overflow", "0x10000000000000005", 1, sysctl.DointvecMinmax, &zero, &intMax, true, 0, uapi.EINVAL, nil},
		{"a bad second value keeps the first", "1 x", 2, sysctl.Dointvec, nil, nil, false, 2, uapi.EINVAL, []int32{1}},
	} {
		var got []int32
		n, errno := sysctl.ParseIntvec([]byte(c.in), func(_ int, v int32) { got = append(got, v) }, c.vleft, c.conv, c.min, c.max, c.mainline)
		require.Equal(t, c.errno, errno, c.name)
		require.Equal(t, c.n, n, c.name)
		require.Equal(t, c.stored, got, c.name)
	}
}

// unsigned longs: a negative value is skipped in 4.19.13 and refused in
// mainline.
func TestParseUlongvec(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in       string
		mainline bool
		errno    uapi.Errno
		stored   []uint64
	}{
		{"18446744073709551615", false, 0, []uint64{math.MaxUint64}},
		{"-1", false, 0, nil},
		{"-1", true, uapi.EINVAL, nil},
		{"18446744073709551616", true, uapi.EINVAL, nil},
	} {
		var got []uint64
		_, errno := sysctl.ParseUlongvec([]byte(c.in), func(_ int, v uint64) { got = append(got, v) }, 1, c.mainline)
		require.Equal(t, c.errno, errno, c.in)
		require.Equal(t, c.stored, got, c.in)
	}
}

// The parser never panics, never reports more than it was given, and
// stores at most vleft values.
func FuzzParseIntvec(f *testing.F) {
	for _, s := range []string{"12", " 1 2 3\n", "-", "0x", "99999999999999999999999", "\xa0 5"} {
		f.Add([]byte(s), uint8(3), true)
	}
	f.Fuzz(func(t *testing.T, p []byte, vleft uint8, mainline bool) {
		stored := 0
		n, _ := sysctl.ParseIntvec(p, func(int, int32) { stored++ }, int(vleft%8), sysctl.DointvecMinmax, &zero, &intMax, mainline)
		if n < 0 || n > len(p) || stored > int(vleft%8) {
			t.Fatalf("n=%d of %d bytes, %d stored for vleft %d", n, len(p), stored, vleft%8)
		}
	})
}

// A write of "4294967301" to a proc_dointvec_minmax file, in each flavour.
func ExampleParseIntvec() {
	for _, mainline := range []bool{false, true} {
		var v int32
		n, errno := sysctl.ParseIntvec([]byte("4294967301\n"), func(_ int, x int32) { v = x }, 1, sysctl.DointvecMinmax, &zero, &intMax, mainline)
		fmt.Println(n, errno == 0, v)
	}
	// Output:
	// 11 true 5
	// 0 false 0
}
