package kernsim_test

import (
	"testing"

	"github.com/kernsim/kernsim"
)

// Mount-namespace scripts. Every script first leaves the machine's mount
// namespace (unshare CLONE_NEWNS) and makes its copy private, as
// util-linux's unshare(1) does, so nothing it mounts can reach the machine;
// the helper refuses mount steps in the machine's mount namespace anyway.
// Mounts go on a tmpfs over /tmp, a directory both trees have; answers
// name mount points, types, sources and propagation tags, not ids.
var mntDiffScripts = []diffScript{
	{name: "mnt_propagation", script: `
unshare init CLONE_NEWNS                   # ok
mount init - / - MS_REC|MS_PRIVATE -       # ok
mount init none /tmp tmpfs 0 -             # ok
mkdir init /tmp/a                          # ok
mkdir init /tmp/b                          # ok
mkdir init /tmp/c                          # ok
mkdir init /tmp/d                          # ok
mounts_under init /tmp                     # mounts=/tmp tmpfs none
mount init - /tmp - MS_SHARED -            # ok
mounts_under init /tmp                     # mounts=/tmp tmpfs none shared
# A copy of a shared mount is its peer: mounts go both ways.
clone init A CLONE_NEWNS                   # ok
same_ns init init A mnt                    # different
mounts_under A /tmp                        # mounts=/tmp tmpfs none shared
mount A kid /tmp/a tmpfs 0 -               # ok
mounts_under init /tmp                     # mounts=/tmp tmpfs none shared;/tmp/a tmpfs kid shared
mount init par /tmp/b tmpfs 0 -            # ok
mounts_under A /tmp                        # mounts=/tmp tmpfs none shared;/tmp/a tmpfs kid shared;/tmp/b tmpfs par shared
# A slave receives from its master and sends nothing back.
clone init S CLONE_NEWNS                   # ok
mount S - /tmp - MS_SLAVE -                # ok
mounts_under S /tmp                        # mounts=/tmp tmpfs none master;/tmp/a tmpfs kid shared;/tmp/b tmpfs par shared
mount S sl /tmp/c tmpfs 0 -                # ok
mounts_under init /tmp                     # mounts=/tmp tmpfs none shared;/tmp/a tmpfs kid shared;/tmp/b tmpfs par shared
mount init late /tmp/d tmpfs 0 -           # ok
mounts_under S /tmp                        # mounts=/tmp tmpfs none master;/tmp/a tmpfs kid shared;/tmp/b tmpfs par shared;/tmp/c tmpfs sl;/tmp/d tmpfs late master
mounts_under A /tmp                        # mounts=/tmp tmpfs none shared;/tmp/a tmpfs kid shared;/tmp/b tmpfs par shared;/tmp/d tmpfs late shared
# A private copy neither sends nor receives.
clone init P CLONE_NEWNS                   # ok
mount P - /tmp - MS_REC|MS_PRIVATE -       # ok
umount init /tmp/d 0                       # ok
mounts_under P /tmp                        # mounts=/tmp tmpfs none;/tmp/a tmpfs kid;/tmp/b tmpfs par;/tmp/d tmpfs late
mounts_under S /tmp                        # mounts=/tmp tmpfs none master;/tmp/a tmpfs kid shared;/tmp/b tmpfs par shared;/tmp/c tmpfs sl
# umount propagates to the peers too; a mount with children is busy.
umount A /tmp/a 0                          # ok
mounts_under init /tmp                     # mounts=/tmp tmpfs none shared;/tmp/b tmpfs par shared
umount init /tmp 0                         # EBUSY
umount init /tmp/a 0                       # EINVAL
# An unbindable mount cannot be bound.
mount init - /tmp/b - MS_UNBINDABLE -      # ok
mounts_under init /tmp/b                   # mounts=/tmp/b tmpfs par unbindable
mount init /tmp/b /tmp/c - MS_BIND -       # EINVAL
mount init /tmp/a /tmp/c - MS_BIND -       # ok
mounts_under init /tmp/c                   # mounts=/tmp/c tmpfs none shared
exit A 0                                   # ok
wait init A                                # exited=0
exit S 0                                   # ok
wait init S                                # exited=0
exit P 0                                   # ok
wait init P                                # exited=0
`},
	{name: "mnt_setns_and_permissions", script: `
unshare init CLONE_NEWNS                   # ok
mount init - / - MS_REC|MS_PRIVATE -       # ok
mount init none /tmp tmpfs 0 -             # ok
mkdir init /tmp/x                          # ok
clone init A CLONE_NEWNS                   # ok
mount A a /tmp/x tmpfs 0 -                 # ok
mounts_under init /tmp                     # mounts=/tmp tmpfs none
open init fa A mnt                         # ok
# mntns_install refuses a caller sharing its fs_struct.
clone init F CLONE_FS                      # ok
setns init fa CLONE_NEWNS                  # EINVAL
exit F 0                                   # ok
wait init F                                # exited=0
setns init fa CLONE_NEWUTS                 # EINVAL
setns init fa CLONE_NEWNS                  # ok
same_ns init init A mnt                    # same
mounts_under init /tmp                     # mounts=/tmp tmpfs none;/tmp/x tmpfs a
close init fa                              # ok
# Without CAP_SYS_ADMIN: no mount, no umount, no setns.
clone init U 0                             # ok
drop_privs U 1000                          # ok
mount U none /tmp/x tmpfs 0 -              # EPERM
umount U /tmp/x 0                          # EPERM
open U fu U mnt                            # ok
setns U fu CLONE_NEWNS                     # EPERM
close U fu                                 # ok
# Its own user namespace makes it root of a copy whose mounts are locked.
unshare U CLONE_NEWUSER|CLONE_NEWNS        # ok
mount U u /tmp/x tmpfs 0 -                 # ok
mounts_under U /tmp                        # mounts=/tmp tmpfs none;/tmp/x tmpfs a;/tmp/x tmpfs u
umount U /tmp/x 0                          # ok
umount U /tmp/x 0                          # EINVAL
umount U /tmp 0                            # EINVAL
exit U 0                                   # ok
wait init U                                # exited=0
exit A 0                                   # ok
wait init A                                # exited=0
`},
	{name: "setns_pidfd", flavours: []kernsim.Flavour{kernsim.Mainline}, script: `
# Mainline only (reference §17: 4.19 has no pidfds): setns with a pidfd and
# several flags, all or nothing, the user namespace first.
sethostname init base                              # ok
clone init C CLONE_NEWUTS|CLONE_NEWNS|CLONE_NEWPID # ok
sethostname C inside                               # ok
clone init J 0                                     # ok
pidfd_open J pc C                                  # ok
setns J pc 0                                       # EINVAL
setns J pc CLONE_NEWUTS|CLONE_VM                   # EINVAL
setns J pc CLONE_NEWUSER|CLONE_NEWUTS              # EINVAL
gethostname J                                      # hostname=base
setns J pc CLONE_NEWUTS|CLONE_NEWNS|CLONE_NEWPID   # ok
gethostname J                                      # hostname=inside
same_ns init J C mnt                               # same
same_ns2 init J pid_for_children C pid             # same
same_ns2 init J pid C pid                          # different
# A rootless container of uid 1000. The helper's tasks cannot execve, so
# after its setresuid U and its children stay non-dumpable, and
# validate_nsset's ptrace check (PTRACE_MODE_READ_REALCREDS) refuses V with
# or without the user install: EPERM both times, nothing entered.
# TestSetnsPidfdUserFirstAllOrNothing shows the dumpable (exec'd) case,
# where installing the user namespace first lets the uts install pass.
clone init U 0                                     # ok
drop_privs U 1000                                  # ok
clone U R CLONE_NEWUSER|CLONE_NEWUTS               # ok
sethostname R rootless                             # ok
clone U V 0                                        # ok
pidfd_open V pr R                                  # ok
setns V pr CLONE_NEWUTS                            # EPERM
gethostname V                                      # hostname=base
setns V pr CLONE_NEWUSER|CLONE_NEWUTS              # EPERM
gethostname V                                      # hostname=base
same_ns init V R user                              # different
# Root has no ptrace access problem; an unprivileged task has to pid 1's
# namespaces: EPERM from validate_nsset.
pidfd_open U pi init                               # ok
setns U pi CLONE_NEWUTS                            # EPERM
# A zombie has no namespaces left.
clone init Z 0                                     # ok
pidfd_open init pz Z                               # ok
exit Z 0                                           # ok
setns init pz CLONE_NEWUTS                         # ESRCH
wait init Z                                        # exited=0
setns init pz CLONE_NEWUTS                         # ESRCH
exit V 0                                           # ok
wait U V                                           # exited=0
exit R 0                                           # ok
wait U R                                           # exited=0
exit U 0                                           # ok
wait init U                                        # exited=0
exit J 0                                           # ok
wait init J                                        # exited=0
exit C 0                                           # ok
wait init C                                        # exited=0
`},
	{name: "all_types_clone_setns", script: `
# Every namespace type through clone, unshare and setns, with the install
# rules of reference §8.3.
sethostname init base                                                   # ok
clone init C CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET|CLONE_NEWCGROUP|CLONE_NEWPID # ok
same_ns init init C mnt                                                 # different
same_ns init init C ipc                                                 # different
same_ns init init C net                                                 # different
same_ns init init C cgroup                                              # different
same_ns2 init init pid C pid                                            # different
# CLONE_NEWIPC with CLONE_SYSVSEM: EINVAL for clone, nothing special for unshare.
clone init X CLONE_NEWIPC|CLONE_SYSVSEM                                 # EINVAL
clone init J 0                                                          # ok
unshare J CLONE_NEWIPC|CLONE_SYSVSEM                                    # ok
same_ns init init J ipc                                                 # different
open J fi C ipc                                                         # ok
open J fn C net                                                         # ok
open J fc C cgroup                                                      # ok
setns J fi CLONE_NEWNET                                                 # EINVAL
setns J fi CLONE_NEWIPC                                                 # ok
setns J fn 0                                                            # ok
setns J fc CLONE_NEWCGROUP                                              # ok
same_ns init J C ipc                                                    # same
same_ns init J C net                                                    # same
same_ns init J C cgroup                                                 # same
# Without CAP_SYS_ADMIN: no new namespace, no setns.
clone init U 0                                                          # ok
drop_privs U 1000                                                       # ok
clone U V CLONE_NEWNET                                                  # EPERM
unshare U CLONE_NEWIPC                                                  # EPERM
open U ui U ipc                                                         # ok
setns U ui CLONE_NEWIPC                                                 # EPERM
open U uc U cgroup                                                      # ok
setns U uc 0                                                            # EPERM
# In its own user namespace it may create them all.
unshare U CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWCGROUP|CLONE_NEWNS # ok
same_ns init init U net                                                 # different
exit U 0                                                                # ok
wait init U                                                             # exited=0
exit J 0                                                                # ok
wait init J                                                             # exited=0
exit C 0                                                                # ok
wait init C                                                             # exited=0
`},
	{name: "nsfs_ioctls", script: `
# The nsfs ioctls of reference §14.3: 1 NS_GET_USERNS, 2 NS_GET_PARENT,
# 3 NS_GET_NSTYPE, 4 NS_GET_OWNER_UID.
sethostname init base              # ok
open init fu init uts              # ok
ns_ioctl init fu 3 x               # type=0x4000000
ns_ioctl init fu 1 ou              # link=user:[N]
ns_ioctl init ou 1 oo              # EPERM
ns_ioctl init ou 2 op              # EPERM
ns_ioctl init fu 2 fp              # EINVAL
ns_ioctl init fu 4 fx              # EINVAL
ns_ioctl init fu 0xb7ff fy         # ENOTTY
clone init C CLONE_NEWPID|CLONE_NEWUSER # ok
open init cp C pid                 # ok
ns_ioctl init cp 2 pp              # link=pid:[N]
ns_ioctl init cp 3 pt              # type=0x20000000
open init ip init pid              # ok
ns_ioctl init ip 2 ipp             # EPERM
open init cu C user                # ok
ns_ioctl init cu 4 q               # uid=0
ns_ioctl init cu 2 cup             # link=user:[N]
ns_ioctl init cu 1 cuo             # link=user:[N]
open_path init d /proc             # ok
ns_ioctl init d 3 z                # ENOTTY
exit C 0                           # ok
wait init C                        # exited=0
`},
	{name: "proc_mount_pidns", script: `
# A proc mount shows the pid namespace of its mounter (reference §11.8, §13).
unshare init CLONE_NEWNS                   # ok
mount init - / - MS_REC|MS_PRIVATE -       # ok
clone init C CLONE_NEWPID|CLONE_NEWNS      # ok
clone C D 0                                # ok
open_path C o1 /proc/self/ns/pid           # ok
mount C proc /proc proc 0 -                # ok
open_path C i1 /proc/1/ns/pid              # ok
open_path C i2 /proc/2/ns/pid              # ok
open_path C i3 /proc/3/ns/pid              # ENOENT
mounts_under C /proc                       # mounts=/proc proc proc;/proc proc proc
mounts_under init /proc                    # mounts=/proc proc proc
# The unsharer itself stays in the old pid namespace: mount_ns refuses it a
# proc it does not own (a user namespace's root), its child may.
clone init U 0                             # ok
drop_privs U 1000                          # ok
unshare U CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID # ok
mount U proc /proc proc 0 -                # EPERM
mount U none /tmp tmpfs 0 -                # ok
clone U V 0                                # ok
mount V proc /proc proc 0 -                # ok
exit V 0                                   # ok
wait U V                                   # exited=0
exit U 0                                   # ok
wait init U                                # exited=0
exit D 0                                   # ok
wait C D                                   # exited=0
exit C 0                                   # ok
wait init C                                # exited=0
`},
	{name: "pid_max_per_pidns", flavours: []kernsim.Flavour{kernsim.Mainline}, script: `
# Mainline (≈6.14, reference §17): pid_max is per pid namespace; a new one
# starts at PID_MAX_LIMIT and its owner may lower it; allocation there wraps
# below it. 4.19 has one global pid_max (the helper refuses to write the
# machine's).
clone init C CLONE_NEWPID                  # ok
read_path C /proc/sys/kernel/pid_max       # content=4194304\n
write_path C /proc/sys/kernel/pid_max 1000 # ok
read_path C /proc/sys/kernel/pid_max       # content=1000\n
write_path C /proc/sys/kernel/ns_last_pid 998 # ok
clone C D 0                                # ok
getpid D                                   # pid=999
clone C E 0                                # ok
getpid E                                   # pid=300
write_path C /proc/sys/kernel/pid_max 99999999 # EINVAL
write_path C /proc/sys/kernel/pid_max 300  # EINVAL
write_path C /proc/sys/kernel/pid_max 4194304 # ok
clone C U 0                                # ok
drop_privs U 1000                          # ok
write_path U /proc/sys/kernel/pid_max 2000 # EACCES
exit U 0                                   # ok
wait C U                                   # exited=0
exit E 0                                   # ok
wait C E                                   # exited=0
exit D 0                                   # ok
wait C D                                   # exited=0
exit C 0                                   # ok
wait init C                                # exited=0
`},
}

func TestDifferentialMount(t *testing.T) {
	t.Parallel()
	runDiffScripts(t, realHelper(t), mntDiffScripts)
}
