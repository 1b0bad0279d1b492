package procfs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

const lastPid = "/proc/sys/kernel/ns_last_pid"

// Reference §11.6: ns_last_pid reads the reader's active pid namespace's last
// pid ("%d\n"), and a write of N makes the next fork there try N+1.
func TestNsLastPid(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	names, err := init.Readdir("/proc/sys/kernel")
	require.NoError(t, err)
	require.Equal(t, []string{"auto_msgmni", "domainname", "hostname", "msgmax", "msgmnb", "msgmni", "ns_last_pid", "pid_max", "sem", "shm_rmid_forced", "shmall", "shmmax", "shmmni"}, names)

	s, err := init.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, "1\n", s) // only init has a pid
	a, err := init.Fork()
	require.NoError(t, err)
	s, err = init.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d\n", a.PID()), s)

	n, err := init.WriteFile(lastPid, "99\n")
	require.NoError(t, err)
	require.Equal(t, 3, n)
	s, err = a.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, "99\n", s)
	b, err := a.Fork()
	require.NoError(t, err)
	require.Equal(t, int32(100), b.PID())

	// A new pid namespace has its own cursor: its init is 1 there, and a
	// write inside moves only that cursor.
	c, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld})
	require.NoError(t, err)
	require.Equal(t, int32(101), c.PID())
	s, err = c.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, "1\n", s)
	_, err = c.WriteFile(lastPid, "41")
	require.NoError(t, err)
	d, err := c.Fork()
	require.NoError(t, err)
	require.Equal(t, int32(42), d.PidIn(c.ActivePidNS()))
	require.Equal(t, int32(102), d.PID())
	s, err = init.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, "102\n", s)
	s, err = d.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, "42\n", s)

	// Like every integer sysctl, a read answers only at offset 0 and cuts
	// the text to the buffer, dropping the newline that does not fit.
	fd, err := init.Open(lastPid)
	require.NoError(t, err)
	part, err := init.Read(fd, 2)
	require.NoError(t, err)
	require.Equal(t, "10", string(part))
	part, err = init.Read(fd, 100)
	require.NoError(t, err)
	require.Empty(t, part)
	require.NoError(t, init.Close(fd))

	// A write at a non-zero offset is ignored whole (sysctl_writes_strict)
	// but reports its full count.
	fd, err = init.OpenFlags(lastPid, task.O_WRONLY)
	require.NoError(t, err)
	n, err = init.Write(fd, []byte("200"))
	require.NoError(t, err)
	require.Equal(t, 3, n)
	n, err = init.Write(fd, []byte("300"))
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.NoError(t, init.Close(fd))
	s, err = init.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, "200\n", s)
}

// The value goes through proc_dointvec_minmax with [0, pid_max]
// (kernel/sysctl.c): leading blanks skipped, base 0 (hex and octal), the byte
// after the number a blank, the result cut to an int, trailing blanks
// consumed and anything after them left unwritten (a short count). Every
// failure is EINVAL and changes nothing.
func TestNsLastPidParse(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	for _, c := range []struct {
		in    string
		count int // the count write(2) reports
		last  int // ns_last_pid afterwards
	}{
		{"500", 3, 500},
		{" \t500\n", 6, 500},
		{"0x1f4", 5, 500},
		{"0X1F4\n", 6, 500},
		{"0764", 4, 500},        // octal
		{"500 7", 4, 500},       // "7" is left unwritten
		{"500\n\n", 5, 500},     // trailing blanks are consumed
		{"-0", 2, 0},            // minus zero is zero
		{"32768", 5, 32768},     // pid_max itself is allowed
		{"4294967796", 10, 500}, // 2^32 + 500: cut to an int
		{"\xa0500", 4, 500},     // 0xa0 is a space to the kernel's ctype
		{strings.Repeat("0", 20), 20, 0},
	} {
		n, err := init.WriteFile(lastPid, c.in)
		require.NoError(t, err, "%q", c.in)
		require.Equal(t, c.count, n, "%q", c.in)
		s, err := init.ReadFile(lastPid)
		require.NoError(t, err, "%q", c.in)
		require.Equal(t, fmt.Sprintf("%d\n", c.last), s, "%q", c.in)
	}

	_, err := init.WriteFile(lastPid, "500")
	require.NoError(t, err)
	for _, bad := range []string{
		" ", "\n", "abc", "+5", "-1", "-", "32769", "12abc", "1.5", "08", "0x", "0xg",
		"5\x00", "\x00", "1,2", strings.Repeat("0", 21), "-2147483648", "2147483648",
	} {
		before := k.Snapshot()
		_, err := init.WriteFile(lastPid, bad)
		require.ErrorIs(t, err, uapi.EINVAL, "%q", bad)
		var e *uapi.Error
		require.ErrorAs(t, err, &e, "%q", bad)
		require.Equal(t, "proc_dointvec_minmax", e.Check, "%q", bad)
		require.Equal(t, before, k.Snapshot(), "%q", bad)
		s, err := init.ReadFile(lastPid)
		require.NoError(t, err)
		require.Equal(t, "500\n", s, "%q", bad)
	}
	// An empty write stores nothing and is no error.
	n, err := init.WriteFile(lastPid, "")
	require.NoError(t, err)
	require.Zero(t, n)
}

// Writing needs CAP_SYS_ADMIN over the owner of the writer's active pid
// namespace (pid_ns_ctl_handler, EPERM); the file is 0666, so opening always
// works, and reading needs nothing.
func TestNsLastPidPermission(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	u := unprivileged(t, init)
	s, err := u.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d\n", u.PID()), s)

	// Root of a new user namespace still lives in init_pid_ns, owned by
	// init_user_ns; an unprivileged process of a pid namespace that root
	// created is no better off.
	root := unprivileged(t, init)
	require.NoError(t, root.Unshare(uapi.CLONE_NEWUSER))
	ctr, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld})
	require.NoError(t, err)
	inside := unprivileged(t, ctr)
	for _, w := range []struct {
		name string
		who  *task.Task
	}{
		{"unprivileged", u},
		{"root of a child user namespace", root},
		{"unprivileged in a child pid namespace", inside},
	} {
		before := k.Snapshot()
		_, err := w.who.WriteFile(lastPid, "7")
		require.ErrorIs(t, err, uapi.EPERM, w.name)
		var e *uapi.Error
		require.ErrorAs(t, err, &e, w.name)
		require.Equal(t, "pid_ns_ctl_handler", e.Check, w.name)
		require.Equal(t, before, k.Snapshot(), w.name)
		fd, err := w.who.OpenFlags(lastPid, task.O_RDWR) // mode 0666
		require.NoError(t, err, w.name)
		_, err = w.who.Write(fd, nil) // the handler checks even an empty write
		require.ErrorIs(t, err, uapi.EPERM, w.name)
		require.NoError(t, w.who.Close(fd), w.name)
	}

	// The pid namespace root creates is owned by its user namespace: there
	// it may write, and the next fork takes the number after the one written.
	c, err := root.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWPID | sigchld})
	require.NoError(t, err)
	n, err := c.WriteFile(lastPid, "9\n")
	require.NoError(t, err)
	require.Equal(t, 2, n)
	d, err := c.Fork()
	require.NoError(t, err)
	require.Equal(t, int32(10), d.PidIn(c.ActivePidNS()))
	s, err = ctr.ReadFile(lastPid)
	require.NoError(t, err)
	require.Equal(t, "2\n", s) // the other namespace's cursor did not move
}

// The sysctl integer parser's overflow rules per flavour: 4.19.13 cuts the
// value to 32 bits (4294967301 stores 5), mainline refuses a magnitude above
// INT_MAX or an unsigned long overflow (EINVAL, as 6.18 answers for
// ns_last_pid); a failed write stores nothing.
func TestSysctlOverflowPerFlavour(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fl    kernsim.Flavour
		write string
		want  string // the value read back, "" for EINVAL
	}{
		{kernsim.Linux419, "4294967301", "5\n"},
		{kernsim.Mainline, "4294967301", ""},
		{kernsim.Mainline, "0x10000000000000005", ""},
		{kernsim.Linux419, "0x10000000000000005", "5\n"},
		{kernsim.Mainline, "2147483647", ""}, // in int range, above pid_max: EINVAL by range
		{kernsim.Mainline, "7", "7\n"},
	} {
		k := kernsimtest.Boot(t, kernsim.Config{Flavour: c.fl})
		before, err := k.Init().ReadFile("/proc/sys/kernel/ns_last_pid")
		require.NoError(t, err)
		_, err = k.Init().WriteFile("/proc/sys/kernel/ns_last_pid", c.write)
		got, rerr := k.Init().ReadFile("/proc/sys/kernel/ns_last_pid")
		require.NoError(t, rerr)
		if c.want == "" {
			require.ErrorIs(t, err, uapi.EINVAL, "%v %s", c.fl, c.write)
			require.Equal(t, before, got)
			continue
		}
		require.NoError(t, err, "%v %s", c.fl, c.write)
		require.Equal(t, c.want, got, "%v %s", c.fl, c.write)
	}
}
