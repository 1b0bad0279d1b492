package procfs

import (
	"strconv"

	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
)

// pidDir is /proc/<pid> (proc_tgid_base_operations) and /proc/<pid>/task/<tid>.
type pidDir struct{ t *task.Task }

func (pidDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

func (d pidDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	switch name {
	case "ns":
		return nsDir(d), nil
	case "task":
		return taskDir(d), nil
	case "uid_map":
		return mapFile{d.t, userns.UIDMap}, nil
	case "gid_map":
		return mapFile{d.t, userns.GIDMap}, nil
	case "projid_map":
		return mapFile{d.t, userns.ProjidMap}, nil
	case "setgroups":
		return setgroupsFile{d.t}, nil
	}
	return nil, noent("/proc/" + strconv.Itoa(int(d.t.PID())) + "/" + name)
}

// Readdir lists the entries in tgid_base_stuff order.
func (pidDir) Readdir(*task.Task) ([]string, error) {
	return []string{"task", "ns", "uid_map", "gid_map", "projid_map", "setgroups"}, nil
}

// taskDir is /proc/<pid>/task: one directory per thread of the group.
type taskDir struct{ t *task.Task }

func (taskDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

func (d taskDir) Lookup(r *task.Task, name string) (task.Inode, error) {
	tid, err := strconv.Atoi(name)
	if err == nil {
		if th := d.t.Kernel().Task(int32(tid)); th != nil && th.TGID() == d.t.TGID() && th.State() != task.Dead {
			return pidDir{th}, nil
		}
	}
	return nil, noent("/proc/" + strconv.Itoa(int(d.t.PID())) + "/task/" + name)
}

func (d taskDir) Readdir(*task.Task) ([]string, error) {
	var names []string
	for _, th := range d.t.Kernel().Tasks() {
		if th.TGID() == d.t.TGID() && th.State() != task.Dead {
			names = append(names, strconv.Itoa(int(th.PID())))
		}
	}
	return names, nil
}

// nsNames is the 4.19 order of /proc/<pid>/ns (fs/proc/namespaces.c ns_entries).
var nsNames = [...]string{"net", "uts", "ipc", "pid", "pid_for_children", "user", "mnt", "cgroup"}

// nsDir is /proc/<pid>/ns.
type nsDir struct{ t *task.Task }

func (nsDir) Mode() uint32 { return task.S_IFDIR | 0o511 }

func (d nsDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	for _, n := range nsNames {
		if n == name {
			return nsLink{d.t, name}, nil
		}
	}
	return nil, noent("/proc/" + strconv.Itoa(int(d.t.PID())) + "/ns/" + name)
}

func (nsDir) Readdir(*task.Task) ([]string, error) { return append([]string(nil), nsNames[:]...), nil }

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
