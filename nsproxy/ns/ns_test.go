package ns_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

func TestInumAllocLowestFree(t *testing.T) {
	t.Parallel()
	var a ns.InumAlloc
	const first = uint32(4026531840) // 0xF0000000, reference §1.2
	require.Equal(t, first, ns.PROC_DYNAMIC_FIRST)
	// 200 numbers span several bitmap words.
	for i := range uint32(200) {
		require.Equal(t, first+i, a.Alloc())
	}
	assert.Equal(t, 200, a.InUse())
	// Free a scattered set; allocation refills them lowest first.
	for _, i := range []uint32{150, 3, 64, 63, 0} {
		require.True(t, a.Free(first+i))
	}
	assert.Equal(t, 195, a.InUse())
	for _, i := range []uint32{0, 3, 63, 64, 150, 200, 201} {
		assert.Equal(t, first+i, a.Alloc())
	}
	assert.Equal(t, 202, a.InUse())
}

func TestInumAllocReuse(t *testing.T) {
	t.Parallel()
	var a ns.InumAlloc
	x := a.Alloc()
	for range 100 {
		require.True(t, a.Free(x))
		require.Equal(t, x, a.Alloc(), "the freed number is the lowest free one")
	}
	assert.Equal(t, 1, a.InUse())
}

func TestInumAllocFreeUnknown(t *testing.T) {
	t.Parallel()
	var a ns.InumAlloc
	assert.False(t, a.Free(ns.PROC_DYNAMIC_FIRST), "never allocated")
	assert.False(t, a.Free(ns.PROC_DYNAMIC_FIRST+10_000), "beyond the bitmap")
	x := a.Alloc()
	for _, fixed := range []uint32{ns.PROC_UTS_INIT_INO, ns.PROC_USER_INIT_INO, ns.PROC_IPC_INIT_INO, ns.PROC_ROOT_INO, 0} {
		assert.False(t, a.Free(fixed), "a fixed number is not the IDA's")
	}
	assert.Equal(t, 1, a.InUse())
	require.True(t, a.Free(x))
	assert.False(t, a.Free(x), "double free")
	assert.Zero(t, a.InUse())
}

func TestInumAllocConcurrent(t *testing.T) {
	t.Parallel()
	var a ns.InumAlloc
	const workers, each = 8, 200
	got := make([][]uint32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				got[w] = append(got[w], a.Alloc())
			}
		})
	}
	wg.Wait()
	seen := map[uint32]bool{}
	for _, g := range got {
		for _, x := range g {
			require.False(t, seen[x], "number %d handed out twice", x)
			seen[x] = true
		}
	}
	assert.Len(t, seen, workers*each)
	for i := range uint32(workers * each) {
		assert.True(t, seen[ns.PROC_DYNAMIC_FIRST+i], "dense from the start")
	}
}

func TestFixedInums(t *testing.T) {
	t.Parallel()
	// include/linux/proc_ns.h, reference §1.2.
	assert.Equal(t, uint32(4026531839), ns.PROC_IPC_INIT_INO)
	assert.Equal(t, uint32(4026531838), ns.PROC_UTS_INIT_INO)
	assert.Equal(t, uint32(4026531837), ns.PROC_USER_INIT_INO)
	assert.Equal(t, uint32(4026531836), ns.PROC_PID_INIT_INO)
	assert.Equal(t, uint32(4026531835), ns.PROC_CGROUP_INIT_INO)
	assert.Equal(t, uint32(4026531834), ns.PROC_TIME_INIT_INO)
}

func TestLinkAndTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  ns.Type
		inum uint32
		link string
		flag uapi.CloneFlags
	}{
		{ns.UTS, ns.PROC_UTS_INIT_INO, "uts:[4026531838]", uapi.CLONE_NEWUTS},
		{ns.USER, ns.PROC_USER_INIT_INO, "user:[4026531837]", uapi.CLONE_NEWUSER},
		{ns.IPC, ns.PROC_IPC_INIT_INO, "ipc:[4026531839]", uapi.CLONE_NEWIPC},
		{ns.PID, ns.PROC_PID_INIT_INO, "pid:[4026531836]", uapi.CLONE_NEWPID},
		{ns.CGROUP, ns.PROC_CGROUP_INIT_INO, "cgroup:[4026531835]", uapi.CLONE_NEWCGROUP},
		{ns.MNT, 4026531840, "mnt:[4026531840]", uapi.CLONE_NEWNS},
		{ns.NET, 4026531992, "net:[4026531992]", uapi.CLONE_NEWNET},
		{ns.TIME, ns.PROC_TIME_INIT_INO, "time:[4026531834]", uapi.CLONE_NEWTIME},
	} {
		var c ns.Common
		c.InitCommon(tc.typ, tc.inum)
		assert.Equal(t, tc.link, c.Link())
		assert.Equal(t, tc.typ, c.Type())
		assert.Equal(t, tc.inum, c.Inum())
		assert.Equal(t, tc.flag, tc.typ.Flag())
		got, ok := ns.TypeByName(tc.typ.Name())
		assert.True(t, ok)
		assert.Equal(t, tc.typ, got)
	}
	// /proc/<pid>/ns order in 4.19 (§14.2, without pid_for_children), time last.
	var names []string
	for _, typ := range ns.Types {
		names = append(names, typ.String())
	}
	assert.Equal(t, []string{"net", "uts", "ipc", "pid", "user", "mnt", "cgroup", "time"}, names)
	_, ok := ns.TypeByName("pid_for_children")
	assert.False(t, ok, "pid_for_children is a link name, not a type")
}
