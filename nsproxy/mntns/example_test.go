package mntns_test

import (
	"fmt"

	"github.com/kernsim/kernsim/nsproxy/mntns"
	"github.com/kernsim/kernsim/nsproxy/ns"
	"github.com/kernsim/kernsim/nsproxy/userns"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/trace"
	"github.com/kernsim/kernsim/uapi"
)

// unshare(CLONE_NEWNS) copies the whole tree; with "/" shared, the copy's
// mounts are peers of the originals, so a mount made on the host appears
// in the copy. After the copy makes its /tmp a slave, its own mounts stay
// private to it while the host's still arrive.
func ExampleCopyMntNS() {
	env := &ns.Env{Refs: refcount.NewDomain(refcount.Linux419), Trace: trace.New()}
	ctx := ns.NewCtx(env, 0)
	users := userns.NewGlobals(env, 1000)
	var root userns.Cred
	userns.InitCred(&root, users)
	g, _ := mntns.NewGlobals(env, users, mntns.Config{Mounts: []mntns.BootMount{
		{Target: "/", FSType: "ext4", Source: "/dev/sda1", Dev: mntns.MkDev(8, 1), Dirs: []string{"tmp"}},
		{Target: "/tmp", FSType: "tmpfs", Source: "tmpfs", Dirs: []string{"a", "b"}},
		{Target: "/", Propagation: mntns.MS_SHARED | mntns.MS_REC},
	}})

	box, _, _ := mntns.CopyMntNS(ctx, uapi.CLONE_NEWNS, users.Init, g.Init)
	fmt.Println(box.Link(), "seq", box.Seq())
	_ = mntns.SetPropagation(ctx, &root, box, "/tmp", mntns.MS_SLAVE)
	_ = mntns.MountFS(ctx, &root, g.Init, "host", "/tmp/a", "tmpfs", 0, "")
	_ = mntns.MountFS(ctx, &root, box, "mine", "/tmp/b", "tmpfs", 0, "")
	fmt.Print("host:\n", mntns.MountInfo(g.Init, "/"))
	fmt.Print("box:\n", mntns.MountInfo(box, "/"))

	_ = mntns.Umount(ctx, &root, g.Init, "/tmp/a", 0) // goes from the box too
	box.Put(ctx)
	fmt.Println("leaks:", env.Refs.Leaks())
	// Output:
	// mnt:[4026531841] seq 3
	// host:
	// 1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
	// 2 1 0:2 / /tmp rw,relatime shared:2 - tmpfs tmpfs rw
	// 6 2 0:3 / /tmp/a rw,relatime shared:3 - tmpfs host rw
	// box:
	// 4 3 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
	// 5 4 0:2 / /tmp rw,relatime master:2 - tmpfs tmpfs rw
	// 7 5 0:3 / /tmp/a rw,relatime master:3 - tmpfs host rw
	// 8 5 0:4 / /tmp/b rw,relatime - tmpfs mine rw
	// leaks: <nil>
}
