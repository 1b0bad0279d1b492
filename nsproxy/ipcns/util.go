package ipcns

import (
	"strconv"
	"sync"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/uapi"
)

// object mirrors struct kern_ipc_perm together with the fields of the object
// it heads (shmid_kernel, msg_queue or sem_array) that the simulator keeps.
// Every field is guarded by the registry's rwsem (the kernel's per-object
// spinlock is always taken under it on the paths modelled here).
type object struct {
	deleted              bool
	id                   int
	key                  int32
	uid, gid, cuid, cgid uint32 // kernel ids
	mode                 uint16 // umode_t: S_IRWXUGO bits, SHM_DEST, SHM_LOCKED
	seq                  int
	refcount             refcount.Refcount

	kind Kind
	ns   *Namespace // the namespace whose registry holds it (not counted)

	shmSegsz  uint64 // shmid_kernel.shm_segsz
	shmNattch uint64 // shmid_kernel.shm_nattch: attachments are not modelled
	qCbytes   uint64 // msg_queue.q_cbytes
	qQnum     uint64 // msg_queue.q_qnum
	qQbytes   uint64 // msg_queue.q_qbytes
	semNsems  int32  // sem_array.sem_nsems

	node refcount.Node
}

// RefKind, RefID and RefCount let the leak registry list the object:
// "shmid_kernel", "msg_queue" or "sem_array", identified as
// "<namespace inode>/<id>".
func (o *object) RefKind() string { return o.kind.objKind() }
func (o *object) RefID() string {
	return strconv.FormatUint(uint64(o.ns.Inum()), 10) + "/" + strconv.Itoa(o.id)
}
func (o *object) RefCount() int64 { return int64(o.refcount.Read()) }

// ipcIDs mirrors struct ipc_ids: the objects of one kind in one namespace.
type ipcIDs struct {
	rwsem   sync.Mutex // ids->rwsem (readers are serialised too; nothing observable changes)
	inUse   int
	seq     int       // unsigned short seq
	entries []*object // ipcs_idr: index -> object
	maxIdx  int
	lastIdx int // mainline: the index handed out last (idr_alloc_cyclic)
	idrNext int // mainline: idr->idr_next, where the cyclic search starts
	keyHT   map[int32]*object
}

// ipcInitIDs mirrors ipc_init_ids (ipc/util.c).
func (ids *ipcIDs) init() {
	ids.inUse = 0
	ids.seq = 0
	ids.entries = nil
	ids.keyHT = make(map[int32]*object)
	ids.maxIdx = -1
	ids.lastIdx = -1
	ids.idrNext = 0
}

// find mirrors idr_find: the object at index idx, nil if none.
func (ids *ipcIDs) find(idx int) *object {
	if idx < 0 || idx >= len(ids.entries) {
		return nil
	}
	return ids.entries[idx]
}

// set stores o at idx, growing the table.
func (ids *ipcIDs) set(idx int, o *object) {
	for idx >= len(ids.entries) {
		ids.entries = append(ids.entries, nil)
	}
	ids.entries[idx] = o
}

// idrAllocLowest mirrors idr_alloc(idr, ptr, 0, 0): the lowest free index.
func (ids *ipcIDs) idrAllocLowest() int {
	for i, o := range ids.entries {
		if o == nil {
			return i
		}
	}
	return len(ids.entries)
}

// idrAllocCyclic mirrors idr_alloc_cyclic(idr, ptr, 0, end) (lib/idr.c): the
// lowest free index at or after idr_next below end, else the lowest free
// from 0; idr_next becomes the index + 1. -1 when [0, end) is full.
func (ids *ipcIDs) idrAllocCyclic(end int) int {
	search := func(from int) int {
		for i := from; i < end; i++ {
			if ids.find(i) == nil {
				return i
			}
		}
		return -1
	}
	id := search(ids.idrNext)
	if id < 0 && ids.idrNext > 0 {
		id = search(0)
	}
	if id >= 0 {
		ids.idrNext = id + 1
	}
	return id
}

// ipcIDRAlloc mirrors ipc_idr_alloc (ipc/util.c) without checkpoint/restore's
// next_id. 4.19: seq = ids->seq++ (an unsigned short, so it wraps after
// IPCID_SEQ_MAX), index = the lowest free one, id = seq * IPCMNI + index.
// Mainline (5.1+): the index comes from idr_alloc_cyclic over
// [0, min(max(in_use*3/2, ipc_min_cycle), ipc_mni)), and seq is bumped only
// when that index is not above the last one handed out (wrapping at
// ipcid_seq_max() = INT_MAX >> 15).
func (ids *ipcIDs) ipcIDRAlloc(o *object, mainline bool) int {
	var idx int
	if mainline {
		maxIdx := min(max(ids.inUse*3/2, ipcMinCycle), IPCMNI)
		idx = ids.idrAllocCyclic(maxIdx)
		if idx < 0 {
			return idx
		}
		if idx <= ids.lastIdx {
			ids.seq++
			if ids.seq >= IPCID_SEQ_MAX {
				ids.seq = 0
			}
		}
		ids.lastIdx = idx
		o.seq = ids.seq
	} else {
		o.seq = ids.seq
		ids.seq = (ids.seq + 1) & 0xffff // unsigned short
		idx = ids.idrAllocLowest()
	}
	ids.set(idx, o)
	o.id = o.seq*SEQ_MULTIPLIER + idx
	return idx
}

// ipcAddID mirrors ipc_addid (ipc/util.c): refcount 1, the limit capped at
// IPCMNI (ENOSPC when in_use has reached it), owner and creator from the
// caller's euid and egid, an index and id, the key hashed unless private.
// It returns the index or the negative errno.
func (ids *ipcIDs) ipcAddID(o *object, limit int, cred *userns.Cred, mainline bool) int {
	o.refcount.Set(1)
	if limit > IPCMNI {
		limit = IPCMNI
	}
	if ids.inUse >= limit {
		return -int(uapi.ENOSPC)
	}
	o.cuid, o.uid = cred.EUID, cred.EUID
	o.gid, o.cgid = cred.EGID, cred.EGID
	o.deleted = false
	idx := ids.ipcIDRAlloc(o, mainline)
	if idx < 0 {
		return -int(uapi.ENOSPC)
	}
	if o.key != IPC_PRIVATE {
		ids.keyHT[o.key] = o
	}
	ids.inUse++
	if idx > ids.maxIdx {
		ids.maxIdx = idx
	}
	return idx
}

// ipcRmid mirrors ipc_rmid (ipc/util.c): out of the idr and the key table,
// in_use down, deleted set, max_idx recomputed.
func (ids *ipcIDs) ipcRmid(o *object) {
	idx := ipcidToIdx(o.id)
	ids.entries[idx] = nil
	ids.kHTRemove(o)
	ids.inUse--
	o.deleted = true
	if idx == ids.maxIdx {
		for idx--; idx >= 0 && ids.find(idx) == nil; idx-- {
		}
		ids.maxIdx = idx
	}
}

// kHTRemove mirrors ipc_kht_remove.
func (ids *ipcIDs) kHTRemove(o *object) {
	if o.key != IPC_PRIVATE {
		delete(ids.keyHT, o.key)
	}
}

// ipcSetKeyPrivate mirrors ipc_set_key_private: no get finds it any more.
func (ids *ipcIDs) ipcSetKeyPrivate(o *object) {
	ids.kHTRemove(o)
	o.key = IPC_PRIVATE
}

// ipcidToIdx and ipcidToSeqx mirror the util.h macros for a non-negative id
// (4.19: id % SEQ_MULTIPLIER and id / SEQ_MULTIPLIER; mainline masks and
// shifts by 15 bits, the same for such ids).
func ipcidToIdx(id int) int  { return id % SEQ_MULTIPLIER }
func ipcidToSeqx(id int) int { return id / SEQ_MULTIPLIER }

// obtainObjectCheck mirrors ipc_obtain_object_check: the object at the id's
// index whose seq matches, nil (EINVAL) otherwise.
func (ids *ipcIDs) obtainObjectCheck(id int) *object {
	o := ids.find(ipcidToIdx(id))
	if o == nil || ipcidToSeqx(id) != o.seq {
		return nil
	}
	return o
}

// inGroupP mirrors in_group_p (kernel/groups.c) for a cred without
// supplementary groups: the fsgid.
func inGroupP(c *userns.Cred, gid uint32) bool { return c.FSGID == gid }

// ipcperms mirrors ipcperms (ipc/util.c): the requested rwx bits of flag
// against the owner's bits when the caller's euid is the object's owner or
// creator, the group's when its group or creator group is the caller's, the
// others' otherwise; a missing bit is forgiven with CAP_IPC_OWNER in the
// namespace's owner. It returns 0 when allowed, -1 when not (the security
// module hook allows everything).
func ipcperms(n *Namespace, o *object, cred *userns.Cred, flag int16) int {
	requested := int(flag>>6) | int(flag>>3) | int(flag)
	granted := int(o.mode)
	if cred.EUID == o.cuid || cred.EUID == o.uid {
		granted >>= 6
	} else if inGroupP(cred, o.cgid) || inGroupP(cred, o.gid) {
		granted >>= 3
	}
	if requested&^granted&0o007 != 0 && !userns.NSCapable(cred, n.userNS, uapi.CAP_IPC_OWNER) {
		return -1
	}
	return 0
}

// ipcParams mirrors struct ipc_params.
type ipcParams struct {
	key   int32
	flg   int
	size  uint64 // shared memory
	nsems int32  // semaphores
}

// ipcOps mirrors struct ipc_ops: getnew (newseg, newque, newary) and
// more_checks (shm_more_checks, sem_more_checks, none for queues); associate
// is the security hook, which allows everything.
type ipcOps struct {
	op         string // the syscall, for errors: "shmget", "msgget", "semget"
	getnew     func(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, p *ipcParams) (int, error)
	moreChecks func(o *object, p *ipcParams) error
}

// ipcget mirrors ipcget (ipc/util.c): IPC_PRIVATE always makes a new object
// (ipcget_new); any other key goes through ipcget_public.
func ipcget(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, kind Kind, ops *ipcOps, p *ipcParams) (int, error) {
	ids := &n.ids[kind]
	ids.rwsem.Lock()
	defer ids.rwsem.Unlock()
	if p.key == IPC_PRIVATE {
		ctx.Mark("ipcget_new")
		return ops.getnew(ctx, n, cred, p)
	}
	ctx.Enter("ipcget_public")
	defer ctx.Exit("ipcget_public")
	o := ids.keyHT[p.key] // ipc_findkey
	if o == nil {
		if p.flg&IPC_CREAT == 0 {
			return 0, uapi.Err(ops.op, uapi.ENOENT, "no object with key "+strconv.Itoa(int(p.key))+" and no IPC_CREAT", "ipcget_public")
		}
		return ops.getnew(ctx, n, cred, p)
	}
	if p.flg&IPC_CREAT != 0 && p.flg&IPC_EXCL != 0 {
		return 0, uapi.Err(ops.op, uapi.EEXIST, "key "+strconv.Itoa(int(p.key))+" exists and IPC_CREAT|IPC_EXCL was given", "ipcget_public")
	}
	if ops.moreChecks != nil {
		if err := ops.moreChecks(o, p); err != nil {
			return 0, err
		}
	}
	// ipc_check_perms
	if ipcperms(n, o, cred, int16(p.flg)) != 0 {
		return 0, uapi.Err(ops.op, uapi.EACCES, "mode "+strconv.FormatInt(int64(o.mode&0o777), 8)+" does not grant the requested access", "ipcperms")
	}
	return o.id, nil
}

// newObject allocates an object of kind with the caller's key and mode bits
// (kvmalloc: the leak registry tracks it from here).
func newObject(ctx *ns.Ctx, n *Namespace, kind Kind, p *ipcParams) *object {
	o := &object{kind: kind, ns: n, key: p.key, mode: uint16(p.flg & S_IRWXUGO)}
	o.refcount.Init(ctx.Env.Refs, o, 0)
	ctx.Env.Refs.Track(&o.node, o)
	return o
}

// ipcRcuPutref mirrors ipc_rcu_putref: at zero the object is freed (after
// an RCU grace period, immediately here).
func ipcRcuPutref(ctx *ns.Ctx, o *object) {
	if o.refcount.DecAndTest() {
		ctx.Env.Refs.Untrack(&o.node)
	}
}

// ipcctlObtainCheck mirrors ipcctl_obtain_check (ipc/util.c) for IPC_RMID:
// the object (EINVAL for a bad id), then the caller must be its owner or
// creator or have CAP_SYS_ADMIN in the namespace's owner (EPERM).
func ipcctlObtainCheck(n *Namespace, ids *ipcIDs, id int, cred *userns.Cred, op string) (*object, error) {
	o := ids.obtainObjectCheck(id)
	if o == nil {
		return nil, uapi.Err(op, uapi.EINVAL, "no object with id "+strconv.Itoa(id), "ipc_obtain_object_check")
	}
	if cred.EUID == o.cuid || cred.EUID == o.uid || userns.NSCapable(cred, n.userNS, uapi.CAP_SYS_ADMIN) {
		return o, nil
	}
	return nil, uapi.Err(op, uapi.EPERM, "neither owner nor creator and no CAP_SYS_ADMIN in the namespace's owner", "ipcctl_obtain_check")
}

// freeIPCs mirrors free_ipcs (ipc/namespace.c): under the rwsem, free every
// object of one kind in index order.
func (n *Namespace) freeIPCs(ctx *ns.Ctx, kind Kind, free func(*ns.Ctx, *object)) {
	ids := &n.ids[kind]
	ids.rwsem.Lock()
	defer ids.rwsem.Unlock()
	inUse := ids.inUse
	for total, next := 0, 0; total < inUse; next++ {
		o := ids.find(next)
		if o == nil {
			continue
		}
		free(ctx, o)
		total++
	}
}
