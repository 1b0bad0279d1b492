package ipcns_test

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

//go:embed testdata/sysvipc_diff.c
var diffProgram []byte

// commonScenario behaves the same on 4.19 and on 6.18 apart from the id
// values (compared masked against the 4.19 flavour, exactly against
// mainline). Line numbers matter: $N is the result of line N.
const commonScenario = `shmget 0 4096 0600
shmget 0x1234 100 01644
shmget 0x1234 100 0
shmget 0x1234 100 03644
shmget 0x1234 200 0
shmget 0x4321 100 0
shmget 0x5555 0 01600
msgget 0 0600
msgget 0x1234 01600
semget 0x1234 3 01600
semget 0x1234 4 0
semget 0x1234 -1 0
semget 0x77 0 01600
semget 0x1234 0 0
egid 1000
euid 1000
shmget 0x1234 100 0400
shmget 0x1234 100 0200
msgget 0x1234 0600
rmid shm $2
semget 0x1234 3 0444
shmget 0x999 100 01660
msgget -5 01606
sysctl-write msgmax 5
euid 0
egid 0
cat shm
cat msg
cat sem
rmid shm $2
rmid shm $2
rmid shm -1
rmid msg $9+32768
rmid sem $10+1
cat shm
sysctl-read shmmax
sysctl-read shmall
sysctl-read shmmni
sysctl-read shm_rmid_forced
sysctl-read msgmax
sysctl-read msgmni
sysctl-read auto_msgmni
sysctl-read msgmnb
sysctl-read sem
sysctl-write msgmni 3
msgget 0 0600
msgget 0 0600
sysctl-write sem 250 32000 32 128
semget 0 300 0600
semget 0 250 0600
sysctl-write shmmax 4096
shmget 0 4097 0600
sysctl-write shmall 2
shmget 0 10 0600
sysctl-write shmall 3
shmget 0 10 0600
sysctl-write msgmni 12x
sysctl-write msgmnb   77  88
sysctl-write sem 1 2 x
sysctl-read sem
sysctl-write sem 5\t6\n7 8 9
sysctl-write shmmni 0x10
sysctl-write msgmax 010
sysctl-write msgmax 0x
sysctl-write msgmax -
sysctl-write msgmax \n
sysctl-write auto_msgmni 1
sysctl-write shm_rmid_forced 2
sysctl-write shm_rmid_forced 1
sysctl-read shm_rmid_forced
sysctl-read msgmnb
sysctl-read sem
sysctl-read shmmni
sysctl-read msgmax
sysctl-read auto_msgmni
cat msg
cat sem`

// mainlineScenario covers what 6.18 does differently from 4.19: cyclic ids
// and the stricter sysctls. It is compared with the mainline flavour only.
const mainlineScenario = `semget 0 1 0600
semget 0 1 0600
semget 0 1 0600
rmid sem $2
semget 0 1 0600
rmid sem $1
semget 0 1 0600
msgget 0 0600
rmid msg $8
msgget 0 0600
cat sem
cat msg
sysctl-write shmmni 40000
sysctl-write shmmni -5
sysctl-write shmmni 32768
sysctl-write msgmni 32769
sysctl-write msgmni 4294967301
sysctl-write sem 1 2 3 40000
sysctl-read sem
sysctl-write sem 5 6 7 -1
sysctl-read sem
sysctl-write shmmax -1
sysctl-write shmmax 99999999999999999999
sysctl-write shmall -1 5
sysctl-read shmmax
sysctl-read shmmni`

// realKernel runs script with the C program inside a new IPC namespace.
func realKernel(t *testing.T, script string) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux: runs a C program in a new IPC namespace (unshare --ipc)")
	}
	for _, tool := range []string{"gcc", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("needs " + tool + " on PATH")
		}
	}
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat("/proc/self/ns/ipc", &st))
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "sysvipc_diff.c"), filepath.Join(dir, "sysvipc_diff")
	require.NoError(t, os.WriteFile(src, diffProgram, 0o600))
	if out, err := exec.Command("gcc", "-O2", "-Wall", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	cmd := exec.Command("unshare", "--ipc", bin, strconv.FormatUint(st.Ino, 10))
	cmd.Stdin = strings.NewReader(script + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "stderr: %s", stderr.String())
	return string(out)
}

// normalize makes real and simulated outputs comparable: errors get their
// names; every /proc/sysvipc row is parsed and printed again with the
// kernel's format (after checking the row was printed exactly that way),
// with the columns that legitimately differ set to 0: times (the simulator
// has no clock) and pids (objects do not record their creator). With
// maskIDs the ids get masked too, for comparing 4.19 ids with 6.18's.
func normalize(t *testing.T, out string, maskIDs bool) string {
	t.Helper()
	var b strings.Builder
	kind := ""
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "cat "):
			kind = strings.TrimPrefix(line, "cat ")
			b.WriteString(line + "\n")
			continue
		case line == "end":
			kind = ""
		case kind != "" && strings.HasPrefix(line, "       key"):
		case kind != "":
			line = renderRow(t, kind, line, maskIDs)
		default:
			cmd, res, ok := strings.Cut(line, " = ")
			require.True(t, ok, "line %q", line)
			if e, err := strconv.Atoi(strings.TrimPrefix(res, "-")); err == nil && strings.HasPrefix(res, "-") {
				res = "-" + uapi.Errno(e).Name()
			} else if maskIDs && err == nil && (strings.HasPrefix(cmd, "shmget") || strings.HasPrefix(cmd, "msgget") || strings.HasPrefix(cmd, "semget")) {
				res = "ID"
			}
			line = cmd + " = " + res
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// rowFormats are the seq_printf formats of sysvipc_{shm,msg,sem}_proc_show
// (64-bit), with which column holds the id and which are masked.
var rowFormats = map[string]struct {
	format string
	mask   []int
}{
	"shm": {"%10d %10d  %4o %21d %5d %5d  %5d %5d %5d %5d %5d %10d %10d %10d %21d %21d", []int{4, 5, 11, 12, 13}},
	"msg": {"%10d %10d  %4o  %10d %10d %5d %5d %5d %5d %5d %5d %10d %10d %10d", []int{5, 6, 11, 12, 13}},
	"sem": {"%10d %10d  %4o %10d %5d %5d %5d %5d %10d %10d", []int{8, 9}},
}

func renderRow(t *testing.T, kind, line string, maskIDs bool) string {
	t.Helper()
	rf := rowFormats[kind]
	f := strings.Fields(line)
	require.Len(t, f, strings.Count(rf.format, "%"), "row %q", line)
	vals := make([]any, len(f))
	for i, s := range f {
		base := 10
		if i == 2 {
			base = 8
		}
		v, err := strconv.ParseInt(s, base, 64)
		require.NoError(t, err, "row %q", line)
		vals[i] = v
	}
	require.Equal(t, line, fmt.Sprintf(rf.format, vals...), "row not printed with the kernel's format")
	for _, i := range rf.mask {
		vals[i] = int64(0)
	}
	if maskIDs {
		return fmt.Sprintf(strings.Replace(rf.format, " %10d", " %10s", 1), append(vals[:1:1], append([]any{"ID"}, vals[2:]...)...)...)
	}
	return fmt.Sprintf(rf.format, vals...)
}

// TestDifferentialSysvipc runs the same System V scenario on this machine's
// kernel, inside a fresh IPC namespace, and on the simulator, and compares
// every result line and /proc text. The mainline flavour must match 6.18
// exactly (ids included); the 4.19 flavour must match it with ids masked,
// its ids following 4.19's ipc_idr_alloc instead (checked by the id tests).
func TestDifferentialSysvipc(t *testing.T) {
	real := normalize(t, realKernel(t, commonScenario), false)
	realMasked := normalize(t, realKernel(t, commonScenario), true)
	for _, fl := range []refcount.Flavour{refcount.Mainline, refcount.Linux419} {
		t.Run(fl.String(), func(t *testing.T) {
			f := newFix(t, fl)
			n := f.newNS(t)
			sim := runScript(t, f, n, commonScenario)
			if fl == refcount.Mainline {
				assert.Equal(t, real, normalize(t, sim, false))
			} else {
				assert.Equal(t, realMasked, normalize(t, sim, true))
			}
			n.Put(f.ctx)
			f.requireNoLeaks(t)
		})
	}
}

// TestDifferentialSysvipcMainline compares what 6.18 does differently from
// 4.19 (cyclic ids, the sysctl ranges of 5.1+, ERANGE for semmni,
// strtoul_lenient, negative unsigned longs) with the mainline flavour.
func TestDifferentialSysvipcMainline(t *testing.T) {
	real := normalize(t, realKernel(t, mainlineScenario), false)
	f := newFix(t, refcount.Mainline)
	n := f.newNS(t)
	assert.Equal(t, real, normalize(t, runScript(t, f, n, mainlineScenario), false))
	n.Put(f.ctx)
	f.requireNoLeaks(t)
}
