package mntns_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

// Workers unshare, mount and unmount in their own copies while the host
// mounts and unmounts on the shared /tmp (propagating into every live copy)
// and a reader renders mountinfo; afterwards every namespace's counts are
// consistent and nothing is left. Run with -race.
func TestConcurrentNamespaces(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			f := newFix(t, fl, stdBoot())
			const workers, rounds = 6, 25
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for range workers {
				wg.Go(func() {
					ctx := ns.NewCtx(f.env, 0)
					for range rounds {
						n, remap, err := mntns.CopyMntNS(ctx, uapi.CLONE_NEWNS, f.ug.Init, f.g.Init)
						if err != nil {
							t.Error(err)
							return
						}
						root := remap[f.g.Init.Root()].Get() // the task's root moves to the copy
						if err := mntns.SetPropagation(ctx, f.root, n, "/srv", mntns.MS_PRIVATE); err != nil {
							t.Error(err)
						}
						if err := mntns.MountFS(ctx, f.root, n, "w", "/srv/other", "tmpfs", 0, ""); err != nil {
							t.Error(err)
						}
						info := mntns.MountInfo(n, "/")
						if !strings.Contains(info, " /srv/other rw,relatime - tmpfs w rw\n") {
							t.Errorf("own mount missing:\n%s", info)
						}
						if err := f.g.Check(n); err != nil {
							t.Error(err)
						}
						if err := mntns.Umount(ctx, f.root, n, "/srv/other", 0); err != nil {
							t.Error(err)
						}
						root.Put(ctx)
						n.Put(ctx)
					}
				})
			}
			wg.Go(func() { // the host
				ctx := ns.NewCtx(f.env, 0)
				for range 40 {
					if err := mntns.MountFS(ctx, f.root, f.g.Init, "h", "/tmp/x", "tmpfs", 0, ""); err != nil {
						t.Error(err)
						return
					}
					if err := mntns.Umount(ctx, f.root, f.g.Init, "/tmp/x", 0); err != nil {
						t.Error(err)
						return
					}
				}
			})
			var readers sync.WaitGroup
			readers.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					_ = f.info(f.g.Init)
					_ = f.g.Init.MountCount()
				}
			})
			wg.Wait()
			close(stop)
			readers.Wait()
			assert.Equal(t, 5, len(f.g.Init.Mounts()))
			require.NoError(t, f.env.Refs.Leaks())
			f.requireClean(t, 5)
		})
	}
}
