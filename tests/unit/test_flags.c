/* SPDX-License-Identifier: MIT */
/*
 * Argument validation of syncmap_open() and syncmap_open_fd(): every
 * contradiction is -EINVAL with advice, before any file is created or
 * anything is mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

/* Opening `path` with these arguments fails with err, creates nothing,
 * maps nothing, keeps no descriptor, and says why. */
static void assert_open_refused(const char *path, unsigned flags, mode_t mode,
				uint64_t size, int err)
{
	struct ut_snap s = ut_snap();
	int existed = path && tc_exists(path);
	struct syncmap *m = NULL;

	mock_reset();
	assert_int_equal(syncmap_open(path, flags, mode, size, &m), err);
	assert_null(m);
	assert_int_equal(mock.mmap_validate + mock.mmap_shared, 0);
	if (path)
		assert_int_equal(tc_exists(path), existed);
	assert_int_not_equal(syncmap_last_cause(), SYNCMAP_CAUSE_NONE);
	assert_true(strlen(syncmap_last_advice()) > 0);
	assert_nothing_left(s);
}

static void test_unknown_bits(void **state)
{
	const char *path = tc_path("unknown");

	(void)state;
	unlink(path);
	assert_open_refused(path, SYNCMAP_CREATE | (1U << 11), 0, 4096, -EINVAL);
	assert_open_refused(path, SYNCMAP_CREATE | (1U << 31), 0, 4096, -EINVAL);
	assert_open_refused(path, ~0U, 0, 4096, -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "flag"));
}

static void test_require_and_forbid(void **state)
{
	const char *path = tc_path("reqforbid");

	(void)state;
	unlink(path);
	assert_open_refused(path, SYNCMAP_CREATE | SYNCMAP_REQUIRE_SYNC | SYNCMAP_FORBID_SYNC,
			    0, 4096, -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "FORBID"));
}

static void test_excl_without_create(void **state)
{
	const char *path = tc_make_file(tc_path("excl"), 4096, 0);

	(void)state;
	assert_open_refused(path, SYNCMAP_EXCL, 0, 0, -EINVAL);
	assert_open_refused(tc_path("excl-missing"), SYNCMAP_EXCL, 0, 4096, -EINVAL);
}

static void test_rdonly_contradictions(void **state)
{
	const char *missing = tc_path("ro-missing");
	const char *existing = tc_make_file(tc_path("ro-existing"), 8192, 0);
	struct stat st;

	(void)state;
	unlink(missing);
	assert_open_refused(missing, SYNCMAP_RDONLY | SYNCMAP_CREATE, 0, 4096, -EINVAL);
	assert_open_refused(existing, SYNCMAP_RDONLY | SYNCMAP_RESIZE, 0, 4096, -EINVAL);
	assert_open_refused(existing, SYNCMAP_RDONLY | SYNCMAP_REQUIRE_SYNC, 0, 0, -EINVAL);
	/* A read-only mapping cannot grow the file. */
	assert_open_refused(existing, SYNCMAP_RDONLY, 0, 3 * 4096, -EINVAL);
	assert_int_equal(stat(existing, &st), 0);
	assert_int_equal(st.st_size, 8192);
}

static void test_bad_arguments(void **state)
{
	struct syncmap *m = NULL;

	(void)state;
	assert_open_refused(NULL, 0, 0, 4096, -EINVAL);
	assert_open_refused("", 0, 0, 4096, -EINVAL);
	assert_int_equal(syncmap_open(tc_make_file(tc_path("noout"), 4096, 0), 0, 0, 0, NULL), -EINVAL);
	/* Mode bits beyond permissions. */
	unlink(tc_path("mode"));
	assert_open_refused(tc_path("mode"), SYNCMAP_CREATE, 0170000 | 0600, 4096, -EINVAL);
	/* An empty file and no size: nothing to map. */
	assert_open_refused(tc_make_file(tc_path("empty"), 0, 0), 0, 0, 0, -EINVAL);
	/* Nor for a file about to be created: and it is not left behind. */
	unlink(tc_path("new-empty"));
	assert_open_refused(tc_path("new-empty"), SYNCMAP_CREATE, 0, 0, -EINVAL);
	/* Too large to map. */
	assert_open_refused(tc_make_file(tc_path("huge"), 4096, 0), 0, 0, UINT64_MAX - 4095, -EOVERFLOW);
	assert_null(m);
}

/* Valid combinations work. */
static void test_valid_combinations(void **state)
{
	const char *path = tc_path("valid");
	struct syncmap *m = NULL;
	struct stat st;

	(void)state;
	unlink(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_EXCL | SYNCMAP_PREFAULT |
				      SYNCMAP_SPARSE | SYNCMAP_NOFOLLOW, 0, 8192, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 8192);
	assert_int_equal(syncmap_open(path, SYNCMAP_RDONLY | SYNCMAP_PREFAULT | SYNCMAP_FORBID_SYNC,
				      0, 0, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(syncmap_open(path, SYNCMAP_RESIZE | SYNCMAP_FORBID_SYNC, 0, 4096, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4096);
	/* A success clears the last failure. */
	assert_open_refused(path, ~0U, 0, 0, -EINVAL);
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), 0);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_NONE);
	assert_string_equal(syncmap_last_advice(), "");
	assert_int_equal(syncmap_close(m), 0);
}

static void assert_open_fd_refused(int fd, uint64_t off, uint64_t len, unsigned flags, int err)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;

	mock_reset();
	assert_int_equal(syncmap_open_fd(fd, off, len, flags, &m), err);
	assert_null(m);
	assert_int_equal(mock.mmap_validate + mock.mmap_shared, 0);
	assert_true(strlen(syncmap_last_advice()) > 0);
	assert_nothing_left(s);
}

static void test_open_fd_flags(void **state)
{
	const char *path = tc_make_file(tc_path("byfd"), 4 * 4096, 0);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int ro = open(path, O_RDONLY | O_CLOEXEC);
	int wo = open(path, O_WRONLY | O_CLOEXEC);
	struct syncmap *m = NULL;

	(void)state;
	assert_true(fd >= 0 && ro >= 0 && wo >= 0);
	assert_open_fd_refused(fd, 0, 0, SYNCMAP_CREATE, -EINVAL);
	assert_open_fd_refused(fd, 0, 0, SYNCMAP_EXCL, -EINVAL);
	assert_open_fd_refused(fd, 0, 0, SYNCMAP_NOFOLLOW, -EINVAL);
	assert_open_fd_refused(fd, 0, 0, 1U << 20, -EINVAL);
	assert_open_fd_refused(fd, 0, 0, SYNCMAP_REQUIRE_SYNC | SYNCMAP_FORBID_SYNC, -EINVAL);
	assert_open_fd_refused(-1, 0, 0, 0, -EINVAL);
	/* Offsets are whole pages. */
	assert_open_fd_refused(fd, 100, 4096, 0, -EINVAL);
	/* Nothing to map past the end without a length. */
	assert_open_fd_refused(fd, 4 * 4096, 0, 0, -EINVAL);
	/* A writable mapping needs a read-write descriptor. */
	assert_open_fd_refused(ro, 0, 0, 0, -EACCES);
	assert_open_fd_refused(wo, 0, 0, SYNCMAP_RDONLY, -EACCES);
	assert_open_fd_refused(wo, 0, 0, 0, -EACCES);
	/* A closed descriptor. */
	assert_open_fd_refused(999, 0, 0, 0, -EBADF);
	assert_int_equal(syncmap_open_fd(fd, 0, 0, 0, NULL), -EINVAL);

	/* The mapping holds its own descriptor: the caller may close its. */
	assert_int_equal(syncmap_open_fd(ro, 4096, 4096, SYNCMAP_RDONLY, &m), 0);
	close(ro);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[1], tc_pattern(0, 4097));
	assert_int_equal(syncmap_close(m), 0);
	close(fd);
	close(wo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unknown_bits, ut_setup),
		cmocka_unit_test_setup(test_require_and_forbid, ut_setup),
		cmocka_unit_test_setup(test_excl_without_create, ut_setup),
		cmocka_unit_test_setup(test_rdonly_contradictions, ut_setup),
		cmocka_unit_test_setup(test_bad_arguments, ut_setup),
		cmocka_unit_test_setup(test_valid_combinations, ut_setup),
		cmocka_unit_test_setup(test_open_fd_flags, ut_setup),
	};

	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
