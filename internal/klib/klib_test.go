package klib

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsSpaceAndStrip(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0xA0
		assert.Equal(t, want, IsSpace(byte(c)), "%#x", c)
	}
	assert.Equal(t, "a b", Strstrip(" \t a b\n\xa0"))
	assert.Equal(t, []byte("x"), Strstrip([]byte("x\n")))
	assert.Equal(t, "", Strstrip(" \n "))
	assert.Equal(t, 3, SkipSpaces("  \tx", 0))
	assert.Equal(t, 2, SkipSpaces("ab", 2))
	assert.Equal(t, byte(0), At("ab", 2))
}

func TestSimpleStrtoull(t *testing.T) {
	for _, tc := range []struct {
		in       string
		v        uint64
		n        int
		overflow bool
	}{
		{"", 0, 0, false},
		{"123abc", 123, 3, false},
		{"0x1fz", 31, 4, false},
		{"0X1F", 31, 4, false},
		{"0x", 0, 1, false}, // no hex digit after: octal "0", "x" left
		{"0xg", 0, 1, false},
		{"0755", 0755, 4, false},
		{"08", 0, 1, false}, // 8 is no octal digit
		{"18446744073709551615", 18446744073709551615, 20, false},
		{"18446744073709551616", 0, 20, true}, // wraps, flagged
		{"99999999999999999999", 7766279631452241919, 20, true},
		{"-1", 0, 0, false},
	} {
		v, n, of := SimpleStrtoull(tc.in)
		assert.Equal(t, tc.v, v, tc.in)
		assert.Equal(t, tc.n, n, tc.in)
		assert.Equal(t, tc.overflow, of, tc.in)
		bv, bn, bof := SimpleStrtoull([]byte(tc.in))
		assert.Equal(t, []any{v, n, of}, []any{bv, bn, bof}, "the same on bytes: %q", tc.in)
	}
	v, n, _ := ParseInteger("129", 10)
	assert.Equal(t, []any{uint64(129), 3}, []any{v, n})
	v, n, _ = ParseInteger("129", 2)
	assert.Equal(t, []any{uint64(1), 1}, []any{v, n})
}
