package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The story runs to the end and shows the container's isolation: its own
// hostname, pid 1, every ns link different from the runtime's, its tmpfs
// and its eth0 only inside, and an empty leak registry at the end.
func TestContainerStory(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stdout := os.Stdout
	os.Stdout = w
	runErr := run()
	os.Stdout = stdout
	require.NoError(t, w.Close())
	var buf bytes.Buffer
	_, err = io.Copy(&buf, r)
	require.NoError(t, err)
	require.NoError(t, runErr)
	out := buf.String()
	inside, outside, ok := strings.Cut(out, "== outside")
	require.True(t, ok, out)
	require.Contains(t, inside, `hostname "container", pid 1 `)
	require.Contains(t, inside, " /tmp rw,nodev,relatime - tmpfs tmpfs rw,size=64k", "mounted in a user namespace: nodev")
	require.Contains(t, inside, " /proc rw,nodev,relatime - proc proc rw\n", "its own proc")
	require.NotContains(t, outside, " /tmp ")
	require.Contains(t, inside, "2: eth0 (veth, up)")
	require.Contains(t, outside, "veth-ctr (veth, up)")
	for _, typ := range []string{"net", "uts", "ipc", "pid", "user", "mnt", "cgroup", "time"} {
		in := linkOf(t, inside, typ)
		outLink := linkOf(t, outside, typ)
		require.NotEqual(t, in, outLink, typ)
	}
	require.Contains(t, out, "after the container exited, the host's links: lo, eth0\n")
	require.True(t, strings.HasSuffix(out, "powered off; leak registry empty\n"))
}

// linkOf finds "typ -> link" in a view's ns line.
func linkOf(t *testing.T, view, typ string) string {
	t.Helper()
	_, rest, ok := strings.Cut(view, " "+typ+" -> ")
	if !ok {
		_, rest, ok = strings.Cut(view, "ns: "+typ+" -> ")
	}
	require.True(t, ok, "no %s link in %q", typ, view)
	link, _, _ := strings.Cut(rest, ",")
	return strings.TrimSpace(link)
}
