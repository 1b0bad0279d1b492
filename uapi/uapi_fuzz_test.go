package uapi_test

import (
	"testing"

	"github.com/kernsim/kernsim/uapi"
)

// FuzzParseCloneFlags: any text either fails with EINVAL or parses to flags
// whose String() parses back to the same value.
func FuzzParseCloneFlags(f *testing.F) {
	for _, s := range []string{"0", "CLONE_NEWUTS|CLONE_NEWUSER", "0x4000000", "CSIGNAL|CLONE_VM", "CLONE_BOGUS", "|", "17|CLONE_THREAD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := uapi.ParseCloneFlags(s)
		if err != nil {
			if uapi.ErrnoOf(err) != uapi.EINVAL {
				t.Fatalf("ParseCloneFlags(%q): %v is not EINVAL", s, err)
			}
			return
		}
		back, err := uapi.ParseCloneFlags(v.String())
		if err != nil || back != v {
			t.Fatalf("ParseCloneFlags(%q) = %#x, String %q parses to %#x, %v", s, uint64(v), v.String(), uint64(back), err)
		}
	})
}
