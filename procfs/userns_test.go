package procfs_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// The unprivileged container recipe: uid 1000 creates a user namespace with a
// UTS namespace, writes "deny" to setgroups and its self maps, and is then
// root inside with its own hostname (reference §12.2, §12.3).
func TestUnprivilegedMaps(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	u := unprivileged(t, init)
	c, err := u.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS | sigchld})
	require.NoError(t, err)
	dir := fmt.Sprintf("/proc/%d/", c.PID())

	s, err := c.ReadFile(dir + "uid_map")
	require.NoError(t, err)
	require.Empty(t, s)
	s, err = c.ReadFile(dir + "setgroups")
	require.NoError(t, err)
	require.Equal(t, "allow\n", s)

	// gid_map before setgroups deny: EPERM (new_idmap_permitted).
	before := k.Snapshot()
	_, err = u.WriteFile(dir+"gid_map", "0 1000 1")
	require.ErrorIs(t, err, uapi.EPERM)
	require.Equal(t, before, k.Snapshot())

	// The parent (same uid, outside) writes the maps, as newuidmap would not be needed.
	_, err = u.WriteFile(dir+"uid_map", "0 1000 1\n")
	require.NoError(t, err)
	_, err = c.WriteFile(dir+"setgroups", "deny")
	require.NoError(t, err)
	_, err = u.WriteFile(dir+"gid_map", "0 1000 1\n")
	require.NoError(t, err)

	// Write-once: a second write is EPERM.
	_, err = u.WriteFile(dir+"uid_map", "0 1000 1\n")
	require.ErrorIs(t, err, uapi.EPERM)

	// Inside, the map reads relative to the parent; outside the same.
	s, err = c.ReadFile(dir + "uid_map")
	require.NoError(t, err)
	require.Equal(t, "         0       1000          1\n", s)
	s, err = init.ReadFile(dir + "uid_map")
	require.NoError(t, err)
	require.Equal(t, "         0       1000          1\n", s)
	s, err = c.ReadFile(dir + "setgroups")
	require.NoError(t, err)
	require.Equal(t, "deny\n", s)

	// Root inside: setresuid(0) maps to kuid 1000, sethostname works in its UTS ns.
	require.NoError(t, c.Setresuid(0, 0, 0))
	require.Equal(t, uint32(1000), c.Cred().EUID)
	require.NoError(t, c.Sethostname("container"))
	require.Equal(t, "(none)", init.Hostname())

	// A nested user namespace now works: the creator's euid is mapped.
	g, err := c.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUSER | sigchld})
	require.NoError(t, err)
	require.Equal(t, 2, g.UserNS().Level())

	// Another unprivileged uid may not write the maps (DAC: not the owner).
	other, err := init.Fork()
	require.NoError(t, err)
	require.NoError(t, other.Setresuid(2000, 2000, 2000))
	_, err = other.WriteFile(fmt.Sprintf("/proc/%d/uid_map", g.PID()), "0 1000 1")
	require.ErrorIs(t, err, uapi.EACCES)

	// An open map file holds its user namespace (and f_cred); Check accounts for both.
	fd, err := init.Open(dir + "uid_map")
	require.NoError(t, err)
	require.NoError(t, k.Check())
	require.NoError(t, init.Close(fd))
}

func TestInitialUserNSMaps(t *testing.T) {
	t.Parallel()
	k := boot(t)
	init := k.Init()
	s, err := init.ReadFile("/proc/1/uid_map")
	require.NoError(t, err)
	require.Equal(t, "         0          0 4294967295\n", s)
	_, err = init.WriteFile("/proc/1/uid_map", "0 0 1")
	require.ErrorIs(t, err, uapi.EPERM)
	s, err = init.ReadFile("/proc/1/setgroups")
	require.NoError(t, err)
	require.Equal(t, "allow\n", s)
}
