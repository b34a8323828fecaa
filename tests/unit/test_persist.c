/* SPDX-License-Identifier: MIT */
/*
 * Persisting: ranges outside the mapping are refused before anything is
 * touched, zero length is a no-op, and on the page path msync errors come
 * back to the caller (EIO with advice) while EINTR is retried.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

#define PAGES 16
#define LEN ((size_t)PAGES * 4096)

static struct syncmap *open_page_path(void)
{
	struct syncmap *m = NULL;

	assert_int_equal(syncmap_open(tc_make_file(tc_path("page"), LEN, 0), SYNCMAP_FORBID_SYNC, 0, 0, &m), 0);
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
	return m;
}

static struct syncmap *open_cache_line_path(void)
{
	struct syncmap *m = NULL;

	UT_NEEDS_INSN();
	assert_int_equal(syncmap_open(tc_make_file(tc_path("line"), LEN, 0), 0, 0, 0, &m), 0);
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	return m;
}

/* Every entry point that takes a range refuses this one with -EINVAL,
 * says why, and makes no syscall. */
static void assert_refused(struct syncmap *m, const void *addr, size_t len)
{
	struct syncmap_batch *b = NULL;
	int calls = mock.msync_calls + mock.sfr_calls + mock.fdatasync_calls;
	char src[8] = { 0 };

	assert_int_equal(syncmap_persist(m, addr, len), -EINVAL);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
	assert_non_null(strstr(syncmap_last_advice(), "not inside"));
	assert_int_equal(syncmap_flush(m, addr, len), -EINVAL);
	assert_int_equal(syncmap_deep_flush(m, addr, len), -EINVAL);
	assert_int_equal(syncmap_batch_new(m, 4, &b), 0);
	assert_int_equal(syncmap_batch_add(b, addr, len), -EINVAL);
	assert_int_equal(syncmap_batch_commit(b), 0);
	syncmap_batch_free(b);
	/* The copies must refuse before writing: a copy to these ranges
	 * would corrupt memory.  Only lengths a source can back. */
	if (len <= sizeof(src)) {
		assert_int_equal(syncmap_memcpy(m, (void *)addr, src, len, 0), -EINVAL);
		assert_int_equal(syncmap_memset(m, (void *)addr, 0, len, 0), -EINVAL);
	}
	assert_int_equal(mock.msync_calls + mock.sfr_calls + mock.fdatasync_calls, calls);
}

static void check_ranges(struct syncmap *m)
{
	uint8_t *base = syncmap_addr(m);
	size_t len = syncmap_length(m);

	assert_refused(m, base - 1, 1);			/* before */
	assert_refused(m, base - 4096, 8192);		/* straddles the start */
	assert_refused(m, base + len, 1);		/* just past the end */
	assert_refused(m, base + len - 1, 2);		/* overlaps the end */
	assert_refused(m, base, len + 1);		/* one byte too long */
	assert_refused(m, base + len + 4096, 1);	/* far past */
	assert_refused(m, NULL, 1);
	assert_refused(m, base + 8, SIZE_MAX);		/* end wraps around */
	assert_refused(m, base + 8, SIZE_MAX - 7);	/* end wraps to 0 */
	assert_refused(m, (void *)UINTPTR_MAX, 2);
	assert_refused(m, (void *)(UINTPTR_MAX - 4), 8);
}

static void test_ranges_page_path(void **state)
{
	struct syncmap *m = open_page_path();

	(void)state;
	check_ranges(m);
	syncmap_close(m);
}

static void test_ranges_cache_line_path(void **state)
{
	struct syncmap *m = open_cache_line_path();

	(void)state;
	check_ranges(m);
	syncmap_close(m);
}

/* The edges themselves are inside. */
static void test_ranges_edges_accepted(void **state)
{
	struct syncmap *m = open_page_path();
	uint8_t *base = syncmap_addr(m);

	(void)state;
	assert_int_equal(syncmap_persist(m, base, LEN), 0);
	assert_int_equal(syncmap_persist(m, base, 1), 0);
	assert_int_equal(syncmap_persist(m, base + LEN - 1, 1), 0);
	assert_int_equal(mock.msync_calls, 3);
	syncmap_close(m);
}

static void test_zero_length_noop(void **state)
{
	struct syncmap *m = open_page_path();
	uint8_t *base = syncmap_addr(m);
	struct syncmap_batch *b;

	(void)state;
	assert_int_equal(syncmap_persist(m, base, 0), 0);
	assert_int_equal(syncmap_persist(m, base + LEN, 0), 0);
	assert_int_equal(syncmap_flush(m, base + 10, 0), 0);
	assert_int_equal(syncmap_memcpy(m, base, "x", 0, 0), 0);
	assert_int_equal(syncmap_memset(m, base, 0, 0, 0), 0);
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	assert_int_equal(syncmap_batch_add(b, base, 0), 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	syncmap_batch_free(b);
	assert_int_equal(mock.msync_calls, 0);
	assert_int_equal(mock.sfr_calls, 0);
	assert_int_equal(mock.fdatasync_calls, 0);
	syncmap_close(m);
}

static void test_null_mapping(void **state)
{
	char c = 0;

	(void)state;
	assert_int_equal(syncmap_persist(NULL, &c, 1), -EINVAL);
	assert_int_equal(syncmap_flush(NULL, &c, 1), -EINVAL);
	assert_int_equal(syncmap_drain(NULL), -EINVAL);
	assert_int_equal(syncmap_memcpy(NULL, &c, &c, 1, 0), -EINVAL);
	assert_int_equal(syncmap_memset(NULL, &c, 0, 1, 0), -EINVAL);
	assert_int_equal(syncmap_close(NULL), 0);
	assert_null(syncmap_addr(NULL));
	assert_int_equal(syncmap_length(NULL), 0);
}

/* msync covers exactly the pages under the range. */
static void test_msync_page_rounding(void **state)
{
	struct syncmap *m = open_page_path();
	uintptr_t base = (uintptr_t)syncmap_addr(m);

	(void)state;
	assert_int_equal(syncmap_persist(m, (void *)(base + 5000), 10), 0);
	assert_int_equal(mock.msync_addr, base + 4096);
	assert_int_equal(mock.msync_len, 4096);
	assert_int_equal(syncmap_persist(m, (void *)(base + 4090), 10), 0);
	assert_int_equal(mock.msync_addr, base);
	assert_int_equal(mock.msync_len, 8192);
	assert_int_equal(syncmap_persist(m, (void *)(base + 8192), 4096), 0);
	assert_int_equal(mock.msync_addr, base + 8192);
	assert_int_equal(mock.msync_len, 4096);
	syncmap_close(m);
}

static void test_msync_eio(void **state)
{
	struct syncmap *m = open_page_path();
	uint8_t *base = syncmap_addr(m);

	(void)state;
	mock.msync_errno = EIO;
	base[3] = 9;
	assert_int_equal(syncmap_persist(m, base + 3, 1), -EIO);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
	assert_non_null(strstr(syncmap_last_advice(), "msync"));
	assert_non_null(strstr(syncmap_last_advice(), "again"));
	/* Not retried: an EIO is an answer. */
	assert_int_equal(mock.msync_calls, 1);
	/* The copies report it too. */
	assert_int_equal(syncmap_memcpy(m, base, "abc", 3, 0), -EIO);
	assert_int_equal(syncmap_memset(m, base, 1, 3, 0), -EIO);
	mock.msync_errno = ENOMEM;
	assert_int_equal(syncmap_persist(m, base, 1), -ENOMEM);
	/* The mapping is still usable once the error clears. */
	mock.msync_errno = 0;
	assert_int_equal(syncmap_persist(m, base, 1), 0);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_msync_eintr_retried(void **state)
{
	struct syncmap *m = open_page_path();
	uint8_t *base = syncmap_addr(m);

	(void)state;
	mock.msync_eintr = 3;
	assert_int_equal(syncmap_persist(m, base + 4096, 100), 0);
	assert_int_equal(mock.msync_calls, 4);
	mock.msync_eintr = 2;
	mock.msync_errno = EIO;
	assert_int_equal(syncmap_persist(m, base, 1), -EIO);
	assert_int_equal(mock.msync_calls, 7);
	syncmap_close(m);
}

/* Page path flush/drain: write-back per flush, one fdatasync per drain. */
static void test_flush_drain_page_path(void **state)
{
	struct syncmap *m = open_page_path();
	uint8_t *base = syncmap_addr(m);

	(void)state;
	assert_int_equal(syncmap_flush(m, base + 10, 10), 0);
	assert_int_equal(syncmap_flush(m, base + 3 * 4096 + 1, 4096), 0);
	assert_int_equal(mock.sfr_calls, 2);
	assert_int_equal(mock.sfr[0].off, 0);
	assert_int_equal(mock.sfr[0].len, 4096);
	assert_int_equal(mock.sfr[1].off, 3 * 4096);
	assert_int_equal(mock.sfr[1].len, 2 * 4096);
	assert_int_equal(mock.fdatasync_calls, 0);
	assert_int_equal(syncmap_drain(m), 0);
	assert_int_equal(mock.fdatasync_calls, 1);
	assert_int_equal(mock.msync_calls, 0);

	mock.fdatasync_errno = EIO;
	assert_int_equal(syncmap_drain(m), -EIO);
	assert_non_null(strstr(syncmap_last_advice(), "fdatasync"));
	mock.sfr_errno = EIO;
	assert_int_equal(syncmap_flush(m, base, 1), -EIO);
	syncmap_close(m);
}

static void test_flush_drain_cache_line_path(void **state)
{
	struct syncmap *m = open_cache_line_path();
	uint8_t *base = syncmap_addr(m);

	(void)state;
	memset(base, 0x11, LEN);
	assert_int_equal(syncmap_flush(m, base, LEN), 0);
	assert_int_equal(syncmap_flush(m, base + 63, 2), 0);
	assert_int_equal(syncmap_drain(m), 0);
	assert_int_equal(syncmap_memcpy(m, base + 1, "hello", 5, 0), 0);
	assert_int_equal(syncmap_memset(m, base + 4000, 7, 300, SYNCMAP_COPY_NODRAIN), 0);
	assert_memory_equal(base + 1, "hello", 5);
	assert_int_equal(base[4299], 7);
	assert_int_equal(mock.msync_calls + mock.sfr_calls + mock.fdatasync_calls, 0);
	syncmap_close(m);
}

/* The page path copies and persists with exactly one msync. */
static void test_copies_page_path(void **state)
{
	struct syncmap *m = open_page_path();
	uint8_t *base = syncmap_addr(m);
	char buf[100];

	(void)state;
	memset(buf, 'q', sizeof(buf));
	assert_int_equal(syncmap_memcpy(m, base + 4000, buf, sizeof(buf), 0), 0);
	assert_memory_equal(base + 4000, buf, sizeof(buf));
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(mock.msync_addr, (uintptr_t)base);
	assert_int_equal(mock.msync_len, 8192);
	assert_int_equal(syncmap_memset(m, base + 9000, 'z', 10, 0), 0);
	assert_int_equal(base[9009], 'z');
	assert_int_equal(mock.msync_calls, 2);
	/* NODRAIN: write-back started, no msync, the drain is the caller's. */
	assert_int_equal(syncmap_memset(m, base, 'n', 10, SYNCMAP_COPY_NODRAIN), 0);
	assert_int_equal(mock.msync_calls, 2);
	assert_int_equal(mock.sfr_calls, 1);
	/* Overlapping copies behave like memmove. */
	memcpy(base, "abcdef", 6);
	assert_int_equal(syncmap_memcpy(m, base + 2, base, 4, 0), 0);
	assert_memory_equal(base, "ababcd", 6);
	assert_int_equal(syncmap_memcpy(m, base, "x", 1, 1U << 5), -EINVAL);
	assert_int_equal(syncmap_memcpy(m, base, NULL, 1, 0), -EINVAL);
	syncmap_close(m);
}

static void test_readonly_refuses_persist(void **state)
{
	struct syncmap *m = NULL;
	uint8_t *base;

	(void)state;
	assert_int_equal(syncmap_open(tc_make_file(tc_path("ro"), LEN, 0), SYNCMAP_RDONLY, 0, 0, &m), 0);
	base = syncmap_addr(m);
	assert_int_equal(syncmap_persist(m, base, 1), -EBADF);
	assert_int_equal(syncmap_flush(m, base, 1), -EBADF);
	assert_int_equal(syncmap_drain(m), -EBADF);
	assert_int_equal(syncmap_memset(m, base, 0, 1, 0), -EBADF);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_READ_ONLY);
	assert_int_equal(base[0], tc_pattern(0, 0));
	assert_int_equal(mock.msync_calls + mock.sfr_calls + mock.fdatasync_calls, 0);
	syncmap_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ranges_page_path, ut_setup),
		cmocka_unit_test_setup(test_ranges_cache_line_path, ut_setup),
		cmocka_unit_test_setup(test_ranges_edges_accepted, ut_setup),
		cmocka_unit_test_setup(test_zero_length_noop, ut_setup),
		cmocka_unit_test_setup(test_null_mapping, ut_setup),
		cmocka_unit_test_setup(test_msync_page_rounding, ut_setup),
		cmocka_unit_test_setup(test_msync_eio, ut_setup),
		cmocka_unit_test_setup(test_msync_eintr_retried, ut_setup),
		cmocka_unit_test_setup(test_flush_drain_page_path, ut_setup),
		cmocka_unit_test_setup(test_flush_drain_cache_line_path, ut_setup),
		cmocka_unit_test_setup(test_copies_page_path, ut_setup),
		cmocka_unit_test_setup(test_readonly_refuses_persist, ut_setup),
	};

	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
