//go:build ignore

/*
 * sysvipc_diff: runs a System V IPC scenario on the real kernel for
 * diff_test.go, which compiles it with gcc into t.TempDir() and starts it
 * under "unshare --ipc", so every object, id and sysctl it touches belongs to
 * a fresh IPC namespace that dies with it.
 *
 * Usage: sysvipc_diff HOST_IPC_INODE < script
 *
 * It refuses to run (exit 2) when its IPC namespace is the host's (the inode
 * the test passes, read from the test process's /proc/self/ns/ipc) or pid
 * 1's. Script lines, one result line each (errors as "= -ERRNO"):
 *
 *   shmget KEY SIZE FLAGS      semget KEY NSEMS FLAGS     msgget KEY FLAGS
 *   rmid shm|msg|sem REF       REF: a number, or $N[+K] = result of line N plus K
 *   egid N | euid N            setresgid/setresuid(-1, N, -1)
 *   cat shm|msg|sem            /proc/sysvipc/<kind>, then a line "end"
 *   sysctl-read NAME           /proc/sys/kernel/NAME, \t and \n escaped
 *   sysctl-write NAME TEXT     TEXT with \t \n \\ \xHH escapes, one write(2)
 *
 * Numbers are read with strtoll base 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

static long long results[1024];

static unsigned long long ns_inode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return (unsigned long long)st.st_ino;
}

static long long num(const char *s)
{
	return strtoll(s, NULL, 0);
}

static long long ref(const char *s)
{
	if (s[0] != '$')
		return num(s);
	char *end;
	long n = strtol(s + 1, &end, 10);
	long long k = *end == '+' ? num(end + 1) : 0;
	if (n < 1 || n > 1023)
		return -1;
	return results[n] + k;
}

static void result(int line, const char *cmd, long long r)
{
	if (r < 0) {
		printf("%s = -%d\n", cmd, errno);
		results[line] = -1;
	} else {
		printf("%s = %lld\n", cmd, r);
		results[line] = r;
	}
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;
	for (; *in; in++) {
		if (*in != '\\' || !in[1]) {
			out[n++] = *in;
			continue;
		}
		in++;
		switch (*in) {
		case 't': out[n++] = '\t'; break;
		case 'n': out[n++] = '\n'; break;
		case 'x': {
			char h[3] = { in[1], in[1] ? in[2] : 0, 0 };
			out[n++] = (char)strtol(h, NULL, 16);
			in += 2;
			break;
		}
		default: out[n++] = *in;
		}
	}
	return n;
}

static void cat(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("open %s = -%d\n", path, errno);
		return;
	}
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)r, stdout);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s HOST_IPC_INODE\n", argv[0]);
		return 2;
	}
	unsigned long long self = ns_inode("/proc/self/ns/ipc");
	if (self == 0 || self == strtoull(argv[1], NULL, 10) || self == ns_inode("/proc/1/ns/ipc")) {
		fprintf(stderr, "refusing to run in the host's IPC namespace\n");
		return 2;
	}
	char line[8192];
	for (int ln = 1; fgets(line, sizeof line, stdin) && ln < 1024; ln++) {
		line[strcspn(line, "\n")] = 0;
		char cmd[8192];
		strcpy(cmd, line);
		char *save, *op = strtok_r(line, " ", &save);
		char *a = op ? strtok_r(NULL, " ", &save) : NULL;
		if (!op)
			continue;
		errno = 0;
		if (!strcmp(op, "shmget")) {
			char *b = strtok_r(NULL, " ", &save), *c = strtok_r(NULL, " ", &save);
			result(ln, cmd, shmget((key_t)num(a), (size_t)strtoull(b, NULL, 0), (int)num(c)));
		} else if (!strcmp(op, "msgget")) {
			char *b = strtok_r(NULL, " ", &save);
			result(ln, cmd, msgget((key_t)num(a), (int)num(b)));
		} else if (!strcmp(op, "semget")) {
			char *b = strtok_r(NULL, " ", &save), *c = strtok_r(NULL, " ", &save);
			result(ln, cmd, semget((key_t)num(a), (int)num(b), (int)num(c)));
		} else if (!strcmp(op, "rmid")) {
			int id = (int)ref(strtok_r(NULL, " ", &save));
			long long r = -1;
			if (!strcmp(a, "shm"))
				r = shmctl(id, IPC_RMID, NULL);
			else if (!strcmp(a, "msg"))
				r = msgctl(id, IPC_RMID, NULL);
			else if (!strcmp(a, "sem"))
				r = semctl(id, 0, IPC_RMID);
			result(ln, cmd, r);
		} else if (!strcmp(op, "euid")) {
			result(ln, cmd, setresuid(-1, (uid_t)num(a), -1));
		} else if (!strcmp(op, "egid")) {
			result(ln, cmd, setresgid(-1, (gid_t)num(a), -1));
		} else if (!strcmp(op, "cat")) {
			char path[64];
			snprintf(path, sizeof path, "/proc/sysvipc/%s", a);
			printf("%s\n", cmd);
			fflush(stdout);
			cat(path);
			printf("end\n");
		} else if (!strcmp(op, "sysctl-read")) {
			char path[256], buf[4096];
			snprintf(path, sizeof path, "/proc/sys/kernel/%s", a);
			int fd = open(path, O_RDONLY);
			ssize_t r = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
			if (r < 0) {
				printf("%s = -%d\n", cmd, errno);
			} else {
				printf("%s = ", cmd);
				for (ssize_t i = 0; i < r; i++)
					buf[i] == '\t' ? printf("\\t") : buf[i] == '\n' ? printf("\\n") : putchar(buf[i]);
				printf("\n");
			}
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(op, "sysctl-write")) {
			char path[256], data[8192];
			snprintf(path, sizeof path, "/proc/sys/kernel/%s", a);
			const char *text = cmd + strlen(op) + 1 + strlen(a);
			if (*text == ' ')
				text++;
			size_t n = unescape(text, data);
			int fd = open(path, O_WRONLY);
			long long r = fd < 0 ? -1 : write(fd, data, n);
			result(ln, cmd, r);
			if (fd >= 0)
				close(fd);
		} else {
			printf("%s = unknown\n", cmd);
		}
		fflush(stdout);
	}
	return 0;
}
