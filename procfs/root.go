package procfs

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// FS is one proc instance (a superblock): the Kernel and the pid namespace
// it was mounted for (s_fs_info), whose processes it shows.
type FS struct {
	k     *task.Kernel
	pidNS *pidns.Namespace
}

// New builds the boot procfs of k, the instance of init_pid_ns; mount it at
// /proc with k.Mount.
func New(k *task.Kernel) *FS { return &FS{k: k, pidNS: k.PidNS.Init} }

// NewFor builds the proc instance of pid namespace n, as proc_mount makes
// for a mounter whose active pid namespace is n.
func NewFor(k *task.Kernel, n *pidns.Namespace) *FS { return &FS{k: k, pidNS: n} }

// Root implements task.Filesystem.
func (fs *FS) Root() task.Dir { return rootDir{fs} }

func noent(what string) error { return noentAt(what, "proc_lookup") }

func noentAt(what, check string) error {
	return uapi.Err("lookup", uapi.ENOENT, what+": no such file or directory", check)
}

// nameToInt mirrors name_to_int (fs/proc/util.c): a string of decimal digits
// without a leading zero (unless it is "0"), below (~0U-9)/10 before its last
// digit; ok is false for anything else.
func nameToInt(name string) (n uint32, ok bool) {
	if name == "" || len(name) > 1 && name[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(name); i++ {
		c := uint32(name[i]) - '0'
		if c > 9 || n >= (^uint32(0)-9)/10 {
			return 0, false
		}
		n = n*10 + c
	}
	return n, true
}

// findTask mirrors find_task_by_pid_ns for a number from name_to_int: the
// task numbered nr in ns that copy_process has finished attaching and that
// has not been reaped, or nil. The unsigned number becomes a pid_t, so values
// above INT_MAX find nothing.
func findTask(ns *pidns.Namespace, nr uint32) *task.Task {
	p, _ := ns.FindTask(int(int32(nr))).(*task.Task)
	if p == nil || p.GroupLeader() == nil || p.State() == task.Dead {
		return nil
	}
	return p
}

// rootDir is /proc. Every task sees the proc instance of its own active pid
// namespace (see the package documentation): the namespace is the reader's,
// resolved at each lookup, as a proc mounted inside that namespace would fix
// it in its superblock.
type rootDir struct{ fs *FS }

func (rootDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

// Lookup mirrors proc_root_lookup: the fixed entries, then a pid
// (proc_pid_lookup: name_to_int, then find_task_by_pid_ns in the proc's pid
// namespace; any thread's id resolves, only group leaders are listed). A
// process invisible in the namespace, whatever its number elsewhere, is
// ENOENT.
func (d rootDir) Lookup(t *task.Task, name string) (task.Inode, error) {
	ns := d.fs.pidNS
	switch name {
	case "self":
		return selfLink{ns}, nil
	case "thread-self":
		return threadSelfLink{ns}, nil
	case "sys":
		return sysDir{d.fs}, nil
	case "mounts":
		return mountsLink{}, nil
	case "sysvipc":
		return sysvipcDir{}, nil
	case "net":
		return netLink{}, nil
	}
	nr, ok := nameToInt(name)
	if !ok {
		return nil, noent("/proc/" + name)
	}
	target := findTask(ns, nr)
	if target == nil {
		return nil, noentAt("/proc/"+name, "proc_pid_lookup")
	}
	return pidDir{t: target, ns: ns}, nil
}

// Readdir mirrors proc_root_readdir: the registered entries (proc_readdir:
// "sys"), then proc_pid_readdir's "self" and "thread-self", then every thread
// group leader with a pid in the namespace, by its number there in increasing
// order (next_tgid: find_ge_pid, skipping pids whose task is not a group
// leader). Zombies are listed until they are reaped.
func (d rootDir) Readdir(t *task.Task) ([]string, error) {
	ns := d.fs.pidNS
	names := []string{"net", "sys", "mounts", "sysvipc", "self", "thread-self"}
	for _, p := range ns.AppendPids(nil) {
		tk, _ := p.Task().(*task.Task)
		if tk == nil || tk.GroupLeader() != tk || tk.State() == task.Dead {
			continue
		}
		names = append(names, strconv.FormatUint(uint64(uint32(p.Nr(ns))), 10))
	}
	return names, nil
}

// selfLink is /proc/self of the proc instance of pid namespace ns.
type selfLink struct{ ns *pidns.Namespace }

func (selfLink) Mode() uint32 { return task.S_IFLNK | 0o777 }

// Readlink mirrors proc_self_get_link: the reader's tgid as the proc's
// namespace numbers it ("%u"), ENOENT when it has no number there.
func (l selfLink) Readlink(t *task.Task) (string, error) {
	tgid := t.GroupLeader().PidIn(l.ns)
	if tgid == 0 {
		return "", uapi.Err("readlink", uapi.ENOENT, "the reader has no pid in this proc's namespace", "proc_self_get_link")
	}
	return strconv.FormatUint(uint64(uint32(tgid)), 10), nil
}

// threadSelfLink is /proc/thread-self of the proc instance of ns.
type threadSelfLink struct{ ns *pidns.Namespace }

func (threadSelfLink) Mode() uint32 { return task.S_IFLNK | 0o777 }

// Readlink mirrors proc_thread_self_get_link: "%u/task/%u" of the reader's
// tgid and tid in the proc's namespace, ENOENT without a tid there.
func (l threadSelfLink) Readlink(t *task.Task) (string, error) {
	tgid := t.GroupLeader().PidIn(l.ns)
	pid := t.PidIn(l.ns)
	if pid == 0 {
		return "", uapi.Err("readlink", uapi.ENOENT, "the reader has no pid in this proc's namespace", "proc_thread_self_get_link")
	}
	return strconv.FormatUint(uint64(uint32(tgid)), 10) + "/task/" + strconv.FormatUint(uint64(uint32(pid)), 10), nil
}
