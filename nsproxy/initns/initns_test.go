package initns_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/nsproxy/initns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/uapi"
)

func boot(t *testing.T, f kernsim.Flavour) *kernsim.Kernel {
	t.Helper()
	k, err := kernsim.Boot(kernsim.Config{Flavour: f})
	require.NoError(t, err)
	t.Cleanup(func() {
		k.PowerOff()
		require.NoError(t, k.Leaks())
		require.Empty(t, k.Warnings())
	})
	return k
}

// The boot counts and inode numbers of reference §1.2, §2.2, §14.1 and §15.
func TestInitialNamespaces(t *testing.T) {
	t.Parallel()
	k := boot(t, kernsim.Linux419)
	o := k.Other
	for _, c := range []struct {
		n     *initns.Namespace
		typ   ns.Type
		inum  uint32
		count int64
	}{
		{o.NET, ns.NET, 4026531992, 1}, // after procfs's boot entries (Config.BootProcInums = 151)
	} {
		require.Equal(t, c.typ, c.n.Type())
		require.Equal(t, c.inum, c.n.Inum(), c.typ.Name())
		require.Equal(t, c.count, c.n.Count(), c.typ.Name())
		require.Same(t, k.UserNS.Init, c.n.Owner())
	}
	m := boot(t, kernsim.Mainline)
	require.Equal(t, uint32(4026531832), m.Mnt.Init.Inum())
	require.Equal(t, uint32(4026531840), k.Mnt.Init.Inum(), "4.19: the first dynamic number at boot")
	require.Equal(t, uint32(4026531833), m.Other.NET.Inum())
}

// A new namespace of a type not modelled yet is EINVAL from its copy function,
// and the clone changes nothing; without the flag every nsproxy takes a
// reference (init_pid_ns excepted: it is never counted).
func TestCopyWithAndWithoutFlag(t *testing.T) {
	t.Parallel()
	k := boot(t, kernsim.Linux419)
	init := k.Init()
	for _, c := range []struct {
		flag  uapi.CloneFlags
		check string
	}{
		{uapi.CLONE_NEWNET, "copy_net_ns"},
	} {
		before := k.Snapshot()
		_, err := init.Clone(taskArgs(c.flag))
		require.ErrorIs(t, err, uapi.EINVAL, c.check)
		var e *uapi.Error
		require.True(t, errors.As(err, &e))
		require.Equal(t, c.check, e.Check)
		require.Equal(t, before, k.Snapshot())
	}
	b, err := init.Clone(taskArgs(uapi.CLONE_NEWUTS))
	require.NoError(t, err)
	require.Equal(t, int64(3), k.Mnt.Init.Count())
	require.Equal(t, int64(2), k.Other.NET.Count())
	require.NoError(t, b.Exit(0))
	require.Equal(t, int64(2), k.Mnt.Init.Count())
	require.Equal(t, int64(1), k.Other.NET.Count())
	require.NoError(t, k.Check())
}

// Example: the initial namespaces an nsproxy points at, and what asking for a
// new mount namespace answers today.
func Example() {
	k, _ := kernsim.Boot(kernsim.Config{})
	for _, n := range []*initns.Namespace{k.Other.NET} {
		fmt.Println(n.Link(), "count", n.Count())
	}
	_, err := k.Init().Clone(taskArgs(uapi.CLONE_NEWNET))
	fmt.Println(err)
	// Output:
	// net:[4026531992] count 1
	// clone: EINVAL (Invalid argument): new net namespace requested: CONFIG_NET_NS=n (copy_net_ns)
}
