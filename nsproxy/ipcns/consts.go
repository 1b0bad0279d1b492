package ipcns

import "math"

// Kind selects one of the three id registries of an ipc namespace, in the
// kernel's ids[] order (ipc/util.h: IPC_SEM_IDS, IPC_MSG_IDS, IPC_SHM_IDS).
type Kind int

// The registries.
const (
	SEM Kind = iota // IPC_SEM_IDS: semaphore sets (struct sem_array)
	MSG             // IPC_MSG_IDS: message queues (struct msg_queue)
	SHM             // IPC_SHM_IDS: shared memory segments (struct shmid_kernel)
	nKinds
)

// String returns "sem", "msg" or "shm", the /proc/sysvipc file names.
func (k Kind) String() string {
	switch k {
	case SEM:
		return "sem"
	case MSG:
		return "msg"
	case SHM:
		return "shm"
	}
	return "ipc?"
}

// objKind is the kernel type each registry holds, the leak registry's kind.
func (k Kind) objKind() string {
	switch k {
	case SEM:
		return "sem_array"
	case MSG:
		return "msg_queue"
	}
	return "shmid_kernel"
}

// include/uapi/linux/ipc.h.
const (
	IPC_PRIVATE int32 = 0      // key of an object no get can find again
	IPC_CREAT   int   = 0o1000 // create if key is nonexistent
	IPC_EXCL    int   = 0o2000 // fail if key exists
	IPC_NOWAIT  int   = 0o4000 // return error on wait
	S_IRWXUGO   int   = 0o777  // the mode bits an object keeps of its flag
	IPC_RMID    int   = 0      // remove resource
	IPC_SET     int   = 1      // set ipc_perm options
	IPC_STAT    int   = 2      // get ipc_perm options
)

// ipc/util.h (4.19): an id is seq * IPCMNI + index.
const (
	IPCMNI         = 32768 // max objects per registry, <= INT_MAX / SEQ_MULTIPLIER
	SEQ_MULTIPLIER = IPCMNI
	IPCMNI_SHIFT   = 15 // mainline: ipcmni_seq_shift() without ipcmni_extend
	// IPCID_SEQ_MAX is min(INT_MAX/SEQ_MULTIPLIER, USHRT_MAX) = 65535.
	IPCID_SEQ_MAX = 65535
	// ipcMinCycle is mainline's ipc_min_cycle (XA_CHUNK_SIZE, 64): the
	// smallest window idr_alloc_cyclic hands indexes from.
	ipcMinCycle = 64
)

// include/uapi/linux/shm.h and ipc/shm.c.
const (
	SHMMIN            = 1                          // min shared seg size (bytes)
	SHMMNI            = 4096                       // max num of segs system wide
	SHMMAX     uint64 = math.MaxUint64 - (1 << 24) // max shared seg size (bytes)
	SHMALL     uint64 = math.MaxUint64 - (1 << 24) // max shm system wide (pages)
	SHM_DEST          = 0o1000                     // segment will be destroyed on last detach
	SHM_LOCKED        = 0o2000                     // segment will not be swapped
	PAGE_SIZE         = 4096                       // x86-64
	PAGE_SHIFT        = 12
)

// include/uapi/linux/msg.h.
const (
	MSGMNI = 32000 // <= IPCMNI: max # of msg queue identifiers
	MSGMAX = 8192  // <= INT_MAX: max size of message (bytes)
	MSGMNB = 16384 // <= INT_MAX: default max size of a message queue
)

// include/uapi/linux/sem.h.
const (
	SEMMNI = 32000           // <= IPCMNI: max # of semaphore identifiers
	SEMMSL = 32000           // <= INT_MAX: max num of semaphores per id
	SEMMNS = SEMMNI * SEMMSL // <= INT_MAX: max # of semaphores in system
	SEMOPM = 500             // <= 1 000: max num of ops per semop call
)
