/* SPDX-License-Identifier: MIT */
/*
 * The mapping policy against every answer the kernel can give to
 * mmap(MAP_SHARED_VALIDATE | MAP_SYNC): granted, EOPNOTSUPP, EINVAL (old
 * kernel), EINVAL for everything (bad arguments), EACCES, ENOMEM; and the
 * caller's REQUIRE/FORBID choice.  A failed open must leave no descriptor,
 * no mapping and no file it created.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

#define FILE_SIZE (64u * 1024)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static struct syncmap *open_file(const char *name, unsigned flags, int *err)
{
	struct syncmap *m = NULL;

	*err = syncmap_open(tc_make_file(tc_path(name), FILE_SIZE, 0), flags, 0, 0, &m);
	return m;
}

/* A fallback mapping is ordinary: page granularity, no flush insn. */
static void assert_page_path(const struct syncmap *m)
{
	assert_false(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
	assert_int_equal(syncmap_insn(m), SYNCMAP_INSN_NONE);
	assert_int_equal(syncmap_length(m), FILE_SIZE);
	assert_true(strlen(syncmap_advice(m)) > 0);
}

static void test_granted(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m;
	unsigned char *p, c;
	int err, fd;

	(void)state;
	UT_NEEDS_INSN();
	m = open_file("granted", 0, &err);
	assert_int_equal(err, 0);
	assert_non_null(m);
	assert_int_equal(mock.mmap_validate, 1);
	assert_int_equal(mock.mmap_shared, 0);
	assert_int_equal(mock.sync_without_validate, 0);
	assert_true(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	assert_int_equal(syncmap_insn(m), sm_cpu_select(sm_cpu(), sm_cpu_disabled()));
	assert_int_not_equal(syncmap_insn(m), SYNCMAP_INSN_NONE);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_NONE);
	assert_string_equal(syncmap_advice(m), "");
	assert_int_equal(syncmap_length(m), FILE_SIZE);

	/* The mapping shows the file, and persisting takes no syscall. */
	p = syncmap_addr(m);
	assert_int_equal(p[100], tc_pattern(0, 100));
	p[100] = 0x5a;
	assert_int_equal(syncmap_persist(m, p + 100, 1), 0);
	assert_int_equal(syncmap_persist(m, p, FILE_SIZE), 0);
	assert_int_equal(syncmap_flush(m, p, 64), 0);
	assert_int_equal(syncmap_drain(m), 0);
	assert_int_equal(mock.msync_calls, 0);
	assert_int_equal(mock.fdatasync_calls, 0);
	assert_int_equal(mock.sfr_calls, 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);

	fd = open(tc_path("granted"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, 100), 1);
	assert_int_equal(c, 0x5a);
	close(fd);
}

static void test_granted_require(void **state)
{
	struct syncmap *m;
	int err;

	(void)state;
	UT_NEEDS_INSN();
	m = open_file("granted-require", SYNCMAP_REQUIRE_SYNC, &err);
	assert_int_equal(err, 0);
	assert_true(syncmap_is_sync(m));
	syncmap_close(m);
}

/* Large mappings are placed at a 2 MiB boundary for huge-page faults. */
static void test_granted_huge_aligned(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	size_t len = 4u << 20;

	(void)state;
	UT_NEEDS_INSN();
	assert_int_equal(syncmap_open(tc_path("huge"), SYNCMAP_CREATE, 0, len, &m), 0);
	assert_true(syncmap_is_sync(m));
	assert_int_equal((uintptr_t)syncmap_addr(m) % (2u << 20), 0);
	assert_int_equal(syncmap_length(m), len);
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);
	unlink(tc_path("huge"));
}

/* Huge-page (PMD) faults need the address and the file offset to agree
 * modulo 2 MiB; the kernel falls back to 4 KiB faults otherwise. */
static void test_huge_hint_follows_offset(void **state)
{
	const char *path = tc_make_file(tc_path("huge-off"), 4096, 0);
	struct syncmap *m = NULL;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	(void)state;
	UT_NEEDS_INSN();
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 64 * 1024, 4u << 20, 0, &m), 0);
	close(fd);
	assert_true(syncmap_is_sync(m));
	assert_int_equal((uintptr_t)syncmap_addr(m) % (2u << 20), 64 * 1024);
	syncmap_close(m);
}

/* What the library's diagnosis says about a file; the refusal of an
 * open must report exactly this. */
static enum syncmap_cause diagnosis(const char *path, char *advice, size_t size)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct sm_facts *f = malloc(sizeof(*f));
	enum syncmap_cause c;

	assert_true(fd >= 0);
	assert_non_null(f);
	advice[0] = '\0';
	assert_int_equal(sm_facts_gather(fd, f), 0);
	c = sm_classify(f, advice, size);
	free(f);
	close(fd);
	return c;
}

/* Causes that explain a refusal of MAP_SYNC by the file or the machine. */
static bool is_refusal_cause(enum syncmap_cause c)
{
	switch (c) {
	case SYNCMAP_CAUSE_NOT_DAX:
	case SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED:
	case SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET:
	case SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE:
	case SYNCMAP_CAUSE_DEVICE_NOT_DAX:
	case SYNCMAP_CAUSE_NAMESPACE_RAW:
	case SYNCMAP_CAUSE_NOT_SYNCHRONOUS:
	case SYNCMAP_CAUSE_NO_NVDIMM_BUS:
		return true;
	default:
		return false;
	}
}

static void test_eopnotsupp(void **state)
{
	struct ut_snap s = ut_snap();
	char advice[SM_ADVICE_MAX];
	enum syncmap_cause want;
	struct syncmap *m;
	unsigned char *p;
	int err;

	(void)state;
	mock.validate_errno = EOPNOTSUPP;
	m = open_file("eopnotsupp", 0, &err);
	assert_int_equal(err, 0);
	assert_non_null(m);
	assert_int_equal(mock.mmap_validate, 1);
	assert_int_equal(mock.mmap_shared, 1);
	assert_int_equal(mock.sync_without_validate, 0);
	assert_page_path(m);
	want = diagnosis(tc_path("eopnotsupp"), advice, sizeof(advice));
	assert_true(is_refusal_cause(want));
	assert_int_equal(syncmap_cause(m), want);
	assert_string_equal(syncmap_advice(m), advice);

	/* Page path: a persist is an msync. */
	p = syncmap_addr(m);
	p[5000] = 1;
	assert_int_equal(syncmap_persist(m, p + 5000, 1), 0);
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);
}

/* A fallback is announced. */
static void test_eopnotsupp_logged(void **state)
{
	struct syncmap *m;
	int err;

	(void)state;
	mock.validate_errno = EOPNOTSUPP;
	tc_log_capture(SYNCMAP_LOG_DEBUG);
	m = open_file("logged", 0, &err);
	assert_int_equal(err, 0);
	assert_true(tc_log_count_level(SYNCMAP_LOG_NOTICE) >= 1);
	assert_true(tc_log_contains("msync"));
	syncmap_close(m);
}

static void test_einval_old_kernel(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m;
	int err;

	(void)state;
	mock.validate_errno = EINVAL;
	m = open_file("old-kernel", 0, &err);
	assert_int_equal(err, 0);
	assert_non_null(m);
	/* The file's mapping, then the question of whether the kernel
	 * knows MAP_SHARED_VALIDATE at all (on a memfd). */
	assert_int_equal(mock.mmap_validate, 2);
	assert_int_equal(mock.mmap_shared, 1);
	assert_page_path(m);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_KERNEL_TOO_OLD);
	assert_string_equal(syncmap_cause_name(syncmap_cause(m)), "kernel_too_old");
	assert_non_null(strstr(syncmap_advice(m), "4.15"));
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);
}

/* Bad arguments: both mmaps say EINVAL; that is an error, not an old
 * kernel. */
/* EINVAL from a kernel that does know MAP_SHARED_VALIDATE: not an old
 * kernel, and the advice must not say it is. */
static void test_einval_new_kernel(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m;
	int err;

	(void)state;
	mock.validate_errno = EINVAL;
	mock.question_errno = EOPNOTSUPP;
	m = open_file("einval-new-kernel", 0, &err);
	assert_int_equal(err, 0);
	assert_page_path(m);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_NOT_DAX);
	assert_non_null(strstr(syncmap_advice(m), "EINVAL"));
	assert_null(strstr(syncmap_advice(m), "4.15"));
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(syncmap_open(tc_make_file(tc_path("einval-require"), FILE_SIZE, 0),
				      SYNCMAP_REQUIRE_SYNC, 0, 0, &m), -EOPNOTSUPP);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_NOT_DAX);
	assert_nothing_left(s);
}

static void test_einval_both(void **state)
{
	struct ut_snap s;
	struct syncmap *m = NULL;
	const char *path = tc_make_file(tc_path("einval-both"), FILE_SIZE, 0);

	(void)state;
	mock.validate_errno = EINVAL;
	mock.shared_errno = EINVAL;
	s = ut_snap();
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), -EINVAL);
	assert_null(m);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
	assert_true(strlen(syncmap_last_advice()) > 0);
	assert_nothing_left(s);
	assert_true(tc_exists(path));
}

/* Errors other than a refusal are returned as they are. */
static void hard_error(int validate_errno, int shared_errno, int want)
{
	struct ut_snap s;
	struct syncmap *m = NULL;
	const char *path = tc_make_file(tc_path("hard"), FILE_SIZE, 0);

	mock_reset();
	mock.validate_errno = validate_errno;
	mock.shared_errno = shared_errno;
	s = ut_snap();
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), want);
	assert_null(m);
	assert_nothing_left(s);
	assert_true(tc_exists(path));
}

static void test_eacces(void **state)
{
	(void)state;
	hard_error(EACCES, 0, -EACCES);
	/* EACCES is not a refusal of MAP_SYNC: no plain retry. */
	assert_int_equal(mock.mmap_shared, 0);
	assert_int_not_equal(syncmap_last_cause(), SYNCMAP_CAUSE_NONE);
	assert_true(strlen(syncmap_last_advice()) > 0);
}

static void test_enomem(void **state)
{
	(void)state;
	hard_error(ENOMEM, 0, -ENOMEM);
	assert_int_equal(mock.mmap_shared, 0);
	assert_true(strlen(syncmap_last_advice()) > 0);
}

static void test_enodev(void **state)
{
	(void)state;
	hard_error(ENODEV, 0, -ENODEV);
}

/* The fallback map itself fails. */
static void test_fallback_enomem(void **state)
{
	(void)state;
	hard_error(EOPNOTSUPP, ENOMEM, -ENOMEM);
	assert_int_equal(mock.mmap_shared, 1);
}

static void test_old_kernel_fallback_eacces(void **state)
{
	(void)state;
	hard_error(EINVAL, EACCES, -EACCES);
}

/* A file the failed open created is removed again. */
static void test_failure_removes_created_file(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	const char *path = tc_path("created");

	(void)state;
	unlink(path);
	mock.validate_errno = ENOMEM;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, FILE_SIZE, &m), -ENOMEM);
	assert_null(m);
	assert_false(tc_exists(path));
	assert_nothing_left(s);

	mock.validate_errno = EACCES;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_EXCL, 0640, FILE_SIZE, &m),
			 -EACCES);
	assert_false(tc_exists(path));
	assert_nothing_left(s);
}

/* A file the failed open grew is given its old size back. */
static void test_failure_restores_size(void **state)
{
	struct ut_snap s;
	struct syncmap *m = NULL;
	const char *path = tc_make_file(tc_path("grown"), 4096, 0);
	struct stat st;

	(void)state;
	mock.validate_errno = ENOMEM;
	s = ut_snap();
	assert_int_equal(syncmap_open(path, 0, 0, 3 * 4096, &m), -ENOMEM);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4096);
	assert_nothing_left(s);
}

static void test_require_eopnotsupp(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	const char *path = tc_path("require");
	char advice[SM_ADVICE_MAX];

	(void)state;
	unlink(path);
	mock.validate_errno = EOPNOTSUPP;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_REQUIRE_SYNC, 0,
				      FILE_SIZE, &m), -EOPNOTSUPP);
	assert_null(m);
	/* The same diagnosis for a file where the new one was. */
	tc_make_file(tc_path("require-twin"), FILE_SIZE, 0);
	assert_int_equal(syncmap_last_cause(),
			 diagnosis(tc_path("require-twin"), advice, sizeof(advice)));
	assert_true(is_refusal_cause(syncmap_last_cause()));
	assert_true(strlen(syncmap_last_advice()) > 0);
	/* Required means no quiet plain mapping on the side. */
	assert_int_equal(mock.mmap_shared, 0);
	assert_false(tc_exists(path));
	assert_nothing_left(s);
}

static void test_require_old_kernel(void **state)
{
	struct ut_snap s;
	struct syncmap *m = NULL;
	const char *path = tc_make_file(tc_path("require-old"), FILE_SIZE, 0);

	(void)state;
	mock.validate_errno = EINVAL;
	s = ut_snap();
	assert_int_equal(syncmap_open(path, SYNCMAP_REQUIRE_SYNC, 0, 0, &m), -EOPNOTSUPP);
	assert_null(m);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_KERNEL_TOO_OLD);
	assert_true(strlen(syncmap_last_advice()) > 0);
	assert_nothing_left(s);
}

static void test_forbid(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m;
	int err;

	(void)state;
	m = open_file("forbid", SYNCMAP_FORBID_SYNC, &err);
	assert_int_equal(err, 0);
	/* MAP_SYNC is never even tried. */
	assert_int_equal(mock.mmap_validate, 0);
	assert_int_equal(mock.mmap_shared, 1);
	assert_page_path(m);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_FORBIDDEN);
	assert_string_equal(syncmap_cause_name(syncmap_cause(m)), "map_sync_forbidden");
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);
}

static void test_rdonly(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m;
	const unsigned char *p;
	int err;

	(void)state;
	m = open_file("rdonly", SYNCMAP_RDONLY, &err);
	assert_int_equal(err, 0);
	assert_int_equal(mock.mmap_validate, 0);
	assert_page_path(m);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_READ_ONLY);
	p = syncmap_addr(m);
	assert_int_equal(p[4097], tc_pattern(0, 4097));
	assert_int_equal(syncmap_persist(m, p, 1), -EBADF);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_READ_ONLY);
	assert_int_equal(mock.msync_calls, 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);
}

/* A failed plain MAP_SHARED mapping (after a refusal, or with
 * FORBID_SYNC) explains itself like every other failure. */
static void fallback_failure(unsigned flags)
{
	struct syncmap *m = NULL;

	mock_reset();
	mock.validate_errno = EOPNOTSUPP;
	mock.shared_errno = ENOMEM;
	assert_int_equal(syncmap_open(tc_make_file(tc_path("fbfail"), 8192, 0), flags, 0, 0, &m), -ENOMEM);
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

/* RESIZE to a smaller size: a failed open must not have shrunk the file
 * and lost the data past the new size. */
static void test_failed_resize_keeps_data(void **state)
{
	const char *path = tc_make_file(tc_path("shrink"), 4 * 4096, 0);
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
	assert_int_equal(c, tc_pattern(0, 3 * 4096 + 5));
	close(fd);
}

/* No memory for the handle: the descriptor is closed and a created file
 * removed. */
static void test_out_of_memory(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	const char *path = tc_path("oom");

	(void)state;
	unlink(path);
	mock.calloc_fail = 1;
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, FILE_SIZE, &m), -ENOMEM);
	assert_null(m);
	assert_false(tc_exists(path));
	assert_true(strlen(syncmap_last_advice()) > 0);
	assert_nothing_left(s);
	assert_int_equal(syncmap_open(tc_make_file(tc_path("oom2"), FILE_SIZE, 0), 0, 0, 0, &m), -ENOMEM);
	assert_nothing_left(s);
}

/* An open that succeeds holds exactly one handle, freed by close. */
static void test_close_frees(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	struct syncmap_batch *b = NULL;

	(void)state;
	assert_int_equal(syncmap_open(tc_make_file(tc_path("handle"), FILE_SIZE, 0), 0, 0, 0, &m), 0);
	assert_int_equal(mock.live_allocs, s.allocs + 1);
	assert_int_equal(tc_count_fds(), s.fds + 1);
	assert_int_equal(mock.live_maps, s.maps + 1);
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	assert_int_equal(mock.live_allocs, s.allocs + 2);
	syncmap_batch_free(b);
	mock.calloc_fail = 1;
	assert_int_equal(syncmap_batch_new(m, 0, &b), -ENOMEM);
	mock.calloc_fail = 0;
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);
}

/* Prefault: MADV_POPULATE_*, or on kernels without it (EINVAL) a touch
 * of every page that changes nothing. */
static void prefault(unsigned flags, int madvise_errno)
{
	struct syncmap *m = NULL;
	const uint8_t *p;

	mock_reset();
	mock.madvise_errno = madvise_errno;
	assert_int_equal(syncmap_open(tc_make_file(tc_path("prefault"), 16 * 4096, 0),
				      flags | SYNCMAP_PREFAULT, 0, 0, &m), 0);
	assert_int_equal(mock.madvise_calls, 1);
	assert_int_equal(mock.madvise_advice, (flags & SYNCMAP_RDONLY) ?
			 MADV_POPULATE_READ : MADV_POPULATE_WRITE);
	p = syncmap_addr(m);
	for (size_t i = 0; i < 16 * 4096; i += 511)
		assert_int_equal(p[i], tc_pattern(0, i));
	syncmap_close(m);
}

static void test_prefault(void **state)
{
	(void)state;
	prefault(0, 0);
	prefault(SYNCMAP_RDONLY, 0);
	prefault(SYNCMAP_FORBID_SYNC, EINVAL);
	prefault(0, EINVAL);
	prefault(SYNCMAP_RDONLY, EINVAL);
}

/* Many failing opens in a row: nothing accumulates. */
static void test_repeated_failures_leak_nothing(void **state)
{
	struct ut_snap s;
	struct syncmap *m = NULL;
	const char *path = tc_make_file(tc_path("repeat"), FILE_SIZE, 0);
	static const int answers[][2] = {
		{ EACCES, 0 }, { ENOMEM, 0 }, { EINVAL, EINVAL },
		{ EOPNOTSUPP, ENOMEM }, { EAGAIN, 0 },
	};

	(void)state;
	s = ut_snap();
	for (int i = 0; i < 100; i++) {
		mock.validate_errno = answers[i % 5][0];
		mock.shared_errno = answers[i % 5][1];
		assert_true(syncmap_open(path, 0, 0, 0, &m) < 0);
	}
	assert_nothing_left(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_granted, ut_setup),
		cmocka_unit_test_setup(test_granted_require, ut_setup),
		cmocka_unit_test_setup(test_granted_huge_aligned, ut_setup),
		cmocka_unit_test_setup(test_huge_hint_follows_offset, ut_setup),
		cmocka_unit_test_setup(test_eopnotsupp, ut_setup),
		cmocka_unit_test_setup(test_eopnotsupp_logged, ut_setup),
		cmocka_unit_test_setup(test_einval_old_kernel, ut_setup),
		cmocka_unit_test_setup(test_einval_new_kernel, ut_setup),
		cmocka_unit_test_setup(test_einval_both, ut_setup),
		cmocka_unit_test_setup(test_eacces, ut_setup),
		cmocka_unit_test_setup(test_enomem, ut_setup),
		cmocka_unit_test_setup(test_enodev, ut_setup),
		cmocka_unit_test_setup(test_fallback_enomem, ut_setup),
		cmocka_unit_test_setup(test_old_kernel_fallback_eacces, ut_setup),
		cmocka_unit_test_setup(test_failure_removes_created_file, ut_setup),
		cmocka_unit_test_setup(test_failure_restores_size, ut_setup),
		cmocka_unit_test_setup(test_require_eopnotsupp, ut_setup),
		cmocka_unit_test_setup(test_require_old_kernel, ut_setup),
		cmocka_unit_test_setup(test_forbid, ut_setup),
		cmocka_unit_test_setup(test_rdonly, ut_setup),
		cmocka_unit_test_setup(test_fallback_failure_explained, ut_setup),
		cmocka_unit_test_setup(test_forbid_failure_explained, ut_setup),
		cmocka_unit_test_setup(test_failed_resize_keeps_data, ut_setup),
		cmocka_unit_test_setup(test_out_of_memory, ut_setup),
		cmocka_unit_test_setup(test_close_frees, ut_setup),
		cmocka_unit_test_setup(test_prefault, ut_setup),
		cmocka_unit_test_setup(test_repeated_failures_leak_nothing, ut_setup),
	};

	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
