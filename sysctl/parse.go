package sysctl

import (
	"math"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/uapi"
)

// Constants of the sysctl number parser (kernel/sysctl.c).
const (
	maxWrite  = 4096 - 1 // a write is cut to PAGE_SIZE-1 bytes (memdup_user_nul)
	tmpBufLen = 22       // TMPBUFLEN: proc_get_long looks at 21 bytes at most
)

// Conv is the conversion a handler applies to each parsed value.
type Conv int

// The integer conversions.
const (
	// Dointvec is do_proc_dointvec_conv (proc_dointvec): a magnitude above
	// INT_MAX (INT_MAX+1 when negative) is EINVAL in both flavours.
	Dointvec Conv = iota
	// DointvecMinmax is do_proc_dointvec_minmax_conv (proc_dointvec_minmax):
	// 4.19.13 cuts the value to an int before the range check; mainline
	// refuses what does not fit first.
	DointvecMinmax
)

// ParseIntvec mirrors __do_proc_dointvec writing a table of vleft ints at
// offset 0 (kernel/sysctl.c):
//
//   - an empty write stores nothing and reports 0;
//   - at most PAGE_SIZE-1 bytes are looked at;
//   - for each value: white space is skipped (isspace: \t \n \v \f \r,
//     space and 0xa0); running out of input ends the loop; proc_get_long
//     reads the number (EINVAL on a bad one); the conversion (see Conv)
//     and a value outside [min, max] may refuse it (EINVAL); the value is
//     stored at once;
//   - after the loop, unless it failed, trailing white space is consumed;
//   - no value parsed at all is EINVAL (or the error that stopped it);
//     otherwise the error, if any, is returned with the earlier values
//     kept, and the count reported is the length minus what was left.
//
// conv picks the conversion (see Conv); min and max are extra1 and extra2.
// store(i, v) stores value i. It returns the count and the errno (0 on
// success).
func ParseIntvec(p []byte, store func(i int, v int32), vleft int, conv Conv, min, max *int32, mainline bool) (int, uapi.Errno) {
	lenp := len(p)
	if lenp == 0 {
		return 0, 0
	}
	left := lenp
	if left > maxWrite {
		left = maxWrite
	}
	buf := make([]byte, left+1) // memdup_user_nul
	copy(buf, p[:left])
	pos, first := 0, true
	var err uapi.Errno
	for i := 0; left > 0 && vleft > 0; i++ {
		vleft--
		k := klib.SkipSpaces(buf, pos) - pos
		left -= k
		pos += k
		if left == 0 {
			break
		}
		lval, neg, used, ok := procGetLong(buf[pos:], left, mainline)
		if !ok {
			err = uapi.EINVAL
			break
		}
		pos += used
		left -= used
		var v int32
		switch {
		case conv == DointvecMinmax && !mainline:
			// 4.19.13: int val = *negp ? -*lvalp : *lvalp;
			if neg {
				lval = -lval
			}
			v = int32(uint32(lval))
		case neg && lval > math.MaxInt32+1, !neg && lval > math.MaxInt32:
			err = uapi.EINVAL
		case neg:
			v = int32(-int64(lval))
		default:
			v = int32(lval)
		}
		if err != 0 {
			break
		}
		if (min != nil && *min > v) || (max != nil && *max < v) {
			err = uapi.EINVAL
			break
		}
		store(i, v)
		first = false
	}
	if err == 0 && left > 0 {
		left -= klib.SkipSpaces(buf, pos) - pos
	}
	if first {
		if err == 0 {
			err = uapi.EINVAL
		}
		return 0, err
	}
	return lenp - left, err
}

// ParseUlongvec mirrors __do_proc_doulongvec_minmax writing a table of vleft
// unsigned longs without extra1/extra2 at offset 0. 4.19: a negative number
// is skipped without error (it still counts as a value parsed). Mainline:
// a negative number, like an overflowing one, is EINVAL. Otherwise as
// ParseIntvec.
func ParseUlongvec(p []byte, store func(i int, v uint64), vleft int, mainline bool) (int, uapi.Errno) {
	lenp := len(p)
	if lenp == 0 {
		return 0, 0
	}
	left := lenp
	if left > maxWrite {
		left = maxWrite
	}
	buf := make([]byte, left+1)
	copy(buf, p[:left])
	pos, first := 0, true
	var err uapi.Errno
	for i := 0; left > 0 && vleft > 0; i++ {
		vleft--
		k := klib.SkipSpaces(buf, pos) - pos
		left -= k
		pos += k
		if left == 0 {
			break
		}
		val, neg, used, ok := procGetLong(buf[pos:], left, mainline)
		if !ok || (neg && mainline) {
			err = uapi.EINVAL
			break
		}
		pos += used
		left -= used
		if !neg {
			store(i, val)
		}
		first = false
	}
	if err == 0 {
		left -= klib.SkipSpaces(buf, pos) - pos
	}
	if first {
		if err == 0 {
			err = uapi.EINVAL
		}
		return 0, err
	}
	return lenp - left, err
}

// procGetLong mirrors proc_get_long (kernel/sysctl.c) with the trailers
// ' ', '\t' and '\n' on b, the rest of a NUL-terminated buffer, of which
// size bytes are input: an optional '-' (only if more follows), a digit,
// then simple_strtoul(p, &p, 0) over a copy of at most 21 bytes (mainline:
// strtoul_lenient, which refuses an overflow); 21 bytes used, or a byte
// after the number that is not a trailer, is an error. It returns the
// value, the sign, the bytes used and false on error.
func procGetLong(b []byte, size int, mainline bool) (uint64, bool, int, bool) {
	if size == 0 {
		return 0, false, 0, false
	}
	l := min(size, tmpBufLen-1)
	tmp := make([]byte, l+1)
	copy(tmp, b[:l])
	j, neg := 0, false
	if tmp[0] == '-' && size > 1 {
		neg = true
		j++
	}
	if !klib.IsDigit(tmp[j]) {
		return 0, false, 0, false
	}
	val, n, overflow := klib.SimpleStrtoull(tmp[j:])
	j += n
	if overflow && mainline {
		return 0, false, 0, false
	}
	if j == tmpBufLen-1 {
		return 0, false, 0, false
	}
	if j < size && tmp[j] != ' ' && tmp[j] != '\t' && tmp[j] != '\n' {
		return 0, false, 0, false
	}
	return val, neg, j, true
}
