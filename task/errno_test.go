package task_test

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// The error tables follow the kernel's own check order, one table per section
// of the namespaces reference (4.2 clone, 7 unshare, 8 setns, 10 UTS syscalls,
// 12.1 create_user_ns). Every row boots its own Kernel, prepares the state it
// needs, snapshots the Kernel, makes one call and asserts the errno with
// errors.Is, the operation and the kernel check named in the error; a failing
// call must leave the snapshot identical and the counts consistent (Check).

const nscSIGCHLD = uapi.CloneFlags(uapi.SIGCHLD)

// nscThread is what pthread_create passes to clone (minus the TLS/tid bits the
// simulator has no use for): a thread sharing address space and handlers.
const nscThread = uapi.CLONE_VM | uapi.CLONE_SIGHAND | uapi.CLONE_THREAD

func nscBoot(t *testing.T) *kernsim.Kernel {
	t.Helper()
	k, err := kernsim.Boot(kernsim.Config{})
	require.NoError(t, err)
	require.NoError(t, k.Check())
	return k
}

func nscPowerOff(t *testing.T, k *kernsim.Kernel) {
	t.Helper()
	k.PowerOff()
	require.NoError(t, k.Leaks())
	require.Empty(t, k.Warnings())
}

// nscClone clones a child of parent that must succeed.
func nscClone(t *testing.T, k *kernsim.Kernel, parent *task.Task, flags uapi.CloneFlags, comm string) *task.Task {
	t.Helper()
	c, err := parent.Clone(task.CloneArgs{Flags: flags, Comm: comm})
	require.NoError(t, err)
	require.NoError(t, k.Check())
	return c
}

// nscDrop makes tk an ordinary user the way a login does: setresgid, then
// setresuid, which clears every capability (cap_task_fix_setuid).
func nscDrop(t *testing.T, k *kernsim.Kernel, tk *task.Task, id int64) {
	t.Helper()
	require.NoError(t, tk.Setresgid(id, id, id))
	require.NoError(t, tk.Setresuid(id, id, id))
	require.Zero(t, tk.Cred().CapEffective)
	require.Zero(t, tk.Cred().CapPermitted)
	require.NoError(t, k.Check())
}

// nscRoot is a plain root task (a fork of init that is not init).
func nscRoot(t *testing.T, k *kernsim.Kernel) *task.Task {
	t.Helper()
	return nscClone(t, k, k.Init(), nscSIGCHLD, "root")
}

// nscUser is an unprivileged task: uid/gid 1000 in init_user_ns, no capabilities.
func nscUser(t *testing.T, k *kernsim.Kernel) *task.Task {
	t.Helper()
	u := nscClone(t, k, k.Init(), nscSIGCHLD, "user")
	nscDrop(t, k, u, 1000)
	return u
}

func nscOpen(t *testing.T, k *kernsim.Kernel, tk *task.Task, path string) int {
	t.Helper()
	fd, err := tk.Open(path)
	require.NoError(t, err)
	require.NoError(t, k.Check())
	return fd
}

func nscExitReap(t *testing.T, k *kernsim.Kernel, tk *task.Task) {
	t.Helper()
	require.NoError(t, tk.Exit(0))
	_, _, err := tk.Parent().Wait(tk.PID(), 0)
	require.NoError(t, err)
	require.NoError(t, k.Check())
}

// nscRequireErr asserts a simulated kernel error: the errno (as uapi.Errno and
// as the real syscall.Errno), the operation, and the kernel check it names.
func nscRequireErr(t *testing.T, err error, op string, errno uapi.Errno, check, reason string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, errno)
	require.True(t, errors.Is(err, syscall.Errno(errno)), "%v is not errno %d", err, int(errno))
	var ue *uapi.Error
	require.ErrorAs(t, err, &ue)
	require.Equal(t, op, ue.Op)
	require.Equal(t, errno, ue.Errno)
	require.Equal(t, check, ue.Check)
	require.Contains(t, err.Error(), "("+check+")")
	require.True(t, strings.HasPrefix(err.Error(), op+": "+errno.Name()), err.Error())
	if reason != "" {
		require.Contains(t, ue.Reason, reason)
	}
}

// nscCase is one row: prepare builds the state on a fresh Kernel and returns
// the call under test and, optionally, checks to run after a successful call.
type nscCase struct {
	name    string
	op      string
	errno   uapi.Errno // 0: the call succeeds
	check   string     // uapi.Error.Check of the failure
	reason  string     // optional substring of uapi.Error.Reason (to tell rows of one check apart)
	same    bool       // a successful call must change nothing either
	prepare func(t *testing.T, k *kernsim.Kernel) (call func() error, after func(t *testing.T))
}

func nscRun(t *testing.T, cases []nscCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := nscBoot(t)
			call, after := tc.prepare(t, k)
			require.NoError(t, k.Check())
			before := k.Snapshot()
			err := call()
			if tc.errno == 0 {
				require.NoError(t, err)
				if tc.same {
					require.Equal(t, before, k.Snapshot())
				}
			} else {
				nscRequireErr(t, err, tc.op, tc.errno, tc.check, tc.reason)
				require.Equal(t, before, k.Snapshot(), "a failed call changes nothing")
			}
			require.NoError(t, k.Check())
			if after != nil {
				after(t)
				require.NoError(t, k.Check())
			}
			nscPowerOff(t, k)
		})
	}
}

// nscWho picks the calling task of a row.
type nscWho func(t *testing.T, k *kernsim.Kernel) *task.Task

func nscInit(_ *testing.T, k *kernsim.Kernel) *task.Task { return k.Init() }

// cloneRow is a clone(2) row: caller clones with flags (SIGCHLD added unless
// the row is about threads, whose exit signal is ignored anyway).
func cloneRow(name string, who nscWho, flags uapi.CloneFlags, errno uapi.Errno, check, reason string) nscCase {
	return nscCase{name: name, op: "clone", errno: errno, check: check, reason: reason,
		prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
			c := who(t, k)
			return func() error {
				_, err := c.Clone(task.CloneArgs{Flags: flags | nscSIGCHLD, Comm: "child"})
				return err
			}, nil
		}}
}

// withLimit makes row's namespace types fail their ucount charge: the init
// user namespace's max_<type>_namespaces is set to 0 before the call, so the
// first type the kernel's order reaches fails with ENOSPC.
func withLimit(row nscCase, types ...userns.UcountType) nscCase {
	prepare := row.prepare
	row.prepare = func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
		call, after := prepare(t, k)
		for _, ty := range types {
			k.UserNS.SetUcountMax(k.UserNS.Init, ty, 0)
		}
		return call, after
	}
	return row
}

// TestCloneErrno covers copy_process's up-front checks (reference §4.2, rows
// 1-6 in order) and copy_namespaces / create_new_namespaces (§4.5, §4.6).
func TestCloneErrno(t *testing.T) {
	t.Parallel()
	const (
		newIPC = uapi.CLONE_NEWIPC
		newNS  = uapi.CLONE_NEWNS
		newPID = uapi.CLONE_NEWPID
		newNET = uapi.CLONE_NEWNET
		newCG  = uapi.CLONE_NEWCGROUP
		newUTS = uapi.CLONE_NEWUTS
		newUSR = uapi.CLONE_NEWUSER
	)
	einval, eperm := uapi.EINVAL, uapi.EPERM
	cases := []nscCase{
		// §4.2 row 1..6, and their order.
		cloneRow("row1 NEWNS|FS", nscInit, newNS|uapi.CLONE_FS, einval, "copy_process", "CLONE_NEWNS with CLONE_FS"),
		cloneRow("row2 NEWUSER|FS", nscInit, newUSR|uapi.CLONE_FS, einval, "copy_process", "CLONE_NEWUSER with CLONE_FS"),
		cloneRow("row2 NEWUSER|FS unprivileged", nscUser, newUSR|uapi.CLONE_FS, einval, "copy_process", "CLONE_NEWUSER with CLONE_FS"),
		cloneRow("row1 before row2", nscInit, newNS|newUSR|uapi.CLONE_FS, einval, "copy_process", "CLONE_NEWNS with CLONE_FS"),
		cloneRow("row3 THREAD without SIGHAND", nscInit, uapi.CLONE_THREAD|uapi.CLONE_VM, einval, "copy_process", "CLONE_THREAD without CLONE_SIGHAND"),
		cloneRow("row4 SIGHAND without VM", nscInit, uapi.CLONE_SIGHAND, einval, "copy_process", "CLONE_SIGHAND without CLONE_VM"),
		cloneRow("row3 before row4", nscInit, uapi.CLONE_THREAD, einval, "copy_process", "CLONE_THREAD without CLONE_SIGHAND"),
		cloneRow("row2 before row3", nscInit, newUSR|uapi.CLONE_FS|uapi.CLONE_THREAD, einval, "copy_process", "CLONE_NEWUSER with CLONE_FS"),
		cloneRow("row5 PARENT from init", nscInit, uapi.CLONE_PARENT, einval, "copy_process", "CLONE_PARENT"),
		cloneRow("row4 before row5", nscInit, uapi.CLONE_PARENT|uapi.CLONE_SIGHAND, einval, "copy_process", "CLONE_SIGHAND without CLONE_VM"),
		{name: "row5 PARENT from a thread of init", op: "clone", errno: einval, check: "copy_process", reason: "CLONE_PARENT",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				th := nscClone(t, k, k.Init(), nscThread, "init-thread") // shares init's signal_struct
				return func() error {
					_, err := th.Clone(task.CloneArgs{Flags: uapi.CLONE_PARENT | nscSIGCHLD})
					return err
				}, nil
			}},
		{name: "row5 PARENT from a non-init task is fine", op: "clone",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				a := nscRoot(t, k)
				var c *task.Task
				return func() (err error) {
						c, err = a.Clone(task.CloneArgs{Flags: uapi.CLONE_PARENT | nscSIGCHLD, Comm: "sibling"})
						return err
					}, func(t *testing.T) {
						require.Same(t, k.Init(), c.Parent(), "CLONE_PARENT: the caller's parent adopts the child")
						require.Empty(t, a.Children())
						require.Contains(t, k.Init().Children(), c)
					}
			}},
		// The clone(2) manual page lists CLONE_PARENT|CLONE_NEWUSER as EINVAL;
		// 4.19 only pairs NEWUSER/NEWPID with CLONE_THREAD (row 6).
		{name: "row6 does not cover PARENT|NEWUSER", op: "clone",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				a := nscUser(t, k)
				var c *task.Task
				return func() (err error) {
						c, err = a.Clone(task.CloneArgs{Flags: uapi.CLONE_PARENT | newUSR | nscSIGCHLD})
						return err
					}, func(t *testing.T) {
						require.Same(t, k.Init(), c.Parent())
						require.Equal(t, 1, c.UserNS().Level())
					}
			}},
		cloneRow("row6 THREAD|NEWUSER", nscInit, nscThread|newUSR, einval, "copy_process", "CLONE_THREAD with CLONE_NEWUSER or CLONE_NEWPID"),
		cloneRow("row6 THREAD|NEWPID", nscInit, nscThread|newPID, einval, "copy_process", "CLONE_THREAD with CLONE_NEWUSER or CLONE_NEWPID"),
		cloneRow("row6 THREAD|NEWUSER unprivileged", nscUser, nscThread|newUSR, einval, "copy_process", "CLONE_THREAD with CLONE_NEWUSER or CLONE_NEWPID"),
		cloneRow("row3 before row6", nscInit, uapi.CLONE_THREAD|newUSR, einval, "copy_process", "CLONE_THREAD without CLONE_SIGHAND"),
		{name: "a thread (VM|SIGHAND|THREAD) passes rows 3-6", op: "clone",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				p := nscRoot(t, k)
				var th *task.Task
				return func() (err error) {
						th, err = p.Clone(task.CloneArgs{Flags: nscThread})
						return err
					}, func(t *testing.T) {
						require.Equal(t, p.TGID(), th.TGID())
						require.Equal(t, 2, p.Threads())
						require.Same(t, p.Cred(), th.Cred(), "a thread shares its group's cred")
						require.Same(t, p.NSProxy(), th.NSProxy())
					}
			}},

		// §4.5 copy_namespaces: CAP_SYS_ADMIN in the child's user namespace
		// first, then NEWIPC|SYSVSEM.
		cloneRow("unprivileged NEWUTS", nscUser, newUTS, eperm, "ns_capable", ""),
		cloneRow("unprivileged NEWNET", nscUser, newNET, eperm, "ns_capable", ""),
		cloneRow("privileged NEWIPC|SYSVSEM", nscInit, newIPC|uapi.CLONE_SYSVSEM, einval, "copy_namespaces", "CLONE_SYSVSEM"),
		cloneRow("unprivileged NEWIPC|SYSVSEM: EPERM first", nscUser, newIPC|uapi.CLONE_SYSVSEM, eperm, "ns_capable", ""),
		cloneRow("NEWUSER|NEWIPC|SYSVSEM unprivileged: capable in the new ns, then EINVAL", nscUser, newUSR|newIPC|uapi.CLONE_SYSVSEM, einval, "copy_namespaces", "CLONE_SYSVSEM"),

		// §4.6/4.7 namespace types the simulator has only as initial ones: EINVAL
		// from the type's copy function, nothing leaked.
		withLimit(cloneRow("max_ipc_namespaces", nscInit, newIPC, uapi.ENOSPC, "inc_ipc_namespaces", ""), userns.UCOUNT_IPC_NAMESPACES),
		withLimit(cloneRow("max_mnt_namespaces", nscInit, newNS, uapi.ENOSPC, "inc_mnt_namespaces", ""), userns.UCOUNT_MNT_NAMESPACES),
		withLimit(cloneRow("max_net_namespaces", nscInit, newNET, uapi.ENOSPC, "inc_net_namespaces", ""), userns.UCOUNT_NET_NAMESPACES),
		withLimit(cloneRow("max_cgroup_namespaces", nscInit, newCG, uapi.ENOSPC, "inc_cgroup_namespaces", ""), userns.UCOUNT_CGROUP_NAMESPACES),
		// create_new_namespaces order: mnt, uts, ipc, pid, cgroup, net; the
		// first failure wins and the unwind drops what the earlier steps made.
		withLimit(cloneRow("unwind: new mnt namespace dropped when net fails", nscInit, newNS|newNET, uapi.ENOSPC, "inc_net_namespaces", ""), userns.UCOUNT_NET_NAMESPACES),
		withLimit(cloneRow("order ipc before pid", nscInit, newIPC|newPID, uapi.ENOSPC, "inc_ipc_namespaces", ""), userns.UCOUNT_IPC_NAMESPACES, userns.UCOUNT_PID_NAMESPACES),
		withLimit(cloneRow("order mnt before uts", nscInit, newNS|newUTS, uapi.ENOSPC, "inc_mnt_namespaces", ""), userns.UCOUNT_MNT_NAMESPACES, userns.UCOUNT_UTS_NAMESPACES),
		withLimit(cloneRow("unwind: new pid namespace dropped when cgroup fails", nscInit, newPID|newCG, uapi.ENOSPC, "inc_cgroup_namespaces", ""), userns.UCOUNT_CGROUP_NAMESPACES),
		withLimit(cloneRow("order cgroup before net", nscInit, newCG|newNET, uapi.ENOSPC, "inc_cgroup_namespaces", ""), userns.UCOUNT_CGROUP_NAMESPACES),
		withLimit(cloneRow("unwind: new mnt and uts dropped when ipc fails", nscInit, newNS|newUTS|newIPC, uapi.ENOSPC, "inc_ipc_namespaces", ""), userns.UCOUNT_IPC_NAMESPACES),
		withLimit(cloneRow("unwind: new user, mnt, uts and ipc dropped when pid fails", nscUser, newUSR|newNS|newUTS|newIPC|newPID, uapi.ENOSPC, "inc_pid_namespaces", ""), userns.UCOUNT_PID_NAMESPACES),
		withLimit(cloneRow("unwind: new user and uts dropped when net fails", nscUser, newUSR|newUTS|newNET, uapi.ENOSPC, "inc_net_namespaces", ""), userns.UCOUNT_NET_NAMESPACES),
		withLimit(cloneRow("unwind: everything dropped when time would come next", nscUser, newUSR|newNS|newUTS|newIPC|newPID|newCG|newNET, uapi.ENOSPC, "inc_net_namespaces", ""), userns.UCOUNT_NET_NAMESPACES),

		// The successful counterparts.
		{name: "privileged NEWUTS", op: "clone",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				var c *task.Task
				return func() (err error) {
						c, err = k.Init().Clone(task.CloneArgs{Flags: newUTS | nscSIGCHLD})
						return err
					}, func(t *testing.T) {
						require.NotSame(t, k.UTS.Init, c.NSProxy().UTS())
						require.Same(t, k.UserNS.Init, c.NSProxy().UTS().UserNS())
					}
			}},
		{name: "unprivileged NEWUSER|NEWUTS", op: "clone",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				u := nscUser(t, k)
				var c *task.Task
				return func() (err error) {
						c, err = u.Clone(task.CloneArgs{Flags: newUSR | newUTS | nscSIGCHLD})
						return err
					}, func(t *testing.T) {
						un := c.UserNS()
						require.Same(t, k.UserNS.Init, un.Parent())
						require.Equal(t, uint32(1000), un.OwnerUID())
						require.Same(t, un, c.NSProxy().UTS().UserNS(), "the uts namespace is owned by the new user namespace")
						require.NoError(t, c.Sethostname("inside"))
						require.Equal(t, "(none)", u.Hostname())
					}
			}},
	}
	nscRun(t, cases)
}

// unshareRow is an unshare(2) row.
func unshareRow(name string, who nscWho, flags uapi.CloneFlags, errno uapi.Errno, check, reason string) nscCase {
	return nscCase{name: name, op: "unshare", errno: errno, check: check, reason: reason,
		prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
			c := who(t, k)
			return func() error { return c.Unshare(flags) }, nil
		}}
}

// withSharer returns a caller that shares something with a child it cloned
// with flags (a thread, an mm, signal handlers, an fs_struct).
func withSharer(flags uapi.CloneFlags) nscWho {
	return func(t *testing.T, k *kernsim.Kernel) *task.Task {
		p := nscRoot(t, k)
		nscClone(t, k, p, flags, "sharer")
		return p
	}
}

// TestUnshareErrno covers ksys_unshare (reference §7): the implied flags, the
// check_unshare_flags mask and sharing tests, and the capability rule of
// unshare_nsproxy_namespaces.
func TestUnshareErrno(t *testing.T) {
	t.Parallel()
	einval := uapi.EINVAL
	cases := []nscCase{
		unshareRow("CLONE_PARENT outside the mask", nscInit, uapi.CLONE_PARENT, einval, "check_unshare_flags", "CLONE_PARENT"),
		unshareRow("CLONE_VFORK outside the mask", nscInit, uapi.CLONE_VFORK, einval, "check_unshare_flags", "CLONE_VFORK"),
		unshareRow("all 32 bits (unshare(-1))", nscInit, uapi.CloneFlags(0xffffffff), einval, "check_unshare_flags", ""),
		unshareRow("CLONE_NEWTIME is mainline-only", nscInit, uapi.CLONE_NEWTIME, einval, "check_unshare_flags", "CLONE_NEWTIME"),
		unshareRow("mask before privilege", nscUser, uapi.CLONE_NEWUTS|uapi.CLONE_PARENT, einval, "check_unshare_flags", ""),
		// NEWUSER implies THREAD: a thread group with other threads cannot.
		unshareRow("NEWUSER with another thread", withSharer(nscThread), uapi.CLONE_NEWUSER, einval, "check_unshare_flags", "other threads"),
		unshareRow("THREAD with another thread", withSharer(nscThread), uapi.CLONE_THREAD, einval, "check_unshare_flags", "other threads"),
		unshareRow("VM with a thread sharing the mm", withSharer(nscThread), uapi.CLONE_VM, einval, "check_unshare_flags", "other threads"),
		unshareRow("SIGHAND shared with a non-thread child", withSharer(uapi.CLONE_VM|uapi.CLONE_SIGHAND|nscSIGCHLD), uapi.CLONE_SIGHAND, einval, "check_unshare_flags", "signal handlers"),
		unshareRow("VM shared with a non-thread child", withSharer(uapi.CLONE_VM|nscSIGCHLD), uapi.CLONE_VM, einval, "check_unshare_flags", "address space"),
		{name: "VM with nothing shared is a no-op", op: "unshare", same: true,
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				r := nscRoot(t, k)
				return func() error { return r.Unshare(uapi.CLONE_VM | uapi.CLONE_SIGHAND | uapi.CLONE_THREAD) }, nil
			}},
		{name: "unshare(0) changes nothing", op: "unshare", same: true,
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				u := nscUser(t, k)
				return func() error { return u.Unshare(0) }, nil
			}},
		unshareRow("unprivileged NEWUTS", nscUser, uapi.CLONE_NEWUTS, uapi.EPERM, "ns_capable", ""),
		unshareRow("unprivileged NEWIPC", nscUser, uapi.CLONE_NEWIPC, uapi.EPERM, "ns_capable", ""),
		// unshare has no NEWIPC|SYSVSEM rule (only clone): it succeeds.
		unshareRow("NEWIPC|SYSVSEM has no special rule", nscInit, uapi.CLONE_NEWIPC|uapi.CLONE_SYSVSEM, 0, "", ""),
		withLimit(unshareRow("unwind: new user ns dropped when net fails", nscUser, uapi.CLONE_NEWUSER|uapi.CLONE_NEWNET, uapi.ENOSPC, "inc_net_namespaces", ""), userns.UCOUNT_NET_NAMESPACES),
		{name: "unprivileged NEWUSER|NEWUTS, then sethostname inside", op: "unshare",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				u := nscUser(t, k)
				oldUTS := u.NSProxy().UTS()
				return func() error { return u.Unshare(uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS) }, func(t *testing.T) {
					un := u.UserNS()
					require.Same(t, k.UserNS.Init, un.Parent())
					require.Equal(t, 1, un.Level())
					require.Equal(t, uint32(1000), un.OwnerUID())
					require.NotSame(t, oldUTS, u.NSProxy().UTS())
					require.Same(t, un, u.NSProxy().UTS().UserNS())
					require.NoError(t, u.Sethostname("mine"))
					require.Equal(t, "mine", u.Hostname())
					require.Equal(t, "(none)", k.Init().Hostname())
					// utsns_install needs CAP_SYS_ADMIN over the target's owner:
					// the new uts namespace's owner is u's new user namespace.
					require.NoError(t, u.Setns(nscOpen(t, k, u, "/proc/self/ns/uts"), 0))
				}
			}},
		{name: "NEWUSER with a shared fs_struct gets a private one", op: "unshare",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				p := nscRoot(t, k)
				q := nscClone(t, k, p, uapi.CLONE_FS|nscSIGCHLD, "fs-sharer")
				require.Equal(t, 2, p.FSUsers())
				return func() error { return p.Unshare(uapi.CLONE_NEWUSER) }, func(t *testing.T) {
					require.Equal(t, 1, p.FSUsers())
					require.Equal(t, 1, q.FSUsers())
					require.Equal(t, 1, p.UserNS().Level())
				}
			}},
		{name: "FS shared: unshare(CLONE_FS) copies", op: "unshare",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				p := nscRoot(t, k)
				q := nscClone(t, k, p, uapi.CLONE_FS|nscSIGCHLD, "fs-sharer")
				return func() error { return q.Unshare(uapi.CLONE_FS) }, func(t *testing.T) {
					require.Equal(t, 1, p.FSUsers())
					require.Equal(t, 1, q.FSUsers())
				}
			}},
	}
	nscRun(t, cases)
}

// setnsRow opens path as the caller (nscWho) and calls setns with nstype.
func setnsRow(name string, who nscWho, path string, nstype uapi.CloneFlags, errno uapi.Errno, check, reason string) nscCase {
	return nscCase{name: name, op: "setns", errno: errno, check: check, reason: reason,
		prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
			c := who(t, k)
			fd := nscOpen(t, k, c, path)
			return func() error { return c.Setns(fd, nstype) }, nil
		}}
}

// TestSetnsErrno covers setns(2) in 4.19 (reference §8.1) and the install
// preconditions (§8.3) of the uts, user and mnt types.
func TestSetnsErrno(t *testing.T) {
	t.Parallel()
	einval, eperm := uapi.EINVAL, uapi.EPERM
	// userTarget is a child init cloned with CLONE_NEWUSER: its user
	// namespace (owned by global root) is the setns target.
	userTarget := func(t *testing.T, k *kernsim.Kernel) *task.Task {
		return nscClone(t, k, k.Init(), uapi.CLONE_NEWUSER|nscSIGCHLD, "userns-holder")
	}
	cases := []nscCase{
		{name: "fd not open", op: "setns", errno: uapi.EBADF, check: "proc_ns_fget",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				return func() error { return k.Init().Setns(42, 0) }, nil
			}},
		{name: "negative fd", op: "setns", errno: uapi.EBADF, check: "proc_ns_fget",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				return func() error { return k.Init().Setns(-1, uapi.CLONE_NEWUTS) }, nil
			}},
		{name: "closed fd", op: "setns", errno: uapi.EBADF, check: "proc_ns_fget",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				fd := nscOpen(t, k, k.Init(), "/proc/self/ns/uts")
				require.NoError(t, k.Init().Close(fd))
				return func() error { return k.Init().Setns(fd, 0) }, nil
			}},
		setnsRow("directory /proc", nscInit, "/proc", 0, einval, "proc_ns_fget", "not an nsfs file"),
		setnsRow("directory /", nscInit, "/", uapi.CLONE_NEWUTS, einval, "proc_ns_fget", "not an nsfs file"),
		setnsRow("directory /proc/1", nscInit, "/proc/1", 0, einval, "proc_ns_fget", "not an nsfs file"),
		setnsRow("uts fd, nstype NEWUSER", nscInit, "/proc/self/ns/uts", uapi.CLONE_NEWUSER, einval, "setns", ""),
		setnsRow("user fd, nstype NEWUTS", nscInit, "/proc/self/ns/user", uapi.CLONE_NEWUTS, einval, "setns", ""),
		setnsRow("uts fd, nstype NEWUTS|NEWUSER", nscInit, "/proc/self/ns/uts", uapi.CLONE_NEWUTS|uapi.CLONE_NEWUSER, einval, "setns", ""),
		setnsRow("nstype checked before privilege", nscUser, "/proc/self/ns/uts", uapi.CLONE_NEWIPC, einval, "setns", ""),
		setnsRow("own user namespace", nscInit, "/proc/self/ns/user", uapi.CLONE_NEWUSER, einval, "userns_install", "own user namespace"),
		setnsRow("own user namespace, nstype 0", nscUser, "/proc/self/ns/user", 0, einval, "userns_install", "own user namespace"),
		setnsRow("unprivileged into its own (root-owned) uts", nscUser, "/proc/self/ns/uts", 0, eperm, "utsns_install", ""),
		// §8.3: every install needs CAP_SYS_ADMIN over the target's owner and
		// the caller's user namespace.
		setnsRow("unprivileged into its own ipc", nscUser, "/proc/self/ns/ipc", 0, eperm, "ipcns_install", ""),
		setnsRow("unprivileged into its own net", nscUser, "/proc/self/ns/net", uapi.CLONE_NEWNET, eperm, "netns_install", ""),
		setnsRow("unprivileged into its own cgroup", nscUser, "/proc/self/ns/cgroup", 0, eperm, "cgroupns_install", ""),
		setnsRow("unprivileged into its own mnt", nscUser, "/proc/self/ns/mnt", uapi.CLONE_NEWNS, eperm, "mntns_install", ""),
		setnsRow("unprivileged into its own pid", nscUser, "/proc/self/ns/pid", uapi.CLONE_NEWPID, eperm, "pidns_install", ""),
		setnsRow("net fd, nstype NEWIPC", nscInit, "/proc/self/ns/net", uapi.CLONE_NEWIPC, einval, "setns", ""),
		setnsRow("cgroup fd, nstype NEWNET", nscInit, "/proc/self/ns/cgroup", uapi.CLONE_NEWNET, einval, "setns", ""),
		{name: "unprivileged into a root-owned new uts", op: "setns", errno: eperm, check: "utsns_install",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				b := nscClone(t, k, k.Init(), uapi.CLONE_NEWUTS|nscSIGCHLD, "B")
				r := nscRoot(t, k)
				fd := nscOpen(t, k, r, fmt.Sprintf("/proc/%d/ns/uts", b.PID())) // while still root
				nscDrop(t, k, r, 1000)
				return func() error { return r.Setns(fd, uapi.CLONE_NEWUTS) }, nil
			}},
		{name: "user ns with a shared fs_struct (CLONE_FS)", op: "setns", errno: einval, check: "userns_install", reason: "fs_struct",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				c := userTarget(t, k)
				p := nscRoot(t, k)
				nscClone(t, k, p, uapi.CLONE_FS|nscSIGCHLD, "fs-sharer")
				fd := nscOpen(t, k, p, fmt.Sprintf("/proc/%d/ns/user", c.PID()))
				return func() error { return p.Setns(fd, uapi.CLONE_NEWUSER) }, nil
			}},
		{name: "user ns once the fs_struct is no longer shared", op: "setns",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				c := userTarget(t, k)
				p := nscRoot(t, k)
				q := nscClone(t, k, p, uapi.CLONE_FS|nscSIGCHLD, "fs-sharer")
				fd := nscOpen(t, k, p, fmt.Sprintf("/proc/%d/ns/user", c.PID()))
				nscExitReap(t, k, q)
				require.Equal(t, 1, p.FSUsers())
				return func() error { return p.Setns(fd, uapi.CLONE_NEWUSER) }, func(t *testing.T) {
					require.Same(t, c.UserNS(), p.UserNS())
					require.Equal(t, k.UserNS.CapFullSet(), p.Cred().CapEffective)
				}
			}},
		{name: "user ns from a multi-threaded caller", op: "setns", errno: einval, check: "userns_install", reason: "thread group",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				c := userTarget(t, k)
				p := nscRoot(t, k)
				nscClone(t, k, p, nscThread, "thread")
				fd := nscOpen(t, k, p, fmt.Sprintf("/proc/%d/ns/user", c.PID()))
				return func() error { return p.Setns(fd, uapi.CLONE_NEWUSER) }, nil
			}},
		{name: "unprivileged into a root-created user ns", op: "setns", errno: eperm, check: "userns_install",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				c := userTarget(t, k)
				r := nscRoot(t, k)
				fd := nscOpen(t, k, r, fmt.Sprintf("/proc/%d/ns/user", c.PID()))
				nscDrop(t, k, r, 1000)
				return func() error { return r.Setns(fd, 0) }, nil
			}},
		{name: "unprivileged into a user ns it owns", op: "setns",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				u := nscUser(t, k)
				// u is not dumpable since its setresuid, so it may not open
				// the child's links; the child opens its own, in the fd
				// table they share.
				c := nscClone(t, k, u, uapi.CLONE_NEWUSER|uapi.CLONE_FILES|nscSIGCHLD, "owned")
				fd := nscOpen(t, k, c, "/proc/self/ns/user")
				return func() error { return u.Setns(fd, uapi.CLONE_NEWUSER) }, func(t *testing.T) {
					require.Same(t, c.UserNS(), u.UserNS())
					require.Equal(t, k.UserNS.CapFullSet(), u.Cred().CapEffective)
				}
			}},
		{name: "mnt with a shared fs_struct", op: "setns", errno: einval, check: "mntns_install", reason: "fs_struct",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				p := nscRoot(t, k)
				nscClone(t, k, p, uapi.CLONE_FS|nscSIGCHLD, "fs-sharer")
				fd := nscOpen(t, k, p, "/proc/self/ns/mnt")
				return func() error { return p.Setns(fd, uapi.CLONE_NEWNS) }, nil
			}},
		{name: "own uts with nstype 0", op: "setns",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				in := k.Init()
				fd := nscOpen(t, k, in, "/proc/self/ns/uts")
				return func() error { return in.Setns(fd, 0) }, func(t *testing.T) {
					// setns always builds a new nsproxy (create_new_namespaces(0, ...)).
					require.NotSame(t, k.InitNSProxy, in.NSProxy())
					require.Equal(t, int64(1), k.InitNSProxy.Count())
					require.Same(t, k.UTS.Init, in.NSProxy().UTS())
					require.Equal(t, int64(4), k.UTS.Init.Count(), "static + init_nsproxy + the open file + init's new nsproxy")
				}
			}},
	}
	nscRun(t, cases)
}

// TestUTSSyscallErrno covers sethostname/setdomainname (reference §10): the
// capability in the owner of the caller's uts namespace is checked before the
// length; up to 64 bytes are stored, the rest of the 65-byte field zeroed,
// embedded NULs kept; and glibc's gethostname on top of uname(2).
func TestUTSSyscallErrno(t *testing.T) {
	t.Parallel()
	type setter struct {
		op    string
		field int
		set   func(tk *task.Task, s string) error
	}
	setters := []setter{
		{"sethostname", utsns.Nodename, (*task.Task).Sethostname},
		{"setdomainname", utsns.Domainname, (*task.Task).Setdomainname},
	}
	var cases []nscCase
	for _, s := range setters {
		row := func(name string, who nscWho, value string, errno uapi.Errno, check string, want []byte) nscCase {
			return nscCase{name: s.op + " " + name, op: s.op, errno: errno, check: check,
				prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
					c := who(t, k)
					require.NoError(t, s.set(c, "previous-longer-value")) // as root, before any drop
					if errno == 0 {
						return func() error { return s.set(c, value) }, func(t *testing.T) {
							name := c.NSProxy().UTS().Name()
							var field [uapi.NEW_UTS_LEN + 1]byte
							copy(field[:], want)
							require.Equal(t, field, name[s.field], "stored as given, the rest zeroed")
						}
					}
					return func() error { return s.set(c, value) }, nil
				}}
		}
		// The caller for the EPERM rows drops privileges after setting the
		// old value, so the value cannot have changed for another reason.
		userAfterSet := func(t *testing.T, k *kernsim.Kernel) *task.Task {
			r := nscRoot(t, k)
			require.NoError(t, r.Unshare(uapi.CLONE_NEWUTS)) // keep init's name out of it
			nscDrop(t, k, r, 1000)
			return r
		}
		rootPrivate := func(t *testing.T, k *kernsim.Kernel) *task.Task {
			r := nscRoot(t, k)
			require.NoError(t, r.Unshare(uapi.CLONE_NEWUTS))
			return r
		}
		x64, x65 := strings.Repeat("x", 64), strings.Repeat("x", 65)
		cases = append(cases,
			nscCase{name: s.op + " unprivileged, 65 bytes: EPERM first", op: s.op, errno: uapi.EPERM, check: "ns_capable",
				prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
					u := userAfterSet(t, k)
					return func() error { return s.set(u, x65) }, nil
				}},
			nscCase{name: s.op + " unprivileged", op: s.op, errno: uapi.EPERM, check: "ns_capable",
				prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
					u := userAfterSet(t, k)
					return func() error { return s.set(u, "short") }, nil
				}},
			row("65 bytes", rootPrivate, x65, uapi.EINVAL, s.op, nil),
			row("64 bytes", rootPrivate, x64, 0, "", []byte(x64)),
			row("empty", rootPrivate, "", 0, "", nil),
			row("embedded NUL", rootPrivate, "ab\x00cd", 0, "", []byte("ab\x00cd")),
			row("by init on the initial namespace", nscInit, "box", 0, "", []byte("box")),
		)
	}
	cases = append(cases,
		nscCase{name: "gethostname buffer too small", op: "gethostname", errno: uapi.ENAMETOOLONG, check: "gethostname (glibc)",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				return func() error {
					s, err := k.Init().Gethostname(len("(none)")) // no room for the NUL
					require.Equal(t, "(none)", s, "the bytes that fit are copied")
					return err
				}, nil
			}},
		nscCase{name: "gethostname exact fit", op: "gethostname", same: true,
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				return func() error {
					s, err := k.Init().Gethostname(len("(none)") + 1)
					require.Equal(t, "(none)", s)
					return err
				}, nil
			}},
		nscCase{name: "gethostname truncates", op: "gethostname", errno: uapi.ENAMETOOLONG, check: "gethostname (glibc)",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				return func() error {
					s, err := k.Init().Gethostname(3)
					require.Equal(t, "(no", s)
					return err
				}, nil
			}},
		nscCase{name: "gethostname negative length", op: "gethostname", errno: uapi.EINVAL, check: "gethostname",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				return func() error { _, err := k.Init().Gethostname(-1); return err }, nil
			}},
	)
	nscRun(t, cases)
}

// TestCreateUserNSErrno covers create_user_ns's error order (reference §12.1)
// and the namespace-count limits (§5) for user and uts namespaces.
func TestCreateUserNSErrno(t *testing.T) {
	t.Parallel()
	newUSR, newUTS := uapi.CLONE_NEWUSER, uapi.CLONE_NEWUTS
	limit := func(typ userns.UcountType, n int64) func(t *testing.T, k *kernsim.Kernel) {
		return func(_ *testing.T, k *kernsim.Kernel) { k.UserNS.SetUcountMax(k.UserNS.Init, typ, n) }
	}
	// limited wraps a caller so that the limit is set first and, optionally,
	// pre namespaces are created by init to use it up.
	limited := func(typ userns.UcountType, n int64, pre uapi.CloneFlags, who nscWho) nscWho {
		return func(t *testing.T, k *kernsim.Kernel) *task.Task {
			limit(typ, n)(t, k)
			if pre != 0 {
				nscClone(t, k, k.Init(), pre|nscSIGCHLD, "uses-the-limit")
			}
			return who(t, k)
		}
	}
	// inUserNS is root cloned into a fresh user namespace by init: full
	// capabilities there, but its euid (global 0) has no mapping in it.
	inUserNS := func(t *testing.T, k *kernsim.Kernel) *task.Task {
		c := nscClone(t, k, k.Init(), newUSR|nscSIGCHLD, "in-userns")
		require.Empty(t, c.UserNS().UIDMap())
		return c
	}
	userUSR := userns.UCOUNT_USER_NAMESPACES
	userUTS := userns.UCOUNT_UTS_NAMESPACES
	cases := []nscCase{
		cloneRow("max_user_namespaces 0", limited(userUSR, 0, 0, nscInit), newUSR, uapi.ENOSPC, "inc_user_namespaces", ""),
		cloneRow("max_user_namespaces 1 used", limited(userUSR, 1, newUSR, nscInit), newUSR, uapi.ENOSPC, "inc_user_namespaces", ""),
		unshareRow("max_user_namespaces 1 used (unshare)", limited(userUSR, 1, newUSR, nscRoot), newUSR, uapi.ENOSPC, "inc_user_namespaces", ""),
		// The charge is per creator euid (ucounts are per (ns, uid)).
		cloneRow("max_user_namespaces is per user", limited(userUSR, 1, newUSR, nscUser), newUSR, 0, "", ""),
		{name: "max_user_namespaces charge returned when the namespace dies", op: "clone",
			prepare: func(t *testing.T, k *kernsim.Kernel) (func() error, func(*testing.T)) {
				limit(userUSR, 1)(t, k)
				c := nscClone(t, k, k.Init(), newUSR|nscSIGCHLD, "first")
				require.Equal(t, int64(1), k.UserNS.Charged(k.UserNS.Init, 0, userUSR))
				nscExitReap(t, k, c)
				require.Zero(t, k.UserNS.Charged(k.UserNS.Init, 0, userUSR))
				return func() error {
					_, err := k.Init().Clone(task.CloneArgs{Flags: newUSR | nscSIGCHLD})
					return err
				}, nil
			}},
		cloneRow("max_uts_namespaces 0", limited(userUTS, 0, 0, nscInit), newUTS, uapi.ENOSPC, "inc_uts_namespaces", ""),
		cloneRow("max_uts_namespaces 1 used", limited(userUTS, 1, newUTS, nscInit), newUTS, uapi.ENOSPC, "inc_uts_namespaces", ""),
		unshareRow("max_uts_namespaces 0 (unshare)", limited(userUTS, 0, 0, nscRoot), newUTS, uapi.ENOSPC, "inc_uts_namespaces", ""),
		// A new user ns starts with INT_MAX limits, but the charge walks up to
		// init_user_ns, whose limit still applies; the new user ns is unwound.
		cloneRow("max_uts_namespaces binds a new user ns too", limited(userUTS, 0, 0, nscUser), newUSR|newUTS, uapi.ENOSPC, "inc_uts_namespaces", ""),
		unshareRow("max_uts_namespaces binds a new user ns too (unshare)", limited(userUTS, 0, 0, nscUser), newUSR|newUTS, uapi.ENOSPC, "inc_uts_namespaces", ""),
		// Step 4: the creator's euid and egid must be mapped in the parent.
		cloneRow("unmapped euid (clone)", inUserNS, newUSR, uapi.EPERM, "create_user_ns", "no mapping"),
		unshareRow("unmapped euid (unshare)", inUserNS, newUSR, uapi.EPERM, "create_user_ns", "no mapping"),
		cloneRow("unmapped euid, unprivileged creator", func(t *testing.T, k *kernsim.Kernel) *task.Task {
			return nscClone(t, k, nscUser(t, k), newUSR|nscSIGCHLD, "in-userns")
		}, newUSR, uapi.EPERM, "create_user_ns", "no mapping"),
		// Step 2 comes before step 4: the ancestor's limit is hit first.
		cloneRow("ucount checked before the mapping", func(t *testing.T, k *kernsim.Kernel) *task.Task {
			limit(userUSR, 1)(t, k)
			return inUserNS(t, k) // uses the one allowed user namespace
		}, newUSR, uapi.ENOSPC, "inc_user_namespaces", ""),
	}
	nscRun(t, cases)
}
