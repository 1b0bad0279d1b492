//go:build linux

package netns_test

import (
	"bytes"
	"encoding/base64"
	"encoding/gob"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/netns"
	"github.com/kernsim/kernsim/uapi"
)

// The helper side of the differential tests: runReal re-executes this test
// binary in fresh network and mount namespaces, where TestDiffHelperProcess
// runs the script against the real kernel over rtnetlink.

// runReal runs script in a helper process in fresh namespaces.
func runReal(t *testing.T, script []diffOp) diffResult {
	t.Helper()
	js, err := encode(script)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiffHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NETNS_DIFF_HELPER=1", "NETNS_DIFF_SCRIPT="+js)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	i := bytes.Index(out, []byte(diffMarker))
	require.GreaterOrEqual(t, i, 0, "%s", out)
	line := out[i+len(diffMarker):]
	line = line[:bytes.IndexByte(line, '\n')]
	var res diffResult
	require.NoError(t, decode(string(line), &res))
	return res
}

// encode and decode carry scripts and results between the processes as
// base64 gob: names are arbitrary bytes, which JSON would turn into U+FFFD.
func encode(v any) (string, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

func decode(s string, v any) error {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return gob.NewDecoder(bytes.NewReader(b)).Decode(v)
}

// TestDiffHelperProcess is the helper: it runs NETNS_DIFF_SCRIPT against the
// real kernel from inside the namespaces runReal made for it.
func TestDiffHelperProcess(t *testing.T) {
	if os.Getenv("NETNS_DIFF_HELPER") != "1" {
		t.Skip("helper process of the differential tests")
	}
	var script []diffOp
	if err := decode(os.Getenv("NETNS_DIFF_SCRIPT"), &script); err != nil {
		t.Fatal(err)
	}
	res, err := helperRun(script)
	if err != nil {
		t.Fatal(err)
	}
	js, err := encode(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\n%s%s\n", diffMarker, js)
}

// helperNS is one namespace of the helper: a file descriptor of its nsfs
// inode and an rtnetlink socket made inside it.
type helperNS struct {
	fd   int
	sock *nlSock
}

func helperRun(script []diffOp) (diffResult, error) {
	runtime.LockOSThread() // never unlocked: the thread changes namespaces
	var res diffResult
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return res, err
	}
	if err := syscall.Mount("sysfs", "/sys", "sysfs", 0, ""); err != nil {
		return res, err
	}
	home, err := enterNew(false)
	if err != nil {
		return res, err
	}
	nss := map[string]*helperNS{"A": home}
	setns := func(fd int) error {
		if _, _, e := syscall.RawSyscall(308 /* SYS_SETNS */, uintptr(fd), syscall.CLONE_NEWNET, 0); e != 0 {
			return e
		}
		return nil
	}
	index := func(h *helperNS, name string) int {
		links, _ := h.sock.dump()
		for _, l := range links {
			if l.Name == name {
				return l.Index
			}
		}
		return -1
	}
	dump := func(name string) (diffDump, error) {
		h := nss[name]
		d := diffDump{NS: name}
		var err error
		if d.Links, err = h.sock.dump(); err != nil {
			return d, err
		}
		if err := setns(h.fd); err != nil {
			return d, err
		}
		b, err := os.ReadFile("/proc/thread-self/net/dev")
		if err2 := setns(home.fd); err == nil {
			err = err2
		}
		d.ProcNetDev = string(b)
		if name == "A" {
			d.Sysfs = map[string]string{}
			for _, l := range d.Links {
				for _, a := range netns.SysfsAttrs() {
					v, err := os.ReadFile("/sys/class/net/" + l.Name + "/" + a)
					s := string(v)
					if err != nil {
						s = uapi.ErrnoOf(err).Name()
					}
					d.Sysfs[l.Name+"/"+a] = maskMAC(l.Name, a, s)
				}
			}
		}
		return d, err
	}
	for _, op := range script {
		h := nss[op.NS]
		var e syscall.Errno
		var err error
		byName := func(name string, f func(int) (syscall.Errno, error)) {
			if i := index(h, name); i < 0 {
				e = syscall.ENODEV // iproute2: Cannot find device
			} else {
				e, err = f(i)
			}
		}
		fdOf := func(name string) int {
			if t := nss[name]; t != nil {
				return t.fd
			}
			return -1
		}
		switch op.Op {
		case "newns":
			var n *helperNS
			if n, err = enterNew(true); err == nil {
				nss[op.NS] = n
				err = setns(home.fd)
			}
		case "killns":
			h.sock.Close()
			syscall.Close(h.fd)
			delete(nss, op.NS)
			err = waitGone(nss, op.Gone, index)
		case "add":
			e, err = h.sock.newlink(op.Kind, op.Name, op.Peer, fdOf(op.PeerNS))
		case "del":
			byName(op.Name, func(i int) (syscall.Errno, error) { return h.sock.dellink(i) })
		case "up", "down":
			var fl uint32
			if op.Op == "up" {
				fl = syscall.IFF_UP
			}
			byName(op.Name, func(i int) (syscall.Errno, error) { return h.sock.setlink(i, fl, syscall.IFF_UP, "", -1) })
		case "move":
			byName(op.Name, func(i int) (syscall.Errno, error) { return h.sock.setlink(i, 0, 0, "", fdOf(op.Target)) })
		case "rename":
			byName(op.Name, func(i int) (syscall.Errno, error) { return h.sock.setlink(i, 0, 0, op.New, -1) })
		case "dump":
			// The link watcher batches events that are not urgent (a device
			// not running, say) up to a second (HZ) after its last run.
			time.Sleep(1100 * time.Millisecond)
			for _, name := range sortedHelperKeys(nss) {
				d, err := dump(name)
				if err != nil {
					return res, err
				}
				res.Dumps = append(res.Dumps, d)
			}
		}
		if err != nil {
			return res, fmt.Errorf("%+v: %w", op, err)
		}
		if e == 0 {
			res.Errnos = append(res.Errnos, "OK")
		} else {
			res.Errnos = append(res.Errnos, uapi.Errno(e).Name())
		}
	}
	return res, nil
}

// enterNew opens the calling thread's network namespace (after unsharing
// a new one when fresh), turns IPv6 off in it so that nothing sends
// packets (the counters stay 0), and opens an rtnetlink socket there.
func enterNew(fresh bool) (*helperNS, error) {
	if fresh {
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			return nil, err
		}
	}
	fd, err := syscall.Open("/proc/thread-self/ns/net", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"all", "default"} {
		_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+p+"/disable_ipv6", []byte("1"), 0)
	}
	s, err := newNlSock()
	if err != nil {
		return nil, err
	}
	return &helperNS{fd: fd, sock: s}, nil
}

// waitGone waits (up to 10 s) for cleanup_net, which runs from a work
// queue, to remove the devices "NS/name".
func waitGone(nss map[string]*helperNS, gone []string, index func(*helperNS, string) int) error {
	deadline := time.Now().Add(10 * time.Second)
	for _, g := range gone {
		nsName, dev, _ := strings.Cut(g, "/")
		for index(nss[nsName], dev) >= 0 {
			if time.Now().After(deadline) {
				return fmt.Errorf("%s still present", g)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

func sortedHelperKeys(m map[string]*helperNS) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
