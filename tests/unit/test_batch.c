/* SPDX-License-Identifier: MIT */
/*
 * Batches: the coalescing of ranges into page runs, and what a commit
 * costs in syscalls on each path (page path: one sync_file_range per
 * merged run and one fdatasync; cache-line path: none).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

#define PG 4096u
#define PAGES 64
#define LEN ((size_t)PAGES * PG)

static size_t coalesce(struct sm_range *r, size_t n)
{
	return sm_ranges_coalesce(r, n, PG);
}

static void assert_range(const struct sm_range *r, uintptr_t start, uintptr_t end)
{
	assert_int_equal(r->start, start);
	assert_int_equal(r->end, end);
}

static void test_coalesce_one(void **state)
{
	struct sm_range r[] = { { 10, 20 } };

	(void)state;
	assert_int_equal(coalesce(r, 1), 1);
	assert_range(&r[0], 0, PG);
}

static void test_coalesce_none(void **state)
{
	struct sm_range r[1] = { { 5, 6 } };

	(void)state;
	assert_int_equal(coalesce(r, 0), 0);
}

static void test_coalesce_page_rounding(void **state)
{
	struct sm_range r[] = { { PG + 1, 3 * PG - 1 } };
	struct sm_range exact[] = { { 2 * PG, 3 * PG } };

	(void)state;
	assert_int_equal(coalesce(r, 1), 1);
	assert_range(&r[0], PG, 3 * PG);
	/* Already aligned: unchanged, not grown by a page. */
	assert_int_equal(coalesce(exact, 1), 1);
	assert_range(&exact[0], 2 * PG, 3 * PG);
}

static void test_coalesce_adjacent(void **state)
{
	struct sm_range r[] = { { 0, PG }, { PG, 2 * PG } };
	/* Adjacent only once rounded to pages. */
	struct sm_range q[] = { { 100, 200 }, { PG + 100, PG + 200 } };

	(void)state;
	assert_int_equal(coalesce(r, 2), 1);
	assert_range(&r[0], 0, 2 * PG);
	assert_int_equal(coalesce(q, 2), 1);
	assert_range(&q[0], 0, 2 * PG);
}

static void test_coalesce_overlapping(void **state)
{
	struct sm_range r[] = { { 0, 6000 }, { 5000, 9000 } };

	(void)state;
	assert_int_equal(coalesce(r, 2), 1);
	assert_range(&r[0], 0, 3 * PG);
}

static void test_coalesce_contained(void **state)
{
	struct sm_range r[] = { { PG, 5 * PG }, { 2 * PG + 7, 3 * PG }, { PG, 2 * PG } };

	(void)state;
	assert_int_equal(coalesce(r, 3), 1);
	assert_range(&r[0], PG, 5 * PG);
}

static void test_coalesce_gap_kept(void **state)
{
	/* One untouched page between: two runs. */
	struct sm_range r[] = { { 0, 10 }, { 2 * PG, 2 * PG + 8 } };

	(void)state;
	assert_int_equal(coalesce(r, 2), 2);
	assert_range(&r[0], 0, PG);
	assert_range(&r[1], 2 * PG, 3 * PG);
}

static void test_coalesce_unsorted(void **state)
{
	struct sm_range r[] = {
		{ 40 * PG, 40 * PG + 1 }, { 0, 10 }, { 20 * PG + 5, 20 * PG + 9 },
		{ 10 * PG, 11 * PG }, { 9 * PG, 10 * PG },
	};

	(void)state;
	assert_int_equal(coalesce(r, 5), 4);
	assert_range(&r[0], 0, PG);
	assert_range(&r[1], 9 * PG, 11 * PG);
	assert_range(&r[2], 20 * PG, 21 * PG);
	assert_range(&r[3], 40 * PG, 41 * PG);
}

/* Random ranges against a page bitmap: the result is sorted, page
 * aligned, disjoint, never adjacent, and covers exactly the same pages. */
static void test_coalesce_random(void **state)
{
	enum { NPAGES = 300, N = 200 };
	struct sm_range r[N];
	unsigned char want[NPAGES], got[NPAGES];

	(void)state;
	srand(12345);
	for (int round = 0; round < 500; round++) {
		size_t n = (size_t)(rand() % N) + 1, out;

		memset(want, 0, sizeof(want));
		memset(got, 0, sizeof(got));
		for (size_t i = 0; i < n; i++) {
			uintptr_t s = (uintptr_t)(rand() % ((NPAGES - 10) * PG));
			uintptr_t len = (uintptr_t)(rand() % (8 * PG)) + 1;

			r[i].start = s;
			r[i].end = s + len;
			for (uintptr_t p = s / PG; p <= (s + len - 1) / PG; p++)
				want[p] = 1;
		}
		out = coalesce(r, n);
		assert_true(out >= 1 && out <= n);
		for (size_t i = 0; i < out; i++) {
			assert_int_equal(r[i].start % PG, 0);
			assert_int_equal(r[i].end % PG, 0);
			assert_true(r[i].start < r[i].end);
			if (i > 0)
				assert_true(r[i].start > r[i - 1].end);
			for (uintptr_t p = r[i].start / PG; p < r[i].end / PG; p++)
				got[p] = 1;
		}
		assert_memory_equal(got, want, sizeof(want));
	}
}

/* ---- batches on a mapping */

static struct syncmap *open_page_path(const char *name)
{
	struct syncmap *m = NULL;

	assert_int_equal(syncmap_open(tc_make_file(tc_path(name), LEN, 0), SYNCMAP_FORBID_SYNC, 0, 0, &m), 0);
	return m;
}

static int sfr_covers(uint64_t off, uint64_t len)
{
	for (int i = 0; i < mock.sfr_calls && i < MOCK_MAX_RANGES; i++)
		if (mock.sfr[i].off <= off && off + len <= mock.sfr[i].off + mock.sfr[i].len)
			return 1;
	return 0;
}

static void test_commit_page_path(void **state)
{
	struct syncmap *m = open_page_path("commit");
	struct syncmap_batch *b;
	uint8_t *p = syncmap_addr(m);
	unsigned char c;
	int fd;

	(void)state;
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	p[10] = 'a';
	assert_int_equal(syncmap_batch_add(b, p + 10, 10), 0);
	assert_int_equal(syncmap_batch_add(b, p + PG, 5), 0);		/* adjacent */
	assert_int_equal(syncmap_batch_add(b, p + 5 * PG + 9, 100), 0);
	assert_int_equal(syncmap_batch_add(b, p + 5 * PG, 50), 0);	/* overlaps */
	assert_int_equal(syncmap_batch_add(b, p + 12 * PG - 1, PG + 2), 0); /* 11..13 */
	assert_int_equal(syncmap_batch_add(b, p + 11 * PG, 1), 0);	/* inside */
	/* Nothing happens until the commit. */
	assert_int_equal(mock.sfr_calls + mock.fdatasync_calls + mock.msync_calls, 0);
	/* One msync from the first page to the last (pages 0..13), not an
	 * fdatasync of the whole file, and no write-back call per run. */
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(mock.msync_addr, (uintptr_t)p);
	assert_int_equal(mock.msync_len, 14 * PG);
	assert_int_equal(mock.fdatasync_calls, 0);
	assert_int_equal(mock.sfr_calls, 0);

	/* A commit with nothing new does nothing. */
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(mock.fdatasync_calls + mock.sfr_calls, 0);

	fd = open(tc_path("commit"), O_RDONLY);
	assert_int_equal(pread(fd, &c, 1, 10), 1);
	assert_int_equal(c, 'a');
	close(fd);
	syncmap_batch_free(b);
	syncmap_close(m);
}

/* 64 single pages added in reverse order: one run, one msync. */
static void test_commit_64_pages_one_run(void **state)
{
	struct syncmap *m = open_page_path("run");
	struct syncmap_batch *b;
	uint8_t *p = syncmap_addr(m);

	(void)state;
	assert_int_equal(syncmap_batch_new(m, PAGES, &b), 0);
	for (int i = PAGES - 1; i >= 0; i--)
		assert_int_equal(syncmap_batch_add(b, p + (size_t)i * PG + 17, 1), 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(mock.msync_addr, (uintptr_t)p);
	assert_int_equal(mock.msync_len, LEN);
	assert_int_equal(mock.fdatasync_calls + mock.sfr_calls, 0);
	syncmap_batch_free(b);
	syncmap_close(m);
}

/* More disjoint ranges than the batch holds: write-back starts early,
 * and the commit syncs once, over a span that covers every range. */
static void test_commit_over_capacity(void **state)
{
	struct syncmap *m = open_page_path("overcap");
	struct syncmap_batch *b;
	uint8_t *p = syncmap_addr(m);

	(void)state;
	assert_int_equal(syncmap_batch_new(m, 2, &b), 0);
	for (int i = 0; i < 9; i++)
		assert_int_equal(syncmap_batch_add(b, p + (size_t)(i * 3) * PG, 8), 0);
	assert_int_equal(mock.fdatasync_calls + mock.msync_calls, 0);
	assert_true(mock.sfr_calls >= 1);
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.fdatasync_calls, 0);
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(mock.msync_addr, (uintptr_t)p);
	assert_true(mock.msync_len >= 25 * PG);
	assert_true(mock.sfr_calls >= 2);
	/* What was written back early is the ranges added before the overflow. */
	for (int i = 0; i < 2; i++)
		assert_true(sfr_covers((uint64_t)(i * 3) * PG, PG));
	for (int i = 0; i < mock.sfr_calls; i++) {
		assert_int_equal(mock.sfr[i].off % PG, 0);
		assert_int_equal(mock.sfr[i].len % PG, 0);
	}
	syncmap_batch_free(b);
	syncmap_close(m);
}

/* Ranges that merge make room: a small batch need not write back early. */
static void test_commit_small_capacity_merging(void **state)
{
	struct syncmap *m = open_page_path("merge");
	struct syncmap_batch *b;
	uint8_t *p = syncmap_addr(m);

	(void)state;
	assert_int_equal(syncmap_batch_new(m, 2, &b), 0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(syncmap_batch_add(b, p + 3 * PG + (size_t)i * 100, 10), 0);
	assert_int_equal(mock.sfr_calls, 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.sfr_calls, 0);
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(mock.msync_addr, (uintptr_t)(p + 3 * PG));
	assert_int_equal(mock.msync_len, PG);
	assert_int_equal(mock.fdatasync_calls, 0);
	syncmap_batch_free(b);
	syncmap_close(m);
}

/* A mapping at a file offset: its commit syncs its own pages, and what
 * an overflow writes back early is at file offsets. */
static void test_commit_file_offset(void **state)
{
	const char *path = tc_make_file(tc_path("offset"), LEN, 0);
	struct syncmap *m = NULL;
	struct syncmap_batch *b;
	uint8_t *p;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 8 * PG, 4 * PG, SYNCMAP_FORBID_SYNC, &m), 0);
	close(fd);
	p = syncmap_addr(m);
	assert_int_equal(p[0], tc_pattern(0, 8 * PG));
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	assert_int_equal(syncmap_batch_add(b, p + PG + 3, 2), 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.msync_calls, 1);
	assert_int_equal(mock.msync_addr, (uintptr_t)(p + PG));
	assert_int_equal(mock.msync_len, PG);
	syncmap_batch_free(b);
	assert_int_equal(syncmap_batch_new(m, 1, &b), 0);
	assert_int_equal(syncmap_batch_add(b, p + PG, 1), 0);
	assert_int_equal(syncmap_batch_add(b, p + 3 * PG, 1), 0);
	assert_int_equal(mock.sfr_calls, 1);
	assert_int_equal(mock.sfr[0].off, 9 * PG);
	assert_int_equal(mock.sfr[0].len, PG);
	syncmap_batch_free(b);
	syncmap_close(m);
}

static void test_commit_errors(void **state)
{
	struct syncmap *m = open_page_path("errors");
	struct syncmap_batch *b;
	uint8_t *p = syncmap_addr(m);

	(void)state;
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	assert_int_equal(syncmap_batch_add(b, p, 1), 0);
	mock.msync_errno = EIO;
	assert_int_equal(syncmap_batch_commit(b), -EIO);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
	assert_non_null(strstr(syncmap_last_advice(), "commit it again"));
	/* The failed batch is emptied: committing again syncs nothing. */
	mock_reset();
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.fdatasync_calls + mock.sfr_calls + mock.msync_calls, 0);
	syncmap_batch_free(b);

	/* An overflow whose early write-back fails refuses the range. */
	assert_int_equal(syncmap_batch_new(m, 1, &b), 0);
	assert_int_equal(syncmap_batch_add(b, p + PG, 1), 0);
	mock.sfr_errno = EIO;
	assert_int_equal(syncmap_batch_add(b, p + 3 * PG, 1), -EIO);
	assert_int_equal(mock.msync_calls, 0);
	syncmap_batch_free(b);
	syncmap_close(m);
}

/* Cache-line path: ranges are written back as they are added, and the
 * commit is a fence: no syscall at all. */
static void test_commit_cache_line_path(void **state)
{
	struct syncmap *m = NULL;
	struct syncmap_batch *b;
	uint8_t *p;

	(void)state;
	UT_NEEDS_INSN();
	assert_int_equal(syncmap_open(tc_make_file(tc_path("line"), LEN, 0), 0, 0, 0, &m), 0);
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	p = syncmap_addr(m);
	assert_int_equal(syncmap_batch_new(m, 2, &b), 0);
	for (int i = 0; i < PAGES; i++) {
		p[(size_t)i * PG] = (uint8_t)i;
		assert_int_equal(syncmap_batch_add(b, p + (size_t)i * PG, 1), 0);
	}
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(mock.msync_calls + mock.sfr_calls + mock.fdatasync_calls, 0);
	syncmap_batch_free(b);
	syncmap_close(m);
}

static void test_batch_arguments(void **state)
{
	struct syncmap *m = NULL;
	struct syncmap_batch *b = NULL;

	(void)state;
	assert_int_equal(syncmap_batch_new(NULL, 0, &b), -EINVAL);
	assert_null(b);
	assert_int_equal(syncmap_open(tc_make_file(tc_path("args"), LEN, 0), SYNCMAP_RDONLY, 0, 0, &m), 0);
	assert_int_equal(syncmap_batch_new(m, 0, NULL), -EINVAL);
	assert_int_equal(syncmap_batch_new(m, SIZE_MAX, &b), -EINVAL);
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	assert_int_equal(syncmap_batch_add(b, syncmap_addr(m), 1), -EBADF);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_READ_ONLY);
	assert_int_equal(syncmap_batch_add(NULL, syncmap_addr(m), 1), -EINVAL);
	assert_int_equal(syncmap_batch_commit(NULL), -EINVAL);
	syncmap_batch_free(NULL);
	syncmap_batch_free(b);
	syncmap_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coalesce_one),
		cmocka_unit_test(test_coalesce_none),
		cmocka_unit_test(test_coalesce_page_rounding),
		cmocka_unit_test(test_coalesce_adjacent),
		cmocka_unit_test(test_coalesce_overlapping),
		cmocka_unit_test(test_coalesce_contained),
		cmocka_unit_test(test_coalesce_gap_kept),
		cmocka_unit_test(test_coalesce_unsorted),
		cmocka_unit_test(test_coalesce_random),
		cmocka_unit_test_setup(test_commit_page_path, ut_setup),
		cmocka_unit_test_setup(test_commit_64_pages_one_run, ut_setup),
		cmocka_unit_test_setup(test_commit_over_capacity, ut_setup),
		cmocka_unit_test_setup(test_commit_small_capacity_merging, ut_setup),
		cmocka_unit_test_setup(test_commit_file_offset, ut_setup),
		cmocka_unit_test_setup(test_commit_errors, ut_setup),
		cmocka_unit_test_setup(test_commit_cache_line_path, ut_setup),
		cmocka_unit_test_setup(test_batch_arguments, ut_setup),
	};

	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
