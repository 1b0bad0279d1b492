package procfs_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// chain is three nested pid namespaces made by clone(CLONE_NEWPID), with one
// extra process at the first and the last level:
//
//	task  level  numbers (init_pid_ns, ns1, ns2, ns3)
//	init  0      1
//	a     1      2  1                 clone(NEWPID) by init
//	a2    1      3  2                 fork by a
//	b     2      4  3  1              clone(NEWPID) by a
//	c     3      5  4  2  1           clone(NEWPID) by b
//	c2    3      6  5  3  2           fork by c
//
// Each namespace numbers its processes from 1 in creation order (reference
// §11.3: the first pid of a namespace is 1; alloc_pid gives every level its
// own next number).
type chain struct {
	init, a, a2, b, c, c2 *task.Task
}

func nestedChain(t *testing.T, k *kernsim.Kernel) chain {
	t.Helper()
	newpid := task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld}
	var ch chain
	var err error
	ch.init = k.Init()
	newpid.Comm = "a"
	ch.a, err = ch.init.Clone(newpid)
	require.NoError(t, err)
	ch.a2, err = ch.a.Clone(task.CloneArgs{Flags: sigchld, Comm: "a2"})
	require.NoError(t, err)
	newpid.Comm = "b"
	ch.b, err = ch.a.Clone(newpid)
	require.NoError(t, err)
	newpid.Comm = "c"
	ch.c, err = ch.b.Clone(newpid)
	require.NoError(t, err)
	ch.c2, err = ch.c.Clone(task.CloneArgs{Flags: sigchld, Comm: "c2"})
	require.NoError(t, err)
	return ch
}

// statusLine returns the line of a status text that starts with key+":".
func statusLine(t *testing.T, status, key string) string {
	t.Helper()
	for _, l := range strings.SplitAfter(status, "\n") {
		if strings.HasPrefix(l, key+":") {
			return l
		}
	}
	require.Failf(t, "no such status line", "%s in %q", key, status)
	return ""
}

// Reference §11.8 and §11.5: each task sees the proc of its own active pid
// namespace. /proc/self, /proc/thread-self and the pid directories use that
// namespace's numbers, readdir lists the group leaders visible there in
// increasing order, a number that exists only outside is ENOENT
// (proc_pid_lookup), and the NS* lines run from the reader's level down to
// the task's.
func TestPidNamespaceViews(t *testing.T) {
	t.Parallel()
	k := boot(t)
	ch := nestedChain(t, k)
	pids := func(n ...int) []string {
		out := []string{"net", "sys", "mounts", "sysvipc", "self", "thread-self"}
		for _, p := range n {
			out = append(out, fmt.Sprint(p))
		}
		return out
	}
	for _, c := range []struct {
		name       string
		reader     *task.Task
		self       string
		listing    []string
		pid1Name   string // /proc/1 is the reader's namespace's init
		c2         int    // c2's number for the reader
		c2NSpid    string
		c2NSpgid   string // every process inherited init's process group
		cPPid      string // b's number, 0 where b is invisible
		invisible  []int  // numbers of processes the reader cannot see
		bTaskEntry string // /proc/<b>/task lists b by the reader's number
	}{
		{"init", ch.init, "1", pids(1, 2, 3, 4, 5, 6), "init", 6, "NSpid:\t6\t5\t3\t2\n", "NSpgid:\t1\t0\t0\t0\n", "PPid:\t4\n", nil, "4"},
		{"level 1 init", ch.a, "1", pids(1, 2, 3, 4, 5), "a", 5, "NSpid:\t5\t3\t2\n", "NSpgid:\t0\t0\t0\n", "PPid:\t3\n", []int{6}, "3"},
		{"level 1 child", ch.a2, "2", pids(1, 2, 3, 4, 5), "a", 5, "NSpid:\t5\t3\t2\n", "NSpgid:\t0\t0\t0\n", "PPid:\t3\n", []int{6}, "3"},
		{"level 2 init", ch.b, "1", pids(1, 2, 3), "b", 3, "NSpid:\t3\t2\n", "NSpgid:\t0\t0\n", "PPid:\t1\n", []int{4, 5, 6}, "1"},
		{"level 3 init", ch.c, "1", pids(1, 2), "c", 2, "NSpid:\t2\n", "NSpgid:\t0\n", "PPid:\t0\n", []int{3, 4, 5, 6}, ""},
		{"level 3 child", ch.c2, "2", pids(1, 2), "c", 2, "NSpid:\t2\n", "NSpgid:\t0\n", "PPid:\t0\n", []int{3, 4, 5, 6}, ""},
	} {
		if c.reader != ch.init {
			// unshare --mount --mount-proc: a proc of the reader's own pid
			// namespace over /proc, in a mount namespace of its own (the
			// tasks of one level share that level's proc superblock).
			require.NoError(t, c.reader.Unshare(uapi.CLONE_NEWNS), c.name)
			require.NoError(t, c.reader.Mount("proc", "/proc", "proc", 0, ""), c.name)
		}
		before := k.Snapshot()
		self, err := c.reader.Readlink("/proc/self")
		require.NoError(t, err, c.name)
		require.Equal(t, c.self, self, c.name)
		threadSelf, err := c.reader.Readlink("/proc/thread-self")
		require.NoError(t, err, c.name)
		require.Equal(t, c.self+"/task/"+c.self, threadSelf, c.name)

		names, err := c.reader.Readdir("/proc")
		require.NoError(t, err, c.name)
		require.Equal(t, c.listing, names, c.name)

		s, err := c.reader.ReadFile("/proc/1/status")
		require.NoError(t, err, c.name)
		require.Equal(t, "Name:\t"+c.pid1Name+"\n", statusLine(t, s, "Name"), c.name)

		s, err = c.reader.ReadFile(fmt.Sprintf("/proc/%d/status", c.c2))
		require.NoError(t, err, c.name)
		require.Equal(t, "Name:\tc2\n", statusLine(t, s, "Name"), c.name)
		require.Equal(t, c.c2NSpid, statusLine(t, s, "NSpid"), c.name)
		require.Equal(t, strings.Replace(c.c2NSpid, "NSpid", "NStgid", 1), statusLine(t, s, "NStgid"), c.name)
		require.Equal(t, c.c2NSpgid, statusLine(t, s, "NSpgid"), c.name)
		require.Equal(t, strings.Replace(c.c2NSpgid, "NSpgid", "NSsid", 1), statusLine(t, s, "NSsid"), c.name)
		require.Equal(t, fmt.Sprintf("Pid:\t%d\n", c.c2), statusLine(t, s, "Pid"), c.name)

		// c as the reader numbers it: the init of the innermost namespace.
		s, err = c.reader.ReadFile(fmt.Sprintf("/proc/%d/status", c.c2-1))
		require.NoError(t, err, c.name)
		require.Equal(t, "Name:\tc\n", statusLine(t, s, "Name"), c.name)
		require.Equal(t, c.cPPid, statusLine(t, s, "PPid"), c.name)

		// Thread directories use the reader's numbers too.
		tasks, err := c.reader.Readdir(fmt.Sprintf("/proc/%d/task", c.c2))
		require.NoError(t, err, c.name)
		require.Equal(t, []string{fmt.Sprint(c.c2)}, tasks, c.name)
		s, err = c.reader.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", c.c2, c.c2))
		require.NoError(t, err, c.name)
		require.Equal(t, c.c2NSpid, statusLine(t, s, "NSpid"), c.name)
		_, err = c.reader.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", c.c2, ch.c2.PID()+100))
		require.ErrorIs(t, err, uapi.ENOENT, c.name)
		if c.bTaskEntry != "" {
			tasks, err := c.reader.Readdir("/proc/" + c.bTaskEntry + "/task")
			require.NoError(t, err, c.name)
			require.Equal(t, []string{c.bTaskEntry}, tasks, c.name)
		}

		for _, nr := range c.invisible {
			for _, path := range []string{"/proc/%d", "/proc/%d/status", "/proc/%d/ns/pid"} {
				p := fmt.Sprintf(path, nr)
				_, err := c.reader.Open(p)
				require.ErrorIs(t, err, uapi.ENOENT, c.name+" "+p)
				var e *uapi.Error
				require.ErrorAs(t, err, &e, c.name)
				require.Equal(t, "proc_pid_lookup", e.Check, c.name+" "+p)
			}
		}
		require.Equal(t, before, k.Snapshot(), c.name)
	}

	// name_to_int: no sign, no leading zero; such names are no pid at all.
	for _, bad := range []string{"01", "+1", "-1", "1x", " 1", "4294967296"} {
		_, err := ch.init.Open("/proc/" + bad + "/status")
		require.ErrorIs(t, err, uapi.ENOENT, bad)
		var e *uapi.Error
		require.ErrorAs(t, err, &e, bad)
		require.Equal(t, "proc_lookup", e.Check, bad)
	}
}

// TestStatusGolden compares whole status files with golden files checked
// line by line against fs/proc/array.c (4.19.13): the init of the machine
// read by itself, and the init of the third nested pid namespace read from
// init_pid_ns (NStgid/NSpid with four numbers; NSpgid/NSsid 0 below the top
// level because the process group and session are init's, invisible there).
// Run with -update to rewrite the files; check any change against the kernel.
func TestStatusGolden(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		golden string
		path   func(ch chain) string
	}{
		{"status_init.golden", func(chain) string { return "/proc/1/status" }},
		{"status_nested.golden", func(ch chain) string { return fmt.Sprintf("/proc/%d/status", ch.c.PID()) }},
	} {
		t.Run(c.golden, func(t *testing.T) {
			t.Parallel()
			k := boot(t)
			ch := nestedChain(t, k)
			require.Equal(t, 4096, k.Config().MaxThreads()/2) // SigQ's limit on the default 1 GiB machine
			got, err := ch.init.ReadFile(c.path(ch))
			require.NoError(t, err)
			file := filepath.Join("testdata", c.golden)
			if *update {
				require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err)
			require.Equal(t, string(want), got)
		})
	}
}

// A zombie's status stays readable until it is reaped (proc_pid_lookup finds
// it while its pid is hashed): State Z, no Umask line (exit_fs cleared
// p->fs), FDSize 0 (exit_files), Threads 1 (nr_threads drops at release).
// After the reap the directory is gone (ENOENT) and a file opened before
// reads ESRCH (proc_single_show).
func TestStatusZombie(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	z, err := init.Clone(task.CloneArgs{Flags: sigchld, Comm: "z"})
	require.NoError(t, err)
	path := fmt.Sprintf("/proc/%d/status", z.PID())
	fd, err := init.Open(path)
	require.NoError(t, err)
	require.NoError(t, z.Exit(3))

	s, err := init.ReadFile(path)
	require.NoError(t, err)
	want := fmt.Sprintf("Name:\tz\nState:\tZ (zombie)\nTgid:\t%[1]d\nNgid:\t0\nPid:\t%[1]d\nPPid:\t1\nTracerPid:\t0\n"+
		"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t0\nGroups:\t \nNStgid:\t%[1]d\nNSpid:\t%[1]d\nNSpgid:\t1\nNSsid:\t1\n"+
		"Threads:\t1\nSigQ:\t0/4096\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n"+
		"SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\nCapInh:\t0000000000000000\nCapPrm:\t0000003fffffffff\n"+
		"CapEff:\t0000003fffffffff\nCapBnd:\t0000003fffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n", z.PID())
	require.Equal(t, want, s)
	names, err := init.Readdir("/proc")
	require.NoError(t, err)
	require.Contains(t, names, fmt.Sprint(z.PID()))

	// A container init that dies zaps its namespace, which sets SIGCHLD to
	// SIG_IGN (zap_pid_ns_processes): its zombie shows bit 17-1 in SigIgn.
	a, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld, Comm: "ctr"})
	require.NoError(t, err)
	_, err = a.Fork()
	require.NoError(t, err)
	require.NoError(t, a.Exit(0))
	s, err = init.ReadFile(fmt.Sprintf("/proc/%d/status", a.PID()))
	require.NoError(t, err)
	require.Equal(t, "State:\tZ (zombie)\n", statusLine(t, s, "State"))
	require.Equal(t, "SigIgn:\t0000000000010000\n", statusLine(t, s, "SigIgn"))
	require.Equal(t, fmt.Sprintf("NSpid:\t%d\t1\n", a.PID()), statusLine(t, s, "NSpid"))

	for _, p := range []*task.Task{z, a} {
		_, _, err = init.Wait(p.PID(), 0)
		require.NoError(t, err)
	}
	_, err = init.ReadFile(path)
	require.ErrorIs(t, err, uapi.ENOENT)
	_, err = init.Read(fd, 4096)
	require.ErrorIs(t, err, uapi.ESRCH)
	require.NoError(t, init.Close(fd))
}

// Uid and Gid are translated into the user namespace of the opener's
// credentials (seq_user_ns → f_cred->user_ns) with from_k[ug]id_munged: an id
// unmapped there reads as the overflow id 65534 (reference §12).
func TestStatusUnmappedReader(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	u := unprivileged(t, init)
	c, err := u.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | sigchld, Comm: "userns"})
	require.NoError(t, err)
	self := fmt.Sprintf("/proc/%d/status", c.PID())
	for _, r := range []struct {
		name, path   string
		reader       *task.Task
		uid, gid     string
		capEff, capB string
	}{
		{"init read by the unmapped child", "/proc/1/status", c, "Uid:\t65534\t65534\t65534\t65534\n", "Gid:\t65534\t65534\t65534\t65534\n", "CapEff:\t0000003fffffffff\n", "CapBnd:\t0000003fffffffff\n"},
		{"the child read by itself", self, c, "Uid:\t65534\t65534\t65534\t65534\n", "Gid:\t65534\t65534\t65534\t65534\n", "CapEff:\t0000003fffffffff\n", "CapBnd:\t0000003fffffffff\n"},
		{"the child read by its parent", self, u, "Uid:\t1000\t1000\t1000\t1000\n", "Gid:\t1000\t1000\t1000\t1000\n", "CapEff:\t0000003fffffffff\n", "CapBnd:\t0000003fffffffff\n"},
		{"the parent read by init", fmt.Sprintf("/proc/%d/status", u.PID()), init, "Uid:\t1000\t1000\t1000\t1000\n", "Gid:\t1000\t1000\t1000\t1000\n", "CapEff:\t0000000000000000\n", "CapBnd:\t0000003fffffffff\n"},
	} {
		s, err := r.reader.ReadFile(r.path)
		require.NoError(t, err, r.name)
		require.Equal(t, r.uid, statusLine(t, s, "Uid"), r.name)
		require.Equal(t, r.gid, statusLine(t, s, "Gid"), r.name)
		require.Equal(t, r.capEff, statusLine(t, s, "CapEff"), r.name)
		require.Equal(t, r.capB, statusLine(t, s, "CapBnd"), r.name)
	}

	// Once uid 1000 is mapped to 0 inside, the child reads itself as root
	// while init's uid 0 stays unmapped.
	_, err = u.WriteFile(fmt.Sprintf("/proc/%d/uid_map", c.PID()), "0 1000 1\n")
	require.NoError(t, err)
	s, err := c.ReadFile(self)
	require.NoError(t, err)
	require.Equal(t, "Uid:\t0\t0\t0\t0\n", statusLine(t, s, "Uid"))
	require.Equal(t, "Gid:\t65534\t65534\t65534\t65534\n", statusLine(t, s, "Gid"))
	s, err = c.ReadFile("/proc/1/status")
	require.NoError(t, err)
	require.Equal(t, "Uid:\t65534\t65534\t65534\t65534\n", statusLine(t, s, "Uid"))
}

// Threads counts the group (get_nr_threads), each thread's own status has its
// own Pid and the group's Tgid, and FDSize follows the fd table's size
// (alloc_fdtable: 64 embedded slots, then 128 * a power of two).
func TestStatusThreadsAndFDSize(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	p, err := init.Clone(task.CloneArgs{Flags: sigchld, Comm: "proc"})
	require.NoError(t, err)
	th, err := p.Clone(task.CloneArgs{Flags: uapi.CLONE_VM | uapi.CLONE_SIGHAND | uapi.CLONE_THREAD | uapi.CLONE_FILES, Comm: "worker"})
	require.NoError(t, err)

	names, err := init.Readdir(fmt.Sprintf("/proc/%d/task", p.PID()))
	require.NoError(t, err)
	require.Equal(t, []string{fmt.Sprint(p.PID()), fmt.Sprint(th.PID())}, names)
	listing, err := init.Readdir("/proc")
	require.NoError(t, err)
	require.NotContains(t, listing, fmt.Sprint(th.PID())) // only group leaders are listed

	for _, c := range []struct {
		path, name string
		pid        int32
	}{
		{fmt.Sprintf("/proc/%d/status", p.PID()), "proc", p.PID()},
		{fmt.Sprintf("/proc/%d/task/%d/status", p.PID(), th.PID()), "worker", th.PID()},
		{fmt.Sprintf("/proc/%d/status", th.PID()), "worker", th.PID()}, // any thread's id resolves
	} {
		s, err := init.ReadFile(c.path)
		require.NoError(t, err, c.path)
		require.Equal(t, "Name:\t"+c.name+"\n", statusLine(t, s, "Name"), c.path)
		require.Equal(t, fmt.Sprintf("Tgid:\t%d\n", p.PID()), statusLine(t, s, "Tgid"), c.path)
		require.Equal(t, fmt.Sprintf("Pid:\t%d\n", c.pid), statusLine(t, s, "Pid"), c.path)
		require.Equal(t, fmt.Sprintf("NStgid:\t%d\n", p.PID()), statusLine(t, s, "NStgid"), c.path)
		require.Equal(t, "PPid:\t1\n", statusLine(t, s, "PPid"), c.path)
		require.Equal(t, "Threads:\t2\n", statusLine(t, s, "Threads"), c.path)
	}
	link, err := th.Readlink("/proc/thread-self")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d/task/%d", p.PID(), th.PID()), link)

	// A table with descriptors 0..63 still fits the embedded array; the
	// 65th (fd 64) makes alloc_fdtable(64) give 128 slots, fd 128 gives 256.
	status := fmt.Sprintf("/proc/%d/status", p.PID())
	for _, step := range []struct{ open, fdsize int }{{64, 64}, {1, 128}, {64, 256}} {
		for i := 0; i < step.open; i++ {
			_, err := p.Open("/proc")
			require.NoError(t, err)
		}
		s, err := init.ReadFile(status)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("FDSize:\t%d\n", step.fdsize), statusLine(t, s, "FDSize"))
	}
	// The table never shrinks.
	for _, fd := range p.Fds()[1:] {
		require.NoError(t, p.Close(fd))
	}
	s, err := init.ReadFile(status)
	require.NoError(t, err)
	require.Equal(t, "FDSize:\t256\n", statusLine(t, s, "FDSize"))

	// The name is cut to TASK_COMM_LEN-1 bytes; '\n' and '\\' are escaped.
	odd, err := init.Clone(task.CloneArgs{Flags: sigchld, Comm: "a\\b\nc-0123456789abcdef"})
	require.NoError(t, err)
	s, err = init.ReadFile(fmt.Sprintf("/proc/%d/status", odd.PID()))
	require.NoError(t, err)
	require.Equal(t, "Name:\ta\\\\b\\nc-012345678\n", statusLine(t, s, "Name"))
}

// status is mode 0444: opening it for writing needs CAP_DAC_OVERRIDE
// (generic_permission), and a file opened that way still cannot be written
// (vfs_write: EINVAL, no write operation).
func TestStatusOpenForWrite(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	u := unprivileged(t, init)
	self := fmt.Sprintf("/proc/%d/status", u.PID())
	before := k.Snapshot()
	_, err := u.OpenFlags(self, task.O_WRONLY)
	require.ErrorIs(t, err, uapi.EACCES) // even the owner: no write bit
	require.Equal(t, before, k.Snapshot())

	fd, err := init.OpenFlags(self, task.O_RDWR)
	require.NoError(t, err)
	_, err = init.Write(fd, []byte("x"))
	require.ErrorIs(t, err, uapi.EINVAL)
	b, err := init.Read(fd, 6)
	require.NoError(t, err)
	require.Equal(t, "Name:\t", string(b))
	require.NoError(t, init.Close(fd))
}

// Readers walk /proc and read every status while a container init forks and
// reaps children: each read either succeeds or finds the process gone
// (ENOENT at lookup, ESRCH once reaped), and the race detector sees no
// unsynchronised access to a task being created or released.
func TestStatusConcurrentWithForkAndReap(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	ctr, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld, Comm: "ctr"})
	require.NoError(t, err)
	outside, err := init.Fork()
	require.NoError(t, err)
	inside, err := ctr.Fork()
	require.NoError(t, err)

	done := make(chan struct{})
	errs := make(chan error, 3)
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			c, err := ctr.Fork()
			if err == nil {
				err = c.Exit(0)
			}
			if err == nil {
				_, _, err = ctr.Wait(-1, 0)
			}
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	read := func(r *task.Task) error {
		for {
			select {
			case <-done:
				return nil
			default:
			}
			names, err := r.Readdir("/proc")
			if err != nil {
				return err
			}
			for _, n := range names[3:] {
				s, err := r.ReadFile("/proc/" + n + "/status")
				if err != nil && !errors.Is(err, uapi.ENOENT) && !errors.Is(err, uapi.ESRCH) {
					return err
				}
				if err == nil && !strings.HasPrefix(s, "Name:\t") {
					return fmt.Errorf("bad status %q", s)
				}
				if _, err := r.Readdir("/proc/" + n + "/task"); err != nil && !errors.Is(err, uapi.ENOENT) {
					return err
				}
			}
		}
	}
	for _, r := range []*task.Task{outside, inside} {
		go func() { errs <- read(r) }()
	}
	for range 2 {
		require.NoError(t, <-errs)
	}
	select {
	case err := <-errs:
		require.NoError(t, err)
	default:
	}
}

// Reference §11.5: mainline prints "Kthread:\t0|1" right after NSsid; 4.19
// has no such line.
func TestStatusKthreadLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flavour kernsim.Flavour
		after   string // what follows the NSsid line
	}{
		{kernsim.Linux419, "Threads:\t1\n"},
		{kernsim.Mainline, "Kthread:\t0\n"},
	} {
		k, err := kernsim.Boot(kernsim.Config{Flavour: c.flavour})
		require.NoError(t, err)
		s, err := k.Init().ReadFile("/proc/self/status")
		require.NoError(t, err)
		i := strings.Index(s, "NSsid:\t1\n")
		require.Positive(t, i, c.flavour)
		require.True(t, strings.HasPrefix(s[i+len("NSsid:\t1\n"):], c.after), "%v: %q", c.flavour, s)
		require.NoError(t, k.Check())
		k.PowerOff()
		require.NoError(t, k.Leaks())
	}
}
