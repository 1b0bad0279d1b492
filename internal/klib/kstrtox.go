package klib

import "math"

// FixupRadix mirrors _parse_integer_fixup_radix (lib/kstrtox.c) for base 0:
// 16 after "0x" or "0X" followed by a hex digit (the prefix is skipped: its
// length is returned), 8 after another leading 0, else 10.
func FixupRadix[S Text](s S) (base uint64, prefix int) {
	if At(s, 0) == '0' {
		if At(s, 1)|0x20 == 'x' && IsXDigit(At(s, 2)) {
			return 16, 2
		}
		return 8, 0
	}
	return 10, 0
}

// ParseInteger mirrors _parse_integer (lib/kstrtox.c): the digits of s
// below base, from the start; it returns the value (wrapping modulo 2^64 as
// the kernel's does), how many bytes were digits, and whether the value
// overflowed 64 bits (KSTRTOX_OVERFLOW).
func ParseInteger[S Text](s S, base uint64) (res uint64, n int, overflow bool) {
	for ; n < len(s); n++ {
		c := s[n]
		var v uint64
		switch lc := c | 0x20; {
		case IsDigit(c):
			v = uint64(c - '0')
		case 'a' <= lc && lc <= 'f':
			v = uint64(lc-'a') + 10
		default:
			return res, n, overflow
		}
		if v >= base {
			return res, n, overflow
		}
		if res>>60 != 0 && res > (math.MaxUint64-v)/base {
			overflow = true
		}
		res = res*base + v
	}
	return res, n, overflow
}

// SimpleStrtoull mirrors simple_strtoull(s, &end, 0) (lib/vsprintf.c): the
// radix from the prefix, then the digits; no sign, no white space. It
// returns the value (wrapped on overflow, whose flag is returned too, as
// simple_strtoull drops it), and the length of s it consumed (prefix and
// digits).
func SimpleStrtoull[S Text](s S) (v uint64, n int, overflow bool) {
	base, prefix := FixupRadix(s)
	v, n, overflow = ParseInteger(s[prefix:], base)
	return v, prefix + n, overflow
}
