package mntns

import (
	"strconv"
	"strings"
)

// mangle mirrors seq_escape / mangle_path with the " \t\n\\" set
// (fs/proc_namespace.c): each of those characters becomes a backslash and
// three octal digits.
func mangle(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\\':
			b.WriteByte('\\')
			b.WriteByte('0' + (c>>6)&7)
			b.WriteByte('0' + (c>>3)&7)
			b.WriteByte('0' + c&7)
		default:
			b.WriteByte(c)
		}
	}
}

// pathRoot mirrors __d_path: the path of p as seen from root, or false
// when p is not reachable from root (seq_path_root then skips the line).
func pathRoot(p, root Path) (string, bool) {
	var parts []string
	mnt, d := p.Mnt, p.Dentry
	for d != root.Dentry || mnt != root.Mnt {
		if d == mnt.root || d.parent == nil {
			if d != mnt.root { // escaped
				return "", false
			}
			if mnt != mnt.parent {
				d = mnt.mountpoint
				mnt = mnt.parent
				continue
			}
			return "", false // global root that is not root
		}
		parts = append(parts, d.name)
		d = d.parent
	}
	if len(parts) == 0 {
		return "/", true
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String(), true
}

var mntOptNames = [...]struct {
	flag int
	str  string
}{
	{MNT_NOSUID, ",nosuid"},
	{MNT_NODEV, ",nodev"},
	{MNT_NOEXEC, ",noexec"},
	{MNT_NOATIME, ",noatime"},
	{MNT_NODIRATIME, ",nodiratime"},
	{MNT_RELATIME, ",relatime"},
}

var sbOptNames = [...]struct {
	flag uint64
	str  string
}{
	{SB_SYNCHRONOUS, ",sync"},
	{SB_DIRSYNC, ",dirsync"},
	{SB_MANDLOCK, ",mand"},
	{SB_LAZYTIME, ",lazytime"},
}

// showMntOpts mirrors show_mnt_opts.
func showMntOpts(b *strings.Builder, flags int) {
	for _, o := range mntOptNames {
		if flags&o.flag != 0 {
			b.WriteString(o.str)
		}
	}
}

// showSbOpts mirrors show_sb_opts (no LSM options).
func showSbOpts(b *strings.Builder, sb *SuperBlock) {
	for _, o := range sbOptNames {
		if sb.flags&o.flag != 0 {
			b.WriteString(o.str)
		}
	}
}

func devname(m *Mount) string {
	if m.devname == "" {
		return "none"
	}
	return m.devname
}

func itoa(i int) string { return strconv.Itoa(i) }

// showMountinfo mirrors show_mountinfo (fs/proc_namespace.c) for one mount.
func showMountinfo(b *strings.Builder, r *Mount, root Path) {
	mp, ok := pathRoot(Path{r, r.root}, root)
	if !ok {
		return // SEQ_SKIP
	}
	sb := r.sb
	b.WriteString(itoa(r.id))
	b.WriteByte(' ')
	b.WriteString(itoa(r.parent.id))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatUint(uint64(sb.dev.Major()), 10))
	b.WriteByte(':')
	b.WriteString(strconv.FormatUint(uint64(sb.dev.Minor()), 10))
	b.WriteByte(' ')
	mangle(b, r.root.Path())
	b.WriteByte(' ')
	mangle(b, mp)
	if r.flags&MNT_READONLY != 0 {
		b.WriteString(" ro")
	} else {
		b.WriteString(" rw")
	}
	showMntOpts(b, r.flags)
	if r.isShared() {
		b.WriteString(" shared:")
		b.WriteString(itoa(r.groupID))
	}
	if r.isSlave() {
		master := r.master.groupID
		dom := getDominatingID(r, root)
		b.WriteString(" master:")
		b.WriteString(itoa(master))
		if dom != 0 && dom != master {
			b.WriteString(" propagate_from:")
			b.WriteString(itoa(dom))
		}
	}
	if r.isUnbindable() {
		b.WriteString(" unbindable")
	}
	b.WriteString(" - ")
	mangle(b, sb.fsType)
	b.WriteByte(' ')
	mangle(b, devname(r))
	if sb.flags&SB_RDONLY != 0 {
		b.WriteString(" ro")
	} else {
		b.WriteString(" rw")
	}
	showSbOpts(b, sb)
	b.WriteString(sb.options)
	b.WriteByte('\n')
}

// showVfsmnt mirrors show_vfsmnt (/proc/<pid>/mounts).
func showVfsmnt(b *strings.Builder, r *Mount, root Path) {
	mp, ok := pathRoot(Path{r, r.root}, root)
	if !ok {
		return
	}
	sb := r.sb
	mangle(b, devname(r))
	b.WriteByte(' ')
	mangle(b, mp)
	b.WriteByte(' ')
	mangle(b, sb.fsType)
	if r.flags&MNT_READONLY != 0 || sb.flags&SB_RDONLY != 0 {
		b.WriteString(" ro")
	} else {
		b.WriteString(" rw")
	}
	showSbOpts(b, sb)
	showMntOpts(b, r.flags)
	b.WriteString(sb.options)
	b.WriteString(" 0 0\n")
}

func (n *Namespace) show(root Path, one func(*strings.Builder, *Mount, Path)) string {
	var b strings.Builder
	for e := n.list.next; e != &n.list; e = e.next {
		one(&b, e.owner, root)
	}
	return b.String()
}

// ShowMountinfo renders /proc/<pid>/mountinfo for a reader whose mount
// namespace is n and whose root is root: one line per mount in list order,
// mounts not reachable from root left out, mount points relative to root.
func (n *Namespace) ShowMountinfo(root Path) string {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	return n.show(root, showMountinfo)
}

// ShowMounts renders /proc/<pid>/mounts likewise.
func (n *Namespace) ShowMounts(root Path) string {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	return n.show(root, showVfsmnt)
}

// MountInfo is /proc/<pid>/mountinfo for a task of n whose root is the
// directory rootPath of n (resolved from n's root, following mounts; "/"
// is what a task gets from setns or from a new namespace). An unresolvable
// rootPath gives "".
func MountInfo(n *Namespace, rootPath string) string {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	root, err := n.g.lookupPath(n, rootPath, false, "mountinfo")
	if err != nil {
		return ""
	}
	return n.show(root, showMountinfo)
}

// Mounts is /proc/<pid>/mounts for the same reader as MountInfo.
func Mounts(n *Namespace, rootPath string) string {
	n.g.sem.Lock()
	defer n.g.sem.Unlock()
	root, err := n.g.lookupPath(n, rootPath, false, "mounts")
	if err != nil {
		return ""
	}
	return n.show(root, showVfsmnt)
}
