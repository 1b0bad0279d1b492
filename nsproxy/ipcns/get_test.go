package ipcns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// TestGetErrors has one row per errno branch of ksys_shmget, ksys_msgget
// and ksys_semget (ipc/util.c ipcget*, ipc/shm.c newseg/shm_more_checks,
// ipc/sem.c newary/sem_more_checks, ipc/util.c ipc_addid/ipcperms), each
// checking that the failed call changed nothing.
func TestGetErrors(t *testing.T) {
	t.Parallel()
	const key = 0x1234
	other := func(f *fix, t *testing.T) *credT { return f.cred(t, 1000, 1000, 0) }
	for _, tc := range []struct {
		name  string
		setup func(f *fix, t *testing.T, n *ipcns.Namespace) // runs as root
		call  func(f *fix, t *testing.T, n *ipcns.Namespace) error
		errno uapi.Errno
		check string
	}{
		{"shm key missing, no IPC_CREAT", nil, func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, key, 10, 0o600)
			return err
		}, uapi.ENOENT, "ipcget_public"},
		{"shm IPC_CREAT|IPC_EXCL on an existing key", shmKey(key, 100, 0o644), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, key, 10, ipcns.IPC_CREAT|ipcns.IPC_EXCL|0o600)
			return err
		}, uapi.EEXIST, "ipcget_public"},
		{"shm existing segment smaller than size", shmKey(key, 100, 0o644), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, key, 101, 0)
			return err
		}, uapi.EINVAL, "shm_more_checks"},
		{"shm size below SHMMIN", nil, func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 0, 0o600)
			return err
		}, uapi.EINVAL, "newseg"},
		{"shm size above shmmax", sysctl("shmmax", "4096"), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 4097, 0o600)
			return err
		}, uapi.EINVAL, "newseg"},
		// shmmax is ULONG_MAX - 2^24 by default; raised so only the page count check can fail.
		{"shm page count overflows", sysctl("shmmax", "18446744073709551615"), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 1<<64-1, 0o600)
			return err
		}, uapi.ENOSPC, "newseg"},
		{"shm shm_tot past shmall", sysctl("shmall", "1"), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 4097, 0o600)
			return err
		}, uapi.ENOSPC, "newseg"},
		{"shm shmmni reached", chain(sysctl("shmmni", "1"), shmKey(key, 10, 0o600)), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 10, 0o600)
			return err
		}, uapi.ENOSPC, "ipc_addid"},
		{"shm no write permission for others", shmKey(key, 10, 0o644), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Shmget(f.ctx, n, other(f, t), key, 10, 0o200)
			return err
		}, uapi.EACCES, "ipcperms"},
		{"msg key missing, no IPC_CREAT", nil, func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Msgget(f.ctx, n, f.root, key, 0o600)
			return err
		}, uapi.ENOENT, "ipcget_public"},
		{"msg IPC_CREAT|IPC_EXCL on an existing key", msgKey(key, 0o600), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Msgget(f.ctx, n, f.root, key, ipcns.IPC_CREAT|ipcns.IPC_EXCL)
			return err
		}, uapi.EEXIST, "ipcget_public"},
		{"msg msgmni reached", sysctl("msgmni", "0"), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Msgget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 0o600)
			return err
		}, uapi.ENOSPC, "ipc_addid"},
		{"msg group bits deny read", msgKey(key, 0o604), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Msgget(f.ctx, n, f.cred(t, 1000, 0, 0), key, 0o400) // group 0 = the queue's group: bits 0
			return err
		}, uapi.EACCES, "ipcperms"},
		{"sem nsems negative", nil, func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, -1, 0o600)
			return err
		}, uapi.EINVAL, "ksys_semget"},
		{"sem nsems above semmsl", nil, func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, ipcns.SEMMSL+1, 0o600)
			return err
		}, uapi.EINVAL, "ksys_semget"},
		{"sem new set with nsems 0", nil, func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, f.root, key, 0, ipcns.IPC_CREAT|0o600)
			return err
		}, uapi.EINVAL, "newary"},
		{"sem used_sems past semmns", sysctl("sem", "250 10 32 128"), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 11, 0o600)
			return err
		}, uapi.ENOSPC, "newary"},
		{"sem semmni reached", sysctl("sem", "250 32000 32 0"), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, f.root, ipcns.IPC_PRIVATE, 1, 0o600)
			return err
		}, uapi.ENOSPC, "ipc_addid"},
		{"sem existing set has fewer semaphores", semKey(key, 3, 0o600), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, f.root, key, 4, 0)
			return err
		}, uapi.EINVAL, "sem_more_checks"},
		{"sem more_checks before ipcperms", semKey(key, 3, 0o600), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, other(f, t), key, 4, 0o600)
			return err
		}, uapi.EINVAL, "sem_more_checks"},
		{"sem EEXIST before more_checks", semKey(key, 3, 0o600), func(f *fix, t *testing.T, n *ipcns.Namespace) error {
			_, err := ipcns.Semget(f.ctx, n, f.root, key, 4, ipcns.IPC_CREAT|ipcns.IPC_EXCL)
			return err
		}, uapi.EEXIST, "ipcget_public"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
				f := newFix(t, fl)
				n := f.newNS(t)
				if tc.setup != nil {
					tc.setup(f, t, n)
				}
				before := f.snap(n)
				err := tc.call(f, t, n)
				require.ErrorIs(t, err, tc.errno, fl.String())
				var ue *uapi.Error
				require.ErrorAs(t, err, &ue)
				assert.Equal(t, tc.check, ue.Check)
				assert.Equal(t, before, f.snap(n), "a failed call changes nothing")
				n.Put(f.ctx)
			}
		})
	}
}

// TestGetFound covers the success branches of ipcget_public and ipcperms:
// found keys return the same id, mode bits by owner/group/other,
// CAP_IPC_OWNER in the namespace's owner overriding them.
func TestGetFound(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	n := f.newNS(t)
	owner := f.cred(t, 1000, 1000, 0)
	id, err := ipcns.Shmget(f.ctx, n, owner, 7, 100, ipcns.IPC_CREAT|0o640)
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		cred  *credT
		flg   int
		allow bool
	}{
		{"owner rw", owner, 0o600, true},
		{"owner rwx: x not granted", owner, 0o700, false},
		{"creator by euid only", f.cred(t, 1000, 5, 0), 0o600, true},
		{"group r", f.cred(t, 2000, 1000, 0), 0o040, true},
		{"group w denied", f.cred(t, 2000, 1000, 0), 0o020, false},
		{"other r denied", f.cred(t, 2000, 2000, 0), 0o004, false},
		{"flag 0 asks nothing", f.cred(t, 2000, 2000, 0), 0, true},
		{"CAP_IPC_OWNER overrides", f.cred(t, 2000, 2000, uapi.CapSet(0).With(uapi.CAP_IPC_OWNER)), 0o666, true},
		{"CAP_SYS_ADMIN does not", f.cred(t, 2000, 2000, uapi.CapSet(0).With(uapi.CAP_SYS_ADMIN)), 0o666, false},
		{"IPC_CREAT on an existing key", f.cred(t, 2000, 1000, 0), ipcns.IPC_CREAT | 0o040, true},
	} {
		got, err := ipcns.Shmget(f.ctx, n, tc.cred, 7, 50, tc.flg)
		if tc.allow {
			require.NoError(t, err, tc.name)
			assert.Equal(t, id, got, tc.name)
		} else {
			require.ErrorIs(t, err, uapi.EACCES, tc.name)
		}
	}
	st, err := n.Stat(ipcns.SHM, id)
	require.NoError(t, err)
	assert.Equal(t, ipcns.Stat{Kind: ipcns.SHM, Key: 7, ID: id, Mode: 0o640, UID: 1000, GID: 1000, CUID: 1000, CGID: 1000, Size: 100, RefCount: 1}, st)
	n.Put(f.ctx)
}

type credT = userns.Cred

func shmKey(key int32, size uint64, mode int) func(*fix, *testing.T, *ipcns.Namespace) {
	return func(f *fix, t *testing.T, n *ipcns.Namespace) {
		_, err := ipcns.Shmget(f.ctx, n, f.root, key, size, ipcns.IPC_CREAT|mode)
		require.NoError(t, err)
	}
}

func msgKey(key int32, mode int) func(*fix, *testing.T, *ipcns.Namespace) {
	return func(f *fix, t *testing.T, n *ipcns.Namespace) {
		_, err := ipcns.Msgget(f.ctx, n, f.root, key, ipcns.IPC_CREAT|mode)
		require.NoError(t, err)
	}
}

func semKey(key int32, nsems, mode int) func(*fix, *testing.T, *ipcns.Namespace) {
	return func(f *fix, t *testing.T, n *ipcns.Namespace) {
		_, err := ipcns.Semget(f.ctx, n, f.root, key, nsems, ipcns.IPC_CREAT|mode)
		require.NoError(t, err)
	}
}

func sysctl(name, value string) func(*fix, *testing.T, *ipcns.Namespace) {
	return func(f *fix, t *testing.T, n *ipcns.Namespace) {
		_, err := n.SysctlWrite(f.ctx, name, 0, []byte(value))
		require.NoError(t, err)
	}
}

func chain(fs ...func(*fix, *testing.T, *ipcns.Namespace)) func(*fix, *testing.T, *ipcns.Namespace) {
	return func(f *fix, t *testing.T, n *ipcns.Namespace) {
		for _, fn := range fs {
			fn(f, t, n)
		}
	}
}
