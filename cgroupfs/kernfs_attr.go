package cgroupfs

import (
	"strings"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/task"
)

// Owners and modes of the cgroupfs nodes (fs/kernfs, kernel/cgroup/cgroup.c).
//
// kernfs creates every node owned by GLOBAL_ROOT_UID and GLOBAL_ROOT_GID. A
// hierarchy's root directory has mode 0555 (kernfs_create_root); a cgroup
// directory the mode mkdir(2) asked for (masked with 01777, as vfs_mkdir
// does; the umask is not modelled); an interface file the mode
// cgroup_file_mode derives from its cftype: 0444 when it can only be read,
// 0644 when it can be written. Then cgroup_kn_set_ugid gives the new
// directory and each file it populates to the creating task's fsuid and
// fsgid, unless both are root's: for cgroup_mkdir that is the task that
// made the directory (its core files and the controller files of its
// csses), for a controller's files that appear later (css_populate_dir from
// a cgroup.subtree_control write) the task that wrote it. chown(2) changes
// owners afterwards (kernfs_iop_setattr).

// defaultDirMode is the mode of a cgroup directory no mkdir(2) here made:
// 0555 for a hierarchy's root, 0755 (mkdir's 0777 less the usual 022
// umask) for cgroups made through the core directly.
func defaultDirMode(c *cgroup.Cgroup) uint32 {
	if c.Parent() == nil {
		return 0o555
	}
	return 0o755
}

// fileMode is cgroup_file_mode for the files the simulator has: S_IRUGO for
// a readable file, S_IWUSR for a writable one.
func fileMode(name string) uint32 {
	switch name {
	case "cgroup.controllers", "cgroup.events", "cgroup.stat", "pids.current", "pids.events",
		"pids.events.local", "pids.peak":
		return 0o444
	}
	return 0o644
}

// nodeCSS is the css whose directory population made node name of c: the
// controller's css for a controller file ("pids.max": pids), the cgroup's
// self css for the directory ("") and the core files.
func (fs *FS) nodeCSS(c *cgroup.Cgroup, name string) *cgroup.CSS {
	if i := strings.IndexByte(name, '.'); i > 0 && name[:i] != "cgroup" {
		if id := fs.g.SubsysID(name[:i]); id >= 0 {
			return c.CSS(id)
		}
	}
	return c.Self()
}

// defaultAttr is what kernfs created node name of c with: root's, and
// the directory's or the file's default mode.
func defaultAttr(c *cgroup.Cgroup, name string) task.InodeAttr {
	if name == "" {
		return task.InodeAttr{Mode: task.S_IFDIR | defaultDirMode(c)}
	}
	return task.InodeAttr{Mode: task.S_IFREG | fileMode(name)}
}

// attr returns the inode attributes of node name of c ("" the directory).
// For a controller file it takes cgroup_mutex (to find the css): call it
// for those only without the mutex held.
func (fs *FS) attr(c *cgroup.Cgroup, name string) task.InodeAttr {
	d := defaultAttr(c, name)
	a, ok := c.Iattr(name, fs.nodeCSS(c, name))
	if !ok {
		return d
	}
	return task.InodeAttr{UID: a.UID, GID: a.GID, Mode: d.Mode&task.S_IFMT | a.Mode}
}

// setattr runs fn on the attributes of node name of c and stores the
// result (kernfs_setattr).
func (fs *FS) setattr(c *cgroup.Cgroup, name string, fn func(task.InodeAttr) (task.InodeAttr, error)) error {
	d := defaultAttr(c, name)
	return c.SetIattr(name, fs.nodeCSS(c, name), func(cur cgroup.KernfsAttr, ok bool) (cgroup.KernfsAttr, error) {
		in := task.InodeAttr{UID: cur.UID, GID: cur.GID, Mode: d.Mode&task.S_IFMT | cur.Mode}
		if !ok {
			in = d
		}
		out, err := fn(in)
		if err != nil {
			return cur, err
		}
		return cgroup.KernfsAttr{UID: out.UID, GID: out.GID, Mode: out.Mode &^ task.S_IFMT}, nil
	})
}

// setUgid mirrors cgroup_kn_set_ugid for nodes of c made by a task with
// credentials (fsuid, fsgid): nothing when both are root's, else the
// nodes change owner and group.
func (fs *FS) setUgid(c *cgroup.Cgroup, names []string, fsuid, fsgid uint32) {
	if fsuid == 0 && fsgid == 0 {
		return
	}
	for _, name := range names {
		_ = fs.setattr(c, name, func(a task.InodeAttr) (task.InodeAttr, error) {
			a.UID, a.GID = fsuid, fsgid
			return a, nil
		})
	}
}

// populated is the controller files of a subtree with the css that made
// them, to tell which a control change populated afresh.
type populated map[*cgroup.Cgroup]map[string]*cgroup.CSS

// controllerFiles records the controller files of c and its live
// descendants.
func (fs *FS) controllerFiles(c *cgroup.Cgroup) populated {
	p := populated{}
	var walk func(*cgroup.Cgroup)
	walk = func(d *cgroup.Cgroup) {
		m := map[string]*cgroup.CSS{}
		for _, f := range fs.files(d) {
			if css := fs.nodeCSS(d, f); css != d.Self() {
				m[f] = css
			}
		}
		p[d] = m
		for _, k := range d.Children() {
			walk(k)
		}
	}
	walk(c)
	return p
}

// chownPopulated gives the controller files that appeared in c's subtree
// since before was taken (css_populate_dir during a cgroup.subtree_control
// write) to the writer (cgroup_kn_set_ugid).
func (fs *FS) chownPopulated(c *cgroup.Cgroup, before populated, fsuid, fsgid uint32) {
	for d, files := range fs.controllerFiles(c) {
		var fresh []string
		for f, css := range files {
			if before[d][f] != css {
				fresh = append(fresh, f)
			}
		}
		fs.setUgid(d, fresh, fsuid, fsgid)
	}
}

// chownable is the task.Chowner side of a cgroupfs node.
type chownable struct {
	fs   *FS
	cg   *cgroup.Cgroup
	name string // "" for the directory
}

// Attr implements task.Chowner.
func (n chownable) Attr() task.InodeAttr { return n.fs.attr(n.cg, n.name) }

// Setattr implements task.Chowner: kernfs_iop_setattr stores what
// setattr_prepare (fn) allowed.
func (n chownable) Setattr(_ *task.Task, fn func(task.InodeAttr) (task.InodeAttr, error)) error {
	return n.fs.setattr(n.cg, n.name, fn)
}
