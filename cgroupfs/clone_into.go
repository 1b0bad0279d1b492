package cgroupfs

import (
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// OpenDir implements task.DirOpener: an open cgroup directory (kernfs_fop
// of a directory) is a plain directory file that also names its cgroup,
// for clone3's CLONE_INTO_CGROUP.
func (d cgDir) OpenDir(*task.Task) (task.FileOps, error) { return cgDirFile(d), nil }

// cgDirFile is an open cgroup directory.
type cgDirFile struct {
	fs *FS
	cg *cgroup.Cgroup
}

func (cgDirFile) Read(*task.Task, int64, int) ([]byte, error) {
	return nil, uapi.Err("read", uapi.EISDIR, "is a directory", "generic_read_dir")
}
func (cgDirFile) Write(*task.Task, int64, []byte) (int, error) {
	return 0, uapi.Err("write", uapi.EBADF, "directory opened read-only", "vfs_write")
}
func (cgDirFile) Release(*ns.Ctx) {}

// CloneInto implements task.CgroupDirFile (mainline kernel/cgroup/cgroup.c,
// cgroup_css_set_fork): a v1 directory is EBADF (cgroup_get_from_file);
// the checks, run under cgroup_mutex with the forking task's credentials
// and cgroup namespace, are cgroup_may_write — write permission on the
// destination's cgroup.procs (EACCES) — then cgroup_attach_permissions:
// the common ancestor's cgroup.procs and the nsdelegate boundary
// (cgroup_procs_write_permission), cgroup_migrate_vet_dst, and for a thread
// the same domain.
func (f cgDirFile) CloneInto(t *task.Task, src *cgroup.Cgroup, threadgroup bool) (*cgroup.Cgroup, func() error, error) {
	if !f.cg.Root().IsDfl() {
		return nil, nil, uapi.Err("clone3", uapi.EBADF, "CLONE_INTO_CGROUP needs a cgroup2 directory", "cgroup_get_from_file")
	}
	dst := f.cg
	check := func() error {
		cred := t.Cred()
		if err := task.GenericPermission(cred, f.fs.attr(dst, "cgroup.procs"), task.MAY_WRITE, "clone3"); err != nil {
			return uapi.Err("clone3", uapi.EACCES, "no write permission on the destination's cgroup.procs", "cgroup_may_write")
		}
		if err := f.fs.procsWritePermission(cred, t.CgroupNS(), src, dst); err != nil {
			return err
		}
		return f.fs.g.AttachPermissions(t.Ctx(), src, dst, threadgroup)
	}
	return dst, check, nil
}
