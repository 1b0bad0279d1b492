package procfs

import (
	"math"
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// lastPidFile is /proc/sys/kernel/ns_last_pid (kernel/pid_namespace.c,
// CONFIG_CHECKPOINT_RESTORE): the last pid handed out in the reader's active
// pid namespace. Mode 0666: anyone opens it, the handler checks writes.
type lastPidFile struct{}

func (lastPidFile) Mode() uint32 { return task.S_IFREG | 0o666 }

// Open mirrors sysctl_perm with mode 0666: every access mode is allowed.
func (f lastPidFile) Open(*task.Task, int) (task.FileOps, error) { return f, nil }

// Read mirrors pid_ns_ctl_handler → proc_dointvec_minmax for reading in the
// reader's active pid namespace (task_active_pid_ns(current), looked up at
// each call): idr cursor - 1 as "%d\n" (-1 before the namespace's first pid).
// Like every integer sysctl it answers only a read at offset 0 (a read at a
// later offset is end of file), truncating to the buffer and adding the
// newline only if it fits.
func (lastPidFile) Read(t *task.Task, off int64, n int) ([]byte, error) {
	if off != 0 || n <= 0 {
		return nil, nil
	}
	s := strconv.Itoa(t.ActivePidNS().LastPid())
	if n > len(s) {
		return []byte(s + "\n"), nil
	}
	return []byte(s[:n]), nil
}

// Write mirrors pid_ns_ctl_handler for writing: EPERM unless the writer has
// CAP_SYS_ADMIN over the owner of its active pid namespace; then
// proc_dointvec_minmax with the range [0, pid_max] (EINVAL otherwise, nothing
// stored), and the cursor becomes the value + 1, so the next fork in the
// namespace tries that number first. The count returned is what the parser
// consumed (a value, then trailing blanks); a write at a non-zero offset is
// ignored whole (sysctl_writes_strict).
func (lastPidFile) Write(t *task.Task, off int64, p []byte) (int, error) {
	pidNS := t.ActivePidNS()
	if !userns.NSCapable(t.Cred(), pidNS.UserNS(), uapi.CAP_SYS_ADMIN) {
		return 0, uapi.Err("write", uapi.EPERM, "no CAP_SYS_ADMIN over the pid namespace's owner", "pid_ns_ctl_handler")
	}
	if len(p) == 0 {
		return 0, nil
	}
	if off != 0 {
		return len(p), nil
	}
	pidMax := int32(t.Kernel().PidNS.PidMax())
	n, v, ok := parseDointvecMinmax(p, 0, pidMax, t.Ctx().Env.Mainline())
	if !ok {
		return 0, uapi.Err("write", uapi.EINVAL, strconv.Quote(string(p))+" is not an integer in [0, pid_max]", "proc_dointvec_minmax")
	}
	if err := pidNS.SetLastPid(int(v)); err != nil {
		return 0, err
	}
	return n, nil
}

func (lastPidFile) Release(*ns.Ctx) {}

// Constants of the sysctl integer parser (kernel/sysctl.c, 4.19).
const (
	sysctlPageSize = 4096 // a write is cut to PAGE_SIZE-1 bytes
	tmpBufLen      = 22   // TMPBUFLEN: proc_get_long looks at 21 bytes at most
)

// parseDointvecMinmax mirrors __do_proc_dointvec writing a one-int table with
// do_proc_dointvec_minmax_conv (kernel/sysctl.c, 4.19.13), at offset 0:
//
//   - at most PAGE_SIZE-1 bytes are looked at (memdup_user_nul);
//   - leading white space (isspace: \t \n \v \f \r, space and 0xa0) is
//     skipped; nothing else left is EINVAL;
//   - proc_get_long: an optional '-', then a digit, then simple_strtoul with
//     base 0 ("0x" hexadecimal, a leading 0 octal, wrapping silently on
//     overflow) over at most 21 bytes; 21 bytes used is EINVAL, and the
//     byte after the number, if any, must be ' ', '\t' or '\n';
//   - the value is negated if '-' and cut to an int (the low 32 bits), then
//     must lie in [lo, hi];
//   - mainline (5.1+, "sysctl: handle overflow in proc_get_long" and the
//     overflow checks of do_proc_dointvec_minmax_conv) refuses instead of
//     wrapping: an unsigned long overflow in the digits, or a magnitude
//     above INT_MAX (INT_MAX+1 with '-'), is EINVAL — seen on 6.18:
//     "4294967301" is EINVAL where 4.19.13 stores 5;
//   - trailing white space is consumed; anything after it is left unwritten.
//
// It returns the count the write(2) reports (the length minus what was left),
// the value, and false for EINVAL.
func parseDointvecMinmax(p []byte, lo, hi int32, mainline bool) (int, int32, bool) {
	lenp := len(p)
	left := min(lenp, sysctlPageSize-1)
	buf := make([]byte, left+1) // memdup_user_nul
	copy(buf, p[:left])
	i := skipSpaces(buf, 0)
	left -= i
	if left == 0 {
		return 0, 0, false
	}
	// proc_get_long on a NUL-terminated copy of at most 21 bytes.
	tl := min(left, tmpBufLen-1)
	tmp := make([]byte, tl+1)
	copy(tmp, buf[i:i+tl])
	j := 0
	neg := false
	if tmp[0] == '-' && left > 1 {
		neg = true
		j++
	}
	if !isDigit(tmp[j]) {
		return 0, 0, false
	}
	lval, j, overflow := simpleStrtoul(tmp, j)
	if j == tmpBufLen-1 || mainline && overflow {
		return 0, 0, false
	}
	if j < left && tmp[j] != ' ' && tmp[j] != '\t' && tmp[j] != '\n' { // proc_wspace_sep
		return 0, 0, false
	}
	i += j
	left -= j
	// do_proc_dointvec_minmax_conv: int val = neg ? -lval : lval.
	if mainline && (!neg && lval > math.MaxInt32 || neg && lval > math.MaxInt32+1) {
		return 0, 0, false
	}
	if neg {
		lval = -lval
	}
	v := int32(uint32(lval))
	if v < lo || v > hi {
		return 0, 0, false
	}
	if left > 0 {
		left -= skipSpaces(buf, i) - i
	}
	return lenp - left, v, true
}

// skipSpaces mirrors skip_spaces from b[i]: the index of the first byte that
// is not isspace (lib/ctype.c), which the NUL at the end always is.
func skipSpaces(b []byte, i int) int {
	for {
		switch b[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0xa0:
			i++
		default:
			return i
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isXDigit(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// simpleStrtoul mirrors simple_strtoul(s+i, &end, 0) on a NUL-terminated
// buffer (_parse_integer_fixup_radix, then _parse_integer, which wraps on
// overflow): the value and the index just past the digits used.
func simpleStrtoul(s []byte, i int) (uint64, int, bool) {
	base := uint64(10)
	if s[i] == '0' {
		if s[i+1]|0x20 == 'x' && isXDigit(s[i+2]) {
			base = 16
			i += 2
		} else {
			base = 8
		}
	}
	var res uint64
	overflow := false
	for {
		c := s[i]
		var v uint64
		switch lc := c | 0x20; {
		case isDigit(c):
			v = uint64(c - '0')
		case 'a' <= lc && lc <= 'f':
			v = uint64(lc-'a') + 10
		default:
			return res, i, overflow
		}
		if v >= base {
			return res, i, overflow
		}
		if res > (math.MaxUint64-v)/base {
			overflow = true // _parse_integer's KSTRTOX_OVERFLOW
		}
		res = res*base + v
		i++
	}
}
