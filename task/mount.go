package task

import (
	"strings"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
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
	var key mntns.Key
	if fstype == "proc" && flags&(mntns.MS_BIND|mntns.MS_MOVE|mntns.MS_REMOUNT|mntns.MS_SHARED|mntns.MS_PRIVATE|mntns.MS_SLAVE|mntns.MS_UNBINDABLE) == 0 {
		active := t.ActivePidNS() // proc_mount: task_active_pid_ns(current)
		key = mntns.Key{Value: active, Owner: active.UserNS()}
	}
	if err := mntns.DoMountKeyed(&t.ctx, t.Cred(), n, source, absPath(target), fstype, flags, data, key); err != nil {
		return err
	}
	if pn, ok := key.Value.(*pidns.Namespace); ok {
		// The superblock is the pid namespace's; serve it with that proc
		// instance (the first mount of it creates the instance).
		if p, err := n.Lookup(absPath(target)); err == nil {
			t.k.attachKeyed(p.Mnt.SuperBlock(), "proc", pn)
		}
	}
	return nil
}

// RegisterKeyedFS registers how to serve the superblocks of a keyed
// filesystem type (proc: one per pid namespace): new(key) builds the
// Filesystem of the superblock of key. kernsim.Boot registers procfs.
func (k *Kernel) RegisterKeyedFS(fstype string, new func(key any) Filesystem) {
	k.backingMu.Lock()
	defer k.backingMu.Unlock()
	if k.keyedFS == nil {
		k.keyedFS = make(map[string]func(any) Filesystem)
	}
	k.keyedFS[fstype] = new
}

// attachKeyed serves sb with its keyed filesystem unless it is served.
func (k *Kernel) attachKeyed(sb *mntns.SuperBlock, fstype string, key any) {
	k.backingMu.Lock()
	defer k.backingMu.Unlock()
	if _, ok := k.backing[sb]; ok {
		return
	}
	if new := k.keyedFS[fstype]; new != nil {
		if k.backing == nil {
			k.backing = make(map[*mntns.SuperBlock]Filesystem)
		}
		k.backing[sb] = new(key)
	}
}

// forgetSuper drops the filesystem serving a superblock that died.
func (k *Kernel) forgetSuper(sb *mntns.SuperBlock) {
	k.backingMu.Lock()
	defer k.backingMu.Unlock()
	delete(k.backing, sb)
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
