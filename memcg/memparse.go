package memcg

import (
	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/uapi"
)

// Memparse mirrors memparse (lib/cmdline.c): simple_strtoull(s, &end, 0)
// (base 16 after "0x", 8 after a leading 0, no sign, wrapping modulo 2^64),
// then one optional suffix letter, either case, each step a shift left by 10
// that wraps: K, M, G, T, P, E. It returns the bytes and the unparsed rest.
func Memparse(s string) (uint64, string) {
	v, n, _ := klib.SimpleStrtoull(s)
	rest := s[n:]
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
