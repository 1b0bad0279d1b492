package scenario_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/internal/scenario"
)

// boot returns a fresh 4.19 kernel that is powered off, and checked for
// leaks and consistency, when the test ends.
func boot(t *testing.T) *kernsim.Kernel {
	t.Helper()
	k, err := kernsim.Boot(kernsim.Config{})
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, k.Check())
		k.PowerOff()
		assert.NoError(t, k.Leaks())
	})
	return k
}

func run(t *testing.T, script string) []string {
	t.Helper()
	got, err := scenario.RunSim(boot(t), script)
	require.NoError(t, err, "lines so far: %q", got)
	return got
}

func TestSteps(t *testing.T) {
	t.Parallel()
	// The helper's comment rule: '#' at the start of a word (realkernel's
	// stepCount cases, plus the words themselves).
	tests := []struct {
		script string
		want   []string
	}{
		{"", nil},
		{"# x\n   \n\t# y", nil},
		{"a b # c\n#d\nsethostname init a#b\n", []string{"a b", "sethostname init a#b"}},
		{"  # indented comment\ngetpid init   # trailing comment\n\tunshare\tinit  0x4000000\n",
			[]string{"getpid init", "unshare init 0x4000000"}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, scenario.Steps(tc.script), "script %q", tc.script)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"link=uts:[4026531838]", "link=uts:[N]"},
		{"link=pid_for_children:[4026532201]", "link=pid_for_children:[N]"},
		// Numbers seen from the outermost pid namespace are the machine's.
		{"pid=1234 (outer)", "pid=N"},
		{"tid=1235 (outer)", "tid=N"},
		{"ppid=0 (outer)", "ppid=N"},
		// Numbers inside a pid namespace the script created are compared.
		{"pid=1234", "pid=1234"},
		{"pid=1", "pid=1"},
		{"ppid=0", "ppid=0"},
		{"tid=2", "tid=2"},
		{"pid=1 (outer) x", "pid=1 (outer) x"},
		{"hostname=pid=1 (outer)", "hostname=pid=1 (outer)"},
		{"hostname=pid=1", "hostname=pid=1"},
		{"hostname=link=uts:[1]", "hostname=link=uts:[1]"},
		{"EACCES", "EACCES"},
		{"exited=3", "exited=3"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, scenario.Normalize(tc.in), tc.in)
	}
}

// TestResultFormats checks every kind of result line against the helper's
// formats (helper.c: "uname=%s,%s,%s,%s", "hostname=%s", "link=%s", ...) and
// the simulator's boot values (init_uts_ns: "Linux", "(none)", "x86_64").
func TestResultFormats(t *testing.T) {
	t.Parallel()
	got := run(t, `
gethostname init
getdomainname init
uname init
sethostname init h
setdomainname init d
uname init
readlink init init uts
readlink init init user
getpid init
same_ns init init init uts
clone init A CLONE_NEWUTS
same_ns init init A uts
same_ns init init A user
exit A 300
wait init A
unshare init CLONE_PARENT
`)
	assert.Equal(t, []string{
		"hostname=(none)",
		"domainname=(none)",
		"uname=Linux,(none),x86_64,(none)",
		"ok",
		"ok",
		"uname=Linux,h,x86_64,d",
		"link=uts:[4026531838]",  // PROC_UTS_INIT_INO
		"link=user:[4026531837]", // PROC_USER_INIT_INO
		"pid=1 (outer)",          // the global init, seen from init_pid_ns
		"same",
		"ok",
		"different",
		"same",
		"ok",
		"exited=44", // exit(2) keeps the low byte: 300 & 0xff
		"EINVAL",
	}, got)
}

// TestUTSStory is the lecture's story; every answer is the one the real
// kernel gives (realkernel's TestUTSStory) once init has a known hostname.
func TestUTSStory(t *testing.T) {
	t.Parallel()
	got := run(t, `
sethostname init host
clone init A 0
same_ns init init A uts
clone init B CLONE_NEWUTS
same_ns init init B uts
sethostname B b
gethostname init
unshare A CLONE_NEWUTS
sethostname A a
open init fb B uts
setns init fb CLONE_NEWUTS
gethostname init
gethostname A
close init fb
`)
	assert.Equal(t, []string{"ok", "ok", "same", "ok", "different", "ok", "hostname=host",
		"ok", "ok", "ok", "ok", "hostname=b", "hostname=a", "ok"}, got)
}

// TestFdLabels: labels are private to a task, a clone child gets copies (the
// helper keeps them in the task's own memory), close forgets a label whatever
// close(2) answers, and raw numbers reach setns unchanged.
func TestFdLabels(t *testing.T) {
	t.Parallel()
	got := run(t, `
sethostname init base
clone init B CLONE_NEWUTS
sethostname B b
open init f B uts
clone init C 0
close C f
setns init f 0
gethostname init
clone init S CLONE_FILES
close S f
close init f
setns_badfd init 999 0
setns_badfd init -1 CLONE_NEWUTS
`)
	assert.Equal(t, []string{"ok", "ok", "ok", "ok", "ok", "ok", "ok", "hostname=b",
		"ok", "ok", "EBADF", "EBADF", "EBADF"}, got)
}

// TestScriptErrors: a script error ends the run with the helper's own
// "error: ..." line (the messages realkernel's TestScriptErrors recorded from
// the helper, and the helper's wording for the others) and an error.
func TestScriptErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script string
		want         []string
	}{
		{"unknown task", "# only a comment\n\ngethostname nobody\ngethostname init\n",
			[]string{"error: unknown task label nobody"}},
		{"label reused", "clone init A 0\nclone init A 0\n",
			[]string{"ok", "error: task label A already used"}},
		{"exited task acts", "clone init A 0\nexit A 0\ngethostname A\n",
			[]string{"ok", "ok", "error: task A has exited"}},
		{"reaped target", "clone init A 0\nexit A 0\nwait init A\nreadlink init A uts\n",
			[]string{"ok", "ok", "exited=0", "error: task A has been reaped"}},
		{"bad flags", "unshare init CLONE_BOGUS\n",
			[]string{"error: bad flags CLONE_BOGUS"}},
		{"unknown fd label", "close init nosuch\n",
			[]string{"error: unknown fd label nosuch (task init)"}},
		{"unknown fd label in setns", "setns init nosuch 0\n",
			[]string{"error: unknown fd label nosuch (task init)"}},
		{"fd label reused", "open init f init uts\nopen init f init uts\n",
			[]string{"ok", "error: fd label f too long or already open (task init)"}},
		{"unknown step", "frobnicate init\n",
			[]string{"error: unknown step frobnicate"}},
		{"argument count", "gethostname init extra\n",
			[]string{"error: wrong number of arguments for gethostname"}},
		{"unknown namespace", "readlink init init foo\n",
			[]string{"error: unknown namespace foo"}},
		{"bad length", "sethostname_len init 512\n",
			[]string{"error: task: bad length 512 (task init)"}},
		{"bad uid", "drop_privs init -5\n",
			[]string{"error: bad uid -5 (task init)"}},
		{"bad exit code", "clone init A 0\nexit A x\n",
			[]string{"ok", "error: bad exit code x"}},
		{"label too long", "clone init " + strings.Repeat("L", 32) + " 0\n",
			[]string{"error: task label " + strings.Repeat("L", 32) + " too long"}},
		{"too many tasks", manyClones(32),
			append(repeat("ok", 31), "error: too many tasks (max 32)")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := scenario.RunSim(boot(t), tc.script)
			require.Error(t, err)
			assert.Equal(t, tc.want, got)
			assert.Contains(t, err.Error(), tc.want[len(tc.want)-1])
		})
	}
}

func manyClones(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("clone init T" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + " 0\n")
	}
	return b.String()
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestSimulatorLimits: what the interpreter cannot do like the helper is a
// script error, not a made-up answer.
func TestSimulatorLimits(t *testing.T) {
	t.Parallel()
	// The simulator's init is the global init: it cannot exit.
	got, err := scenario.RunSim(boot(t), "exit init 0\n")
	require.Error(t, err)
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], "error: task init cannot exit in the simulator"), got[0])

	// Waiting for a child that has not exited would block for ever.
	got, err = scenario.RunSim(boot(t), "clone init A 0\nwait init A\n")
	require.Error(t, err)
	require.Len(t, got, 2)
	assert.True(t, strings.HasPrefix(got[1], "error: task init: timeout waiting for task reply"), got[1])

	// Every task uses the boot /proc, the initial pid namespace's, as the
	// helper's tasks use the machine's: a task inside a pid namespace names
	// tasks outside it, and inside it, by their outermost numbers.
	assert.Equal(t, []string{"ok", "ok", "ok", "same", "different"},
		run(t, "clone init P CLONE_NEWPID\nclone P A 0\nopen P f init uts\nsame_ns P P A pid\nsame_ns2 P P pid init pid\n"))

	_, err = scenario.RunSim(nil, "getpid init\n")
	require.Error(t, err)
}

// TestPrivilegeSteps: drop_privs clears the capabilities (sethostname EPERM,
// checked before the length), and a new user namespace gives them back over
// a UTS namespace made with it.
func TestPrivilegeSteps(t *testing.T) {
	t.Parallel()
	got := run(t, `
clone init U 0
drop_privs U 1000
sethostname_len U 65
drop_privs U 0
unshare U CLONE_NEWUSER|CLONE_NEWUTS
sethostname_len U 65
sethostname_len U 64
readlink U init uts
wait U init
wait init init
`)
	assert.Equal(t, []string{"ok", "ok", "EPERM", "EPERM", "ok", "EINVAL", "ok", "EACCES", "ECHILD", "ECHILD"}, got)
}

// TestPidSteps: getpid, gettid and getppid read the caller's own pid
// namespace (reference §11.1), marking numbers of the outermost one; wait
// uses the child's number in the waiter's namespace; exit_async is exit;
// same_ns2 compares two different links.
func TestPidSteps(t *testing.T) {
	t.Parallel()
	got := run(t, `
getpid init
getppid init
clone init P CLONE_NEWPID
getpid P
getppid P
clone P A 0
clone A T CLONE_VM|CLONE_SIGHAND|CLONE_THREAD
getpid T
gettid T
getppid T
gettid P
same_ns2 init P pid P pid_for_children
same_ns2 init init pid P pid
exit T 0
exit A 5
wait P A
exit_async P 7
wait init P
`)
	assert.Equal(t, []string{
		"pid=1 (outer)", "ppid=0 (outer)", // the global init has no parent
		"ok", "pid=1", "ppid=0",
		"ok", "ok", "pid=2", "tid=3", "ppid=1", "tid=1",
		"same", "different",
		"ok", "ok", "exited=5", // P waits with A's number in P's namespace (2), not A's global one
		"ok", "exited=7",
	}, got)
}
