package kernsim_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// raceWorker is one goroutine of TestConcurrentSyscalls. It owns the tasks in
// tasks (roots cloned from init, and their descendants) and is the only
// goroutine making syscalls on them, since a Task serialises its own calls
// like one thread; init's calls (the initial clones, the final reaps) are
// serialised by init itself.
type raceWorker struct {
	t     *testing.T
	k     *kernsim.Kernel
	id    int
	rng   *rand.Rand
	tasks []*task.Task // running, owned
	roots []*task.Task // children of init, reaped by init at the end
	ops   map[string]int
}

const (
	raceWorkers  = 8
	raceRoots    = 3
	raceMaxTasks = 10
	raceSteps    = 1500
)

func raceCloneFlags(i int) uapi.CloneFlags {
	sig := uapi.CloneFlags(uapi.SIGCHLD)
	return [...]uapi.CloneFlags{sig, uapi.CLONE_NEWUTS | sig, uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS | sig}[i%3]
}

// TestConcurrentSyscalls is a -race stress test: 8 goroutines run
// deterministic pseudo-random syscall sequences on their own tasks of one
// Kernel while opening and entering each other's uts namespaces. At the end
// every count must agree with its holders, and powering off must leave
// nothing behind.
func TestConcurrentSyscalls(t *testing.T) {
	t.Parallel()
	k, err := kernsim.Boot(kernsim.Config{})
	require.NoError(t, err)
	workers := make([]*raceWorker, raceWorkers)
	var wg sync.WaitGroup
	for i := range workers {
		w := &raceWorker{t: t, k: k, id: i, rng: rand.New(rand.NewPCG(0x6b65726e73696d, uint64(i))), ops: map[string]int{}}
		workers[i] = w
		wg.Go(w.run)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	total := map[string]int{}
	for _, w := range workers {
		for op, n := range w.ops {
			total[op] += n
		}
	}
	t.Logf("successful operations: %v", total)
	for _, op := range []string{"clone", "unshare", "setns", "sethostname", "exit"} {
		assert.Positive(t, total[op], "the sequences exercise %s", op)
	}

	assert.Equal(t, []*task.Task{k.Init()}, k.Tasks(), "every task was reaped")
	require.NoError(t, k.Check())
	assert.Zero(t, k.Refs().CountKind("uts_namespace"), "init never left init_uts_ns")
	k.PowerOff()
	require.NoError(t, k.Leaks())
	require.Empty(t, k.Warnings())
}

func (w *raceWorker) errorf(format string, a ...any) {
	w.t.Errorf("worker %d: "+format, append([]any{w.id}, a...)...)
}

func (w *raceWorker) run() {
	in := w.k.Init()
	for i := range raceRoots {
		c, err := in.Clone(task.CloneArgs{Flags: raceCloneFlags(i + w.id), Comm: fmt.Sprintf("w%d.%d", w.id, i)})
		if err != nil {
			w.errorf("clone from init: %v", err)
			return
		}
		w.tasks = append(w.tasks, c)
		w.roots = append(w.roots, c)
	}
	for range raceSteps {
		if !w.step() {
			return
		}
	}
	// Tear down leaves first, each reaped by its parent; then the roots,
	// reaped by init.
	for {
		leaf := w.leaf(false)
		if leaf == nil {
			break
		}
		if !w.exitAndReap(leaf) {
			return
		}
	}
	for _, r := range w.roots {
		if err := r.Exit(0); err != nil {
			w.errorf("exit root %d: %v", r.PID(), err)
			return
		}
		pid, status, err := in.Wait(r.PID(), 0)
		if err != nil || pid != r.PID() || status != 0 {
			w.errorf("init wait4(%d) = %d, %#x, %v", r.PID(), pid, status, err)
			return
		}
	}
}

// leaf returns an owned task without children (a root only if roots is true),
// picked at random, or nil.
func (w *raceWorker) leaf(roots bool) *task.Task {
	var c []*task.Task
	for _, t := range w.tasks {
		if (roots || !slices.Contains(w.roots, t)) && len(t.Children()) == 0 {
			c = append(c, t)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[w.rng.IntN(len(c))]
}

func (w *raceWorker) exitAndReap(t *task.Task) bool {
	parent := t.Parent()
	code := w.rng.IntN(256)
	if err := t.Exit(code); err != nil {
		w.errorf("exit %d: %v", t.PID(), err)
		return false
	}
	pid, status, err := parent.Wait(t.PID(), 0)
	if err != nil || pid != t.PID() || status != code<<8 {
		w.errorf("wait4(%d) by %d = %d, %#x, %v; want status %#x", t.PID(), parent.PID(), pid, status, err, code<<8)
		return false
	}
	w.tasks = slices.DeleteFunc(w.tasks, func(x *task.Task) bool { return x == t })
	w.ops["exit"]++
	return true
}

// step runs one pseudo-random syscall; false stops the worker after a failure.
func (w *raceWorker) step() bool {
	t := w.tasks[w.rng.IntN(len(w.tasks))]
	switch op := w.rng.IntN(10); {
	case op < 3: // clone
		if len(w.tasks) >= raceMaxTasks {
			return true
		}
		flags := raceCloneFlags(w.rng.IntN(3))
		c, err := t.Clone(task.CloneArgs{Flags: flags, Comm: "c"})
		if flags&uapi.CLONE_NEWUSER != 0 && !t.UserNS().IsInit() {
			// Inside a user namespace whose uid_map was never written the
			// creator's euid has no mapping: create_user_ns refuses (§12.1).
			if !errors.Is(err, uapi.EPERM) {
				w.errorf("clone(%v) by %d in user ns level %d: %v, want EPERM", flags, t.PID(), t.UserNS().Level(), err)
				return false
			}
			w.ops["clone EPERM"]++
			return true
		}
		if err != nil {
			w.errorf("clone(%v) by %d: %v", flags, t.PID(), err)
			return false
		}
		// Counts are read under the big kernel lock: other workers' syscalls
		// change them meanwhile.
		if flags&uapi.CLONE_NEWUTS != 0 {
			w.k.Lock()
			n := c.NSProxy().Count()
			w.k.Unlock()
			if n != 1 {
				w.errorf("new nsproxy count %d", n)
				return false
			}
		}
		w.tasks = append(w.tasks, c)
		w.ops["clone"]++
	case op < 4: // unshare
		if err := t.Unshare(uapi.CLONE_NEWUTS); err != nil {
			w.errorf("unshare by %d: %v", t.PID(), err)
			return false
		}
		// Other workers may already have opened or joined the fresh namespace
		// (they open other tasks' ns/uts), so only a lower bound holds here.
		w.k.Lock()
		n := t.NSProxy().UTS().Count()
		w.k.Unlock()
		if n < 1 {
			w.errorf("fresh uts namespace count %d", n)
			return false
		}
		w.ops["unshare"]++
	case op < 6: // open another task's uts link, setns, close
		all := w.k.Tasks()
		other := all[w.rng.IntN(len(all))]
		fd, err := t.Open("/proc/" + strconv.Itoa(int(other.PID())) + "/ns/uts")
		// ptrace read access (cap_ptrace_access_check): every task is root
		// with full capabilities in its own user namespace, so it may look at
		// tasks of that namespace and of its descendants only. No task
		// changes its cred here, so the user namespaces are stable.
		reach := userns.InUserNS(t.UserNS(), other.UserNS())
		switch {
		case errors.Is(err, uapi.ENOENT):
			// The other task exited (a zombie has no nsproxy) or was reaped.
			return true
		case errors.Is(err, uapi.EACCES) && !reach:
			w.ops["open EACCES"]++
			return true
		case err != nil || !reach:
			w.errorf("open /proc/%d/ns/uts (user ns level %d) by %d (level %d): %v",
				other.PID(), other.UserNS().Level(), t.PID(), t.UserNS().Level(), err)
			return false
		}
		target := t.File(fd).Namespace()
		// The target's uts namespace is owned inside the other task's user
		// namespace subtree (a task can only have entered such ones), so
		// inside the caller's: utsns_install's checks pass.
		if err := t.Setns(fd, uapi.CLONE_NEWUTS); err != nil {
			w.errorf("setns by %d into %s: %v", t.PID(), target.NS().Link(), err)
			return false
		}
		if got := t.NSProxy().UTS(); got != target {
			w.errorf("setns: task %d is in %s, want %s", t.PID(), got.Link(), target.NS().Link())
			return false
		}
		w.ops["setns"]++
		if err := t.Close(fd); err != nil {
			w.errorf("close: %v", err)
			return false
		}
	case op < 8: // sethostname, then read it back
		name := fmt.Sprintf("w%d-%d", w.id, w.rng.IntN(1000))
		// Every task has CAP_SYS_ADMIN over its uts namespace's owner: it is
		// root in its user namespace, and it can only have entered uts
		// namespaces owned inside that namespace's subtree.
		if err := t.Sethostname(name); err != nil {
			w.errorf("sethostname by %d: %v", t.PID(), err)
			return false
		}
		link, err := t.Readlink("/proc/self/ns/uts")
		if err != nil || link != t.NSProxy().UTS().Link() {
			w.errorf("readlink by %d = %q, %v; want %s", t.PID(), link, err, t.NSProxy().UTS().Link())
			return false
		}
		w.ops["sethostname"]++
	default: // exit and reap a task without children
		if leaf := w.leaf(false); leaf != nil {
			return w.exitAndReap(leaf)
		}
	}
	return true
}

// fuzzTasksMax bounds the tasks a fuzz input may create.
const fuzzTasksMax = 24

// FuzzSyscallSequence interprets its input as syscalls, three bytes each (op,
// a, b), on the tasks of one Kernel; a and b pick the caller, the target and
// the arguments. After every step Check must find every count equal to its
// holders, and a call that failed must have changed nothing (equal
// snapshots). At the end PowerOff must leave no object and no warning.
func FuzzSyscallSequence(f *testing.F) {
	f.Add([]byte{0, 0, 1, 5, 1, 3, 2, 0, 0x41, 3, 0, 0x40})     // clone NEWUTS, sethostname, init opens it, setns
	f.Add([]byte{0, 0, 2, 1, 1, 2, 6, 1, 7, 7, 0, 0})           // clone NEWUSER|NEWUTS, unshare, exit, wait
	f.Add([]byte{8, 0, 1, 8, 0, 5, 0, 0, 1, 5, 0, 68, 0, 0, 2}) // drop privileges, EPERM clone and sethostname, NEWUSER clone
	f.Add([]byte{0, 0, 6, 0, 1, 6, 6, 2, 0, 7, 0, 0, 6, 1})     // threads, exit of a leader, wait
	f.Add([]byte{0, 0, 0, 0, 1, 1, 2, 1, 0x81, 6, 1, 0, 3, 0, 0x80, 3, 0, 0x40, 4, 0, 0})
	f.Add([]byte{0, 0, 5, 0, 0, 4, 1, 1, 11, 1, 0, 9, 2, 0, 3, 3, 0, 0xc0, 9, 0, 1})
	f.Add([]byte{16, 0, 0, 13, 1, 0, 13, 1, 5, 13, 0, 6, 16, 0, 4, 13, 2, 0, 13, 0, 3}) // mount namespaces: copies, tmpfs, propagation
	f.Add([]byte{14, 0, 0, 16, 0, 1, 14, 1, 0, 14, 0, 2, 15, 0, 0, 15, 0, 6, 16, 0, 2, 15, 0, 9, 6, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := kernsim.Boot(kernsim.Config{})
		require.NoError(t, err)
		for step := 0; len(data) >= 3 && step < 128; step++ {
			op, a, b := data[0], int(data[1]), int(data[2])
			data = data[3:]
			var running []*task.Task
			all := k.Tasks()
			for _, x := range all {
				if x.State() == task.Running {
					running = append(running, x)
				}
			}
			if len(running) == 0 {
				break
			}
			cur := running[a%len(running)]
			before := k.Snapshot()
			desc, err := fuzzStep(k, cur, all, op, b)
			if err != nil {
				var ue *uapi.Error
				require.ErrorAs(t, err, &ue, "step %d %s", step, desc)
				require.NotZero(t, ue.Errno)
				want, got := before.Lines, k.Snapshot().Lines
				if ue.Errno == uapi.ENOMEM {
					// A fork refused by a dead pid namespace has already
					// consumed numbers on the way (the kernel skips them too).
					want, got = withoutLastPid(want), withoutLastPid(got)
				}
				require.Equal(t, want, got, "step %d: failed %s (%v) changed the state", step, desc, err)
			}
			require.NoError(t, k.Check(), "after step %d %s (err %v)", step, desc, err)
		}
		k.PowerOff()
		require.NoError(t, k.Leaks())
		require.Empty(t, k.Warnings())
	})
}

// fuzzStep runs one decoded syscall by cur and describes it.
func fuzzStep(k *kernsim.Kernel, cur *task.Task, all []*task.Task, op byte, b int) (string, error) {
	sig := uapi.CloneFlags(uapi.SIGCHLD)
	nsNames := [...]string{"uts", "user", "ipc", "mnt", "net", "pid", "pid_for_children", "cgroup"}
	pickFd := func() int {
		if fds := cur.Fds(); len(fds) > 0 && b < 0xf0 {
			return fds[b%len(fds)]
		}
		return b % 8 // possibly not open: EBADF
	}
	switch op % 17 {
	case 0:
		flags := [...]uapi.CloneFlags{
			sig,
			uapi.CLONE_NEWUTS | sig,
			uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS | sig,
			uapi.CLONE_NEWUSER | sig,
			uapi.CLONE_NEWUSER | uapi.CLONE_FS,
			uapi.CLONE_NEWUTS | uapi.CLONE_NEWNET | sig,
			uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM,
			uapi.CLONE_VM | uapi.CLONE_SIGHAND | sig,
			uapi.CLONE_FILES | sig,
			uapi.CLONE_FS | sig,
			uapi.CLONE_PARENT | sig,
			uapi.CLONE_NEWIPC | uapi.CLONE_SYSVSEM | sig,
		}[b%12]
		if len(all) >= fuzzTasksMax {
			return "clone skipped", nil
		}
		_, err := cur.Clone(task.CloneArgs{Flags: flags})
		return fmt.Sprintf("clone(%v) by %d", flags, cur.PID()), err
	case 1:
		flags := [...]uapi.CloneFlags{
			uapi.CLONE_NEWUTS, uapi.CLONE_NEWUSER, uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS, 0,
			uapi.CLONE_FS, uapi.CLONE_FILES, uapi.CLONE_VM, uapi.CLONE_SIGHAND, uapi.CLONE_THREAD,
			uapi.CLONE_NEWNET, uapi.CLONE_NEWUTS | uapi.CLONE_NEWIPC, 0xffffffff,
		}[b%12]
		return fmt.Sprintf("unshare(%v) by %d", flags, cur.PID()), cur.Unshare(flags)
	case 2:
		target := all[b%len(all)]
		path := "/proc/" + strconv.Itoa(int(target.PID())) + "/ns/" + nsNames[(b/len(all))%len(nsNames)]
		if b >= 0xf8 {
			path = "/proc/self/ns/" + nsNames[b%len(nsNames)]
		}
		_, err := cur.Open(path)
		return fmt.Sprintf("open(%s) by %d", path, cur.PID()), err
	case 3:
		fd := pickFd()
		nstype := [...]uapi.CloneFlags{0, uapi.CLONE_NEWUTS, uapi.CLONE_NEWUSER, uapi.CLONE_NEWIPC}[b>>6]
		return fmt.Sprintf("setns(%d, %v) by %d", fd, nstype, cur.PID()), cur.Setns(fd, nstype)
	case 4:
		fd := pickFd()
		return fmt.Sprintf("close(%d) by %d", fd, cur.PID()), cur.Close(fd)
	case 5:
		name := make([]byte, b%70)
		for i := range name {
			name[i] = 'a' + byte(i%26)
		}
		if b&1 == 1 {
			return fmt.Sprintf("setdomainname(%d bytes) by %d", len(name), cur.PID()), cur.Setdomainname(string(name))
		}
		return fmt.Sprintf("sethostname(%d bytes) by %d", len(name), cur.PID()), cur.Sethostname(string(name))
	case 6:
		return fmt.Sprintf("exit(%d) by %d", b, cur.PID()), cur.Exit(b)
	case 7:
		pid := int32(-1)
		if b&1 == 1 {
			pid = all[(b/2)%len(all)].PID()
		}
		_, _, err := cur.Wait(pid, task.WNOHANG)
		return fmt.Sprintf("wait4(%d, WNOHANG) by %d", pid, cur.PID()), err
	case 8:
		id := int64([...]int{0, 1000, 1001, -1}[b%4])
		if b&4 == 0 {
			return fmt.Sprintf("setresgid(%d) by %d", id, cur.PID()), cur.Setresgid(id, id, id)
		}
		return fmt.Sprintf("setresuid(%d) by %d", id, cur.PID()), cur.Setresuid(id, id, id)
	case 10:
		pid := all[b%len(all)].PidIn(cur.ActivePidNS()) // 0 (own group) when invisible
		if b&0x80 != 0 {
			pid = -1
		}
		sigs := [...]uapi.Signal{0, uapi.SIGTERM, uapi.SIGKILL, uapi.SIGCHLD, 65}
		s := sigs[(b>>4)%len(sigs)]
		return fmt.Sprintf("kill(%d, %d) by %d", pid, s, cur.PID()), cur.Kill(pid, s)
	case 11:
		if b&1 == 1 {
			return fmt.Sprintf("unshare(CLONE_NEWPID) by %d", cur.PID()), cur.Unshare(uapi.CLONE_NEWPID)
		}
		if len(all) >= fuzzTasksMax {
			return "clone skipped", nil
		}
		flags := [...]uapi.CloneFlags{
			uapi.CLONE_NEWPID | sig,
			uapi.CLONE_NEWUSER | uapi.CLONE_NEWPID | sig,
			uapi.CLONE_NEWPID | uapi.CLONE_THREAD | uapi.CLONE_SIGHAND | uapi.CLONE_VM,
			uapi.CLONE_NEWPID | uapi.CLONE_NEWUTS | sig,
		}[(b>>1)%4]
		_, err := cur.Clone(task.CloneArgs{Flags: flags})
		return fmt.Sprintf("clone(%v) by %d", flags, cur.PID()), err
	case 12:
		switch b % 3 {
		case 0:
			_, err := cur.Setsid()
			return fmt.Sprintf("setsid() by %d", cur.PID()), err
		case 1:
			return fmt.Sprintf("execve by %d", cur.PID()), cur.Execve("sh")
		}
		target := all[(b/3)%len(all)]
		path := "/proc/" + strconv.Itoa(int(target.PidIn(cur.ActivePidNS()))) + "/uid_map"
		_, err := cur.WriteFile(path, "0 1000 1\n")
		return fmt.Sprintf("write(%s) by %d", path, cur.PID()), err
	case 13: // mount namespaces
		dirs := [...]string{"/tmp", "/mnt", "/tmp/x"}
		dir := dirs[b%3]
		switch (b / 3) % 6 {
		case 0:
			return fmt.Sprintf("mount(tmpfs, %s) by %d", dir, cur.PID()), cur.Mount("none", dir, "tmpfs", 0, "")
		case 1:
			return fmt.Sprintf("umount(%s) by %d", dir, cur.PID()), cur.Umount2(dir, (b/18)%3)
		case 2:
			return fmt.Sprintf("mount(MS_SHARED, %s) by %d", dir, cur.PID()), cur.Mount("", dir, "", mntns.MS_SHARED, "")
		case 3:
			return fmt.Sprintf("mount(MS_SLAVE, %s) by %d", dir, cur.PID()), cur.Mount("", dir, "", mntns.MS_SLAVE, "")
		case 4:
			return fmt.Sprintf("mount(MS_BIND, /tmp, %s) by %d", dir, cur.PID()), cur.Mount("/tmp", dir, "", mntns.MS_BIND|mntns.MS_REC, "")
		}
		return fmt.Sprintf("mkdir(/tmp/x) by %d", cur.PID()), cur.Mkdir("/tmp/x", 0o755)
	case 14: // System V IPC
		switch b % 4 {
		case 0:
			_, err := cur.Shmget(int32(b%3), 4096, ipcns.IPC_CREAT|0o600)
			return fmt.Sprintf("shmget(%d) by %d", b%3, cur.PID()), err
		case 1:
			_, err := cur.Msgget(ipcns.IPC_PRIVATE, 0o600)
			return fmt.Sprintf("msgget(IPC_PRIVATE) by %d", cur.PID()), err
		case 2:
			return fmt.Sprintf("shmctl(%d, IPC_RMID) by %d", b/4, cur.PID()), cur.Shmctl(b/4, ipcns.IPC_RMID)
		}
		return fmt.Sprintf("msgctl(%d, IPC_RMID) by %d", b/4, cur.PID()), cur.Msgctl(b/4, ipcns.IPC_RMID)
	case 15: // network devices
		name := "v" + strconv.Itoa(b%3)
		switch (b / 3) % 5 {
		case 0:
			return fmt.Sprintf("link add %s veth by %d", name, cur.PID()), cur.LinkAdd("veth", name, "p"+name, task.NoNetNS)
		case 1:
			return fmt.Sprintf("link del %s by %d", name, cur.PID()), cur.LinkDel(name)
		case 2:
			return fmt.Sprintf("link set %s up by %d", name, cur.PID()), cur.LinkSetUp(name)
		case 3:
			target := all[(b/15)%len(all)]
			return fmt.Sprintf("link set eth0 netns %d by %d", target.PID(), cur.PID()), cur.LinkSetNetNSPid("eth0", target.PidIn(cur.ActivePidNS()))
		}
		return fmt.Sprintf("link set p%s netns pid 1 by %d", name, cur.PID()), cur.LinkSetNetNSPid("p"+name, 1)
	case 16: // the other namespace types through clone, unshare and setns
		flags := [...]uapi.CloneFlags{uapi.CLONE_NEWNS, uapi.CLONE_NEWIPC, uapi.CLONE_NEWNET, uapi.CLONE_NEWCGROUP,
			uapi.CLONE_NEWNS | uapi.CLONE_NEWNET | uapi.CLONE_NEWCGROUP}[b%5]
		switch (b / 5) % 3 {
		case 0:
			if len(all) >= fuzzTasksMax {
				return "clone skipped", nil
			}
			_, err := cur.Clone(task.CloneArgs{Flags: flags | sig})
			return fmt.Sprintf("clone(%v) by %d", flags, cur.PID()), err
		case 1:
			return fmt.Sprintf("unshare(%v) by %d", flags, cur.PID()), cur.Unshare(flags)
		}
		fd := pickFd()
		nstype := [...]uapi.CloneFlags{uapi.CLONE_NEWNS, uapi.CLONE_NEWNET, uapi.CLONE_NEWCGROUP, uapi.CLONE_NEWPID}[(b/15)%4]
		return fmt.Sprintf("setns(%d, %v) by %d", fd, nstype, cur.PID()), cur.Setns(fd, nstype)
	default:
		target := all[b%len(all)]
		path := "/proc/" + strconv.Itoa(int(target.PID())) + "/ns/" + nsNames[(b/3)%len(nsNames)]
		_, err := cur.Readlink(path)
		if err == nil {
			_, err = cur.Uname()
		}
		return fmt.Sprintf("readlink(%s) by %d", path, cur.PID()), err
	}
}

func withoutLastPid(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.Contains(l, "last_pid=") {
			out = append(out, l)
		}
	}
	return out
}
