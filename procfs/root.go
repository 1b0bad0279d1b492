package procfs

import (
	"sort"
	"strconv"

	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// FS is one Kernel's procfs.
type FS struct {
	k *task.Kernel
}

// New builds the procfs of k; mount it at /proc with k.Mount.
func New(k *task.Kernel) *FS { return &FS{k: k} }

// Root implements task.Filesystem.
func (fs *FS) Root() task.Dir { return rootDir{fs} }

func noent(what string) error { return noentAt(what, "proc_lookup") }

func noentAt(what, check string) error {
	return uapi.Err("lookup", uapi.ENOENT, what+": no such file or directory", check)
}

type rootDir struct{ fs *FS }

func (rootDir) Mode() uint32 { return task.S_IFDIR | 0o555 }

// Lookup mirrors proc_root_lookup: the fixed entries, then a pid
// (proc_pid_lookup; any thread's id resolves, only group leaders are listed).
func (d rootDir) Lookup(t *task.Task, name string) (task.Inode, error) {
	switch name {
	case "self":
		return selfLink{}, nil
	case "thread-self":
		return threadSelfLink{}, nil
	case "sys":
		return sysDir{d.fs}, nil
	}
	pid, err := strconv.Atoi(name)
	if err != nil || pid <= 0 || pid > 1<<22 {
		return nil, noent("/proc/" + name)
	}
	target := d.fs.k.Task(int32(pid))
	if target == nil || target.State() == task.Dead {
		return nil, noentAt("/proc/"+name, "proc_pid_lookup")
	}
	return pidDir{target}, nil
}

// Readdir mirrors proc_root_readdir: the fixed entries, then every thread
// group leader's pid in increasing order.
func (d rootDir) Readdir(t *task.Task) ([]string, error) {
	names := []string{"self", "sys", "thread-self"}
	sort.Strings(names)
	for _, p := range d.fs.k.Tasks() {
		if p.TGID() == p.PID() && p.State() != task.Dead {
			names = append(names, strconv.Itoa(int(p.PID())))
		}
	}
	return names, nil
}

type selfLink struct{}

func (selfLink) Mode() uint32 { return task.S_IFLNK | 0o777 }

// Readlink mirrors proc_self_get_link: the reader's tgid.
func (selfLink) Readlink(t *task.Task) (string, error) { return strconv.Itoa(int(t.TGID())), nil }

type threadSelfLink struct{}

func (threadSelfLink) Mode() uint32 { return task.S_IFLNK | 0o777 }

// Readlink mirrors proc_thread_self_get_link: "<tgid>/task/<tid>".
func (threadSelfLink) Readlink(t *task.Task) (string, error) {
	return strconv.Itoa(int(t.TGID())) + "/task/" + strconv.Itoa(int(t.PID())), nil
}
