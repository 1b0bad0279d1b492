package uapi_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/uapi"
)

// TestCloneFlagValues checks every flag against the table of reference §1.1
// (include/uapi/linux/sched.h), written out here as literals.
func TestCloneFlagValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		got  uapi.CloneFlags
		want uint64
	}{
		{"CSIGNAL", uapi.CSIGNAL, 0x000000ff},
		{"CLONE_NEWTIME", uapi.CLONE_NEWTIME, 0x00000080},
		{"CLONE_VM", uapi.CLONE_VM, 0x00000100},
		{"CLONE_FS", uapi.CLONE_FS, 0x00000200},
		{"CLONE_FILES", uapi.CLONE_FILES, 0x00000400},
		{"CLONE_SIGHAND", uapi.CLONE_SIGHAND, 0x00000800},
		{"CLONE_PIDFD", uapi.CLONE_PIDFD, 0x00001000},
		{"CLONE_PTRACE", uapi.CLONE_PTRACE, 0x00002000},
		{"CLONE_VFORK", uapi.CLONE_VFORK, 0x00004000},
		{"CLONE_PARENT", uapi.CLONE_PARENT, 0x00008000},
		{"CLONE_THREAD", uapi.CLONE_THREAD, 0x00010000},
		{"CLONE_NEWNS", uapi.CLONE_NEWNS, 0x00020000},
		{"CLONE_SYSVSEM", uapi.CLONE_SYSVSEM, 0x00040000},
		{"CLONE_SETTLS", uapi.CLONE_SETTLS, 0x00080000},
		{"CLONE_PARENT_SETTID", uapi.CLONE_PARENT_SETTID, 0x00100000},
		{"CLONE_CHILD_CLEARTID", uapi.CLONE_CHILD_CLEARTID, 0x00200000},
		{"CLONE_DETACHED", uapi.CLONE_DETACHED, 0x00400000},
		{"CLONE_UNTRACED", uapi.CLONE_UNTRACED, 0x00800000},
		{"CLONE_CHILD_SETTID", uapi.CLONE_CHILD_SETTID, 0x01000000},
		{"CLONE_NEWCGROUP", uapi.CLONE_NEWCGROUP, 0x02000000},
		{"CLONE_NEWUTS", uapi.CLONE_NEWUTS, 0x04000000},
		{"CLONE_NEWIPC", uapi.CLONE_NEWIPC, 0x08000000},
		{"CLONE_NEWUSER", uapi.CLONE_NEWUSER, 0x10000000},
		{"CLONE_NEWPID", uapi.CLONE_NEWPID, 0x20000000},
		{"CLONE_NEWNET", uapi.CLONE_NEWNET, 0x40000000},
		{"CLONE_IO", uapi.CLONE_IO, 0x80000000},
		{"CLONE_CLEAR_SIGHAND", uapi.CLONE_CLEAR_SIGHAND, 1 << 32},
		{"CLONE_INTO_CGROUP", uapi.CLONE_INTO_CGROUP, 1 << 33},
	} {
		assert.Equal(t, tc.want, uint64(tc.got), tc.name)
		if tc.name != "CSIGNAL" {
			assert.Equal(t, tc.name, tc.got.String(), "String of a single flag is its name")
			p, err := uapi.ParseCloneFlags(tc.name)
			require.NoError(t, err)
			assert.Equal(t, tc.got, p)
		}
	}
}

// TestDerivedMasks checks the masks against the values §1.1 derives.
func TestDerivedMasks(t *testing.T) {
	t.Parallel()
	assert.Equal(t, uint64(0x6E020000), uint64(uapi.NSProxyFlags419))
	assert.Equal(t, uint64(0x6E020080), uint64(uapi.NSProxyFlagsMainline))
	assert.Equal(t, uint64(0x7E070F00), uint64(uapi.UnshareAllowed419))
	assert.Equal(t, uint64(0x7E070F80), uint64(uapi.UnshareAllowedMainline))
	assert.Equal(t, uint64(0x80), uint64(uapi.NSProxyFlagsMainline-uapi.NSProxyFlags419))
	assert.Equal(t, uint64(0x80), uint64(uapi.UnshareAllowedMainline-uapi.UnshareAllowed419))
	assert.Zero(t, uapi.NSProxyFlags419&uapi.CLONE_NEWUSER, "CLONE_NEWUSER is handled by the cred code")
	// The 8 namespace bits of setns with a pidfd [M 5.8].
	assert.Equal(t, uint64(0x7E020080), uint64(uapi.AllNamespaceFlags))
}

// TestErrnoTable checks common errnos against Linux's numbers
// (asm-generic/errno-base.h, errno.h) and glibc's strerror texts.
func TestErrnoTable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    uapi.Errno
		num  int
		name string
		msg  string
	}{
		{uapi.EPERM, 1, "EPERM", "Operation not permitted"},
		{uapi.ENOENT, 2, "ENOENT", "No such file or directory"},
		{uapi.ESRCH, 3, "ESRCH", "No such process"},
		{uapi.EINTR, 4, "EINTR", "Interrupted system call"},
		{uapi.EBADF, 9, "EBADF", "Bad file descriptor"},
		{uapi.ECHILD, 10, "ECHILD", "No child processes"},
		{uapi.EAGAIN, 11, "EAGAIN", "Resource temporarily unavailable"},
		{uapi.ENOMEM, 12, "ENOMEM", "Cannot allocate memory"},
		{uapi.EACCES, 13, "EACCES", "Permission denied"},
		{uapi.EFAULT, 14, "EFAULT", "Bad address"},
		{uapi.EBUSY, 16, "EBUSY", "Device or resource busy"},
		{uapi.EEXIST, 17, "EEXIST", "File exists"},
		{uapi.EINVAL, 22, "EINVAL", "Invalid argument"},
		{uapi.EMFILE, 24, "EMFILE", "Too many open files"},
		{uapi.ENOTTY, 25, "ENOTTY", "Inappropriate ioctl for device"},
		{uapi.ENOSPC, 28, "ENOSPC", "No space left on device"},
		{uapi.ENAMETOOLONG, 36, "ENAMETOOLONG", "File name too long"},
		{uapi.ENOSYS, 38, "ENOSYS", "Function not implemented"},
		{uapi.EUSERS, 87, "EUSERS", "Too many users"},
		{uapi.EOPNOTSUPP, 95, "EOPNOTSUPP", "Operation not supported"},
	} {
		assert.Equal(t, tc.num, int(tc.e), tc.name)
		assert.Equal(t, tc.name, tc.e.Name())
		assert.Equal(t, tc.msg, tc.e.Message())
		assert.Equal(t, tc.name+" ("+tc.msg+")", tc.e.Error())
		byName, ok := uapi.ErrnoByName(tc.name)
		assert.True(t, ok, tc.name)
		assert.Equal(t, tc.e, byName)
	}
	// Aliases (asm-generic/errno.h).
	assert.Equal(t, uapi.EAGAIN, uapi.EWOULDBLOCK)
	assert.Equal(t, uapi.EDEADLK, uapi.EDEADLOCK)
	assert.Equal(t, uapi.EOPNOTSUPP, uapi.ENOTSUP)
	for alias, want := range map[string]uapi.Errno{"EWOULDBLOCK": uapi.EAGAIN, "EDEADLOCK": uapi.EDEADLK, "ENOTSUP": uapi.EOPNOTSUPP} {
		got, ok := uapi.ErrnoByName(alias)
		assert.True(t, ok, alias)
		assert.Equal(t, want, got, alias)
	}
	_, ok := uapi.ErrnoByName("ENOPE")
	assert.False(t, ok)
	// Numbers without a name (41, 58 are unused on Linux) and kernel-internal ones.
	assert.Equal(t, "errno 41", uapi.Errno(41).Name())
	assert.Equal(t, "Unknown error 41", uapi.Errno(41).Message())
	assert.Equal(t, "ERESTARTSYS", uapi.ERESTARTSYS.Name())
	assert.Equal(t, 512, int(uapi.ERESTARTSYS))
	assert.Equal(t, 513, int(uapi.ERESTARTNOINTR))
}

// TestErrnoMatchesHost compares every errno 1..133 with the host's syscall
// package on Linux: same number, same message (Go lower-cases the first letter).
func TestErrnoMatchesHost(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("errno numbers are Linux's")
	}
	for n := 1; n <= 133; n++ {
		e := uapi.Errno(n)
		host := syscall.Errno(n).Error()
		if strings.HasPrefix(host, "errno ") {
			continue // not in Go's table (41 and 58 are unused; Go stops at 132)
		}
		assert.True(t, strings.EqualFold(host, e.Message()), "errno %d: %q vs host %q", n, e.Message(), host)
		assert.ErrorIs(t, e, syscall.Errno(n))
	}
}

func TestErrorsIs(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("wrapped: %w", uapi.Err("setns", uapi.EPERM, "no CAP_SYS_ADMIN", "utsns_install"))
	assert.ErrorIs(t, err, uapi.EPERM)
	assert.ErrorIs(t, err, syscall.Errno(1))
	assert.NotErrorIs(t, err, uapi.EINVAL)
	assert.NotErrorIs(t, err, syscall.Errno(22))
	assert.ErrorIs(t, uapi.EINVAL, syscall.Errno(22))
	assert.NotErrorIs(t, uapi.EINVAL, errors.New("EINVAL (Invalid argument)"))
	assert.Equal(t, uapi.EPERM, uapi.ErrnoOf(err))
	assert.Equal(t, uapi.ENOENT, uapi.ErrnoOf(syscall.Errno(2)))
	assert.Zero(t, uapi.ErrnoOf(nil))
	assert.Zero(t, uapi.ErrnoOf(errors.New("x")))

	var e *uapi.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "setns: EPERM (Operation not permitted): no CAP_SYS_ADMIN (utsns_install)", e.Error())
	r := e.WithOp("clone")
	assert.Equal(t, "clone", r.Op)
	assert.Equal(t, "setns", e.Op, "WithOp copies")
	assert.Equal(t, "clone: EINVAL (Invalid argument)", uapi.Err("clone", uapi.EINVAL, "", "").Error())
}

func TestParseCloneFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want uapi.CloneFlags
	}{
		{"0", 0},
		{"CLONE_NEWUTS", uapi.CLONE_NEWUTS},
		{" CLONE_NEWUSER | CLONE_NEWUTS ", uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS},
		{"CLONE_NEWUTS|17", uapi.CLONE_NEWUTS | 17},
		{"0x6E020000", uapi.NSProxyFlags419},
		{"CSIGNAL", uapi.CSIGNAL},
		{"CLONE_INTO_CGROUP|CLONE_CLEAR_SIGHAND", 3 << 32},
	} {
		got, err := uapi.ParseCloneFlags(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	// Round trip: String then Parse gives the flags back, for every single bit
	// and some mixes with unnamed bits.
	for i := range 64 {
		f := uapi.CloneFlags(1) << i
		got, err := uapi.ParseCloneFlags(f.String())
		require.NoError(t, err, f.String())
		assert.Equal(t, f, got, f.String())
	}
	for _, f := range []uapi.CloneFlags{0, uapi.UnshareAllowed419 | 0x11, ^uapi.CloneFlags(0), uapi.AllNamespaceFlags} {
		got, err := uapi.ParseCloneFlags(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, got, f.String())
	}
	assert.Equal(t, "CLONE_NEWUTS|CLONE_NEWUSER", (uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS).String())
	assert.Equal(t, "CLONE_NEWUTS|0x11", (uapi.CLONE_NEWUTS | 0x11).String())

	for _, bad := range []string{"CLONE_NEWFOO", "", "CLONE_NEWUTS|", "0xZZ", "-1"} {
		_, err := uapi.ParseCloneFlags(bad)
		require.Error(t, err, "%q", bad)
		assert.ErrorIs(t, err, uapi.EINVAL, "%q", bad)
	}
}

func TestCaps(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 21, int(uapi.CAP_SYS_ADMIN))
	assert.Equal(t, 37, int(uapi.CAP_LAST_CAP_419))
	assert.Equal(t, 40, int(uapi.CAP_LAST_CAP_MAINLINE))
	assert.Equal(t, uint64(0x3fffffffff), uint64(uapi.CapFull(uapi.CAP_LAST_CAP_419)))
	assert.Equal(t, "CAP_SYS_ADMIN", uapi.CAP_SYS_ADMIN.String())
	s := uapi.CapSet(0).With(uapi.CAP_SYS_ADMIN)
	assert.True(t, s.Has(uapi.CAP_SYS_ADMIN))
	assert.False(t, s.Without(uapi.CAP_SYS_ADMIN).Has(uapi.CAP_SYS_ADMIN))
}
