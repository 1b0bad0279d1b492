package cgroupfs_test

// Ports of the Linux cgroup selftests (tools/testing/selftests/cgroup/
// test_core.c and test_pids.c) to the simulator's file API: one Go test per
// selftest function, the same steps and assertions, and for every call the
// selftest expects to fail the errno the kernel source gives, checked with
// errors.Is, and proof that the failed call changed nothing (Snapshot).
//
// 4.19's test_core.c has seven functions: internal_process_constraint,
// top_down_constraint_enable, top_down_constraint_disable,
// no_internal_process_constraint_on_threads, parent_becomes_threaded,
// invalid_domain and populated. Mainline adds proc_migration,
// thread_migration, destroy, lesser_euid_open and lesser_ns_open, and
// clone3(CLONE_INTO_CGROUP) steps in populated, invalid_domain and
// internal_process_constraint; test_pids.c (pids_max, pids_events) exists
// only in mainline. Each test runs on both flavours; the mainline-only ones
// say so and are checked against the 4.19 kernel's rules (and mainline's
// where the simulator's Mainline flavour differs).
//
// The selftest binary is a root process forked from init ("self"); only the
// pids controller is real, so "memory" (a domain controller) and "cpu" (a
// threaded one) are cgroup.TestControllers standing in for them.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// threadFlags is what pthread_create passes to clone.
const threadFlags = uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM

// cgSelftest is one run of a selftest: a kernel and the selftest process.
type cgSelftest struct {
	t    *testing.T
	k    *kernsim.Kernel
	f    kernsim.Flavour
	self *task.Task
	root string // cg_find_unified_root
}

// eachFlavour runs fn as a parallel subtest on 4.19.13 and on mainline.
func eachFlavour(t *testing.T, fn func(t *testing.T, f kernsim.Flavour)) {
	t.Parallel()
	for _, f := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, f)
		})
	}
}

// bootSelftest boots a kernel with memory (domain), cpu (threaded) and pids
// on the v2 hierarchy and forks the selftest process from init.
func bootSelftest(t *testing.T, f kernsim.Flavour) *cgSelftest {
	t.Helper()
	k := kernsimtest.Boot(t, kernsim.Config{Flavour: f, Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{
		cgroup.NewTestController("memory", false),
		cgroup.NewTestController("cpu", true),
		cgroup.NewPidsController(),
	}}})
	self, err := k.Init().Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD), Comm: "selftest"})
	require.NoError(t, err)
	return &cgSelftest{t: t, k: k, f: f, self: self, root: root}
}

// coreSelftest is test_core.c's main: memory enabled in the root's
// cgroup.subtree_control.
func coreSelftest(t *testing.T, f kernsim.Flavour) *cgSelftest {
	t.Helper()
	s := bootSelftest(t, f)
	require.NotContains(t, s.read(s.root, "cgroup.subtree_control"), "memory")
	require.NoError(t, s.write(s.root, "cgroup.subtree_control", "+memory"))
	require.Equal(t, "memory\n", s.read(s.root, "cgroup.subtree_control"))
	return s
}

// pidsSelftest is test_pids.c's main: pids listed in the root's
// cgroup.controllers and enabled in its cgroup.subtree_control.
func pidsSelftest(t *testing.T, f kernsim.Flavour) *cgSelftest {
	t.Helper()
	s := bootSelftest(t, f)
	require.Contains(t, s.read(s.root, "cgroup.controllers"), "pids")
	require.NoError(t, s.write(s.root, "cgroup.subtree_control", "+pids"))
	return s
}

// name is cg_name.
func (s *cgSelftest) name(rel string) string { return s.root + "/" + rel }

// create is cg_create.
func (s *cgSelftest) create(cg string) {
	s.t.Helper()
	require.NoError(s.t, s.self.Mkdir(cg, 0o755), "mkdir %s", cg)
}

// destroy is cg_destroy on an empty cgroup.
func (s *cgSelftest) destroy(cg string) {
	s.t.Helper()
	require.NoError(s.t, s.self.Rmdir(cg), "rmdir %s", cg)
}

// write is cg_write by the selftest process.
func (s *cgSelftest) write(cg, file, data string) error {
	_, err := s.self.WriteFile(cg+"/"+file, data)
	return err
}

// read is cg_read by the selftest process.
func (s *cgSelftest) read(cg, file string) string {
	s.t.Helper()
	out, err := s.self.ReadFile(cg + "/" + file)
	require.NoError(s.t, err, "read %s/%s", cg, file)
	return out
}

// enter is cg_enter_current: "0" written to cgroup.procs moves the writer's
// whole process.
func (s *cgSelftest) enter(cg string) error { return s.write(cg, "cgroup.procs", "0") }

// lines is cg_read_lc: the number of lines of a file.
func (s *cgSelftest) lines(cg, file string) int {
	s.t.Helper()
	return strings.Count(s.read(cg, file), "\n")
}

// fails runs a call the selftest expects to fail: it must fail with errno
// and leave the kernel exactly as it was.
func (s *cgSelftest) fails(errno uapi.Errno, what string, call func() error) {
	s.t.Helper()
	before := s.k.Snapshot()
	err := call()
	require.ErrorIs(s.t, err, errno, what)
	require.Equal(s.t, before, s.k.Snapshot(), what)
}

// cgroupAt finds the live v2 cgroup at path.
func (s *cgSelftest) cgroupAt(path string) *cgroup.Cgroup {
	s.t.Helper()
	c := s.k.Cgroup.Dfl().Cgroup()
	for _, n := range strings.Split(strings.TrimPrefix(path, s.root+"/"), "/") {
		c = c.Child(n)
		require.NotNil(s.t, c, "no cgroup %s", path)
	}
	return c
}

// openCgroup is dirfd_open_opath: a descriptor on the cgroup directory.
func (s *cgSelftest) openCgroup(cg string) int {
	s.t.Helper()
	fd, err := s.self.Open(cg)
	require.NoError(s.t, err)
	return fd
}

// cloneInto is clone_into_cgroup (mainline's cgroup_util.c): clone3 with
// CLONE_INTO_CGROUP and the directory descriptor fd.
func (s *cgSelftest) cloneInto(fd int) (*task.Task, error) {
	c, _, err := s.self.Clone3(task.Clone3Args{Flags: uapi.CLONE_INTO_CGROUP, Cgroup: uint64(fd), ExitSignal: uint64(uapi.SIGCHLD)})
	return c, err
}

// cloneFails is fails for a clone3 into fd that copy_process refuses in
// cgroup_can_fork, after alloc_pid: the pid cursor has moved (as the
// kernel's does), nothing else changed.
func (s *cgSelftest) cloneFails(errno uapi.Errno, what string, fd int) {
	s.t.Helper()
	withoutCursor := func(snap kernsim.Snapshot) []string {
		var out []string
		for _, l := range snap.Lines {
			if !strings.HasPrefix(l, "static init_pid_ns") {
				out = append(out, l)
			}
		}
		return out
	}
	before := withoutCursor(s.k.Snapshot())
	_, err := s.cloneInto(fd)
	require.ErrorIs(s.t, err, errno, what)
	require.Equal(s.t, before, withoutCursor(s.k.Snapshot()), what)
}

// reap makes c exit and the selftest process wait for it (clone_reap).
func (s *cgSelftest) reap(c *task.Task) {
	s.t.Helper()
	require.NoError(s.t, c.Exit(0))
	_, _, err := s.self.Wait(c.PID(), 0)
	require.NoError(s.t, err)
}

// ---- test_core.c ------------------------------------------------------

// test_cgcore_populated (4.19): A(0) - B(0) - C(1), B - D(0). With the
// process in C, A, B and C read "populated 1" and D "populated 0"; moved to
// the root, all read "populated 0", and each flip of A, B and C was a
// modified event on its cgroup.events (cgroup_update_populated →
// cgroup_file_notify), none on D's.
func TestCgcorePopulated(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		a := s.name("cg_test_a")
		b := s.name("cg_test_a/cg_test_b")
		c := s.name("cg_test_a/cg_test_b/cg_test_c")
		d := s.name("cg_test_a/cg_test_b/cg_test_d")
		for _, cg := range []string{a, b, c, d} {
			s.create(cg)
		}
		cgs := map[string]*cgroup.Cgroup{}
		for _, cg := range []string{a, b, c, d} {
			cgs[cg] = s.cgroupAt(cg)
			require.Zero(t, cgs[cg].EventsNotified())
		}

		require.NoError(t, s.enter(c))
		for _, cg := range []string{a, b, c} {
			require.Equal(t, "populated 1\n", s.read(cg, "cgroup.events"), cg)
			require.EqualValues(t, 1, cgs[cg].EventsNotified(), cg)
		}
		require.Equal(t, "populated 0\n", s.read(d, "cgroup.events"))

		require.NoError(t, s.enter(s.root))
		for _, cg := range []string{a, b, c, d} {
			require.Equal(t, "populated 0\n", s.read(cg, "cgroup.events"), cg)
		}
		for _, cg := range []string{a, b, c} {
			require.EqualValues(t, 2, cgs[cg].EventsNotified(), cg)
		}
		require.Zero(t, cgs[d].EventsNotified())

		// Mainline goes on: a child cloned straight into D populates it;
		// once D is removed, cloning into its fd fails (ENODEV).
		if f == kernsim.Mainline {
			fd := s.openCgroup(d)
			child, err := s.cloneInto(fd)
			require.NoError(t, err)
			require.Same(t, cgs[d], child.CgroupTask().CSSSet().DflCgroup())
			require.Equal(t, "populated 1\n", s.read(d, "cgroup.events"))
			s.reap(child)
			require.Equal(t, "populated 0\n", s.read(d, "cgroup.events"))
			s.destroy(d)
			s.cloneFails(uapi.ENODEV, "clone into a removed cgroup", fd)
			require.NoError(t, s.self.Close(fd))
			for _, cg := range []string{c, b, a} {
				s.destroy(cg)
			}
			return
		}

		for _, cg := range []string{d, c, b, a} {
			s.destroy(cg)
		}
	})
}

// test_cgcore_invalid_domain (4.19): A (domain threaded) - B (threaded) -
// C (domain). C reads "domain invalid" and refuses processes with
// EOPNOTSUPP (cgroup_migrate_vet_dst: its domain is not valid).
func TestCgcoreInvalidDomain(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		grandparent := s.name("cg_test_grandparent")
		parent := s.name("cg_test_grandparent/cg_test_parent")
		child := s.name("cg_test_grandparent/cg_test_parent/cg_test_child")
		for _, cg := range []string{grandparent, parent, child} {
			s.create(cg)
		}
		require.NoError(t, s.write(parent, "cgroup.type", "threaded"))
		require.Equal(t, "domain invalid\n", s.read(child, "cgroup.type"))
		require.Equal(t, "threaded\n", s.read(parent, "cgroup.type"))
		require.Equal(t, "domain threaded\n", s.read(grandparent, "cgroup.type"))

		s.fails(uapi.EOPNOTSUPP, "enter a domain invalid cgroup", func() error { return s.enter(child) })
		require.Equal(t, "", s.read(child, "cgroup.procs"))

		// Mainline: clone3(CLONE_INTO_CGROUP) into C fails EOPNOTSUPP too.
		if f == kernsim.Mainline {
			fd := s.openCgroup(child)
			s.cloneFails(uapi.EOPNOTSUPP, "clone into a domain invalid cgroup", fd)
			require.NoError(t, s.self.Close(fd))
		}

		require.NoError(t, s.enter(s.root))
		for _, cg := range []string{child, parent, grandparent} {
			s.destroy(cg)
		}
	})
}

// test_cgcore_parent_becomes_threaded (4.19): when a child becomes threaded
// its parent becomes "domain threaded" (a thread root).
func TestCgcoreParentBecomesThreaded(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		parent := s.name("cg_test_parent")
		child := s.name("cg_test_parent/cg_test_child")
		s.create(parent)
		s.create(child)
		require.Equal(t, "domain\n", s.read(parent, "cgroup.type"))
		require.NoError(t, s.write(child, "cgroup.type", "threaded"))
		require.Equal(t, "domain threaded\n", s.read(parent, "cgroup.type"))
		require.Equal(t, "threaded\n", s.read(child, "cgroup.type"))
		s.destroy(child)
		s.destroy(parent)
	})
}

// test_cgcore_no_internal_process_constraint_on_threads (4.19): with the
// (threaded) cpu controller enabled in a threaded cgroup's subtree_control,
// processes can still join that cgroup.
func TestCgcoreNoInternalProcessConstraintOnThreads(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		// The selftest skips unless the root lists cpu and can enable it.
		require.Contains(t, s.read(s.root, "cgroup.controllers"), "cpu")
		require.NoError(t, s.write(s.root, "cgroup.subtree_control", "+cpu"))

		parent := s.name("cg_test_parent")
		child := s.name("cg_test_parent/cg_test_child")
		s.create(parent)
		s.create(child)
		require.NoError(t, s.write(parent, "cgroup.type", "threaded"))
		require.NoError(t, s.write(child, "cgroup.type", "threaded"))
		require.NoError(t, s.write(parent, "cgroup.subtree_control", "+cpu"))
		require.Equal(t, "cpu\n", s.read(parent, "cgroup.subtree_control"))

		require.NoError(t, s.enter(parent))
		cg, err := s.self.ReadFile("/proc/self/cgroup")
		require.NoError(t, err)
		require.Equal(t, "0::/cg_test_parent\n", cg)
		require.Equal(t, fmt.Sprintf("%d\n", s.self.PID()), s.read(parent, "cgroup.threads"))

		require.NoError(t, s.enter(s.root))
		require.NoError(t, s.enter(s.root))
		s.destroy(child)
		s.destroy(parent)
	})
}

// test_cgcore_top_down_constraint_enable (4.19): a controller the parent has
// not enabled cannot be enabled in the child: it is not in the child's
// cgroup.controllers (ENOENT from cgroup_subtree_control_write).
func TestCgcoreTopDownConstraintEnable(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		parent := s.name("cg_test_parent")
		child := s.name("cg_test_parent/cg_test_child")
		s.create(parent)
		s.create(child)
		require.Equal(t, "", s.read(child, "cgroup.controllers"))
		s.fails(uapi.ENOENT, "+memory below a parent without it", func() error {
			return s.write(child, "cgroup.subtree_control", "+memory")
		})
		require.Equal(t, "", s.read(child, "cgroup.subtree_control"))
		s.destroy(child)
		s.destroy(parent)
	})
}

// test_cgcore_top_down_constraint_disable (4.19): a controller a child still
// has in its subtree_control cannot be disabled in the parent (EBUSY).
func TestCgcoreTopDownConstraintDisable(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		parent := s.name("cg_test_parent")
		child := s.name("cg_test_parent/cg_test_child")
		s.create(parent)
		s.create(child)
		require.NoError(t, s.write(parent, "cgroup.subtree_control", "+memory"))
		require.NoError(t, s.write(child, "cgroup.subtree_control", "+memory"))
		s.fails(uapi.EBUSY, "-memory while a child has it", func() error {
			return s.write(parent, "cgroup.subtree_control", "-memory")
		})
		require.Equal(t, "memory\n", s.read(parent, "cgroup.subtree_control"))
		s.destroy(child)
		s.destroy(parent)
	})
}

// test_cgcore_internal_process_constraint (4.19): a domain cgroup with a
// domain controller in its subtree_control takes no processes (EBUSY from
// cgroup_migrate_vet_dst).
func TestCgcoreInternalProcessConstraint(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		parent := s.name("cg_test_parent")
		child := s.name("cg_test_parent/cg_test_child")
		s.create(parent)
		s.create(child)
		require.NoError(t, s.write(parent, "cgroup.subtree_control", "+memory"))
		s.fails(uapi.EBUSY, "enter a domain parent with memory enabled", func() error { return s.enter(parent) })

		// Mainline: clone3(CLONE_INTO_CGROUP) into the parent fails too.
		if f == kernsim.Mainline {
			fd := s.openCgroup(parent)
			s.cloneFails(uapi.EBUSY, "clone into a parent with memory enabled", fd)
			require.NoError(t, s.self.Close(fd))
		}

		s.destroy(child)
		s.destroy(parent)
	})
}

// test_cgcore_proc_migration (mainline only): writing a process to
// cgroup.procs moves all its threads: 1 + 13 lines in the destination's
// cgroup.threads.
func TestCgcoreProcMigration(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		const nThreads = 13
		src := s.name("cg_src")
		dst := s.name("cg_dst")
		s.create(src)
		s.create(dst)
		require.NoError(t, s.enter(src))
		var threads []*task.Task
		for range nThreads {
			th, err := s.self.Clone(task.CloneArgs{Flags: threadFlags})
			require.NoError(t, err)
			threads = append(threads, th)
		}
		require.Equal(t, nThreads+1, s.lines(src, "cgroup.threads"))

		require.NoError(t, s.enter(dst))
		require.Equal(t, nThreads+1, s.lines(dst, "cgroup.threads"))
		require.Equal(t, "", s.read(src, "cgroup.threads"))
		for _, th := range threads {
			cg, err := s.self.ReadFile(fmt.Sprintf("/proc/%d/task/%d/cgroup", s.self.PID(), th.PID()))
			require.NoError(t, err)
			require.Equal(t, "0::/cg_dst\n", cg)
		}

		for _, th := range threads { // pthread_cancel + pthread_join
			require.NoError(t, th.Exit(0))
		}
		require.Equal(t, 1, s.lines(dst, "cgroup.threads"))
		require.NoError(t, s.enter(s.root))
		s.destroy(dst)
		s.destroy(src)
	})
}

// test_cgcore_thread_migration (mainline only): between two threaded
// cgroups of one domain, a thread moves alone by writing "0" to
// cgroup.threads, 1000 times back and forth, and /proc/thread-self/cgroup
// follows it each time; the main thread stays in the source.
func TestCgcoreThreadMigration(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		dom := s.name("cg_dom")
		grps := []string{s.root, s.name("cg_dom/cg_src"), s.name("cg_dom/cg_dst")}
		s.create(dom)
		s.create(grps[1])
		s.create(grps[2])
		require.NoError(t, s.write(grps[1], "cgroup.type", "threaded"))
		require.NoError(t, s.write(grps[2], "cgroup.type", "threaded"))
		require.NoError(t, s.enter(grps[1]))

		thr, err := s.self.Clone(task.CloneArgs{Flags: threadFlags})
		require.NoError(t, err)
		// migrating_thread_fn
		var lines [3]string
		for g := 1; g < 3; g++ {
			lines[g] = "0::" + strings.TrimPrefix(grps[g], grps[0])
		}
		for i := range 1000 {
			g := i%2 + 1
			_, err := thr.WriteFile(grps[g]+"/cgroup.threads", "0") // cg_enter_current_thread
			require.NoError(t, err, "iteration %d", i)
			cg, err := thr.ReadFile("/proc/thread-self/cgroup")
			require.NoError(t, err)
			require.Contains(t, cg, lines[g], "iteration %d", i)
		}
		require.NoError(t, thr.Exit(0)) // return NULL; pthread_join

		cg, err := s.self.ReadFile("/proc/thread-self/cgroup")
		require.NoError(t, err)
		require.Contains(t, cg, lines[1])

		require.NoError(t, s.enter(s.root))
		s.destroy(grps[2])
		s.destroy(grps[1])
		s.destroy(dom)
	})
}

// test_cgcore_destroy (mainline only): ten times, a child enters a fresh
// cgroup, everything in it is killed, and once cgroup.procs is empty the
// cgroup is removed while the killed child is still an unreaped zombie.
// cg_killall first tries cgroup.kill, which neither 4.19 nor the simulator
// has (ENOENT: no such file; mainline has it since 5.14), then kills each
// pid of cgroup.procs with SIGKILL. The zombie's css_set keeps the removed
// cgroup as a dying descendant until it is reaped.
func TestCgcoreDestroy(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := coreSelftest(t, f)
		cgTest := s.name("cg_test")
		for i := range 10 {
			s.create(cgTest)
			child, err := s.self.Fork() // cg_run_nowait
			require.NoError(t, err)
			_, err = child.WriteFile(cgTest+"/cgroup.procs", fmt.Sprint(child.PID()))
			require.NoError(t, err)
			require.Equal(t, 1, s.lines(cgTest, "cgroup.procs")) // cg_wait_for_proc_count

			// cg_killall
			s.fails(uapi.ENOENT, "cgroup.kill", func() error { return s.write(cgTest, "cgroup.kill", "1") })
			for _, p := range strings.Fields(s.read(cgTest, "cgroup.procs")) {
				var pid int32
				_, err := fmt.Sscan(p, &pid)
				require.NoError(t, err)
				require.NoError(t, s.self.Kill(pid, uapi.SIGKILL))
			}
			require.Equal(t, "", s.read(cgTest, "cgroup.procs"))
			require.Equal(t, "populated 0\n", s.read(cgTest, "cgroup.events"))

			s.destroy(cgTest)
			require.Equal(t, "nr_descendants 0\nnr_dying_descendants 1\n", s.read(s.root, "cgroup.stat"), "round %d", i)
			pid, status, err := s.self.Wait(child.PID(), 0)
			require.NoError(t, err)
			require.Equal(t, child.PID(), pid)
			require.Equal(t, int(uapi.SIGKILL), status&0x7f)
			require.Equal(t, "nr_descendants 0\nnr_dying_descendants 0\n", s.read(s.root, "cgroup.stat"), "round %d", i)
		}
	})
}

// test_cgcore_lesser_euid_open (mainline only, the CVE-2021-4197 fix of
// 5.16): the permission to migrate through cgroup.procs is judged with the
// credentials of the open, not those of the write.
//
// The selftest chowns a's and b's cgroup.procs to an unprivileged euid,
// opens b's with that euid (allowed: the file is its own), then writes "0"
// with euid 0 and expects EACCES: the opener may not write the common
// ancestor's (the root's) cgroup.procs. 4.19 checks the writer's
// credentials at write time (cgroup_procs_write_permission on
// current_cred), so there the root writer moves itself to b. The converse
// checks the same rule the other way round: root opens b's cgroup.procs,
// drops its euid, then writes: 4.19 refuses (EACCES), mainline allows.
func TestCgcoreLesserEuidOpen(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		const testEUID = 65534 // nobody
		s := coreSelftest(t, f)
		a := s.name("cg_test_a")
		b := s.name("cg_test_b")
		s.create(a)
		s.create(b)
		require.NoError(t, s.enter(a))
		require.NoError(t, s.self.Chown(a+"/cgroup.procs", testEUID, -1))
		require.NoError(t, s.self.Chown(b+"/cgroup.procs", testEUID, -1))

		// seteuid(test_euid); open(b/cgroup.procs, O_RDWR); seteuid(saved)
		require.NoError(t, s.self.Setresuid(-1, testEUID, -1))
		fd, err := s.self.OpenFlags(b+"/cgroup.procs", task.O_RDWR)
		require.NoError(t, err)
		require.NoError(t, s.self.Setresuid(-1, 0, -1))
		procs := fmt.Sprintf("%d\n", s.self.PID())
		if f == kernsim.Mainline {
			s.fails(uapi.EACCES, "write with euid 0 through the fd opened with euid 65534", func() error {
				_, err := s.self.Write(fd, []byte("0"))
				return err
			})
			require.Equal(t, procs, s.read(a, "cgroup.procs"))
		} else {
			_, err := s.self.Write(fd, []byte("0"))
			require.NoError(t, err, "4.19: the writer's credentials")
			require.Equal(t, procs, s.read(b, "cgroup.procs"))
			require.NoError(t, s.enter(a))
		}
		require.NoError(t, s.self.Close(fd))

		// The converse: opened by root, written with euid 65534.
		fd, err = s.self.OpenFlags(b+"/cgroup.procs", task.O_RDWR)
		require.NoError(t, err)
		require.NoError(t, s.self.Setresuid(-1, testEUID, -1))
		if f == kernsim.Linux419 {
			s.fails(uapi.EACCES, "write through root's fd with euid 65534 (4.19: write-time credentials)", func() error {
				_, err := s.self.Write(fd, []byte("0"))
				return err
			})
			require.Equal(t, procs, s.read(a, "cgroup.procs"))
		} else {
			n, err := s.self.Write(fd, []byte("0"))
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.Equal(t, procs, s.read(b, "cgroup.procs"))
		}
		require.NoError(t, s.self.Setresuid(-1, 0, -1))
		require.NoError(t, s.self.Close(fd))

		require.NoError(t, s.enter(s.root))
		s.destroy(b)
		s.destroy(a)
	})
}

// test_cgcore_lesser_ns_open (mainline only): the same rule for the cgroup
// namespace at open time. The selftest skips unless cgroup2 is mounted with
// nsdelegate. From b it clones a child with CLONE_NEWCGROUP | CLONE_FILES
// (a namespace rooted at b) that opens b's cgroup.procs; back in a, the
// parent writes "0" through that fd and expects ENOENT: the opener's
// namespace cannot see a. 4.19 judges the writer's namespace
// (init_cgroup_ns), so there the write moves the parent to b. It runs once
// nsproxy holds cgroup namespaces (clone(CLONE_NEWCGROUP) is EINVAL until
// then).
func TestCgcoreLesserNsOpen(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		const testEUID = 65534
		k := kernsimtest.Boot(t, kernsim.Config{Flavour: f, Cgroup: cgroup.Options{
			Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, NSDelegate: true}})
		self, err := k.Init().Clone(task.CloneArgs{Flags: uapi.CloneFlags(uapi.SIGCHLD), Comm: "selftest"})
		require.NoError(t, err)
		s := &cgSelftest{t: t, k: k, f: f, self: self, root: root}
		a := s.name("cg_test_a")
		b := s.name("cg_test_b")
		s.create(a)
		s.create(b)
		t.Cleanup(func() {
			_ = s.enter(s.root)
			_ = s.self.Rmdir(b)
			_ = s.self.Rmdir(a)
		})
		require.NoError(t, s.enter(b))
		require.NoError(t, s.self.Chown(b+"/cgroup.procs", testEUID, -1))

		child, err := s.self.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWCGROUP | uapi.CLONE_FILES | uapi.CLONE_VM | uapi.CloneFlags(uapi.SIGCHLD)})
		require.NoError(t, err)
		fd, err := child.OpenFlags(b+"/cgroup.procs", task.O_RDWR) // lesser_ns_open_thread_fn
		require.NoError(t, err)
		require.NoError(t, child.Exit(0))
		_, _, err = s.self.Wait(child.PID(), 0)
		require.NoError(t, err)

		require.NoError(t, s.enter(a))
		procs := fmt.Sprintf("%d\n", s.self.PID())
		if f == kernsim.Mainline {
			s.fails(uapi.ENOENT, "write through the fd opened in the namespace rooted at b", func() error {
				_, err := s.self.Write(fd, []byte("0"))
				return err
			})
			require.Equal(t, procs, s.read(a, "cgroup.procs"))
		} else {
			_, err := s.self.Write(fd, []byte("0"))
			require.NoError(t, err, "4.19: the writer's namespace")
			require.Equal(t, procs, s.read(b, "cgroup.procs"))
		}
		require.NoError(t, s.self.Close(fd))
	})
}

// ---- test_pids.c (mainline only) -------------------------------------

// test_pids_max: with pids.max 2, the selftest process and one child fill
// the cgroup; the next fork fails EAGAIN (pids_can_fork).
func TestPidsMax(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := pidsSelftest(t, f)
		cgPids := s.name("pids_test")
		s.create(cgPids)
		require.Equal(t, "max\n", s.read(cgPids, "pids.max"))
		require.NoError(t, s.write(cgPids, "pids.max", "2"))
		require.NoError(t, s.enter(cgPids))

		pid, err := s.self.Fork() // cg_run_nowait(run_pause)
		require.NoError(t, err)
		_, err = pid.WriteFile(cgPids+"/cgroup.procs", fmt.Sprint(pid.PID()))
		require.NoError(t, err)
		require.Equal(t, "2\n", s.read(cgPids, "pids.current"))

		refusedFork(s, func() error { _, err := s.self.Fork(); return err })
		require.Equal(t, "2\n", s.read(cgPids, "pids.current"))
		require.Equal(t, "max 1\n", s.read(cgPids, "pids.events"))

		require.NoError(t, s.self.Kill(pid.PID(), uapi.SIGINT))
		require.NoError(t, s.enter(s.root))
		s.destroy(cgPids)
		_, _, err = s.self.Wait(pid.PID(), 0)
		require.NoError(t, err)
	})
}

// test_pids_events: a fork from the child refused by the parent's pids.max.
// The selftest runs where the kernel knows the pids_localevents feature
// (6.13+, cgroup_feature), so not on 4.19; without the option mounted it
// checks child "max 0", parent "max 1" (mainline's hierarchical
// pids.events). 4.19 counts the refusal in the forking cgroup
// (pids_can_fork bumps events_limit of the current task's css): child
// "max 1", parent "max 0".
func TestPidsEvents(t *testing.T) {
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		s := pidsSelftest(t, f)
		parent := s.name("pids_parent")
		child := s.name("pids_parent/pids_child")
		s.create(parent)
		require.NoError(t, s.write(parent, "cgroup.subtree_control", "+pids"))
		s.create(child)
		require.NoError(t, s.write(parent, "pids.max", "2"))
		require.Equal(t, "max\n", s.read(child, "pids.max"))
		require.NoError(t, s.enter(child))

		pid, err := s.self.Fork()
		require.NoError(t, err)
		_, err = pid.WriteFile(child+"/cgroup.procs", fmt.Sprint(pid.PID()))
		require.NoError(t, err)
		refusedFork(s, func() error { _, err := s.self.Fork(); return err })
		require.NoError(t, s.self.Kill(pid.PID(), uapi.SIGINT))
		childEvents, parentEvents := s.read(child, "pids.events"), s.read(parent, "pids.events")

		require.NoError(t, s.enter(s.root))
		s.destroy(child)
		s.destroy(parent)
		_, _, err = s.self.Wait(pid.PID(), 0)
		require.NoError(t, err)

		if f == kernsim.Mainline { // pids_event: counted where the limit was hit
			require.Equal(t, "max 0\n", childEvents)
			require.Equal(t, "max 1\n", parentEvents)
			return
		}
		require.Equal(t, "max 1\n", childEvents)
		require.Equal(t, "max 0\n", parentEvents)
	})
}

// refusedFork checks a fork the pids controller refuses: EAGAIN, and
// nothing changed but the pid number it consumed (cgroup_can_fork runs
// after alloc_pid, so last_pid moved on by one).
func refusedFork(s *cgSelftest, fork func() error) {
	s.t.Helper()
	pidLine := func(l []string) ([]string, string) {
		var rest []string
		var line string
		for _, x := range l {
			if strings.HasPrefix(x, "static init_pid_ns ") {
				line = x
				continue
			}
			rest = append(rest, x)
		}
		return rest, line
	}
	last := s.k.PidNS.Init.LastPid()
	before, _ := pidLine(s.k.Snapshot().Lines)
	err := fork()
	require.ErrorIs(s.t, err, uapi.EAGAIN)
	after, _ := pidLine(s.k.Snapshot().Lines)
	require.Equal(s.t, before, after)
	require.Equal(s.t, last+1, s.k.PidNS.Init.LastPid())
}
