package task

import (
	"strconv"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/uapi"
)

// Sizes of struct clone_args (include/uapi/linux/sched.h).
const (
	CLONE_ARGS_SIZE_VER0 = 64 // 5.3: flags … tls
	CLONE_ARGS_SIZE_VER1 = 80 // 5.5: set_tid, set_tid_size
	CLONE_ARGS_SIZE_VER2 = 88 // 5.7: cgroup
	// MAX_PID_NS_LEVEL bounds set_tid_size.
	MAX_PID_NS_LEVEL = 32
	pageSize         = 4096
	intMax           = 1<<31 - 1
	// CLONE_LEGACY_FLAGS are the 32 bits clone(2) knows.
	CLONE_LEGACY_FLAGS uapi.CloneFlags = 0xffffffff
)

// Clone3Args mirrors struct clone_args as a caller fills it for clone3(2).
// Pointer fields are addresses: only whether they are zero, and whether two
// of them are equal, matters to the kernel's checks.
type Clone3Args struct {
	Flags      uapi.CloneFlags
	Pidfd      uint64 // where CLONE_PIDFD's descriptor is written
	ChildTID   uint64
	ParentTID  uint64
	ExitSignal uint64
	Stack      uint64
	StackSize  uint64
	TLS        uint64
	// SetTID is the set_tid array (nil stands for a NULL pointer) and
	// SetTIDSize its announced length; the kernel reads SetTIDSize entries.
	SetTID     []int32
	SetTIDSize uint64
	Cgroup     uint64 // a cgroup2 directory descriptor, with CLONE_INTO_CGROUP
	// Size is the size argument (0: CLONE_ARGS_SIZE_VER2). Tail holds the
	// bytes a larger struct carries beyond the kernel's; they must be zero.
	Size uint64
	Tail []byte
	// Comm names the child (default: the parent's name).
	Comm string
}

// Clone3 mirrors clone3(2) (kernel/fork.c, mainline 5.3+):
// copy_clone_args_from_user, clone3_args_valid, then kernel_clone. It
// returns the child and, with CLONE_PIDFD, the pidfd (else -1). 4.19 has
// no clone3: ENOSYS.
//
// copy_clone_args_from_user: a size above PAGE_SIZE is E2BIG, below VER0
// EINVAL; non-zero bytes beyond the kernel's struct are E2BIG; fields past
// Size read as zero; set_tid_size > MAX_PID_NS_LEVEL, set_tid NULL with a
// size or non-NULL without one, an exit signal outside CSIGNAL or above
// _NSIG, and CLONE_INTO_CGROUP with a cgroup above INT_MAX or a struct
// smaller than VER2 are EINVAL. clone3_args_valid: flags outside the legacy
// 32 bits plus CLONE_CLEAR_SIGHAND and CLONE_INTO_CGROUP, CLONE_DETACHED or
// a CSIGNAL bit (CLONE_NEWTIME excepted), CLONE_SIGHAND with
// CLONE_CLEAR_SIGHAND, CLONE_THREAD or CLONE_PARENT with an exit signal,
// and a stack without a size or a size without a stack are EINVAL.
// kernel_clone: CLONE_PIDFD and CLONE_PARENT_SETTID writing to one address
// is EINVAL. Then copy_process, with set_tid handed to alloc_pid.
func (t *Task) Clone3(a Clone3Args) (*Task, int, error) {
	if err := t.enter("clone3"); err != nil {
		return nil, -1, err
	}
	defer t.leave()
	ctx := &t.ctx
	if !ctx.Env.Mainline() {
		return nil, -1, uapi.Err("clone3", uapi.ENOSYS, "clone3 needs mainline (5.3)", "sys_ni_syscall")
	}
	ctx.Enter("__x64_sys_clone3")
	defer ctx.Exit("__x64_sys_clone3")
	if err := copyCloneArgsFromUser(&a); err != nil {
		return nil, -1, err
	}
	if err := clone3ArgsValid(&a); err != nil {
		return nil, -1, err
	}
	ctx.Enter("kernel_clone")
	defer ctx.Exit("kernel_clone")
	if a.Flags&uapi.CLONE_PIDFD != 0 && a.Flags&uapi.CLONE_PARENT_SETTID != 0 && a.Pidfd == a.ParentTID {
		return nil, -1, uapi.Err("clone3", uapi.EINVAL, "CLONE_PIDFD and CLONE_PARENT_SETTID write to the same address", "kernel_clone")
	}
	pidfd := -1
	kargs := kernelCloneArgs{flags: a.Flags, exitSignal: uapi.Signal(a.ExitSignal), comm: a.Comm,
		setTID: a.SetTID, pidfd: &pidfd, cgroupFD: int(a.Cgroup)}
	if a.SetTID != nil {
		kargs.setTID = a.SetTID[:a.SetTIDSize]
	}
	p, err := t.copyProcess(kargs)
	if err != nil {
		return nil, -1, relabel(err, "clone3")
	}
	ctx.Mark("wake_up_new_task")
	return p, pidfd, nil
}

// copyCloneArgsFromUser mirrors copy_clone_args_from_user.
func copyCloneArgsFromUser(a *Clone3Args) error {
	const fn = "copy_clone_args_from_user"
	if a.Size == 0 {
		a.Size = CLONE_ARGS_SIZE_VER2
	}
	switch {
	case a.Size > pageSize:
		return uapi.Err("clone3", uapi.E2BIG, "size "+strconv.FormatUint(a.Size, 10)+" exceeds PAGE_SIZE", fn)
	case a.Size < CLONE_ARGS_SIZE_VER0:
		return uapi.Err("clone3", uapi.EINVAL, "size "+strconv.FormatUint(a.Size, 10)+" is below CLONE_ARGS_SIZE_VER0", fn)
	}
	if a.Size > CLONE_ARGS_SIZE_VER2 {
		for _, b := range a.Tail {
			if b != 0 {
				return uapi.Err("clone3", uapi.E2BIG, "non-zero bytes beyond the kernel's struct clone_args", "copy_struct_from_user")
			}
		}
	}
	if a.Size < CLONE_ARGS_SIZE_VER1 { // the fields the caller did not pass read as zero
		a.SetTID, a.SetTIDSize = nil, 0
	}
	if a.Size < CLONE_ARGS_SIZE_VER2 {
		a.Cgroup = 0
	}
	switch {
	case a.SetTIDSize > MAX_PID_NS_LEVEL:
		return uapi.Err("clone3", uapi.EINVAL, "set_tid_size above MAX_PID_NS_LEVEL", fn)
	case a.SetTID == nil && a.SetTIDSize > 0:
		return uapi.Err("clone3", uapi.EINVAL, "set_tid_size without set_tid", fn)
	case a.SetTID != nil && a.SetTIDSize == 0:
		return uapi.Err("clone3", uapi.EINVAL, "set_tid without set_tid_size", fn)
	case a.SetTID != nil && uint64(len(a.SetTID)) < a.SetTIDSize:
		return uapi.Err("clone3", uapi.EFAULT, "set_tid shorter than set_tid_size", fn)
	case a.ExitSignal&^uint64(uapi.CSIGNAL) != 0 || a.ExitSignal > uint64(uapi.NSIG):
		return uapi.Err("clone3", uapi.EINVAL, "exit_signal "+strconv.FormatUint(a.ExitSignal, 10)+" is not a signal", fn)
	case a.Flags&uapi.CLONE_INTO_CGROUP != 0 && (a.Cgroup > intMax || a.Size < CLONE_ARGS_SIZE_VER2):
		return uapi.Err("clone3", uapi.EINVAL, "CLONE_INTO_CGROUP with a cgroup above INT_MAX or a struct older than VER2", fn)
	}
	return nil
}

// clone3ArgsValid mirrors clone3_args_valid.
func clone3ArgsValid(a *Clone3Args) error {
	const fn = "clone3_args_valid"
	f := a.Flags
	switch {
	case f&^(CLONE_LEGACY_FLAGS|uapi.CLONE_CLEAR_SIGHAND|uapi.CLONE_INTO_CGROUP) != 0:
		return uapi.Err("clone3", uapi.EINVAL, "unknown flags "+(f&^(CLONE_LEGACY_FLAGS|uapi.CLONE_CLEAR_SIGHAND|uapi.CLONE_INTO_CGROUP)).String(), fn)
	case f&(uapi.CLONE_DETACHED|(uapi.CSIGNAL&^uapi.CLONE_NEWTIME)) != 0:
		return uapi.Err("clone3", uapi.EINVAL, "CLONE_DETACHED or an exit-signal bit in flags", fn)
	case f&(uapi.CLONE_SIGHAND|uapi.CLONE_CLEAR_SIGHAND) == uapi.CLONE_SIGHAND|uapi.CLONE_CLEAR_SIGHAND:
		return uapi.Err("clone3", uapi.EINVAL, "CLONE_SIGHAND with CLONE_CLEAR_SIGHAND", fn)
	case f&(uapi.CLONE_THREAD|uapi.CLONE_PARENT) != 0 && a.ExitSignal != 0:
		return uapi.Err("clone3", uapi.EINVAL, "CLONE_THREAD or CLONE_PARENT with an exit signal", fn)
	case a.Stack == 0 && a.StackSize != 0, a.Stack != 0 && a.StackSize == 0:
		return uapi.Err("clone3", uapi.EINVAL, "stack and stack_size must come together", "clone3_stack_valid")
	}
	return nil
}

// CgroupDirFile is an open directory of the cgroup filesystem: what
// CLONE_INTO_CGROUP's descriptor must be (cgroupfs implements it).
type CgroupDirFile interface {
	// CloneInto resolves the directory for a fork by t from src
	// (cgroup_get_from_file: EBADF unless it is a cgroup2 directory) and
	// returns the checks cgroup_css_set_fork runs under cgroup_mutex:
	// cgroup_may_write on its cgroup.procs and cgroup_attach_permissions.
	CloneInto(t *Task, src *cgroup.Cgroup, threadgroup bool) (*cgroup.Cgroup, func() error, error)
}

// cssSetForkInto resolves clone3's cgroup descriptor and runs
// cgroup_css_set_fork: the returned css_set holds the child's reference and
// cgroup_mutex stays held until the fork is posted or cancelled.
func (t *Task) cssSetForkInto(fd int, flags uapi.CloneFlags) (*cgroup.CSSSet, error) {
	f := t.files.fget(fd)
	if f == nil {
		return nil, uapi.Err("clone3", uapi.EBADF, "cgroup fd "+strconv.Itoa(fd)+" is not open", "cgroup_get_from_fd")
	}
	defer f.put(&t.ctx)
	cf, ok := f.ops.(CgroupDirFile)
	if !ok {
		return nil, uapi.Err("clone3", uapi.EBADF, f.path+" is not a cgroup directory", "cgroup_get_from_file")
	}
	src := t.cg.CSSSet().DflCgroup()
	dst, check, err := cf.CloneInto(t, src, flags&uapi.CLONE_THREAD == 0)
	if err != nil {
		return nil, err
	}
	return t.k.Cgroup.CSSSetForkInto(&t.ctx, t, dst, check)
}
