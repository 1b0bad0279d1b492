package task_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/kernsimtest"
	"github.com/kernsim/kernsim/task"
	"github.com/kernsim/kernsim/uapi"
)

// Tasks come from slabs of task_structs, but a slot is never handed out
// twice: a reaped task the caller still holds keeps its identity and state
// however many forks follow, and its calls fail with ESRCH.
func TestReapedTaskStaysValidAcrossSlabs(t *testing.T) {
	t.Parallel()
	k := kernsimtest.Boot(t)
	init := k.Init()
	old, err := init.Fork()
	require.NoError(t, err)
	pid := old.PID()
	require.NoError(t, old.Exit(3))
	_, status, err := init.Wait(pid, 0)
	require.NoError(t, err)
	require.Equal(t, 3<<8, status)

	seen := map[*task.Task]bool{old: true}
	for range 50 { // several slabs' worth
		c, err := init.Fork()
		require.NoError(t, err)
		require.False(t, seen[c], "a task_struct handed out twice")
		seen[c] = true
		require.NoError(t, c.Exit(0))
		_, _, err = init.Wait(c.PID(), 0)
		require.NoError(t, err)
	}
	assert.Equal(t, pid, old.PID())
	assert.Equal(t, task.Dead, old.State())
	assert.ErrorIs(t, old.Sethostname("x"), uapi.ESRCH)
	assert.Nil(t, old.NSProxy())
}
