package ipcns_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/refcount"
)

// FuzzSysctlWrite writes arbitrary bytes to every ipc sysctl in both
// flavours. The parser must not panic, must report a count within the
// write, must leave a single-value file unchanged on error, and must leave
// every file printing numbers that parse back.
func FuzzSysctlWrite(f *testing.F) {
	for _, s := range []string{"12", " 12\n", "-1", "0x10", "010", "0x", "1 2 3 4 5", "1 2 x",
		"99999999999999999999", "000000000000000000001", "\xa07", "7\x00", "-", "", "\t\n"} {
		f.Add([]byte(s), uint8(0), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, file uint8, mainline bool) {
		fl := refcount.Linux419
		if mainline {
			fl = refcount.Mainline
		}
		fx := newFix(t, fl)
		n := fx.newNS(t)
		defer n.Put(fx.ctx)
		names := ipcns.SysctlNames()
		name := names[int(file)%len(names)]
		before, err := n.SysctlRead(name, 0, 4096)
		if err != nil {
			t.Fatal(err)
		}
		cnt, werr := n.SysctlWrite(fx.ctx, name, 0, in)
		if cnt < 0 || cnt > len(in) {
			t.Fatalf("count %d for a write of %d bytes", cnt, len(in))
		}
		after, err := n.SysctlRead(name, 0, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if werr != nil && name != "sem" && string(after) != string(before) {
			t.Fatalf("failed write %q changed %s: %q -> %q", in, name, before, after)
		}
		for _, v := range strings.Fields(string(after)) {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				if _, err := strconv.ParseUint(v, 10, 64); err != nil {
					t.Fatalf("%s reads %q", name, after)
				}
			}
		}
		if l := n.Limits(); l.ShmRmidForced < 0 || l.ShmRmidForced > 1 || l.MsgMax < 0 || l.MsgMNB < 0 || l.MsgMNI < 0 {
			t.Fatalf("a minmax limit left its range: %+v", l)
		}
	})
}
