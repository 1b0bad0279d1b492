package scenario

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Limits the helper enforces, so that a script valid here is valid there.
const (
	maxTasks  = 32  // NSLOTS: tasks per script, init included
	labelMax  = 32  // LABEL_MAX: labels are shorter than this
	maxName   = 512 // sethostname_len accepts 0..511
	maxFields = 8   // the helper reads at most 8 words of a line
)

// validNS are the names the helper accepts after /proc/<pid>/ns/.
var validNS = map[string]bool{
	"uts": true, "user": true, "pid": true, "mnt": true, "ipc": true, "net": true,
	"cgroup": true, "time": true, "pid_for_children": true, "time_for_children": true,
}

// simTask is one labelled task: its fd labels (private to the task, copied
// to a clone child, as the helper keeps them in the task's own memory) and
// what the script did to it.
type simTask struct {
	label  string
	t      *task.Task
	fds    map[string]int
	exited bool // an exit step ran
	reaped bool // a wait step collected it
}

type interp struct {
	k     *kernsim.Kernel
	tasks map[string]*simTask
	n     int // tasks created, init included (the helper's slots)
}

// errScript is a script error: the helper prints "error: <msg>" and stops.
type errScript struct{ msg string }

func (e *errScript) Error() string { return "error: " + e.msg }

func scriptErr(format string, a ...any) error { return &errScript{msg: fmt.Sprintf(format, a...)} }

// taskErr is a script error the helper's task reports; the controller
// appends the task's label.
func taskErr(st *simTask, format string, a ...any) error {
	return &errScript{msg: fmt.Sprintf(format, a...) + " (task " + st.label + ")"}
}

// Steps returns the script's steps, one per result line: comments ('#' at
// the start of a word) removed, blank lines skipped, words joined by one
// space.
func Steps(script string) []string {
	var steps []string
	for _, line := range strings.Split(script, "\n") {
		if f := fields(line); len(f) > 0 {
			steps = append(steps, strings.Join(f, " "))
		}
	}
	return steps
}

// fields splits a line as the helper does: a '#' at the start of a word
// starts a comment, words are separated by blanks.
func fields(line string) []string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
			break
		}
	}
	return strings.Fields(line)
}

// RunSim runs script on k and returns one result line per step. On a script
// error the lines so far are returned, the last being "error: <why>" as the
// helper prints it, together with an error.
func RunSim(k *kernsim.Kernel, script string) ([]string, error) {
	if k == nil {
		return nil, errors.New("scenario: nil kernel")
	}
	in := &interp{k: k, tasks: map[string]*simTask{}}
	in.tasks["init"] = &simTask{label: "init", t: k.Init(), fds: map[string]int{}}
	in.n = 1
	var lines []string
	for i, step := range Steps(script) {
		argv := strings.Fields(step)
		if len(argv) > maxFields {
			argv = argv[:maxFields]
		}
		res, err := in.step(argv)
		if err != nil {
			var se *errScript
			if errors.As(err, &se) {
				lines = append(lines, se.Error())
			}
			return lines, fmt.Errorf("scenario: step %d %q: %w", i+1, step, err)
		}
		lines = append(lines, res)
	}
	return lines, nil
}

// Normalize replaces what legitimately differs between the simulator and the
// kernel in a result line: the inode number of "link=<ns>:[<n>]", and a pid
// number seen from the script's outermost pid namespace ("pid=<n> (outer)",
// likewise "tid=" and "ppid="), become "N". Numbers seen from a pid namespace
// the script created are deterministic (its first process is 1, the next 2,
// ...) and stay as they are.
func Normalize(line string) string {
	line = linkRE.ReplaceAllString(line, "link=$1:[N]")
	return outerRE.ReplaceAllString(line, "$1=N")
}

var (
	linkRE  = regexp.MustCompile(`^link=([a-z_]+):\[[0-9]+\]$`)
	outerRE = regexp.MustCompile(`^(pid|tid|ppid)=[0-9]+ \(outer\)$`)
)

// invisiblePid is what a wait step passes for a child that the waiter cannot
// see (or that is gone): INT_MAX names no task, so wait4 answers ECHILD.
const invisiblePid = 1<<31 - 1

// errnoResult formats a simulated syscall's error as the helper prints an
// errno: its name. An error without an errno is a simulator failure.
func errnoResult(err error) (string, error) {
	if e := uapi.ErrnoOf(err); e != 0 {
		return e.Name(), nil
	}
	return "", fmt.Errorf("scenario: error without errno: %w", err)
}

func result(err error) (string, error) {
	if err != nil {
		return errnoResult(err)
	}
	return "ok", nil
}

// live returns the task that performs a step: known and not exited.
func (in *interp) live(label string) (*simTask, error) {
	st, ok := in.tasks[label]
	if !ok {
		return nil, scriptErr("unknown task label %s", label)
	}
	if st.exited {
		return nil, scriptErr("task %s has exited", label)
	}
	return st, nil
}

// target returns a task named as the object of a step: known and not reaped.
func (in *interp) target(label string) (*simTask, error) {
	st, ok := in.tasks[label]
	if !ok {
		return nil, scriptErr("unknown task label %s", label)
	}
	if st.reaped {
		return nil, scriptErr("task %s has been reaped", label)
	}
	return st, nil
}

func parseFlags(s string) (uapi.CloneFlags, error) {
	f, err := uapi.ParseCloneFlags(s)
	if err != nil {
		return 0, scriptErr("bad flags %s", s)
	}
	return f, nil
}

// nsPath names /proc/<target>/ns/<ns> for the reader. The simulator's boot
// /proc, like the machine's that the helper's tasks share, is the instance
// of the initial pid namespace (no script mounts another), so the target is
// named by its outermost number whatever the reader's pid namespace.
func nsPath(reader, target *simTask, ns string) (string, error) {
	return "/proc/" + strconv.Itoa(int(target.t.PID())) + "/ns/" + ns, nil
}

func checkNS(ns string) error {
	if !validNS[ns] {
		return scriptErr("unknown namespace %s", ns)
	}
	return nil
}

// args checks the word count, as the helper's ARGS(n) does.
func args(argv []string, n int) error {
	if len(argv) != n {
		return scriptErr("wrong number of arguments for %s", argv[0])
	}
	return nil
}

// liveStep checks a step has n words and returns its acting task, argv[1],
// which must be live.
func (in *interp) liveStep(argv []string, n int) (*simTask, error) {
	if err := args(argv, n); err != nil {
		return nil, err
	}
	return in.live(argv[1])
}

func (in *interp) step(argv []string) (string, error) {
	switch argv[0] {
	case "clone":
		return in.clone(argv)
	case "unshare":
		st, err := in.liveStep(argv, 3)
		if err != nil {
			return "", err
		}
		f, err := parseFlags(argv[2])
		if err != nil {
			return "", err
		}
		return result(st.t.Unshare(f))
	case "sethostname", "sethostname_len", "setdomainname", "drop_privs", "close":
		st, err := in.liveStep(argv, 3)
		if err != nil {
			return "", err
		}
		return in.oneArg(st, argv[0], argv[2])
	case "gethostname", "getdomainname", "uname", "getpid", "gettid", "getppid":
		st, err := in.liveStep(argv, 2)
		if err != nil {
			return "", err
		}
		return in.names(st, argv[0])
	case "open":
		st, err := in.liveStep(argv, 5)
		if err != nil {
			return "", err
		}
		tg, err := in.target(argv[3])
		if err != nil {
			return "", err
		}
		if err := checkNS(argv[4]); err != nil {
			return "", err
		}
		path, err := nsPath(st, tg, argv[4])
		if err != nil {
			return "", err
		}
		return in.open(st, argv[2], path)
	case "open_path":
		st, err := in.liveStep(argv, 4)
		if err != nil {
			return "", err
		}
		return in.open(st, argv[2], argv[3])
	case "setns", "setns_badfd":
		return in.setns(argv)
	case "readlink":
		st, err := in.liveStep(argv, 4)
		if err != nil {
			return "", err
		}
		tg, err := in.target(argv[2])
		if err != nil {
			return "", err
		}
		if err := checkNS(argv[3]); err != nil {
			return "", err
		}
		path, err := nsPath(st, tg, argv[3])
		if err != nil {
			return "", err
		}
		link, err := st.t.Readlink(path)
		if err != nil {
			return errnoResult(err)
		}
		return "link=" + link, nil
	case "same_ns":
		return in.sameNS(argv)
	case "same_ns2":
		return in.sameNS2(argv)
	case "nspid":
		return in.nspid(argv)
	case "write_proc":
		return in.writeProc(argv)
	case "write_path", "write_pid":
		return in.writePath(argv)
	case "pidfd_open":
		return in.pidfdOpen(argv)
	case "ns_ioctl":
		return in.nsIoctl(argv)
	case "mount", "umount", "mounts_under":
		return in.mountOp(argv)
	case "mkdir", "rmdir", "read_path":
		return in.pathOp(argv)
	case "exit", "exit_async":
		st, err := in.liveStep(argv, 3)
		if err != nil {
			return "", err
		}
		code, err := strconv.ParseInt(argv[2], 0, 64)
		if err != nil {
			return "", scriptErr("bad exit code %s", argv[2])
		}
		// exit(2) takes an int; the kernel keeps its low byte.
		if err := st.t.Exit(int(code & 0xff)); err != nil {
			return "", scriptErr("task %s cannot exit in the simulator: %v", argv[1], err)
		}
		st.exited = true
		return "ok", nil
	case "wait":
		return in.wait(argv)
	}
	return "", scriptErr("unknown step %s", argv[0])
}

func (in *interp) clone(argv []string) (string, error) {
	parent, err := in.liveStep(argv, 4)
	if err != nil {
		return "", err
	}
	flags, err := parseFlags(argv[3])
	if err != nil {
		return "", err
	}
	label := argv[2]
	if _, used := in.tasks[label]; used {
		return "", scriptErr("task label %s already used", label)
	}
	if len(label) >= labelMax {
		return "", scriptErr("task label %s too long", label)
	}
	if in.n >= maxTasks {
		return "", scriptErr("too many tasks (max %d)", maxTasks)
	}
	if flags&uapi.CSIGNAL == 0 && flags&uapi.CLONE_THREAD == 0 {
		flags |= uapi.CloneFlags(uapi.SIGCHLD)
	}
	child, err := parent.t.Clone(task.CloneArgs{Flags: flags, Comm: label})
	if err != nil {
		return errnoResult(err)
	}
	fds := make(map[string]int, len(parent.fds))
	for l, fd := range parent.fds {
		fds[l] = fd
	}
	in.tasks[label] = &simTask{label: label, t: child, fds: fds}
	in.n++
	return "ok", nil
}

// oneArg runs the steps of the form "<op> <task> <arg>".
func (in *interp) oneArg(st *simTask, op, arg string) (string, error) {
	t := st.t
	switch op {
	case "sethostname":
		return result(t.Sethostname(arg))
	case "setdomainname":
		return result(t.Setdomainname(arg))
	case "sethostname_len":
		n, err := strconv.ParseInt(arg, 0, 64)
		if err != nil || n < 0 || n >= maxName {
			return "", taskErr(st, "task: bad length %s", arg)
		}
		return result(t.Sethostname(strings.Repeat("x", int(n))))
	case "drop_privs":
		uid, err := strconv.ParseInt(arg, 0, 64)
		if err != nil || uid < 0 {
			return "", taskErr(st, "bad uid %s", arg)
		}
		// setgroups(0, NULL) is not modelled (see the package documentation).
		if err := t.Setresgid(uid, uid, uid); err != nil {
			return errnoResult(err)
		}
		return result(t.Setresuid(uid, uid, uid))
	}
	// close
	fd, ok := st.fds[arg]
	if !ok {
		return "", taskErr(st, "unknown fd label %s", arg)
	}
	delete(st.fds, arg) // the helper forgets the label whatever close says
	return result(t.Close(fd))
}

// names runs uname(2)-based steps and getpid, gettid and getppid. A number
// the task reads in the script's outermost pid namespace (init_pid_ns here)
// is marked " (outer)", as the helper marks it.
func (in *interp) names(st *simTask, op string) (string, error) {
	var key string
	var nr int32
	switch op {
	case "getpid":
		key, nr = "pid", st.t.Getpid()
	case "gettid":
		key, nr = "tid", st.t.Gettid()
	case "getppid":
		key, nr = "ppid", st.t.Getppid()
	}
	if key != "" {
		res := key + "=" + strconv.Itoa(int(nr))
		if st.t.ActivePidNS() == in.k.PidNS.Init {
			res += " (outer)"
		}
		return res, nil
	}
	u, err := st.t.Uname()
	if err != nil {
		return errnoResult(err)
	}
	switch op {
	case "uname":
		return "uname=" + u.Sysname + "," + u.Nodename + "," + u.Machine + "," + u.Domainname, nil
	case "gethostname":
		return "hostname=" + u.Nodename, nil
	}
	return "domainname=" + u.Domainname, nil
}

func (in *interp) open(st *simTask, label, path string) (string, error) {
	return in.addFD(st, label, func() (int, error) { return st.t.Open(path) })
}

// addFD stores the descriptor get returns under a new fd label, as the
// helper's open, open_path and pidfd_open steps do.
func (in *interp) addFD(st *simTask, label string, get func() (int, error)) (string, error) {
	if _, open := st.fds[label]; open || len(label) >= labelMax {
		return "", taskErr(st, "fd label %s too long or already open", label)
	}
	fd, err := get()
	if err != nil {
		return errnoResult(err)
	}
	st.fds[label] = fd
	return "ok", nil
}

func (in *interp) setns(argv []string) (string, error) {
	st, err := in.liveStep(argv, 4)
	if err != nil {
		return "", err
	}
	flags, err := parseFlags(argv[3])
	if err != nil {
		return "", err
	}
	var fd int
	if argv[0] == "setns_badfd" {
		n, err := strconv.ParseInt(argv[2], 0, 64)
		if err != nil {
			return "", taskErr(st, "bad fd number %s", argv[2])
		}
		fd = int(int32(n)) // the helper passes (int)fd
	} else {
		var ok bool
		if fd, ok = st.fds[argv[2]]; !ok {
			return "", taskErr(st, "unknown fd label %s", argv[2])
		}
	}
	return result(st.t.Setns(fd, flags))
}

// sameNS compares the namespaces behind two /proc/<pid>/ns links: the helper
// stat()s both files and compares (st_dev, st_ino); nsfs has one device, so
// the inode number, which the link text carries, decides.
func (in *interp) sameNS(argv []string) (string, error) {
	if err := args(argv, 5); err != nil {
		return "", err
	}
	// same_ns <task> <a> <b> <ns> is same_ns2 <task> <a> <ns> <b> <ns>.
	return in.sameNS2([]string{argv[0], argv[1], argv[2], argv[4], argv[3], argv[4]})
}

// sameNS2 compares two possibly different links, /proc/<a>/ns/<nsA> and
// /proc/<b>/ns/<nsB> (for example a task's pid_for_children with another's
// pid), as the helper's same_ns2 does.
func (in *interp) sameNS2(argv []string) (string, error) {
	st, err := in.liveStep(argv, 6)
	if err != nil {
		return "", err
	}
	a, err := in.target(argv[2])
	if err != nil {
		return "", err
	}
	if err := checkNS(argv[3]); err != nil {
		return "", err
	}
	b, err := in.target(argv[4])
	if err != nil {
		return "", err
	}
	if err := checkNS(argv[5]); err != nil {
		return "", err
	}
	var inums [2]uint64
	for i, x := range [2]struct {
		tg *simTask
		ns string
	}{{a, argv[3]}, {b, argv[5]}} {
		p, err := nsPath(st, x.tg, x.ns)
		if err != nil {
			return "", err
		}
		link, err := st.t.Readlink(p)
		if err != nil {
			return errnoResult(err)
		}
		if inums[i], err = linkInum(link); err != nil {
			return "", err
		}
	}
	if inums[0] == inums[1] {
		return "same", nil
	}
	return "different", nil
}

// linkInum reads the inode number of a "<ns>:[<inum>]" link.
func linkInum(link string) (uint64, error) {
	i, j := strings.IndexByte(link, '['), strings.LastIndexByte(link, ']')
	if i < 0 || j < i {
		return 0, fmt.Errorf("scenario: malformed ns link %q", link)
	}
	n, err := strconv.ParseUint(link[i+1:j], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("scenario: malformed ns link %q: %w", link, err)
	}
	return n, nil
}

func (in *interp) wait(argv []string) (string, error) {
	parent, err := in.liveStep(argv, 3)
	if err != nil {
		return "", err
	}
	child, err := in.target(argv[2])
	if err != nil {
		return "", err
	}
	// Nothing else runs on the simulated kernel: a child that has not
	// exited now never will, where the helper's waitpid would block until
	// its step times out. WNOHANG turns that into a script error.
	// The helper passes the child's number in the waiter's pid namespace,
	// or INT_MAX when the child is not visible there or is gone.
	nr := child.t.PidIn(parent.t.ActivePidNS())
	if nr == 0 || child.t.State() == task.Dead {
		nr = invisiblePid
	}
	pid, status, err := parent.t.Wait(nr, task.WNOHANG)
	if err != nil {
		return errnoResult(err)
	}
	if pid == 0 {
		return "", scriptErr("task %s: timeout waiting for task reply (wait would block: %s has not exited)", parent.label, child.label)
	}
	// WIFEXITED / WIFSIGNALED as user space decodes the status.
	switch sig := status & 0x7f; {
	case sig == 0:
		child.reaped = true
		return "exited=" + strconv.Itoa((status>>8)&0xff), nil
	case sig != 0x7f:
		child.reaped = true
		return "signaled=" + strconv.Itoa(sig), nil
	}
	return "status=" + strconv.Itoa(status), nil
}

// nspid reads the NSpid line of the task's /proc/<pid>/status as the outermost
// pid namespace sees it (the helper's controller reads the machine's /proc),
// with the outermost number as "N": "nspid=N 2 1".
func (in *interp) nspid(argv []string) (string, error) {
	if err := args(argv, 2); err != nil {
		return "", err
	}
	st, ok := in.tasks[argv[1]]
	if !ok {
		return "", scriptErr("unknown task %s", argv[1])
	}
	text, err := in.k.Init().ReadFile("/proc/" + strconv.Itoa(int(st.t.PID())) + "/status")
	if err != nil {
		return errnoResult(err)
	}
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Split(strings.TrimPrefix(rest, "\t"), "\t")
			return "nspid=" + strings.Join(append([]string{"N"}, f[1:]...), " "), nil
		}
	}
	return "", scriptErr("no NSpid line for %s", argv[1])
}

// writeProc: <task> writes <text> ('_' a space, \n a newline) with one
// write(2) on a fresh O_WRONLY descriptor of /proc/<target>/<file>. The path
// uses the target's number in the writer's pid namespace (the helper's tasks
// all use the machine's /proc, so scripts write from the outermost namespace).
func (in *interp) writeProc(argv []string) (string, error) {
	st, err := in.liveStep(argv, 5)
	if err != nil {
		return "", err
	}
	tg, ok := in.tasks[argv[2]]
	if !ok {
		return "", scriptErr("unknown task %s", argv[2])
	}
	text := decodeText(argv[4])
	nr := tg.t.PidIn(st.t.ActivePidNS())
	if nr == 0 {
		return "", scriptErr("task %s is not visible from %s", argv[2], argv[1])
	}
	return writeOnce(st, "/proc/"+strconv.Itoa(int(nr))+"/"+argv[3], text)
}

// writeOnce opens path O_WRONLY as the task, writes text with one write(2)
// and closes it: "ok", "short=<n>" or the errno, as the helper prints them.
func writeOnce(st *simTask, path, text string) (string, error) {
	fd, err := st.t.OpenFlags(path, task.O_WRONLY)
	if err != nil {
		return errnoResult(err)
	}
	n, werr := st.t.Write(fd, []byte(text))
	_ = st.t.Close(fd)
	if werr != nil {
		return errnoResult(werr)
	}
	if n != len(text) {
		return "short=" + strconv.Itoa(n), nil
	}
	return "ok", nil
}

// writePath: write_path <task> <path> <text> writes the decoded text (as
// write_proc); write_pid <task> <target> <path> writes target's global pid.
func (in *interp) writePath(argv []string) (string, error) {
	st, err := in.liveStep(argv, 4)
	if err != nil {
		return "", err
	}
	path, text := argv[2], argv[3]
	if argv[0] == "write_pid" {
		tg, ok := in.tasks[argv[2]]
		if !ok {
			return "", scriptErr("unknown task %s", argv[2])
		}
		path, text = argv[3], strconv.Itoa(int(tg.t.PID()))
	} else {
		text = decodeText(text)
	}
	return writeOnce(st, path, text)
}

// decodeText undoes the script encoding of a written text: '_' is a space and
// the two characters \n a newline.
func decodeText(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "_", " "), `\n`, "\n")
}

// pathOp: mkdir|rmdir|read_path <task> <path>; read_path prints
// content=<text> with newlines as the two characters \n.
func (in *interp) pathOp(argv []string) (string, error) {
	st, err := in.liveStep(argv, 3)
	if err != nil {
		return "", err
	}
	switch argv[0] {
	case "mkdir":
		return result(st.t.Mkdir(argv[2], 0o755))
	case "rmdir":
		return result(st.t.Rmdir(argv[2]))
	}
	text, err := st.t.ReadFile(argv[2])
	if err != nil {
		return errnoResult(err)
	}
	return "content=" + strings.ReplaceAll(text, "\n", `\n`), nil
}
