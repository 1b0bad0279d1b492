package cgroup_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/uapi"
)

// cgroup_can_fork calls can_fork in id order; when one refuses, the ones
// before it get cancel_fork and the fork fails with its errno; nothing is
// linked. cgroup_post_fork links the child into its parent's css_set, then
// calls fork.
func TestForkHooks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		failing   string // controller refusing can_fork
		errno     uapi.Errno
		mem, pids []string
	}{
		{"", 0, []string{"can_fork 0:/a", "fork"}, []string{"can_fork 0:/", "fork"}},
		{"memory", uapi.ENOMEM, []string{"can_fork 0:/a"}, nil},
		{"pids", uapi.EAGAIN, []string{"can_fork 0:/a", "cancel_fork"}, []string{"can_fork 0:/"}},
	} {
		t.Run(tc.failing, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, v2)
			write(t, f, f.dflRoot(), "+memory")
			a := f.mkdir(t, f.dflRoot(), "a")
			p := f.fork(t, f.init)
			f.move(t, a, p)
			f.mem.Log()
			f.pids.Log()
			if tc.failing != "" {
				map[string]*cgroup.TestController{"memory": f.mem, "pids": f.pids}[tc.failing].SetFail("can_fork", tc.errno)
			}
			before := f.snapshot(t)
			c, err := f.forkAs(f.ctx, p, nil)
			require.Equal(t, tc.mem, f.mem.Log())
			require.Equal(t, tc.pids, f.pids.Log())
			if tc.errno != 0 {
				require.ErrorIs(t, err, tc.errno)
				require.Nil(t, c)
				require.Equal(t, before, f.snapshot(t))
			} else {
				require.NoError(t, err)
				require.Same(t, p.cg.CSSSet(), c.cg.CSSSet())
				require.Equal(t, 2, p.cg.CSSSet().NrTasks())
			}
			f.requireClean(t)
		})
	}
}

// cgroup_cancel_fork: a fork failing after admission calls cancel_fork on
// every controller; the child was never linked.
func TestCancelFork(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	c := &task{}
	f.g.Fork(c)
	f.g.ThreadgroupChangeBegin()
	require.NoError(t, f.g.CanFork(f.ctx, c, f.init))
	f.g.CancelFork(f.ctx, c, f.init)
	f.g.ThreadgroupChangeEnd()
	require.Equal(t, []string{"can_fork 0:/", "cancel_fork"}, f.mem.Log())
	require.Equal(t, []string{"can_fork 0:/", "cancel_fork"}, f.pids.Log())
	require.Same(t, f.g.InitCSSSet(), c.cg.CSSSet())
	require.Equal(t, int64(2), f.g.InitCSSSet().Count())
	f.requireClean(t)
}

// Migration calls can_attach of the controllers whose css changes (ss_mask)
// in id order; a refusal cancels those asked before and fails the move with
// its errno, changing nothing. A move where the task already is, or of an
// exiting task, calls nothing.
func TestMigrationCallbacks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		failing   string
		errno     uapi.Errno
		mem, pids []string
	}{
		{"ok", "", 0,
			[]string{"can_attach 2 0:/a->0:/b,0:/a->0:/b", "attach 2 0:/b,0:/b"},
			[]string{"can_attach 2 0:/a->0:/b,0:/a->0:/b", "attach 2 0:/b,0:/b"}},
		{"memory refuses", "memory", uapi.ENOMEM,
			[]string{"can_attach 2 0:/a->0:/b,0:/a->0:/b"}, nil},
		{"pids refuses", "pids", uapi.EAGAIN,
			[]string{"can_attach 2 0:/a->0:/b,0:/a->0:/b", "cancel_attach 2 0:/a->0:/b,0:/a->0:/b"},
			[]string{"can_attach 2 0:/a->0:/b,0:/a->0:/b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, v2)
			root := f.dflRoot()
			write(t, f, root, "+memory +pids")
			a, b := f.mkdir(t, root, "a"), f.mkdir(t, root, "b")
			p := f.fork(t, f.init)
			f.thread(t, p)
			f.move(t, a, p)
			f.mem.Log()
			f.pids.Log()
			if tc.failing != "" {
				map[string]*cgroup.TestController{"memory": f.mem, "pids": f.pids}[tc.failing].SetFail("can_attach", tc.errno)
			}
			before := f.snapshot(t)
			err := f.g.AttachTask(f.ctx, b, f.process(p)...)
			require.Equal(t, tc.mem, f.mem.Log())
			require.Equal(t, tc.pids, f.pids.Log())
			if tc.errno != 0 {
				require.ErrorIs(t, err, tc.errno)
				require.Equal(t, before, f.snapshot(t))
				require.True(t, a.Populated())
			} else {
				require.NoError(t, err)
				require.False(t, a.Populated())
				require.Equal(t, 2, p.cg.CSSSet().NrTasks())
			}
			f.requireClean(t)
		})
	}
}

func TestMigrationNoops(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, m)
			root := f.root("memory")
			if m.name == "v2" {
				write(t, f, root, "+memory")
			}
			a, b := f.mkdir(t, root, "a"), f.mkdir(t, root, "b")
			p := f.fork(t, f.init)
			f.move(t, a, p)
			f.mem.Log()
			before := f.snapshot(t)
			f.move(t, a, p)
			require.Empty(t, f.mem.Log(), "src == dst: no controller is called")
			require.Equal(t, before, f.snapshot(t))

			z := f.fork(t, p)
			f.exit(f.ctx, z)
			f.mem.Log()
			before = f.snapshot(t)
			require.NoError(t, f.g.AttachTask(f.ctx, b, z))
			require.Empty(t, f.mem.Log(), "PF_EXITING tasks are skipped")
			require.Equal(t, before, f.snapshot(t))

			f.rmdir(t, b)
			require.ErrorIs(t, f.g.AttachTask(f.ctx, b, p), uapi.ENODEV)
			f.requireClean(t)
		})
	}
}

// Migration of a process moves all its threads; css_set_move_task flips
// the populated state of source and destination and cgroup.events changes.
func TestPopulatedAndEvents(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	a := f.mkdir(t, root, "a")
	b := f.mkdir(t, a, "b")
	c := f.mkdir(t, root, "c")
	_, err := f.g.ReadEvents(root)
	require.ErrorIs(t, err, uapi.ENOENT, "cgroup.events is CFTYPE_NOT_ON_ROOT")
	ev := func(x *cgroup.Cgroup) string {
		s, err := f.g.ReadEvents(x)
		require.NoError(t, err)
		return s
	}
	require.Equal(t, "populated 0\n", ev(a))

	p := f.fork(t, f.init)
	th := f.thread(t, p)
	f.move(t, b, p)
	require.Equal(t, "populated 1\n", ev(a))
	require.Equal(t, "populated 1\n", ev(b))
	require.Equal(t, 1, b.NrPopulatedCsets())
	require.Equal(t, 0, a.NrPopulatedCsets())
	require.Equal(t, 1, a.NrPopulatedDomainChildren())
	require.Equal(t, 1, root.NrPopulatedDomainChildren())
	require.Equal(t, 1, root.NrPopulatedCsets(), "init is still in the root")
	require.Equal(t, uint64(1), a.EventsNotified())
	require.Equal(t, uint64(1), b.EventsNotified())
	require.Equal(t, uint64(0), root.EventsNotified(), "no cgroup.events on the root")
	require.Equal(t, 2, p.cg.CSSSet().NrTasks())

	q := f.fork(t, f.init)
	f.move(t, b, q)
	require.Equal(t, uint64(1), b.EventsNotified(), "already populated: no flip")

	f.move(t, c, q)
	f.exit(f.ctx, th)
	require.Equal(t, "populated 1\n", ev(b))
	f.exit(f.ctx, p)
	require.Equal(t, "populated 0\n", ev(a))
	require.Equal(t, "populated 0\n", ev(b))
	require.Equal(t, uint64(2), a.EventsNotified())
	require.Equal(t, uint64(2), b.EventsNotified())
	require.Equal(t, 0, root.NrPopulatedDomainChildren()-1, "only c")
	require.NoError(t, f.g.Check())
	f.requireClean(t)
}

// cgroup.procs / cgroup.threads / tasks writes: ENODEV for a removed
// cgroup first, then the number (kstrtoint base 0 after strstrip: EINVAL
// for garbage, overflow and negatives), then the lookup (ESRCH), the
// permission callback, the domain rule of cgroup.threads, and the
// migration itself. Success returns the byte count.
func TestProcsWrite(t *testing.T) {
	t.Parallel()
	deny := func(src, dst *cgroup.Cgroup, l cgroup.Member) error {
		return uapi.Err("write", uapi.EACCES, "denied", "inode_permission")
	}
	for _, m := range modes {
		for _, tc := range []struct {
			name    string
			buf     func(p *task) string
			threads bool
			dead    bool
			perm    cgroup.ProcsPermission
			errno   uapi.Errno
			check   string
		}{
			{"pid", func(p *task) string { return itoa(p.pid) + "\n" }, false, false, nil, 0, ""},
			{"hex pid", func(p *task) string { return "0x" + hex(p.pid) }, false, false, nil, 0, ""},
			{"thread", func(p *task) string { return itoa(p.pid) }, true, false, nil, 0, ""},
			{"self", func(p *task) string { return "0" }, false, false, nil, 0, ""},
			{"garbage", func(p *task) string { return "abc" }, false, false, nil, uapi.EINVAL, "cgroup_procs_write_start"},
			{"negative", func(p *task) string { return "-1" }, false, false, nil, uapi.EINVAL, "cgroup_procs_write_start"},
			{"overflow", func(p *task) string { return "4294967296" }, false, false, nil, uapi.EINVAL, "cgroup_procs_write_start"},
			{"two pids", func(p *task) string { return itoa(p.pid) + " 1" }, false, false, nil, uapi.EINVAL, "cgroup_procs_write_start"},
			{"unknown pid", func(p *task) string { return "999" }, false, false, nil, uapi.ESRCH, "find_task_by_vpid"},
			{"removed before parse", func(p *task) string { return "abc" }, false, true, nil, uapi.ENODEV, "cgroup_kn_lock_live"},
			{"permission", func(p *task) string { return itoa(p.pid) }, false, false, deny, uapi.EACCES, "inode_permission"},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newFix(t, m)
				dst := f.mkdir(t, f.root("memory"), "dst")
				if tc.dead {
					f.rmdir(t, dst)
				}
				p := f.fork(t, f.init)
				th := f.thread(t, p)
				before := f.snapshot(t)
				buf := []byte(tc.buf(p))
				wr := f.g.WriteProcs
				if tc.threads {
					wr = f.g.WriteThreads
				}
				n, err := wr(f.ctx, dst, buf, f.lookup, tc.perm)
				if tc.threads && m.name == "v2" {
					// cgroup.threads: / and /dst are two domains.
					tc.errno, tc.check = uapi.EOPNOTSUPP, "cgroup_threads_write"
				}
				if tc.errno != 0 {
					require.ErrorIs(t, err, tc.errno)
					require.Equal(t, tc.check, err.(*uapi.Error).Check)
					require.Equal(t, before, f.snapshot(t))
				} else {
					require.NoError(t, err)
					require.Equal(t, len(buf), n)
					moved := p
					if tc.name == "self" {
						moved = f.init
					}
					require.Same(t, dst, moved.cg.CSSSet().Cgroup(dst.Root()))
					if tc.threads {
						require.NotSame(t, dst, th.cg.CSSSet().Cgroup(dst.Root()), "only the one task")
					} else if moved == p {
						require.Same(t, dst, th.cg.CSSSet().Cgroup(dst.Root()), "the whole process")
					}
				}
				f.requireClean(t)
			})
		}
	}
}

func hex(i int) string { return strconv.FormatInt(int64(i), 16) }
