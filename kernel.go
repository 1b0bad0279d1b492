package kernsim

import (
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/cgroupfs"
	"github.com/kernsim/kernsim/nsproxy/pidns"
	"github.com/kernsim/kernsim/procfs"
	"github.com/kernsim/kernsim/refcount"
	"github.com/kernsim/kernsim/task"
)

// Flavour selects the kernel whose behaviour a Kernel reproduces.
type Flavour = refcount.Flavour

// The flavours.
const (
	Linux419 = refcount.Linux419 // Linux 4.19.13, the baseline
	Mainline = refcount.Mainline // current mainline where it differs
)

// Config describes the simulated machine. The zero value is a 4.19.13 kernel
// on a 1 GiB x86-64 machine.
type Config struct {
	Flavour Flavour
	// Memory is the RAM size in bytes (default 1 GiB). fork_init derives
	// max_threads from it, and the namespace limits are max_threads/2.
	Memory uint64
	// Release and Version are the utsname strings (defaults "4.19.13" and
	// "#1 SMP kernsim"; "6.18.0" for mainline). Machine defaults to "x86_64".
	Release, Version, Machine string
	// PidMax is pid_max (default 32768).
	PidMax int
	// BootProcInums is how many dynamic proc inode numbers procfs takes
	// between the initial mount namespace (4026531840) and init_net in 4.19;
	// it varies with the kernel configuration. The default, 151, gives
	// init_net 4026531992 as on many 4.19 distribution kernels.
	BootProcInums int
	// TimeNSStrict (mainline only) follows 5.6–6.0 for time namespaces and
	// shared address spaces: clone with CLONE_VM or CLONE_THREAD is EINVAL
	// while time_ns_for_children differs from time_ns, and execve does not
	// switch. The default is ≈6.1 onwards, as on the reference machine:
	// such a child stays in the parent's time namespace, execve enters
	// time_ns_for_children.
	TimeNSStrict bool
	// Cgroup chooses the controllers the kernel is built with and the v1
	// hierarchies mounted at boot (the zero value: no controllers, the v2
	// hierarchy only).
	Cgroup cgroup.Options
}

const (
	pageSize   = 4096
	threadSize = 16384 // THREAD_SIZE on x86-64
	minThreads = 20    // MIN_THREADS
	maxThreads = 0x3fffffff
)

func (c Config) withDefaults() Config {
	if c.Memory == 0 {
		c.Memory = 1 << 30
	}
	if c.Release == "" {
		c.Release = "4.19.13"
		if c.Flavour == Mainline {
			c.Release = "6.18.0"
		}
	}
	if c.Version == "" {
		c.Version = "#1 SMP kernsim"
	}
	if c.Machine == "" {
		c.Machine = "x86_64"
	}
	if c.PidMax == 0 {
		c.PidMax = pidns.PID_MAX_DEFAULT
	}
	if c.BootProcInums == 0 {
		c.BootProcInums = 151
	}
	return c
}

// MaxThreads returns max_threads as fork_init (kernel/fork.c) computes it:
// totalram_pages / (8 * THREAD_SIZE / PAGE_SIZE), clamped to [20, 0x3fffffff].
func (c Config) MaxThreads() int {
	c = c.withDefaults()
	n := int(c.Memory / pageSize / (8 * threadSize / pageSize))
	return min(max(n, minThreads), maxThreads)
}

// Kernel is one booted simulated kernel.
type Kernel struct {
	*task.Kernel
	cfg Config
}

// Boot builds a Kernel: init_user_ns, the initial namespaces, init_nsproxy and
// init (pid 1), as start_kernel and rest_init leave them.
func Boot(cfg Config) (*Kernel, error) {
	cfg = cfg.withDefaults()
	tk, err := task.NewKernel(task.Params{
		Flavour:       cfg.Flavour,
		Release:       cfg.Release,
		Version:       cfg.Version,
		Machine:       cfg.Machine,
		MaxThreads:    cfg.MaxThreads(),
		PidMax:        cfg.PidMax,
		BootProcInums: cfg.BootProcInums,
		Cgroup:        cfg.Cgroup,
		TimeNSStrict:  cfg.TimeNSStrict,
	})
	if err != nil {
		return nil, err
	}
	if err := tk.Mount("/proc", procfs.New(tk)); err != nil {
		return nil, err
	}
	tk.RegisterKeyedFS("proc", func(key any) task.Filesystem { return procfs.NewFor(tk, key.(*pidns.Namespace)) })
	if err := mountCgroupfs(tk, cgroupfs.New(tk)); err != nil {
		return nil, err
	}
	return &Kernel{Kernel: tk, cfg: cfg}, nil
}

// mountCgroupfs attaches cgroupfs to the cgroup mounts of the boot tree:
// /sys/fs/cgroup itself with the v2 hierarchy only, else each hierarchy's
// directory of cgroupfs to the cgroup mount of the same name.
func mountCgroupfs(tk *task.Kernel, fs *cgroupfs.FS) error {
	p, err := tk.Mnt.Init.Lookup("/sys/fs/cgroup")
	if err != nil {
		return nil // a custom boot tree without cgroupfs
	}
	if p.Mnt.SuperBlock().FSType() == "cgroup2" {
		return tk.Mount("/sys/fs/cgroup", fs)
	}
	names, err := fs.Root().Readdir(tk.Init())
	if err != nil {
		return err
	}
	for _, name := range names {
		sub, err := fs.Root().Lookup(tk.Init(), name)
		if err != nil {
			return err
		}
		if d, ok := sub.(task.Dir); ok {
			if err := tk.Mount("/sys/fs/cgroup/"+name, subtree{d}); err != nil {
				return err
			}
		}
	}
	return nil
}

// subtree serves one directory of a filesystem as the root of a mount.
type subtree struct{ root task.Dir }

func (s subtree) Root() task.Dir { return s.root }

// Config returns the configuration the Kernel booted with, defaults filled in.
func (k *Kernel) Config() Config { return k.cfg }

// Leaks returns nil when no dynamically allocated object is alive, else an
// error listing each one ("kind id count=N"). Call it after PowerOff.
func (k *Kernel) Leaks() error {
	k.Lock()
	defer k.Unlock()
	return k.Refs().Leaks()
}

// Warnings returns the kernel warnings (refcount misuse and the like) logged so far.
func (k *Kernel) Warnings() []refcount.Warning { return k.Refs().Warnings() }
