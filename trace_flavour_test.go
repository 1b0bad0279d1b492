package kernsim_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// The same calls traced under both flavours (reference §17): clone enters
// _do_fork in 4.19 and kernel_clone in mainline; setns goes straight to the
// install in 4.19 and through prepare_nsset/validate_ns/commit_nsset in
// mainline, where a pidfd can name every namespace of a task
// (validate_nsset) and a time namespace takes part. Golden files:
// testdata/trace/<flavour>/<name>.golden (-update rewrites them).
func TestTracesBothFlavours(t *testing.T) {
	t.Parallel()
	sig := uapi.CloneFlags(uapi.SIGCHLD)
	type scenario struct {
		name     string
		mainline bool // mainline only
		setup    func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error)
		want     map[kernsim.Flavour][]string // names that must appear, in order
	}
	scenarios := []scenario{
		{name: "clone", setup: func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error) {
			in := k.Init()
			return in, func() error { _, err := in.Clone(task.CloneArgs{Flags: sig}); return err }
		}, want: map[kernsim.Flavour][]string{
			kernsim.Linux419: {"_do_fork", "copy_process", "copy_namespaces", "get_nsproxy"},
			kernsim.Mainline: {"kernel_clone", "copy_process", "copy_namespaces", "get_nsproxy"},
		}},
		{name: "setns_uts", setup: func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error) {
			in := k.Init()
			c, err := in.Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sig})
			require.NoError(t, err)
			fd, err := in.Open("/proc/" + itoa(c.PID()) + "/ns/uts")
			require.NoError(t, err)
			return in, func() error { return in.Setns(fd, uapi.CLONE_NEWUTS) }
		}, want: map[kernsim.Flavour][]string{
			kernsim.Linux419: {"create_new_namespaces", "utsns_install", "switch_task_namespaces"},
			kernsim.Mainline: {"prepare_nsset", "create_new_namespaces", "validate_ns", "utsns_install", "commit_nsset", "switch_task_namespaces"},
		}},
		{name: "setns_pidfd_all", mainline: true, setup: func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error) {
			in := k.Init()
			c, _, err := in.Clone3(task.Clone3Args{Flags: uapi.CLONE_NEWNS | uapi.CLONE_NEWUTS | uapi.CLONE_NEWIPC |
				uapi.CLONE_NEWPID | uapi.CLONE_NEWNET | uapi.CLONE_NEWCGROUP | uapi.CLONE_NEWTIME, ExitSignal: uint64(uapi.SIGCHLD)})
			require.NoError(t, err)
			fd, err := in.PidfdOpen(c.PID(), 0)
			require.NoError(t, err)
			return in, func() error {
				return in.Setns(fd, uapi.CLONE_NEWNS|uapi.CLONE_NEWUTS|uapi.CLONE_NEWIPC|uapi.CLONE_NEWPID|
					uapi.CLONE_NEWCGROUP|uapi.CLONE_NEWNET|uapi.CLONE_NEWTIME)
			}
		}, want: map[kernsim.Flavour][]string{
			kernsim.Mainline: {"prepare_nsset", "validate_nsset", "mntns_install", "utsns_install", "ipcns_install",
				"pidns_install", "cgroupns_install", "netns_install", "timens_install", "commit_nsset", "switch_task_namespaces"},
		}},
	}
	for _, sc := range scenarios {
		for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
			if sc.mainline && fl != kernsim.Mainline {
				continue
			}
			t.Run(sc.name+"/"+flavourName(fl), func(t *testing.T) {
				t.Parallel()
				k, err := kernsim.Boot(kernsim.Config{Flavour: fl})
				require.NoError(t, err)
				caller, call := sc.setup(t, k)
				tr := k.Tracer()
				tr.SetPID(caller.PID())
				tr.Start()
				err = call()
				tr.Stop()
				require.NoError(t, err)
				names := tr.Names()
				i := 0
				for _, n := range names { // the wanted names appear in this order
					if i < len(sc.want[fl]) && n == sc.want[fl][i] {
						i++
					}
				}
				assert.Equal(t, len(sc.want[fl]), i, "%v does not contain %v in order", names, sc.want[fl])
				if fl == kernsim.Linux419 {
					assert.False(t, slices.Contains(names, "prepare_nsset") || slices.Contains(names, "kernel_clone"), "4.19 has neither")
				}
				path := filepath.Join("testdata", "trace", flavourName(fl), sc.name+".golden")
				got := tr.String()
				if traceGoldenUpdate() {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "run `go test -run TestTracesBothFlavours -update` to create it")
				assert.Equal(t, string(want), got)
				require.NoError(t, k.Check())
				k.PowerOff()
				require.NoError(t, k.Leaks())
			})
		}
	}
}
