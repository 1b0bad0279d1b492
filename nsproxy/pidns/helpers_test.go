package pidns_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// fix is one Kernel's worth of pid-namespace state without the rest. Like a
// booted kernel it has an init process: global pid 1, init_pid_ns's child
// reaper, alive until requireClean.
type fix struct {
	env     *ns.Env
	ctx     *ns.Ctx
	ug      *userns.Globals
	g       *pidns.Globals
	initPid *pidns.Pid
}

// maxThreads gives every ucount limit maxThreads/2 = 500 in init_user_ns.
const maxThreads = 1000

func newFix(t testing.TB, fl refcount.Flavour, pidMax int) *fix {
	t.Helper()
	env := &ns.Env{Refs: refcount.NewDomain(fl), Trace: trace.New(), Flavour: fl}
	ug := userns.NewGlobals(env, maxThreads)
	f := &fix{env: env, ctx: ns.NewCtx(env, 0), ug: ug, g: pidns.NewGlobals(env, ug, pidMax)}
	f.initPid = f.alloc(t, f.g.Init)
	require.Equal(t, int32(1), f.initPid.GlobalNr())
	f.initPid.Attach("init")
	f.g.Init.SetChildReaper("init")
	return f
}

// child creates a pid namespace below parent, as unshare(CLONE_NEWPID) by a
// task whose active namespace is parent does, owned by init_user_ns.
func (f *fix) child(t testing.TB, parent *pidns.Namespace) *pidns.Namespace {
	t.Helper()
	n, err := pidns.CopyPidNS(f.ctx, uapi.CLONE_NEWPID, f.ug.Init, parent, parent)
	require.NoError(t, err)
	return n
}

// chain creates depth nested namespaces below init and returns them, index i
// at level i+1.
func (f *fix) chain(t testing.TB, depth int) []*pidns.Namespace {
	t.Helper()
	out := make([]*pidns.Namespace, 0, depth)
	parent := f.g.Init
	for range depth {
		parent = f.child(t, parent)
		out = append(out, parent)
	}
	return out
}

// putAll drops the creator's reference on each namespace, innermost first.
func (f *fix) putAll(nss []*pidns.Namespace) {
	for i := len(nss) - 1; i >= 0; i-- {
		nss[i].Put(f.ctx)
	}
}

func (f *fix) alloc(t testing.TB, n *pidns.Namespace) *pidns.Pid {
	t.Helper()
	p, err := pidns.AllocPid(f.ctx, n)
	require.NoError(t, err)
	return p
}

// allocN allocates n pids in ns and returns them.
func (f *fix) allocN(t testing.TB, n *pidns.Namespace, count int) []*pidns.Pid {
	t.Helper()
	out := make([]*pidns.Pid, 0, count)
	for range count {
		out = append(out, f.alloc(t, n))
	}
	return out
}

func (f *fix) free(ps ...*pidns.Pid) {
	for _, p := range ps {
		pidns.FreePid(f.ctx, p, nil)
	}
}

// nrs returns each pid's numbers, outermost first.
func nrs(p *pidns.Pid) []int32 {
	var out []int32
	for _, u := range p.Numbers() {
		out = append(out, u.Nr)
	}
	return out
}

// requireClean checks that only the init process is left, then powers off:
// frees pid 1 and checks that nothing remains (no tracked object, no dynamic
// inode number, no ucount charge, no warning).
func (f *fix) requireClean(t testing.TB) {
	t.Helper()
	require.Equal(t, pidns.PIDNS_ADDING|1, f.g.Init.PidAllocated(), "init_pid_ns pids")
	require.Equal(t, []*pidns.Pid{f.initPid}, f.g.Init.AppendPids(nil))
	require.Equal(t, int64(1), f.initPid.Count())
	f.g.Init.SetChildReaper(nil)
	f.free(f.initPid)
	// The last pid of a namespace that still has PIDNS_ADDING reads as a
	// failed first fork: free_pid sets pid_allocated to 0.
	require.Zero(t, f.g.Init.PidAllocated())
	require.NoError(t, f.env.Refs.Leaks())
	require.Zero(t, f.env.Inums.InUse(), "inode numbers")
	require.Zero(t, f.ug.UcountEntries(), "ucounts")
	require.Empty(t, f.env.Refs.Warnings())
	require.Equal(t, int64(2), f.g.Init.Count(), "init_pid_ns kref")
}

var flavours = []refcount.Flavour{refcount.Linux419, refcount.Mainline}
