package timens_test

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

//go:embed testdata/timens_helper.c
var helperSource string

// buildHelper compiles testdata/timens_helper.c into t.TempDir(), or skips
// the test when the machine cannot answer: not Linux, not root, no gcc, or a
// kernel without time namespaces.
func buildHelper(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux: the helper unshares time namespaces and writes their timens_offsets")
	}
	if _, err := os.Stat("/proc/self/timens_offsets"); err != nil {
		t.Skip("needs root on Linux with CONFIG_TIME_NS: no /proc/self/timens_offsets")
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("needs root on Linux with gcc on PATH to build the helper")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "timens_helper.c"), filepath.Join(dir, "timens_helper")
	require.NoError(t, os.WriteFile(src, []byte(helperSource), 0o600))
	out, err := exec.Command(gcc, "-O2", "-Wall", "-pthread", "-o", bin, src).CombinedOutput()
	require.NoError(t, err, "gcc: %s", out)
	return bin
}

func hexStep(op, data string) string { return op + ":" + hex.EncodeToString([]byte(data)) }

// diffCase is one helper run: a fresh process in the test's own time
// namespace that unshares before touching any offsets file.
type diffCase struct {
	name  string
	steps []string
}

func diffCases() []diffCase {
	parse := []string{"unshare"}
	for _, in := range []string{
		"", "\n", "monotonic 1 2\nboottime 3 4", "boottime 3 4\n", "1 5 6\n7 -3 5\n",
		" \tmonotonic\v 1 \f 2\r", "\xa0monotonic\xa01\xa02", "monotonic 1 2 garbage", "monotonic5 6",
		"monotonic -0 0", "monotonic 1 0\nmonotonic 2 0", "monotonic 1 2\nboottime 3 4\nmonotonic 5 6\n",
		"monotonic 1 2\nboottime 3 4\nrubbish", "monotonic 1 2\x00\nrubbish", "monotonic 1 2\n\x00rubbish",
		"monotonic 18446744073709551617 0", "boottime 0 18446744073709551616",
		"monotonic 0 18446744073709551615", "boottime 1 18446744072709551616", "monotonic 0 999999999",
		"monotonic 1 0" + strings.Repeat(" ", 4095-13), "monotonic 1 0" + strings.Repeat(" ", 4096-13),
		"monotonic 1 0\n\n", "monotonic 1 0\n\nboottime 1 0", "monotonic 1 0\nboottime x 0",
		"realtime 1 0", "0 1 0", "01 1 0", "MONOTONIC 1 0", "monotonicx 1 0", "monotonic 1", "monotonic",
		"monotonic +1 0", "monotonic - 0", "monotonic 1 -1", "monotonic 1 1000000000", "monotonic 0x10 0",
		"monotonic\x00 1 0", "boottime 9223372037 0", "boottime -9223372037 0", "monotonic -9223372036 0",
		"monotonic -1000000000 0", "boottime 4611686018 0", "monotonic 1 0\nboottime -1000000000 0",
		"monotonic 4000000000 0", "boottime -4000000000 0",
	} {
		parse = append(parse, hexStep("write", in), "show")
	}
	golden := []string{"unshare", "show"}
	for _, gw := range goldenWrites[1:] {
		golden = append(golden, "unshare", hexStep("write", gw.write), "show")
	}
	w := hexStep("write", "monotonic 7 7\nboottime 8 8")
	return []diffCase{
		{"parse", parse},
		{"golden", golden},
		{"fork freezes", []string{"unshare", w, "fork", w, "show"}},
		{"vfork without exec does not freeze", []string{"unshare", "vfork_exit", w, "show"}},
		{"vfork and exec freezes", []string{"unshare", "vfork_exec", w, "show"}},
		{"threads neither freeze nor setns", []string{"unshare", "thread", w, "setns", w, "fork", w}},
		{"setns freezes", []string{"unshare", "setns", w, "show", "fork", w}},
		{"a second unshare copies the offsets", []string{"unshare", w, "unshare", "show", hexStep("write", "boottime 1 1"), "show", "fork", w}},
		{"opener without CAP_SYS_TIME", []string{"unshare", "dropcaps", w, hexStep("write", "monotonic 1"), "show"}},
		{"opened before dropping capabilities", []string{"unshare", "openw", "dropcaps", hexStep("writefd", "boottime 5 0"), "show"}},
		{"setns without CAP_SYS_ADMIN", []string{"unshare", "dropcaps", "setns"}},
		{"setns checks threads first", []string{"unshare", "dropcaps", "thread", "setns"}},
		{"clocks", []string{"unshare", hexStep("write", "monotonic 1000 5\nboottime 2000 7"), "clocks", "setns", "clocks"}},
		{"negative offsets", []string{"unshare", hexStep("write", "monotonic -3 0\nboottime -4 500000000"), "clocks", "setns", "clocks"}},
	}
}

// simRun replays steps on the simulator, printing what the helper prints.
// The first step is "clocks" in the host's time namespace: the simulated
// clock is first moved to the machine's readings from the helper's first line
// (machine), so that range checks see the same current time.
func simRun(t *testing.T, steps []string, machine []string) []string {
	f := newFix(t)
	host := parseClocks(t, machine[0])
	mono, boot := host[timens.CLOCK_MONOTONIC], host[timens.CLOCK_BOOTTIME]
	if d := mono.ns - int64(timens.BootMonotonic); d > 0 {
		f.g.Clock.Advance(time.Duration(d))
	}
	if d := boot.ns - mono.ns; d > 0 {
		f.g.Clock.Sleep(time.Duration(d))
	}
	f.g.Clock.SetRTC(host[timens.CLOCK_BOOTTIME_ALARM].errno == 0)

	tk := f.initTask(t)
	var opener *userns.Cred
	var threads []*task
	single := true
	var out []string
	result := func(n int, err error, okText string) string {
		if err != nil {
			return "errno=" + strconv.Itoa(int(uapi.ErrnoOf(err)))
		}
		if okText != "" {
			return okText
		}
		return "n=" + strconv.Itoa(n)
	}
	for _, step := range steps {
		op, arg, _ := strings.Cut(step, ":")
		data, err := hex.DecodeString(arg)
		require.NoError(t, err)
		switch op {
		case "unshare":
			tk.unshare(t)
			out = append(out, "ok")
		case "write":
			n, err := timens.WriteOffsets(f.ctx, tk.slots.TimeNSForChildren, tk.cred, 0, data)
			out = append(out, result(n, err, ""))
		case "openw":
			opener = tk.cred.Get()
			out = append(out, "ok")
		case "writefd":
			n, err := timens.WriteOffsets(f.ctx, tk.slots.TimeNSForChildren, opener, 0, data)
			out = append(out, result(n, err, ""))
		case "show":
			out = append(out, "text="+hex.EncodeToString([]byte(timens.ShowOffsets(tk.slots.TimeNSForChildren))))
		case "fork":
			tk.fork(t, 0).exit()
			out = append(out, "ok")
		case "vfork_exit":
			tk.fork(t, uapi.CLONE_VM|uapi.CLONE_VFORK).exit()
			out = append(out, "ok")
		case "vfork_exec":
			c := tk.fork(t, uapi.CLONE_VM|uapi.CLONE_VFORK)
			c.exec(t)
			c.exit()
			out = append(out, "ok")
		case "setns":
			out = append(out, result(0, tk.setns(t, tk.slots.TimeNSForChildren, single), "ok"))
		case "thread":
			threads = append(threads, tk.fork(t, uapi.CLONE_VM|uapi.CLONE_THREAD|uapi.CLONE_SIGHAND))
			single = false
			out = append(out, "ok")
		case "dropcaps":
			c := f.user(tk.cred, 65534, 0)
			if tk.cred != &f.root {
				tk.cred.Put(f.ctx)
			}
			tk.cred = c
			out = append(out, "ok")
		case "clocks":
			var b strings.Builder
			for id := range timens.ClockID(12) {
				if id > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(strconv.Itoa(int(id)) + ":")
				ts, err := timens.ClockGettime(tk.slots.TimeNS, id)
				if err != nil {
					b.WriteString("errno=" + strconv.Itoa(int(uapi.ErrnoOf(err))))
				} else {
					b.WriteString(strconv.FormatInt(ts.Sec, 10) + "." + strconv.FormatInt(ts.Nsec+1e9, 10)[1:])
				}
			}
			out = append(out, b.String())
		default:
			t.Fatalf("unknown step %q", step)
		}
	}
	for _, th := range threads {
		th.exit()
	}
	if opener != nil {
		opener.Put(f.ctx)
	}
	if tk.cred != &f.root {
		tk.cred.Put(f.ctx)
	}
	tk.exit()
	f.requireClean(t)
	return out
}

type clockReading struct {
	ns    int64 // nanoseconds, when errno is 0
	errno int
}

func parseClocks(t *testing.T, line string) map[timens.ClockID]clockReading {
	m := map[timens.ClockID]clockReading{}
	for _, f := range strings.Fields(line) {
		id, v, ok := strings.Cut(f, ":")
		require.True(t, ok, "clock field %q", f)
		n, err := strconv.Atoi(id)
		require.NoError(t, err)
		if e, ok := strings.CutPrefix(v, "errno="); ok {
			errno, err := strconv.Atoi(e)
			require.NoError(t, err)
			m[timens.ClockID(n)] = clockReading{errno: errno}
			continue
		}
		sec, nsec, ok := strings.Cut(v, ".")
		require.True(t, ok && len(nsec) == 9, "clock value %q", v)
		s, err := strconv.ParseInt(sec, 10, 64)
		require.NoError(t, err)
		ns, err := strconv.ParseInt(nsec, 10, 64)
		require.NoError(t, err)
		m[timens.ClockID(n)] = clockReading{ns: s*1e9 + ns}
	}
	require.Len(t, m, 12, "clock line %q", line)
	return m
}

// TestDifferential runs each case on the machine (in time namespaces the
// helper creates) and on the simulator, and compares every step's result:
// byte counts and errnos of writes, the timens_offsets text, setns errnos.
// Clock readings are compared by how much each clock moved between two
// "clocks" steps (the namespace switch): the machine's move must exceed the
// simulator's (the offset change) by less than a second. The CPU-time clocks
// (2, 3), which the simulator does not model, are skipped.
func TestDifferential(t *testing.T) {
	t.Parallel()
	bin := buildHelper(t)
	for _, tc := range diffCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range tc.steps {
				if s == "unshare" {
					break
				}
				require.Contains(t, []string{"thread", "dropcaps", "fork", "clocks"}, strings.SplitN(s, ":", 2)[0],
					"a step before the first unshare would touch the test's own time namespace")
			}
			steps := append([]string{"clocks"}, tc.steps...)
			cmd := exec.Command(bin, steps...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			raw, err := cmd.Output()
			require.NoError(t, err, "helper: %s", stderr.String())
			machine := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			require.Len(t, machine, len(steps), "helper output:\n%s", raw)
			sim := simRun(t, steps, machine)
			var prevReal, prevSim map[timens.ClockID]clockReading
			for i, step := range steps {
				if step != "clocks" {
					assert.Equal(t, machine[i], sim[i], "step %d %.60q", i, step)
					continue
				}
				r, s := parseClocks(t, machine[i]), parseClocks(t, sim[i])
				for id := range timens.ClockID(12) {
					if id == timens.CLOCK_PROCESS_CPUTIME_ID || id == timens.CLOCK_THREAD_CPUTIME_ID {
						continue
					}
					require.Equal(t, r[id].errno, s[id].errno, "step %d %v errno", i, id)
					if prevReal == nil || r[id].errno != 0 {
						continue
					}
					dr, ds := r[id].ns-prevReal[id].ns, s[id].ns-prevSim[id].ns
					assert.True(t, dr-ds >= 0 && dr-ds < 1e9, "step %d %v: the machine's clock moved %d ns, the simulator's %d ns", i, id, dr, ds)
				}
				prevReal, prevSim = r, s
			}
		})
	}
}

// TestGoldenOnMachine checks that the golden files are what this machine
// prints after the same writes (TestShowOffsetsGolden checks the simulator).
func TestGoldenOnMachine(t *testing.T) {
	t.Parallel()
	bin := buildHelper(t)
	for _, gw := range goldenWrites {
		want, err := os.ReadFile(filepath.Join("testdata", gw.file))
		require.NoError(t, err)
		args := []string{"unshare"}
		if gw.write != "" {
			args = append(args, hexStep("write", gw.write))
		}
		raw, err := exec.Command(bin, append(args, "show")...).Output()
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		text, ok := strings.CutPrefix(lines[len(lines)-1], "text=")
		require.True(t, ok, "%s", raw)
		got, err := hex.DecodeString(text)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), gw.file)
	}
}
