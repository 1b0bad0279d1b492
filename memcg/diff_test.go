package memcg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
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

// strstrip is the kernel's strstrip (lib/string.c): leading and trailing
// isspace characters go.
func strstrip(s string) string { return strings.Trim(s, " \t\n\v\f\r") }

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

		pages, serr := PageCounterMemparse(strstrip(in), "-1")
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
