package mntns

import (
	"fmt"
	"strings"
)

// Check verifies the mount invariants of the given namespaces (the initial
// one is always included) and returns nil or an error listing every
// violation: the list holds MountCount mounts, each with mnt_ns set to the
// namespace, none marked unmounted; each mount is hashed at its place; a
// mount's count covers its tree reference and its children; peers share a
// non-zero group id and MNT_SHARED; a slave is on its master's slave list;
// no mount is left MNT_MARKED; no mounts are pending.
func (g *Globals) Check(others ...*Namespace) error {
	g.sem.Lock()
	defer g.sem.Unlock()
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	seen := map[*Namespace]bool{}
	for _, n := range append([]*Namespace{g.Init}, others...) {
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		if n.pending != 0 {
			bad("%s: %d pending mounts", n.Link(), n.pending)
		}
		var count uint32
		for e := n.list.next; e != &n.list; e = e.next {
			m := e.owner
			count++
			if m.ns != n {
				bad("mount %d on %s's list has mnt_ns %p", m.id, n.Link(), m.ns)
			}
			if m.flags&(MNT_UMOUNT|MNT_MARKED) != 0 {
				bad("mount %d: flags %#x in a namespace", m.id, m.flags)
			}
			if m.hasParent() && g.hash[mpKey{m.parent, m.mountpoint}] != m {
				bad("mount %d is not hashed at its mountpoint", m.id)
			}
			var children int32
			for c := m.mounts.next; c != &m.mounts; c = c.next {
				children++
				if c.owner.parent != m {
					bad("mount %d: child %d has another parent", m.id, c.owner.id)
				}
			}
			if m.count.Read() < 1+children {
				bad("mount %d: count %d < 1 + %d children", m.id, m.count.Read(), children)
			}
			if m.isShared() && m.groupID == 0 {
				bad("mount %d: shared without a group id", m.id)
			}
			for p := nextPeer(m); p != m; p = nextPeer(p) {
				if p.groupID != m.groupID || m.groupID == 0 || !p.isShared() {
					bad("mount %d: peer %d has group %d (own %d)", m.id, p.id, p.groupID, m.groupID)
					break
				}
			}
			if m.master != nil {
				found := false
				for s := m.master.slaveList.next; s != &m.master.slaveList; s = s.next {
					if s.owner == m {
						found = true
						break
					}
				}
				if !found {
					bad("mount %d is not on its master %d's slave list", m.id, m.master.id)
				}
			}
		}
		if count != n.mounts {
			bad("%s: list has %d mounts, mounts is %d", n.Link(), count, n.mounts)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("mntns: %s", strings.Join(errs, "; "))
}
