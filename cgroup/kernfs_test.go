package cgroup_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/cgroup"
)

// The kernfs attributes kept with a cgroup: set atomically through a
// function that may refuse (nothing changes), and valid only while the css
// that populated the node is the cgroup's: a controller's files made again
// after the controller was disabled and enabled are new, root's nodes.
func TestKernfsAttrs(t *testing.T) {
	t.Parallel()
	f := newFix(t, v2)
	root := f.dflRoot()
	_, err := f.g.WriteSubtreeControl(f.ctx, root, []byte("+memory"))
	require.NoError(t, err)
	a := f.mkdir(t, root, "a")
	memID := f.g.SubsysID("memory")
	mem := a.CSS(memID)
	require.NotNil(t, mem)

	_, ok := a.Iattr("", a.Self())
	require.False(t, ok, "nothing recorded: kernfs defaults")
	set := func(name string, css *cgroup.CSS, attr cgroup.KernfsAttr) {
		require.NoError(t, a.SetIattr(name, css, func(cur cgroup.KernfsAttr, ok bool) (cgroup.KernfsAttr, error) {
			return attr, nil
		}))
	}
	set("", a.Self(), cgroup.KernfsAttr{UID: 1000, GID: 1000, Mode: 0o755})
	set("memory.max", mem, cgroup.KernfsAttr{UID: 1000, GID: 1000, Mode: 0o644})
	got, ok := a.Iattr("", a.Self())
	require.True(t, ok)
	require.Equal(t, cgroup.KernfsAttr{UID: 1000, GID: 1000, Mode: 0o755}, got)

	refuse := errors.New("refused")
	err = a.SetIattr("", a.Self(), func(cur cgroup.KernfsAttr, ok bool) (cgroup.KernfsAttr, error) {
		require.True(t, ok)
		require.Equal(t, uint32(1000), cur.UID)
		return cgroup.KernfsAttr{}, refuse
	})
	require.ErrorIs(t, err, refuse)
	got, _ = a.Iattr("", a.Self())
	require.Equal(t, uint32(1000), got.UID, "a refused setattr changes nothing")

	// memory off and on again: a new css, new (root's) files.
	_, err = f.g.WriteSubtreeControl(f.ctx, root, []byte("-memory"))
	require.NoError(t, err)
	_, err = f.g.WriteSubtreeControl(f.ctx, root, []byte("+memory"))
	require.NoError(t, err)
	mem2 := a.CSS(memID)
	require.NotSame(t, mem, mem2)
	_, ok = a.Iattr("memory.max", mem2)
	require.False(t, ok, "the entry of the old css is stale")
	require.NoError(t, a.SetIattr("memory.max", mem2, func(cur cgroup.KernfsAttr, ok bool) (cgroup.KernfsAttr, error) {
		require.False(t, ok)
		require.Zero(t, cur, "a stale entry is not shown")
		return cur, nil
	}))
	_, err = f.g.WriteSubtreeControl(f.ctx, root, []byte("-memory"))
	require.NoError(t, err)
	f.requireClean(t)
}
