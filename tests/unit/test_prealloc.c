/* SPDX-License-Identifier: MIT */
/*
 * Allocation, the default of a writable open: fallocate over the mapped
 * range; on a DAX file also zeros written over the part the file grew by
 * (a MAP_SYNC write fault on an unwritten extent must commit metadata
 * first); never a write over data that was already there.  Failures leave
 * nothing behind.  SYNCMAP_SPARSE and read-only opens allocate nothing.
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

#define PG 4096u

static void test_new_file_not_dax(void **state)
{
	const char *path = tc_path("new");
	struct syncmap *m = NULL;
	struct stat st;

	(void)state;
	unlink(path);
	mock.statx_dax = -1;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, 64 * PG, &m), 0);
	assert_int_equal(mock.fallocate_calls, 1);
	assert_int_equal(mock.fallocate_last.off, 0);
	assert_int_equal(mock.fallocate_last.len, 64 * PG);
	/* The page cache needs no zeros. */
	assert_int_equal(mock.pwrite_bytes, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 >= 64 * PG);
	/* Nothing was written, so there is nothing to sync. */
	assert_int_equal(mock.fdatasync_calls, 0);
	syncmap_close(m);
}

/* SYNCMAP_SPARSE: the file grows, but no block is allocated or written. */
static void test_sparse(void **state)
{
	const char *path = tc_path("sparse");
	struct syncmap *m = NULL;
	struct stat st;

	(void)state;
	unlink(path);
	mock.statx_dax = 1;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_SPARSE, 0, 64 * PG, &m), 0);
	assert_int_equal(mock.fallocate_calls, 0);
	assert_int_equal(mock.pwrite_bytes, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 64 * PG);
	assert_true((uint64_t)st.st_blocks * 512 < 64 * PG);
	syncmap_close(m);
}

/* A read-only open never allocates: it may not write the file at all. */
static void test_rdonly_allocates_nothing(void **state)
{
	const char *path = tc_make_file(tc_path("ro"), 4 * PG, 0);
	struct syncmap *m = NULL;

	(void)state;
	mock.statx_dax = 1;
	assert_int_equal(syncmap_open(path, SYNCMAP_RDONLY, 0, 0, &m), 0);
	assert_int_equal(mock.fallocate_calls, 0);
	assert_int_equal(mock.pwrite_bytes, 0);
	syncmap_close(m);
}

static void test_grown_dax_file(void **state)
{
	const char *path = tc_make_file(tc_path("grown"), 3 * PG + 100, 0);
	struct syncmap *m = NULL;
	uint8_t *p;

	(void)state;
	mock.statx_dax = 1;
	assert_int_equal(syncmap_open(path, 0, 0, 16 * PG, &m), 0);
	assert_int_equal(mock.fallocate_calls, 1);
	assert_int_equal(mock.fallocate_last.len, 16 * PG);
	/* Zeros exactly over what the file grew by. */
	assert_int_equal(mock.pwrite_lowest, 3 * PG + 100);
	assert_int_equal(mock.pwrite_bytes, 16 * PG - (3 * PG + 100));
	assert_true(mock.fdatasync_calls >= 1);
	p = syncmap_addr(m);
	for (size_t i = 0; i < 3 * PG + 100; i++)
		if (p[i] != tc_pattern(0, i))
			fail_msg("byte %zu changed by preallocation", i);
	assert_int_equal(p[16 * PG - 1], 0);
	syncmap_close(m);
}

/* An existing DAX file at its size: fallocate only, data untouched. */
static void test_existing_dax_file(void **state)
{
	const char *path = tc_make_file(tc_path("existing"), 8 * PG, 0);
	struct syncmap *m = NULL;

	(void)state;
	mock.statx_dax = 1;
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), 0);
	assert_int_equal(mock.fallocate_calls, 1);
	assert_int_equal(mock.pwrite_calls, 0);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[8 * PG - 1], tc_pattern(0, 8 * PG - 1));
	syncmap_close(m);
}

/* A mapping at an offset preallocates its own range only. */
static void test_offset_range(void **state)
{
	const char *path = tc_make_file(tc_path("offset"), 4 * PG, 0);
	struct syncmap *m = NULL;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	(void)state;
	mock.statx_dax = 1;
	assert_int_equal(syncmap_open_fd(fd, 8 * PG, 4 * PG, 0, &m), 0);
	close(fd);
	assert_int_equal(mock.fallocate_last.off, 8 * PG);
	assert_int_equal(mock.fallocate_last.len, 4 * PG);
	assert_int_equal(mock.pwrite_lowest, 8 * PG);
	assert_int_equal(mock.pwrite_bytes, 4 * PG);
	syncmap_close(m);
}

static void test_fallocate_error(void **state)
{
	const char *path = tc_path("enospc");
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;

	(void)state;
	unlink(path);
	mock.fallocate_errno = ENOSPC;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, 64 * PG, &m),
			 -ENOSPC);
	assert_null(m);
	assert_non_null(strstr(syncmap_last_advice(), "preallocat"));
	assert_false(tc_exists(path));
	assert_int_equal(mock.mmap_validate + mock.mmap_shared, 0);
	assert_nothing_left(s);
}

static void test_fdatasync_error(void **state)
{
	const char *path = tc_make_file(tc_path("eio"), PG, 0);
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	struct stat st;

	(void)state;
	/* DAX: the zeros over the grown part are synced, and that fails. */
	mock.statx_dax = 1;
	mock.fdatasync_errno = EIO;
	assert_int_equal(syncmap_open(path, 0, 0, 4 * PG, &m), -EIO);
	assert_null(m);
	/* The file gets its size back. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, PG);
	assert_nothing_left(s);
}

/* Where fallocate is not supported, the blocks are still allocated (by
 * writing zeros), even on the page cache: a later msync must not be the
 * first to find the disk full. */
static void test_prealloc_without_fallocate(void **state)
{
	const char *path = tc_path("nofalloc");
	struct syncmap *m = NULL;
	struct stat st;

	(void)state;
	unlink(path);
	mock.fallocate_errno = EOPNOTSUPP;
	mock.statx_dax = -1;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, 16 * 4096, &m), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 >= 16 * 4096);
	syncmap_close(m);
}

/* A failure writing the zeros is reported as itself. */
static void test_prealloc_zero_fill_errno(void **state)
{
	const char *path = tc_path("zerofail");
	struct syncmap *m = NULL;

	(void)state;
	unlink(path);
	mock.statx_dax = 1;
	mock.pwrite_errno = ENOSPC;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, 16 * 4096, &m),
			 -ENOSPC);
	assert_false(tc_exists(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_new_file_not_dax, ut_setup),
		cmocka_unit_test_setup(test_sparse, ut_setup),
		cmocka_unit_test_setup(test_rdonly_allocates_nothing, ut_setup),
		cmocka_unit_test_setup(test_grown_dax_file, ut_setup),
		cmocka_unit_test_setup(test_existing_dax_file, ut_setup),
		cmocka_unit_test_setup(test_offset_range, ut_setup),
		cmocka_unit_test_setup(test_fallocate_error, ut_setup),
		cmocka_unit_test_setup(test_fdatasync_error, ut_setup),
		cmocka_unit_test_setup(test_prealloc_without_fallocate, ut_setup),
		cmocka_unit_test_setup(test_prealloc_zero_fill_errno, ut_setup),
	};

	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
