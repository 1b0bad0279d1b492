package initns_test

import (
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

func taskArgs(f uapi.CloneFlags) task.CloneArgs {
	return task.CloneArgs{Flags: f | uapi.CloneFlags(uapi.SIGCHLD)}
}
