package ipcns

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// ctlOp returns the syscall name of kind's ctl call.
func (k Kind) ctlOp() string { return k.String() + "ctl" }

// Rmid mirrors IPC_RMID through ksys_shmctl, ksys_msgctl and ksys_semctl
// (shmctl_down, msgctl_down, semctl_down): a negative id is EINVAL; then
// ipcctl_obtain_check under the registry's rwsem (EINVAL for an id whose
// index is empty or whose sequence number is stale, EPERM unless the caller's
// euid is the owner's or the creator's or it has CAP_SYS_ADMIN in the
// namespace's owner); then do_shm_rmid (a segment with attachments is only
// marked SHM_DEST and made private — attachments are not modelled, so every
// segment is destroyed), freeque or freeary.
func Rmid(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, kind Kind, id int) error {
	op := kind.ctlOp()
	ctx.Enter("ksys_" + op)
	defer ctx.Exit("ksys_" + op)
	if kind < 0 || kind >= nKinds {
		return uapi.Err("ipc", uapi.EINVAL, "unknown ipc kind "+strconv.Itoa(int(kind)), "ipc_ops")
	}
	if id < 0 {
		return uapi.Err(op, uapi.EINVAL, "negative id", "ksys_"+op)
	}
	ids := &n.ids[kind]
	ids.rwsem.Lock()
	defer ids.rwsem.Unlock()
	o, err := ipcctlObtainCheck(n, ids, id, cred, op)
	if err != nil {
		return err
	}
	switch kind {
	case SHM:
		n.doShmRmid(ctx, o)
	case MSG:
		n.freeque(ctx, o)
	case SEM:
		n.freeary(ctx, o)
	}
	return nil
}

// Stat is what IPC_STAT would report of one object (kernel ids, not
// translated), plus the kernel-internal sequence number.
type Stat struct {
	Kind                 Kind
	Key                  int32
	ID                   int
	Seq                  int
	Mode                 uint16 // S_IRWXUGO bits, SHM_DEST, SHM_LOCKED
	UID, GID, CUID, CGID uint32 // kernel ids
	Size                 uint64 // shm: shm_segsz
	Nattch               uint64 // shm: shm_nattch (always 0: attachments are not modelled)
	Cbytes, Qnum, Qbytes uint64 // msg: q_cbytes, q_qnum, q_qbytes
	Nsems                int    // sem: sem_nsems
	RefCount             int64  // kern_ipc_perm.refcount
}

func (o *object) stat() Stat {
	return Stat{
		Kind: o.kind, Key: o.key, ID: o.id, Seq: o.seq, Mode: o.mode,
		UID: o.uid, GID: o.gid, CUID: o.cuid, CGID: o.cgid,
		Size: o.shmSegsz, Nattch: o.shmNattch,
		Cbytes: o.qCbytes, Qnum: o.qQnum, Qbytes: o.qQbytes,
		Nsems: int(o.semNsems), RefCount: o.RefCount(),
	}
}

// Stat looks id up as ipc_obtain_object_check does (EINVAL for a negative
// id, an empty index or a stale sequence number) and returns the object's
// state. Unlike IPC_STAT it checks no permission.
func (n *Namespace) Stat(kind Kind, id int) (Stat, error) {
	if kind < 0 || kind >= nKinds || id < 0 {
		return Stat{}, uapi.Err(kind.ctlOp(), uapi.EINVAL, "bad kind or negative id", "ipc_obtain_object_check")
	}
	ids := &n.ids[kind]
	ids.rwsem.Lock()
	defer ids.rwsem.Unlock()
	o := ids.obtainObjectCheck(id)
	if o == nil {
		return Stat{}, uapi.Err(kind.ctlOp(), uapi.EINVAL, "no object with id "+strconv.Itoa(id), "ipc_obtain_object_check")
	}
	return o.stat(), nil
}

// List returns every object of kind in index order, the order
// /proc/sysvipc lists them in.
func (n *Namespace) List(kind Kind) []Stat {
	ids := &n.ids[kind]
	ids.rwsem.Lock()
	defer ids.rwsem.Unlock()
	out := make([]Stat, 0, ids.inUse)
	for _, o := range ids.entries {
		if o != nil {
			out = append(out, o.stat())
		}
	}
	return out
}

// InUse returns ids->in_use for kind.
func (n *Namespace) InUse(kind Kind) int {
	ids := &n.ids[kind]
	ids.rwsem.Lock()
	defer ids.rwsem.Unlock()
	return ids.inUse
}

// Usage returns the totals the limits bound: used_sems (semaphores in all
// sets) and shm_tot (pages in all segments).
func (n *Namespace) Usage() (usedSems int, shmTot uint64) {
	n.ids[SEM].rwsem.Lock()
	usedSems = int(n.usedSems)
	n.ids[SEM].rwsem.Unlock()
	n.ids[SHM].rwsem.Lock()
	shmTot = n.shmTot
	n.ids[SHM].rwsem.Unlock()
	return usedSems, shmTot
}

// Limits is a snapshot of a namespace's System V limits.
type Limits struct {
	SemMSL, SemMNS, SemOPM, SemMNI int32
	MsgMax, MsgMNB, MsgMNI         int32
	ShmMax, ShmAll                 uint64
	ShmMNI, ShmRmidForced          int32
}

// Limits reads the namespace's limits (the /proc/sys/kernel values).
func (n *Namespace) Limits() Limits {
	return Limits{
		SemMSL: n.semCtls[semMSL].Load(), SemMNS: n.semCtls[semMNS].Load(),
		SemOPM: n.semCtls[semOPM].Load(), SemMNI: n.semCtls[semMNI].Load(),
		MsgMax: n.msgCtlmax.Load(), MsgMNB: n.msgCtlmnb.Load(), MsgMNI: n.msgCtlmni.Load(),
		ShmMax: n.shmCtlmax.Load(), ShmAll: n.shmCtlall.Load(),
		ShmMNI: n.shmCtlmni.Load(), ShmRmidForced: n.shmRmidForced.Load(),
	}
}
