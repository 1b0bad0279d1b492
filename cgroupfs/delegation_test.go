package cgroupfs_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// stat returns path's mode and owner as t sees them.
func stat(t *testing.T, tk *task.Task, path string) string {
	t.Helper()
	st, err := tk.Stat(path)
	require.NoError(t, err, "stat %s", path)
	return fmt.Sprintf("%o %d:%d", st.Mode, st.UID, st.GID)
}

// fails runs a call that must fail with errno and change nothing: the
// kernel's snapshot and the owners and modes of the given paths.
func fails(t *testing.T, k *kernsim.Kernel, by *task.Task, errno uapi.Errno, what string, call func() error, paths ...string) {
	t.Helper()
	before := k.Snapshot()
	var attrs []string
	for _, p := range paths {
		attrs = append(attrs, stat(t, by, p))
	}
	require.ErrorIs(t, call(), errno, what)
	require.Equal(t, before, k.Snapshot(), what)
	for i, p := range paths {
		require.Equal(t, attrs[i], stat(t, by, p), what)
	}
}

func write(tk *task.Task, path string, data any) error {
	_, err := tk.WriteFile(path, fmt.Sprint(data))
	return err
}

// The v2 delegation model (Documentation/admin-guide/cgroup-v2.rst,
// "Delegation"), as Linux 6.18 behaves on the machine: root makes /user
// and gives its directory, cgroup.procs, cgroup.threads and
// cgroup.subtree_control to uid 1000. The user makes children, which are
// its own with their files (cgroup_kn_set_ugid), enables pids below /user
// and so owns the children's pids files, sets their limits, and moves
// processes between cgroups whose common ancestor's cgroup.procs it may
// write — its own or root's processes alike. The resource files of /user
// itself stay root's, and anything outside /user is refused.
func TestDelegationV2(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		k := pidsKernel(t, f)
		init := k.Init()
		user := root + "/user"
		require.NoError(t, write(init, root+"/cgroup.subtree_control", "+pids"))
		require.NoError(t, init.Mkdir(user, 0o755))
		require.Equal(t, "40555 0:0", stat(t, init, root))
		require.Equal(t, "40755 0:0", stat(t, init, user))
		require.Equal(t, "100644 0:0", stat(t, init, user+"/cgroup.procs"))
		require.Equal(t, "100444 0:0", stat(t, init, user+"/cgroup.controllers"))
		require.Equal(t, "100444 0:0", stat(t, init, user+"/pids.current"))
		for _, p := range []string{"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control"} {
			require.NoError(t, init.Chown(user+p, 1000, 1000), p)
		}
		require.Equal(t, "40755 1000:1000", stat(t, init, user))

		u := kernsimtest.User(t, init, 1000)
		require.NoError(t, u.Mkdir(user+"/a", 0o755))
		require.NoError(t, u.Mkdir(user+"/b", 0o700))
		require.Equal(t, "40755 1000:1000", stat(t, u, user+"/a"))
		require.Equal(t, "40700 1000:1000", stat(t, u, user+"/b"))
		require.Equal(t, "100644 1000:1000", stat(t, u, user+"/a/cgroup.procs"))
		require.Equal(t, "100444 1000:1000", stat(t, u, user+"/a/cgroup.events"))

		// Enabled while /user holds no process (with one, enabling even a
		// threaded controller would make /user a thread root and its
		// children domain invalid).
		require.NoError(t, write(u, user+"/cgroup.subtree_control", "+pids"))
		require.NoError(t, write(init, user+"/a/cgroup.procs", u.PID()), "root places the user's shell")
		require.Equal(t, "100644 1000:1000", stat(t, u, user+"/a/pids.max"))
		require.Equal(t, "100644 0:0", stat(t, u, user+"/pids.max"))
		require.NoError(t, write(u, user+"/a/pids.max", 5))
		fails(t, k, u, uapi.EACCES, "the delegated cgroup's own limit", func() error {
			return write(u, user+"/pids.max", 5)
		}, user+"/pids.max")
		fails(t, k, u, uapi.EACCES, "cgroup.max.depth of the delegated cgroup", func() error {
			return write(u, user+"/cgroup.max.depth", 3)
		})

		// Migration inside /user: its own process, and root's.
		require.NoError(t, write(u, user+"/a/cgroup.procs", u.PID()))
		require.NoError(t, write(u, user+"/b/cgroup.procs", u.PID()))
		r := kernsimtest.Fork(t, init, 0)
		require.NoError(t, write(init, user+"/a/cgroup.procs", r.PID()))
		require.NoError(t, write(u, user+"/b/cgroup.procs", r.PID()), "v2 does not look at the target's uid")
		s, err := u.ReadFile(user + "/b/cgroup.procs")
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("%d\n%d\n", u.PID(), r.PID()), s)

		// Out of /user: the common ancestor is root's.
		fails(t, k, u, uapi.EACCES, "moving itself to the root", func() error { return write(u, root+"/cgroup.procs", u.PID()) })
		other := kernsimtest.Fork(t, init, 0)
		fails(t, k, u, uapi.EACCES, "pulling a process in from the root", func() error {
			return write(u, user+"/a/cgroup.procs", other.PID())
		})
		fails(t, k, u, uapi.EACCES, "mkdir outside", func() error { return u.Mkdir(root+"/mine", 0o755) })
		fails(t, k, u, uapi.EACCES, "rmdir of the delegated cgroup", func() error { return u.Rmdir(user) })
		fails(t, k, u, uapi.EBUSY, "rmdir of a populated child", func() error { return u.Rmdir(user + "/b") })

		// Another user is refused everywhere in /user.
		v := kernsimtest.User(t, init, 1001)
		fails(t, k, v, uapi.EACCES, "another user's mkdir", func() error { return v.Mkdir(user+"/a/x", 0o755) })
		fails(t, k, v, uapi.EACCES, "another user's move", func() error { return write(v, user+"/a/cgroup.procs", u.PID()) })

		require.NoError(t, write(init, root+"/cgroup.procs", r.PID()))
		require.NoError(t, write(init, root+"/cgroup.procs", u.PID()))
		require.NoError(t, u.Rmdir(user+"/a"))
		require.NoError(t, u.Rmdir(user+"/b"))
		require.NoError(t, init.Rmdir(user))
	})
}

// chown(2) on cgroupfs: root gives nodes away; an owner may only change
// the group to its own or keep it; ids must be mapped; -1 keeps an id. A
// refused chown changes nothing.
func TestChownErrnos(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		k := pidsKernel(t, f)
		init := k.Init()
		dir := root + "/d"
		require.NoError(t, init.Mkdir(dir, 0o755))
		require.NoError(t, init.Chown(dir+"/cgroup.procs", 1000, 2000))
		u := kernsimtest.User(t, init, 1000)
		inNS := kernsimtest.Fork(t, u, uapi.CLONE_NEWUSER) // full caps, nothing mapped
		mapped := kernsimtest.Fork(t, u, uapi.CLONE_NEWUSER)
		_, err := u.WriteFile(fmt.Sprintf("/proc/%d/uid_map", mapped.PID()), "0 1000 1")
		require.NoError(t, err)
		procs := dir + "/cgroup.procs"
		for _, tc := range []struct {
			name     string
			by       *task.Task
			path     string
			uid, gid int64
			errno    uapi.Errno
		}{
			{"owner gives the file away", u, procs, 0, -1, uapi.EPERM},
			{"owner picks a group it is not in", u, procs, -1, 0, uapi.EPERM},
			{"a user takes a root file", u, dir + "/cgroup.threads", 1000, -1, uapi.EPERM},
			{"a user chowns the directory", u, dir, 1000, 1000, uapi.EPERM},
			{"uid out of range", init, procs, -2, -1, uapi.EINVAL},
			{"gid out of range", init, procs, -1, 1 << 33, uapi.EINVAL},
			{"uid unmapped in the caller's user namespace", inNS, procs, 0, -1, uapi.EINVAL},
			{"CAP_CHOWN in a child user namespace, a root-owned inode", mapped, dir + "/cgroup.threads", 0, -1, uapi.EPERM},
			{"no change needs no permission", inNS, procs, -1, -1, 0},
			{"no such file", init, dir + "/nope", 0, 0, uapi.ENOENT},
			{"a /proc file (no setattr)", init, "/proc/1/status", 0, 0, uapi.EPERM},
		} {
			if tc.errno == 0 {
				require.NoError(t, tc.by.Chown(tc.path, tc.uid, tc.gid), tc.name)
				continue
			}
			paths := []string{procs, dir + "/cgroup.threads", dir}
			fails(t, k, init, tc.errno, tc.name, func() error { return tc.by.Chown(tc.path, tc.uid, tc.gid) }, paths...)
		}
		// What the owner may do: keep its uid, move the group to its own.
		require.Equal(t, "100644 1000:2000", stat(t, u, procs))
		require.NoError(t, u.Chown(procs, 1000, 1000))
		require.Equal(t, "100644 1000:1000", stat(t, u, procs))
		require.NoError(t, u.Chown(procs, -1, 4294967295), "(gid_t)-1 is no change")
		require.Equal(t, "100644 1000:1000", stat(t, u, procs))
		// In the user namespace nothing is mapped: the overflow id.
		require.Equal(t, "100644 65534:65534", stat(t, inNS, procs))
		require.NoError(t, init.Chown(procs, 0, 0))
		require.Equal(t, "100644 0:0", stat(t, u, procs))
		require.NoError(t, init.Rmdir(dir))
	})
}

// v1's migration rule (__cgroup1_procs_write): no common-ancestor rule, but
// the writer's euid must be root's or the target's uid or suid (EACCES),
// whatever the target's cgroup. A user owning a v1 cgroup moves its own
// processes in from anywhere, not others'. 4.19 judges the writer,
// mainline the opener (f_cred).
func TestV1MigrationEUIDRule(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		k := kernsimtest.Boot(t, kernsim.Config{Flavour: f, Cgroup: cgroup.Options{
			Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: [][]string{{"pids"}}}})
		init := k.Init()
		box := root + "/pids/box"
		require.NoError(t, init.Mkdir(box, 0o755))
		for _, p := range []string{"", "/cgroup.procs", "/tasks"} {
			require.NoError(t, init.Chown(box+p, 1000, 1000))
		}
		u := kernsimtest.User(t, init, 1000)
		require.NoError(t, u.Mkdir(box+"/c", 0o755))
		require.Equal(t, "100644 1000:1000", stat(t, u, box+"/c/pids.max"))
		mine := kernsimtest.Fork(t, u, 0)
		require.NoError(t, write(u, box+"/cgroup.procs", mine.PID()), "from the root: v1 has no ancestor rule")
		require.NoError(t, write(u, box+"/c/tasks", mine.PID()))

		r := kernsimtest.Fork(t, init, 0)
		fails(t, k, u, uapi.EACCES, "a root process", func() error { return write(u, box+"/cgroup.procs", r.PID()) })
		fails(t, k, u, uapi.EACCES, "init", func() error { return write(u, box+"/c/tasks", 1) })
		// A root process whose saved uid is 1000 may be moved by uid 1000.
		require.NoError(t, r.Setresuid(0, 0, 1000))
		require.NoError(t, write(u, box+"/cgroup.procs", r.PID()))
		require.NoError(t, write(init, root+"/pids/cgroup.procs", r.PID()), "root moves anything")

		// Opened by root, written after dropping the euid.
		fd, err := init.OpenFlags(box+"/cgroup.procs", task.O_WRONLY)
		require.NoError(t, err)
		other := kernsimtest.Fork(t, init, 0)
		require.NoError(t, init.Setresuid(-1, 1000, -1))
		if f == kernsim.Linux419 {
			fails(t, k, init, uapi.EACCES, "4.19: the writer's euid", func() error {
				_, err := init.Write(fd, []byte(fmt.Sprint(other.PID())))
				return err
			})
		} else {
			_, err := init.Write(fd, []byte(fmt.Sprint(other.PID())))
			require.NoError(t, err, "mainline: the opener's euid (f_cred)")
		}
		require.NoError(t, init.Setresuid(-1, 0, -1))
		require.NoError(t, init.Close(fd))

		for _, p := range []*task.Task{mine, other} {
			require.NoError(t, write(init, root+"/pids/cgroup.procs", p.PID()))
		}
		require.NoError(t, init.Rmdir(box+"/c"))
		require.NoError(t, init.Rmdir(box))
	})
}
