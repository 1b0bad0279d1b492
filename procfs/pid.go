package procfs

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
)

// pidDir is /proc/<pid> (proc_tgid_base_operations) or, with thread set,
// /proc/<pid>/task/<tid> (proc_tid_base_operations), in the proc instance of
// pid namespace ns.
type pidDir struct {
	t      *task.Task
	ns     *pidns.Namespace
	thread bool
}

func (pidDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

// path names the directory as the proc's namespace numbers it.
func (d pidDir) path() string {
	p := "/proc/" + nrString(d.t.GroupLeader().PidIn(d.ns))
	if d.thread {
		p += "/task/" + nrString(d.t.PidIn(d.ns))
	}
	return p
}

func nrString(nr int32) string { return strconv.FormatUint(uint64(uint32(nr)), 10) }

func (d pidDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	switch name {
	case "task":
		if !d.thread {
			return taskDir{d.t, d.ns}, nil
		}
	case "ns":
		return nsDir{d.t, d.path()}, nil
	case "net":
		return netDir{d.t}, nil
	case "status":
		return statusFile{d.t, d.ns}, nil
	case "mounts":
		return mountsFile{t: d.t}, nil
	case "mountinfo":
		return mountsFile{t: d.t, info: true}, nil
	case "uid_map":
		return mapFile{d.t, userns.UIDMap}, nil
	case "gid_map":
		return mapFile{d.t, userns.GIDMap}, nil
	case "projid_map":
		return mapFile{d.t, userns.ProjidMap}, nil
	case "setgroups":
		return setgroupsFile{d.t}, nil
	case "cgroup":
		return cgroupFile{d.t}, nil
	case "timens_offsets":
		if !d.thread && d.t.Kernel().Env.Mainline() {
			return timensOffsetsFile{d.t}, nil
		}
	}
	return nil, noent(d.path() + "/" + name)
}

// Readdir lists the entries in tgid_base_stuff (or tid_base_stuff) order.
func (d pidDir) Readdir(*task.Task) ([]string, error) {
	names := []string{"task", "ns", "net", "status", "mounts", "mountinfo", "cgroup", "uid_map", "gid_map", "projid_map", "setgroups"}
	if d.thread {
		return names[1:], nil
	}
	if d.t.Kernel().Env.Mainline() { // after status, as tgid_base_stuff has it (5.6)
		names = append(names[:4], append([]string{"timens_offsets"}, names[4:]...)...)
	}
	return names, nil
}

// taskDir is /proc/<pid>/task: one directory per thread of the group.
type taskDir struct {
	t  *task.Task
	ns *pidns.Namespace
}

func (taskDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

// Lookup mirrors proc_task_lookup: the thread numbered name in the proc's pid
// namespace, if it belongs to the same thread group.
func (d taskDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	if nr, ok := nameToInt(name); ok {
		if th := findTask(d.ns, nr); th != nil && th.GroupLeader() == d.t.GroupLeader() {
			return pidDir{t: th, ns: d.ns, thread: true}, nil
		}
	}
	return nil, noent("/proc/" + nrString(d.t.GroupLeader().PidIn(d.ns)) + "/task/" + name)
}

// Readdir mirrors proc_task_readdir (first_tid, next_tid): the group leader,
// then the other threads in thread-list order (creation order, which is
// global pid order until pids wrap), each by its number in the proc's
// namespace. A reaped leader's directory is empty.
func (d taskDir) Readdir(*task.Task) ([]string, error) {
	leader := d.t.GroupLeader()
	if leader.State() == task.Dead {
		return nil, nil
	}
	names := []string{nrString(leader.PidIn(d.ns))}
	for _, th := range d.t.Kernel().TasksLocked() {
		if th != leader && th.GroupLeader() == leader && th.State() != task.Dead {
			names = append(names, nrString(th.PidIn(d.ns)))
		}
	}
	return names, nil
}

// nsNames is the order of /proc/<pid>/ns (fs/proc/namespaces.c ns_entries):
// 4.19's eight, then mainline's time and time_for_children (5.6).
var nsNames = [...]string{"net", "uts", "ipc", "pid", "pid_for_children", "user", "mnt", "cgroup", "time", "time_for_children"}

// nsNamesFor returns the entries the reader's kernel has.
func nsNamesFor(k *task.Kernel) []string {
	if k.Env.Mainline() {
		return nsNames[:]
	}
	return nsNames[:8]
}

// nsDir is /proc/<pid>/ns.
type nsDir struct {
	t    *task.Task
	path string // the pid directory, for messages
}

func (nsDir) Mode() uint32 { return task.S_IFDIR | 0o511 }

func (d nsDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	for _, n := range nsNamesFor(d.t.Kernel()) {
		if n == name {
			return nsLink{d.t, name}, nil
		}
	}
	return nil, noent(d.path + "/ns/" + name)
}

func (d nsDir) Readdir(*task.Task) ([]string, error) {
	return append([]string(nil), nsNamesFor(d.t.Kernel())...), nil
}

// nsLink is /proc/<pid>/ns/<name>: a magic link to the namespace.
type nsLink struct {
	target *task.Task
	name   string
}

func (nsLink) Mode() uint32 { return task.S_IFLNK | 0o777 }

// Readlink mirrors proc_ns_readlink → ns_get_name: "<type>:[<inum>]", with a
// reference taken and dropped around the read.
func (l nsLink) Readlink(t *task.Task) (string, error) {
	n, err := t.ProcNSGet(l.target, l.name, "readlink")
	if err != nil {
		return "", err
	}
	link := n.NS().Link()
	t.PutNS(n)
	return link, nil
}

// OpenLink mirrors proc_ns_get_link → ns_get_path: an nsfs file on the namespace.
func (l nsLink) OpenLink(t *task.Task) (task.FileOps, error) {
	n, err := t.ProcNSGet(l.target, l.name, "open")
	if err != nil {
		return nil, err
	}
	return t.NewNSFile(n), nil
}
