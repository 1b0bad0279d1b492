package kernsim_test

import (
	"flag"
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

// `go test -run TestGoldenTraces -update` rewrites testdata/trace/*.golden.
// The flag is registered in init (after every package-level variable of the
// test package is initialised) and only if no other test file registered an
// "update" flag already, so two golden-file tests can share it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

func traceGoldenUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// The 4.19.13 call paths, from the reference: §4.1 (_do_fork), §4.3
// (copy_process: copy_creds, then copy_namespaces, then alloc_pid), §4.4
// (copy_creds creates the user namespace), §4.5 (copy_namespaces: get_nsproxy
// without a CLONE_NEW* flag, else create_new_namespaces), §4.6 (the six copy
// steps in order mnt, uts, ipc, pid, cgroup, net), §4.7 (copy_utsname clones
// only with CLONE_NEWUTS), §6 (do_exit → exit_task_namespaces →
// switch_task_namespaces → free_nsproxy at 0, before exit_notify), §7
// (ksys_unshare → unshare_nsproxy_namespaces → create_new_namespaces, then
// switch_task_namespaces) and §8.1 (setns: create_new_namespaces(0), install,
// switch_task_namespaces). traceCases lists them.

func traceCat(parts ...[]string) []string { return slices.Concat(parts...) }

type traceCase struct {
	name string
	// setup runs before tracing starts and returns the caller, whose pid
	// set_ftrace_pid selects, and the call to trace.
	setup func(t *testing.T, k *kernsim.Kernel) (caller *task.Task, call func() error)
	want  []string
	// after checks the state the call left (counts the path implies).
	after func(t *testing.T, k *kernsim.Kernel, caller *task.Task)
}

func traceCases() []traceCase {
	// create_new_namespaces with CLONE_NEWUTS only (§4.6, §4.7).
	traceNewNSNewUTS := []string{
		"create_new_namespaces", "copy_mnt_ns", "copy_utsname", "clone_uts_ns",
		"copy_ipcs", "copy_pid_ns", "copy_cgroup_ns", "copy_net_ns",
	}
	// create_new_namespaces(0, ...) as setns calls it: every step shares (§8.1 step 3).
	traceNewNSShare := []string{
		"create_new_namespaces", "copy_mnt_ns", "copy_utsname",
		"copy_ipcs", "copy_pid_ns", "copy_cgroup_ns", "copy_net_ns",
	}
	sig := uapi.CloneFlags(uapi.SIGCHLD)
	cloneFrom := func(flags uapi.CloneFlags) func(*testing.T, *kernsim.Kernel) (*task.Task, func() error) {
		return func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error) {
			in := k.Init()
			return in, func() error {
				_, err := in.Clone(task.CloneArgs{Flags: flags | sig, Comm: "child"})
				return err
			}
		}
	}
	// newUTSChild is a child of init with its own nsproxy and uts namespace.
	newUTSChild := func(t *testing.T, k *kernsim.Kernel) *task.Task {
		c, err := k.Init().Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | sig, Comm: "b"})
		require.NoError(t, err)
		require.EqualValues(t, 1, c.NSProxy().Count())
		require.EqualValues(t, 1, c.NSProxy().UTS().Count())
		return c
	}
	return []traceCase{
		{
			name:  "clone",
			setup: cloneFrom(0),
			want: []string{"_do_fork", "copy_process", "copy_creds", "copy_namespaces", "get_nsproxy",
				"alloc_pid", "cgroup_can_fork", "cgroup_post_fork", "wake_up_new_task"},
			after: func(t *testing.T, k *kernsim.Kernel, _ *task.Task) {
				assert.EqualValues(t, 3, k.InitNSProxy.Count(), "§15.3: fork without NEW flags: nsproxy.count += 1")
			},
		},
		{
			name:  "clone_newuts",
			setup: cloneFrom(uapi.CLONE_NEWUTS),
			want: traceCat([]string{"_do_fork", "copy_process", "copy_creds", "copy_namespaces"},
				traceNewNSNewUTS, []string{"alloc_pid", "cgroup_can_fork", "cgroup_post_fork", "wake_up_new_task"}),
			after: func(t *testing.T, k *kernsim.Kernel, _ *task.Task) {
				assert.EqualValues(t, 2, k.InitNSProxy.Count(), "§4.5 step 7: the parent's nsproxy is untouched")
				assert.Equal(t, 1, k.Refs().CountKind("uts_namespace"))
				assert.Equal(t, 1, k.Refs().CountKind("nsproxy"))
			},
		},
		{
			name: "clone_newuser_newuts",
			// §4.4: create_user_ns runs inside copy_creds, before copy_namespaces.
			setup: cloneFrom(uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS),
			want: traceCat([]string{"_do_fork", "copy_process", "copy_creds", "create_user_ns", "copy_namespaces"},
				traceNewNSNewUTS, []string{"alloc_pid", "cgroup_can_fork", "cgroup_post_fork", "wake_up_new_task"}),
			after: func(t *testing.T, k *kernsim.Kernel, _ *task.Task) {
				c := k.Init().Children()
				require.Len(t, c, 1)
				u := c[0].NSProxy().UTS()
				assert.Same(t, c[0].UserNS(), u.UserNS(), "§12.4: the new uts ns is owned by the new user ns")
				assert.Equal(t, 1, c[0].UserNS().Level())
			},
		},
		{
			name: "unshare_newuts",
			// A forked child of init shares init_nsproxy (count 3) and unshares it.
			setup: func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error) {
				a, err := k.Init().Fork()
				require.NoError(t, err)
				return a, func() error { return a.Unshare(uapi.CLONE_NEWUTS) }
			},
			want: traceCat([]string{"ksys_unshare", "unshare_nsproxy_namespaces"},
				traceNewNSNewUTS, []string{"switch_task_namespaces"}),
			after: func(t *testing.T, k *kernsim.Kernel, a *task.Task) {
				assert.EqualValues(t, 2, k.InitNSProxy.Count(), "the old nsproxy lost the caller's reference, not freed")
				assert.EqualValues(t, 1, a.NSProxy().Count())
			},
		},
		{
			name: "setns_newuts",
			// b has its own nsproxy (count 1) and uts ns; it joins init's uts
			// ns, so its old nsproxy reaches 0 in switch_task_namespaces and
			// free_nsproxy releases b's private uts ns (§6, §15.3).
			setup: func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error) {
				b := newUTSChild(t, k)
				fd, err := b.Open("/proc/1/ns/uts")
				require.NoError(t, err)
				return b, func() error { return b.Setns(fd, uapi.CLONE_NEWUTS) }
			},
			want: traceCat([]string{"__x64_sys_setns"}, traceNewNSShare,
				[]string{"utsns_install", "switch_task_namespaces", "free_nsproxy",
					// free_nsproxy's order (§6): mnt, uts, ipc, pid; put_cgroup_ns and put_net are inline
					"put_mnt_ns", "free_uts_ns", "put_ipc_ns", "put_pid_ns"}),
			after: func(t *testing.T, k *kernsim.Kernel, b *task.Task) {
				assert.Same(t, k.UTS.Init, b.NSProxy().UTS())
				assert.Equal(t, 0, k.Refs().CountKind("uts_namespace"))
			},
		},
		{
			name: "exit_newuts",
			setup: func(t *testing.T, k *kernsim.Kernel) (*task.Task, func() error) {
				b := newUTSChild(t, k)
				return b, func() error { return b.Exit(0) }
			},
			want: []string{"do_exit", "exit_task_namespaces", "switch_task_namespaces", "free_nsproxy",
				"put_mnt_ns", "free_uts_ns", "put_ipc_ns", "put_pid_ns", "cgroup_exit", "exit_notify"},
			after: func(t *testing.T, k *kernsim.Kernel, b *task.Task) {
				assert.Nil(t, b.NSProxy(), "§6: a zombie has no nsproxy")
				assert.Equal(t, task.Zombie, b.State())
				assert.Equal(t, 0, k.Refs().CountKind("uts_namespace"))
			},
		},
	}
}

func TestGoldenTraces(t *testing.T) {
	t.Parallel()
	for _, tc := range traceCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := kernsim.Boot(kernsim.Config{})
			require.NoError(t, err)
			caller, call := tc.setup(t, k)
			tr := k.Tracer()
			tr.SetPID(caller.PID())
			tr.Start()
			err = call()
			tr.Stop()
			require.NoError(t, err)

			assert.Equal(t, tc.want, tr.Names(), "4.19.13 call path")
			got := tr.String()
			path := filepath.Join("testdata", "trace", tc.name+".golden")
			if traceGoldenUpdate() {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run `go test -run TestGoldenTraces -update` to create it")
			assert.Equal(t, string(want), got)

			if tc.after != nil {
				tc.after(t, k, caller)
			}
			require.NoError(t, k.Check())
			k.PowerOff()
			require.NoError(t, k.Leaks())
			require.Empty(t, k.Warnings())
		})
	}
}

// TestTracePIDFilter checks that set_ftrace_pid keeps other tasks' calls out
// of the trace: a child's exit traced with init's pid records nothing, and
// init's wait4 records do_wait and release_task.
func TestTracePIDFilter(t *testing.T) {
	t.Parallel()
	k, err := kernsim.Boot(kernsim.Config{})
	require.NoError(t, err)
	in := k.Init()
	c, err := in.Fork()
	require.NoError(t, err)
	tr := k.Tracer()
	tr.SetPID(in.PID())
	tr.Start()
	require.NoError(t, c.Exit(3))
	assert.Empty(t, tr.Names(), "the child's do_exit is filtered out")
	pid, status, err := in.Wait(c.PID(), 0)
	tr.Stop()
	require.NoError(t, err)
	assert.Equal(t, c.PID(), pid)
	assert.Equal(t, 3<<8, status)
	// release_task frees the child's struct pid (free_pid, then put_pid and
	// put_pid_ns); the task_struct's last put runs cgroup_free.
	assert.Equal(t, []string{"do_wait", "release_task", "free_pid", "put_pid", "put_pid_ns", "cgroup_free"}, tr.Names())
	k.PowerOff()
	require.NoError(t, k.Leaks())
}

// TestTraceMainline: in mainline, _do_fork is kernel_clone (5.10 rename, §4.1).
func TestTraceMainline(t *testing.T) {
	t.Parallel()
	for _, f := range []struct {
		flavour kernsim.Flavour
		entry   string
		absent  string
	}{
		{kernsim.Linux419, "_do_fork", "kernel_clone"},
		{kernsim.Mainline, "kernel_clone", "_do_fork"},
	} {
		t.Run(f.entry, func(t *testing.T) {
			t.Parallel()
			k, err := kernsim.Boot(kernsim.Config{Flavour: f.flavour})
			require.NoError(t, err)
			tr := k.Tracer()
			tr.SetPID(1)
			tr.Start()
			_, err = k.Init().Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD)})
			tr.Stop()
			require.NoError(t, err)
			names := tr.Names()
			require.NotEmpty(t, names)
			assert.Equal(t, f.entry, names[0])
			assert.NotContains(t, names, f.absent)
			assert.Subset(t, names, []string{"copy_process", "copy_namespaces", "create_new_namespaces", "clone_uts_ns"})
			k.PowerOff()
			require.NoError(t, k.Leaks())
		})
	}
}

// TestTraceOffRecordsNothing: with tracing off, calls leave the buffer empty.
func TestTraceOffRecordsNothing(t *testing.T) {
	t.Parallel()
	k, err := kernsim.Boot(kernsim.Config{})
	require.NoError(t, err)
	_, err = k.Init().Clone(task.CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD)})
	require.NoError(t, err)
	assert.Zero(t, k.Tracer().Len())
	k.PowerOff()
	require.NoError(t, k.Leaks())
}
