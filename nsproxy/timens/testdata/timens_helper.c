// timens_helper runs the steps given as arguments in one process and prints
// one line per step. The differential test (diff_test.go) builds it with gcc
// in a temporary directory and runs it as root; every run starts in the
// caller's time namespace, and every namespace it creates dies with it. It
// never writes the offsets of a namespace it did not create.
//
// Steps:
//   unshare          unshare(CLONE_NEWTIME)                  ok | errno=N
//   write:<hex>      open /proc/self/timens_offsets O_WRONLY,
//                    write the bytes, close                  n=<ret> | errno=N
//   openw            open it O_WRONLY and keep the fd        ok | errno=N
//   writefd:<hex>    write the bytes on the kept fd          n=<ret> | errno=N
//   show             read it                                 text=<hex>
//   fork             fork a child that exits at once         ok
//   vfork_exit       vfork a child that _exits at once       ok
//   vfork_exec       vfork a child that execs this helper
//                    with no steps                           ok
//   setns            setns(open("/proc/self/ns/time_for_children"), CLONE_NEWTIME)
//                                                            ok | errno=N
//   thread           start a thread that sleeps forever      ok
//   dropcaps         setgroups(0), setresgid/setresuid(65534),
//                    PR_SET_DUMPABLE 1                       ok | errno=N
//   clocks           clock_gettime of ids 0..11              <id>:<sec>.<nsec> or <id>:errno=N, space-separated
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *offsets = "/proc/self/timens_offsets";
static int keptfd = -1;

static int unhex(const char *h, char *out) {
	int n = 0;
	for (; h[0] && h[1]; h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			return -1;
		out[n++] = (char)v;
	}
	return n;
}

static void wr(int fd, const char *hex) {
	static char buf[8192];
	int n = unhex(hex, buf);
	ssize_t r = write(fd, buf, n);
	if (r < 0)
		printf("errno=%d\n", errno);
	else
		printf("n=%zd\n", r);
}

static void *sleeper(void *arg) {
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "unshare")) {
			if (unshare(CLONE_NEWTIME))
				printf("errno=%d\n", errno);
			else
				printf("ok\n");
		} else if (!strncmp(s, "write:", 6)) {
			int fd = open(offsets, O_WRONLY);
			if (fd < 0) {
				printf("errno=%d\n", errno);
				continue;
			}
			wr(fd, s + 6);
			close(fd);
		} else if (!strcmp(s, "openw")) {
			keptfd = open(offsets, O_WRONLY);
			if (keptfd < 0)
				printf("errno=%d\n", errno);
			else
				printf("ok\n");
		} else if (!strncmp(s, "writefd:", 8)) {
			wr(keptfd, s + 8);
		} else if (!strcmp(s, "show")) {
			char buf[512];
			int fd = open(offsets, O_RDONLY);
			ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
			if (n < 0) {
				printf("errno=%d\n", errno);
				continue;
			}
			close(fd);
			printf("text=");
			for (ssize_t j = 0; j < n; j++)
				printf("%02x", (unsigned char)buf[j]);
			printf("\n");
		} else if (!strcmp(s, "fork")) {
			pid_t p = fork();
			if (p == 0)
				_exit(0);
			waitpid(p, NULL, 0);
			printf("ok\n");
		} else if (!strcmp(s, "vfork_exit")) {
			pid_t p = vfork();
			if (p == 0)
				_exit(0);
			waitpid(p, NULL, 0);
			printf("ok\n");
		} else if (!strcmp(s, "vfork_exec")) {
			pid_t p = vfork();
			if (p == 0) {
				execl("/proc/self/exe", argv[0], (char *)NULL);
				_exit(127);
			}
			int st = 0;
			waitpid(p, &st, 0);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				printf("ok\n");
			else
				printf("exec failed %d\n", st);
		} else if (!strcmp(s, "setns")) {
			int fd = open("/proc/self/ns/time_for_children", O_RDONLY);
			if (fd < 0 || setns(fd, CLONE_NEWTIME))
				printf("errno=%d\n", errno);
			else
				printf("ok\n");
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(s, "thread")) {
			pthread_t t;
			if (pthread_create(&t, NULL, sleeper, NULL))
				printf("thread failed\n");
			else
				printf("ok\n");
		} else if (!strcmp(s, "dropcaps")) {
			if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
				printf("errno=%d\n", errno);
			else
				printf("ok\n");
		} else if (!strcmp(s, "clocks")) {
			for (int c = 0; c < 12; c++) {
				struct timespec ts;
				if (clock_gettime(c, &ts))
					printf("%s%d:errno=%d", c ? " " : "", c, errno);
				else
					printf("%s%d:%lld.%09ld", c ? " " : "", c, (long long)ts.tv_sec, ts.tv_nsec);
			}
			printf("\n");
		} else {
			printf("unknown step %s\n", s);
			return 2;
		}
	}
	return 0;
}
