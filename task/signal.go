package task

import (
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Signals: kill(2) with the kernel's target resolution, permission check and
// the rules for pid-namespace inits (kernel/signal.c). The simulator has no
// signal handlers yet: every signal has its default disposition, which for the
// signals modelled here is to terminate (SIGHUP, SIGINT, SIGQUIT, SIGKILL,
// SIGUSR1, SIGUSR2, SIGTERM and the like) or to be ignored (SIGCHLD, SIGCONT,
// SIGURG, SIGWINCH). Stop signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) are
// accepted and have no effect: there is no stopped state yet.

// sigDefaultIgnored reports the signals whose default action is to ignore them
// (sig_kernel_ignore), and the stop signals, which have no effect here.
func sigNoEffect(sig uapi.Signal) bool {
	switch sig {
	case 17, 18, 23, 28: // SIGCHLD, SIGCONT, SIGURG, SIGWINCH
		return true
	case 19, 20, 21, 22: // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
		return true
	}
	return false
}

// Kill mirrors kill(2) (kernel/signal.c: kill_something_info):
//   - pid > 0: the process numbered pid in the caller's active pid namespace;
//   - pid == 0: the caller's process group; pid < -1: process group -pid;
//   - pid == -1: every process the caller's namespace numbers above 1, except
//     the caller's own thread group (ESRCH when there is none).
//
// sig 0 only checks existence and permission. A signal outside 0..64 is EINVAL,
// a target not visible in the caller's namespace ESRCH, and a sender that is
// neither root over the target's user namespace (CAP_KILL) nor the same user
// EPERM (kill_ok_by_cred). A pid-namespace init ignores signals whose default
// action would kill it unless SIGKILL comes from an ancestor namespace; the
// global init never dies of a signal (sig_task_ignored with SIGNAL_UNKILLABLE).
func (t *Task) Kill(pid int32, sig uapi.Signal) error {
	if err := t.enter("kill"); err != nil {
		return err
	}
	t.ctx.Enter("__x64_sys_kill")
	err := t.doKill(pid, sig)
	t.ctx.Exit("__x64_sys_kill")
	t.leave()
	return err
}

func (t *Task) doKill(pid int32, sig uapi.Signal) error {
	if sig < 0 || sig > uapi.NSIG {
		return uapi.Err("kill", uapi.EINVAL, "invalid signal", "valid_signal")
	}
	active := t.ActivePidNS()
	var targets []*Task
	switch {
	case pid > 0:
		p, err := t.findTaskVnr("kill", pid)
		if err != nil {
			return err
		}
		targets = append(targets, p.groupLeader)
	case pid == -1:
		for _, p := range t.k.TasksLocked() {
			if p.groupLeader == p && State(p.state.Load()) == Running && p.tgid != t.tgid && p.thread.Nr(active) > 1 {
				targets = append(targets, p)
			}
		}
	default:
		t.k.tasklist.Lock(&t.k.Env)
		grp := t.signal.pgrp
		t.k.tasklist.Unlock(&t.k.Env)
		if pid < -1 {
			grp = nil
			if p, _ := active.FindTask(int(-pid)).(*Task); p != nil {
				grp = p.thread
			}
		}
		for _, p := range t.k.TasksLocked() {
			if grp != nil && p.groupLeader == p && State(p.state.Load()) == Running && p.signal.pgrp == grp && p.thread.Nr(active) != 0 {
				targets = append(targets, p)
			}
		}
	}
	if len(targets) == 0 {
		return uapi.Err("kill", uapi.ESRCH, "no process to signal", "kill_something_info")
	}
	var firstErr error
	delivered := 0
	for _, p := range targets {
		if !t.killOKByCred(p) {
			if firstErr == nil {
				firstErr = uapi.Err("kill", uapi.EPERM, "not the target's user and no CAP_KILL over its user namespace", "kill_ok_by_cred")
			}
			continue
		}
		delivered++
		if sig == 0 || State(p.state.Load()) != Running {
			continue
		}
		t.sendSignal(p, sig)
	}
	if delivered == 0 {
		return firstErr
	}
	return nil
}

// killOKByCred mirrors check_kill_permission's credential test
// (kill_ok_by_cred): the sender's euid or uid equals the target's uid or suid,
// or the sender has CAP_KILL over the target's user namespace. Signalling
// one's own thread group is always allowed.
func (t *Task) killOKByCred(p *Task) bool {
	if p.tgid == t.tgid {
		return true
	}
	c, tc := t.Cred(), p.Cred()
	if c.EUID == tc.SUID || c.EUID == tc.UID || c.UID == tc.SUID || c.UID == tc.UID {
		return true
	}
	return userns.NSCapable(c, tc.UserNS(), uapi.CAP_KILL)
}

// sendSignal delivers sig to p's thread group with its default action.
func (t *Task) sendSignal(p *Task, sig uapi.Signal) {
	if sigNoEffect(sig) {
		return
	}
	if p.signal.flags.Load()&SIGNAL_UNKILLABLE != 0 {
		// sig_task_ignored: an init ignores default-action signals, except
		// SIGKILL (and SIGSTOP) sent from an ancestor pid namespace; the
		// global init never takes SIGKILL.
		if p == t.k.init || sig != uapi.SIGKILL || p.ActivePidNS() == t.ActivePidNS() {
			return
		}
	}
	// The whole thread group dies (complete_signal → zap_other_threads).
	for _, th := range t.k.TasksLocked() {
		if th.tgid == p.tgid && th != t && State(th.state.Load()) == Running {
			th.kill(sig)
		}
	}
	if p.tgid == t.tgid {
		t.doExit(int(sig)) // the caller killed its own group: it dies last
	}
}
