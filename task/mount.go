package task

import (
	"strings"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/uapi"
)

// Mount mirrors mount(2) (ksys_mount → do_mount, fs/namespace.c) in the
// caller's mount namespace: flags choose a bind mount (MS_BIND[|MS_REC]), a
// move (MS_MOVE), a propagation change (MS_SHARED, MS_PRIVATE, MS_SLAVE,
// MS_UNBINDABLE, with MS_REC) or a new mount of fstype (rootfs, tmpfs,
// ramfs) with data as its options; errors are do_mount's (package mntns).
// Paths are absolute; a relative one starts at the root (no cwd).
func (t *Task) Mount(source, target, fstype string, flags uint64, data string) error {
	if err := t.enter("mount"); err != nil {
		return err
	}
	defer t.leave()
	n := t.mntNS()
	t.ctx.Enter("ksys_mount")
	defer t.ctx.Exit("ksys_mount")
	if flags&mntns.MS_BIND != 0 || flags&mntns.MS_MOVE != 0 {
		source = absPath(source)
	}
	return mntns.DoMount(&t.ctx, t.Cred(), n, source, absPath(target), fstype, flags, data)
}

// Umount2 mirrors umount2(2) (ksys_umount) in the caller's mount namespace,
// with flags MNT_FORCE, MNT_DETACH, MNT_EXPIRE and UMOUNT_NOFOLLOW.
func (t *Task) Umount2(target string, flags int) error {
	if err := t.enter("umount2"); err != nil {
		return err
	}
	defer t.leave()
	return mntns.Umount(&t.ctx, t.Cred(), t.mntNS(), absPath(target), flags)
}

// Umount mirrors umount(2): umount2 with no flags.
func (t *Task) Umount(target string) error { return t.Umount2(target, 0) }

func absPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "/" + p
	}
	return p
}

// GetMntNS returns p's mount namespace with a reference (get_mnt_ns under
// task_lock, as mounts_open_common takes it), or nil once p has exited.
// The caller puts it with Put(ctx).
func (t *Task) GetMntNS() *mntns.Namespace {
	t.allocLock.Lock()
	defer t.allocLock.Unlock()
	if t.nsproxy == nil {
		return nil
	}
	n := t.nsproxy.MNT()
	n.Get()
	return n
}

// Mkdir on a directory of the mount tree's own model (rootfs, tmpfs, the
// boot disk) creates it in that filesystem (vfs_mkdir); EEXIST if it
// exists. The model has no modes or owners, so there is no permission
// check.
func (d mountDir) Mkdir(t *Task, name string, mode uint32) error {
	if name == "." || name == ".." {
		return uapi.Err("mkdir", uapi.EEXIST, name+" exists", "filename_create")
	}
	if !d.g.MkdirAt(d.at, name) {
		return uapi.Err("mkdir", uapi.EEXIST, name+" exists", "filename_create")
	}
	return nil
}

// Rmdir is not modelled for the mount tree's directories: EPERM.
func (d mountDir) Rmdir(t *Task, name string) error {
	return uapi.Err("rmdir", uapi.EPERM, "rmdir in the mount tree's directory model is not simulated", "vfs_rmdir")
}
