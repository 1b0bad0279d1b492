package ipcns

import (
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/userns"
)

// The header lines ipc_init_proc_interface registers for /proc/sysvipc
// (shm_init, msg_init, sem_init; the shm one is the BITS_PER_LONG > 32 text).
// 4.19 and 6.18 print the same headers.
const (
	SysvipcShmHeader = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
	SysvipcMsgHeader = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"
	SysvipcSemHeader = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
)

// Header returns kind's /proc/sysvipc header line.
func (k Kind) Header() string {
	switch k {
	case SHM:
		return SysvipcShmHeader
	case MSG:
		return SysvipcMsgHeader
	}
	return SysvipcSemHeader
}

// Sysvipc renders /proc/sysvipc/<kind> as a task whose ipc namespace is n
// reads it after opening it with a cred in user namespace reader
// (seq_user_ns): the header (sysvipc_proc_show's SEQ_START_TOKEN), then one
// row per object in index order (sysvipc_find_ipc) by sysvipc_shm_proc_show,
// sysvipc_msg_proc_show or sysvipc_sem_proc_show. Owner and creator ids are
// translated into reader with from_kuid_munged/from_kgid_munged (65534 when
// unmapped). Times print 0 (there is no clock), pids print 0 (objects do not
// record the creating task), rss and swap 0 (segments are never touched).
func (n *Namespace) Sysvipc(kind Kind, reader *userns.Namespace) []byte {
	ids := &n.ids[kind]
	ids.rwsem.Lock() // sysvipc_proc_start: down_read
	defer ids.rwsem.Unlock()
	b := make([]byte, 0, len(kind.Header())*(1+ids.inUse))
	b = append(b, kind.Header()...)
	for _, o := range ids.entries {
		if o == nil {
			continue
		}
		uid := userns.FromKUIDMunged(reader, o.uid)
		gid := userns.FromKGIDMunged(reader, o.gid)
		cuid := userns.FromKUIDMunged(reader, o.cuid)
		cgid := userns.FromKGIDMunged(reader, o.cgid)
		switch kind {
		case SHM: // sysvipc_shm_proc_show
			b = fmt.Appendf(b, "%10d %10d  %4o %21d %5d %5d  %5d %5d %5d %5d %5d %10d %10d %10d %21d %21d\n",
				o.key, o.id, o.mode, o.shmSegsz, 0, 0, o.shmNattch, uid, gid, cuid, cgid, 0, 0, 0, 0, 0)
		case MSG: // sysvipc_msg_proc_show
			b = fmt.Appendf(b, "%10d %10d  %4o  %10d %10d %5d %5d %5d %5d %5d %5d %10d %10d %10d\n",
				o.key, o.id, o.mode, o.qCbytes, o.qQnum, 0, 0, uid, gid, cuid, cgid, 0, 0, 0)
		case SEM: // sysvipc_sem_proc_show
			b = fmt.Appendf(b, "%10d %10d  %4o %10d %5d %5d %5d %5d %10d %10d\n",
				o.key, o.id, o.mode, o.semNsems, uid, gid, cuid, cgid, 0, 0)
		}
	}
	return b
}
