package task_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// With every descriptor below RLIMIT_NOFILE in use, open, pidfd_open and
// NS_GET_USERNS fail with EMFILE and drop the file they made: no count,
// list or registry entry changes.
func TestFdInstallEMFILE(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: kernsim.Mainline})
	p, err := k.Init().Fork()
	require.NoError(t, err)
	for range task.RLIMIT_NOFILE_DEFAULT {
		_, err := p.Open("/proc/self/ns/uts")
		require.NoError(t, err)
	}
	before := k.Snapshot()
	_, err = p.Open("/proc/self/ns/uts")
	require.ErrorIs(t, err, uapi.EMFILE)
	require.Equal(t, before, k.Snapshot())
	_, err = p.PidfdOpen(p.PID(), 0)
	require.ErrorIs(t, err, uapi.EMFILE)
	require.Equal(t, before, k.Snapshot())
	_, err = p.Ioctl(0, task.NS_GET_USERNS)
	require.ErrorIs(t, err, uapi.EMFILE)
	require.Equal(t, before, k.Snapshot())
	require.NoError(t, k.Check())
}
