package procfs

import (
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/timens"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// timensOffsetsFile is /proc/<pid>/timens_offsets (fs/proc/base.c, mainline
// 5.6, mode 0644): reading shows the offsets of the task's
// time_ns_for_children (proc_timens_show_offsets), writing sets them
// (proc_timens_set_offset) with the opener's credentials (f_cred).
type timensOffsetsFile struct{ t *task.Task }

func (timensOffsetsFile) Mode() uint32 { return task.S_IFREG | 0o644 }

func (f timensOffsetsFile) Open(t *task.Task, flags int) (task.FileOps, error) {
	if err := mayOpenTaskFile(t, f.t, flags); err != nil {
		return nil, err
	}
	return &openTimensOffsets{target: f.t, opener: t.Cred().Get()}, nil
}

type openTimensOffsets struct {
	target *task.Task
	opener *userns.Cred
}

// forChildren is the target's time_ns_for_children, or nil once it has no
// nsproxy.
func (o *openTimensOffsets) forChildren() *timens.Namespace {
	if p := o.target.NSProxy(); p != nil {
		return p.TimeNSForChildren()
	}
	return nil
}

func (o *openTimensOffsets) Read(_ *task.Task, off int64, n int) ([]byte, error) {
	if o.target.State() == task.Dead {
		return nil, uapi.Err("read", uapi.ESRCH, "the task has been reaped", "timens_offsets_show")
	}
	return window([]byte(timens.ShowOffsets(o.forChildren())), off, n), nil
}

func (o *openTimensOffsets) Write(t *task.Task, off int64, p []byte) (int, error) {
	if o.target.State() == task.Dead {
		return 0, uapi.Err("write", uapi.ESRCH, "the task has been reaped", "timens_offsets_write")
	}
	return timens.WriteOffsets(t.Ctx(), o.forChildren(), o.opener, off, p)
}

func (o *openTimensOffsets) Release(ctx *ns.Ctx) { o.opener.Put(ctx) }
