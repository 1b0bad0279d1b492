package kernsim_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Pid namespaces seen from the whole kernel: the listing (Namespaces, Lsns),
// the counts Check recomputes, the leak registry, and a -race test of forks
// racing a dying init. The per-task behaviour is in task/pidns_test.go, the
// real kernel's answers in the pidns_* scripts of diff_test.go.

const pidnsSIGCHLD = uapi.CloneFlags(uapi.SIGCHLD)

func pidnsBoot(t *testing.T, fl kernsim.Flavour) *kernsim.Kernel {
	t.Helper()
	k, err := kernsim.Boot(kernsim.Config{Flavour: fl})
	require.NoError(t, err)
	return k
}

func pidnsClone(t *testing.T, k *kernsim.Kernel, parent *task.Task, flags uapi.CloneFlags, comm string) *task.Task {
	t.Helper()
	c, err := parent.Clone(task.CloneArgs{Flags: flags | pidnsSIGCHLD, Comm: comm})
	require.NoError(t, err)
	require.NoError(t, k.Check())
	return c
}

func pidnsPowerOff(t *testing.T, k *kernsim.Kernel) {
	t.Helper()
	require.NoError(t, k.Check())
	k.PowerOff()
	require.NoError(t, k.Leaks())
	require.Empty(t, k.Warnings())
}

func pidnsInfo(t *testing.T, k *kernsim.Kernel, inum uint32) kernsim.NSInfo {
	t.Helper()
	for _, n := range k.Namespaces() {
		if n.Inum == inum {
			return n
		}
	}
	t.Fatalf("namespace %d not listed", inum)
	return kernsim.NSInfo{}
}

// TestPidNSListing: every live pid namespace is listed with its parent, its
// owner, its count (pids allocated for it + nsproxies whose
// pid_ns_for_children it is + child namespaces + one nsfs inode, §15) and the
// processes in it (those whose /proc/<pid>/ns/pid is it: the active
// namespace, zombies included); one kept only by a file or an unshare has no
// process; a freed one is gone and its inode number back (§14.4).
func TestPidNSListing(t *testing.T) {
	t.Parallel()
	for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			k := pidnsBoot(t, fl)
			init := k.Init()
			inums := k.Env.Inums.InUse()
			c := pidnsClone(t, k, init, uapi.CLONE_NEWUSER|uapi.CLONE_NEWPID, "C")
			d := pidnsClone(t, k, c, 0, "D")
			e := pidnsClone(t, k, d, uapi.CLONE_NEWPID, "E")
			u := pidnsClone(t, k, init, 0, "U")
			require.NoError(t, u.Unshare(uapi.CLONE_NEWPID))
			nc, ne, nu := c.ActivePidNS(), e.ActivePidNS(), u.NSProxy().PIDForChildren()
			initial := 7
			if fl == kernsim.Mainline {
				initial = 8 // init_time_ns
			}
			require.Equal(t, initial+4, len(k.Namespaces()), "the initial ones, C's user namespace and three pid namespaces")

			rows := []struct {
				name string
				n    *pidns.Namespace
				want kernsim.NSInfo
			}{
				// C's: pids of C and D, C's nsproxy (D shares it), E's namespace.
				{"C's", nc, kernsim.NSInfo{Type: ns.PID, Inum: nc.Inum(), Count: 2 + 1 + 1,
					Owner: c.UserNS().Inum(), Parent: k.PidNS.Init.Inum(), NProcs: 2, PID: c.PID()}},
				// E's: E's pid, E's nsproxy.
				{"E's", ne, kernsim.NSInfo{Type: ns.PID, Inum: ne.Inum(), Count: 2,
					Owner: c.UserNS().Inum(), Parent: nc.Inum(), NProcs: 1, PID: e.PID()}},
				// U's for_children: its nsproxy only; no process yet.
				{"U's unshared", nu, kernsim.NSInfo{Type: ns.PID, Inum: nu.Inum(), Count: 1,
					Owner: k.UserNS.Init.Inum(), Parent: k.PidNS.Init.Inum()}},
			}
			for _, r := range rows {
				require.Equal(t, r.want, pidnsInfo(t, k, r.n.Inum()), r.name)
			}
			initInfo := pidnsInfo(t, k, k.PidNS.Init.Inum())
			require.Equal(t, 2, initInfo.NProcs, "init and U: the others' active namespaces are below")
			require.Equal(t, int32(1), initInfo.PID)
			require.Contains(t, k.Lsns(), fmt.Sprintf("%10d %-6s %6d %5d %5d %10d %10d\n",
				ne.Inum(), "pid", 1, e.PID(), 2, c.UserNS().Inum(), nc.Inum()))
			require.Contains(t, k.Lsns(), fmt.Sprintf("%10d %-6s %6d %5s %5d %10d %10d\n",
				nu.Inum(), "pid", 0, "-", 1, k.UserNS.Init.Inum(), k.PidNS.Init.Inum()))

			// An fd keeps E's namespace after E is gone; then it has no process.
			fd, err := init.Open(fmt.Sprintf("/proc/%d/ns/pid", e.PID()))
			require.NoError(t, err)
			require.NoError(t, e.Exit(0))
			got := pidnsInfo(t, k, ne.Inum())
			require.Equal(t, [3]int64{1, 1 + 1, 1}, [3]int64{int64(got.NProcs), got.Count, int64(got.Files)},
				"a zombie still has its pid there: pid + file (+ no nsproxy)")
			_, _, err = d.Wait(e.PidIn(d.ActivePidNS()), task.WNOHANG)
			require.NoError(t, err)
			got = pidnsInfo(t, k, ne.Inum())
			require.Equal(t, [3]int64{0, 1, 1}, [3]int64{int64(got.NProcs), got.Count, int64(got.Files)})
			require.NoError(t, init.Close(fd))
			for _, n := range k.Namespaces() {
				require.NotEqual(t, ne.Inum(), n.Inum, "freed with the last reference")
			}
			require.NoError(t, k.Check())
			pidnsPowerOff(t, k)
			require.Equal(t, inums, k.Env.Inums.InUse())
		})
	}
}

// TestPidNSZapRace is a -race test: workers inside a pid namespace fork,
// exit and reap in a loop, and outsiders fork into it through setns, while
// its init dies. Whatever call each one was in, every task of the namespace
// ends up dead (a fatal signal is acted on when the call returns, §9.2), every
// fork after the zap fails with ENOMEM, and the counts stay consistent.
func TestPidNSZapRace(t *testing.T) {
	t.Parallel()
	const (
		workers   = 6
		sleepersN = 4
		outsiders = 3
		rounds    = 200
	)
	for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		t.Run(fl.String(), func(t *testing.T) {
			t.Parallel()
			k := pidnsBoot(t, fl)
			init := k.Init()
			p := pidnsClone(t, k, init, uapi.CLONE_NEWPID, "P")
			n := p.ActivePidNS()
			var ws, outs []*task.Task
			for range workers {
				ws = append(ws, pidnsClone(t, k, p, 0, "W"))
			}
			// Sleepers block in wait4 for a child that never exits.
			var sleepers []*task.Task
			var sleeperKids []int32
			for range sleepersN {
				s := pidnsClone(t, k, p, 0, "S")
				c := pidnsClone(t, k, s, 0, "SC")
				sleepers = append(sleepers, s)
				sleeperKids = append(sleeperKids, c.PidIn(s.ActivePidNS()))
			}
			for range outsiders {
				o := pidnsClone(t, k, init, 0, "O")
				fd, err := o.Open(fmt.Sprintf("/proc/%d/ns/pid", p.PID()))
				require.NoError(t, err)
				require.NoError(t, o.Setns(fd, uapi.CLONE_NEWPID))
				require.NoError(t, o.Close(fd))
				outs = append(outs, o)
			}
			// loop forks, exits and reaps as tk until tk is killed (its calls
			// fail with ESRCH or its wait with EINTR) or the rounds run out;
			// after the zap every fork must fail with ENOMEM.
			loop := func(tk *task.Task, forks *int) error {
				for range rounds {
					k.Lock() // the pid table is read under the big kernel lock
					zapped := n.PidAllocated()&pidns.PIDNS_ADDING == 0
					k.Unlock()
					c, err := tk.Fork()
					switch {
					case errors.Is(err, uapi.ESRCH):
						return nil
					case errors.Is(err, uapi.ENOMEM):
						continue
					case err != nil:
						return err
					case zapped:
						return fmt.Errorf("fork into a zapped namespace succeeded: pid %d", c.PID())
					}
					*forks++
					if err := c.Exit(0); err != nil && !errors.Is(err, uapi.ESRCH) {
						return err
					}
					if _, _, err := tk.Wait(c.PidIn(tk.ActivePidNS()), 0); err != nil {
						if errors.Is(err, uapi.ESRCH) || errors.Is(err, uapi.EINTR) {
							return nil
						}
						return err
					}
				}
				return nil
			}
			var wg sync.WaitGroup
			errs := make([]error, workers+outsiders)
			forks := make([]int, workers+outsiders)
			start := make(chan struct{})
			for i, tk := range append(append([]*task.Task(nil), ws...), outs...) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = loop(tk, &forks[i])
				}()
			}
			sleepErrs := make([]error, sleepersN)
			for i, s := range sleepers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, sleepErrs[i] = s.Wait(sleeperKids[i], 0)
				}()
			}
			// Give the sleepers time to block (the test holds whether they
			// did or not; it only has more teeth when they did).
			time.Sleep(2 * time.Millisecond)
			close(start)
			require.NoError(t, p.Exit(0)) // the zap races the workers
			// The init's exit returns only once every victim has exited, even
			// one that was inside a call (it dies when the call returns).
			for _, w := range append(append([]*task.Task(nil), ws...), sleepers...) {
				assert.NotEqual(t, task.Running, w.State(), "worker %d outlived the zap", w.PID())
			}
			wg.Wait()
			for _, err := range sleepErrs {
				// Killed in wait4 (EINTR), or before it started (ESRCH), or
				// woken by its killed child, reaped before it died itself.
				require.True(t, err == nil || errors.Is(err, uapi.EINTR) || errors.Is(err, uapi.ESRCH), "%v", err)
			}
			for i, err := range errs {
				require.NoError(t, err, "task %d", i)
			}
			for _, w := range ws {
				assert.NotEqual(t, task.Running, w.State(), "worker %d survived its namespace's init", w.PID())
			}
			for _, o := range outs {
				require.Equal(t, task.Running, o.State(), "outsiders are not killed")
				_, err := o.Fork()
				require.ErrorIs(t, err, uapi.ENOMEM)
			}
			require.Zero(t, n.PidAllocated()&pidns.PIDNS_ADDING)
			_, status, err := init.Wait(p.PID(), 0)
			require.NoError(t, err)
			require.Zero(t, status)
			// Every outsider's children in the namespace were killed or reaped.
			for _, o := range outs {
				for _, c := range o.Children() {
					require.NotEqual(t, task.Running, c.State())
				}
			}
			require.NoError(t, k.Check())
			require.Equal(t, int64(outsiders), n.Count(), "only the outsiders' nsproxies hold the dead namespace:\n%s", k.Snapshot())
			t.Logf("forks before the zap: %v", forks)
			pidnsPowerOff(t, k)
			require.Zero(t, k.UserNS.Charged(k.UserNS.Init, 0, userns.UCOUNT_PID_NAMESPACES))
		})
	}
}
