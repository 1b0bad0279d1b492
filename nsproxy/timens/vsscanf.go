package timens

import "github.com/kernsim/kernsim/internal/klib"

// scanLine mirrors sscanf(line, "%9s %lld %lu", clock, &tv_sec, &tv_nsec) as
// the kernel's vsscanf (lib/vsprintf.c) runs it, returning the three values
// and how many conversions succeeded (vsscanf's num). line holds no NUL.
//
//   - vsscanf stops as soon as the input is exhausted at a conversion, so an
//     empty line converts nothing;
//   - %9s skips white space, then copies at most 9 bytes up to the next white
//     space; longer words are cut, and the rest is left for the next field
//     ("monotonic5 6" reads clock "monotonic", 5 s, 6 ns);
//   - a space in the format skips any amount of white space, none included;
//   - %lld skips white space, then needs a digit, or '-' and a digit (no '+'),
//     and reads decimal digits with simple_strntoll: the magnitude wraps
//     modulo 2^64 (_parse_integer_limit only flags the overflow, which
//     simple_strntoull ignores) and is negated as a long long;
//   - %lu needs a digit (no sign at all), wraps the same way, and is stored
//     into tv_nsec, a signed long, so values of 2^63 and above read negative
//     (18446744073709551615 is -1);
//   - whatever follows the third field is ignored.
//
// White space is the kernel's isspace: \t \n \v \f \r, space and 0xA0.
func scanLine(s []byte) (clock []byte, sec, nsec int64, conv int) {
	i := 0
	// %9s
	if i >= len(s) {
		return nil, 0, 0, 0
	}
	i = klib.SkipSpaces(s, i)
	start := i
	for i < len(s) && !klib.IsSpace(s[i]) && i-start < 9 {
		i++
	}
	clock = s[start:i]
	conv = 1
	// ' '
	i = klib.SkipSpaces(s, i)
	// %lld
	v, i, ok := scanInt(s, i, true)
	if !ok {
		return clock, 0, 0, conv
	}
	sec, conv = int64(v), 2
	// ' '
	i = klib.SkipSpaces(s, i)
	// %lu
	v, _, ok = scanInt(s, i, false)
	if !ok {
		return clock, sec, 0, conv
	}
	return clock, sec, int64(v), 3
}

// scanInt mirrors one decimal integer conversion of vsscanf from the point
// where it checks the input: the input must not be exhausted, white space is
// skipped, then a digit (or, when signed, '-' and a digit) must follow. The
// value is simple_strntoll's or simple_strntoull's: digits accumulated modulo
// 2^64, negated when signed and after '-'. It returns the value, the index
// after the digits, and whether the conversion happened.
func scanInt(s []byte, i int, signed bool) (uint64, int, bool) {
	if i >= len(s) {
		return 0, i, false
	}
	i = klib.SkipSpaces(s, i)
	neg := signed && klib.At(s, i) == '-'
	digit := klib.At(s, i)
	if neg {
		digit = klib.At(s, i+1)
		i++
	}
	if !klib.IsDigit(digit) {
		return 0, i, false
	}
	var v uint64
	for ; i < len(s) && klib.IsDigit(s[i]); i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	if neg {
		v = -v
	}
	return v, i, true
}
