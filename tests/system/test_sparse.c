/* SPDX-License-Identifier: MIT */
/*
 * Both halves of allocating the mapped range, on a real file system that
 * runs out of space: a 1 MiB tmpfs, mounted in a private mount namespace
 * of a forked child so that nothing outside the test ever sees it.
 *
 * - By default an open allocates what it maps: 8 MiB there fails with
 *   -ENOSPC, leaves no file, gives the space back, and the advice says so.
 * - With SYNCMAP_SPARSE the same open succeeds, a plain store past the
 *   space raises SIGBUS (caught here), and syncmap_write_safe() into that
 *   range returns -EIO instead.
 *
 * Mounting needs root (CAP_SYS_ADMIN): anyone else gets a failure that
 * says so, never a silent pass.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <syncmap.h>

#include "files.h"

#define PG 4096u
#define FS_SIZE (1u << 20)
#define MAP_SIZE (8u << 20)

/* The child reports a failed check as one line on stderr and its exit
 * code, since cmocka's assertions belong to the parent. */
#define CHECK(code, cond, ...) do { \
		if (!(cond)) { \
			fprintf(stderr, "sparse child, check %d (%s): ", code, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			_exit(code); \
		} \
	} while (0)

static sigjmp_buf on_bus;
static void *volatile bus_addr;

static void bus_handler(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)uctx;
	bus_addr = info->si_addr;
	siglongjmp(on_bus, 1);
}

static unsigned long free_blocks(const char *dir)
{
	struct statvfs v;

	return statvfs(dir, &v) == 0 ? (unsigned long)v.f_bfree : 0;
}

/* A tmpfs of FS_SIZE at dir, seen by this process (and its children) only. */
static void mount_tiny(const char *dir)
{
	char opts[64];

	CHECK(2, unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	/* Private, so that the mount does not propagate to the parent's
	 * namespace through a shared /. */
	CHECK(3, mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0,
	      "making / private: %s", strerror(errno));
	snprintf(opts, sizeof(opts), "size=%u,mode=0700", FS_SIZE);
	CHECK(4, mount("syncmap-sparse", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) == 0,
	      "mount -t tmpfs -o %s %s: %s", opts, dir, strerror(errno));
	CHECK(5, tc_fs_type(dir) == TC_TMPFS_MAGIC, "%s is not the tmpfs just mounted", dir);
}

static void default_open_fails(const char *dir)
{
	const char *path = tc_join(dir, "allocated");
	const char *small = tc_join(dir, "fits");
	unsigned long before = free_blocks(dir);
	struct syncmap *m = NULL;
	int r;

	/* Control: what fits, opens (and the space comes back after). */
	r = syncmap_open(small, SYNCMAP_CREATE, 0, FS_SIZE / 2, &m);
	CHECK(10, r == 0, "a default open of %u bytes on a %u-byte tmpfs: %d %s",
	      FS_SIZE / 2, FS_SIZE, r, syncmap_last_advice());
	CHECK(11, free_blocks(dir) < before, "the fitting open allocated nothing");
	CHECK(12, syncmap_close(m) == 0 && unlink(small) == 0, "close/unlink");
	CHECK(13, free_blocks(dir) == before, "space not back after unlink");

	m = NULL;
	r = syncmap_open(path, SYNCMAP_CREATE, 0, MAP_SIZE, &m);
	CHECK(14, r == -ENOSPC, "a default open of %u bytes on a %u-byte tmpfs gave %d, "
	      "not -ENOSPC (%s)", MAP_SIZE, FS_SIZE, r, syncmap_last_advice());
	CHECK(15, m == NULL, "out was set on failure");
	CHECK(16, access(path, F_OK) < 0 && errno == ENOENT, "the failed open left %s", path);
	CHECK(17, free_blocks(dir) == before, "the failed open kept %lu blocks",
	      before - free_blocks(dir));
	CHECK(18, syncmap_last_cause() == SYNCMAP_CAUSE_ERROR, "cause %s",
	      syncmap_cause_name(syncmap_last_cause()));
	CHECK(19, strstr(syncmap_last_advice(), strerror(ENOSPC)) != NULL,
	      "the advice does not say the space ran out: %s", syncmap_last_advice());
	CHECK(20, strstr(syncmap_last_advice(), "SYNCMAP_SPARSE") != NULL,
	      "the advice does not name the way out: %s", syncmap_last_advice());
}

static void sparse_open_faults(const char *dir)
{
	const char *path = tc_join(dir, "sparse");
	struct sigaction sa, old;
	struct syncmap *m = NULL;
	volatile size_t page = 0;
	uint8_t *p, buf[64];
	int r;

	r = syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_SPARSE, 0, MAP_SIZE, &m);
	CHECK(30, r == 0, "a sparse open of %u bytes on a %u-byte tmpfs: %d %s",
	      MAP_SIZE, FS_SIZE, r, syncmap_last_advice());
	CHECK(31, syncmap_length(m) == MAP_SIZE, "length %zu", syncmap_length(m));
	p = syncmap_addr(m);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bus_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	CHECK(32, sigaction(SIGBUS, &sa, &old) == 0, "sigaction: %s", strerror(errno));
	if (sigsetjmp(on_bus, 1) == 0) {
		for (page = 0; page < MAP_SIZE / PG; page++)
			((volatile uint8_t *)p)[page * PG] = 0x5a;
	}
	CHECK(33, page < MAP_SIZE / PG, "%u bytes of stores on a %u-byte tmpfs raised no SIGBUS",
	      MAP_SIZE, FS_SIZE);
	CHECK(34, page > 0 && page <= FS_SIZE / PG, "SIGBUS at page %zu, outside (0, %u]",
	      (size_t)page, FS_SIZE / PG);
	CHECK(35, bus_addr == p + page * PG, "SIGBUS at %p, the store was at %p",
	      bus_addr, (void *)(p + page * PG));

	/* The library's own store into the same range: -EIO, not a signal;
	 * and into a page that is there, it works. */
	memset(buf, 0xa5, sizeof(buf));
	bus_addr = NULL;
	r = syncmap_write_safe(m, p + page * PG, buf, sizeof(buf));
	CHECK(36, r == -EIO, "syncmap_write_safe past the space gave %d", r);
	CHECK(37, bus_addr == NULL, "the test's handler saw the library's SIGBUS");
	CHECK(38, strstr(syncmap_last_advice(), "SIGBUS") != NULL, "advice: %s",
	      syncmap_last_advice());
	r = syncmap_write_safe(m, p, buf, sizeof(buf));
	CHECK(39, r == 0 && p[63] == 0xa5, "syncmap_write_safe on an allocated page: %d %s",
	      r, syncmap_last_advice());
	sigaction(SIGBUS, &old, NULL);
	CHECK(40, syncmap_close(m) == 0, "close: %s", syncmap_last_advice());
}

static void test_sparse_tmpfs(void **state)
{
	char dir[600];
	int status;
	pid_t pid;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", tc_join(tc_disk_dir(), "tiny"));
	if (geteuid() != 0)
		fail_msg("needs root (as the README's test command runs): mounting the 1 MiB "
			 "tmpfs this test fills takes CAP_SYS_ADMIN");
	rmdir(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		mount_tiny(dir);
		default_open_fails(dir);
		sparse_open_faults(dir);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* The mount went with the child's namespace. */
	assert_int_equal(rmdir(dir), 0);
	if (WIFSIGNALED(status))
		fail_msg("the child was killed by signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) >= 2 && WEXITSTATUS(status) <= 5)
		fail_msg("cannot mount the tmpfs this test needs (see the line above): run as "
			 "root, outside a container that forbids mounts");
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_tmpfs),
	};

	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
