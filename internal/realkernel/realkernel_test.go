package realkernel

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests pin what the real kernel (Linux 6.18 when they were written)
// answers, so this file doubles as a record of the behaviour the simulator
// must reproduce.

// step is one script line and the result the real kernel gives. A want
// ending in "*" is a prefix match (used for ns inode numbers, which differ
// between runs and between simulator and kernel).
type step struct{ cmd, want string }

func runSteps(t *testing.T, h *Helper, steps []step) []string {
	t.Helper()
	var b strings.Builder
	for _, s := range steps {
		b.WriteString(s.cmd + "\n")
	}
	got, err := h.RunScript(b.String())
	require.NoError(t, err, "script:\n%s", b.String())
	require.Len(t, got, len(steps))
	for i, s := range steps {
		if p, ok := strings.CutSuffix(s.want, "*"); ok {
			assert.True(t, strings.HasPrefix(got[i], p), "step %d %q: got %q, want prefix %q", i+1, s.cmd, got[i], p)
		} else {
			assert.Equal(t, s.want, got[i], "step %d %q", i+1, s.cmd)
		}
	}
	return got
}

// hostHostname is the machine's hostname, which every fresh scenario's init
// inherits (the helper runs in a copy of the machine's UTS namespace).
func hostHostname(t *testing.T) string {
	t.Helper()
	name, err := os.Hostname()
	require.NoError(t, err)
	return name
}

// TestMachineUntouched runs scenarios that change hostnames and domainnames
// everywhere they can and checks the machine's own names did not move.
func TestMachineUntouched(t *testing.T) {
	h := Require(t)
	before := hostHostname(t)
	domBefore, err := os.ReadFile("/proc/sys/kernel/domainname")
	require.NoError(t, err)
	runSteps(t, h, []step{
		{"sethostname init changed-by-kernsim", "ok"},
		{"setdomainname init kernsim.test", "ok"},
		{"clone init A 0", "ok"},
		{"sethostname A again", "ok"},
		{"uname init", "uname=Linux,again,x86_64,kernsim.test"},
	})
	assert.Equal(t, before, hostHostname(t))
	domAfter, err := os.ReadFile("/proc/sys/kernel/domainname")
	require.NoError(t, err)
	assert.Equal(t, string(domBefore), string(domAfter))
}

// TestRefusesMachineUTS checks the helper's guard: even a script that
// setns()es into the test process's (the machine's) UTS namespace cannot
// write the machine's names. It
// tries to set the hostname the machine already has, so that a broken guard
// would still leave the machine as it was.
func TestRefusesMachineUTS(t *testing.T) {
	h := Require(t)
	before := hostHostname(t)
	require.NotContains(t, before, " ")
	hostNS := fmt.Sprintf("/proc/%d/ns/uts", os.Getpid())
	got, err := h.RunScript("open_path init host " + hostNS + "\nsetns init host CLONE_NEWUTS\nsethostname init " + before + "\n")
	require.Error(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, []string{"ok", "ok"}, got[:2])
	assert.True(t, strings.HasPrefix(got[2], "error: refusing to change the machine's UTS namespace"), got[2])
	assert.Equal(t, before, hostHostname(t))
}

// TestRefusesMachineMountAndPidMax checks the helper's other two guards: the
// script's init runs in the machine's mount and pid namespaces, so it may
// neither umount nor write pid_max. Both steps are chosen so that a broken
// guard would still leave the machine as it was: the umount target does not
// exist and the pid_max written is the one the machine already has.
func TestRefusesMachineMountAndPidMax(t *testing.T) {
	h := Require(t)
	pidMax, err := os.ReadFile("/proc/sys/kernel/pid_max")
	require.NoError(t, err)
	cur := strings.TrimSpace(string(pidMax))
	for _, tc := range []struct{ step, want string }{
		{"umount init /kernsim-no-such-dir 0", "error: refusing to change the machine's mount namespace"},
		{"write_path init /proc/sys/kernel/pid_max " + cur, "error: refusing to write the machine's pid_max"},
	} {
		got, err := h.RunScript(tc.step + "\n")
		require.Error(t, err, tc.step)
		require.Len(t, got, 1, tc.step)
		assert.True(t, strings.HasPrefix(got[0], tc.want), "%s: %s", tc.step, got[0])
	}
	after, err := os.ReadFile("/proc/sys/kernel/pid_max")
	require.NoError(t, err)
	assert.Equal(t, string(pidMax), string(after))
}

func TestUTSStory(t *testing.T) {
	h := Require(t)
	host := hostHostname(t)
	runSteps(t, h, []step{
		{"gethostname init", "hostname=" + host},
		// A plain clone shares the parent's UTS namespace.
		{"clone init A 0", "ok"},
		{"same_ns init init A uts", "same"},
		{"gethostname A", "hostname=" + host},
		// CLONE_NEWUTS gives a copy: same names, different namespace.
		{"clone init B CLONE_NEWUTS", "ok"},
		{"same_ns init init B uts", "different"},
		{"same_ns init init B user", "same"},
		{"gethostname B", "hostname=" + host},
		{"sethostname B b", "ok"},
		{"gethostname B", "hostname=b"},
		{"gethostname init", "hostname=" + host},
		{"gethostname A", "hostname=" + host},
		// unshare moves A alone into a copy of its namespace.
		{"unshare A CLONE_NEWUTS", "ok"},
		{"same_ns init init A uts", "different"},
		{"same_ns init A B uts", "different"},
		{"sethostname A a", "ok"},
		{"gethostname A", "hostname=a"},
		{"gethostname init", "hostname=" + host},
		{"gethostname B", "hostname=b"},
		// setns joins B's namespace through an nsfs fd.
		{"open init fb B uts", "ok"},
		{"setns init fb CLONE_NEWUTS", "ok"},
		{"same_ns init init B uts", "same"},
		{"gethostname init", "hostname=b"},
		{"sethostname init shared", "ok"},
		{"gethostname B", "hostname=shared"},
		{"close init fb", "ok"},
		{"readlink init init uts", "link=uts:[*"},
		// domainname lives in the same namespace; the default is "(none)".
		{"getdomainname init", "domainname=(none)"},
		{"setdomainname B dom", "ok"},
		{"getdomainname init", "domainname=dom"},
		{"getdomainname A", "domainname=(none)"},
		{"uname init", "uname=Linux,shared,x86_64,dom"},
		{"uname A", "uname=Linux,a,x86_64,(none)"},
	})
	assert.Equal(t, host, hostHostname(t))
}

func TestHostnameLength(t *testing.T) {
	h := Require(t)
	runSteps(t, h, []step{
		{"sethostname_len init 65", "EINVAL"},
		{"sethostname_len init 64", "ok"},
		{"gethostname init", "hostname=" + strings.Repeat("x", 64)},
		{"sethostname_len init 0", "ok"},
		{"gethostname init", "hostname="},
	})
}

func TestUnprivileged(t *testing.T) {
	h := Require(t)
	host := hostHostname(t)
	runSteps(t, h, []step{
		{"clone init U 0", "ok"},
		{"clone init B CLONE_NEWUTS", "ok"},
		{"open U fb B uts", "ok"}, // opened while still root
		{"drop_privs U 1000", "ok"},
		{"sethostname U x", "EPERM"},
		{"setdomainname U x", "EPERM"},
		{"unshare U CLONE_NEWUTS", "EPERM"},
		// Without privileges, setns into another UTS namespace is refused,
		// and root's tasks' ns files cannot even be opened.
		{"setns U fb CLONE_NEWUTS", "EPERM"},
		{"open U fi init uts", "EACCES"},
		{"readlink U init uts", "EACCES"},
		// A new user namespace makes U the owner of its new UTS namespace.
		{"unshare U CLONE_NEWUSER|CLONE_NEWUTS", "ok"},
		{"same_ns init init U user", "different"},
		{"same_ns init init U uts", "different"},
		{"sethostname U inner", "ok"},
		{"setdomainname U innerdom", "ok"},
		{"gethostname U", "hostname=inner"},
		{"gethostname init", "hostname=" + host},
		// Still no rights over namespaces owned by the initial user ns.
		{"setns U fb CLONE_NEWUTS", "EPERM"},
	})
}

func TestUnshareFlagRules(t *testing.T) {
	h := Require(t)
	runSteps(t, h, []step{
		// CLONE_NEWUSER implies CLONE_FS (and CLONE_THREAD); spelling it out
		// is accepted for a single-threaded task with a private fs_struct.
		{"clone init F 0", "ok"},
		{"unshare F CLONE_NEWUSER|CLONE_FS", "ok"},
		{"same_ns init init F user", "different"},
		// ...and also when the fs_struct is shared: unshare copies it.
		{"clone init S CLONE_FS", "ok"},
		{"unshare S CLONE_NEWUSER", "ok"},
		{"clone init S2 CLONE_FS", "ok"},
		{"unshare S2 CLONE_FS", "ok"},
		{"unshare init CLONE_THREAD", "ok"},
		{"unshare init 0", "ok"},
		// Flags that unshare does not know.
		{"unshare init CLONE_PARENT", "EINVAL"},
		{"unshare init CLONE_VFORK", "EINVAL"},
		// A task sharing its mm cannot unshare CLONE_VM.
		{"clone init V CLONE_VM", "ok"},
		{"unshare V CLONE_VM", "EINVAL"},
		{"unshare V CLONE_NEWUTS", "ok"},
		// Threads: CLONE_NEWUSER implies CLONE_THREAD, refused when the
		// thread group has other threads (for the thread and its leader).
		{"clone init L 0", "ok"},
		{"clone L T CLONE_VM|CLONE_SIGHAND|CLONE_THREAD", "ok"},
		{"unshare T CLONE_NEWUSER", "EINVAL"},
		{"unshare L CLONE_NEWUSER", "EINVAL"},
		// A thread may have its own UTS namespace.
		{"unshare T CLONE_NEWUTS", "ok"},
		{"same_ns init L T uts", "different"},
		{"sethostname T thr", "ok"},
		{"gethostname T", "hostname=thr"},
		{"gethostname L", "hostname=" + hostHostname(t)},
	})
}

func TestCloneFlagErrors(t *testing.T) {
	h := Require(t)
	runSteps(t, h, []step{
		{"clone init E1 CLONE_NEWNS|CLONE_FS", "EINVAL"},
		{"clone init E2 CLONE_NEWUSER|CLONE_FS", "EINVAL"},
		{"clone init E3 CLONE_THREAD", "EINVAL"},
		{"clone init E4 CLONE_SIGHAND", "EINVAL"},
		{"clone init E5 CLONE_THREAD|CLONE_SIGHAND", "EINVAL"},
		{"clone init E6 CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_NEWUSER", "EINVAL"},
		{"clone init E7 CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_NEWPID", "EINVAL"},
		// A failed clone does not consume the label.
		{"clone init E1 0", "ok"},
		// A thread may start in a new UTS namespace.
		{"clone init T CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_NEWUTS", "ok"},
		{"same_ns init init T uts", "different"},
		// All namespace flags together are fine for root.
		{"clone init N CLONE_NEWUTS|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWNET|CLONE_NEWCGROUP", "ok"},
		{"getpid N", "pid=1"},
		// A pid namespace's init may not use CLONE_PARENT.
		{"clone N Q CLONE_PARENT", "EINVAL"},
		{"clone N Q 0", "ok"},
		{"getpid Q", "pid=2"},
	})
}

func TestSetnsErrors(t *testing.T) {
	h := Require(t)
	runSteps(t, h, []step{
		{"open_path init st /proc/self/status", "ok"},
		{"setns init st CLONE_NEWUTS", "EINVAL"},
		{"setns init st 0", "EINVAL"},
		{"open_path init dir /proc/self", "ok"},
		{"setns init dir CLONE_NEWUTS", "EINVAL"},
		{"setns_badfd init 999 CLONE_NEWUTS", "EBADF"},
		{"setns_badfd init -1 0", "EBADF"},
		{"open init u init uts", "ok"},
		{"setns init u CLONE_NEWUSER", "EINVAL"},
		{"setns init u CLONE_NEWUTS|CLONE_NEWIPC", "EINVAL"},
		// Joining the namespace one is already in is fine for UTS...
		{"setns init u CLONE_NEWUTS", "ok"},
		{"setns init u 0", "ok"},
		// ...but not for the user namespace.
		{"open init us init user", "ok"},
		{"setns init us CLONE_NEWUSER", "EINVAL"},
		{"setns init us 0", "EINVAL"},
		// Root may join a child user namespace.
		{"clone init C CLONE_NEWUSER", "ok"},
		{"clone init J 0", "ok"},
		{"open J cu C user", "ok"},
		{"setns J cu CLONE_NEWUSER", "ok"},
		{"same_ns init J C user", "same"},
		{"close init st", "ok"},
	})
}

func TestZombieNamespaces(t *testing.T) {
	h := Require(t)
	runSteps(t, h, []step{
		{"clone init Z CLONE_NEWUTS", "ok"},
		{"sethostname Z kept", "ok"},
		{"open init fz Z uts", "ok"},
		{"exit Z 7", "ok"},
		// A zombie has dropped its nsproxy but keeps its credentials
		// (user ns) and its struct pid (pid ns).
		{"readlink init Z uts", "ENOENT"},
		{"readlink init Z mnt", "ENOENT"},
		{"readlink init Z net", "ENOENT"},
		{"readlink init Z ipc", "ENOENT"},
		{"readlink init Z cgroup", "ENOENT"},
		{"readlink init Z user", "link=user:[*"},
		{"readlink init Z pid", "link=pid:[*"},
		{"same_ns init init Z uts", "ENOENT"},
		{"same_ns init init Z user", "same"},
		{"wait init Z", "exited=7"},
		{"wait init init", "ECHILD"},
		// The open fd keeps the dead task's UTS namespace alive.
		{"setns init fz CLONE_NEWUTS", "ok"},
		{"gethostname init", "hostname=kept"},
	})
}

func TestThreadsAndOrphans(t *testing.T) {
	h := Require(t)
	host := hostHostname(t)
	runSteps(t, h, []step{
		{"clone init L 0", "ok"},
		{"clone L T CLONE_VM|CLONE_SIGHAND|CLONE_THREAD", "ok"},
		// A child created by a thread can be waited for by its leader.
		{"clone T C 0", "ok"},
		{"exit C 4", "ok"},
		{"wait L C", "exited=4"},
		// An exited non-leader thread is gone at once (no zombie).
		{"exit T 0", "ok"},
		{"readlink init T uts", "ENOENT"},
		{"readlink init T user", "ENOENT"},
		// A leader that calls exit(2) while a thread lives on: its
		// namespaces are gone, the process is not waitable yet, and the
		// status finally reported is the last thread's exit code.
		{"clone L T2 CLONE_VM|CLONE_SIGHAND|CLONE_THREAD", "ok"},
		{"exit L 5", "ok"},
		{"readlink init L uts", "ENOENT"},
		{"readlink init L user", "link=user:[*"},
		{"readlink init T2 uts", "link=uts:[*"},
		{"gethostname T2", "hostname=" + host},
		{"exit T2 9", "ok"},
		{"wait init L", "exited=9"},
		// CLONE_VM without CLONE_THREAD is a separate, waitable process.
		{"clone init V CLONE_VM", "ok"},
		{"exit V 1", "ok"},
		{"wait init V", "exited=1"},
		// Orphans are re-parented (to the helper, a child subreaper), so
		// their former grandparent cannot wait for them.
		{"clone init W 0", "ok"},
		{"clone W W1 0", "ok"},
		{"exit W 0", "ok"},
		{"wait init W", "exited=0"},
		{"readlink init W1 uts", "link=uts:[*"},
		{"exit W1 0", "ok"},
		{"wait init W1", "ECHILD"},
		// A pid namespace: its init is pid 1 inside; when it exits, the
		// rest of the namespace is killed.
		{"clone init P CLONE_NEWPID", "ok"},
		{"getpid P", "pid=1"},
		{"clone P P2 0", "ok"},
		{"getpid P2", "pid=2"},
		{"same_ns init P P2 pid", "same"},
		{"same_ns init init P pid", "different"},
		{"exit P 0", "ok"},
		{"wait init P", "exited=0"},
	})
}

func TestScriptErrors(t *testing.T) {
	h := Require(t)

	got, err := h.RunScript("# only a comment\n\ngethostname nobody\ngethostname init\n")
	require.Error(t, err)
	assert.Equal(t, []string{"error: unknown task label nobody"}, got)

	got, err = h.RunScript("clone init A 0\nclone init A 0\n")
	require.Error(t, err)
	assert.Equal(t, []string{"ok", "error: task label A already used"}, got)

	got, err = h.RunScript("clone init A 0\nexit A 0\ngethostname A\n")
	require.Error(t, err)
	assert.Equal(t, []string{"ok", "ok", "error: task A has exited"}, got)

	got, err = h.RunScript("unshare init CLONE_BOGUS\n")
	require.Error(t, err)
	assert.Equal(t, []string{"error: bad flags CLONE_BOGUS"}, got)

	got, err = h.RunScript("close init nosuch\n")
	require.Error(t, err)
	assert.Equal(t, []string{"error: unknown fd label nosuch (task init)"}, got)

	got, err = h.RunScript("frobnicate init\n")
	require.Error(t, err)
	assert.Equal(t, []string{"error: unknown step frobnicate"}, got)

	got, err = h.RunScript("  # indented comment\ngetpid init   # trailing comment\nunshare init 0x4000000\n")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, strings.HasPrefix(got[0], "pid="), got[0])
	assert.Equal(t, "ok", got[1])
}

// TestPidSteps: getpid, gettid and getppid answer in the task's own pid
// namespace and mark the numbers of the script's outermost one; wait passes
// the child's number as the waiter sees it (the creator's clone() result, or
// the translation for an orphan inherited inside a pid namespace); exit_async
// lets a pid-namespace init sleep in zap_pid_ns_processes while the script
// goes on; same_ns2 compares two different links.
func TestPidSteps(t *testing.T) {
	h := Require(t)
	got := runSteps(t, h, []step{
		{"getpid init", "pid=*"},
		{"gettid init", "tid=*"},
		{"getppid init", "ppid=*"},
		{"clone init P CLONE_NEWPID", "ok"},
		{"getpid P", "pid=1"},
		{"gettid P", "tid=1"},
		{"getppid P", "ppid=0"},
		{"same_ns2 init P pid P pid_for_children", "same"},
		{"same_ns2 init init pid P pid", "different"},
		{"clone P A 0", "ok"},
		{"clone A B 0", "ok"},
		{"clone A T CLONE_VM|CLONE_SIGHAND|CLONE_THREAD", "ok"},
		{"gettid T", "tid=4"},
		{"getpid T", "pid=2"},
		{"exit T 0", "ok"},
		// B is orphaned to P, which did not create it: wait translates B's
		// number into P's view (3), not the machine's.
		{"exit A 0", "ok"},
		{"wait P A", "exited=0"},
		{"getppid B", "ppid=1"},
		{"exit B 6", "ok"},
		{"wait P B", "exited=6"},
		// An invisible child (P cannot see init's other children): ECHILD.
		{"clone init C 0", "ok"},
		{"wait P C", "ECHILD"},
		// An outsider's child inside the namespace holds up its init's exit.
		{"open init fp P pid", "ok"},
		{"clone init O 0", "ok"},
		{"setns O fp CLONE_NEWPID", "ok"},
		{"clone O X 0", "ok"},
		{"exit_async P 0", "ok"},
		{"wait O X", "signaled=9"},
		{"wait init P", "exited=0"},
		{"clone O Y 0", "ENOMEM"},
	})
	for _, i := range []int{0, 1, 2} {
		assert.True(t, strings.HasSuffix(got[i], " (outer)"), got[i])
	}
}

func TestStepCount(t *testing.T) {
	assert.Equal(t, 0, stepCount(""))
	assert.Equal(t, 0, stepCount("# x\n   \n\t# y"))
	assert.Equal(t, 2, stepCount("a b # c\n#d\nsethostname init a#b\n"))
}

func TestBench(t *testing.T) {
	h := Require(t)
	for _, op := range BenchOps() {
		t.Run(op, func(t *testing.T) {
			ns, err := h.Bench(op, 200)
			require.NoError(t, err)
			assert.Greater(t, ns, 0.0)
		})
	}
	_, err := h.Bench("nosuch", 10)
	assert.Error(t, err)
	_, err = h.Bench("uname", 0)
	assert.Error(t, err)
}

func BenchmarkReal(b *testing.B) {
	h := Require(b)
	for _, op := range BenchOps() {
		b.Run(op, func(b *testing.B) {
			ns, err := h.Bench(op, b.N)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(ns, "ns/op")
		})
	}
}
