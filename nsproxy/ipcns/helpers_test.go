package ipcns_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ipcns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// maxThreads gives every ucount limit maxThreads/2 = 500 in init_user_ns.
const maxThreads = 1000

// fix is one Kernel's worth of IPC state: init_user_ns, init_cred and
// init_ipc_ns.
type fix struct {
	env  *ns.Env
	ctx  *ns.Ctx
	ug   *userns.Globals
	g    *ipcns.Globals
	root *userns.Cred // init_cred: global root with every capability
}

func newFix(t testing.TB, fl refcount.Flavour) *fix {
	t.Helper()
	env := &ns.Env{Refs: refcount.NewDomain(fl), Trace: trace.New(), Flavour: fl}
	ug := userns.NewGlobals(env, maxThreads)
	f := &fix{env: env, ctx: ns.NewCtx(env, 0), ug: ug, g: ipcns.NewGlobals(env, ug), root: new(userns.Cred)}
	userns.InitCred(f.root, ug)
	// Runs after every cleanup registered later (the creds' puts): by then
	// the test must have put every namespace it made.
	t.Cleanup(func() {
		if !t.Failed() {
			require.NoError(t, env.Refs.Leaks(), "leak registry at the end of the test")
		}
	})
	return f
}

// newNS unshares an ipc namespace owned by init_user_ns, as global root does.
func (f *fix) newNS(t testing.TB) *ipcns.Namespace {
	t.Helper()
	n, err := ipcns.CopyIPCs(f.ctx, uapi.CLONE_NEWIPC, f.ug.Init, f.g.Init)
	require.NoError(t, err)
	return n
}

// cred returns a prepared copy of init_cred with the given effective and
// fs ids and effective set, put when the test ends.
func (f *fix) cred(t testing.TB, euid, egid uint32, eff uapi.CapSet) *userns.Cred {
	t.Helper()
	c := userns.PrepareCreds(f.ctx, f.root, nil)
	c.EUID, c.FSUID, c.EGID, c.FSGID = euid, euid, egid, egid
	c.CapEffective = eff
	t.Cleanup(func() { c.Put(f.ctx) })
	return c
}

// requireNoLeaks checks the leak registry holds no ipc namespace or object
// (the creds f.cred made are put when the test ends).
func (f *fix) requireNoLeaks(t testing.TB) {
	t.Helper()
	for _, l := range f.env.Refs.Live() {
		require.Equal(t, "cred", l.Kind, "leaked: %v", l)
	}
}

// snapshot is everything observable about a namespace: its objects, usage,
// limits and /proc/sysvipc texts.
type snapshot struct {
	lists    [3][]ipcns.Stat
	used     int
	shmTot   uint64
	limits   ipcns.Limits
	texts    [3]string
	count    int64
	liveObjs int
}

func (f *fix) snap(n *ipcns.Namespace) snapshot {
	var s snapshot
	for _, k := range []ipcns.Kind{ipcns.SEM, ipcns.MSG, ipcns.SHM} {
		s.lists[k] = n.List(k)
		s.texts[k] = string(n.Sysvipc(k, f.ug.Init))
	}
	s.used, s.shmTot = n.Usage()
	s.limits = n.Limits()
	s.count = n.Count()
	for _, k := range []string{"ipc_namespace", "shmid_kernel", "msg_queue", "sem_array"} {
		s.liveObjs += f.env.Refs.CountKind(k)
	}
	return s
}

// runScript runs a scenario in the language of testdata/sysvipc_diff.c on n
// and returns what that program would print, errors as "= -ERRNO" numbers.
// The task starts as global root; euid/egid change its cred as
// setresuid/setresgid(-1, N, -1) do for a task whose real and saved ids are
// 0 (cap_emulate_setxuid: the effective set is cleared when euid leaves 0
// and restored from the permitted set when it comes back).
func runScript(t testing.TB, f *fix, n *ipcns.Namespace, script string) string {
	t.Helper()
	var out strings.Builder
	results := map[int]int64{}
	euid, egid := uint32(0), uint32(0)
	var creds []*userns.Cred
	defer func() {
		for _, c := range creds {
			c.Put(f.ctx)
		}
	}()
	cred := func() *userns.Cred {
		c := userns.PrepareCreds(f.ctx, f.root, nil)
		c.EUID, c.FSUID, c.EGID, c.FSGID = euid, euid, egid, egid
		if euid != 0 {
			c.CapEffective = 0
		}
		creds = append(creds, c)
		return c
	}
	num := func(s string) int64 {
		v, err := strconv.ParseInt(s, 0, 64)
		require.NoError(t, err, s)
		return v
	}
	ref := func(s string) int64 {
		if !strings.HasPrefix(s, "$") {
			return num(s)
		}
		line, k, _ := strings.Cut(s[1:], "+")
		var add int64
		if k != "" {
			add = num(k)
		}
		return results[int(num(line))] + add
	}
	result := func(ln int, cmd string, r int64, err error) {
		if err != nil {
			e := uapi.ErrnoOf(err)
			require.NotZero(t, e, "%s: %v", cmd, err)
			fmt.Fprintf(&out, "%s = -%d\n", cmd, int(e))
			results[ln] = -1
			return
		}
		fmt.Fprintf(&out, "%s = %d\n", cmd, r)
		results[ln] = r
	}
	kinds := map[string]ipcns.Kind{"shm": ipcns.SHM, "msg": ipcns.MSG, "sem": ipcns.SEM}
	for i, line := range strings.Split(strings.TrimSpace(script), "\n") {
		ln := i + 1
		w := strings.Fields(line)
		switch w[0] {
		case "shmget":
			size, err := strconv.ParseUint(w[2], 0, 64)
			require.NoError(t, err)
			id, err := ipcns.Shmget(f.ctx, n, cred(), int32(num(w[1])), size, int(num(w[3])))
			result(ln, line, int64(id), err)
		case "msgget":
			id, err := ipcns.Msgget(f.ctx, n, cred(), int32(num(w[1])), int(num(w[2])))
			result(ln, line, int64(id), err)
		case "semget":
			id, err := ipcns.Semget(f.ctx, n, cred(), int32(num(w[1])), int(num(w[2])), int(num(w[3])))
			result(ln, line, int64(id), err)
		case "rmid":
			err := ipcns.Rmid(f.ctx, n, cred(), kinds[w[1]], int(int32(ref(w[2]))))
			result(ln, line, 0, err)
		case "euid":
			euid = uint32(num(w[1]))
			result(ln, line, 0, nil)
		case "egid":
			egid = uint32(num(w[1]))
			result(ln, line, 0, nil)
		case "cat":
			fmt.Fprintf(&out, "%s\n%send\n", line, n.Sysvipc(kinds[w[1]], f.ug.Init))
		case "sysctl-read":
			b, err := n.SysctlRead(w[1], 0, 4095)
			require.NoError(t, err)
			fmt.Fprintf(&out, "%s = %s\n", line, strings.NewReplacer("\t", `\t`, "\n", `\n`).Replace(string(b)))
		case "sysctl-write":
			text := strings.TrimPrefix(strings.TrimPrefix(line, "sysctl-write "+w[1]), " ")
			c := cred()
			var cnt int
			err := ipcns.SysctlPermission(c, n, true)
			if err == nil {
				cnt, err = n.SysctlWrite(f.ctx, w[1], 0, unescape(text))
			}
			result(ln, line, int64(cnt), err)
		default:
			t.Fatalf("unknown script line %q", line)
		}
	}
	return out.String()
}

// unescape undoes the script's \t \n \\ \xHH escapes.
func unescape(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b = append(b, '\t')
		case 'n':
			b = append(b, '\n')
		case 'x':
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(v))
			i += 2
		default:
			b = append(b, s[i])
		}
	}
	return b
}
