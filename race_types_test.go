package kernsim_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Goroutines drive tasks in every namespace type at once — clones with new
// mount, IPC, network and cgroup namespaces, mounts, System V objects, veth
// pairs across namespaces, setns into each other's namespaces — and the
// Kernel must stay consistent and leak nothing (run with -race).
func TestConcurrentNamespaceTypes(t *testing.T) {
	t.Parallel()
	for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		k, err := kernsim.Boot(kernsim.Config{Flavour: fl})
		require.NoError(t, err)
		init := k.Init()
		const workers, rounds = 4, 30
		var mu sync.Mutex // guards targets
		var targets []*task.Task
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			rt, err := init.Fork()
			require.NoError(t, err)
			wg.Add(1)
			go func(w int, rt *task.Task) {
				defer wg.Done()
				fail := func(what string, err error) { errs <- fmt.Errorf("worker %d: %s: %w", w, what, err) }
				for r := 0; r < rounds; r++ {
					c, err := rt.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWNS | uapi.CLONE_NEWIPC | uapi.CLONE_NEWNET |
						uapi.CLONE_NEWCGROUP | uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD)})
					if err != nil {
						fail("clone", err)
						return
					}
					if err := c.Mount("none", "/tmp", "tmpfs", 0, ""); err != nil {
						fail("mount", err)
						return
					}
					if _, err := c.Shmget(int32(r), 4096, ipcns.IPC_CREAT|0o600); err != nil {
						fail("shmget", err)
						return
					}
					fd, err := rt.Open(fmt.Sprintf("/proc/%d/ns/net", c.PID()))
					if err != nil {
						fail("open ns/net", err)
						return
					}
					name := fmt.Sprintf("w%dr%d", w, r)
					if err := rt.LinkAdd("veth", name, "eth1", fd); err != nil {
						fail("veth", err)
						return
					}
					_ = rt.Close(fd)
					mu.Lock()
					targets = append(targets, c)
					other := targets[(r*7+w)%len(targets)]
					mu.Unlock()
					for _, typ := range []string{"mnt", "ipc", "net", "cgroup"} {
						fd, err := rt.Open(fmt.Sprintf("/proc/%d/ns/%s", other.PID(), typ))
						if err != nil { // the other task exited meanwhile: ENOENT
							continue
						}
						if err := rt.Setns(fd, 0); err != nil {
							fail("setns "+typ, err)
							return
						}
						_ = rt.Close(fd)
					}
					if _, err := rt.ReadFile("/proc/self/mountinfo"); err != nil {
						fail("mountinfo", err)
						return
					}
					if r%3 == 2 {
						if err := c.Exit(0); err != nil {
							fail("exit", err)
							return
						}
						if _, _, err := rt.Wait(c.PID(), 0); err != nil {
							fail("wait", err)
							return
						}
					}
				}
			}(w, rt)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.NoError(t, k.Check())
		k.PowerOff()
		require.NoError(t, k.Leaks())
		require.Empty(t, k.Warnings())
	}
}
