package cgroupfs

import (
	"strconv"

	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Permission checks of the cgroup filesystem: the VFS's (may_create,
// may_delete, may_open, each generic_permission on the node's owner and
// mode) and the cgroup core's on migration (cgroup_procs_write_permission
// on v2, __cgroup1_procs_write's euid rule on v1) and on writes under
// nsdelegate (cgroup_file_write).

// mayCreate mirrors may_create (fs/namei.c) for mkdir in c: write and
// search permission on the directory (EACCES).
func (fs *FS) mayCreate(t *task.Task, c *cgroup.Cgroup) error {
	return task.GenericPermission(t.Cred(), fs.attr(c, ""), task.MAY_WRITE|task.MAY_EXEC, "mkdir")
}

// mayDelete mirrors may_delete (fs/namei.c) for rmdir of victim in c: write
// and search permission on c (EACCES), then the sticky bit: in a sticky
// directory only the victim's owner, the directory's owner or CAP_FOWNER
// over the victim may remove it (check_sticky, EPERM).
func (fs *FS) mayDelete(t *task.Task, c *cgroup.Cgroup, victim task.InodeAttr) error {
	cred := t.Cred()
	dir := fs.attr(c, "")
	if err := task.GenericPermission(cred, dir, task.MAY_WRITE|task.MAY_EXEC, "rmdir"); err != nil {
		return err
	}
	if dir.Mode&0o1000 != 0 && cred.FSUID != victim.UID && cred.FSUID != dir.UID &&
		!task.CapableWrtInodeUIDGID(cred, victim, uapi.CAP_FOWNER) {
		return uapi.Err("rmdir", uapi.EPERM, "sticky directory: not the owner", "check_sticky")
	}
	return nil
}

// mayOpen mirrors the inode_permission of may_open (fs/namei.c) for a
// cgroup file opened with flags: MAY_READ and/or MAY_WRITE by the access
// mode (EACCES). kernfs adds no check of its own: cgroup roots do not set
// KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK, so root may open a 0444 file for
// writing, and the write then fails with EINVAL (cgroup_file_write).
func (fs *FS) mayOpen(t *task.Task, c *cgroup.Cgroup, name string, flags int) error {
	mask := 0
	switch flags & task.O_ACCMODE {
	case task.O_RDONLY:
		mask = task.MAY_READ
	case task.O_WRONLY:
		mask = task.MAY_WRITE
	case task.O_RDWR:
		mask = task.MAY_READ | task.MAY_WRITE
	}
	return task.GenericPermission(t.Cred(), fs.attr(c, name), mask, "open")
}

// migrationCreds picks whose credentials and cgroup namespace judge a
// migration and an nsdelegate write: the writer's in 4.19
// (current_cred(), current->nsproxy->cgroup_ns), the opener's in mainline
// (5.16+, CVE-2021-4197: of->file->f_cred and the namespace cgroup_file_open
// took).
func (f cgFile) migrationCreds(w *task.Task) (*userns.Cred, cgroup.CgroupNS) {
	if w.Ctx().Env.Mainline() && f.cred != nil && f.ns != nil {
		return f.cred, f.ns
	}
	return w.Cred(), w.CgroupNS()
}

// procsPermission is the cgroup.procs / cgroup.threads / tasks permission
// of the write by w: cgroup_procs_write_permission on v2, the euid rule of
// __cgroup1_procs_write on v1.
func (f cgFile) procsPermission(w *task.Task) cgroup.ProcsPermission {
	cred, n := f.migrationCreds(w)
	if !f.cg.Root().IsDfl() {
		return func(_, _ *cgroup.Cgroup, target cgroup.Member) error {
			return cgroup1ProcsPermission(cred, target.(*task.Task))
		}
	}
	return func(src, dst *cgroup.Cgroup, _ cgroup.Member) error {
		return f.fs.procsWritePermission(cred, n, src, dst)
	}
}

// procsWritePermission mirrors cgroup_procs_write_permission
// (kernel/cgroup/cgroup.c; mainline's cgroup_may_write is the same first
// half): find the common ancestor of src and dst; the credentials must have
// write permission on its cgroup.procs (inode_permission, EACCES); then,
// with nsdelegate, src and dst must both be inside the namespace's root
// (ENOENT). It runs under cgroup_mutex.
func (fs *FS) procsWritePermission(cred *userns.Cred, n cgroup.CgroupNS, src, dst *cgroup.Cgroup) error {
	com := src
	for !dst.IsDescendant(com) {
		com = com.Parent()
	}
	if err := task.GenericPermission(cred, fs.attr(com, "cgroup.procs"), task.MAY_WRITE, "write"); err != nil {
		where := com.Path()
		if where != "/" {
			where += "/"
		}
		return uapi.Err("write", uapi.EACCES, "no write permission on the common ancestor's "+where+"cgroup.procs", "cgroup_procs_write_permission")
	}
	return fs.g.CheckProcsNS(src, dst, n)
}

// cgroup1ProcsPermission mirrors the check of __cgroup1_procs_write
// (kernel/cgroup/cgroup-v1.c): the credentials' euid must be
// GLOBAL_ROOT_UID or the target's real or saved uid (kernel ids), else
// EACCES. Only the task named by the write (the leader for cgroup.procs) is
// checked. Capabilities do not matter.
func cgroup1ProcsPermission(cred *userns.Cred, target *task.Task) error {
	tcred := target.Cred()
	if cred.EUID != 0 && cred.EUID != tcred.UID && cred.EUID != tcred.SUID {
		return uapi.Err("write", uapi.EACCES, "euid "+strconv.FormatUint(uint64(cred.EUID), 10)+
			" is neither root nor the uid or suid of task "+strconv.Itoa(int(target.PID())), "__cgroup1_procs_write")
	}
	return nil
}
