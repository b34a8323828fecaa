/* SPDX-License-Identifier: MIT */
/*
 * What the kernel allows: read-only files, permissions, exclusive
 * creation, symbolic links, paths that are not there, character devices
 * that are not device DAX, directories.  Every refusal is the kernel's
 * errno and comes with advice.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <syncmap.h>

#include "files.h"
#include "other_user.h"

#define PG 4096u

static const char *dir(void)
{
	const char *d = tc_disk_dir();

	assert_non_null(d);
	return d;
}

static void assert_refused(const char *path, unsigned flags, uint64_t size, int err)
{
	struct syncmap *m = NULL;

	assert_int_equal(syncmap_open(path, flags, 0, size, &m), err);
	assert_null(m);
	assert_int_equal(syncmap_last_cause() == SYNCMAP_CAUSE_NONE, 0);
	assert_true(strlen(syncmap_last_advice()) > 0);
}

static void test_created_mode(void **state)
{
	const char *path = tc_join(dir(), "mode");
	struct syncmap *m = NULL;
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	unlink(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, PG, &m), 0);
	syncmap_close(m);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0640, PG, &m), 0);
	syncmap_close(m);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* An existing file keeps its mode. */
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0666, PG, &m), 0);
	syncmap_close(m);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	umask(old);
}

static void test_excl(void **state)
{
	const char *path = tc_join(dir(), "excl");
	struct syncmap *m = NULL;

	(void)state;
	tc_make_file(path, 2 * PG, 1);
	assert_refused(path, SYNCMAP_CREATE | SYNCMAP_EXCL, PG, -EEXIST);
	/* Untouched. */
	assert_int_equal(tc_file_size(path), 2 * PG);
	unlink(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_EXCL, 0, PG, &m), 0);
	syncmap_close(m);
	assert_int_equal(tc_file_size(path), PG);
}

static void test_missing(void **state)
{
	const char *path = tc_join(dir(), "missing");

	(void)state;
	unlink(path);
	assert_refused(path, 0, PG, -ENOENT);
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_CREATE"));
	assert_refused(tc_join(dir(), "no/such/dir"), SYNCMAP_CREATE, PG, -ENOENT);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_nofollow(void **state)
{
	const char *target = tc_join(dir(), "target");
	const char *link = tc_join(dir(), "link");
	struct syncmap *m = NULL;

	(void)state;
	tc_make_file(target, PG, 2);
	unlink(link);
	assert_int_equal(symlink("target", link), 0);
	assert_refused(link, SYNCMAP_NOFOLLOW, 0, -ELOOP);
	assert_non_null(strstr(syncmap_last_advice(), "NOFOLLOW"));
	assert_refused(link, SYNCMAP_NOFOLLOW | SYNCMAP_CREATE, 0, -ELOOP);
	/* Followed without the flag. */
	assert_int_equal(syncmap_open(link, 0, 0, 0, &m), 0);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[7], tc_pattern(2, 7));
	syncmap_close(m);
}

/* CREATE through a symbolic link to a missing file creates the target,
 * as open(2) with O_CREAT does; with NOFOLLOW or EXCL it is refused. */
static void test_dangling_link(void **state)
{
	const char *link = tc_join(dir(), "dangling");
	const char *target = tc_join(dir(), "nowhere");
	struct syncmap *m = NULL;

	(void)state;
	unlink(link);
	unlink(target);
	assert_int_equal(symlink("nowhere", link), 0);
	assert_refused(link, SYNCMAP_CREATE | SYNCMAP_NOFOLLOW, PG, -ELOOP);
	assert_refused(link, SYNCMAP_CREATE | SYNCMAP_EXCL, PG, -EEXIST);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(syncmap_open(link, SYNCMAP_CREATE, 0, PG, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(target), PG);
}

static void test_directory(void **state)
{
	const char *d = tc_join(dir(), "subdir");

	(void)state;
	rmdir(d);
	assert_int_equal(mkdir(d, 0700), 0);
	assert_refused(d, 0, PG, -EISDIR);
	assert_refused(d, SYNCMAP_RDONLY, 0, -EISDIR);
	assert_refused(d, SYNCMAP_CREATE, PG, -EISDIR);
	rmdir(d);
}

/* Only regular files and device DAX: a FIFO is refused, not opened for
 * writing and mapped. */
static void test_fifo(void **state)
{
	const char *path = tc_join(dir(), "fifo");

	(void)state;
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_refused(path, 0, PG, -EINVAL);
	/* Read-only: open(2) of a FIFO would wait for a writer. */
	assert_refused(path, SYNCMAP_RDONLY, PG, -EINVAL);
	unlink(path);
}

/* Threads racing to create the same file exclusively: one wins, the
 * others get -EEXIST, and no loser removes the winner's file. */
struct racer {
	const char *path;
	pthread_barrier_t *start;
	struct syncmap *m;
	int r;
};

static void *race(void *arg)
{
	struct racer *x = arg;

	pthread_barrier_wait(x->start);
	x->r = syncmap_open(x->path, SYNCMAP_CREATE | SYNCMAP_EXCL, 0, PG, &x->m);
	return NULL;
}

static void test_exclusive_race(void **state)
{
	enum { N = 8 };
	const char *path = tc_join(dir(), "race");
	pthread_barrier_t start;
	struct racer x[N];
	pthread_t t[N];
	int won = 0;

	(void)state;
	for (int round = 0; round < 20; round++) {
		unlink(path);
		won = 0;
		pthread_barrier_init(&start, NULL, N);
		for (int i = 0; i < N; i++) {
			x[i] = (struct racer){ .path = path, .start = &start };
			assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
		}
		for (int i = 0; i < N; i++) {
			assert_int_equal(pthread_join(t[i], NULL), 0);
			if (x[i].r == 0) {
				won++;
				syncmap_close(x[i].m);
			} else {
				assert_int_equal(x[i].r, -EEXIST);
			}
		}
		pthread_barrier_destroy(&start);
		assert_int_equal(won, 1);
		assert_int_equal(tc_file_size(path), PG);
	}
}

static void test_devdax_missing(void **state)
{
	char path[64];
	int i;

	(void)state;
	/* A device DAX name nothing here uses. */
	for (i = 97; i < 200; i++) {
		snprintf(path, sizeof(path), "/dev/dax%d.%d", i, i);
		if (access(path, F_OK) < 0)
			break;
	}
	assert_refused(path, 0, 0, -ENOENT);
	assert_non_null(strstr(syncmap_last_advice(), path));
	assert_refused(path, SYNCMAP_REQUIRE_SYNC, 0, -ENOENT);
}

/* A character device that is not device DAX. */
static void test_char_device_not_dax(void **state)
{
	(void)state;
	if (access("/dev/zero", R_OK | W_OK) < 0)
		fail_msg("cannot run: /dev/zero is not readable and writable here");
	assert_refused("/dev/zero", 0, 0, -ENODEV);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_DEVICE_NOT_DAX);
	assert_string_equal(syncmap_cause_name(syncmap_last_cause()), "device_not_dax");
	assert_refused("/dev/zero", SYNCMAP_RDONLY, 0, -ENODEV);
	assert_refused("/dev/zero", 0, 2u << 20, -ENODEV);
}

static void test_readonly_file(void **state)
{
	const char *path = tc_join(dir(), "ro");
	struct syncmap *m = NULL;
	uint8_t *p;
	int fd;

	(void)state;
	tc_make_file(path, 4 * PG, 3);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(syncmap_open(path, SYNCMAP_RDONLY, 0, 0, &m), 0);
	p = syncmap_addr(m);
	assert_int_equal(p[3 * PG + 3], tc_pattern(3, 3 * PG + 3));
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_READ_ONLY);
	assert_int_equal(syncmap_persist(m, p, 1), -EBADF);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_READ_ONLY);
	assert_non_null(strstr(syncmap_last_advice(), "read-only"));
	assert_int_equal(syncmap_memcpy(m, p, "x", 1, 0), -EBADF);
	assert_int_equal(syncmap_close(m), 0);
	m = NULL;

	/* A read-only descriptor cannot give a writable mapping. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 0, 0, 0, &m), -EACCES);
	assert_null(m);
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_RDONLY"));
	assert_int_equal(syncmap_open_fd(fd, PG, PG, SYNCMAP_RDONLY, &m), 0);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[0], tc_pattern(3, PG));
	syncmap_close(m);
	close(fd);
}

/* What someone who is not root gets from a 0400 file: 0, or the step
 * that went wrong. */
static int open_unprivileged(const char *path)
{
	struct syncmap *m = NULL;
	int code = 0;

	if (syncmap_open(path, 0, 0, 0, &m) != -EACCES)
		code = 11;
	else if (!strstr(syncmap_last_advice(), "SYNCMAP_RDONLY"))
		code = 12;
	else if (syncmap_open(path, SYNCMAP_RDONLY, 0, 0, &m) != 0)
		code = 13;
	else if (((uint8_t *)syncmap_addr(m))[1] != tc_pattern(4, 1))
		code = 14;
	else if (syncmap_persist(m, syncmap_addr(m), 1) != -EBADF)
		code = 15;
	syncmap_close(m);
	return code;
}

/*
 * A 0400 file opened for writing by someone who is not root: the kernel
 * says EACCES.  Root passes permission checks, so as root the open runs in
 * a child that became user nobody, on a file in a scratch directory that
 * nobody can reach (the build tree may sit in a 0700 directory).
 */
static void test_permission_denied(void **state)
{
	char d[512], why[512], path[600];
	int status, code;
	pid_t pid;

	(void)state;
	if (ou_scratch_dir(0755, 0, d, sizeof(d), why, sizeof(why)) < 0)
		fail_msg("%s", why);
	snprintf(path, sizeof(path), "%s/perm", d);
	tc_make_file(path, 2 * PG, 4);
	assert_int_equal(chmod(path, 0400), 0);
	if (geteuid() != 0) {
		/* Already someone whom permissions apply to. */
		code = open_unprivileged(path);
		tc_remove_dir(d);
		assert_int_equal(code, 0);
		return;
	}
	assert_int_equal(chown(path, OU_UID, OU_GID), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ou_become_other() < 0 ? 10 : open_unprivileged(path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	tc_remove_dir(d);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 10)
		fail_msg("the child could not become uid %d", OU_UID);
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The mapping's own descriptor must not leak into programs the caller
 * executes. */
static void test_descriptor_cloexec(void **state)
{
	const char *path = tc_join(dir(), "cloexec");
	char link[64], target[1024], *want;
	struct syncmap *m = NULL;
	int found = 0;

	(void)state;
	tc_make_file(path, PG, 5);
	/* realpath() into a buffer needs PATH_MAX bytes (_FORTIFY_SOURCE
	 * aborts on less): let it allocate. */
	want = realpath(path, NULL);
	assert_non_null(want);
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), 0);
	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want))
			continue;
		found++;
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	}
	assert_int_equal(found, 1);
	free(want);
	syncmap_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_mode),
		cmocka_unit_test(test_excl),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_nofollow),
		cmocka_unit_test(test_dangling_link),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_exclusive_race),
		cmocka_unit_test(test_devdax_missing),
		cmocka_unit_test(test_char_device_not_dax),
		cmocka_unit_test(test_readonly_file),
		cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_descriptor_cloexec),
	};

	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
