package memcg

import (
	"github.com/kernsim/kernsim/uapi"
)

// SimpleStrtoull mirrors simple_strtoull(s, &end, 0) (lib/vsprintf.c with
// _parse_integer_fixup_radix and _parse_integer, lib/kstrtox.c): base 16
// after "0x" or "0X" followed by a hex digit (the prefix skipped), base 8
// after any other leading 0, else base 10; digits are taken while they are
// below the base, with no sign and no whitespace, and the value wraps
// modulo 2^64 on overflow (the overflow flag is dropped). It returns the
// value and the unparsed rest.
func SimpleStrtoull(s string) (uint64, string) {
	base := uint64(10)
	if len(s) > 0 && s[0] == '0' {
		if len(s) > 2 && (s[1] == 'x' || s[1] == 'X') && hexDigit(s[2]) < 16 {
			base = 16
			s = s[2:]
		} else {
			base = 8
		}
	}
	var v uint64
	i := 0
	for ; i < len(s); i++ {
		d := hexDigit(s[i])
		if d >= base {
			break
		}
		v = v*base + d
	}
	return v, s[i:]
}

// hexDigit returns the value of a hex digit, or 16 for anything else.
func hexDigit(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c >= 'a' && c <= 'f':
		return uint64(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return uint64(c-'A') + 10
	}
	return 16
}

// Memparse mirrors memparse (lib/cmdline.c): SimpleStrtoull, then one
// optional suffix letter, either case, each step a shift left by 10 that
// wraps: K, M, G, T, P, E. It returns the bytes and the unparsed rest.
func Memparse(s string) (uint64, string) {
	v, rest := SimpleStrtoull(s)
	if rest == "" {
		return v, rest
	}
	shift := 0
	switch rest[0] {
	case 'E', 'e':
		shift = 60
	case 'P', 'p':
		shift = 50
	case 'T', 't':
		shift = 40
	case 'G', 'g':
		shift = 30
	case 'M', 'm':
		shift = 20
	case 'K', 'k':
		shift = 10
	default:
		return v, rest
	}
	return v << shift, rest[1:]
}

// PageCounterMemparse mirrors page_counter_memparse (mm/page_counter.c):
// buf equal to maxstr ("-1" for v1 files, "max" for v2) is
// PAGE_COUNTER_MAX; otherwise memparse must consume all of buf (EINVAL if
// anything is left) and the bytes are rounded down to pages and capped at
// PAGE_COUNTER_MAX. The caller has stripped buf (strstrip), as the
// memory.* write handlers do.
func PageCounterMemparse(buf, maxstr string) (uint64, error) {
	if buf == maxstr {
		return PAGE_COUNTER_MAX, nil
	}
	bytes, rest := Memparse(buf)
	if rest != "" {
		return 0, uapi.Err("write", uapi.EINVAL, "not a size: "+buf, "page_counter_memparse")
	}
	return min(bytes/PAGE_SIZE, PAGE_COUNTER_MAX), nil
}
