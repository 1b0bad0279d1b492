package procfs_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/uapi"
)

// /proc/sys/kernel/pid_max: one global value in 4.19 (a root-owned file),
// one per pid namespace in mainline (pid_table_root_permissions: its
// owner's root may write; a new namespace starts at PID_MAX_LIMIT), and
// every level of an allocation obeys its own namespace's limit.
func TestPidMax(t *testing.T) {
	t.Parallel()
	read := func(t *testing.T, k *kernsim.Kernel, who interface {
		ReadFile(string) (string, error)
	}) string {
		s, err := who.ReadFile("/proc/sys/kernel/pid_max")
		require.NoError(t, err)
		return s
	}
	t.Run("4.19", func(t *testing.T) {
		k := kernsimtest.Boot(t)
		c := kernsimtest.Fork(t, k.Init(), uapi.CLONE_NEWPID)
		require.Equal(t, "32768\n", read(t, k, c))
		_, err := c.WriteFile("/proc/sys/kernel/pid_max", "1000")
		require.NoError(t, err)
		require.Equal(t, "1000\n", read(t, k, k.Init()), "global")
		u := kernsimtest.User(t, k.Init(), 1000)
		before := k.Snapshot()
		_, err = u.WriteFile("/proc/sys/kernel/pid_max", "2000")
		require.ErrorIs(t, err, uapi.EACCES)
		_, err = k.Init().WriteFile("/proc/sys/kernel/pid_max", "300")
		require.ErrorIs(t, err, uapi.EINVAL)
		require.Equal(t, before, k.Snapshot())
	})
	t.Run("mainline", func(t *testing.T) {
		k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
		init := k.Init()
		c := kernsimtest.Fork(t, init, uapi.CLONE_NEWPID)
		require.Equal(t, "4194304\n", read(t, k, c))
		require.Equal(t, "32768\n", read(t, k, init))
		_, err := c.WriteFile("/proc/sys/kernel/pid_max", "1000")
		require.NoError(t, err)
		require.Equal(t, "32768\n", read(t, k, init), "per pid namespace")

		// The outer level obeys init_pid_ns's limit: with it at 400 and
		// its cursor at 399, C's next child gets 399 outside, then wraps
		// to RESERVED_PIDS (300) there while C's own numbers go on.
		_, err = init.WriteFile("/proc/sys/kernel/pid_max", "400")
		require.NoError(t, err)
		_, err = init.WriteFile("/proc/sys/kernel/ns_last_pid", "398")
		require.NoError(t, err)
		d := kernsimtest.Fork(t, c, 0)
		e := kernsimtest.Fork(t, c, 0)
		require.Equal(t, []int32{399, 300}, []int32{d.PID(), e.PID()})
		require.Equal(t, []int32{2, 3}, []int32{d.PidIn(c.ActivePidNS()), e.PidIn(c.ActivePidNS())})

		// Only the namespace owner's root may write; the others read.
		u := kernsimtest.User(t, init, 1000)
		before := k.Snapshot()
		_, err = u.WriteFile("/proc/sys/kernel/pid_max", "2000")
		require.ErrorIs(t, err, uapi.EACCES)
		require.Equal(t, before, k.Snapshot())
		require.NoError(t, u.Unshare(uapi.CLONE_NEWUSER|uapi.CLONE_NEWPID))
		v := kernsimtest.Fork(t, u, 0)
		_, err = v.WriteFile("/proc/sys/kernel/pid_max", "2000")
		require.NoError(t, err, "root of the owning user namespace")
		require.Equal(t, "2000\n", read(t, k, v))
	})
}

// Writes to pid_max go through proc_dointvec_minmax with [pid_max_min,
// pid_max_max] = [RESERVED_PIDS+1, PID_MAX_LIMIT]: one case per branch, each
// failure leaving the value as it was.
func TestPidMaxWriteRange(t *testing.T) {
	t.Parallel()
	for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		for _, tc := range []struct {
			in   string
			want string // the value read afterwards
			err  error
		}{
			{"301", "301\n", nil},           // pid_max_min itself
			{"4194304\n", "4194304\n", nil}, // PID_MAX_LIMIT itself
			{"300", "32768\n", uapi.EINVAL}, // below pid_max_min
			{"4194305", "32768\n", uapi.EINVAL},
			{"-1", "32768\n", uapi.EINVAL},
			{"abc", "32768\n", uapi.EINVAL},
			{"12x", "32768\n", uapi.EINVAL}, // trailing junk after the number
		} {
			t.Run(fl.String()+"/"+tc.in, func(t *testing.T) {
				k := kernsimtest.Boot(t, kernsim.Config{Flavour: fl})
				init := k.Init()
				before := k.Snapshot()
				_, err := init.WriteFile("/proc/sys/kernel/pid_max", tc.in)
				if tc.err != nil {
					require.ErrorIs(t, err, tc.err)
					require.Equal(t, before, k.Snapshot())
				} else {
					require.NoError(t, err)
				}
				got, err := init.ReadFile("/proc/sys/kernel/pid_max")
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
			})
		}
	}
}
