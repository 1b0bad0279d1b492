package utsns_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/nsproxy/utsns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// uname(2) reads each field up to its first NUL, as the C string the kernel
// copies out; the copy made by clone_uts_ns reads the same; and the read
// allocates nothing.
func TestUtsnameFields(t *testing.T) {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	users := userns.NewGlobals(env, 1000)
	g := utsns.NewGlobals(env, users, "4.19.13", "#1 SMP", "x86_64")
	assert.Equal(t, uapi.Utsname{Sysname: "Linux", Nodename: "(none)", Release: "4.19.13",
		Version: "#1 SMP", Machine: "x86_64", Domainname: "(none)"}, g.Init.Utsname())

	n, err := utsns.CopyUTSName(ctx, uapi.CLONE_NEWUTS, users.Init, g.Init)
	require.NoError(t, err)
	n.SetField(utsns.Nodename, "ab\x00cd")
	n.SetField(utsns.Domainname, "example.org")
	u := n.Utsname()
	assert.Equal(t, "ab", u.Nodename)
	assert.Equal(t, "example.org", u.Domainname)
	assert.Equal(t, "4.19.13", u.Release)
	name := n.Name()
	assert.Equal(t, u.Nodename, name.Field(utsns.Nodename), "the string form matches the bytes")
	assert.Equal(t, "ab", n.Nodename())
	assert.Equal(t, "(none)", g.Init.Utsname().Nodename, "the original is unchanged")

	c, err := utsns.CopyUTSName(ctx, uapi.CLONE_NEWUTS, users.Init, n)
	require.NoError(t, err)
	assert.Equal(t, u, c.Utsname(), "clone_uts_ns copies the whole name")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = c.Utsname() }))
	c.Put(ctx)
	n.Put(ctx)
	require.NoError(t, env.Refs.Leaks())
}
