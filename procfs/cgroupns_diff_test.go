package procfs_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/nsproxy/cgroupns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// The cgroup-namespace path views, read from inside a namespace made by a
// process in <base>/a of the v1 pids hierarchy (unshare -C): the reader
// itself, pid 1 (in the root), a process in <base>/b and one in
// <base>/a/sub. Per reader: the pids line's path, then the cgroup2 line's.
var cgnsViews = []struct {
	who       string
	pids, dfl string
}{
	{"self (in a)", "/", "/"},
	{"pid 1 (in the root)", "/../..", "/"},
	{"a process in b", "/../b", "/"},
	{"a process in a/sub", "/sub", "/"},
}

// pathsOf picks the pids line's and the cgroup2 line's paths of a
// /proc/<pid>/cgroup text.
func pathsOf(t *testing.T, text string) (pids, dfl string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.SplitN(l, ":", 3)
		require.Len(t, f, 3, "line %q", l)
		switch f[1] {
		case "pids":
			pids = f[2]
		case "":
			dfl = f[2]
		}
	}
	return pids, dfl
}

// TestDifferentialCgroupNSPaths compares what the simulator shows through
// a cgroup namespace (cgroup_path_ns) with what Linux shows, and both with
// the recorded views (Linux 6.18, v1 pids hierarchy, cgroup2 at
// /sys/fs/cgroup/unified). The machine side makes its cgroups under
// /sys/fs/cgroup/pids and removes them, and the processes it started,
// even when the test fails.
func TestDifferentialCgroupNSPaths(t *testing.T) {
	t.Parallel()
	simViews(t)
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux: makes cgroups in the v1 pids hierarchy and runs unshare -C")
	}
	if _, err := os.Stat("/sys/fs/cgroup/pids/cgroup.procs"); err != nil {
		t.Skip("needs a v1 pids hierarchy at /sys/fs/cgroup/pids")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1)")
	}
	got := realViews(t)
	for i, v := range cgnsViews {
		pids, dfl := pathsOf(t, got[i])
		require.Equal(t, v.pids, pids, "Linux, pids line of %s", v.who)
		if dfl != "" {
			require.Equal(t, v.dfl, dfl, "Linux, cgroup2 line of %s", v.who)
		}
	}
}

// simViews builds the same tree in a simulated kernel and renders each
// reader's /proc/<pid>/cgroup through a namespace copy_cgroup_ns made for
// the process in a. Once nsproxy holds cgroup namespaces, the same views
// also come through unshare(CLONE_NEWCGROUP) and procfs.
func simViews(t *testing.T) {
	for _, f := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		k := kernsimtest.Boot(t, kernsim.Config{Flavour: f, Cgroup: cgroup.Options{
			Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: [][]string{{"pids"}}}})
		init := k.Init()
		base := "/sys/fs/cgroup/pids/kernsim-cgns"
		for _, d := range []string{"", "/a", "/a/sub", "/b"} {
			require.NoError(t, init.Mkdir(base+d, 0o755))
		}
		c := kernsimtest.Fork(t, init, 0)
		inB := kernsimtest.Fork(t, init, 0)
		inSub := kernsimtest.Fork(t, init, 0)
		for p, d := range map[*task.Task]string{c: "/a", inB: "/b", inSub: "/a/sub"} {
			_, err := init.WriteFile(base+d+"/cgroup.procs", fmt.Sprint(p.PID()))
			require.NoError(t, err)
		}
		g := cgroupns.NewGlobals(&k.Env, k.UserNS, k.Cgroup.InitCSSSet())
		n, err := cgroupns.CopyCgroupNS(c.Ctx(), uapi.CLONE_NEWCGROUP, c.UserNS(), c.Cred(), c.CgroupTask(), g.Init)
		require.NoError(t, err)
		readers := []*task.Task{c, init, inB, inSub}
		for i, v := range cgnsViews {
			text, err := k.Cgroup.ProcCgroupTask(c.Ctx(), readers[i].CgroupTask(), false, n.RootCSet())
			require.NoError(t, err)
			pids, dfl := pathsOf(t, text)
			require.Equal(t, v.pids, pids, "simulator (%s), pids line of %s", f, v.who)
			require.Equal(t, v.dfl, dfl, "simulator (%s), cgroup2 line of %s", f, v.who)
		}
		n.Put(init.Ctx())

		// Through the syscalls: unshare(CLONE_NEWCGROUP) and /proc/<pid>/cgroup.
		require.NoError(t, c.Unshare(uapi.CLONE_NEWCGROUP))
		for i, v := range cgnsViews {
			text, err := c.ReadFile("/proc/" + strconv.Itoa(int(readers[i].PID())) + "/cgroup")
			require.NoError(t, err)
			pids, _ := pathsOf(t, text)
			require.Equal(t, v.pids, pids, "simulator (%s) through unshare, pids line of %s", f, v.who)
		}
		for _, p := range []*task.Task{c, inB, inSub} {
			_, err := init.WriteFile("/sys/fs/cgroup/pids/cgroup.procs", fmt.Sprint(p.PID()))
			require.NoError(t, err)
		}
		for _, d := range []string{"/a/sub", "/a", "/b", ""} {
			require.NoError(t, init.Rmdir(base+d))
		}
	}
}

// realViews runs the scenario on the machine and returns the four
// /proc/<pid>/cgroup texts read from inside the namespace.
func realViews(t *testing.T) []string {
	base := fmt.Sprintf("/sys/fs/cgroup/pids/kernsim-cgns-%d", os.Getpid())
	dirs := []string{base, base + "/a", base + "/a/sub", base + "/b"}
	var sleepers []*exec.Cmd
	t.Cleanup(func() {
		for _, s := range sleepers {
			_ = s.Process.Kill()
			_ = s.Wait()
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			// A task the kernel has not finished with keeps the cgroup
			// busy for a moment.
			for try := 0; try < 50; try++ {
				if err := os.Remove(dirs[i]); err == nil || os.IsNotExist(err) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if _, err := os.Stat(dirs[i]); err == nil {
				t.Errorf("could not remove %s", dirs[i])
			}
		}
	})
	for _, d := range dirs {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	sleeper := func(dir string) int {
		s := exec.Command("sleep", "60")
		require.NoError(t, s.Start())
		sleepers = append(sleepers, s)
		require.NoError(t, os.WriteFile(dir+"/cgroup.procs", []byte(strconv.Itoa(s.Process.Pid)), 0))
		return s.Process.Pid
	}
	inB, inSub := sleeper(base+"/b"), sleeper(base+"/a/sub")
	script := fmt.Sprintf(`echo $$ > %s/a/cgroup.procs && exec unshare -C sh -c `+
		`'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup; echo ---; cat /proc/%d/cgroup; echo ---; cat /proc/%d/cgroup'`,
		base, inB, inSub)
	out, err := exec.Command("sh", "-c", script).CombinedOutput()
	require.NoError(t, err, "%s", out)
	parts := strings.Split(string(out), "---\n")
	require.Len(t, parts, len(cgnsViews), "%s", out)
	return parts
}
