package procfs

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// mayOpenTaskFile is generic_permission for a /proc/<pid> file of mode 0644:
// the inode belongs to the task's euid/egid when it is dumpable, else to
// global root (task_dump_owner); reading is open to all; writing needs the
// opener's fsuid to be the owner, or CAP_DAC_OVERRIDE in the opener's user
// namespace with the owner mapped there (capable_wrt_inode_uidgid).
func mayOpenTaskFile(t, target *task.Task, flags int) error {
	if flags&task.O_ACCMODE == task.O_RDONLY {
		return nil
	}
	owner := uint32(0)
	if target.Dumpable() {
		owner = target.Cred().EUID
	}
	c := t.Cred()
	if c.FSUID == owner {
		return nil
	}
	if userns.NSCapable(c, c.UserNS(), uapi.CAP_DAC_OVERRIDE) && userns.KUIDHasMapping(c.UserNS(), owner) {
		return nil
	}
	return uapi.Err("open", uapi.EACCES, "write needs the file's owner (the task's euid) or CAP_DAC_OVERRIDE", "generic_permission")
}

// mapFile is /proc/<pid>/{uid_map,gid_map,projid_map} (fs/proc/base.c,
// kernel/user_namespace.c).
type mapFile struct {
	target *task.Task
	kind   userns.MapKind
}

func (mapFile) Mode() uint32 { return task.S_IFREG | 0o644 }

// Open mirrors proc_id_map_open: the file is bound to the task's user
// namespace at open time. The opener's credentials are the file's f_cred
// (held by the task.File, which outlives these operations); the write checks
// and the read view use them.
func (f mapFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if err := mayOpenTaskFile(t, f.target, flags); err != nil {
		return nil, err
	}
	target := f.target.UserNS()
	target.Get()
	return &openMap{kind: f.kind, ns: target, opener: t.Cred()}, nil
}

type openMap struct {
	kind   userns.MapKind
	ns     *userns.Namespace
	opener *userns.Cred
}

// Read mirrors uid_m_show and friends: the extents as the opener sees them.
func (m *openMap) Read(t *task.Task, off int64, n int) ([]byte, error) {
	return window([]byte(userns.MapRead(m.ns, m.kind, m.opener.UserNS())), off, n), nil
}

// Write mirrors proc_uid_map_write (→ map_write).
func (m *openMap) Write(t *task.Task, off int64, p []byte) (int, error) {
	return userns.MapWrite(t.Ctx(), m.ns, m.kind, m.opener, t.Cred(), off, p)
}

// Pinned reports the user namespace the open file holds.
func (m *openMap) Pinned() ns.Namespace { return m.ns }

// Release mirrors proc_id_map_release: drop the namespace (fput then drops f_cred).
func (m *openMap) Release(ctx *ns.Ctx) { m.ns.Put(ctx) }

// setgroupsFile is /proc/<pid>/setgroups.
type setgroupsFile struct{ target *task.Task }

func (setgroupsFile) Mode() uint32 { return task.S_IFREG | 0o644 }

// Open mirrors proc_setgroups_open: writing needs CAP_SYS_ADMIN over the
// task's user namespace (EACCES).
func (f setgroupsFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if err := mayOpenTaskFile(t, f.target, flags); err != nil {
		return nil, err
	}
	target := f.target.UserNS()
	c := t.Cred()
	if err := userns.SetgroupsOpen(target, c, flags&task.O_ACCMODE != task.O_RDONLY); err != nil {
		return nil, err
	}
	target.Get()
	return &openSetgroups{ns: target, opener: c}, nil
}

type openSetgroups struct {
	ns     *userns.Namespace
	opener *userns.Cred
}

func (s *openSetgroups) Read(t *task.Task, off int64, n int) ([]byte, error) {
	return window([]byte(userns.SetgroupsRead(s.ns)), off, n), nil
}

func (s *openSetgroups) Write(t *task.Task, off int64, p []byte) (int, error) {
	return userns.SetgroupsWrite(t.Ctx(), s.ns, s.opener, off, p)
}

func (s *openSetgroups) Release(ctx *ns.Ctx) { s.ns.Put(ctx) }

// Pinned reports the user namespace the open file holds.
func (s *openSetgroups) Pinned() ns.Namespace { return s.ns }
