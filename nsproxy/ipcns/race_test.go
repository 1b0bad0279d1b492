package ipcns_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
)

// TestConcurrent races gets, removals, /proc readers, sysctl writers and
// namespace references on one namespace (run with -race). Keys are per
// worker, so each worker's own sequence of results is fixed.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	for _, fl := range []refcount.Flavour{refcount.Linux419, refcount.Mainline} {
		f := newFix(t, fl)
		n := f.newNS(t)
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Go(func() {
				ctx := ns.NewCtx(f.env, 0) // each task has its own
				for i := range 200 {
					key := int32(w*1000 + i%10 + 1)
					switch w % 3 {
					case 0:
						id, err := ipcns.Shmget(ctx, n, f.root, key, 100, ipcns.IPC_CREAT|0o600)
						assert.NoError(t, err)
						assert.NoError(t, ipcns.Rmid(ctx, n, f.root, ipcns.SHM, id))
					case 1:
						id, err := ipcns.Semget(ctx, n, f.root, key, 2, ipcns.IPC_CREAT|0o600)
						assert.NoError(t, err)
						assert.NoError(t, ipcns.Rmid(ctx, n, f.root, ipcns.SEM, id))
					default:
						id, err := ipcns.Msgget(ctx, n, f.root, key, ipcns.IPC_CREAT|0o600)
						assert.NoError(t, err)
						assert.NoError(t, ipcns.Rmid(ctx, n, f.root, ipcns.MSG, id))
					}
				}
			})
		}
		wg.Go(func() {
			ctx := ns.NewCtx(f.env, 0)
			for range 200 {
				for _, k := range []ipcns.Kind{ipcns.SEM, ipcns.MSG, ipcns.SHM} {
					_ = n.Sysvipc(k, f.ug.Init)
				}
				_, err := n.SysctlWrite(ctx, "msgmnb", 0, []byte("20000"))
				assert.NoError(t, err)
				_, _ = n.SysctlRead("sem", 0, 100)
				n.Get()
				n.Put(ctx)
			}
		})
		wg.Wait()
		for _, k := range []ipcns.Kind{ipcns.SEM, ipcns.MSG, ipcns.SHM} {
			assert.Zero(t, n.InUse(k))
		}
		used, tot := n.Usage()
		assert.Zero(t, used)
		assert.Zero(t, tot)
		require.Equal(t, int64(1), n.Count())
		n.Put(f.ctx)
		f.requireNoLeaks(t)
	}
}
