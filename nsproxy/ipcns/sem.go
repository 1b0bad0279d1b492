package ipcns

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// Indexes of sem_ctls (ipc/sem.c: sc_semmsl, sc_semmns, sc_semopm,
// sc_semmni), the order /proc/sys/kernel/sem prints them in.
const (
	semMSL = iota
	semMNS
	semOPM
	semMNI
)

// semInitNS mirrors sem_init_ns (ipc/sem.c): "32000 1024000000 500 32000",
// no semaphores in use, an empty registry.
func (n *Namespace) semInitNS() {
	n.semCtls[semMSL].Store(SEMMSL)
	n.semCtls[semMNS].Store(SEMMNS)
	n.semCtls[semOPM].Store(SEMOPM)
	n.semCtls[semMNI].Store(SEMMNI)
	n.usedSems = 0
	n.ids[SEM].init()
}

// semExitNS mirrors sem_exit_ns: freeary on every set.
func (n *Namespace) semExitNS(ctx *ns.Ctx) {
	ctx.Enter("sem_exit_ns")
	defer ctx.Exit("sem_exit_ns")
	n.freeIPCs(ctx, SEM, n.freeary)
}

// freeary mirrors freeary (ipc/sem.c): undo structures and sleepers are not
// modelled, so it removes the set (sem_rmid), gives its semaphores back to
// used_sems and drops the registry's reference. Called with the sem rwsem
// held.
func (n *Namespace) freeary(ctx *ns.Ctx, o *object) {
	ctx.Mark("freeary")
	n.ids[SEM].ipcRmid(o)
	n.usedSems -= o.semNsems
	ipcRcuPutref(ctx, o)
}

// newary mirrors newary (ipc/sem.c): nsems 0 (EINVAL), used_sems + nsems
// above semmns (ENOSPC), then ipc_addid against semmni (ENOSPC).
func newary(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, p *ipcParams) (int, error) {
	ctx.Enter("newary")
	defer ctx.Exit("newary")
	if p.nsems == 0 {
		return 0, uapi.Err("semget", uapi.EINVAL, "a new set needs nsems > 0", "newary")
	}
	if n.usedSems+p.nsems > n.semCtls[semMNS].Load() { // int arithmetic, wrapping as the kernel's does
		return 0, uapi.Err("semget", uapi.ENOSPC, "used_sems + nsems > semmns", "newary")
	}
	o := newObject(ctx, n, SEM, p)
	o.semNsems = p.nsems
	if idx := n.ids[SEM].ipcAddID(o, int(n.semCtls[semMNI].Load()), cred, n.mainline()); idx < 0 {
		ipcRcuPutref(ctx, o)
		return 0, uapi.Err("semget", uapi.Errno(-idx), "semmni sets in use", "ipc_addid")
	}
	n.usedSems += p.nsems
	return o.id, nil
}

// semMoreChecks mirrors sem_more_checks: asking an existing set for more
// semaphores than it has is EINVAL.
func semMoreChecks(o *object, p *ipcParams) error {
	if p.nsems > o.semNsems {
		return uapi.Err("semget", uapi.EINVAL, "existing set has "+strconv.Itoa(int(o.semNsems))+" semaphores, fewer than requested", "sem_more_checks")
	}
	return nil
}

var semOps = ipcOps{op: "semget", getnew: newary, moreChecks: semMoreChecks}

// Semget mirrors ksys_semget (ipc/sem.c) in namespace n with the caller's
// cred: nsems below 0 or above semmsl is EINVAL before any lookup; then
// ipcget. It returns the set's id.
func Semget(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, key int32, nsems int, semflg int) (int, error) {
	ctx.Enter("ksys_semget")
	defer ctx.Exit("ksys_semget")
	if nsems < 0 || nsems > int(n.semCtls[semMSL].Load()) {
		return 0, uapi.Err("semget", uapi.EINVAL, "nsems "+strconv.Itoa(nsems)+" outside [0, semmsl]", "ksys_semget")
	}
	return ipcget(ctx, n, cred, SEM, &semOps, &ipcParams{key: key, flg: semflg, nsems: int32(nsems)})
}
