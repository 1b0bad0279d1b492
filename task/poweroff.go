package task

import "github.com/kernsim/kernsim/uapi"

// PowerOff stops the simulated machine the way kernel_power_off's user-space
// half does: every task but init is killed (do_exit with SIGKILL's status) and
// reaped, then init itself leaves its namespaces, files and credentials. What
// remains afterwards is only static boot objects, so the leak registry of a
// Kernel whose every reference was dropped correctly is empty. No syscall may
// be in flight; after PowerOff every syscall fails with ESRCH.
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
		if t.State() == Running {
			t.doExit(int(uapi.SIGKILL))
		}
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
