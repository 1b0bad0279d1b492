package task

import (
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/uapi"
)

// utsNS returns current->nsproxy->uts_ns (the caller is running, so its
// nsproxy is set and only it could change it).
func (t *Task) utsNS() *utsns.Namespace { return t.nsproxy.UTS() }

// Sethostname mirrors sethostname(2) (kernel/sys.c, 4.19): CAP_SYS_ADMIN in the
// user namespace owning the caller's UTS namespace (EPERM), checked before the
// length; more than 64 bytes is EINVAL; then the name is stored under uts_sem,
// the rest of the 65-byte field zeroed. Embedded NULs are stored as given.
func (t *Task) Sethostname(name string) error {
	return t.setUTSField("sethostname", "__x64_sys_sethostname", utsns.Nodename, name)
}

// Setdomainname mirrors setdomainname(2): the same checks on domainname.
func (t *Task) Setdomainname(name string) error {
	return t.setUTSField("setdomainname", "__x64_sys_setdomainname", utsns.Domainname, name)
}

func (t *Task) setUTSField(op, fn string, field int, name string) error {
	if err := t.enter(op); err != nil {
		return err
	}
	t.ctx.Enter(fn)
	err := t.doSetUTSField(op, field, name)
	t.ctx.Exit(fn)
	t.leave()
	return err
}

func (t *Task) doSetUTSField(op string, field int, name string) error {
	uts := t.utsNS()
	if !userns.NSCapable(t.cred, uts.UserNS(), uapi.CAP_SYS_ADMIN) {
		return uapi.Err(op, uapi.EPERM, "no CAP_SYS_ADMIN in the user namespace owning the UTS namespace", "ns_capable")
	}
	if len(name) > uapi.NEW_UTS_LEN {
		return uapi.Err(op, uapi.EINVAL, "length above __NEW_UTS_LEN (64)", op)
	}
	uts.SetField(field, name)
	return nil
}

// Uname mirrors uname(2) → newuname (kernel/sys.c): a copy of the caller's
// new_utsname taken under uts_sem.
func (t *Task) Uname() (uapi.Utsname, error) {
	if err := t.enter("uname"); err != nil {
		return uapi.Utsname{}, err
	}
	defer t.leave()
	t.ctx.Mark("__x64_sys_newuname")
	return t.utsNS().Utsname(), nil
}

// Gethostname mirrors glibc's gethostname(name, buflen) on x86-64, which has no
// gethostname syscall: uname(2), then ENAMETOOLONG when the name and its NUL do
// not fit in buflen (the bytes that fit are still copied, so the returned
// string is the truncated prefix); EINVAL for a negative buflen.
func (t *Task) Gethostname(buflen int) (string, error) {
	if buflen < 0 {
		return "", uapi.Err("gethostname", uapi.EINVAL, "negative length", "gethostname")
	}
	u, err := t.Uname()
	if err != nil {
		return "", err
	}
	if len(u.Nodename)+1 > buflen {
		return u.Nodename[:min(buflen, len(u.Nodename))], uapi.Err("gethostname", uapi.ENAMETOOLONG, "host name and NUL longer than the buffer", "gethostname (glibc)")
	}
	return u.Nodename, nil
}

// Getdomainname returns the caller's domainname as getdomainname(3) reads it
// through uname(2).
func (t *Task) Getdomainname() (string, error) {
	u, err := t.Uname()
	return u.Domainname, err
}

// Setresuid mirrors setresuid(2) (kernel/sys.c): ids are in the caller's user
// namespace (-1 keeps one); an id with no mapping is EINVAL; without
// CAP_SETUID in the caller's namespace each new id must equal a current real,
// effective or saved uid (EPERM). Capabilities then change as
// cap_task_fix_setuid says: leaving uid 0 for all three ids clears permitted and
// effective; an euid leaving 0 clears effective; an euid becoming 0 restores
// effective from permitted.
func (t *Task) Setresuid(ruid, euid, suid int64) error {
	return t.setres("setresuid", ruid, euid, suid, true)
}

// Setresgid mirrors setresgid(2): the same rules with CAP_SETGID and gids, and
// no capability changes.
func (t *Task) Setresgid(rgid, egid, sgid int64) error {
	return t.setres("setresgid", rgid, egid, sgid, false)
}

func (t *Task) setres(op string, r, e, s int64, uid bool) error {
	if err := t.enter(op); err != nil {
		return err
	}
	defer t.leave()
	old := t.cred
	uns := old.UserNS()
	conv := func(id int64) (uint32, bool) {
		if id == -1 {
			return 0, true
		}
		if id < 0 || id > int64(userns.NoID) {
			return 0, false
		}
		var k uint32
		if uid {
			k = userns.MakeKUID(uns, uint32(id))
		} else {
			k = userns.MakeKGID(uns, uint32(id))
		}
		return k, k != userns.NoID
	}
	var kids [3]uint32
	for i, id := range [3]int64{r, e, s} {
		k, ok := conv(id)
		if !ok {
			return uapi.Err(op, uapi.EINVAL, "id has no mapping in the caller's user namespace", op)
		}
		kids[i] = k
	}
	cur := [3]uint32{old.UID, old.EUID, old.SUID}
	capName := uapi.CAP_SETUID
	if !uid {
		cur = [3]uint32{old.GID, old.EGID, old.SGID}
		capName = uapi.CAP_SETGID
	}
	if !userns.NSCapable(old, uns, capName) {
		for i, id := range [3]int64{r, e, s} {
			if id != -1 && kids[i] != cur[0] && kids[i] != cur[1] && kids[i] != cur[2] {
				return uapi.Err(op, uapi.EPERM, "new id is none of the current ids and no "+capName.String(), op)
			}
		}
	}
	n := userns.PrepareCreds(&t.ctx, old, nil)
	set := func(dst *uint32, i int) {
		if [3]int64{r, e, s}[i] != -1 {
			*dst = kids[i]
		}
	}
	if uid {
		set(&n.UID, 0)
		set(&n.EUID, 1)
		set(&n.SUID, 2)
		n.FSUID = n.EUID
		rootU := userns.MakeKUID(uns, 0)
		wasRoot := old.UID == rootU || old.EUID == rootU || old.SUID == rootU
		isRoot := n.UID == rootU || n.EUID == rootU || n.SUID == rootU
		if wasRoot && !isRoot {
			n.CapPermitted, n.CapEffective, n.CapAmbient = 0, 0, 0
		}
		if old.EUID == rootU && n.EUID != rootU {
			n.CapEffective = 0
		}
		if old.EUID != rootU && n.EUID == rootU {
			n.CapEffective = n.CapPermitted
		}
	} else {
		set(&n.GID, 0)
		set(&n.EGID, 1)
		set(&n.SGID, 2)
		n.FSGID = n.EGID
	}
	t.commitCreds(n)
	return nil
}

// commitCreds mirrors commit_creds (kernel/cred.c): install new as the task's
// cred (the caller's reference moves to the task) and put the old one.
func (t *Task) commitCreds(new *userns.Cred) {
	t.ctx.Mark("commit_creds")
	t.allocLock.Lock()
	old := t.cred
	t.cred = new
	t.allocLock.Unlock()
	t.ctx.EUID = new.EUID
	// A change of euid, egid, fsuid or fsgid, or capabilities that are not a
	// subset of the old ones, make the mm non-dumpable (set_dumpable(mm,
	// suid_dumpable), and fs.suid_dumpable is 0 by default).
	if old.EUID != new.EUID || old.EGID != new.EGID || old.FSUID != new.FSUID ||
		old.FSGID != new.FSGID || !credCapIsSubset(old, new) {
		t.mm.nonDumpable.Store(true)
	}
	old.Put(&t.ctx)
}

// credCapIsSubset mirrors cred_cap_issubset (kernel/cred.c): in the same user
// namespace, whether subset's permitted set is within set's; across
// namespaces, whether subset's namespace or an ancestor is a child of set's
// owned by set's euid (the owner has every capability there anyway).
func credCapIsSubset(set, subset *userns.Cred) bool {
	setNS, n := set.UserNS(), subset.UserNS()
	if setNS == n {
		return subset.CapPermitted&^set.CapPermitted == 0
	}
	for ; n.Parent() != nil; n = n.Parent() {
		if n.Parent() == setNS && n.OwnerUID() == set.EUID {
			return true
		}
	}
	return false
}
