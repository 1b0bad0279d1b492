package task

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/uapi"
)

func bklBoot(t *testing.T) *Kernel {
	t.Helper()
	k, err := NewKernel(Params{Release: "4.19.13", MaxThreads: 1000, PidMax: 32768})
	require.NoError(t, err)
	t.Cleanup(func() {
		k.PowerOff()
		require.NoError(t, k.Refs().Leaks())
	})
	return k
}

// waitUntil polls cond under the big kernel lock until it holds (failing
// the test after ten seconds).
func waitUntil(t *testing.T, k *Kernel, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		k.Lock()
		ok := cond()
		k.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		runtime.Gosched()
	}
}

// sleepInWait starts p's wait4 for c on another goroutine and returns once
// p sleeps in it; the channel receives the call's error.
func sleepInWait(t *testing.T, p, c *Task) <-chan error {
	t.Helper()
	waited := make(chan error, 1)
	go func() {
		_, _, err := p.Wait(c.PID(), 0)
		waited <- err
	}()
	waitUntil(t, p.k, func() bool { return p.inSyscall })
	return waited
}

// A wait4 that sleeps releases the big kernel lock, so other tasks' calls
// run; a second call into the sleeping task waits until that call returns
// (one thread runs one call at a time), and then runs.
func TestBKLSleepingWait(t *testing.T) {
	t.Parallel()
	k := bklBoot(t)
	p, err := k.Init().Clone(CloneArgs{Flags: uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD)})
	require.NoError(t, err)
	c, err := p.Fork()
	require.NoError(t, err)

	waited := sleepInWait(t, p, c)

	renamed := make(chan error, 1)
	go func() { renamed <- p.Sethostname("second") }()
	waitUntil(t, k, func() bool { return k.idleWaiters == 1 }) // queued behind the sleeping call

	// Other tasks run meanwhile: the BKL is free.
	require.NoError(t, c.Sethostname("child"))
	k.Lock()
	require.Equal(t, "child", p.nsproxy.UTS().Nodename(), "p's second call has not run")
	k.Unlock()
	select {
	case err := <-renamed:
		t.Fatalf("a second call ran inside a sleeping one: %v", err)
	default:
	}

	require.NoError(t, c.Exit(0)) // wakes p's wait4
	require.NoError(t, <-waited)
	require.NoError(t, <-renamed)
	assert.Equal(t, "second", p.Hostname())
	k.Lock()
	assert.False(t, p.inSyscall)
	assert.Zero(t, k.idleWaiters)
	k.Unlock()
}

// A fatal signal for a task asleep in wait4 wakes it: the wait fails with
// EINTR and the task is dead when the call returns; a task outside any
// syscall dies at once.
func TestBKLKillSleepingTask(t *testing.T) {
	t.Parallel()
	k := bklBoot(t)
	p, err := k.Init().Fork()
	require.NoError(t, err)
	c, err := p.Fork()
	require.NoError(t, err)
	waited := sleepInWait(t, p, c)

	k.Lock()
	p.kill(uapi.SIGKILL) // the killer holds the BKL, as a syscall would
	k.Unlock()
	err = <-waited
	require.True(t, errors.Is(err, uapi.EINTR), "%v", err)
	assert.Equal(t, Zombie, p.State())

	k.Lock()
	c.kill(uapi.SIGKILL) // not in a syscall: dies at once
	k.Unlock()
	assert.NotEqual(t, Running, c.State())
}

// PowerOff with calls asleep in wait4: another task's is killed (EINTR) and
// init's returns once its children are gone; nothing leaks.
func TestBKLPowerOffWithSleepers(t *testing.T) {
	t.Parallel()
	k, err := NewKernel(Params{Release: "4.19.13", MaxThreads: 1000, PidMax: 32768})
	require.NoError(t, err)
	init := k.Init()
	p, err := init.Fork()
	require.NoError(t, err)
	c, err := p.Fork()
	require.NoError(t, err)
	pWaited := sleepInWait(t, p, c)
	initWaited := make(chan error, 1)
	go func() {
		_, _, err := init.Wait(-1, 0)
		initWaited <- err
	}()
	waitUntil(t, k, func() bool { return init.inSyscall })
	k.PowerOff()
	assert.ErrorIs(t, <-pWaited, uapi.EINTR)
	<-initWaited // reaped p, or found no child left
	require.NoError(t, k.Refs().Leaks())
	assert.ErrorIs(t, init.Sethostname("x"), uapi.ESRCH)
}
