package kernsim_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func TestNamespacesListing(t *testing.T) {
	t.Parallel()
	k, err := kernsim.Boot(kernsim.Config{})
	require.NoError(t, err)
	init := k.Init()
	find := func(inum uint32) kernsim.NSInfo {
		for _, n := range k.Namespaces() {
			if n.Inum == inum {
				return n
			}
		}
		t.Fatalf("namespace %d not listed", inum)
		return kernsim.NSInfo{}
	}
	require.Len(t, k.Namespaces(), 7) // user, uts, ipc, mnt, pid, net, cgroup
	b, err := init.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD)})
	require.NoError(t, err)
	uts := b.NSProxy().UTS()
	user := b.UserNS()
	require.Len(t, k.Namespaces(), 9)
	info := find(uts.Inum())
	require.Equal(t, kernsim.NSInfo{Type: ns.UTS, Inum: uts.Inum(), Count: 1, Owner: user.Inum(), NProcs: 1, PID: b.PID()}, info)
	info = find(user.Inum())
	require.Equal(t, ns.USER, info.Type)
	require.Equal(t, uint32(0xEFFFFFFD), info.Parent)
	require.Equal(t, 1, info.NProcs)
	// init_uts_ns: init only.
	require.Equal(t, 1, find(0xEFFFFFFE).NProcs)

	// Kept alive by an open file only: NProcs 0, Files 1.
	fd, err := init.Open(fmt.Sprintf("/proc/%d/ns/uts", b.PID()))
	require.NoError(t, err)
	require.NoError(t, b.Exit(0))
	_, _, err = init.Wait(b.PID(), 0)
	require.NoError(t, err)
	info = find(uts.Inum())
	require.Equal(t, 0, info.NProcs)
	require.Equal(t, int32(0), info.PID)
	require.Equal(t, 1, info.Files)
	require.Equal(t, int64(1), info.Count)
	require.Contains(t, k.Lsns(), fmt.Sprintf("%10d uts         0     -     1 %10d", uts.Inum(), user.Inum()))
	require.NoError(t, init.Close(fd))
	require.Len(t, k.Namespaces(), 7)
	k.PowerOff()
	require.NoError(t, k.Leaks())
}
