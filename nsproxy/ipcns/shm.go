package ipcns

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// shmInitNS mirrors shm_init_ns (ipc/shm.c): the default limits, no pages
// in use, an empty registry.
func (n *Namespace) shmInitNS() {
	n.shmCtlmax.Store(SHMMAX)
	n.shmCtlall.Store(SHMALL)
	n.shmCtlmni.Store(SHMMNI)
	n.shmRmidForced.Store(0)
	n.shmTot = 0
	n.ids[SHM].init()
}

// shmExitNS mirrors shm_exit_ns: do_shm_rmid on every segment.
func (n *Namespace) shmExitNS(ctx *ns.Ctx) {
	ctx.Enter("shm_exit_ns")
	defer ctx.Exit("shm_exit_ns")
	n.freeIPCs(ctx, SHM, n.doShmRmid)
}

// doShmRmid mirrors do_shm_rmid: a segment still attached is only marked
// SHM_DEST and made private (its key can no longer be found); otherwise it
// is destroyed. Called with the shm rwsem held.
func (n *Namespace) doShmRmid(ctx *ns.Ctx, o *object) {
	if o.shmNattch != 0 {
		o.mode |= SHM_DEST
		n.ids[SHM].ipcSetKeyPrivate(o)
		return
	}
	n.shmDestroy(ctx, o)
}

// shmDestroy mirrors shm_destroy: give back its pages to shm_tot, remove it
// from the registry (shm_rmid) and drop the registry's reference.
func (n *Namespace) shmDestroy(ctx *ns.Ctx, o *object) {
	ctx.Mark("shm_destroy")
	n.shmTot -= (o.shmSegsz + PAGE_SIZE - 1) >> PAGE_SHIFT
	n.ids[SHM].ipcRmid(o)
	ipcRcuPutref(ctx, o)
}

// shmDestroyOrphaned mirrors shm_destroy_orphaned, run when
// shm_rmid_forced is set: it destroys segments whose creator has exited and
// that shm_may_destroy allows. Creators are not recorded here (exit_shm is
// not modelled), so no segment is ever orphaned and nothing is destroyed;
// the walk is kept so the lock order matches the kernel's.
func (n *Namespace) shmDestroyOrphaned(ctx *ns.Ctx) {
	ctx.Mark("shm_destroy_orphaned")
	ids := &n.ids[SHM]
	ids.rwsem.Lock()
	ids.rwsem.Unlock()
}

// newseg mirrors newseg (ipc/shm.c): size below SHMMIN or above shmmax
// (EINVAL), a size whose page count overflows (ENOSPC), shm_tot going past
// shmall (ENOSPC), then ipc_addid against shmmni (ENOSPC). The new segment
// has no attachments, times 0 and its pages added to shm_tot.
func newseg(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, p *ipcParams) (int, error) {
	ctx.Enter("newseg")
	defer ctx.Exit("newseg")
	size := p.size
	numpages := (size + PAGE_SIZE - 1) >> PAGE_SHIFT
	if size < SHMMIN || size > n.shmCtlmax.Load() {
		return 0, uapi.Err("shmget", uapi.EINVAL, "size "+strconv.FormatUint(size, 10)+" outside [SHMMIN, shmmax]", "newseg")
	}
	if numpages<<PAGE_SHIFT < size {
		return 0, uapi.Err("shmget", uapi.ENOSPC, "size "+strconv.FormatUint(size, 10)+" overflows a page count", "newseg")
	}
	if n.shmTot+numpages < n.shmTot || n.shmTot+numpages > n.shmCtlall.Load() {
		return 0, uapi.Err("shmget", uapi.ENOSPC, "shm_tot would pass shmall", "newseg")
	}
	o := newObject(ctx, n, SHM, p)
	o.shmSegsz = size
	if idx := n.ids[SHM].ipcAddID(o, int(n.shmCtlmni.Load()), cred, n.mainline()); idx < 0 {
		ipcRcuPutref(ctx, o)
		return 0, uapi.Err("shmget", uapi.Errno(-idx), "shmmni segments in use", "ipc_addid")
	}
	n.shmTot += numpages
	return o.id, nil
}

// shmMoreChecks mirrors shm_more_checks: an existing segment smaller than
// the requested size is EINVAL.
func shmMoreChecks(o *object, p *ipcParams) error {
	if o.shmSegsz < p.size {
		return uapi.Err("shmget", uapi.EINVAL, "existing segment has "+strconv.FormatUint(o.shmSegsz, 10)+" bytes, fewer than requested", "shm_more_checks")
	}
	return nil
}

var shmOps = ipcOps{op: "shmget", getnew: newseg, moreChecks: shmMoreChecks}

// Shmget mirrors ksys_shmget (ipc/shm.c) in namespace n, the caller's
// (current->nsproxy->ipc_ns), with the caller's cred: it returns the
// segment's id. See ipcget for the order of the checks.
func Shmget(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, key int32, size uint64, shmflg int) (int, error) {
	ctx.Enter("ksys_shmget")
	defer ctx.Exit("ksys_shmget")
	return ipcget(ctx, n, cred, SHM, &shmOps, &ipcParams{key: key, flg: shmflg, size: size})
}
