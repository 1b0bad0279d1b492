package ipcns_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestSysvipcGolden renders /proc/sysvipc/{shm,msg,sem} of one namespace
// for two readers: init_user_ns, which sees kernel ids, and a child user
// namespace mapping 0-999 to 100000-100999, which sees the mapped ids and
// 65534 for the unmapped owner (from_kuid_munged). The row formats and
// headers are those TestDifferentialSysvipc checks against this machine;
// the 4.19 ids (0, 32769, 65538) follow ipc_idr_alloc. -update rewrites the
// files.
func TestSysvipcGolden(t *testing.T) {
	f := newFix(t, refcount.Linux419)
	child := userns.PrepareCreds(f.ctx, f.root, nil)
	require.NoError(t, userns.CreateUserNS(f.ctx, child))
	inner := child.UserNS()
	for _, m := range []userns.MapKind{userns.UIDMap, userns.GIDMap} {
		_, err := userns.MapWrite(f.ctx, inner, m, f.root, f.root, 0, []byte("0 100000 1000\n"))
		require.NoError(t, err)
	}
	n, err := ipcns.CopyIPCs(f.ctx, uapi.CLONE_NEWIPC, inner, f.g.Init)
	require.NoError(t, err)
	innerRoot := f.cred(t, 100000, 100000, 0)
	innerUser := f.cred(t, 100500, 100007, 0)
	outsider := f.cred(t, 0, 0, f.root.CapEffective)
	for _, c := range []*userns.Cred{innerRoot, innerUser, outsider} {
		_, err := ipcns.Shmget(f.ctx, n, c, int32(c.EUID)+1, 65536+uint64(c.EGID), ipcns.IPC_CREAT|0o640)
		require.NoError(t, err)
		_, err = ipcns.Msgget(f.ctx, n, c, -int32(c.EUID)-2, ipcns.IPC_CREAT|0o602)
		require.NoError(t, err)
		_, err = ipcns.Semget(f.ctx, n, c, ipcns.IPC_PRIVATE, int(c.EGID%7)+1, 0o666)
		require.NoError(t, err)
	}
	for _, k := range []ipcns.Kind{ipcns.SHM, ipcns.MSG, ipcns.SEM} {
		for reader, rn := range map[string]*userns.Namespace{"init": f.ug.Init, "child": inner} {
			path := filepath.Join("testdata", "sysvipc_"+k.String()+"_"+reader+".golden")
			got := n.Sysvipc(k, rn)
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got), path)
		}
	}
	n.Put(f.ctx)
	child.Put(f.ctx)
}
