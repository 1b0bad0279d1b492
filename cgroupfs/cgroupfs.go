package cgroupfs

import (
	"sort"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// FS is one Kernel's cgroup filesystem.
type FS struct {
	k *task.Kernel
	g *cgroup.Globals
}

// New builds the cgroupfs of k; mount it at /sys/fs/cgroup.
func New(k *task.Kernel) *FS { return &FS{k: k, g: k.Cgroup} }

// Root implements task.Filesystem.
func (fs *FS) Root() task.Dir {
	var v1 []*cgroup.Root
	for _, r := range fs.g.Roots() {
		if !r.IsDfl() {
			v1 = append(v1, r)
		}
	}
	if len(v1) == 0 {
		return cgDir{fs, fs.g.Dfl().Cgroup()}
	}
	d := &task.StaticDir{Perm: 0o755, Children: map[string]task.Inode{"unified": cgDir{fs, fs.g.Dfl().Cgroup()}}}
	for _, r := range v1 {
		d.Children[r.Name()] = cgDir{fs, r.Cgroup()}
	}
	return d
}

// cgDir is a cgroup's directory.
type cgDir struct {
	fs *FS
	cg *cgroup.Cgroup
}

// Mode returns S_IFDIR and the directory's permission bits.
func (d cgDir) Mode() uint32 { return d.fs.attr(d.cg, "").Mode }

// Attr and Setattr implement task.Chowner.
func (d cgDir) Attr() task.InodeAttr { return d.fs.attr(d.cg, "") }
func (d cgDir) Setattr(t *task.Task, fn func(task.InodeAttr) (task.InodeAttr, error)) error {
	return chownable{d.fs, d.cg, ""}.Setattr(t, fn)
}

func (d cgDir) files() []string { return d.fs.files(d.cg) }

// files lists c's interface files in name order: the core files of its
// hierarchy kind, and the pids controller's where its css is visible (not
// on a root): pids.current, pids.events, pids.max, and in mainline
// pids.peak and, on v2, pids.events.local.
func (fs *FS) files(c *cgroup.Cgroup) []string {
	var names []string
	if !c.Root().IsDfl() {
		names = []string{"cgroup.procs", "tasks"}
	} else {
		names = []string{"cgroup.controllers", "cgroup.max.depth", "cgroup.max.descendants",
			"cgroup.procs", "cgroup.stat", "cgroup.subtree_control", "cgroup.threads"}
		if c.Parent() != nil {
			names = append(names, "cgroup.events", "cgroup.type")
		}
	}
	if _, err := fs.g.ReadPidsCurrent(c); err == nil {
		names = append(names, "pids.current", "pids.events", "pids.max")
		if fs.k.Env.Mainline() {
			names = append(names, "pids.peak")
			if c.Root().IsDfl() {
				names = append(names, "pids.events.local")
			}
		}
	}
	sort.Strings(names)
	return names
}

// Lookup finds a child cgroup or an interface file.
func (d cgDir) Lookup(_ *task.Task, name string) (task.Inode, error) {
	if c := d.cg.Child(name); c != nil && !c.IsDead() {
		return cgDir{d.fs, c}, nil
	}
	for _, f := range d.files() {
		if f == name {
			return cgFile{fs: d.fs, cg: d.cg, name: name}, nil
		}
	}
	return nil, uapi.Err("lookup", uapi.ENOENT, name+": no such file or directory", "kernfs_iop_lookup")
}

// Readdir lists the interface files, then the child cgroups, each by name.
func (d cgDir) Readdir(*task.Task) ([]string, error) {
	names := d.files()
	var kids []string
	for _, c := range d.cg.Children() {
		if !c.IsDead() {
			kids = append(kids, c.Name())
		}
	}
	sort.Strings(kids)
	return append(names, kids...), nil
}

// Mkdir mirrors mkdir(2) in a cgroup directory: the VFS's checks (a name
// longer than NAME_MAX is ENAMETOOLONG, an existing child or file EEXIST,
// then may_create: write and search permission on the directory, EACCES),
// then cgroup_mkdir (the core's checks). The new directory has mode &
// 01777 and, with its files, belongs to the caller's fsuid and fsgid
// (cgroup_kn_set_ugid).
func (d cgDir) Mkdir(t *task.Task, name string, mode uint32) error {
	if len(name) > 255 {
		return uapi.Err("mkdir", uapi.ENAMETOOLONG, "name longer than NAME_MAX (255)", "link_path_walk")
	}
	if name == "." || name == ".." {
		return uapi.Err("mkdir", uapi.EEXIST, name+" exists", "filename_create")
	}
	if c := d.cg.Child(name); c != nil && !c.IsDead() {
		return uapi.Err("mkdir", uapi.EEXIST, name+" exists", "filename_create")
	}
	for _, f := range d.files() {
		if f == name {
			return uapi.Err("mkdir", uapi.EEXIST, name+" exists", "filename_create")
		}
	}
	if err := d.fs.mayCreate(t, d.cg); err != nil {
		return err
	}
	c, err := d.fs.g.Mkdir(t.Ctx(), d.cg, name)
	if err != nil {
		return err
	}
	_ = d.fs.setattr(c, "", func(a task.InodeAttr) (task.InodeAttr, error) {
		a.Mode = task.S_IFDIR | mode&0o1777
		return a, nil
	})
	cred := t.Cred()
	d.fs.setUgid(c, append([]string{""}, d.fs.files(c)...), cred.FSUID, cred.FSGID)
	return nil
}

// Rmdir mirrors rmdir(2) of a child of a cgroup directory: the victim must
// exist (ENOENT); may_delete: write and search permission on the directory
// (EACCES), the sticky-bit rule (EPERM), a file is ENOTDIR; then
// cgroup_rmdir (EBUSY when populated or with children).
func (d cgDir) Rmdir(t *task.Task, name string) error {
	c := d.cg.Child(name)
	if c == nil || c.IsDead() {
		for _, f := range d.files() {
			if f == name {
				if err := d.fs.mayDelete(t, d.cg, d.fs.attr(d.cg, f)); err != nil {
					return err
				}
				return uapi.Err("rmdir", uapi.ENOTDIR, name+" is a file", "may_delete")
			}
		}
		return uapi.Err("rmdir", uapi.ENOENT, name+": no such cgroup", "may_delete")
	}
	if err := d.fs.mayDelete(t, d.cg, d.fs.attr(c, "")); err != nil {
		return err
	}
	return d.fs.g.Rmdir(t.Ctx(), c)
}

// cgFile is one interface file of a cgroup.
type cgFile struct {
	fs   *FS
	cg   *cgroup.Cgroup
	name string
	cred *userns.Cred    // f_cred once opened (no reference: the File holds one)
	ns   cgroup.CgroupNS // mainline: the opener's cgroup namespace, referenced
}

// Mode returns S_IFREG and the file's permission bits.
func (f cgFile) Mode() uint32 { return f.fs.attr(f.cg, f.name).Mode }

// Attr and Setattr implement task.Chowner.
func (f cgFile) Attr() task.InodeAttr { return f.fs.attr(f.cg, f.name) }
func (f cgFile) Setattr(t *task.Task, fn func(task.InodeAttr) (task.InodeAttr, error)) error {
	return chownable{f.fs, f.cg, f.name}.Setattr(t, fn)
}

// Open mirrors may_open's permission check (EACCES) and cgroup_file_open,
// which in mainline (5.16+) takes a reference on the opener's cgroup
// namespace for the life of the open file.
func (f cgFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if err := f.fs.mayOpen(t, f.cg, f.name, flags); err != nil {
		return nil, err
	}
	f.cred = t.Cred()
	if t.Ctx().Env.Mainline() {
		f.ns = t.CgroupNS()
		f.ns.Get()
	}
	return f, nil
}

// Pinned reports the cgroup namespace a mainline open file holds, for
// invariant checkers (task.File.Pinned), when it is a namespace object.
func (f cgFile) Pinned() ns.Namespace {
	if n, ok := f.ns.(ns.Namespace); ok {
		return n
	}
	return nil
}

// pidVnr numbers members as reader's active pid namespace sees them.
func pidVnr(reader *task.Task) cgroup.PidVnr {
	n := reader.ActivePidNS()
	return func(m cgroup.Member) (int, int) {
		t := m.(*task.Task)
		tgid := 0
		if l := t.GroupLeader(); l != nil {
			tgid = int(l.PidIn(n))
		}
		return int(t.PidIn(n)), tgid
	}
}

// Read renders the file for the reader (kernfs seq_file show).
func (f cgFile) Read(r *task.Task, off int64, n int) ([]byte, error) {
	g := f.fs.g
	var s string
	var err error
	switch f.name {
	case "cgroup.controllers":
		s, err = g.ReadControllers(f.cg)
	case "cgroup.subtree_control":
		s, err = g.ReadSubtreeControl(f.cg)
	case "cgroup.events":
		s, err = g.ReadEvents(f.cg)
	case "cgroup.stat":
		s, err = g.ReadStat(f.cg)
	case "cgroup.max.depth":
		s, err = g.ReadMaxDepth(f.cg)
	case "cgroup.max.descendants":
		s, err = g.ReadMaxDescendants(f.cg)
	case "cgroup.type":
		s, err = g.ReadType(f.cg)
	case "cgroup.procs":
		s, err = g.ReadProcs(f.cg, pidVnr(r))
	case "cgroup.threads":
		s, err = g.ReadThreads(f.cg, pidVnr(r))
	case "tasks":
		s, err = g.ReadTasks(f.cg, pidVnr(r))
	case "pids.max":
		s, err = g.ReadPidsMax(f.cg)
	case "pids.current":
		s, err = g.ReadPidsCurrent(f.cg)
	case "pids.events":
		s, err = g.ReadPidsEvents(f.cg)
	case "pids.events.local":
		s, err = g.ReadPidsEventsLocal(f.cg)
	case "pids.peak":
		s, err = g.ReadPidsPeak(f.cg)
	}
	if err != nil {
		return nil, err
	}
	b := []byte(s)
	if off >= int64(len(b)) || off < 0 {
		return nil, nil
	}
	b = b[off:]
	if n < len(b) {
		b = b[:n]
	}
	return b, nil
}

// Write mirrors cgroup_file_write: first the nsdelegate rule (EPERM), then
// the file's write handler; a file without one is EINVAL.
func (f cgFile) Write(w *task.Task, _ int64, p []byte) (int, error) {
	g, ctx := f.fs.g, w.Ctx()
	if _, n := f.migrationCreds(w); n != nil {
		if err := g.CheckFileWriteNS(f.cg, f.name, n); err != nil {
			return 0, err
		}
	}
	switch f.name {
	case "cgroup.subtree_control":
		cred := w.Cred()
		before := f.fs.controllerFiles(f.cg)
		n, err := g.WriteSubtreeControl(ctx, f.cg, p)
		if err == nil {
			f.fs.chownPopulated(f.cg, before, cred.FSUID, cred.FSGID)
		}
		return n, err
	case "cgroup.type":
		return g.WriteType(ctx, f.cg, p)
	case "cgroup.max.depth":
		return g.WriteMaxDepth(ctx, f.cg, p)
	case "cgroup.max.descendants":
		return g.WriteMaxDescendants(ctx, f.cg, p)
	case "cgroup.procs":
		return g.WriteProcs(ctx, f.cg, p, f.lookup(w), f.procsPermission(w))
	case "cgroup.threads", "tasks": // v1 tasks moves one thread (cgroup1_tasks_write)
		return g.WriteThreads(ctx, f.cg, p, f.lookup(w), f.procsPermission(w))
	case "pids.max":
		return g.WritePidsMax(ctx, f.cg, p)
	}
	return 0, uapi.Err("write", uapi.EINVAL, f.name+" cannot be written", "cgroup_file_write")
}

// lookup resolves a pid written to cgroup.procs in the writer's namespace:
// the whole thread group (leader first) or one thread.
func (f cgFile) lookup(w *task.Task) cgroup.ProcsLookup {
	return func(pid int, threadgroup bool) ([]cgroup.Member, error) {
		t, err := w.FindTaskVnr(int32(pid))
		if err != nil {
			return nil, err
		}
		if !threadgroup {
			return []cgroup.Member{t}, nil
		}
		leader := t.GroupLeader()
		if leader == nil {
			return nil, uapi.Err("write", uapi.ESRCH, "no such process", "cgroup_procs_write_start")
		}
		out := []cgroup.Member{leader}
		for _, o := range f.fs.k.TasksLocked() {
			if o != leader && o.TGID() == leader.TGID() && o.State() == task.Running {
				out = append(out, o)
			}
		}
		return out, nil
	}
}

// Release mirrors cgroup_file_release: mainline puts the opener's cgroup
// namespace.
func (f cgFile) Release(ctx *ns.Ctx) {
	if f.ns != nil {
		f.ns.Put(ctx)
	}
}
