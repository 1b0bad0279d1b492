package cgroupfs_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/uapi"
)

// Ownership changes racing with the checks that read them: root flips the
// owner of /d/cgroup.procs and enables and disables pids below /d while a
// user moves itself in and out of /d/c and stats the files. Every call
// either succeeds or fails with the errno of the state it saw; nothing
// races (go test -race) and the end state is consistent.
func TestDelegationConcurrent(t *testing.T) {
	t.Parallel()
	k := pidsKernel(t, kernsim.Linux419)
	init := k.Init()
	d := root + "/d"
	require.NoError(t, write(init, root+"/cgroup.subtree_control", "+pids"))
	require.NoError(t, init.Mkdir(d, 0o755))
	require.NoError(t, init.Chown(d, 1000, 1000))
	require.NoError(t, init.Chown(d+"/cgroup.subtree_control", 1000, 1000))
	u := kernsimtest.User(t, init, 1000)
	require.NoError(t, u.Mkdir(d+"/c", 0o755))
	require.NoError(t, write(init, d+"/cgroup.procs", u.PID()))
	admin := kernsimtest.Fork(t, init, 0)

	const rounds = 200
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range rounds {
			owner := int64(0)
			if i%2 == 0 {
				owner = 1000
			}
			if err := admin.Chown(d+"/cgroup.procs", owner, -1); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() {
		for i := range rounds {
			dst := d + "/c"
			if i%2 == 1 {
				dst = d
			}
			// EACCES: /d/cgroup.procs was root's; EOPNOTSUPP and EBUSY:
			// pids enabled in /d while it held u made it a thread root.
			err := write(u, dst+"/cgroup.procs", u.PID())
			if err != nil && !errors.Is(err, uapi.EACCES) && !errors.Is(err, uapi.EOPNOTSUPP) && !errors.Is(err, uapi.EBUSY) {
				t.Error(err)
			}
			if _, err := u.Stat(d + "/cgroup.procs"); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() {
		for i := range rounds {
			op := "+pids"
			if i%2 == 1 {
				op = "-pids"
			}
			// /d holds u at times: enabling pids is still allowed
			// (threaded), disabling always.
			if err := write(u, d+"/cgroup.subtree_control", op); err != nil && !errors.Is(err, uapi.EBUSY) {
				t.Error(err)
			}
		}
	})
	wg.Wait()

	st, err := u.Stat(d + "/cgroup.procs")
	require.NoError(t, err)
	require.Equal(t, uint32(0), st.UID, "the last chown gave it back to root")
	require.NoError(t, write(init, root+"/cgroup.procs", u.PID()))
	_, _ = u.WriteFile(d+"/cgroup.subtree_control", "-pids")
	require.NoError(t, init.Rmdir(d+"/c"), fmt.Sprint(k.Snapshot()))
	require.NoError(t, init.Rmdir(d))
}
