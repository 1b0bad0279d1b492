package cgroupns_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// world is a booted kernel (v1 pids hierarchy and cgroup2) with its own
// cgroup-namespace Globals: init_cgroup_ns rooted at init_css_set.
type world struct {
	t  *testing.T
	k  *kernsim.Kernel
	cg *cgroupns.Globals
}

func newWorld(t *testing.T, f kernsim.Flavour) *world {
	t.Helper()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: f, Cgroup: cgroup.Options{
		Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: [][]string{{"pids"}}}})
	return &world{t: t, k: k, cg: cgroupns.NewGlobals(&k.Env, k.UserNS, k.Cgroup.InitCSSSet())}
}

// copyNS runs copy_cgroup_ns with current = t, the new task in t's user
// namespace (or userNS when given).
func (w *world) copyNS(t *task.Task, flags uapi.CloneFlags, userNS *userns.Namespace) (*cgroupns.Namespace, error) {
	if userNS == nil {
		userNS = t.UserNS()
	}
	return cgroupns.CopyCgroupNS(t.Ctx(), flags, userNS, t.Cred(), t.CgroupTask(), w.cg.Init)
}

// state is what a failed copy must leave as it was: the kernel's snapshot
// (objects, counts, inode numbers, ucount entries), init_cgroup_ns's count
// and the cgroup-namespace charges of the users involved.
func (w *world) state(users ...*task.Task) string {
	s := w.k.Snapshot().String() + fmt.Sprintf("init_cgroup_ns=%d\n", w.cg.Init.Count())
	for _, u := range users {
		c := u.Cred()
		s += fmt.Sprintf("charged %d in %s: %d\n", c.EUID, c.UserNS().Link(),
			w.k.UserNS.Charged(c.UserNS(), c.EUID, userns.UCOUNT_CGROUP_NAMESPACES))
	}
	return s
}

func TestInitCgroupNS(t *testing.T) {
	t.Parallel()
	w := newWorld(t, kernsim.Linux419)
	n := w.cg.Init
	require.Equal(t, "cgroup:[4026531835]", n.Link())
	require.EqualValues(t, 2, n.Count())
	require.True(t, n.IsInitNS())
	require.Same(t, w.k.UserNS.Init, n.UserNS())
	require.Equal(t, ns.Namespace(w.k.UserNS.Init), n.Owner())
	require.Same(t, w.k.Cgroup.InitCSSSet(), n.RootCSet())
	before := w.k.Cgroup.InitCSSSet().Count()
	cgroupns.NewGlobals(&w.k.Env, w.k.UserNS, w.k.Cgroup.InitCSSSet())
	require.Equal(t, before, w.k.Cgroup.InitCSSSet().Count(), "init_cgroup_ns does not count init_css_set")
}

// copy_cgroup_ns's branches, one row each: every failure changes nothing.
func TestCopyCgroupNSErrnos(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(w *world) (cur *task.Task, userNS *userns.Namespace)
		errno uapi.Errno
	}{
		{"no CAP_SYS_ADMIN in the new task's user namespace", func(w *world) (*task.Task, *userns.Namespace) {
			return kernsimtest.User(w.t, w.k.Init(), 1000), nil
		}, uapi.EPERM},
		{"CAP_SYS_ADMIN in its own user namespace, not in another user's", func(w *world) (*task.Task, *userns.Namespace) {
			other := kernsimtest.Fork(w.t, kernsimtest.User(w.t, w.k.Init(), 1001), uapi.CLONE_NEWUSER)
			me := kernsimtest.Fork(w.t, kernsimtest.User(w.t, w.k.Init(), 1000), uapi.CLONE_NEWUSER)
			return me, other.UserNS()
		}, uapi.EPERM},
		{"max_cgroup_namespaces reached", func(w *world) (*task.Task, *userns.Namespace) {
			w.k.UserNS.SetUcountMax(w.k.UserNS.Init, userns.UCOUNT_CGROUP_NAMESPACES, 0)
			return w.k.Init(), nil
		}, uapi.ENOSPC},
		{"max_cgroup_namespaces of an ancestor user namespace reached", func(w *world) (*task.Task, *userns.Namespace) {
			w.k.UserNS.SetUcountMax(w.k.UserNS.Init, userns.UCOUNT_CGROUP_NAMESPACES, 0)
			return kernsimtest.Fork(w.t, kernsimtest.User(w.t, w.k.Init(), 1000), uapi.CLONE_NEWUSER), nil
		}, uapi.ENOSPC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, kernsim.Linux419)
			cur, userNS := tc.setup(w)
			before := w.state(cur)
			n, err := w.copyNS(cur, uapi.CLONE_NEWCGROUP, userNS)
			require.ErrorIs(t, err, tc.errno)
			require.Nil(t, n)
			require.Equal(t, before, w.state(cur))
		})
	}
}

// Without CLONE_NEWCGROUP the old namespace is shared; with it the new one
// is rooted at current's css_set, which it pins, owned by the new task's
// user namespace and charged to current's euid there.
func TestCopyCgroupNS(t *testing.T) {
	t.Parallel()
	w := newWorld(t, kernsim.Linux419)
	init := w.k.Init()

	shared, err := w.copyNS(init, 0, nil)
	require.NoError(t, err)
	require.Same(t, w.cg.Init, shared)
	require.EqualValues(t, 3, w.cg.Init.Count())
	shared.Put(init.Ctx())
	require.EqualValues(t, 2, w.cg.Init.Count())

	// A container: a user's process in a cgroup of its own, which makes a
	// user namespace and a cgroup namespace.
	require.NoError(t, init.Mkdir("/sys/fs/cgroup/pids/box", 0o755))
	u := kernsimtest.User(t, init, 1000)
	_, err = init.WriteFile("/sys/fs/cgroup/pids/box/cgroup.procs", fmt.Sprint(u.PID()))
	require.NoError(t, err)
	c := kernsimtest.Fork(t, u, uapi.CLONE_NEWUSER)
	cset := c.CgroupTask().CSSSet()
	csetCount, inums := cset.Count(), w.k.Env.Inums.InUse()
	ownerCount := c.UserNS().Count()

	n, err := w.copyNS(c, uapi.CLONE_NEWCGROUP, nil)
	require.NoError(t, err)
	require.EqualValues(t, 1, n.Count())
	require.False(t, n.IsInitNS())
	require.Same(t, c.UserNS(), n.UserNS())
	require.Equal(t, ownerCount+1, c.UserNS().Count())
	require.Same(t, cset, n.RootCSet())
	require.Equal(t, csetCount+1, cset.Count(), "root_cset is pinned")
	require.Equal(t, inums+1, w.k.Env.Inums.InUse())
	require.EqualValues(t, 1, w.k.UserNS.Charged(c.UserNS(), c.Cred().EUID, userns.UCOUNT_CGROUP_NAMESPACES))
	require.Equal(t, "/box", n.RootCSet().Cgroup(w.k.Cgroup.SubsysRoot(w.k.Cgroup.SubsysID("pids"))).Path())

	// The root outlives the cgroup: moved out and removed, /box is dying
	// while the namespace pins its css_set.
	require.NoError(t, c.Exit(0))
	_, _, err = u.Wait(c.PID(), 0)
	require.NoError(t, err)
	_, err = init.WriteFile("/sys/fs/cgroup/pids/cgroup.procs", fmt.Sprint(u.PID()))
	require.NoError(t, err)
	require.NoError(t, init.Rmdir("/sys/fs/cgroup/pids/box"))
	pidsRoot := w.k.Cgroup.SubsysRoot(w.k.Cgroup.SubsysID("pids")).Cgroup()
	require.Equal(t, 1, pidsRoot.NrDyingDescendants())
	require.True(t, n.RootCSet().Dead())

	owner := n.UserNS()
	ownerCount = owner.Count()
	n.Put(init.Ctx()) // free_cgroup_ns
	require.Zero(t, pidsRoot.NrDyingDescendants(), "the last css_set reference went with the namespace")
	require.Equal(t, inums, w.k.Env.Inums.InUse()+1, "the namespace's inode number is free, and its owner's, which it held after c was reaped")
	require.Equal(t, ownerCount-1, owner.Count())
	require.Zero(t, w.k.UserNS.Charged(owner, 1000, userns.UCOUNT_CGROUP_NAMESPACES))
	require.Empty(t, w.k.Warnings())
}

// The trace shows copy_cgroup_ns and free_cgroup_ns nesting as in the kernel.
func TestCopyCgroupNSTrace(t *testing.T) {
	t.Parallel()
	w := newWorld(t, kernsim.Mainline)
	init := w.k.Init()
	w.k.Tracer().Start()
	n, err := w.copyNS(init, uapi.CLONE_NEWCGROUP, nil)
	require.NoError(t, err)
	n.Put(init.Ctx())
	w.k.Tracer().Stop()
	require.Equal(t, []string{"copy_cgroup_ns", "free_cgroup_ns"}, w.k.Tracer().Names())
}

// cgroupns_install: CAP_SYS_ADMIN in the caller's user namespace and in the
// target's owner, else EPERM (checked before the same-namespace shortcut);
// the target being current needs no swap. Install changes nothing itself.
func TestInstall(t *testing.T) {
	t.Parallel()
	w := newWorld(t, kernsim.Linux419)
	init := w.k.Init()
	rootNS, err := w.copyNS(init, uapi.CLONE_NEWCGROUP, nil)
	require.NoError(t, err)
	defer rootNS.Put(init.Ctx())
	u := kernsimtest.User(t, init, 1000)
	inUserNS := kernsimtest.Fork(t, u, uapi.CLONE_NEWUSER)
	userOwned, err := w.copyNS(inUserNS, uapi.CLONE_NEWCGROUP, nil)
	require.NoError(t, err)
	defer userOwned.Put(init.Ctx())

	for _, tc := range []struct {
		name            string
		cred            *userns.Cred
		current, target *cgroupns.Namespace
		swap            bool
		errno           uapi.Errno
	}{
		{"root into a new namespace", init.Cred(), w.cg.Init, rootNS, true, 0},
		{"root into the one it is in", init.Cred(), rootNS, rootNS, false, 0},
		{"root into a user-owned namespace", init.Cred(), w.cg.Init, userOwned, true, 0},
		{"root back to init_cgroup_ns", init.Cred(), userOwned, w.cg.Init, true, 0},
		{"a user", u.Cred(), w.cg.Init, rootNS, false, uapi.EPERM},
		{"a user into the one it is in", u.Cred(), w.cg.Init, w.cg.Init, false, uapi.EPERM},
		{"full caps in a child user namespace, target owned by init_user_ns", inUserNS.Cred(), userOwned, w.cg.Init, false, uapi.EPERM},
		{"full caps in a child user namespace, target owned there", inUserNS.Cred(), w.cg.Init, userOwned, true, 0},
	} {
		before := w.state()
		swap, err := cgroupns.Install(init.Ctx(), tc.cred, tc.current, tc.target)
		if tc.errno != 0 {
			require.ErrorIs(t, err, tc.errno, tc.name)
		} else {
			require.NoError(t, err, tc.name)
		}
		require.Equal(t, tc.swap, swap, tc.name)
		require.Equal(t, before, w.state(), tc.name)
	}
}
