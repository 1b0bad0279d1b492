package task

import (
	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/uapi"
)

// ipcNS is current->nsproxy->ipc_ns (stable while the task runs a syscall).
func (t *Task) ipcNS() *ipcns.Namespace { return t.NSProxy().IPC() }

// Shmget mirrors shmget(2) (ipc/shm.c ksys_shmget → ipcget) in the caller's
// IPC namespace; errors as package ipcns documents.
func (t *Task) Shmget(key int32, size uint64, shmflg int) (int, error) {
	if err := t.enter("shmget"); err != nil {
		return -1, err
	}
	defer t.leave()
	return ipcns.Shmget(&t.ctx, t.ipcNS(), t.Cred(), key, size, shmflg)
}

// Msgget mirrors msgget(2) (ipc/msg.c ksys_msgget).
func (t *Task) Msgget(key int32, msgflg int) (int, error) {
	if err := t.enter("msgget"); err != nil {
		return -1, err
	}
	defer t.leave()
	return ipcns.Msgget(&t.ctx, t.ipcNS(), t.Cred(), key, msgflg)
}

// Semget mirrors semget(2) (ipc/sem.c ksys_semget).
func (t *Task) Semget(key int32, nsems, semflg int) (int, error) {
	if err := t.enter("semget"); err != nil {
		return -1, err
	}
	defer t.leave()
	return ipcns.Semget(&t.ctx, t.ipcNS(), t.Cred(), key, nsems, semflg)
}

// Shmctl mirrors shmctl(2) for IPC_RMID, the one command simulated;
// another command is EINVAL (the kernel's answer for an unknown one; the
// others are not modelled).
func (t *Task) Shmctl(id, cmd int) error { return t.ipcctl("shmctl", ipcns.SHM, id, cmd) }

// Msgctl mirrors msgctl(2) for IPC_RMID.
func (t *Task) Msgctl(id, cmd int) error { return t.ipcctl("msgctl", ipcns.MSG, id, cmd) }

// Semctl mirrors semctl(2) for IPC_RMID (semnum is ignored, as for IPC_RMID).
func (t *Task) Semctl(id, semnum, cmd int) error { return t.ipcctl("semctl", ipcns.SEM, id, cmd) }

func (t *Task) ipcctl(op string, kind ipcns.Kind, id, cmd int) error {
	if err := t.enter(op); err != nil {
		return err
	}
	defer t.leave()
	if cmd != ipcns.IPC_RMID {
		return uapi.Err(op, uapi.EINVAL, "only IPC_RMID is simulated", op)
	}
	return ipcns.Rmid(&t.ctx, t.ipcNS(), t.Cred(), kind, id)
}
