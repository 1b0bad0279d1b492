package netns_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// Concurrent creators, movers, readers and namespace lifetimes (run with
// -race). Each worker owns its device names; all share init_net and one
// namespace, and each churns private namespaces whose veth peers live in
// the shared ones.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	f := newFix(t, refcount.Linux419)
	shared := f.newNS(t)
	const workers, rounds = 8, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := ns.NewCtx(f.env, 0)
			h, c := fmt.Sprintf("h%d", w), fmt.Sprintf("c%d", w)
			for range rounds {
				mine, err := netns.CopyNetNS(ctx, uapi.CLONE_NEWNET, f.ug.Init, f.g.Init)
				if !assert.NoError(t, err) {
					return
				}
				assert.NoError(t, netns.LinkAdd(ctx, f.g.Init, f.root, "veth", h, c, mine))
				assert.NoError(t, netns.LinkSetUp(ctx, mine, f.root, c))
				assert.NoError(t, netns.LinkSetNetNS(ctx, mine, f.root, c, shared))
				assert.NoError(t, netns.LinkAdd(ctx, mine, f.root, "dummy", "", "", nil))
				_ = f.g.Init.ShowDev()
				_, _ = shared.SysfsRead(c, "operstate")
				_ = netns.Install(ctx, f.root, mine)
				assert.NoError(t, netns.LinkSetNetNS(ctx, shared, f.root, c, mine))
				mine.Put(ctx) // takes h with c
			}
		})
	}
	wg.Wait()
	require.Equal(t, []string{"lo", "eth0"}, names(f.g.Init))
	require.Equal(t, []string{"lo"}, names(shared))
	shared.Put(f.ctx)
	f.requireClean(t)
}
