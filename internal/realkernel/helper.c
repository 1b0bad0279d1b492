//go:build ignore

// The build constraint above keeps the go tool from treating this file as a
// cgo source; package realkernel embeds it and compiles it with gcc.

// helper.c - executes kernsim scenarios and micro-benchmarks on the real
// Linux kernel. It is embedded into package realkernel and compiled with gcc
// at test time; see doc.go for the script language and the safety rules.
//
//   helper script              read a scenario on stdin, one result line per step
//   helper bench <op> <n>      run op n times, print ns_per_op=<float>
//
// Process layout in script mode:
//
//   controller  (reads the script, owns the write ends of all command pipes,
//    |           unshares CLONE_NEWUTS before anything else, child subreaper)
//    +- init    (task slot 0)
//        +- ... tasks created by "clone" steps, each with its own slot
//
// Every task runs task_loop(): it reads one command line from cmd pipe
// <slot>, executes it and writes one reply line to reply pipe <slot>. All
// pipes are created by the controller before the first fork, so every task
// inherits every slot's task-side ends; the child of a clone simply starts
// using the slot the controller assigned. Tasks never touch stdio.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSLOTS 32
#define NFDS 64
#define LABEL_MAX 32
#define STEP_TIMEOUT_MS 5000
#define REAP_TIMEOUT_MS 5000
#define CHILD_STACK_SIZE (256 * 1024)

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(0xb7, 0x2)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

// ---------------------------------------------------------------------------
// Tables shared by both modes.

struct flagname {
	const char *name;
	unsigned long value;
};

static const struct flagname flag_names[] = {
    {"CLONE_NEWTIME", CLONE_NEWTIME},
    {"CLONE_VM", CLONE_VM},
    {"CLONE_FS", CLONE_FS},
    {"CLONE_FILES", CLONE_FILES},
    {"CLONE_SIGHAND", CLONE_SIGHAND},
    {"CLONE_PIDFD", CLONE_PIDFD},
    {"CLONE_PTRACE", CLONE_PTRACE},
    {"CLONE_VFORK", CLONE_VFORK},
    {"CLONE_PARENT", CLONE_PARENT},
    {"CLONE_THREAD", CLONE_THREAD},
    {"CLONE_NEWNS", CLONE_NEWNS},
    {"CLONE_SYSVSEM", CLONE_SYSVSEM},
    {"CLONE_SETTLS", CLONE_SETTLS},
    {"CLONE_PARENT_SETTID", CLONE_PARENT_SETTID},
    {"CLONE_CHILD_CLEARTID", CLONE_CHILD_CLEARTID},
    {"CLONE_DETACHED", CLONE_DETACHED},
    {"CLONE_UNTRACED", CLONE_UNTRACED},
    {"CLONE_CHILD_SETTID", CLONE_CHILD_SETTID},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    {"CLONE_NEWUTS", CLONE_NEWUTS},
    {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWUSER", CLONE_NEWUSER},
    {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_IO", CLONE_IO},
    // mount(2) and umount2(2) flags for the mount steps.
    {"MS_RDONLY", MS_RDONLY},
    {"MS_NOSUID", MS_NOSUID},
    {"MS_NODEV", MS_NODEV},
    {"MS_NOEXEC", MS_NOEXEC},
    {"MS_REMOUNT", MS_REMOUNT},
    {"MS_BIND", MS_BIND},
    {"MS_MOVE", MS_MOVE},
    {"MS_REC", MS_REC},
    {"MS_UNBINDABLE", MS_UNBINDABLE},
    {"MS_PRIVATE", MS_PRIVATE},
    {"MS_SLAVE", MS_SLAVE},
    {"MS_SHARED", MS_SHARED},
    {"MNT_FORCE", MNT_FORCE},
    {"MNT_DETACH", MNT_DETACH},
    {"MNT_EXPIRE", MNT_EXPIRE},
    {NULL, 0},
};

#define E(x) {#x, x}
static const struct {
	const char *name;
	int value;
} errno_names[] = {
    E(EPERM),     E(ENOENT),       E(ESRCH),     E(EINTR),     E(EIO),
    E(ENXIO),     E(E2BIG),        E(ENOEXEC),   E(EBADF),     E(ECHILD),
    E(EAGAIN),    E(ENOMEM),       E(EACCES),    E(EFAULT),    E(EBUSY),
    E(EEXIST),    E(EXDEV),        E(ENODEV),    E(ENOTDIR),   E(EISDIR),
    E(EINVAL),    E(ENFILE),       E(EMFILE),    E(ENOTTY),    E(EFBIG),
    E(ENOSPC),    E(ESPIPE),       E(EROFS),     E(EMLINK),    E(EPIPE),
    E(ERANGE),    E(EDEADLK),      E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS),
    E(ENOTEMPTY), E(ELOOP),        E(EUSERS),    E(EOPNOTSUPP), E(ETIMEDOUT),
    E(EOVERFLOW), E(ESTALE),       E(EDQUOT),    E(ECANCELED), E(EOWNERDEAD),
    {NULL, 0},
};
#undef E

static const char *errno_name(int e, char *buf, size_t n) {
	for (int i = 0; errno_names[i].name; i++)
		if (errno_names[i].value == e)
			return errno_names[i].name;
	snprintf(buf, n, "errno%d", e);
	return buf;
}

// parse_flags parses "CLONE_NEWUTS|CLONE_NEWUSER", "0", "0x4000000" or a mix.
static int parse_flags(const char *s, unsigned long *out) {
	char tmp[512];
	if (strlen(s) >= sizeof tmp)
		return -1;
	strcpy(tmp, s);
	unsigned long v = 0;
	char *save = NULL;
	for (char *tok = strtok_r(tmp, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		int found = 0;
		for (int i = 0; flag_names[i].name; i++) {
			if (strcmp(tok, flag_names[i].name) == 0) {
				v |= flag_names[i].value;
				found = 1;
				break;
			}
		}
		if (found)
			continue;
		char *end = NULL;
		errno = 0;
		unsigned long n = strtoul(tok, &end, 0);
		if (errno || end == tok || *end != '\0')
			return -1;
		v |= n;
	}
	*out = v;
	return 0;
}

static int parse_long(const char *s, long *out) {
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static long now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
	}
}

static int write_all(int fd, const char *s, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int split(char *line, char **argv, int max) {
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(line, " \t\r\n", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[n++] = tok;
	return n;
}

// ---------------------------------------------------------------------------
// Script mode: globals written by the controller before the first fork and
// only read afterwards.

static int cmd_rd[NSLOTS], cmd_wr[NSLOTS]; // controller -> task
static int rep_rd[NSLOTS], rep_wr[NSLOTS]; // task -> controller

// Namespaces a script must never change: for each kind, the helper's own
// namespace before its unshare, its parent's and pid 1's. A UTS one must not
// see sethostname/setdomainname, a mount one mount/umount, a pid one a
// pid_max write.
enum { FB_UTS, FB_MNT, FB_PID, FB_KINDS };
static const char *const forbidden_kind[FB_KINDS] = {"uts", "mnt", "pid"};
#define NFORBID 3
static struct {
	dev_t dev;
	ino_t ino;
	int valid;
	int fd; // held open by the controller only
} forbidden[FB_KINDS][NFORBID];

// The pid namespace the controller (and so the script's init) runs in, the
// script's outermost one: pid numbers seen from it depend on the machine,
// numbers seen from a pid namespace the script created do not. Written by the
// controller before the first fork, only read afterwards.
static struct {
	dev_t dev;
	ino_t ino;
	int valid;
} script_pidns;

struct fdlabel {
	char name[LABEL_MAX];
	int fd;
};

// struct task is the per-task state. It always lives on the task's own stack
// (tasks created with CLONE_VM share globals, so nothing per-task is global).
struct task {
	int slot;
	int is_thread;
	struct fdlabel fds[NFDS];
};

static void task_loop(struct task *t) __attribute__((noreturn));

static void task_reply(struct task *t, const char *s) {
	write_all(rep_wr[t->slot], s, strlen(s));
}

static void reply_errno(char *out, size_t n, int e) {
	char b[32];
	snprintf(out, n, "%s\n", errno_name(e, b, sizeof b));
}

// say_hello tells the controller the new task's thread id as seen in the
// pid namespace of /proc (the controller's), read from /proc/thread-self.
static void say_hello(struct task *t) {
	char link[64], out[96];
	ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);
	long tid = 0;
	if (n > 0) {
		link[n] = '\0';
		char *p = strrchr(link, '/');
		tid = strtol(p ? p + 1 : link, NULL, 10);
	}
	snprintf(out, sizeof out, "hello %ld\n", tid);
	task_reply(t, out);
}

static int child_fn(void *arg) {
	struct task t;
	memcpy(&t, arg, sizeof t);
	say_hello(&t);
	task_loop(&t);
}

static struct fdlabel *find_fd(struct task *t, const char *name) {
	for (int i = 0; i < NFDS; i++)
		if (t->fds[i].name[0] && strcmp(t->fds[i].name, name) == 0)
			return &t->fds[i];
	return NULL;
}

// ns_is_forbidden reports whether the calling thread's namespace of the given
// kind is one recorded as forbidden, or cannot be proved not to be.
static int ns_is_forbidden(int kind) {
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/thread-self/ns/%s", forbidden_kind[kind]);
	if (stat(path, &st) != 0)
		return 1; // cannot prove it is safe
	for (int i = 0; i < NFORBID; i++)
		if (forbidden[kind][i].valid && forbidden[kind][i].dev == st.st_dev &&
		    forbidden[kind][i].ino == st.st_ino)
			return 1;
	return 0;
}

// pid_max_is_forbidden guards writes to pid_max: only a kernel that keeps
// one per pid namespace (6.14 and later) may see them, and only from a pid
// namespace other than the helper's own, its parent's and pid 1's.
static int pid_max_is_forbidden(void) {
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 1;
	if (major < 6 || (major == 6 && minor < 14))
		return 1;
	return ns_is_forbidden(FB_PID);
}

// mounts_under prints "mounts=" and, for each line of the caller's
// mountinfo whose mount point is prefix or below it, "<mount point>
// <fstype> <source>[ <tag>...]" where the tags are the optional fields
// without their numbers (shared, master, propagate_from, unbindable),
// entries separated by ';'. Mount and peer-group ids depend on the machine,
// the rest does not.
static void mounts_under(const char *prefix, char *out, size_t outn) {
	FILE *f = fopen("/proc/thread-self/mountinfo", "re");
	if (!f) {
		reply_errno(out, outn, errno);
		return;
	}
	size_t k = (size_t)snprintf(out, outn, "mounts=");
	size_t pl = strlen(prefix);
	char line[4096];
	int first = 1;
	while (fgets(line, sizeof line, f)) {
		char *fld[64];
		int n = 0;
		char *save = NULL;
		for (char *tok = strtok_r(line, " \n", &save); tok && n < 64; tok = strtok_r(NULL, " \n", &save))
			fld[n++] = tok;
		if (n < 10)
			continue;
		const char *mp = fld[4];
		if (strncmp(mp, prefix, pl) != 0 || (mp[pl] != '\0' && mp[pl] != '/' && strcmp(prefix, "/") != 0))
			continue;
		int sep = 6;
		while (sep < n && strcmp(fld[sep], "-") != 0)
			sep++;
		if (sep + 2 >= n)
			continue;
		k += (size_t)snprintf(out + k, outn - k, "%s%s %s %s", first ? "" : ";", mp, fld[sep + 1], fld[sep + 2]);
		first = 0;
		for (int i = 6; i < sep; i++) {
			char tag[64];
			snprintf(tag, sizeof tag, "%s", fld[i]);
			char *colon = strchr(tag, ':');
			if (colon)
				*colon = '\0';
			k += (size_t)snprintf(out + k, outn - k, " %s", tag);
		}
		if (k >= outn)
			break;
	}
	fclose(f);
	if (k + 2 <= outn) {
		out[k++] = '\n';
		out[k] = '\0';
	}
}

// task_exec runs one command. Returns 1 when a reply was produced in out,
// 0 when the caller is a just-born clone child that must not reply.
static int task_exec(struct task *t, char *line, char *out, size_t outn) {
	char *argv[8];
	int argc = split(line, argv, 8);
	if (argc == 0) {
		snprintf(out, outn, "error: empty command\n");
		return 1;
	}
	const char *op = argv[0];

#define NEED(n)                                                                  \
	do {                                                                         \
		if (argc != (n)) {                                                       \
			snprintf(out, outn, "error: task: bad arguments for %s\n", op);      \
			return 1;                                                            \
		}                                                                        \
	} while (0)

	if (strcmp(op, "clone") == 0) {
		NEED(3);
		long slot;
		unsigned long flags;
		if (parse_long(argv[1], &slot) || slot < 0 || slot >= NSLOTS ||
		    parse_flags(argv[2], &flags)) {
			snprintf(out, outn, "error: task: bad clone arguments\n");
			return 1;
		}
		if ((flags & 0xff) == 0 && !(flags & CLONE_THREAD))
			flags |= SIGCHLD;
		long ret;
		if (flags & CLONE_VM) {
			// The child shares our memory: give it its own stack and put its
			// initial state at the bottom of that stack, which only it uses.
			char *stk = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
			                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
			if (stk == MAP_FAILED) {
				reply_errno(out, outn, errno);
				return 1;
			}
			struct task *ct = (struct task *)stk;
			memcpy(ct, t, sizeof *ct);
			ct->slot = (int)slot;
			ct->is_thread = (flags & CLONE_THREAD) != 0;
			// glibc's clone() is a thin wrapper around the raw clone syscall
			// that switches to the new stack and calls child_fn there.
			ret = clone(child_fn, stk + CHILD_STACK_SIZE, (int)flags, ct);
			if (ret < 0) {
				int e = errno;
				munmap(stk, CHILD_STACK_SIZE);
				reply_errno(out, outn, e);
				return 1;
			}
		} else {
			// Raw clone syscall without a new stack: the child continues
			// here on a private copy of our stack, like fork().
			ret = syscall(SYS_clone, flags, 0L, NULL, NULL, 0L);
			if (ret < 0) {
				reply_errno(out, outn, errno);
				return 1;
			}
			if (ret == 0) {
				t->slot = (int)slot;
				t->is_thread = 0;
				say_hello(t);
				return 0;
			}
		}
		snprintf(out, outn, "ok %ld\n", ret);
		return 1;
	}
	if (strcmp(op, "unshare") == 0) {
		NEED(2);
		unsigned long flags;
		if (parse_flags(argv[1], &flags)) {
			snprintf(out, outn, "error: task: bad flags %s\n", argv[1]);
			return 1;
		}
		if (syscall(SYS_unshare, flags) != 0)
			reply_errno(out, outn, errno);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "sethostname") == 0 || strcmp(op, "sethostname_len") == 0 ||
	    strcmp(op, "setdomainname") == 0) {
		NEED(2);
		char name[512];
		size_t len;
		if (strcmp(op, "sethostname_len") == 0) {
			long n;
			if (parse_long(argv[1], &n) || n < 0 || n >= (long)sizeof name) {
				snprintf(out, outn, "error: task: bad length %s\n", argv[1]);
				return 1;
			}
			memset(name, 'x', (size_t)n);
			len = (size_t)n;
		} else {
			len = strlen(argv[1]);
			if (len >= sizeof name)
				len = sizeof name - 1;
			memcpy(name, argv[1], len);
		}
		if (ns_is_forbidden(FB_UTS)) {
			snprintf(out, outn,
			         "error: refusing to change the machine's UTS namespace\n");
			return 1;
		}
		int r = op[3] == 'd' ? setdomainname(name, len) : sethostname(name, len);
		if (r != 0)
			reply_errno(out, outn, errno);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "uname") == 0 || strcmp(op, "gethostname") == 0 ||
	    strcmp(op, "getdomainname") == 0) {
		NEED(1);
		struct utsname u;
		if (uname(&u) != 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		if (op[0] == 'u')
			snprintf(out, outn, "uname=%s,%s,%s,%s\n", u.sysname, u.nodename,
			         u.machine, u.domainname);
		else if (op[3] == 'h')
			snprintf(out, outn, "hostname=%s\n", u.nodename);
		else
			snprintf(out, outn, "domainname=%s\n", u.domainname);
		return 1;
	}
	if (strcmp(op, "open") == 0) {
		NEED(3);
		if (strlen(argv[1]) >= LABEL_MAX || find_fd(t, argv[1])) {
			snprintf(out, outn, "error: fd label %s too long or already open\n",
			         argv[1]);
			return 1;
		}
		struct fdlabel *slot = NULL;
		for (int i = 0; i < NFDS && !slot; i++)
			if (!t->fds[i].name[0])
				slot = &t->fds[i];
		if (!slot) {
			snprintf(out, outn, "error: too many fd labels\n");
			return 1;
		}
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		strcpy(slot->name, argv[1]);
		slot->fd = fd;
		snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "setns") == 0 || strcmp(op, "setns_fd") == 0) {
		NEED(3);
		long fd;
		unsigned long flags;
		if (op[5] == '_') {
			if (parse_long(argv[1], &fd)) {
				snprintf(out, outn, "error: bad fd number %s\n", argv[1]);
				return 1;
			}
		} else {
			struct fdlabel *l = find_fd(t, argv[1]);
			if (!l) {
				snprintf(out, outn, "error: unknown fd label %s\n", argv[1]);
				return 1;
			}
			fd = l->fd;
		}
		if (parse_flags(argv[2], &flags)) {
			snprintf(out, outn, "error: task: bad flags %s\n", argv[2]);
			return 1;
		}
		if (syscall(SYS_setns, (int)fd, (int)flags) != 0)
			reply_errno(out, outn, errno);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "close") == 0) {
		NEED(2);
		struct fdlabel *l = find_fd(t, argv[1]);
		if (!l) {
			snprintf(out, outn, "error: unknown fd label %s\n", argv[1]);
			return 1;
		}
		int r = close(l->fd);
		int e = errno;
		l->name[0] = '\0';
		l->fd = -1;
		if (r != 0)
			reply_errno(out, outn, e);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "mkdirp") == 0 || strcmp(op, "rmdirp") == 0) {
		NEED(2);
		int r = op[0] == 'm' ? mkdir(argv[1], 0755) : rmdir(argv[1]);
		if (r != 0)
			reply_errno(out, outn, errno);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "nsioctl") == 0) {
		// nsioctl <label> <request> <newlabel>: requests 1-4 are NS_GET_USERNS,
		// NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_OWNER_UID; others are sent as is.
		NEED(4);
		struct fdlabel *l = find_fd(t, argv[1]);
		long req;
		if (!l || parse_long(argv[2], &req) || strlen(argv[3]) >= LABEL_MAX || find_fd(t, argv[3])) {
			snprintf(out, outn, "error: bad nsioctl arguments\n");
			return 1;
		}
		if (req >= 1 && req <= 4)
			req = _IO(0xb7, req);
		uid_t uid = 0;
		int r = ioctl(l->fd, (unsigned long)req, &uid);
		if (r < 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		if (req == _IO(0xb7, 3)) {
			snprintf(out, outn, "type=%#x\n", r);
			return 1;
		}
		if (req == _IO(0xb7, 4)) {
			snprintf(out, outn, "uid=%u\n", (unsigned)uid);
			return 1;
		}
		struct fdlabel *slot = NULL;
		for (int i = 0; i < NFDS && !slot; i++)
			if (!t->fds[i].name[0])
				slot = &t->fds[i];
		if (!slot) {
			close(r);
			snprintf(out, outn, "error: too many fd labels\n");
			return 1;
		}
		strcpy(slot->name, argv[3]);
		slot->fd = r;
		char path[64], link[128];
		snprintf(path, sizeof path, "/proc/self/fd/%d", r);
		ssize_t n = readlink(path, link, sizeof link - 1);
		link[n > 0 ? n : 0] = '\0';
		snprintf(out, outn, "link=%s\n", link);
		return 1;
	}
	if (strcmp(op, "pidfdopen") == 0) {
		// pidfdopen <label> <pid>: pidfd_open(pid, 0) under a new fd label.
		NEED(3);
		long pid;
		if (strlen(argv[1]) >= LABEL_MAX || find_fd(t, argv[1]) || parse_long(argv[2], &pid)) {
			snprintf(out, outn, "error: bad pidfdopen arguments\n");
			return 1;
		}
		struct fdlabel *slot = NULL;
		for (int i = 0; i < NFDS && !slot; i++)
			if (!t->fds[i].name[0])
				slot = &t->fds[i];
		if (!slot) {
			snprintf(out, outn, "error: too many fd labels\n");
			return 1;
		}
		int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (fd < 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		strcpy(slot->name, argv[1]);
		slot->fd = fd;
		snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "mountp") == 0) {
		// mountp <source> <target> <fstype> <flags> <data>; "-" is NULL.
		NEED(6);
		unsigned long flags;
		if (parse_flags(argv[4], &flags)) {
			snprintf(out, outn, "error: task: bad flags %s\n", argv[4]);
			return 1;
		}
		if (ns_is_forbidden(FB_MNT)) {
			snprintf(out, outn, "error: refusing to change the machine's mount namespace\n");
			return 1;
		}
#define DASH(x) (strcmp((x), "-") == 0 ? NULL : (x))
		if (mount(DASH(argv[1]), argv[2], DASH(argv[3]), flags, DASH(argv[5])) != 0)
			reply_errno(out, outn, errno);
		else
			snprintf(out, outn, "ok\n");
#undef DASH
		return 1;
	}
	if (strcmp(op, "umountp") == 0) {
		// umountp <target> <flags>
		NEED(3);
		unsigned long flags;
		if (parse_flags(argv[2], &flags)) {
			snprintf(out, outn, "error: task: bad flags %s\n", argv[2]);
			return 1;
		}
		if (ns_is_forbidden(FB_MNT)) {
			snprintf(out, outn, "error: refusing to change the machine's mount namespace\n");
			return 1;
		}
		if (umount2(argv[1], (int)flags) != 0)
			reply_errno(out, outn, errno);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "mountsunder") == 0) {
		NEED(2);
		mounts_under(argv[1], out, outn);
		return 1;
	}
	if (strcmp(op, "readfile") == 0) {
		// readfile <path>: content=<text>, newlines shown as the two
		// characters \n.
		NEED(2);
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		char buf[512];
		ssize_t n = read(fd, buf, sizeof buf - 1);
		int e = errno;
		close(fd);
		if (n < 0) {
			reply_errno(out, outn, e);
			return 1;
		}
		size_t k = (size_t)snprintf(out, outn, "content=");
		for (ssize_t i = 0; i < n && k + 3 < outn; i++) {
			if (buf[i] == '\n') {
				out[k++] = '\\';
				out[k++] = 'n';
			} else
				out[k++] = buf[i];
		}
		out[k++] = '\n';
		out[k] = '\0';
		return 1;
	}
	if (strcmp(op, "writefile") == 0) {
		// writefile <path> <text>: one write(2) of the decoded text ('_' is a
		// space, the two characters \n a newline) on a fresh O_WRONLY fd.
		NEED(3);
		char text[512];
		size_t k = 0;
		for (const char *q = argv[2]; *q && k < sizeof text - 1; q++) {
			if (q[0] == '\\' && q[1] == 'n') {
				text[k++] = '\n';
				q++;
			} else
				text[k++] = *q == '_' ? ' ' : *q;
		}
		if (strstr(argv[1], "pid_max") && pid_max_is_forbidden()) {
			snprintf(out, outn, "error: refusing to write the machine's pid_max\n");
			return 1;
		}
		int fd = open(argv[1], O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		ssize_t n = write(fd, text, k);
		int e = errno;
		close(fd);
		if (n < 0)
			reply_errno(out, outn, e);
		else if ((size_t)n != k)
			snprintf(out, outn, "short=%zd\n", n);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "readlink") == 0) {
		NEED(2);
		char link[256];
		ssize_t n = readlink(argv[1], link, sizeof link - 1);
		if (n < 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		link[n] = '\0';
		snprintf(out, outn, "link=%s\n", link);
		return 1;
	}
	if (strcmp(op, "same") == 0) {
		NEED(3);
		struct stat a, b;
		if (stat(argv[1], &a) != 0 || stat(argv[2], &b) != 0) {
			reply_errno(out, outn, errno);
			return 1;
		}
		snprintf(out, outn, "%s\n",
		         a.st_dev == b.st_dev && a.st_ino == b.st_ino ? "same" : "different");
		return 1;
	}
	if (strcmp(op, "drop_privs") == 0) {
		NEED(2);
		long uid;
		if (parse_long(argv[1], &uid) || uid < 0) {
			snprintf(out, outn, "error: bad uid %s\n", argv[1]);
			return 1;
		}
		if (setgroups(0, NULL) != 0 || setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) != 0 ||
		    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0)
			reply_errno(out, outn, errno);
		else
			snprintf(out, outn, "ok\n");
		return 1;
	}
	if (strcmp(op, "exit") == 0) {
		NEED(2);
		long code;
		if (parse_long(argv[1], &code))
			code = 0;
		// exit(2), not exit_group(2): only this task ends, as in the
		// simulator's task model. Single-threaded tasks end the process.
		syscall(SYS_exit, (int)(code & 0xff));
		__builtin_unreachable();
	}
	if (strcmp(op, "wait") == 0) {
		NEED(2);
		long pid;
		if (parse_long(argv[1], &pid)) {
			snprintf(out, outn, "error: bad pid %s\n", argv[1]);
			return 1;
		}
		int st;
		pid_t r;
		do
			r = waitpid((pid_t)pid, &st, 0);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			reply_errno(out, outn, errno);
		else if (WIFEXITED(st))
			snprintf(out, outn, "exited=%d\n", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			snprintf(out, outn, "signaled=%d\n", WTERMSIG(st));
		else
			snprintf(out, outn, "status=%d\n", st);
		return 1;
	}
	if (strcmp(op, "getpid") == 0 || strcmp(op, "gettid") == 0 ||
	    strcmp(op, "getppid") == 0) {
		NEED(1);
		long nr;
		const char *key;
		if (op[3] == 't') {
			nr = syscall(SYS_gettid);
			key = "tid";
		} else if (op[4] == 'i') {
			nr = syscall(SYS_getpid);
			key = "pid";
		} else {
			nr = syscall(SYS_getppid);
			key = "ppid";
		}
		// A number seen from the script's outermost pid namespace is the
		// machine's; mark it so that it is compared after normalisation.
		struct stat st;
		int outer = stat("/proc/thread-self/ns/pid", &st) != 0 ||
		            (script_pidns.valid && st.st_dev == script_pidns.dev &&
		             st.st_ino == script_pidns.ino);
		snprintf(out, outn, "%s=%ld%s\n", key, nr, outer ? " (outer)" : "");
		return 1;
	}
	snprintf(out, outn, "error: task: unknown command %s\n", op);
	return 1;
#undef NEED
}

static void task_loop(struct task *t) {
	for (;;) {
		char line[1024];
		size_t n = 0;
		for (;;) {
			ssize_t r = read(cmd_rd[t->slot], line + n, sizeof line - 1 - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) // controller gone: leave quietly
				syscall(SYS_exit_group, 0);
			n += (size_t)r;
			if (line[n - 1] == '\n' || n == sizeof line - 1)
				break;
		}
		line[n] = '\0';
		char out[2048];
		if (task_exec(t, line, out, sizeof out))
			task_reply(t, out);
	}
}

// ---------------------------------------------------------------------------
// Controller.

struct ctask {
	char label[LABEL_MAX];
	int used;
	int slot;
	pid_t pid;         // tid in the controller's (= /proc's) pid namespace
	pid_t parent_view; // pid as returned by clone() in the creator
	int creator;       // index of the creating task, -1 for init
	int pidfd;         // PIDFD_THREAD pidfd, or -1
	int exited;        // "exit" was executed
	int reaped;        // a "wait" step collected it: its pid may be reused
};

struct controller {
	struct ctask tasks[NSLOTS];
	int ntasks;
	int failed;
};

// The controller being run, for the SIGTERM handler only.
static struct controller *volatile running_controller;

// on_sigterm kills and reaps every task (async-signal-safe calls only) and
// exits. Go sends SIGTERM when its own deadline expires.
static void on_sigterm(int sig) {
	(void)sig;
	struct controller *c = running_controller;
	if (c)
		for (int i = 0; i < c->ntasks; i++)
			if (c->tasks[i].pidfd >= 0)
				syscall(SYS_pidfd_send_signal, c->tasks[i].pidfd, SIGKILL, NULL, 0);
	for (int i = 0; i < NSLOTS; i++)
		if (cmd_wr[i] >= 0)
			close(cmd_wr[i]);
	for (int spins = 0; spins < REAP_TIMEOUT_MS; spins++) {
		int st;
		pid_t r = waitpid(-1, &st, WNOHANG | __WALL);
		if (r > 0) {
			spins--;
			continue;
		}
		if (r < 0 && errno != EINTR)
			break;
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	static const char msg[] = "error: terminated\n";
	write_all(1, msg, sizeof msg - 1);
	_exit(3);
}

static int find_task(struct controller *c, const char *label) {
	for (int i = 0; i < c->ntasks; i++)
		if (strcmp(c->tasks[i].label, label) == 0)
			return i;
	return -1;
}

// read_reply reads one line from reply pipe slot within timeout. If pidfd is
// valid and becomes readable first, the task died. Returns 0 on success.
static int read_reply(int slot, int pidfd, char *buf, size_t n, const char **why) {
	size_t got = 0;
	long deadline = now_ms() + STEP_TIMEOUT_MS;
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0) {
			*why = "timeout waiting for task reply";
			return -1;
		}
		struct pollfd p[2] = {{rep_rd[slot], POLLIN, 0}, {pidfd, POLLIN, 0}};
		int r = poll(p, pidfd >= 0 ? 2 : 1, (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*why = "poll failed";
			return -1;
		}
		if (r == 0)
			continue;
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t k = read(rep_rd[slot], buf + got, n - 1 - got);
			if (k <= 0) {
				*why = "reply pipe closed";
				return -1;
			}
			got += (size_t)k;
			if (buf[got - 1] == '\n') {
				buf[got - 1] = '\0';
				return 0;
			}
			if (got >= n - 1) {
				*why = "reply too long";
				return -1;
			}
			continue;
		}
		if (pidfd >= 0 && (p[1].revents & POLLIN)) {
			*why = "task died before replying";
			return -1;
		}
	}
}

static int open_pidfd(pid_t pid) {
	int fd = (int)syscall(SYS_pidfd_open, pid, PIDFD_THREAD);
	if (fd < 0)
		fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return fd;
}

// task_state returns the state letter of /proc/<pid>/stat, or 0 if the task
// is gone.
static char task_state(pid_t pid) {
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

// wait_task_exit waits until the task has exited (zombie or gone). The
// pidfd covers the usual case; /proc covers a thread-group leader that
// exits while its threads live on (its pidfd is not readable then). Polls
// in short slices so a missed wakeup cannot stall us.
static int wait_task_exit(const struct ctask *t) {
	long deadline = now_ms() + STEP_TIMEOUT_MS;
	while (now_ms() < deadline) {
		struct pollfd p = {t->pidfd, POLLIN, 0};
		int r = poll(&p, 1, 5);
		if (r > 0 && (p.revents & (POLLIN | POLLHUP)))
			return 0;
		char st = task_state(t->pid);
		if (st == 0 || st == 'Z' || st == 'X')
			return 0;
	}
	return -1;
}

// read_nspid reads the NSpid line of /proc/<pid>/status: the task's numbers
// from /proc's pid namespace (the controller's) down to its own, outermost
// first. Returns how many it stored, 0 when the task or the line is gone.
static int read_nspid(pid_t pid, long *nums, int max) {
	char path[64], buf[8192];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[n] = '\0';
	char *p = strstr(buf, "\nNSpid:");
	if (!p)
		return 0;
	p += 7;
	int k = 0;
	while (k < max) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		nums[k++] = v;
		p = end;
		if (*p == '\n')
			break;
	}
	return k;
}

// pid_in_view returns task ci's number as task wi sees it: its number in wi's
// active pid namespace (pid_nr_ns), or INT_MAX, which names no task, when ci
// is not visible there or is gone. Visibility is checked, not assumed: ci's
// pid namespace, walked up (NS_GET_PARENT) to wi's level, must be wi's.
static pid_t pid_in_view(struct controller *c, int ci, int wi) {
	long cn[40], wn[40];
	int nc = read_nspid(c->tasks[ci].pid, cn, 40);
	int nw = read_nspid(c->tasks[wi].pid, wn, 40);
	if (nc == 0 || nw == 0 || nc < nw)
		return INT_MAX;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)c->tasks[ci].pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return INT_MAX;
	for (int i = 0; i < nc - nw; i++) {
		int up = ioctl(fd, NS_GET_PARENT);
		close(fd);
		if (up < 0)
			return INT_MAX;
		fd = up;
	}
	struct stat a, b;
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)c->tasks[wi].pid);
	int same = fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	           a.st_ino == b.st_ino;
	close(fd);
	return same ? (pid_t)cn[nw - 1] : INT_MAX;
}

static void cleanup(struct controller *c) {
	for (int i = 0; i < c->ntasks; i++) {
		if (c->tasks[i].pidfd >= 0) {
			// pidfds make this safe against pid reuse.
			syscall(SYS_pidfd_send_signal, c->tasks[i].pidfd, SIGKILL, NULL, 0);
		}
	}
	for (int i = 0; i < NSLOTS; i++)
		if (cmd_wr[i] >= 0) {
			close(cmd_wr[i]); // anything unknown to us sees EOF and exits
			cmd_wr[i] = -1;
		}
	// We are a child subreaper, so every orphaned task ends up here.
	long deadline = now_ms() + REAP_TIMEOUT_MS;
	for (;;) {
		int st;
		pid_t r = waitpid(-1, &st, WNOHANG | __WALL);
		if (r > 0)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) // ECHILD: all reaped
			break;
		if (now_ms() > deadline) {
			fprintf(stderr, "helper: could not reap all tasks\n");
			c->failed = 1;
			break;
		}
		sleep_ms(1);
	}
}

static void step_error(struct controller *c, const char *fmt, const char *a) {
	printf("error: ");
	printf(fmt, a);
	printf("\n");
	fflush(stdout);
	c->failed = 1;
}

// send_cmd sends one command line to a task.
static int send_cmd(struct controller *c, int ti, const char *cmd) {
	char line[1100];
	snprintf(line, sizeof line, "%s\n", cmd);
	if (write_all(cmd_wr[c->tasks[ti].slot], line, strlen(line)) != 0) {
		step_error(c, "cannot send command to task %s", c->tasks[ti].label);
		return -1;
	}
	return 0;
}

// exchange sends cmd to task ti and stores its reply in reply.
static int exchange(struct controller *c, int ti, const char *cmd, char *reply, size_t n) {
	if (send_cmd(c, ti, cmd) != 0)
		return -1;
	const char *why = NULL;
	if (read_reply(c->tasks[ti].slot, c->tasks[ti].pidfd, reply, n, &why) != 0) {
		printf("error: task %s: %s\n", c->tasks[ti].label, why);
		fflush(stdout);
		c->failed = 1;
		return -1;
	}
	if (strncmp(reply, "error", 5) == 0) {
		printf("%s (task %s)\n", reply, c->tasks[ti].label);
		fflush(stdout);
		c->failed = 1;
		return -1;
	}
	return 0;
}

static int live_task(struct controller *c, const char *label) {
	int ti = find_task(c, label);
	if (ti < 0) {
		step_error(c, "unknown task label %s", label);
		return -1;
	}
	if (c->tasks[ti].exited) {
		step_error(c, "task %s has exited", label);
		return -1;
	}
	return ti;
}

static int valid_ns(const char *ns) {
	static const char *const names[] = {"uts", "user", "pid", "mnt", "ipc", "net",
	                                     "cgroup", "time", "pid_for_children",
	                                     "time_for_children", NULL};
	for (int i = 0; names[i]; i++)
		if (strcmp(ns, names[i]) == 0)
			return 1;
	return 0;
}

static void print_result(const char *s) {
	printf("%s\n", s);
	fflush(stdout);
}

// relay sends cmd to task ti and prints its reply as the step's result: the
// whole of a step that only forwards to one task. Returns -1 on a fatal error.
// forwards are the steps that hand the arguments after the task label, as
// they are, to that task under the task's own command name.
static const struct {
	const char *op, *cmd;
	int argc; // with the op and the task label
} forwards[] = {
	{"sethostname", "sethostname", 3}, {"sethostname_len", "sethostname_len", 3},
	{"setdomainname", "setdomainname", 3}, {"drop_privs", "drop_privs", 3},
	{"close", "close", 3}, {"gethostname", "gethostname", 2},
	{"getdomainname", "getdomainname", 2}, {"uname", "uname", 2},
	{"getpid", "getpid", 2}, {"gettid", "gettid", 2}, {"getppid", "getppid", 2},
	{"open_path", "open", 4},         // open_path <task> <fd> <path>
	{"ns_ioctl", "nsioctl", 5},       // ns_ioctl <task> <fd> <request 1-4> <newfd>
	{"mount", "mountp", 7},           // mount <task> <source> <target> <fstype> <flags> <data>
	{"umount", "umountp", 4},         // umount <task> <target> <flags>
	{"mounts_under", "mountsunder", 3}, // mounts_under <task> <prefix>
	{"write_path", "writefile", 4},   // write_path <task> <path> <text>: as write_proc, any path
};

static int relay(struct controller *c, int ti, const char *cmd, char *reply, size_t n) {
	if (exchange(c, ti, cmd, reply, n) != 0)
		return -1;
	print_result(reply);
	return 0;
}

// run_step executes one script line. Returns -1 on a fatal error.
static int run_step(struct controller *c, char **argv, int argc) {
	const char *op = argv[0];
	char cmd[1100], reply[2048];

#define ARGS(n)                                                                  \
	do {                                                                         \
		if (argc != (n)) {                                                       \
			step_error(c, "wrong number of arguments for %s", op);               \
			return -1;                                                           \
		}                                                                        \
	} while (0)
#define TASK(var, label)                                                         \
	int var = live_task(c, label);                                               \
	if (var < 0)                                                                 \
	return -1
#define ANY_TASK(var, label)                                                     \
	int var = find_task(c, label);                                               \
	if (var < 0) {                                                               \
		step_error(c, "unknown task label %s", label);                           \
		return -1;                                                               \
	}                                                                            \
	if (c->tasks[var].reaped) {                                                  \
		step_error(c, "task %s has been reaped", label);                         \
		return -1;                                                               \
	}
#define FLAGS(var, s)                                                            \
	unsigned long var;                                                           \
	if (parse_flags(s, &var) != 0) {                                             \
		step_error(c, "bad flags %s", s);                                        \
		return -1;                                                               \
	}
#define NS(s)                                                                    \
	if (!valid_ns(s)) {                                                          \
		step_error(c, "unknown namespace %s", s);                                \
		return -1;                                                               \
	}

	if (strcmp(op, "clone") == 0) {
		ARGS(4);
		TASK(pi, argv[1]);
		FLAGS(flags, argv[3]);
		if (find_task(c, argv[2]) >= 0) {
			step_error(c, "task label %s already used", argv[2]);
			return -1;
		}
		if (strlen(argv[2]) >= LABEL_MAX) {
			step_error(c, "task label %s too long", argv[2]);
			return -1;
		}
		if (c->ntasks >= NSLOTS) {
			step_error(c, "too many tasks (max %s)", "32");
			return -1;
		}
		int slot = c->ntasks;
		snprintf(cmd, sizeof cmd, "clone %d 0x%lx", slot, flags);
		if (exchange(c, pi, cmd, reply, sizeof reply) != 0)
			return -1;
		if (strncmp(reply, "ok ", 3) != 0) {
			print_result(reply); // errno name
			return 0;
		}
		const char *why = NULL;
		char hello[64];
		if (read_reply(slot, -1, hello, sizeof hello, &why) != 0) {
			step_error(c, "new task did not start: %s", why);
			return -1;
		}
		long tid = 0;
		if (sscanf(hello, "hello %ld", &tid) != 1 || tid <= 0) {
			step_error(c, "bad hello from new task: %s", hello);
			return -1;
		}
		struct ctask *t = &c->tasks[slot];
		memset(t, 0, sizeof *t);
		strcpy(t->label, argv[2]);
		t->used = 1;
		t->slot = slot;
		t->pid = (pid_t)tid;
		t->parent_view = (pid_t)strtol(reply + 3, NULL, 10);
		t->creator = pi;
		t->pidfd = open_pidfd(t->pid);
		c->ntasks++;
		if (t->pidfd < 0) {
			step_error(c, "pidfd_open of new task failed%s", "");
			return -1;
		}
		print_result("ok");
		return 0;
	}
	if (strcmp(op, "unshare") == 0) {
		ARGS(3);
		TASK(ti, argv[1]);
		FLAGS(flags, argv[2]);
		snprintf(cmd, sizeof cmd, "unshare 0x%lx", flags);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	for (size_t i = 0; i < sizeof forwards / sizeof forwards[0]; i++) {
		if (strcmp(op, forwards[i].op) != 0)
			continue;
		ARGS(forwards[i].argc);
		TASK(ti, argv[1]);
		size_t len = (size_t)snprintf(cmd, sizeof cmd, "%s", forwards[i].cmd);
		for (int a = 2; a < argc && len < sizeof cmd; a++)
			len += (size_t)snprintf(cmd + len, sizeof cmd - len, " %s", argv[a]);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "open") == 0) {
		ARGS(5);
		TASK(ti, argv[1]);
		ANY_TASK(target, argv[3]);
		NS(argv[4]);
		snprintf(cmd, sizeof cmd, "open %s /proc/%d/ns/%s", argv[2],
		         (int)c->tasks[target].pid, argv[4]);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "setns") == 0 || strcmp(op, "setns_badfd") == 0) {
		ARGS(4);
		TASK(ti, argv[1]);
		FLAGS(flags, argv[3]);
		snprintf(cmd, sizeof cmd, "%s %s 0x%lx", op[5] ? "setns_fd" : "setns", argv[2],
		         flags);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "readlink") == 0) {
		ARGS(4);
		TASK(ti, argv[1]);
		ANY_TASK(target, argv[2]);
		NS(argv[3]);
		snprintf(cmd, sizeof cmd, "readlink /proc/%d/ns/%s", (int)c->tasks[target].pid,
		         argv[3]);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "same_ns") == 0) {
		ARGS(5);
		TASK(ti, argv[1]);
		ANY_TASK(a, argv[2]);
		ANY_TASK(b, argv[3]);
		NS(argv[4]);
		snprintf(cmd, sizeof cmd, "same /proc/%d/ns/%s /proc/%d/ns/%s",
		         (int)c->tasks[a].pid, argv[4], (int)c->tasks[b].pid, argv[4]);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "same_ns2") == 0) {
		ARGS(6);
		TASK(ti, argv[1]);
		ANY_TASK(a, argv[2]);
		NS(argv[3]);
		ANY_TASK(b, argv[4]);
		NS(argv[5]);
		snprintf(cmd, sizeof cmd, "same /proc/%d/ns/%s /proc/%d/ns/%s",
		         (int)c->tasks[a].pid, argv[3], (int)c->tasks[b].pid, argv[5]);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "mkdir") == 0 || strcmp(op, "rmdir") == 0 ||
	    strcmp(op, "read_path") == 0) {
		// mkdir|rmdir|read_path <task> <path>
		ARGS(3);
		TASK(ti, argv[1]);
		snprintf(cmd, sizeof cmd, "%s %s",
		         op[0] == 'm' ? "mkdirp" : op[0] == 'r' && op[1] == 'm' ? "rmdirp" : "readfile", argv[2]);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "pidfd_open") == 0) {
		// pidfd_open <task> <fd> <target>: the target's number in the
		// machine's pid namespace, so <task> must live there too.
		ARGS(4);
		TASK(ti, argv[1]);
		ANY_TASK(target, argv[3]);
		snprintf(cmd, sizeof cmd, "pidfdopen %s %d", argv[2], (int)c->tasks[target].pid);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "write_pid") == 0) {
		// write_pid <task> <target> <path>: <task> writes <target>'s pid
		// (in the machine's pid namespace) to <path>.
		ARGS(4);
		TASK(ti, argv[1]);
		ANY_TASK(target, argv[2]);
		snprintf(cmd, sizeof cmd, "writefile %s %d", argv[3], (int)c->tasks[target].pid);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "write_proc") == 0) {
		// write_proc <task> <target> <file> <text>: <task> writes <text>
		// (see writefile) to /proc/<target>/<file>.
		ARGS(5);
		TASK(ti, argv[1]);
		ANY_TASK(target, argv[2]);
		snprintf(cmd, sizeof cmd, "writefile /proc/%d/%s %s", (int)c->tasks[target].pid, argv[3], argv[4]);
		return relay(c, ti, cmd, reply, sizeof reply);
	}
	if (strcmp(op, "nspid") == 0) {
		// The NSpid line of /proc/<pid>/status read by the controller (which
		// lives in the machine's pid namespace), outermost number as "N":
		// "nspid=N 2 1" for a task two namespaces deep.
		ARGS(2);
		ANY_TASK(ti, argv[1]);
		char path[64], buf[4096];
		snprintf(path, sizeof path, "/proc/%d/status", (int)c->tasks[ti].pid);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			char e[64];
			reply_errno(e, sizeof e, errno);
			print_result(e);
			return 0;
		}
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		char *line = strstr(buf, "\nNSpid:");
		if (!line) {
			step_error(c, "no NSpid line in %s", path);
			return -1;
		}
		line += strlen("\nNSpid:");
		char res[256] = "nspid=N";
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		char *tok = strtok(line, "\t");
		if (tok)
			tok = strtok(NULL, "\t"); // skip the outermost number
		for (; tok; tok = strtok(NULL, "\t")) {
			strncat(res, " ", sizeof res - strlen(res) - 1);
			strncat(res, tok, sizeof res - strlen(res) - 1);
		}
		strncat(res, "\n", sizeof res - strlen(res) - 1);
		print_result(res);
		return 0;
	}
	if (strcmp(op, "exit") == 0 || strcmp(op, "exit_async") == 0) {
		ARGS(3);
		TASK(ti, argv[1]);
		long code;
		if (parse_long(argv[2], &code)) {
			step_error(c, "bad exit code %s", argv[2]);
			return -1;
		}
		snprintf(cmd, sizeof cmd, "exit %ld", code);
		if (send_cmd(c, ti, cmd) != 0)
			return -1;
		c->tasks[ti].exited = 1;
		// exit_async does not wait: a pid-namespace init whose namespace
		// still holds a task another process must reap sleeps in
		// zap_pid_ns_processes until that task is reaped.
		if (op[4] == '\0' && wait_task_exit(&c->tasks[ti]) != 0) {
			step_error(c, "task %s did not exit in time", argv[1]);
			return -1;
		}
		print_result("ok");
		return 0;
	}
	if (strcmp(op, "wait") == 0) {
		ARGS(3);
		TASK(pi, argv[1]);
		ANY_TASK(ci, argv[2]);
		// Use the pid the waiter knows: the child's number in the waiter's
		// pid namespace (what clone() returned if it is the creator).
		pid_t pid = pid_in_view(c, ci, pi);
		if (c->tasks[ci].creator == pi && pid != INT_MAX && pid != c->tasks[ci].parent_view) {
			step_error(c, "pid of %s as its creator sees it disagrees with clone()", argv[2]);
			return -1;
		}
		snprintf(cmd, sizeof cmd, "wait %d", (int)pid);
		if (exchange(c, pi, cmd, reply, sizeof reply) != 0)
			return -1;
		if (strncmp(reply, "exited=", 7) == 0 || strncmp(reply, "signaled=", 9) == 0)
			c->tasks[ci].reaped = 1;
		print_result(reply);
		return 0;
	}
	step_error(c, "unknown step %s", op);
	return -1;
#undef ARGS
#undef TASK
#undef ANY_TASK
#undef FLAGS
#undef NS
}

// record_forbidden remembers a namespace that must never be changed and keeps
// an fd to it in the controller: a freed namespace's inode number is
// recycled, so without the fd a brand-new namespace could match.
static void record_forbidden(int kind, int i, const char *path) {
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0) {
		forbidden[kind][i].dev = st.st_dev;
		forbidden[kind][i].ino = st.st_ino;
		forbidden[kind][i].valid = 1;
		forbidden[kind][i].fd = fd;
	} else if (fd >= 0) {
		close(fd);
	}
}

static int script_main(void) {
	struct controller c;
	memset(&c, 0, sizeof c);
	for (int i = 0; i < NSLOTS; i++)
		cmd_rd[i] = cmd_wr[i] = rep_rd[i] = rep_wr[i] = -1;

	// Remember the namespaces we must never change, then leave our UTS one.
	for (int k = 0; k < FB_KINDS; k++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/ns/%s", forbidden_kind[k]);
		record_forbidden(k, 0, path);
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)getppid(), forbidden_kind[k]);
		record_forbidden(k, 1, path);
		snprintf(path, sizeof path, "/proc/1/ns/%s", forbidden_kind[k]);
		record_forbidden(k, 2, path);
	}
	struct stat pst;
	if (stat("/proc/self/ns/pid", &pst) == 0) {
		script_pidns.dev = pst.st_dev;
		script_pidns.ino = pst.st_ino;
		script_pidns.valid = 1;
	}
	if (unshare(CLONE_NEWUTS) != 0) {
		char b[32];
		printf("error: unshare(CLONE_NEWUTS): %s\n", errno_name(errno, b, sizeof b));
		return 2;
	}

	// /proc must show our pid namespace, since task pids are read from it.
	char self[32];
	ssize_t n = readlink("/proc/self", self, sizeof self - 1);
	if (n <= 0 || (self[n] = '\0', strtol(self, NULL, 10) != (long)getpid())) {
		printf("error: /proc is not mounted for the helper's pid namespace\n");
		return 2;
	}

	for (int i = 0; i < NSLOTS; i++) {
		int p[2], q[2];
		if (pipe2(p, O_CLOEXEC) != 0 || pipe2(q, O_CLOEXEC) != 0) {
			printf("error: pipe: %s\n", strerror(errno));
			return 2;
		}
		cmd_rd[i] = p[0];
		cmd_wr[i] = p[1];
		rep_rd[i] = q[0];
		rep_wr[i] = q[1];
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		printf("error: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 2;
	}
	fflush(stdout);
	fflush(stderr);

	pid_t init = fork();
	if (init < 0) {
		printf("error: fork: %s\n", strerror(errno));
		return 2;
	}
	if (init == 0) {
		// init task: drop the controller's ends and stdin/stdout so only
		// the controller holds them.
		for (int i = 0; i < NSLOTS; i++) {
			close(cmd_wr[i]);
			close(rep_rd[i]);
		}
		for (int k = 0; k < FB_KINDS; k++)
			for (int i = 0; i < NFORBID; i++)
				if (forbidden[k][i].valid)
					close(forbidden[k][i].fd);
		int dn = open("/dev/null", O_RDWR);
		if (dn >= 0) {
			dup2(dn, 0);
			dup2(dn, 1);
			if (dn > 2)
				close(dn);
		}
		struct task t;
		memset(&t, 0, sizeof t);
		t.slot = 0;
		task_loop(&t);
	}
	for (int i = 0; i < NSLOTS; i++) {
		close(cmd_rd[i]);
		close(rep_wr[i]);
	}
	struct ctask *it = &c.tasks[0];
	strcpy(it->label, "init");
	it->used = 1;
	it->slot = 0;
	it->pid = init;
	it->parent_view = init;
	it->creator = -1;
	it->pidfd = open_pidfd(init);
	c.ntasks = 1;
	running_controller = &c;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigterm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	if (it->pidfd < 0) {
		printf("error: pidfd_open: %s\n", strerror(errno));
		kill(init, SIGKILL);
		cleanup(&c);
		return 2;
	}

	char line[1100];
	while (fgets(line, sizeof line, stdin)) {
		// Strip a comment: a '#' at the start of a word.
		for (char *p = line; *p; p++) {
			if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		}
		char *argv[8];
		int argc = split(line, argv, 8);
		if (argc == 0)
			continue;
		if (run_step(&c, argv, argc) != 0)
			break;
	}
	signal(SIGTERM, SIG_IGN);
	cleanup(&c);
	return c.failed ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Bench mode.

static int bench_fail(const char *what) {
	char b[32];
	printf("error: %s: %s\n", what, errno_name(errno, b, sizeof b));
	return 1;
}

static int wait_child(pid_t pid) {
	int st;
	pid_t r;
	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

static int clone_exit_wait(unsigned long flags) {
	long r = syscall(SYS_clone, flags | SIGCHLD, 0L, NULL, NULL, 0L);
	if (r < 0)
		return -1;
	if (r == 0)
		syscall(SYS_exit_group, 0);
	return wait_child((pid_t)r);
}

static int bench_main(const char *op, long n) {
	if (unshare(CLONE_NEWUTS) != 0)
		return bench_fail("unshare(CLONE_NEWUTS)");
	struct utsname u;
	char hbuf[128];
	int fds[2] = {-1, -1};
	pid_t holder = -1;
	int hold_pipe[2] = {-1, -1};

	enum { FORK, CLONE, CLONE_UTS, UNSHARE, SETNS, SETHOST, UNAME, GETHOST } kind;
	if (strcmp(op, "fork_exit_wait") == 0)
		kind = FORK;
	else if (strcmp(op, "clone_exit_wait") == 0)
		kind = CLONE;
	else if (strcmp(op, "clone_newuts_exit_wait") == 0)
		kind = CLONE_UTS;
	else if (strcmp(op, "unshare_uts") == 0)
		kind = UNSHARE;
	else if (strcmp(op, "setns_uts") == 0)
		kind = SETNS;
	else if (strcmp(op, "sethostname") == 0)
		kind = SETHOST;
	else if (strcmp(op, "uname") == 0)
		kind = UNAME;
	else if (strcmp(op, "gethostname") == 0)
		kind = GETHOST;
	else {
		printf("error: unknown bench op %s\n", op);
		return 2;
	}

	if (kind == SETNS) {
		// A child in a second UTS namespace that waits for EOF on a pipe.
		if (pipe2(hold_pipe, O_CLOEXEC) != 0)
			return bench_fail("pipe");
		long r = syscall(SYS_clone, (unsigned long)CLONE_NEWUTS | SIGCHLD, 0L, NULL, NULL, 0L);
		if (r < 0)
			return bench_fail("clone(CLONE_NEWUTS)");
		if (r == 0) {
			char c;
			close(hold_pipe[1]);
			while (read(hold_pipe[0], &c, 1) < 0 && errno == EINTR) {
			}
			syscall(SYS_exit_group, 0);
		}
		holder = (pid_t)r;
		close(hold_pipe[0]);
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)holder);
		fds[0] = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
		fds[1] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[0] < 0 || fds[1] < 0) {
			int e = errno;
			close(hold_pipe[1]);
			wait_child(holder);
			errno = e;
			return bench_fail("open ns/uts");
		}
	}

	struct timespec t0, t1;
	int rc = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n && rc == 0; i++) {
		switch (kind) {
		case FORK: {
			pid_t p = fork();
			if (p < 0) {
				rc = -1;
				break;
			}
			if (p == 0)
				_exit(0);
			rc = wait_child(p);
			break;
		}
		case CLONE:
			rc = clone_exit_wait(0);
			break;
		case CLONE_UTS:
			rc = clone_exit_wait(CLONE_NEWUTS);
			break;
		case UNSHARE:
			rc = unshare(CLONE_NEWUTS);
			break;
		case SETNS:
			rc = setns(fds[(i & 1) ^ 1], CLONE_NEWUTS);
			break;
		case SETHOST:
			rc = sethostname("bench", 5);
			break;
		case UNAME:
			rc = uname(&u);
			break;
		case GETHOST:
			rc = gethostname(hbuf, sizeof hbuf);
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int e = errno;
	if (holder > 0) {
		close(hold_pipe[1]);
		kill(holder, SIGKILL);
		int st;
		waitpid(holder, &st, 0);
	}
	if (rc != 0) {
		errno = e;
		return bench_fail(op);
	}
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("ns_per_op=%.3f\n", ns / (double)n);
	return 0;
}

int main(int argc, char **argv) {
	if (argc == 2 && strcmp(argv[1], "script") == 0)
		return script_main();
	if (argc == 4 && strcmp(argv[1], "bench") == 0) {
		long n;
		if (parse_long(argv[3], &n) || n <= 0) {
			printf("error: bad iteration count %s\n", argv[3]);
			return 2;
		}
		return bench_main(argv[2], n);
	}
	fprintf(stderr, "usage: %s script < scenario\n       %s bench <op> <iterations>\n",
	        argv[0], argv[0]);
	return 2;
}
