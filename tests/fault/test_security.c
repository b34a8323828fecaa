/* SPDX-License-Identifier: MIT */
/*
 * Security properties: created files are private unless the caller says
 * otherwise, every descriptor is close-on-exec, SYNCMAP_NOFOLLOW refuses
 * symbolic links, write access to a read-only file is a clear -EACCES,
 * and environment overrides that weaken durability are announced through
 * the log callback, and ignored in setuid programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "syncmap.h"
#include "files.h"
#include "other_user.h"

static char self[PATH_MAX];
/* Where the parts that run as the other user work: a scratch directory
 * that user can reach, wherever the build tree is. */
static char other_dir[PATH_MAX];

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_create_mode(void **state)
{
	struct syncmap *m;
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(syncmap_open(tc_path("mode-default"), SYNCMAP_CREATE, 0, 4096, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(mode_of(tc_path("mode-default")), 0600);
	assert_int_equal(syncmap_open(tc_path("mode-given"), SYNCMAP_CREATE, 0640, 4096, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(mode_of(tc_path("mode-given")), 0640);
	/* An existing file keeps its mode. */
	assert_int_equal(chmod(tc_path("mode-given"), 0644), 0);
	assert_int_equal(syncmap_open(tc_path("mode-given"), SYNCMAP_CREATE, 0600, 4096, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(mode_of(tc_path("mode-given")), 0644);
	assert_int_equal(syncmap_open(tc_path("mode-bad"), SYNCMAP_CREATE, 010000, 4096, &m), -EINVAL);
	umask(old);
}

/* Every descriptor of this process that refers to path. */
static int fds_of(const char *path, int *out, int max)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[PATH_MAX], target[PATH_MAX], real[PATH_MAX];
	int n = 0;

	assert_non_null(d);
	assert_non_null(realpath(path, real));
	while ((e = readdir(d))) {
		ssize_t k;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		k = readlink(link, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		if (!strcmp(target, real) && n < max)
			out[n++] = atoi(e->d_name);
	}
	closedir(d);
	return n;
}

static void test_cloexec(void **state)
{
	struct syncmap *m;
	int fds[8], n, fd;

	(void)state;
	assert_int_equal(syncmap_open(tc_path("cloexec"), SYNCMAP_CREATE, 0, 4096, &m), 0);
	n = fds_of(tc_path("cloexec"), fds, 8);
	assert_int_equal(n, 1);
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(fds_of(tc_path("cloexec"), fds, 8), 0);

	/* The caller's descriptor is inheritable; the library's own
	 * duplicate must not be. */
	fd = open(tc_path("cloexec"), O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 0, 0, 0, &m), 0);
	n = fds_of(tc_path("cloexec"), fds, 8);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)
		if (fds[i] != fd)
			assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(syncmap_close(m), 0);
	close(fd);
}

static void test_nofollow(void **state)
{
	struct syncmap *m = NULL;
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(syncmap_open(tc_path("target"), SYNCMAP_CREATE, 0, 4096, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(symlink(tc_path("target"), tc_path("link")), 0);
	m = NULL;
	assert_int_equal(syncmap_open(tc_path("link"), SYNCMAP_NOFOLLOW, 0, 0, &m), -ELOOP);
	assert_null(m);
	assert_non_null(strstr(syncmap_last_advice(), "symbolic link"));
	/* Creating through a dangling link is refused too. */
	assert_int_equal(symlink(tc_path("nowhere"), tc_path("dangling")), 0);
	assert_int_equal(syncmap_open(tc_path("dangling"), SYNCMAP_CREATE | SYNCMAP_NOFOLLOW,
				      0, 4096, &m), -ELOOP);
	assert_int_equal(tc_file_size(tc_path("nowhere")), -1);
	/* Without the flag a link is followed. */
	assert_int_equal(syncmap_open(tc_path("link"), 0, 0, 0, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	/* ... also to create its missing target, as open(2) would, and
	 * privately (this once looped and answered -EAGAIN). */
	assert_int_equal(syncmap_open(tc_path("dangling"), SYNCMAP_CREATE, 0, 4096, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(tc_path("nowhere")), 4096);
	assert_int_equal(mode_of(tc_path("nowhere")) & 0777, 0600);
	umask(old);
}

/* Run fn in a child, as user nobody when we are root. */
static void as_unprivileged(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && ou_become_other() < 0)
			_exit(99);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 99)
		fail_msg("the child could not become uid %d", OU_UID);
	assert_int_equal(WEXITSTATUS(status), 0);
}

static const char *ro_path(void)
{
	static char p[PATH_MAX + 8];

	snprintf(p, sizeof(p), "%s/ro", other_dir);
	return p;
}

static void readonly_child(void)
{
	struct syncmap *m = NULL;

	if (syncmap_open(ro_path(), 0, 0, 0, &m) != -EACCES || m)
		_exit(1);
	if (syncmap_last_cause() != SYNCMAP_CAUSE_ERROR ||
	    !strstr(syncmap_last_advice(), "SYNCMAP_RDONLY"))
		_exit(2);
	if (syncmap_open(ro_path(), SYNCMAP_RDONLY, 0, 0, &m) != 0)
		_exit(3);
	if (syncmap_persist(m, syncmap_addr(m), 1) != -EBADF)
		_exit(4);
	syncmap_close(m);
}

static void make_other_dir(mode_t mode, unsigned need)
{
	char why[512];

	if (ou_scratch_dir(mode, need, other_dir, sizeof(other_dir), why, sizeof(why)) < 0)
		fail_msg("%s", why);
}

static void test_readonly_file(void **state)
{
	struct syncmap *m;
	int fd;

	(void)state;
	make_other_dir(0755, 0);
	tc_make_file(ro_path(), 4096, 0);
	assert_int_equal(chmod(ro_path(), 0444), 0);
	as_unprivileged(readonly_child);
	/* A read-only descriptor asked for a writable mapping. */
	fd = open(ro_path(), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 0, 0, 0, &m), -EACCES);
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_RDONLY"));
	close(fd);
	tc_remove_dir(other_dir);
	other_dir[0] = '\0';
}

/*
 * The environment child: maps a file with weakening overrides set and
 * prints what it got, and which log lines named an override.
 */
static int logged_force, logged_flush;

static void env_log(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	logged_force |= strstr(msg, "SYNCMAP_FORCE_GRANULARITY") != NULL;
	logged_flush |= strstr(msg, "overridden by the environment") != NULL;
}

static int env_child(const char *dir)
{
	struct syncmap *m;
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/env-%d", dir, (int)geteuid());
	syncmap_set_log(env_log, NULL, SYNCMAP_LOG_DEBUG);
	r = syncmap_open(path, SYNCMAP_CREATE, 0, 4096, &m);
	if (r < 0) {
		printf("error %d\n", r);
		return 1;
	}
	printf("%s %s force-logged=%d flush-logged=%d secure=%d\n",
	       syncmap_granularity_name(syncmap_granularity(m)),
	       syncmap_insn_name(syncmap_insn(m)), logged_force, logged_flush,
	       geteuid() != getuid());
	syncmap_close(m);
	unlink(path);
	return 0;
}

/* Run prog as the environment child; its one line of output goes to out. */
static int run_env_child(const char *prog, const char *dir, char *out, size_t size)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { (char *)prog, "--env-child", (char *)dir, NULL };

		dup2(p[1], 1);
		setenv("SYNCMAP_FORCE_GRANULARITY", "byte", 1);
		setenv("SYNCMAP_NO_CLWB", "1", 1);
		setenv("SYNCMAP_NO_CLFLUSHOPT", "1", 1);
		setenv("SYNCMAP_LOG_LEVEL", "debug", 1);
		execv(prog, argv);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, size - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_env_announced(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(run_env_child(self, tc_dir(), out, sizeof(out)), 0);
	/* Honoured, and said so. */
	assert_non_null(strstr(out, "byte none"));
	assert_non_null(strstr(out, "force-logged=1"));
	assert_non_null(strstr(out, "flush-logged=1"));
}

/* 1 if this process runs with no_new_privs (then set-user-ID bits do
 * nothing), 0 if not, -1 if /proc cannot say. */
static int no_new_privs(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "NoNewPrivs: %d", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * A set-user-ID copy of this program, owned by nobody and run by root:
 * the overrides must be ignored.  Everything this needs is checked first,
 * and what is missing fails the test with the reason: it never passes
 * without having run.
 */
static void test_env_ignored_setuid(void **state)
{
	char prog[PATH_MAX + 16], out[256], cmd[PATH_MAX * 3];

	(void)state;
	if (geteuid() != 0)
		fail_msg("needs root (as the README's test command runs): only root can make "
			 "a set-user-ID program of another user to run");
	if (no_new_privs() == 1)
		fail_msg("this process runs with no_new_privs (NoNewPrivs: 1 in "
			 "/proc/self/status): the kernel ignores set-user-ID bits, so the "
			 "test cannot run; run the suite outside that sandbox");
	make_other_dir(0755, OU_NEED_SUID);
	/* The child, as nobody, creates its file here. */
	assert_int_equal(chown(other_dir, OU_UID, OU_GID), 0);
	snprintf(prog, sizeof(prog), "%s/setuid-child", other_dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", self, prog);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(chown(prog, OU_UID, OU_GID), 0);
	assert_int_equal(chmod(prog, 04755), 0);
	assert_int_equal(run_env_child(prog, other_dir, out, sizeof(out)), 0);
	if (!strstr(out, "secure=1"))
		fail_msg("%s did not run set-user-ID (its mount honours the bit and "
			 "no_new_privs is off, yet euid == uid): %s", prog, out);
	/* The overrides were not applied, so nothing to announce. */
	assert_null(strstr(out, "byte"));
	assert_non_null(strstr(out, "page none"));
	assert_non_null(strstr(out, "force-logged=0"));
	assert_non_null(strstr(out, "flush-logged=0"));
	tc_remove_dir(other_dir);
	other_dir[0] = '\0';
}

static int teardown(void **state)
{
	(void)state;
	tc_cleanup();
	tc_remove_dir(other_dir);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_mode),
		cmocka_unit_test(test_cloexec),
		cmocka_unit_test(test_nofollow),
		cmocka_unit_test(test_readonly_file),
		cmocka_unit_test(test_env_announced),
		cmocka_unit_test(test_env_ignored_setuid),
	};

	/* _exit: a setuid process cannot be inspected by LeakSanitizer,
	 * which would otherwise fail it at exit. */
	if (argc == 3 && !strcmp(argv[1], "--env-child")) {
		int r = env_child(argv[2]);

		fflush(stdout);
		_exit(r);
	}
	if (!realpath("/proc/self/exe", self))
		return 1;
	return cmocka_run_group_tests(tests, NULL, teardown);
}
