package scenario

import (
	"strconv"
	"strings"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/task"
)

// mountFlagNames are the mount(2) and umount2(2) flags the helper's scripts
// may name (helper.c's flag table).
var mountFlagNames = map[string]uint64{
	"MS_RDONLY": mntns.MS_RDONLY, "MS_NOSUID": mntns.MS_NOSUID, "MS_NODEV": mntns.MS_NODEV,
	"MS_NOEXEC": mntns.MS_NOEXEC, "MS_REMOUNT": mntns.MS_REMOUNT, "MS_BIND": mntns.MS_BIND,
	"MS_MOVE": mntns.MS_MOVE, "MS_REC": mntns.MS_REC, "MS_UNBINDABLE": mntns.MS_UNBINDABLE,
	"MS_PRIVATE": mntns.MS_PRIVATE, "MS_SLAVE": mntns.MS_SLAVE, "MS_SHARED": mntns.MS_SHARED,
	"MNT_FORCE": mntns.MNT_FORCE, "MNT_DETACH": mntns.MNT_DETACH, "MNT_EXPIRE": mntns.MNT_EXPIRE,
}

// parseMountFlags parses "MS_BIND|MS_REC", "0" or a number, as parse_flags does.
func parseMountFlags(s string) (uint64, error) {
	var v uint64
	for _, tok := range strings.Split(s, "|") {
		if f, ok := mountFlagNames[tok]; ok {
			v |= f
			continue
		}
		n, err := strconv.ParseUint(tok, 0, 64)
		if err != nil {
			return 0, scriptErr("bad flags %s", s)
		}
		v |= n
	}
	return v, nil
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// mountOp runs mount <task> <source> <target> <fstype> <flags> <data>,
// umount <task> <target> <flags> and mounts_under <task> <prefix>.
func (in *interp) mountOp(argv []string) (string, error) {
	n := map[string]int{"mount": 7, "umount": 4, "mounts_under": 3}[argv[0]]
	st, err := in.liveStep(argv, n)
	if err != nil {
		return "", err
	}
	switch argv[0] {
	case "mount":
		flags, err := parseMountFlags(argv[5])
		if err != nil {
			return "", err
		}
		return result(st.t.Mount(dash(argv[2]), argv[3], dash(argv[4]), flags, dash(argv[6])))
	case "umount":
		flags, err := parseMountFlags(argv[3])
		if err != nil {
			return "", err
		}
		return result(st.t.Umount2(argv[2], int(flags)))
	}
	text, err := st.t.ReadFile("/proc/thread-self/mountinfo")
	if err != nil {
		return errnoResult(err)
	}
	return MountsUnder(text, argv[2]), nil
}

// MountsUnder renders what helper.c's mounts_under prints for a mountinfo
// text: "mounts=" then, for each mount point equal to prefix or below it,
// "<mount point> <fstype> <source>" and the optional fields without their
// numbers, entries separated by ';'.
func MountsUnder(mountinfo, prefix string) string {
	var b strings.Builder
	b.WriteString("mounts=")
	first := true
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) < 10 {
			continue
		}
		mp := f[4]
		if !(prefix == "/" || mp == prefix || strings.HasPrefix(mp, prefix+"/")) {
			continue
		}
		sep := 6
		for sep < len(f) && f[sep] != "-" {
			sep++
		}
		if sep+2 >= len(f) {
			continue
		}
		if !first {
			b.WriteByte(';')
		}
		first = false
		b.WriteString(mp + " " + f[sep+1] + " " + f[sep+2])
		for _, tag := range f[6:sep] {
			if i := strings.IndexByte(tag, ':'); i >= 0 {
				tag = tag[:i]
			}
			b.WriteString(" " + tag)
		}
	}
	return b.String()
}

// pidfdOpen runs pidfd_open <task> <fd> <target>: the helper passes the
// target's number in the machine's pid namespace, so the task must be in
// the outermost one; the simulator passes the same task's number there.
func (in *interp) pidfdOpen(argv []string) (string, error) {
	st, err := in.liveStep(argv, 4)
	if err != nil {
		return "", err
	}
	tg, err := in.target(argv[3])
	if err != nil {
		return "", err
	}
	return in.addFD(st, argv[2], func() (int, error) { return st.t.PidfdOpen(tg.t.PID(), 0) })
}

// nsIoctl runs ns_ioctl <task> <fd> <req> <newfd>: req 1-4 are the nsfs
// ioctls NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE and NS_GET_OWNER_UID.
func (in *interp) nsIoctl(argv []string) (string, error) {
	st, err := in.liveStep(argv, 5)
	if err != nil {
		return "", err
	}
	fd, ok := st.fds[argv[2]]
	if !ok {
		return "", taskErr(st, "unknown fd label %s", argv[2])
	}
	req, err := strconv.ParseUint(argv[3], 0, 32)
	if err != nil {
		return "", scriptErr("bad request %s", argv[3])
	}
	if req >= 1 && req <= 4 {
		req |= task.NSIO << 8
	}
	newLabel := argv[4]
	if _, open := st.fds[newLabel]; open || len(newLabel) >= labelMax {
		return "", taskErr(st, "bad nsioctl arguments")
	}
	r, err := st.t.Ioctl(fd, uint32(req))
	if err != nil {
		return errnoResult(err)
	}
	switch req {
	case task.NS_GET_NSTYPE:
		return "type=" + "0x" + strconv.FormatUint(uint64(r), 16), nil
	case task.NS_GET_OWNER_UID:
		return "uid=" + strconv.Itoa(r), nil
	}
	st.fds[newLabel] = r
	return "link=" + st.t.File(r).Namespace().NS().Link(), nil
}
