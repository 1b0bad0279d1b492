package userns

import (
	"testing"

	"github.com/kernsim/kernsim/uapi"
)

// FuzzMapWrite: root writing any text to a fresh child namespace's uid_map
// either fails with EINVAL or EPERM and leaves the map empty, or succeeds,
// and then the map reads back as text that describes the same extents.
func FuzzMapWrite(f *testing.F) {
	for _, s := range []string{"0 1000 1\n", "0 0 4294967295", "0 1 2\n5 10 3\n", "1 2 3 4", " 0\t1 1 \n", "", "\n", "0 0 0", "4294967295 0 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		w := newMapWorld(t)
		child := w.create(w.root)
		target := child.UserNS()
		n, err := MapWrite(w.ctx, target, UIDMap, w.root, w.root, 0, []byte(data))
		if err != nil {
			if e := uapi.ErrnoOf(err); e != uapi.EINVAL && e != uapi.EPERM {
				t.Fatalf("MapWrite(%q): %v, want EINVAL or EPERM", data, err)
			}
			if len(target.UIDMap()) != 0 {
				t.Fatalf("MapWrite(%q) failed but left a map %v", data, target.UIDMap())
			}
			return
		}
		if n != len(data) {
			t.Fatalf("MapWrite(%q) = %d, want %d", data, n, len(data))
		}
		got := target.UIDMap()
		if len(got) == 0 {
			t.Fatalf("MapWrite(%q) succeeded with an empty map", data)
		}
		// The text read from the parent namespace rewrites to the same map.
		again := w.create(w.root).UserNS()
		text := MapRead(target, UIDMap, w.root.UserNS())
		if _, err := MapWrite(w.ctx, again, UIDMap, w.root, w.root, 0, []byte(text)); err != nil {
			t.Fatalf("map %q of %q does not write back: %v", text, data, err)
		}
		if MapRead(again, UIDMap, w.root.UserNS()) != text {
			t.Fatalf("map %q of %q reads back as %q", text, data, MapRead(again, UIDMap, w.root.UserNS()))
		}
	})
}
