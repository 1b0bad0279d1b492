package cgroup

import (
	"bytes"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/uapi"
)

// Helpers that reproduce the kernel's text handling of cgroup file writes:
// kernfs_fop_write's buffer and the kstrto* family (lib/kstrtox.c, 4.19),
// over internal/klib's strstrip and _parse_integer.

// atomicWriteLen is cgroup_kf_ops.atomic_write_len (PAGE_SIZE): kernfs_fop_write
// refuses a longer write with E2BIG before any handler runs.
const atomicWriteLen = 4096

// kernfsBuf mirrors kernfs_fop_write's copy: at most atomic_write_len bytes
// (else E2BIG), NUL-terminated, then seen by the handler as a C string, so
// anything after an embedded NUL is invisible to it.
func kernfsBuf(op string, p []byte) ([]byte, error) {
	if len(p) > atomicWriteLen {
		return nil, uapi.Err(op, uapi.E2BIG, "write of more than PAGE_SIZE bytes to a cgroup file", "kernfs_fop_write")
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	return p, nil
}

// kstrtoull mirrors kstrtoull(s, 0, &res): an optional '+', then
// _parse_integer_fixup_radix (a "0x" followed by a hex digit selects base 16,
// another leading 0 base 8, else base 10), at least one digit, an optional
// single '\n', and nothing else (EINVAL); overflow of 64 bits is ERANGE.
func kstrtoull(s []byte) (uint64, uapi.Errno) {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	return kstrtoullNoSign(s)
}

// kstrtoullNoSign is _kstrtoull(s, 0, &res).
func kstrtoullNoSign(s []byte) (uint64, uapi.Errno) {
	base, prefix := klib.FixupRadix(s)
	s = s[prefix:]
	res, n, overflow := klib.ParseInteger(s, base)
	if overflow {
		return 0, uapi.ERANGE
	}
	if n == 0 {
		return 0, uapi.EINVAL
	}
	rest := s[n:]
	if len(rest) > 0 && rest[0] == '\n' {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		return 0, uapi.EINVAL
	}
	return res, 0
}

// kstrtoll mirrors kstrtoll(s, 0, &res).
func kstrtoll(s []byte) (int64, uapi.Errno) {
	if len(s) > 0 && s[0] == '-' {
		tmp, e := kstrtoullNoSign(s[1:])
		if e != 0 {
			return 0, e
		}
		if int64(-tmp) > 0 {
			return 0, uapi.ERANGE
		}
		return int64(-tmp), 0
	}
	tmp, e := kstrtoull(s)
	if e != 0 {
		return 0, e
	}
	if int64(tmp) < 0 {
		return 0, uapi.ERANGE
	}
	return int64(tmp), 0
}

// kstrtoint mirrors kstrtoint(s, 0, &res): kstrtoll, then ERANGE unless the
// value fits an int.
func kstrtoint(s []byte) (int32, uapi.Errno) {
	v, e := kstrtoll(s)
	if e != 0 {
		return 0, e
	}
	if v != int64(int32(v)) {
		return 0, uapi.ERANGE
	}
	return int32(v), 0
}
