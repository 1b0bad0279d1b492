package klib

// Text is what the helpers read: a string or a byte slice.
type Text interface{ ~string | ~[]byte }

// At returns s[i], or NUL past the end (the C string's terminator).
func At[S Text](s S, i int) byte {
	if i >= 0 && i < len(s) {
		return s[i]
	}
	return 0
}

// IsSpace mirrors isspace over lib/ctype.c's _ctype table (the _S class):
// \t \n \v \f \r, space, and 0xA0 (Latin-1 no-break space).
func IsSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' || c == 0xA0 }

// IsDigit mirrors isdigit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// IsXDigit mirrors isxdigit.
func IsXDigit(c byte) bool { return IsDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// SkipSpaces mirrors skip_spaces (lib/string.c) from s[i]: the index of the
// first byte at or after i that is not white space (len(s) at the end).
func SkipSpaces[S Text](s S, i int) int {
	for i < len(s) && IsSpace(s[i]) {
		i++
	}
	return i
}

// Strstrip mirrors strstrip/strim (lib/string.c): s without its trailing
// and leading white space.
func Strstrip[S Text](s S) S {
	e := len(s)
	for e > 0 && IsSpace(s[e-1]) {
		e--
	}
	return s[SkipSpaces(s[:e], 0):e]
}
