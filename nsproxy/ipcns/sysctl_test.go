package ipcns_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// TestSysctlWrite419 has one row per outcome of the 4.19 handlers
// (kernel/sysctl.c __do_proc_dointvec, __do_proc_doulongvec_minmax,
// proc_get_long; ipc/ipc_sysctl.c). Rows with an errno check that nothing
// changed; the rows marked partial show the kernel keeping the values
// parsed before the bad one.
func TestSysctlWrite419(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, in string
		n              int        // count write(2) reports
		errno          uapi.Errno // 0: success
		after          string     // the file afterwards ("" = unchanged)
	}{
		{"plain", "msgmni", "12", 2, 0, "12\n"},
		{"newline", "msgmni", "12\n", 3, 0, "12\n"},
		{"leading and trailing space", "msgmni", "  12  ", 6, 0, "12\n"},
		{"rest after trailing space left unwritten", "msgmni", "  12  34", 6, 0, "12\n"},
		{"octal", "msgmni", "010", 3, 0, "8\n"},
		{"hex", "shmmni", "0x1F", 4, 0, "31\n"},
		{"0x without digits is octal 0 then x", "msgmni", "0x", 0, uapi.EINVAL, ""},
		{"empty write", "msgmni", "", 0, 0, ""},
		{"only space", "msgmni", " \n", 0, uapi.EINVAL, ""},
		{"lone minus", "msgmni", "-", 0, uapi.EINVAL, ""},
		{"plus sign", "msgmni", "+5", 0, uapi.EINVAL, ""},
		{"trailing garbage", "msgmnb", "5x", 0, uapi.EINVAL, ""},
		{"comma is not a separator", "sem", "1,2", 0, uapi.EINVAL, ""},
		{"21 digits", "msgmax", "000000000000000000001", 0, uapi.EINVAL, ""},
		{"20 digits", "msgmax", "00000000000000000001 ", 21, 0, "1\n"},
		{"above INT_MAX", "msgmax", "2147483648", 0, uapi.EINVAL, ""},
		// 4.19.13's do_proc_dointvec_minmax_conv cuts the value to an int
		// before the range check (the overflow check came with 5.1 and
		// later stable releases): 2^32+5 stores 5.
		{"2^32+5 wraps in minmax", "msgmni", "4294967301", 10, 0, "5\n"},
		{"2^32+5 is refused by plain dointvec", "shmmni", "4294967301", 0, uapi.EINVAL, ""},
		{"msgmni up to INT_MAX in 4.19", "msgmni", "2147483647", 10, 0, "2147483647\n"},
		{"minmax rejects negative", "msgmax", "-1", 0, uapi.EINVAL, ""},
		{"shmmni plain dointvec takes negative", "shmmni", "-5", 2, 0, "-5\n"},
		{"shmmni above IPCMNI in 4.19", "shmmni", "40000", 5, 0, "40000\n"},
		{"INT_MIN", "shmmni", "-2147483648", 11, 0, "-2147483648\n"},
		{"below INT_MIN", "shmmni", "-2147483649", 0, uapi.EINVAL, ""},
		{"shm_rmid_forced 2", "shm_rmid_forced", "2", 0, uapi.EINVAL, ""},
		{"shm_rmid_forced 1", "shm_rmid_forced", "1", 1, 0, "1\n"},
		{"auto_msgmni accepts 1, keeps 0", "auto_msgmni", "1", 1, 0, "0\n"},
		{"auto_msgmni 2", "auto_msgmni", "2", 0, uapi.EINVAL, ""},
		{"sem four values", "sem", "250 32000 32 128", 16, 0, "250\t32000\t32\t128\n"},
		{"sem tabs and newlines", "sem", "5\t6\n7 8 9", 8, 0, "5\t6\t7\t8\n"},
		{"sem fewer values", "sem", "1 2", 3, 0, "1\t2\t500\t32000\n"},
		{"sem partial: values before the bad one kept", "sem", "1 2 x", 0, uapi.EINVAL, "1\t2\t500\t32000\n"},
		{"sem semmni above IPCMNI in 4.19", "sem", "1 2 3 40000", 11, 0, "1\t2\t3\t40000\n"},
		{"shmmax", "shmmax", "4096", 4, 0, "4096\n"},
		{"shmmax ULONG_MAX", "shmmax", "18446744073709551615", 20, 0, "18446744073709551615\n"},
		{"shmmax overflow wraps in 4.19", "shmmax", "99999999999999999999", 20, 0, "7766279631452241919\n"},
		{"shmmax negative skipped silently", "shmmax", "-1", 2, 0, ""},
		{"shmall negative then rest left", "shmall", "-1 5", 3, 0, ""},
		{"nbsp is white space", "msgmni", "\xa07", 2, 0, "7\n"},
		{"NUL ends the number badly", "msgmni", "7\x00", 0, uapi.EINVAL, ""},
		{"write cut at PAGE_SIZE-1", "msgmni", "7" + strings.Repeat(" ", 5000), 5001, 0, "7\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFix(t, refcount.Linux419)
			n := f.newNS(t)
			before, err := n.SysctlRead(tc.file, 0, 100)
			require.NoError(t, err)
			cnt, err := n.SysctlWrite(f.ctx, tc.file, 0, []byte(tc.in))
			if tc.errno != 0 {
				require.ErrorIs(t, err, tc.errno)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.n, cnt)
			after, err := n.SysctlRead(tc.file, 0, 100)
			require.NoError(t, err)
			want := tc.after
			if want == "" {
				want = string(before)
			}
			assert.Equal(t, want, string(after))
			n.Put(f.ctx)
		})
	}
}

// TestSysctlMainline covers the 5.1+/6.18 differences, checked on this
// machine by TestDifferentialSysvipcMainline.
func TestSysctlMainline(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Mainline)
	n := f.newNS(t)
	for _, tc := range []struct {
		file, in string
		errno    uapi.Errno
		after    string
	}{
		{"shmmni", "40000", uapi.EINVAL, "4096\n"},
		{"shmmni", "-5", uapi.EINVAL, "4096\n"},
		{"msgmni", "32769", uapi.EINVAL, "32000\n"},
		{"sem", "1 2 3 40000", uapi.ERANGE, "1\t2\t3\t32000\n"},
		{"shmmax", "-1", uapi.EINVAL, "18446744073692774399\n"},
		{"shmmax", "99999999999999999999", uapi.EINVAL, "18446744073692774399\n"},
		{"msgmni", "32768", 0, "32768\n"},
	} {
		_, err := n.SysctlWrite(f.ctx, tc.file, 0, []byte(tc.in))
		if tc.errno == 0 {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, tc.errno, tc.file+" "+tc.in)
		}
		got, _ := n.SysctlRead(tc.file, 0, 100)
		assert.Equal(t, tc.after, string(got), tc.file+" "+tc.in)
	}
	n.Put(f.ctx)
}

func TestSysctlReadWriteOffsets(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	got, err := n.SysctlRead("sem", 0, 7)
	require.NoError(t, err)
	assert.Equal(t, "32000\t1", string(got), "cut to the count")
	got, err = n.SysctlRead("sem", 7, 100)
	require.NoError(t, err)
	assert.Empty(t, got, "the handlers print nothing past offset 0")
	cnt, err := n.SysctlWrite(f.ctx, "msgmni", 3, []byte("5"))
	require.NoError(t, err)
	assert.Equal(t, 1, cnt, "sysctl_writes_strict: ignored, reported whole")
	assert.Equal(t, int32(ipcns.MSGMNI), n.Limits().MsgMNI)
	_, err = n.SysctlRead("nope", 0, 10)
	require.ErrorIs(t, err, uapi.ENOENT)
	_, err = n.SysctlWrite(f.ctx, "nope", 0, nil)
	require.ErrorIs(t, err, uapi.ENOENT)
	assert.Equal(t, []string{"shmmax", "shmall", "shmmni", "shm_rmid_forced", "msgmax", "msgmni", "auto_msgmni", "msgmnb", "sem"}, ipcns.SysctlNames())

	other := f.g.Init
	_, err = n.SysctlWrite(f.ctx, "msgmni", 0, []byte("9"))
	require.NoError(t, err)
	assert.Equal(t, int32(ipcns.MSGMNI), other.Limits().MsgMNI, "limits are per namespace")
	n.Put(f.ctx)
}

func TestSysctlPermission(t *testing.T) {
	t.Parallel()
	for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		f := newFix(t, fl)
		n := f.newNS(t)
		user := f.cred(t, 1000, 1000, f.root.CapEffective)
		require.NoError(t, ipcns.SysctlPermission(user, n, false))
		require.ErrorIs(t, ipcns.SysctlPermission(user, n, true), uapi.EACCES, "capabilities do not help: test_perm looks at the euid")
		require.NoError(t, ipcns.SysctlPermission(f.root, n, true))
		n.Put(f.ctx)
	}
}
