package memcg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/internal/klib"
	"github.com/kernsim/kernsim/refcount"
)

// realV1Memcg makes a fresh child of the machine's v1 memory hierarchy and
// removes it when the test ends; it skips when that is impossible.
func realV1Memcg(t *testing.T) string {
	t.Helper()
	const root = "/sys/fs/cgroup/memory"
	if os.Geteuid() != 0 {
		t.Skip("differential test: needs root to create a memory cgroup")
	}
	if _, err := os.Stat(filepath.Join(root, "memory.limit_in_bytes")); err != nil {
		t.Skip("differential test: no cgroup v1 memory controller at " + root)
	}
	dir := filepath.Join(root, fmt.Sprintf("kernsim-memparse-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("differential test: cannot create %s: %v", dir, err)
	}
	t.Cleanup(func() { require.NoError(t, os.Remove(dir)) })
	return dir
}

// The same memory.limit_in_bytes writes on the machine's kernel (v1, a
// fresh empty cgroup, so no write is refused for usage) and through
// PageCounterMemparse: the same errno, and the same limit read back in
// bytes.
func TestDifferentialLimitInBytes(t *testing.T) {
	dir := realV1Memcg(t)
	file := filepath.Join(dir, "memory.limit_in_bytes")
	inputs := []string{"\n", " 5M\n", "4096\n"}
	for _, tc := range memparseCases {
		if tc.in != "" {
			inputs = append(inputs, tc.in)
		}
	}
	for _, in := range inputs {
		// The limit before the write: a refused write must leave it.
		before, err := os.ReadFile(file)
		require.NoError(t, err)
		f, err := os.OpenFile(file, os.O_WRONLY, 0)
		require.NoError(t, err)
		_, werr := f.Write([]byte(in))
		require.NoError(t, f.Close())
		got, err := os.ReadFile(file)
		require.NoError(t, err)

		pages, serr := PageCounterMemparse(klib.Strstrip(in), "-1")
		if serr != nil {
			var errno syscall.Errno
			require.True(t, errors.As(werr, &errno), "%q: the simulator refuses (%v), the kernel wrote", in, serr)
			require.Equal(t, "EINVAL", errnoName(errno), "%q", in)
			require.Equal(t, string(before), string(got), "%q: a refused write changes nothing", in)
			continue
		}
		require.NoError(t, werr, "%q: the simulator accepts %d pages", in, pages)
		require.Equal(t, strconv.FormatUint(pages*PAGE_SIZE, 10)+"\n", string(got), "%q", in)
	}
}

func errnoName(e syscall.Errno) string {
	if e == syscall.EINVAL {
		return "EINVAL"
	}
	return e.Error()
}

// readInt reads a v1 memory file holding one number.
func readInt(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	v, err := strconv.ParseInt(klib.Strstrip(string(b)), 10, 64)
	require.NoError(t, err)
	return v
}

// The machine's kernel and the simulator, a parent limited to 20M and an
// unlimited child charged past it (the kernel: a process in the child
// buffering 40M, OOM-killed; the simulator: try_charge of 32-page batches,
// MEMCG_CHARGE_BATCH, until refused) agree on what page_counter_try_charge
// leaves: only the parent counts failures, the parent's usage never went
// above its limit, and the child's watermark reached it (the kernel's run
// may leave it above, by a charge raised before the parent refused: 21221376
// in some runs, 20971520 in others, as reclaim and retries interleave). The
// amounts differ, so the test compares these facts, not the numbers.
func TestDifferentialTryChargeHierarchy(t *testing.T) {
	if !noSwap() {
		t.Skip("differential test: needs a machine without swap (the reader would be swapped out, not refused)")
	}
	parentDir := realV1Memcg(t)
	childDir := filepath.Join(parentDir, "child")
	require.NoError(t, os.Mkdir(childDir, 0o755))
	t.Cleanup(func() { _ = os.Remove(childDir) }) // before the parent's cleanup
	require.NoError(t, os.WriteFile(filepath.Join(parentDir, "memory.limit_in_bytes"), []byte("20M"), 0))
	cmd := exec.Command("sh", "-c", "echo $$ > "+filepath.Join(childDir, "cgroup.procs")+"; head -c 40M /dev/zero | tail > /dev/null")
	err := cmd.Run()
	require.Error(t, err, "the 40M reader must be OOM-killed in a 20M parent")
	limit := readInt(t, filepath.Join(parentDir, "memory.limit_in_bytes"))
	real := struct{ parentFail, childFail, parentPeak, childPeak int64 }{
		readInt(t, filepath.Join(parentDir, "memory.failcnt")),
		readInt(t, filepath.Join(childDir, "memory.failcnt")),
		readInt(t, filepath.Join(parentDir, "memory.max_usage_in_bytes")),
		readInt(t, filepath.Join(childDir, "memory.max_usage_in_bytes")),
	}
	t.Logf("kernel: limit %d, failcnt parent %d child %d, max_usage parent %d child %d",
		limit, real.parentFail, real.childFail, real.parentPeak, real.childPeak)

	d := refcount.NewSerialDomain(refcount.Mainline)
	var root, parent, child PageCounter
	root.Init(d, nil, "root")
	parent.Init(d, &root, "parent")
	child.Init(d, &parent, "child")
	pages, err := PageCounterMemparse("20M", "-1")
	require.NoError(t, err)
	require.NoError(t, parent.SetMax(pages))
	for {
		if _, ok := child.TryCharge(32); !ok {
			break
		}
	}
	sim := struct{ parentFail, childFail, parentPeak, childPeak int64 }{
		int64(parent.Failcnt()), int64(child.Failcnt()), parent.Watermark() * PAGE_SIZE, child.Watermark() * PAGE_SIZE,
	}
	require.Equal(t, limit, int64(pages*PAGE_SIZE))
	for _, s := range []struct {
		what     string
		kernel   bool
		simValue bool
	}{
		{"the parent counted failures", real.parentFail > 0, sim.parentFail > 0},
		{"the child counted none", real.childFail == 0, sim.childFail == 0},
		{"the parent's peak stayed within its limit", real.parentPeak <= limit, sim.parentPeak <= limit},
		{"the child's peak reached the parent's limit", real.childPeak >= limit, sim.childPeak >= limit},
	} {
		require.True(t, s.kernel, "kernel: %s", s.what)
		require.True(t, s.simValue, "simulator: %s", s.what)
	}
}

// noSwap reports whether /proc/meminfo says SwapTotal is 0.
func noSwap() bool {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "SwapTotal:" {
			return f[1] == "0"
		}
	}
	return false
}
