package ipcns

import (
	"github.com/kernsim/kernsim/sysctl"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/uapi"
)

// sysctlNames is ipc_kern_table's order (ipc/ipc_sysctl.c, 4.19), without
// the CONFIG_CHECKPOINT_RESTORE *_next_id files, which are not modelled.
var sysctlNames = [...]string{"shmmax", "shmall", "shmmni", "shm_rmid_forced", "msgmax", "msgmni", "auto_msgmni", "msgmnb", "sem"}

// SysctlNames returns the /proc/sys/kernel files an ipc namespace provides,
// in ipc_kern_table order.
func SysctlNames() []string { return append([]string(nil), sysctlNames[:]...) }

// ctlEntry is one ctl_table row bound to a namespace (get_ipc).
type ctlEntry struct {
	handler  string           // the kernel handler, for errors
	ints     []*atomic.Int32  // proc_dointvec family
	ulongs   []*atomic.Uint64 // proc_doulongvec_minmax
	min, max *int32           // extra1, extra2 (nil: no bound)
	semmni   bool             // mainline proc_ipc_sem_dointvec: check semmni after the write
	orphans  bool             // proc_ipc_dointvec_minmax_orphans
}

var (
	ctlZero   int32 = 0
	ctlOne    int32 = 1
	ctlIntMax int32 = math.MaxInt32
	ctlIPCMNI int32 = IPCMNI // mainline ipc_mni
)

// ctl returns the ctl_table row called name for n, in n's Kernel's flavour.
// 4.19: shmmni and sem use plain proc_dointvec, msgmni is bounded by
// INT_MAX. Mainline (5.1+): shmmni and msgmni are bounded by ipc_mni and sem
// goes through proc_ipc_sem_dointvec.
func (n *Namespace) ctl(name string) (*ctlEntry, bool) {
	ml := n.mainline()
	mni := &ctlIntMax
	if ml {
		mni = &ctlIPCMNI
	}
	switch name {
	case "shmmax":
		return &ctlEntry{handler: "proc_doulongvec_minmax", ulongs: []*atomic.Uint64{&n.shmCtlmax}}, true
	case "shmall":
		return &ctlEntry{handler: "proc_doulongvec_minmax", ulongs: []*atomic.Uint64{&n.shmCtlall}}, true
	case "shmmni":
		if ml {
			return &ctlEntry{handler: "proc_dointvec_minmax", ints: []*atomic.Int32{&n.shmCtlmni}, min: &ctlZero, max: &ctlIPCMNI}, true
		}
		return &ctlEntry{handler: "proc_dointvec", ints: []*atomic.Int32{&n.shmCtlmni}}, true
	case "shm_rmid_forced":
		return &ctlEntry{handler: "proc_dointvec_minmax", ints: []*atomic.Int32{&n.shmRmidForced}, min: &ctlZero, max: &ctlOne, orphans: true}, true
	case "msgmax":
		return &ctlEntry{handler: "proc_dointvec_minmax", ints: []*atomic.Int32{&n.msgCtlmax}, min: &ctlZero, max: &ctlIntMax}, true
	case "msgmni":
		return &ctlEntry{handler: "proc_dointvec_minmax", ints: []*atomic.Int32{&n.msgCtlmni}, min: &ctlZero, max: mni}, true
	case "auto_msgmni":
		return &ctlEntry{handler: "proc_dointvec_minmax", ints: []*atomic.Int32{new(atomic.Int32)}, min: &ctlZero, max: &ctlOne}, true
	case "msgmnb":
		return &ctlEntry{handler: "proc_dointvec_minmax", ints: []*atomic.Int32{&n.msgCtlmnb}, min: &ctlZero, max: &ctlIntMax}, true
	case "sem":
		e := &ctlEntry{handler: "proc_dointvec", semmni: ml}
		for i := range n.semCtls {
			e.ints = append(e.ints, &n.semCtls[i])
		}
		return e, true
	}
	return nil, false
}

// SysctlRead mirrors a read(2) of count bytes at offset off from
// /proc/sys/kernel/<name> by a task in n: __do_proc_dointvec or
// __do_proc_doulongvec_minmax printing the values separated by tabs with a
// newline, cut to count bytes. Any offset other than 0 reads nothing, as the
// kernel's handlers do. An unknown name is ENOENT.
func (n *Namespace) SysctlRead(name string, off int64, count int) ([]byte, error) {
	e, ok := n.ctl(name)
	if !ok {
		return nil, uapi.Err("open", uapi.ENOENT, "no /proc/sys/kernel/"+name+" for an ipc namespace", "ipc_kern_table")
	}
	if off != 0 || count <= 0 {
		return nil, nil
	}
	var b []byte
	for i, v := range e.ints {
		if i > 0 {
			b = append(b, '\t')
		}
		b = strconv.AppendInt(b, int64(v.Load()), 10)
	}
	for i, v := range e.ulongs {
		if i > 0 {
			b = append(b, '\t')
		}
		b = strconv.AppendUint(b, v.Load(), 10)
	}
	b = append(b, '\n')
	return b[:min(len(b), count)], nil
}

// SysctlWrite mirrors a write(2) of p at offset off to /proc/sys/kernel/<name>
// by a task in n, after the open's permission check (SysctlPermission). It
// returns the count write(2) reports. At an offset other than 0 the write is
// ignored and reported whole (sysctl_writes_strict = 1). Otherwise p is
// parsed as the handler does (package sysctl): values are stored
// one by one as they parse, so a vector write that fails part way keeps the
// values before the bad one, as in the kernel. Errors: EINVAL for a bad
// number or an out-of-range value; mainline sem also ERANGE for semmni
// outside [0, ipc_mni], which restores semmni alone. Writing shm_rmid_forced
// non-zero runs shm_destroy_orphaned.
func (n *Namespace) SysctlWrite(ctx *ns.Ctx, name string, off int64, p []byte) (int, error) {
	e, ok := n.ctl(name)
	if !ok {
		return 0, uapi.Err("open", uapi.ENOENT, "no /proc/sys/kernel/"+name+" for an ipc namespace", "ipc_kern_table")
	}
	if off != 0 { // proc_first_pos_non_zero_ignore
		return len(p), nil
	}
	ml := n.mainline()
	var cnt int
	var errno uapi.Errno
	switch {
	case e.ulongs != nil:
		cnt, errno = sysctl.ParseUlongvec(p, func(i int, v uint64) { e.ulongs[i].Store(v) }, len(e.ulongs), ml)
	default:
		semmni := n.semCtls[semMNI].Load()
		conv := sysctl.Dointvec
		if e.min != nil || e.max != nil {
			conv = sysctl.DointvecMinmax
		}
		cnt, errno = sysctl.ParseIntvec(p, func(i int, v int32) { e.ints[i].Store(v) }, len(e.ints), conv, e.min, e.max, ml)
		if e.semmni { // proc_ipc_sem_dointvec
			if errno == 0 {
				if v := n.semCtls[semMNI].Load(); v < 0 || v > IPCMNI { // sem_check_semmni
					errno = uapi.ERANGE
				}
			}
			if errno != 0 {
				n.semCtls[semMNI].Store(semmni)
			}
		}
	}
	if errno != 0 {
		return 0, uapi.Err("write", errno, strconv.Quote(string(p))+" rejected by "+e.handler, e.handler)
	}
	if e.orphans && n.shmRmidForced.Load() != 0 {
		n.shmDestroyOrphaned(ctx)
	}
	return cnt, nil
}

// SysctlPermission mirrors the open-time check of /proc/sys/kernel/<ipc
// file> (proc_sys_permission → sysctl_perm → test_perm, fs/proc/proc_sysctl.c)
// for a file of mode 0644: reading is always allowed; writing needs euid
// global root in 4.19 (the owner of every sysctl file), else EACCES.
// Mainline (5.19+, ipc_permissions/ipc_set_ownership) gives the owner's
// bits to the root of n's owning user namespace (global root when that uid
// is unmapped).
func SysctlPermission(cred *userns.Cred, n *Namespace, write bool) error {
	if !write {
		return nil
	}
	root := uint32(0)
	if n.mainline() {
		if r := userns.MakeKUID(n.userNS, 0); r != userns.NoID {
			root = r
		}
	}
	if cred.EUID == root {
		return nil
	}
	return uapi.Err("open", uapi.EACCES, "only uid "+strconv.FormatUint(uint64(root), 10)+" may write an ipc sysctl", "test_perm")
}
