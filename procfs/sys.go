package procfs

import (
	"bytes"
	"math"
	"sort"
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// sysDir is /proc/sys: kernel and user.
type sysDir struct{ fs *FS }

func (sysDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

func (d sysDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	switch name {
	case "kernel":
		return sysKernelDir{}, nil
	case "user":
		return sysUserDir{}, nil
	}
	return nil, noent("/proc/sys/" + name)
}

func (sysDir) Readdir(*task.Task) ([]string, error) { return []string{"kernel", "user"}, nil }

type sysKernelDir struct{}

func (sysKernelDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

func (sysKernelDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	switch name {
	case "hostname":
		return utsFile{utsns.Nodename}, nil
	case "domainname":
		return utsFile{utsns.Domainname}, nil
	case "ns_last_pid":
		return lastPidFile{}, nil
	case "pid_max":
		return pidMaxFile{}, nil
	}
	if isIPCSysctl(name) {
		return ipcSysctl{name}, nil
	}
	return nil, noent("/proc/sys/kernel/" + name)
}

// Readdir lists the entries in name order, as the sysctl tree keeps them.
func (sysKernelDir) Readdir(*task.Task) ([]string, error) {
	names := append([]string{"domainname", "hostname", "ns_last_pid", "pid_max"}, ipcns.SysctlNames()...)
	sort.Strings(names)
	return names, nil
}

// mayOpenRootFile is the DAC check of a root-owned sysctl file of mode 0644
// (generic_permission): read is always allowed; write needs fsuid 0, or
// CAP_DAC_OVERRIDE in the caller's user namespace with the file's owner (global
// root) mapped there (capable_wrt_inode_uidgid).
func mayOpenRootFile(t *task.Task, flags int) error {
	if flags&task.O_ACCMODE == task.O_RDONLY {
		return nil
	}
	c := t.Cred()
	if c.FSUID == 0 {
		return nil
	}
	if userns.NSCapable(c, c.UserNS(), uapi.CAP_DAC_OVERRIDE) && userns.KUIDHasMapping(c.UserNS(), 0) {
		return nil
	}
	return uapi.Err("open", uapi.EACCES, "write to a root-owned 0644 file without fsuid 0 or CAP_DAC_OVERRIDE", "generic_permission")
}

// utsFile is /proc/sys/kernel/hostname or domainname (kernel/utsname_sysctl.c).
type utsFile struct{ field int }

func (utsFile) Mode() uint32 { return task.S_IFREG | 0o644 }

func (f utsFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if err := mayOpenRootFile(t, flags); err != nil {
		return nil, err
	}
	return f, nil
}

// Read mirrors proc_do_uts_string for reading: the reader's name and "\n".
func (f utsFile) Read(t *task.Task, off int64, n int) ([]byte, error) {
	uts := t.NSProxy().UTS()
	name := uts.Name()
	return window([]byte(name.Field(f.field)+"\n"), off, n), nil
}

// Write mirrors proc_do_uts_string → proc_dostring for writing, in the writer's
// UTS namespace, with no capability test (the file mode is the only guard): the
// bytes up to the first newline or NUL, at most 64, replace the name from the
// write position on (sysctl_writes_strict); the whole count is reported even
// when the name was truncated.
func (f utsFile) Write(t *task.Task, off int64, p []byte) (int, error) {
	if off < 0 || off >= uapi.NEW_UTS_LEN {
		return len(p), nil
	}
	val := p
	if i := bytes.IndexAny(val, "\n\x00"); i >= 0 {
		val = val[:i]
	}
	uts := t.NSProxy().UTS()
	old := uts.Name()
	cur := []byte(old.Field(f.field))
	if int(off) < len(cur) {
		cur = cur[:off]
	}
	for len(cur) < int(off) {
		cur = append(cur, 0)
	}
	next := append(cur, val...)
	if len(next) > uapi.NEW_UTS_LEN {
		next = next[:uapi.NEW_UTS_LEN]
	}
	uts.SetField(f.field, string(next))
	return len(p), nil
}

func (utsFile) Release(*ns.Ctx) {}

// window returns b[off:off+n], clipped.
func window(b []byte, off int64, n int) []byte {
	if off >= int64(len(b)) || off < 0 {
		return nil
	}
	b = b[off:]
	if n < len(b) {
		b = b[:n]
	}
	return b
}

// sysUserDir is /proc/sys/user: the reader's user namespace's limits
// (kernel/ucount.c: user_table, set_lookup → current_user_ns).
type sysUserDir struct{}

func (sysUserDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

// userLimits are the 4.19 /proc/sys/user files in user_table order.
var userLimits = [...]userns.UcountType{
	userns.UCOUNT_USER_NAMESPACES, userns.UCOUNT_PID_NAMESPACES, userns.UCOUNT_UTS_NAMESPACES,
	userns.UCOUNT_IPC_NAMESPACES, userns.UCOUNT_NET_NAMESPACES, userns.UCOUNT_MNT_NAMESPACES,
	userns.UCOUNT_CGROUP_NAMESPACES, userns.UCOUNT_INOTIFY_INSTANCES, userns.UCOUNT_INOTIFY_WATCHES,
}

func (sysUserDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	for _, u := range userLimits {
		if u.Name() == name {
			return limitFile{u}, nil
		}
	}
	return nil, noent("/proc/sys/user/" + name)
}

func (sysUserDir) Readdir(*task.Task) ([]string, error) {
	names := make([]string, len(userLimits))
	for i, u := range userLimits {
		names[i] = u.Name()
	}
	return names, nil
}

// limitFile is /proc/sys/user/max_<type>: an int in [0, INT_MAX].
type limitFile struct{ typ userns.UcountType }

func (limitFile) Mode() uint32 { return task.S_IFREG | 0o644 }

// Open mirrors set_permissions (kernel/ucount.c): with CAP_SYS_RESOURCE in the
// reader's user namespace the file is 0644 for everyone, otherwise 0444.
func (f limitFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if flags&task.O_ACCMODE != task.O_RDONLY {
		c := t.Cred()
		if !userns.NSCapable(c, c.UserNS(), uapi.CAP_SYS_RESOURCE) {
			return nil, uapi.Err("open", uapi.EACCES, "no CAP_SYS_RESOURCE in the user namespace", "set_permissions")
		}
	}
	return f, nil
}

// Read mirrors proc_dointvec: "%d\n".
func (f limitFile) Read(t *task.Task, off int64, n int) ([]byte, error) {
	u := t.UserNS()
	v := u.Globals().UcountMax(u, f.typ)
	return window([]byte(strconv.FormatInt(v, 10)+"\n"), off, n), nil
}

// Write mirrors proc_dointvec_minmax with the range [0, INT_MAX]
// (parseMinmaxInt: the kernel's number syntax, hex and octal included);
// anything else is EINVAL and stores nothing. A write past offset 0 is
// ignored (sysctl_writes_strict).
func (f limitFile) Write(t *task.Task, off int64, p []byte) (int, error) {
	if off != 0 {
		return len(p), nil
	}
	n, v, stored, err := parseMinmaxInt(t, p, 0, math.MaxInt32, "[0, 2147483647]")
	if err != nil || !stored {
		return n, err
	}
	u := t.UserNS()
	u.Globals().SetUcountMax(u, f.typ, int64(v))
	return n, nil
}

func (limitFile) Release(*ns.Ctx) {}
