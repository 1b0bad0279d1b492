package cgroupfs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// errnoEnv is one row's kernel: memory (a domain controller) and cpu (a
// threaded one) stand-ins and the real pids controller on cgroup2.
type errnoEnv struct {
	t    *testing.T
	k    *kernsim.Kernel
	init *task.Task
	mem  *cgroup.TestController
}

func (e *errnoEnv) ok(err error) {
	e.t.Helper()
	require.NoError(e.t, err)
}
func (e *errnoEnv) mkdir(rel string)              { e.ok(e.init.Mkdir(root+"/"+rel, 0o755)) }
func (e *errnoEnv) put(rel, data string)          { e.ok(write(e.init, root+"/"+rel, data)) }
func (e *errnoEnv) proc() *task.Task              { return kernsimtest.Fork(e.t, e.init, 0) }
func (e *errnoEnv) move(rel string, p *task.Task) { e.put(rel+"/cgroup.procs", fmt.Sprint(p.PID())) }

// open opens rel for writing; the returned call writes data through the fd.
func (e *errnoEnv) openThenWrite(rel, data string) func() error {
	fd, err := e.init.OpenFlags(root+"/"+rel, task.O_WRONLY)
	e.ok(err)
	e.t.Cleanup(func() { _ = e.init.Close(fd) })
	return func() error { _, err := e.init.Write(fd, []byte(data)); return err }
}

// threadedTree makes /d (domain threaded), /d/t (threaded) and /d/t/u
// (domain invalid).
func (e *errnoEnv) threadedTree() {
	e.mkdir("d")
	e.mkdir("d/t")
	e.mkdir("d/t/u")
	e.put("d/t/cgroup.type", "threaded")
}

// teardown moves every process back to the root and removes every cgroup,
// deepest first.
func (e *errnoEnv) teardown() {
	for _, p := range e.k.Tasks() {
		if p.State() == task.Running && p.IsThreadGroupLeader() && p != e.init {
			_ = write(e.init, root+"/cgroup.procs", p.PID())
		}
	}
	var rm func(c *cgroup.Cgroup)
	rm = func(c *cgroup.Cgroup) {
		for _, k := range c.Children() {
			rm(k)
		}
		if c.Parent() != nil {
			e.ok(e.k.Cgroup.Rmdir(e.init.Ctx(), c))
		}
	}
	rm(e.k.Cgroup.Dfl().Cgroup())
}

// The errnos of reference §1.7 (cgroup.procs, cgroup.threads,
// cgroup.subtree_control, cgroup.type, cgroup.max.*, mkdir, rmdir) and of
// the pids files, one row each, through the file API as a program sees
// them, on both flavours; every failure leaves the kernel as it was.
func TestSection17Errnos(t *testing.T) {
	type row struct {
		name  string
		setup func(e *errnoEnv) func() error
		errno uapi.Errno
	}
	procs := func(rel string, p func(e *errnoEnv) string) func(e *errnoEnv) func() error {
		return func(e *errnoEnv) func() error {
			data := p(e)
			return func() error { return write(e.init, root+"/"+rel, data) }
		}
	}
	lit := func(s string) func(*errnoEnv) string { return func(*errnoEnv) string { return s } }
	newProc := func(e *errnoEnv) string { return fmt.Sprint(e.proc().PID()) }
	rows := []row{
		// cgroup.procs (cgroup_procs_write)
		{"procs: destination removed after open", func(e *errnoEnv) func() error {
			e.mkdir("a")
			call := e.openThenWrite("a/cgroup.procs", "1")
			e.ok(e.init.Rmdir(root + "/a"))
			return call
		}, uapi.ENODEV},
		{"procs: not a number", procs("cgroup.procs", lit("one")), uapi.EINVAL},
		{"procs: negative pid", procs("cgroup.procs", lit("-1")), uapi.EINVAL},
		{"procs: no such pid", procs("cgroup.procs", lit("30000")), uapi.ESRCH},
		{"procs: no write permission on the common ancestor's cgroup.procs", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.ok(e.init.Chown(root+"/a/cgroup.procs", 1000, 1000))
			u := kernsimtest.User(e.t, e.init, 1000)
			return func() error { return write(u, root+"/a/cgroup.procs", u.PID()) }
		}, uapi.EACCES},
		{"procs: destination domain invalid", func(e *errnoEnv) func() error {
			e.threadedTree()
			return procs("d/t/u/cgroup.procs", newProc)(e)
		}, uapi.EOPNOTSUPP},
		{"procs: no internal processes", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+memory")
			e.mkdir("a")
			e.mkdir("a/b")
			e.put("a/cgroup.subtree_control", "+memory")
			return procs("a/cgroup.procs", newProc)(e)
		}, uapi.EBUSY},
		{"procs: a controller's can_attach refuses", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+memory")
			e.mkdir("m")
			e.mem.SetFail("can_attach", uapi.ENOMEM)
			return procs("m/cgroup.procs", newProc)(e)
		}, uapi.ENOMEM},
		// cgroup.threads (cgroup_threads_write)
		{"threads: source and destination in different domains", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.mkdir("b")
			p := e.proc()
			th, err := p.Clone(task.CloneArgs{Flags: threadFlags})
			e.ok(err)
			e.move("a", p)
			return func() error { return write(e.init, root+"/b/cgroup.threads", th.PID()) }
		}, uapi.EOPNOTSUPP},
		// cgroup.subtree_control (cgroup_subtree_control_write)
		{"subtree_control: token without + or -", procs("cgroup.subtree_control", lit("memory")), uapi.EINVAL},
		{"subtree_control: unknown controller", procs("cgroup.subtree_control", lit("+nope")), uapi.EINVAL},
		{"subtree_control: cgroup removed after open", func(e *errnoEnv) func() error {
			e.mkdir("a")
			call := e.openThenWrite("a/cgroup.subtree_control", "+pids")
			e.ok(e.init.Rmdir(root + "/a"))
			return call
		}, uapi.ENODEV},
		{"subtree_control: not in cgroup.controllers", func(e *errnoEnv) func() error {
			e.mkdir("a")
			return procs("a/cgroup.subtree_control", lit("+memory"))(e)
		}, uapi.ENOENT},
		{"subtree_control: a child still has it", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+memory")
			e.mkdir("a")
			e.put("a/cgroup.subtree_control", "+memory")
			return procs("cgroup.subtree_control", lit("-memory"))(e)
		}, uapi.EBUSY},
		{"subtree_control: a domain controller in a threaded subtree", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+memory +cpu")
			e.threadedTree() // /d is now "domain threaded", a thread root
			return procs("d/cgroup.subtree_control", lit("+memory"))(e)
		}, uapi.EOPNOTSUPP},
		{"subtree_control: the cgroup has processes", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+memory")
			e.mkdir("a")
			e.move("a", e.proc())
			return procs("a/cgroup.subtree_control", lit("+memory"))(e)
		}, uapi.EBUSY},
		// cgroup.type (cgroup_type_write)
		{"type: only threaded", func(e *errnoEnv) func() error {
			e.mkdir("a")
			return procs("a/cgroup.type", lit("domain"))(e)
		}, uapi.EINVAL},
		{"type: cgroup removed after open", func(e *errnoEnv) func() error {
			e.mkdir("a")
			call := e.openThenWrite("a/cgroup.type", "threaded")
			e.ok(e.init.Rmdir(root + "/a"))
			return call
		}, uapi.ENOENT},
		{"type: populated", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.move("a", e.proc())
			return procs("a/cgroup.type", lit("threaded"))(e)
		}, uapi.EOPNOTSUPP},
		// cgroup.max.depth / cgroup.max.descendants
		{"max.depth: negative", procs("cgroup.max.depth", lit("-1")), uapi.ERANGE},
		{"max.descendants: not a number", procs("cgroup.max.descendants", lit("lots")), uapi.EINVAL},
		// mkdir (cgroup_mkdir) and the VFS before it
		{"mkdir: newline in the name", func(e *errnoEnv) func() error {
			return func() error { return e.init.Mkdir(root+"/a\nb", 0o755) }
		}, uapi.EINVAL},
		{"mkdir: cgroup.max.descendants reached", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.put("a/cgroup.max.descendants", "0")
			return func() error { return e.init.Mkdir(root+"/a/x", 0o755) }
		}, uapi.EAGAIN},
		{"mkdir: cgroup.max.depth reached", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.put("a/cgroup.max.depth", "0")
			return func() error { return e.init.Mkdir(root+"/a/x", 0o755) }
		}, uapi.EAGAIN},
		{"mkdir: exists", func(e *errnoEnv) func() error {
			e.mkdir("a")
			return func() error { return e.init.Mkdir(root+"/a", 0o755) }
		}, uapi.EEXIST},
		{"mkdir: an interface file's name", func(e *errnoEnv) func() error {
			return func() error { return e.init.Mkdir(root+"/cgroup.procs", 0o755) }
		}, uapi.EEXIST},
		{"mkdir: no write permission on the parent", func(e *errnoEnv) func() error {
			u := kernsimtest.User(e.t, e.init, 1000)
			return func() error { return u.Mkdir(root+"/a", 0o755) }
		}, uapi.EACCES},
		{"mkdir: name too long", func(e *errnoEnv) func() error {
			return func() error { return e.init.Mkdir(root+"/"+strings.Repeat("x", 256), 0o755) }
		}, uapi.ENAMETOOLONG},
		// rmdir (cgroup_rmdir) and the VFS before it
		{"rmdir: populated", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.move("a", e.proc())
			return func() error { return e.init.Rmdir(root + "/a") }
		}, uapi.EBUSY},
		{"rmdir: has a child", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.mkdir("a/b")
			return func() error { return e.init.Rmdir(root + "/a") }
		}, uapi.EBUSY},
		{"rmdir: no such cgroup", func(e *errnoEnv) func() error {
			return func() error { return e.init.Rmdir(root + "/a") }
		}, uapi.ENOENT},
		{"rmdir: a file", func(e *errnoEnv) func() error {
			return func() error { return e.init.Rmdir(root + "/cgroup.procs") }
		}, uapi.ENOTDIR},
		{"rmdir: no write permission on the parent", func(e *errnoEnv) func() error {
			e.mkdir("a")
			e.ok(e.init.Chown(root+"/a", 1000, 1000))
			u := kernsimtest.User(e.t, e.init, 1000)
			return func() error { return u.Rmdir(root + "/a") }
		}, uapi.EACCES},
		// pids files (pids_max_write, kernfs)
		{"pids.max: negative", pidsRow("-1"), uapi.EINVAL},
		{"pids.max: PIDS_MAX", pidsRow("4194305"), uapi.EINVAL},
		{"pids.max: beyond 64 bits", pidsRow("99999999999999999999"), uapi.ERANGE},
		{"pids.max: junk", pidsRow("lots"), uapi.EINVAL},
		{"pids.max: more than a page", pidsRow(strings.Repeat("1", 4097)), uapi.E2BIG},
		{"pids.max: cgroup removed after open", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+pids")
			e.mkdir("a")
			call := e.openThenWrite("a/pids.max", "5")
			e.ok(e.init.Rmdir(root + "/a"))
			return call
		}, uapi.ENODEV},
		{"pids.max: not on the root", procs("pids.max", lit("5")), uapi.ENOENT},
		{"pids.current: read-only, written by root", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+pids")
			e.mkdir("a")
			return procs("a/pids.current", lit("1"))(e)
		}, uapi.EINVAL},
		{"pids.current: read-only, written by a user", func(e *errnoEnv) func() error {
			e.put("cgroup.subtree_control", "+pids")
			e.mkdir("a")
			u := kernsimtest.User(e.t, e.init, 1000)
			return func() error { return write(u, root+"/a/pids.current", "1") }
		}, uapi.EACCES},
	}
	eachFlavour(t, func(t *testing.T, f kernsim.Flavour) {
		for _, r := range rows {
			t.Run(r.name, func(t *testing.T) {
				mem := cgroup.NewTestController("memory", false)
				mem.SetQuiet(true)
				k := kernsimtest.Boot(t, kernsim.Config{Flavour: f, Cgroup: cgroup.Options{Subsys: []cgroup.Subsys{
					mem, cgroup.NewTestController("cpu", true), cgroup.NewPidsController()}}})
				e := &errnoEnv{t: t, k: k, init: k.Init(), mem: mem}
				t.Cleanup(func() {
					e.mem.SetFail("can_attach", 0)
					e.teardown()
				})
				call := r.setup(e)
				before := k.Snapshot()
				require.ErrorIs(t, call(), r.errno)
				require.Equal(t, before, k.Snapshot(), "a failed call changes nothing")
			})
		}
	})
}

// pidsRow writes data to pids.max of a child with pids enabled.
func pidsRow(data string) func(e *errnoEnv) func() error {
	return func(e *errnoEnv) func() error {
		e.put("cgroup.subtree_control", "+pids")
		e.mkdir("a")
		return func() error { return write(e.init, root+"/a/pids.max", data) }
	}
}
