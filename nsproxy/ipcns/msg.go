package ipcns

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// msgInitNS mirrors msg_init_ns (ipc/msg.c): the default limits and an
// empty registry.
func (n *Namespace) msgInitNS() {
	n.msgCtlmax.Store(MSGMAX)
	n.msgCtlmnb.Store(MSGMNB)
	n.msgCtlmni.Store(MSGMNI)
	n.ids[MSG].init()
}

// msgExitNS mirrors msg_exit_ns: freeque on every queue.
func (n *Namespace) msgExitNS(ctx *ns.Ctx) {
	ctx.Enter("msg_exit_ns")
	defer ctx.Exit("msg_exit_ns")
	n.freeIPCs(ctx, MSG, n.freeque)
}

// freeque mirrors freeque (ipc/msg.c): waiters and messages are not
// modelled, so it removes the queue from the registry (msg_rmid) and drops
// the registry's reference. Called with the msg rwsem held.
func (n *Namespace) freeque(ctx *ns.Ctx, o *object) {
	ctx.Mark("freeque")
	n.ids[MSG].ipcRmid(o)
	ipcRcuPutref(ctx, o)
}

// newque mirrors newque (ipc/msg.c): an empty queue whose q_qbytes is the
// namespace's msgmnb, then ipc_addid against msgmni (ENOSPC).
func newque(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, p *ipcParams) (int, error) {
	ctx.Enter("newque")
	defer ctx.Exit("newque")
	o := newObject(ctx, n, MSG, p)
	o.qQbytes = uint64(uint32(n.msgCtlmnb.Load()))
	if idx := n.ids[MSG].ipcAddID(o, int(n.msgCtlmni.Load()), cred, n.mainline()); idx < 0 {
		ipcRcuPutref(ctx, o)
		return 0, uapi.Err("msgget", uapi.Errno(-idx), "msgmni queues in use", "ipc_addid")
	}
	return o.id, nil
}

var msgOps = ipcOps{op: "msgget", getnew: newque}

// Msgget mirrors ksys_msgget (ipc/msg.c) in namespace n with the caller's
// cred: it returns the queue's id.
func Msgget(ctx *ns.Ctx, n *Namespace, cred *userns.Cred, key int32, msgflg int) (int, error) {
	ctx.Enter("ksys_msgget")
	defer ctx.Exit("ksys_msgget")
	return ipcget(ctx, n, cred, MSG, &msgOps, &ipcParams{key: key, flg: msgflg})
}
