/* SPDX-License-Identifier: MIT */
/*
 * Behaviour the library gets wrong today.  This program is not in the
 * unit suite yet (see meson.build); each test moves to the file of its
 * concern once the library is fixed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

/*
 * REQUIRE_SYNC means "MAP_SYNC or fail".  With SYNCMAP_FORCE_GRANULARITY
 * =page in the environment the open succeeds with an msync mapping, so a
 * caller that required MAP_SYNC silently gets page granularity.
 */
static void test_require_with_forced_page(void **state)
{
	struct syncmap *m = NULL;
	int r;

	(void)state;
	setenv("SYNCMAP_FORCE_GRANULARITY", "page", 1);
	r = syncmap_open(ut_make_file("req", 8192), SYNCMAP_REQUIRE_SYNC, 0, 0, &m);
	if (r == 0) {
		/* Acceptable only if the environment was ignored. */
		assert_true(syncmap_is_sync(m));
		syncmap_close(m);
	} else {
		assert_int_equal(r, -EOPNOTSUPP);
		assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_FORCED_BY_ENV);
		assert_null(m);
	}
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
}

/*
 * A failed open must explain itself through syncmap_last_cause() and
 * syncmap_last_advice().  When the plain MAP_SHARED mapping (after a
 * refusal, or with FORBID_SYNC) fails, the error is returned but nothing
 * is recorded: the advice is empty and the cause says "none".
 */
static void fallback_failure(unsigned flags)
{
	struct syncmap *m = NULL;

	mock_reset();
	mock.validate_errno = EOPNOTSUPP;
	mock.shared_errno = ENOMEM;
	assert_int_equal(syncmap_open(ut_make_file("fbfail", 8192), flags, 0, 0, &m), -ENOMEM);
	assert_int_not_equal(syncmap_last_cause(), SYNCMAP_CAUSE_NONE);
	assert_true(strlen(syncmap_last_advice()) > 0);
}

static void test_fallback_failure_explained(void **state)
{
	(void)state;
	fallback_failure(0);
}

static void test_forbid_failure_explained(void **state)
{
	(void)state;
	fallback_failure(SYNCMAP_FORBID_SYNC);
}

/*
 * RESIZE to a smaller size truncates the file before mapping; when the
 * mapping then fails, the open fails but the data past the new size is
 * gone.  A failed open must leave the file as it found it (the shrink can
 * wait until the mapping exists).
 */
static void test_failed_resize_keeps_data(void **state)
{
	const char *path = ut_make_file("shrink", 4 * 4096);
	struct syncmap *m = NULL;
	unsigned char c;
	struct stat st;
	int fd;

	(void)state;
	mock.validate_errno = ENOMEM;
	assert_int_equal(syncmap_open(path, SYNCMAP_RESIZE, 0, 4096, &m), -ENOMEM);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4 * 4096);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, &c, 1, 3 * 4096 + 5), 1);
	assert_int_equal(c, ut_pattern(3 * 4096 + 5));
	close(fd);
}

/*
 * A device DAX path that does not exist: the advice says "pass
 * SYNCMAP_CREATE to create it", which would make a regular file in /dev.
 * It should say that no such device DAX exists and how to list or make
 * one (daxctl list, ndctl create-namespace -m devdax).
 */
static void test_devdax_missing_advice(void **state)
{
	struct syncmap *m = NULL;
	const char *path = "/dev/dax97.97";

	(void)state;
	if (access(path, F_OK) == 0)
		skip();
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), -ENOENT);
	assert_null(strstr(syncmap_last_advice(), "SYNCMAP_CREATE"));
	assert_true(strstr(syncmap_last_advice(), "daxctl") ||
		    strstr(syncmap_last_advice(), "ndctl"));
}

/*
 * PREALLOC promises the file's blocks.  Where fallocate is not supported
 * the library logs "writing zeros only" but, on a file statx calls not
 * DAX, writes nothing: the blocks stay unallocated (and a later msync can
 * fail with ENOSPC, which preallocating was meant to rule out).
 */
static void test_prealloc_without_fallocate(void **state)
{
	const char *path = ut_path("nofalloc");
	struct syncmap *m = NULL;
	struct stat st;

	(void)state;
	unlink(path);
	mock.fallocate_errno = EOPNOTSUPP;
	mock.statx_dax = -1;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_PREALLOC, 0, 16 * 4096, &m), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 >= 16 * 4096);
	syncmap_close(m);
}

/*
 * When writing the zeros fails (ENOSPC), the error is lost: preallocate()
 * tests zero_fill() < 0 but reports r, which still holds fallocate's
 * result, so the caller gets -EIO (or -EOPNOTSUPP) instead of -ENOSPC.
 */
static void test_prealloc_zero_fill_errno(void **state)
{
	const char *path = ut_path("zerofail");
	struct syncmap *m = NULL;

	(void)state;
	unlink(path);
	mock.statx_dax = 1;
	mock.pwrite_errno = ENOSPC;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_PREALLOC, 0, 16 * 4096, &m),
			 -ENOSPC);
	assert_false(ut_exists(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_require_with_forced_page, ut_setup),
		cmocka_unit_test_setup(test_fallback_failure_explained, ut_setup),
		cmocka_unit_test_setup(test_forbid_failure_explained, ut_setup),
		cmocka_unit_test_setup(test_failed_resize_keeps_data, ut_setup),
		cmocka_unit_test_setup(test_devdax_missing_advice, ut_setup),
		cmocka_unit_test_setup(test_prealloc_without_fallocate, ut_setup),
		cmocka_unit_test_setup(test_prealloc_zero_fill_errno, ut_setup),
	};

	return cmocka_run_group_tests(tests, ut_group_setup, ut_group_teardown);
}
