package task

import "github.com/kernsim/kernsim/uapi"

// PowerOff stops the simulated machine the way kernel_power_off's user-space
// half does: every task but init is killed (do_exit with SIGKILL's status) and
// reaped, then init itself leaves its namespaces, files and credentials. What
// remains afterwards is only static boot objects, so the leak registry of a
// Kernel whose every reference was dropped correctly is empty. A call asleep
// in wait4 is killed (it returns EINTR) and PowerOff waits for it to return;
// init's own sleeping wait4 returns once its children are gone. After
// PowerOff every syscall fails with ESRCH.
func (k *Kernel) PowerOff() {
	k.Env.BKL.Lock()
	defer k.Env.BKL.Unlock()
	k.tasklist.Lock(&k.Env)
	if k.halted {
		k.tasklist.Unlock(&k.Env)
		return
	}
	k.tasklist.Unlock(&k.Env)
	for _, t := range k.TasksLocked() {
		if t == k.init {
			continue
		}
		for t.inSyscall { // asleep: killed, it exits when it wakes
			t.kill(uapi.SIGKILL)
			k.waitIdle()
		}
		if t.State() == Running {
			t.doExit(int(uapi.SIGKILL))
		}
	}
	for k.init.inSyscall { // init's wait4 returns now that its children died
		k.childExit.Broadcast()
		k.waitIdle()
	}
	// Reap every zombie, as init (or the dead parents' reaper) would.
	for _, t := range k.TasksLocked() {
		if t == k.init {
			continue
		}
		k.tasklist.Lock(&k.Env)
		reap := State(t.state.Load()) == Zombie && t.groupLeader == t
		if reap {
			k.releaseTaskLocked(&k.init.ctx, t)
		}
		k.tasklist.Unlock(&k.Env)
		if reap {
			k.freeTask(&k.init.ctx, t)
		}
	}
	in := k.init
	in.exiting.Store(true)
	in.exitFilesFS()
	in.exitTaskNamespaces()
	k.Cgroup.Exit(&in.ctx, in)
	k.PidNS.Init.SetChildReaper(nil) // the machine is off: nobody reaps any more
	k.tasklist.Lock(&k.Env)
	k.releaseTaskLocked(&in.ctx, in)
	k.tasklist.Unlock(&k.Env)
	k.freeTask(&in.ctx, in)
	k.Mnt.Shutdown(&in.ctx) // umount -a: what the running system mounted
	k.IPC.Shutdown(&in.ctx) // System V objects of the initial IPC namespace
	k.Net.Shutdown(&in.ctx) // virtual network devices of init_net
	k.tasklist.Lock(&k.Env)
	k.halted = true
	k.tasklist.Unlock(&k.Env)
}

// waitIdle sleeps until some task's call leaves (its caller holds the BKL).
func (k *Kernel) waitIdle() {
	k.idleWaiters++
	k.sysIdle.Wait()
	k.idleWaiters--
}
