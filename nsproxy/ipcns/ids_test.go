package ipcns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// TestIDs419 follows ipc_idr_alloc and ipc_addid of 4.19 (ipc/util.c):
// seq = ids->seq++ on every creation, index = the lowest free one
// (idr_alloc(..., 0, 0)), id = seq * IPCMNI + index.
func TestIDs419(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	sem := func() int {
		id, err := ipcns.Semget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 1, 0o600)
		require.NoError(t, err)
		return id
	}
	assert.Equal(t, []int{0, 32769, 65538}, []int{sem(), sem(), sem()})
	require.NoError(t, ipcns.Rmid(f.ctx, n, f.root, ipcns.SEM, 0))
	assert.Equal(t, 3*32768+0, sem(), "index 0 again, with seq 3")
	require.NoError(t, ipcns.Rmid(f.ctx, n, f.root, ipcns.SEM, 32769))
	assert.Equal(t, 4*32768+1, sem())
	assert.Equal(t, 5*32768+3, sem())
	// A failed creation takes no sequence number (the limit check comes first).
	_, err := ipcns.Semget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 0, 0o600)
	require.ErrorIs(t, err, uapi.EINVAL)
	assert.Equal(t, 6*32768+4, sem())
	// The other registries count on their own.
	id, err := ipcns.Msgget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 0o600)
	require.NoError(t, err)
	assert.Equal(t, 0, id)
	st, err := n.Stat(ipcns.SEM, 6*32768+4)
	require.NoError(t, err)
	assert.Equal(t, 6, st.Seq)
	n.Put(f.ctx)
	f.requireNoLeaks(t)
}

// TestIDsMainline follows mainline's ipc_idr_alloc (5.1+): cyclic indexes
// within max(in_use*3/2, 64), seq bumped only when the index does not grow.
func TestIDsMainline(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Mainline)
	n := f.newNS(t)
	msg := func() int {
		id, err := ipcns.Msgget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 0o600)
		require.NoError(t, err)
		return id
	}
	var ids []int
	for range 64 {
		ids = append(ids, msg())
	}
	assert.Equal(t, 63, ids[63])
	for _, id := range ids[:63] {
		require.NoError(t, ipcns.Rmid(f.ctx, n, f.root, ipcns.MSG, id))
	}
	// in_use 1: the window is [0, 64) and the cursor at 64 wraps to 0.
	assert.Equal(t, 32768+0, msg(), "wrapped: seq 1")
	assert.Equal(t, 32768+1, msg())
	n.Put(f.ctx)
	f.requireNoLeaks(t)
}

// TestRmidErrors has one row per errno branch of IPC_RMID (ksys_*ctl,
// ipcctl_obtain_check), each checking that nothing changed.
func TestRmidErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		kind  ipcns.Kind
		id    func(id int) int
		euid  uint32
		caps  uapi.CapSet
		errno uapi.Errno
		check string
	}{
		{"negative id", ipcns.SHM, func(int) int { return -1 }, 0, 0, uapi.EINVAL, "ksys_shmctl"},
		{"empty index", ipcns.MSG, func(id int) int { return id + 1 }, 0, 0, uapi.EINVAL, "ipc_obtain_object_check"},
		{"stale sequence number", ipcns.SEM, func(id int) int { return id + ipcns.SEQ_MULTIPLIER }, 0, 0, uapi.EINVAL, "ipc_obtain_object_check"},
		{"neither owner nor CAP_SYS_ADMIN", ipcns.SHM, func(id int) int { return id }, 2000, uapi.CapSet(0).With(uapi.CAP_IPC_OWNER), uapi.EPERM, "ipcctl_obtain_check"},
		{"EINVAL before EPERM", ipcns.SEM, func(id int) int { return id + 5 }, 2000, 0, uapi.EINVAL, "ipc_obtain_object_check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFix(t, refcount.Linux419)
			n := f.newNS(t)
			owner := f.cred(t, 1000, 1000, 0)
			var id int
			var err error
			switch tc.kind {
			case ipcns.SHM:
				id, err = ipcns.Shmget(f.ctx, n, owner, 9, 10, ipcns.IPC_CREAT|0o666)
			case ipcns.MSG:
				id, err = ipcns.Msgget(f.ctx, n, owner, 9, ipcns.IPC_CREAT|0o666)
			case ipcns.SEM:
				id, err = ipcns.Semget(f.ctx, n, owner, 9, 2, ipcns.IPC_CREAT|0o666)
			}
			require.NoError(t, err)
			caller := f.cred(t, tc.euid, tc.euid, tc.caps)
			if tc.euid == 0 {
				caller = f.root
			}
			before := f.snap(n)
			err = ipcns.Rmid(f.ctx, n, caller, tc.kind, tc.id(id))
			require.ErrorIs(t, err, tc.errno)
			var ue *uapi.Error
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, tc.check, ue.Check)
			assert.Equal(t, before, f.snap(n))
			n.Put(f.ctx)
		})
	}
}

// TestRmidAllowed: the owner, the creator (after the owner changed) and a
// holder of CAP_SYS_ADMIN in the namespace's owner may remove; the object
// disappears, its key is free and the usage it counted is given back.
func TestRmidAllowed(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	owner := f.cred(t, 1000, 1000, 0)
	admin := f.cred(t, 3000, 3000, uapi.CapSet(0).With(uapi.CAP_SYS_ADMIN))
	shm, err := ipcns.Shmget(f.ctx, n, owner, 1, 8193, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)
	sem, err := ipcns.Semget(f.ctx, n, owner, 1, 7, ipcns.IPC_CREAT|0o600)
	require.NoError(t, err)
	used, tot := n.Usage()
	assert.Equal(t, 7, used)
	assert.Equal(t, uint64(3), tot, "8193 bytes are 3 pages")
	require.NoError(t, ipcns.Rmid(f.ctx, n, owner, ipcns.SHM, shm))
	require.NoError(t, ipcns.Rmid(f.ctx, n, admin, ipcns.SEM, sem))
	used, tot = n.Usage()
	assert.Zero(t, used)
	assert.Zero(t, tot)
	_, err = ipcns.Shmget(f.ctx, n, owner, 1, 1, 0)
	require.ErrorIs(t, err, uapi.ENOENT, "the key went with the segment")
	assert.Zero(t, f.env.Refs.CountKind("shmid_kernel")+f.env.Refs.CountKind("sem_array"))
	n.Put(f.ctx)
	f.requireNoLeaks(t)
}
