/* SPDX-License-Identifier: MIT */
/*
 * Atomic batches on the journaled path (syncmap_batch_add_copy()).  A
 * child commits two batches of four pages, one apart each, and exits
 * without closing (the journal keeps the records).  The parent then makes
 * what a power cut in the middle of the second batch's journal write
 * leaves: the pages as they were before either batch (nothing written
 * back), and the second batch's last record torn (one byte of it
 * changed, so its checksum fails).  A reopen must show the first batch on
 * all four pages: the second is replayed whole or not at all, here not.
 * The control does the same with stores and a batch of ranges, whose
 * records the replay applies one by one: it must show a torn state, two
 * pages of the second batch and two of the first, or the cut did not cut
 * where the check needs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <syncmap.h>

#include "files.h"

#define PG 4096u
#define FSIZE (16u * PG)
#define NPAGES 4
#define JRECORDS 4096u		/* the journal's records start here */
#define JREC (64u + PG)		/* a record of one page: header and data */

/* path as a fresh file of FSIZE pattern bytes, with no sidecar. */
static void fresh(const char *path)
{
	unlink(path);
	unlink(tc_journal_name(path));
	tc_make_file(path, FSIZE, 3);
}

/* A fresh file opened on the journaled path, with a new batch: its address. */
static uint8_t *open_batch(const char *path, struct syncmap **m, struct syncmap_batch **b)
{
	fresh(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, m), 0);
	assert_int_equal(syncmap_batch_new(*m, 0, b), 0);
	return syncmap_addr(*m);
}

static void fill_pages(const char *path, int value)
{
	uint8_t buf[PG];
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	memset(buf, value, sizeof(buf));
	for (unsigned i = 0; i < NPAGES; i++)
		assert_int_equal(pwrite(fd, buf, PG, (off_t)(2 * i) * PG), (ssize_t)PG);
	close(fd);
}

/* One batch: page 2i of the mapping set to value, for i < NPAGES. */
static int commit_batch(struct syncmap *m, struct syncmap_batch *b, int value, bool copies)
{
	uint8_t *a = syncmap_addr(m), buf[PG];
	int r = 0;

	memset(buf, value, sizeof(buf));
	for (unsigned i = 0; i < NPAGES && r == 0; i++) {
		if (copies) {
			r = syncmap_batch_add_copy(b, a + 2 * i * PG, buf, PG);
		} else {
			memcpy(a + 2 * i * PG, buf, PG);
			r = syncmap_batch_add(b, a + 2 * i * PG, PG);
		}
	}
	return r ? r : syncmap_batch_commit(b);
}

static int wait_child(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The child: batch A (0xA1), batch B (0xB2), no close. */
static void two_batches(const char *path, bool copies)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct syncmap_batch *b;
		struct syncmap *m;

		if (syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m) ||
		    syncmap_path(m) != SYNCMAP_PATH_JOURNAL || syncmap_batch_new(m, 0, &b))
			_exit(2);
		if (commit_batch(m, b, 0xA1, copies) || commit_batch(m, b, 0xB2, copies))
			_exit(3);
		_exit(0);
	}
	assert_int_equal(wait_child(pid), 0);
}

/* Change one byte of the data of the second batch's record `rec` (0..3). */
static void tear(const char *path, unsigned rec)
{
	uint8_t c;
	off_t at = (off_t)(JRECORDS + (NPAGES + rec) * JREC + 64 + 100);
	int fd = open(tc_journal_name(path), O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0xFF;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* Run the crash with a torn last record; the pages after the reopen. */
static void crash_and_reopen(const char *path, bool copies, bool torn, int out[NPAGES])
{
	struct syncmap *m;
	const uint8_t *a;

	fresh(path);
	fill_pages(path, 0x00);
	two_batches(path, copies);
	fill_pages(path, 0xEE);		/* nothing was written back */
	if (torn)
		tear(path, NPAGES - 1);
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m), 0);
	a = syncmap_addr(m);
	for (unsigned i = 0; i < NPAGES; i++) {
		out[i] = a[2 * i * PG];
		for (unsigned k = 1; k < PG; k++)
			assert_int_equal(a[2 * i * PG + k], out[i]);
	}
	assert_int_equal(syncmap_close(m), 0);
}

static void test_whole_unit_replayed(void **state)
{
	int v[NPAGES];

	crash_and_reopen(tc_join(*state, "whole"), true, false, v);
	for (unsigned i = 0; i < NPAGES; i++)
		assert_int_equal(v[i], 0xB2);
}

static void test_torn_unit_dropped(void **state)
{
	int v[NPAGES];

	crash_and_reopen(tc_join(*state, "torn"), true, true, v);
	for (unsigned i = 0; i < NPAGES; i++)
		assert_int_equal(v[i], 0xA1);
}

/* The control: ranges, the same tear; the replay must leave it torn. */
static void test_control_ranges_torn(void **state)
{
	int v[NPAGES];

	crash_and_reopen(tc_join(*state, "control"), false, true, v);
	for (unsigned i = 0; i < NPAGES - 1; i++)
		assert_int_equal(v[i], 0xB2);
	assert_int_equal(v[NPAGES - 1], 0xA1);
}

/* Nothing reaches the mapping before the commit; the commit places it. */
static void test_placed_at_commit(void **state)
{
	const char *path = tc_join(*state, "placed");
	struct syncmap_journal_stats st;
	struct syncmap_batch *b;
	struct syncmap *m;
	uint8_t *a, buf[100];

	a = open_batch(path, &m, &b);
	memset(a, 0x11, PG);
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(syncmap_batch_add_copy(b, a + 10, buf, sizeof(buf)), 0);
	memset(buf, 0x00, sizeof(buf));		/* copied at add: src is free */
	assert_int_equal(a[10], 0x11);
	/* A batch holds copies or ranges, not both. */
	assert_int_equal(syncmap_batch_add(b, a, 64), -EINVAL);
	assert_int_equal(syncmap_batch_commit(b), 0);
	assert_int_equal(a[9], 0x11);
	assert_int_equal(a[10], 0x77);
	assert_int_equal(a[109], 0x77);
	assert_int_equal(a[110], 0x11);
	assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), 0);
	assert_int_equal(st.writes, 1);
	/* Outside the mapping. */
	assert_int_equal(syncmap_batch_add_copy(b, a + FSIZE - 10, buf, 20), -EINVAL);
	syncmap_batch_free(b);
	assert_int_equal(syncmap_close(m), 0);
}

/* Many copies of odd sizes: the batch's memory grows, each lands whole. */
static void test_many_copies(void **state)
{
	const char *path = tc_join(*state, "many");
	struct syncmap_batch *b;
	struct syncmap *m;
	uint8_t *a, buf[300];

	a = open_batch(path, &m, &b);
	for (unsigned i = 0; i < 100; i++) {
		memset(buf, (int)(i + 1), sizeof(buf));
		assert_int_equal(syncmap_batch_add_copy(b, a + i * 500 + 7, buf, 100 + i * 2), 0);
	}
	assert_int_equal(syncmap_batch_commit(b), 0);
	syncmap_batch_free(b);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m), 0);
	a = syncmap_addr(m);
	for (unsigned i = 0; i < 100; i++)
		for (unsigned k = 0; k < 100 + i * 2; k++)
			assert_int_equal(a[i * 500 + 7 + k], i + 1);
	assert_int_equal(syncmap_close(m), 0);
}

/* Two copies of one batch in one cache line: the replay keeps both. */
static void test_shared_line(void **state)
{
	const char *path = tc_join(*state, "shared");
	struct syncmap *m;
	const uint8_t *a;
	pid_t pid;

	fresh(path);
	fill_pages(path, 0x00);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const uint8_t x[20] = { [0 ... 19] = 0x5A }, y[10] = { [0 ... 9] = 0xA5 };
		struct syncmap_batch *b;

		if (syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m) || syncmap_batch_new(m, 0, &b))
			_exit(2);
		a = syncmap_addr(m);
		if (syncmap_batch_add_copy(b, (uint8_t *)a + 10, x, sizeof(x)) ||
		    syncmap_batch_add_copy(b, (uint8_t *)a + 40, y, sizeof(y)) ||
		    syncmap_batch_commit(b))
			_exit(3);
		_exit(0);	/* no close: the journal keeps the unit */
	}
	assert_int_equal(wait_child(pid), 0);
	fill_pages(path, 0xEE);		/* nothing was written back */
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m), 0);
	a = syncmap_addr(m);
	for (unsigned k = 0; k < 64; k++)
		assert_int_equal(a[k], k >= 10 && k < 30 ? 0x5A : k >= 40 && k < 50 ? 0xA5 : 0x00);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_too_large(void **state)
{
	const char *path = tc_join(*state, "large");
	static uint8_t big[1u << 20];
	struct syncmap_batch *b;
	struct syncmap *m;

	unlink(path);
	unlink(tc_journal_name(path));
	setenv("SYNCMAP_JOURNAL_SIZE", "1M", 1);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, 1u << 20, &m),
			 0);
	unsetenv("SYNCMAP_JOURNAL_SIZE");
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	memset(big, 0x5A, sizeof(big));
	assert_int_equal(syncmap_batch_add_copy(b, syncmap_addr(m), big, 512u << 10), 0);
	assert_int_equal(syncmap_batch_commit(b), -EFBIG);
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_JOURNAL_SIZE"));
	assert_int_not_equal(((uint8_t *)syncmap_addr(m))[0], 0x5A);
	syncmap_batch_free(b);
	assert_int_equal(syncmap_close(m), 0);
}

/* Elsewhere a group of bytes cannot be atomic: refused with a reason. */
static void test_page_path_refused(void **state)
{
	const char *path = tc_join(*state, "page");
	struct syncmap_batch *b;
	struct syncmap *m;
	uint8_t buf[64] = { 0 };

	unlink(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, FSIZE, &m), 0);
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	assert_int_equal(syncmap_batch_add_copy(b, syncmap_addr(m), buf, sizeof(buf)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_JOURNAL"));
	syncmap_batch_free(b);
	assert_int_equal(syncmap_close(m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_unit_replayed),
		cmocka_unit_test(test_torn_unit_dropped),
		cmocka_unit_test(test_control_ranges_torn),
		cmocka_unit_test(test_placed_at_commit),
		cmocka_unit_test(test_many_copies),
		cmocka_unit_test(test_shared_line),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_page_path_refused),
	};
	int r = cmocka_run_group_tests_name("disk", tests, tc_setup_disk_dir, NULL);

	tc_cleanup();
	return r;
}
