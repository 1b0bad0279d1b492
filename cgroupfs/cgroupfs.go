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

// mayWrite is generic_permission for the root-owned tree: fsuid 0, or
// CAP_DAC_OVERRIDE in the caller's user namespace with root mapped there.
func mayWrite(t *task.Task, op string) error { return credMayWrite(t.Cred(), op) }

// credMayWrite is mayWrite for credentials c.
func credMayWrite(c *userns.Cred, op string) error {
	if c.FSUID == 0 {
		return nil
	}
	if userns.NSCapable(c, c.UserNS(), uapi.CAP_DAC_OVERRIDE) && userns.KUIDHasMapping(c.UserNS(), 0) {
		return nil
	}
	return uapi.Err(op, uapi.EACCES, "the cgroup tree belongs to root", "generic_permission")
}

// cgDir is a cgroup's directory.
type cgDir struct {
	fs *FS
	cg *cgroup.Cgroup
}

func (cgDir) Mode() uint32 { return task.S_IFDIR | 0o755 }

func (d cgDir) files() []string {
	var names []string
	if !d.cg.Root().IsDfl() {
		names = []string{"cgroup.procs", "tasks"}
	} else {
		names = []string{"cgroup.controllers", "cgroup.max.depth", "cgroup.max.descendants",
			"cgroup.procs", "cgroup.stat", "cgroup.subtree_control", "cgroup.threads"}
		if d.cg.Parent() != nil {
			names = append(names, "cgroup.events", "cgroup.type")
		}
	}
	// The pids controller's files, where its css is visible (not on a root).
	if _, err := d.fs.g.ReadPidsCurrent(d.cg); err == nil {
		names = append(names, "pids.current", "pids.events", "pids.max")
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

// Mkdir mirrors cgroup_mkdir through kernfs: permission, then the core's checks.
func (d cgDir) Mkdir(t *task.Task, name string, _ uint32) error {
	if err := mayWrite(t, "mkdir"); err != nil {
		return err
	}
	if c := d.cg.Child(name); c != nil && !c.IsDead() {
		return uapi.Err("mkdir", uapi.EEXIST, name+" exists", "kernfs_iop_mkdir")
	}
	for _, f := range d.files() {
		if f == name {
			return uapi.Err("mkdir", uapi.EEXIST, name+" exists", "kernfs_iop_mkdir")
		}
	}
	_, err := d.fs.g.Mkdir(t.Ctx(), d.cg, name)
	return err
}

// Rmdir mirrors cgroup_rmdir: the child must be a cgroup (ENOTDIR for a file,
// ENOENT for nothing), then the core's checks (EBUSY when populated or with
// children).
func (d cgDir) Rmdir(t *task.Task, name string) error {
	if err := mayWrite(t, "rmdir"); err != nil {
		return err
	}
	c := d.cg.Child(name)
	if c == nil || c.IsDead() {
		for _, f := range d.files() {
			if f == name {
				return uapi.Err("rmdir", uapi.ENOTDIR, name+" is a file", "kernfs_iop_rmdir")
			}
		}
		return uapi.Err("rmdir", uapi.ENOENT, name+": no such cgroup", "kernfs_iop_rmdir")
	}
	return d.fs.g.Rmdir(t.Ctx(), c)
}

// cgFile is one interface file of a cgroup.
type cgFile struct {
	fs   *FS
	cg   *cgroup.Cgroup
	name string
	cred *userns.Cred // f_cred once opened (no reference: the File holds one)
}

func (f cgFile) Mode() uint32 {
	switch f.name {
	case "cgroup.controllers", "cgroup.events", "cgroup.stat", "pids.current", "pids.events":
		return task.S_IFREG | 0o444
	}
	return task.S_IFREG | 0o644
}

// Open checks the file mode against the opener.
func (f cgFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if flags&task.O_ACCMODE != task.O_RDONLY {
		if f.Mode()&0o200 == 0 {
			return nil, uapi.Err("open", uapi.EACCES, f.name+" is read-only", "generic_permission")
		}
		if err := mayWrite(t, "open"); err != nil {
			return nil, err
		}
	}
	f.cred = t.Cred()
	return f, nil
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

// Write hands the buffer to the core's parser for the file.
func (f cgFile) Write(w *task.Task, _ int64, p []byte) (int, error) {
	g, ctx := f.fs.g, w.Ctx()
	switch f.name {
	case "cgroup.subtree_control":
		return g.WriteSubtreeControl(ctx, f.cg, p)
	case "cgroup.type":
		return g.WriteType(ctx, f.cg, p)
	case "cgroup.max.depth":
		return g.WriteMaxDepth(ctx, f.cg, p)
	case "cgroup.max.descendants":
		return g.WriteMaxDescendants(ctx, f.cg, p)
	case "cgroup.procs":
		return g.WriteProcs(ctx, f.cg, p, f.lookup(w), f.permission(w))
	case "cgroup.threads", "tasks": // v1 tasks moves one thread (cgroup1_tasks_write)
		return g.WriteThreads(ctx, f.cg, p, f.lookup(w), f.permission(w))
	case "pids.max":
		return g.WritePidsMax(ctx, f.cg, p)
	}
	return 0, uapi.Err("write", uapi.EINVAL, f.name+" cannot be written", "cgroup_file_write")
}

// permission mirrors cgroup_procs_write_permission on v2: write access to
// the common ancestor's cgroup.procs, which in this root-owned tree is
// mayWrite, judged with the writer's credentials in 4.19 (current_cred) and
// with the opener's since 5.16 (override_creds(of->file->f_cred),
// CVE-2021-4197). nsdelegate is not modelled; neither is v1's euid rule
// (__cgroup1_procs_write), so v1 gets nil.
func (f cgFile) permission(w *task.Task) cgroup.ProcsPermission {
	if !f.cg.Root().IsDfl() {
		return nil
	}
	c := w.Cred()
	if w.Ctx().Env.Mainline() && f.cred != nil {
		c = f.cred
	}
	return func(_, _ *cgroup.Cgroup, _ cgroup.Member) error { return credMayWrite(c, "write") }
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
		for _, o := range f.fs.k.Tasks() {
			if o != leader && o.TGID() == leader.TGID() && o.State() == task.Running {
				out = append(out, o)
			}
		}
		return out, nil
	}
}

func (cgFile) Release(*ns.Ctx) {}
