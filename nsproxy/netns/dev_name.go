package netns

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/uapi"
)

// maxNetdevices is __dev_alloc_name's bitmap size: one page of bits, 8*PAGE_SIZE.
const maxNetdevices = 8 * 4096

// nlaIfname mirrors what rtnetlink does with a user's IFLA_IFNAME attribute
// (sent, as iproute2 sends it, with a terminating NUL): validate_nla
// (lib/nlattr.c) refuses it with ERANGE when, without that NUL, it is longer
// than ifla_policy's IFNAMSIZ-1; nla_strlcpy then keeps the C string, up to
// the first NUL.
func nlaIfname(op, s string) (string, error) {
	if len(s) > IFNAMSIZ-1 {
		return "", uapi.Err(op, uapi.ERANGE, "name longer than IFNAMSIZ-1 (15) bytes", "validate_nla")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return s, nil
}

// devValidName mirrors dev_valid_name (net/core/dev.c): not empty, shorter
// than IFNAMSIZ, not "." or "..", and no '/', ':' or white space. name is a
// C string: it holds no NUL.
func devValidName(name string) bool {
	if name == "" || len(name) >= IFNAMSIZ || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '/' || c == ':' || klib.IsSpace(c) {
			return false
		}
	}
	return true
}

// snprintfName mirrors snprintf(buf, IFNAMSIZ, name, i) for a name holding
// at most one "%d": the number in place of "%d", cut to IFNAMSIZ-1 bytes.
func snprintfName(name string, i int32) string {
	out := name
	if p := strings.IndexByte(name, '%'); p >= 0 {
		out = name[:p] + strconv.FormatInt(int64(i), 10) + name[p+2:]
	}
	if len(out) > IFNAMSIZ-1 {
		out = out[:IFNAMSIZ-1]
	}
	return out
}

// sscanfName mirrors sscanf(str, format, &i) (lib/vsprintf.c vsscanf) for a
// format of a literal prefix, one "%d" and a suffix: the literal prefix must
// match, then (after white space) an optional '-' and at least one digit,
// converted by simple_strtol and stored as an int. It reports whether i was
// assigned; the suffix does not matter to the count.
func sscanfName(str, format string) (int32, bool) {
	p := strings.IndexByte(format, '%')
	if !strings.HasPrefix(str, format[:p]) {
		return 0, false
	}
	s := str[p:]
	s = s[klib.SkipSpaces(s, 0):]
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	var v uint64
	for len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
		v = v*10 + uint64(s[0]-'0')
		s = s[1:]
	}
	if neg {
		v = -v
	}
	return int32(v), true // the int store truncates the long long
}

// devAllocName mirrors __dev_alloc_name (net/core/dev.c): for a name with
// one "%d", the lowest unit number whose name no device of n holds (units
// 0..32767, each name cut to 15 bytes). It returns the name, or EINVAL for
// an invalid name or a format other than one "%d", or ENFILE when the name
// it arrives at is taken (units exhausted, or digits cut off). The caller
// holds the rtnl lock.
func (n *Namespace) devAllocName(op, name string) (string, error) {
	if !devValidName(name) {
		return "", uapi.Err(op, uapi.EINVAL, "invalid device name "+strconv.Quote(name), "dev_valid_name")
	}
	var i int32
	if p := strings.IndexByte(name, '%'); p >= 0 {
		if p+1 >= len(name) || name[p+1] != 'd' || strings.IndexByte(name[p+2:], '%') >= 0 {
			return "", uapi.Err(op, uapi.EINVAL, "name format must hold one %d and no other %", "__dev_alloc_name")
		}
		inuse := &n.g.inuse // one page of bits, as get_zeroed_page gives
		clear(inuse[:])
		for _, d := range n.devs {
			u, ok := sscanfName(d.name, name)
			if !ok || u < 0 || u >= maxNetdevices {
				continue
			}
			if snprintfName(name, u) == d.name { // sscanf is not the exact inverse of printf
				inuse[u/64] |= 1 << (u % 64)
			}
		}
		i = maxNetdevices // find_first_zero_bit finds none: the size
		for w := range inuse {
			if inuse[w] != ^uint64(0) {
				i = int32(w*64 + bits.TrailingZeros64(^inuse[w]))
				break
			}
		}
	}
	buf := snprintfName(name, i)
	if n.devGetByName(buf) == nil {
		return buf, nil
	}
	return "", uapi.Err(op, uapi.ENFILE, "no free unit for "+strconv.Quote(name), "__dev_alloc_name")
}

// devGetValidName mirrors dev_get_valid_name (net/core/dev.c): a name with
// '%' goes through dev_alloc_name; a plain one must be valid (EINVAL) and
// free in n (EEXIST). On success it returns the name the device gets.
func (n *Namespace) devGetValidName(op, name string) (string, error) {
	if !devValidName(name) {
		return "", uapi.Err(op, uapi.EINVAL, "invalid device name "+strconv.Quote(name), "dev_valid_name")
	}
	if strings.IndexByte(name, '%') >= 0 {
		return n.devAllocName(op, name)
	}
	if n.devGetByName(name) != nil {
		return "", uapi.Err(op, uapi.EEXIST, "device "+strconv.Quote(name)+" exists", "dev_get_valid_name")
	}
	return name, nil
}
