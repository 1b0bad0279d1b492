package cgroup_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/uapi"
)

var v2Delegate = mode{"v2 nsdelegate", func(mem, pids cgroup.Subsys) cgroup.Options {
	return cgroup.Options{Subsys: []cgroup.Subsys{pids, mem}, NSDelegate: true}
}}

func TestNSDelegateFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    mode
		want uint32
	}{
		{v2, 0},
		{v2Delegate, cgroup.CGRP_ROOT_NS_DELEGATE},
	} {
		f := newFix(t, tc.m)
		require.Equal(t, tc.want, f.g.Dfl().Flags(), tc.m.name)
		f.requireClean(t)
	}
	require.Equal(t, uint32(8), cgroup.CGRP_ROOT_NS_DELEGATE, "include/linux/cgroup-defs.h: 1 << 3")
	require.Equal(t, uint32(1<<20), cgroup.CGRP_ROOT_PIDS_LOCAL_EVENTS)
	for _, f := range []string{"cgroup.procs", "cgroup.threads", "cgroup.subtree_control"} {
		require.True(t, cgroup.NSDelegatable(f), f)
	}
	for _, f := range []string{"cgroup.max.depth", "cgroup.max.descendants", "cgroup.type", "pids.max", "cgroup.events"} {
		require.False(t, cgroup.NSDelegatable(f), f)
	}
}

// cgroup_procs_write_permission's nsdelegate half: with nsdelegate, a
// migration whose source or destination lies outside the writer's
// namespace root is ENOENT; without it, or inside, nothing is refused.
// cgroup_file_write's: under nsdelegate, the non-delegatable files of the
// writer's own namespace root are EPERM from a non-init namespace.
func TestNSDelegateChecks(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{v2, v2Delegate} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFix(t, m)
			root := f.dflRoot()
			a := f.mkdir(t, root, "a")
			a1 := f.mkdir(t, a, "a1")
			a2 := f.mkdir(t, a, "a2")
			b := f.mkdir(t, root, "b")
			creator := f.fork(t, f.init)
			f.move(t, a, creator)
			n := f.nsOf(creator)
			initRooted := &fakeNS{root: f.g.InitCSSSet()} // a namespace made in the root: not init_cgroup_ns
			delegate := m.name == "v2 nsdelegate"
			want := func(refused bool, errno uapi.Errno) uapi.Errno {
				if refused && delegate {
					return errno
				}
				return 0
			}
			check := func(err error, errno uapi.Errno, what string) {
				if errno == 0 {
					require.NoError(t, err, what)
				} else {
					require.ErrorIs(t, err, errno, what)
				}
			}
			before := f.snapshot(t)
			for _, tc := range []struct {
				what     string
				src, dst *cgroup.Cgroup
				n        cgroup.CgroupNS
				refused  bool
			}{
				{"inside, down", a, a1, n, false},
				{"inside, across", a1, a2, n, false},
				{"inside, up to the root", a2, a, n, false},
				{"out of the namespace", a1, b, n, true},
				{"into the namespace", b, a1, n, true},
				{"to the host root", a, root, n, true},
				{"init_cgroup_ns sees everything", a1, b, f.g.InitCgroupNS(), false},
				{"a namespace rooted at the root sees everything", b, a1, initRooted, false},
			} {
				check(f.g.CheckProcsNS(tc.src, tc.dst, tc.n), want(tc.refused, uapi.ENOENT), "procs: "+tc.what)
			}
			for _, tc := range []struct {
				what    string
				c       *cgroup.Cgroup
				file    string
				n       cgroup.CgroupNS
				refused bool
			}{
				{"the namespace root's cgroup.max.depth", a, "cgroup.max.depth", n, true},
				{"the namespace root's cgroup.type", a, "cgroup.type", n, true},
				{"the namespace root's pids.max", a, "pids.max", n, true},
				{"the namespace root's cgroup.procs", a, "cgroup.procs", n, false},
				{"the namespace root's cgroup.threads", a, "cgroup.threads", n, false},
				{"the namespace root's cgroup.subtree_control", a, "cgroup.subtree_control", n, false},
				{"a cgroup below the root", a1, "cgroup.max.depth", n, false},
				{"a cgroup outside (not this check's business)", b, "cgroup.max.depth", n, false},
				{"init_cgroup_ns at its root", root, "cgroup.max.depth", f.g.InitCgroupNS(), false},
				{"a non-init namespace rooted at the root", root, "cgroup.max.depth", initRooted, true},
			} {
				check(f.g.CheckFileWriteNS(tc.c, tc.file, tc.n), want(tc.refused, uapi.EPERM), "write: "+tc.what)
			}
			require.Equal(t, before, f.snapshot(t), "checks change nothing")
			f.move(t, root, creator)
			f.putNS(n)
			f.requireClean(t)
		})
	}
}

// A v1 hierarchy has no nsdelegate: its files are never refused.
func TestNSDelegateNotOnV1(t *testing.T) {
	t.Parallel()
	f := newFix(t, mode{"v1 with nsdelegate on v2", func(mem, pids cgroup.Subsys) cgroup.Options {
		return cgroup.Options{Subsys: []cgroup.Subsys{mem, pids}, V1: [][]string{{"pids"}}, NSDelegate: true}
	}})
	pids := f.root("pids")
	a := f.mkdir(t, pids, "a")
	creator := f.fork(t, f.init)
	f.move(t, a, creator)
	n := f.nsOf(creator)
	require.Zero(t, pids.Root().Flags())
	require.NoError(t, f.g.CheckFileWriteNS(a, "pids.max", n))
	f.move(t, pids, creator)
	f.putNS(n)
	f.requireClean(t)
}
