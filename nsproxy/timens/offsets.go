package timens

import (
	"bytes"
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// PAGE_SIZE bounds one write to timens_offsets (x86-64).
const PAGE_SIZE = 4096

// Offset mirrors struct proc_timens_offset (include/linux/time_namespace.h):
// one parsed line of a timens_offsets write.
type Offset struct {
	Clock ClockID // CLOCK_MONOTONIC or CLOCK_BOOTTIME
	Val   Timespec64
}

// ShowOffsets mirrors proc_timens_show_offsets (kernel/time/namespace.c), the
// text of /proc/<pid>/timens_offsets for a task whose time_ns_for_children is
// n: a "monotonic" line then a "boottime" line, each show_offset's
// "%-10s %10lld %9ld\n" of the clock name, tv_sec and tv_nsec. It does not
// depend on the reader. A nil n (a task past exit_nsproxy_namespaces) shows
// nothing.
func ShowOffsets(n *Namespace) string {
	if n == nil {
		return ""
	}
	o := n.readOffsets()
	b := make([]byte, 0, 64)
	b = showOffset(b, "monotonic", o.Monotonic)
	b = showOffset(b, "boottime", o.Boottime)
	return string(b)
}

// showOffset mirrors show_offset: seq_printf(m, "%-10s %10lld %9ld\n", ...).
func showOffset(b []byte, clock string, ts Timespec64) []byte {
	b = append(b, clock...)
	b = pad(b, 10-len(clock))
	b = append(b, ' ')
	b = padInt(b, ts.Sec, 10)
	b = append(b, ' ')
	b = padInt(b, ts.Nsec, 9)
	return append(b, '\n')
}

func pad(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// padInt appends v right-aligned in width columns, as printf's "%<width>d".
func padInt(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	return append(pad(b, width-len(s)), s...)
}

// WriteOffsets mirrors a write(2) of data at file offset pos to
// /proc/<pid>/timens_offsets (timens_offsets_write, fs/proc/base.c, then
// proc_timens_set_offset, kernel/time/namespace.c) for a task whose
// time_ns_for_children is n (nil: the task has no nsproxy). opener is the cred
// the file was opened with (file_ns_capable reads file->f_cred, not the
// writer's). It returns the number of bytes consumed, which is less than
// len(data) when data holds more than two lines: only the first two are read.
//
// The text is up to two lines "<clock> <secs> <nsecs>" read with the kernel's
// sscanf "%9s %lld %lu": clock "monotonic" or "1", "boottime" or "7"; secs a
// decimal with an optional '-'; nsecs plain decimal digits below 10^9, where
// values from 2^63 up wrap into negative nanoseconds, which are accepted; text
// after the third field is ignored; a NUL ends the text; an empty line is an
// error.
//
// Checks in order, the first failure wins and changes nothing:
//  1. pos != 0 or len(data) >= PAGE_SIZE: EINVAL;
//  2. a line does not parse (see parseOffsets): EINVAL;
//  3. no nsproxy (get_proc_task, timens_for_children_get): ESRCH;
//  4. opener lacks CAP_SYS_TIME over n's owner (file_ns_capable): EPERM;
//  5. for each line in order, |secs| > KTIME_SEC_MAX, or the clock's current
//     host reading (ktime_get_ts64, ktime_get_boottime_ts64) plus the offset
//     outside [0, KTIME_SEC_MAX/2] seconds: ERANGE;
//  6. under offset_lock, n is frozen: EACCES.
//
// Then every line is stored in order (a clock given twice keeps the second).
func WriteOffsets(ctx *ns.Ctx, n *Namespace, opener *userns.Cred, pos int64, data []byte) (int, error) {
	ctx.Enter("timens_offsets_write")
	defer ctx.Exit("timens_offsets_write")
	if pos != 0 || len(data) >= PAGE_SIZE {
		return 0, uapi.Err("write", uapi.EINVAL, "only writes of less than PAGE_SIZE at offset 0 are allowed", "timens_offsets_write")
	}
	offs, noffs, count, reason := parseOffsets(data)
	if reason != "" {
		return 0, uapi.Err("write", uapi.EINVAL, reason, "timens_offsets_write")
	}
	if n == nil {
		return 0, uapi.Err("write", uapi.ESRCH, "the task has no nsproxy", "proc_timens_set_offset")
	}
	if err := procTimensSetOffset(ctx, n, opener, offs[:noffs]); err != nil {
		return 0, err
	}
	return count, nil
}

// SetOffsets is WriteOffsets at file offset 0: echo "<clock> <secs> <nsecs>" >
// /proc/<pid>/timens_offsets.
func SetOffsets(ctx *ns.Ctx, n *Namespace, opener *userns.Cred, text []byte) (int, error) {
	return WriteOffsets(ctx, n, opener, 0, text)
}

// procTimensSetOffset mirrors proc_timens_set_offset (kernel/time/namespace.c)
// once timens_for_children_get found n.
func procTimensSetOffset(ctx *ns.Ctx, n *Namespace, opener *userns.Cred, offs []Offset) error {
	ctx.Enter("proc_timens_set_offset")
	defer ctx.Exit("proc_timens_set_offset")
	if !userns.NSCapable(opener, n.userNS, uapi.CAP_SYS_TIME) {
		return uapi.Err("write", uapi.EPERM, "the file's opener lacks CAP_SYS_TIME over the time namespace's owner", "file_ns_capable")
	}
	for _, off := range offs {
		var tp Timespec64
		switch off.Clock {
		case CLOCK_MONOTONIC:
			tp = n.g.Clock.Monotonic()
		case CLOCK_BOOTTIME:
			tp = n.g.Clock.Boottime()
		default: // unreachable: the parser only makes these two
			return uapi.Err("write", uapi.EINVAL, off.Clock.String()+" has no offset", "proc_timens_set_offset")
		}
		if off.Val.Sec > KTIME_SEC_MAX || off.Val.Sec < -KTIME_SEC_MAX {
			return uapi.Err("write", uapi.ERANGE, "offset of "+strconv.FormatInt(off.Val.Sec, 10)+" s is beyond ±KTIME_SEC_MAX", "proc_timens_set_offset")
		}
		// KTIME_SEC_MAX is halved so that KTIME_MAX stays unreachable.
		if tp = Timespec64Add(tp, off.Val); tp.Sec < 0 || tp.Sec > KTIME_SEC_MAX/2 {
			return uapi.Err("write", uapi.ERANGE, off.Clock.String()+" would read "+tp.String()+", outside [0, KTIME_SEC_MAX/2] s", "proc_timens_set_offset")
		}
	}
	n.g.offsetLock.Lock()
	defer n.g.offsetLock.Unlock()
	if n.frozen.Load() {
		return uapi.Err("write", uapi.EACCES, "a task has entered the namespace: its offsets are frozen", "proc_timens_set_offset")
	}
	for _, off := range offs { // "Don't report errors after this line"
		if off.Clock == CLOCK_MONOTONIC {
			n.offsets.Monotonic = off.Val
		} else {
			n.offsets.Boottime = off.Val
		}
	}
	return nil
}

// parseOffsets mirrors the parsing loop of timens_offsets_write
// (fs/proc/base.c) over the user's bytes. memdup_user_nul makes them a C
// string, so a NUL ends the text. Lines end at '\n', and a '\n' that ends the
// text ends the input, so an empty line (including a second trailing '\n') is
// refused. Each line is read with sscanf(line, "%9s %lld %lu"), which must
// convert all three fields (see scanLine); tv_nsec, a signed long, must then
// be below NSEC_PER_SEC, and the clock word must be "monotonic" or "1"
// (CLOCK_MONOTONIC) or "boottime" or "7" (CLOCK_BOOTTIME). After the second
// line parsing stops and the count consumed is the bytes up to the start of
// the third line. It returns the offsets, how many there are, that count,
// and the reason the text is refused ("" when accepted).
func parseOffsets(data []byte) (offs [2]Offset, noffs, count int, reason string) {
	text := data
	if i := bytes.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	count = len(data)
	pos := 0
	for line := 1; ; line++ {
		rest := text[pos:]
		next := -1 // index of the next line in text, -1 for none
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[:i]
			if pos+i+1 < len(text) {
				next = pos + i + 1
			}
		}
		clock, sec, nsec, conv := scanLine(rest)
		if conv != 3 {
			return offs, 0, 0, "line " + strconv.Itoa(line) + ": sscanf(\"%9s %lld %lu\") converted " + strconv.Itoa(conv) + " of 3 fields"
		}
		if nsec >= NSEC_PER_SEC {
			return offs, 0, 0, "line " + strconv.Itoa(line) + ": nanoseconds " + strconv.FormatInt(nsec, 10) + " >= NSEC_PER_SEC"
		}
		var id ClockID
		switch string(clock) {
		case "monotonic", "1":
			id = CLOCK_MONOTONIC
		case "boottime", "7":
			id = CLOCK_BOOTTIME
		default:
			return offs, 0, 0, "line " + strconv.Itoa(line) + ": unknown clock " + strconv.Quote(string(clock)) + " (monotonic, boottime, 1 or 7)"
		}
		offs[noffs] = Offset{Clock: id, Val: Timespec64{Sec: sec, Nsec: nsec}}
		noffs++
		if noffs == len(offs) { // ARRAY_SIZE(offsets)
			if next >= 0 {
				count = next
			}
			return offs, noffs, count, ""
		}
		if next < 0 {
			return offs, noffs, count, ""
		}
		pos = next
	}
}
