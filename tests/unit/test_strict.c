/* SPDX-License-Identifier: MIT */
/*
 * Strict mode, line by line: only the cache lines a persist, a drain or a
 * commit covers reach the file, with the values the model says (a flush's
 * snapshot, a persist's current one), on the page and the cache-line path;
 * a flush waits for a drain of its own thread; a close drops what was
 * never persisted; the mode says so in the cause, the advice and the log;
 * what it cannot model is refused.  The crash counter has its own file
 * (test_strict_crash.c).  Every offset is counted in lines of the size
 * the library reports (cpu_line.h), so the same properties are checked on
 * every CPU, and at other sizes with UT_CPU_LINE (cpu_line.c).
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
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "cpu_line.h"
#include "mock.h"

/* Set by group_setup(): the line, the page, and the files' size. */
static size_t line, page, len;

/* The file's bytes, as another reader of the file sees them. */
static void file_bytes(const char *path, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, n, 0), (ssize_t)n);
	close(fd);
}

/*
 * Every byte of the file equals old except the lines [from, to) of the
 * line index, which equal view.  That is the whole property: nothing
 * outside the covered lines moved, everything inside did.
 */
static void assert_lines(const char *path, const uint8_t *old, const uint8_t *view,
			 size_t from_line, size_t to_line)
{
	uint8_t *f = malloc(len);

	assert_non_null(f);
	file_bytes(path, f, len);
	for (size_t i = 0; i < len; i++) {
		size_t l = i / line;
		const uint8_t *want = l >= from_line && l < to_line ? view : old;

		if (f[i] != want[i])
			fail_msg("byte %zu (line %zu of %zu bytes): file has %u, expected %u "
				 "(lines %zu..%zu copied)", i, l, line, f[i], want[i], from_line, to_line);
	}
	free(f);
}

/* A byte range [start, end) of the file. */
struct span {
	size_t start, end;
};

/* Does the line holding byte i touch one of the n spans? */
static bool covered(size_t i, const struct span *r, size_t n)
{
	size_t l = i - i % line;

	for (size_t k = 0; k < n; k++)
		if (l < r[k].end && r[k].start < l + line)
			return true;
	return false;
}

/*
 * Every byte of the file equals view if its line touches one of the
 * spans, and old if not: the lines a persist of those spans covers, at the
 * line size of this CPU, and nothing else.
 */
static void assert_spans(const char *path, const uint8_t *old, const uint8_t *view,
			 const struct span *r, size_t n)
{
	uint8_t *f = malloc(len);

	assert_non_null(f);
	file_bytes(path, f, len);
	for (size_t i = 0; i < len; i++) {
		bool in = covered(i, r, n);

		if (f[i] != (in ? view[i] : old[i]))
			fail_msg("byte %zu (line %zu of %zu bytes) %s", i, i / line, line,
				 in ? "not copied" : "copied but not covered");
	}
	free(f);
}

struct fixture {
	const char *path;
	struct syncmap *m;
	uint8_t *view;
	uint8_t *old;
};

static void open_strict(struct fixture *x, const char *name, unsigned flags)
{
	x->path = tc_make_file(tc_path(name), len, 0);
	x->old = malloc(len);
	assert_non_null(x->old);
	file_bytes(x->path, x->old, len);
	assert_int_equal(syncmap_open(x->path, flags | SYNCMAP_STRICT, 0, 0, &x->m), 0);
	x->view = syncmap_addr(x->m);
	assert_memory_equal(x->view, x->old, len);
}

static void close_strict(struct fixture *x)
{
	assert_int_equal(syncmap_close(x->m), 0);
	free(x->old);
}

/* Store new values everywhere in the view: nothing reaches the file. */
static void scribble(struct fixture *x)
{
	for (size_t i = 0; i < len; i++)
		x->view[i] = (uint8_t)~x->old[i];
	assert_lines(x->path, x->old, x->view, 0, 0);
}

/* The paths below strict mode: page (forced), and what an open gets,
 * which is the cache-line path where the CPU has a write-back. */
static const unsigned paths[] = { SYNCMAP_FORBID_SYNC, 0 };

static void persist_copies_covered_lines(unsigned flags, enum syncmap_granularity gran)
{
	struct fixture x;

	open_strict(&x, "lines", flags);
	assert_int_equal(syncmap_granularity(x.m), gran);
	scribble(&x);
	/* One byte inside line 5: line 5 alone. */
	assert_int_equal(syncmap_persist(x.m, x.view + 5 * line + line / 4 + 1, 1), 0);
	assert_lines(x.path, x.old, x.view, 5, 6);
	/* A range from the last byte of line 6 to the first of line 8. */
	assert_int_equal(syncmap_persist(x.m, x.view + 7 * line - 1, line + 2), 0);
	assert_lines(x.path, x.old, x.view, 5, 9);
	close_strict(&x);
}

static void test_persist_copies_covered_lines(void **state)
{
	(void)state;
	persist_copies_covered_lines(SYNCMAP_FORBID_SYNC, SYNCMAP_GRAN_PAGE);
}

/* The same over the cache-line path, which a CPU without a write-back
 * instruction (s390x) does not have: skipped there, visibly. */
static void test_persist_copies_covered_lines_cache_line(void **state)
{
	(void)state;
	UT_NEEDS_INSN();
	persist_copies_covered_lines(0, SYNCMAP_GRAN_CACHE_LINE);
}

static void test_range_across_pages(void **state)
{
	struct fixture x;

	(void)state;
	open_strict(&x, "pages", SYNCMAP_FORBID_SYNC);
	scribble(&x);
	/* 20 bytes over the boundary of pages 0 and 1: the last line of
	 * page 0 and the first of page 1 (one line each with 10 bytes or
	 * more). */
	assert_int_equal(syncmap_persist(x.m, x.view + page - 10, 20), 0);
	assert_lines(x.path, x.old, x.view, (page - 10) / line, (page + 9) / line + 1);
	/* The page path below was asked for the translated range. */
	assert_true(mock.msync_calls > 0);
	assert_true(mock.msync_addr + mock.msync_len <= (uintptr_t)x.view ||
		    mock.msync_addr >= (uintptr_t)x.view + len);
	close_strict(&x);
}

static void test_flush_waits_for_drain(void **state)
{
	struct fixture x;

	(void)state;
	open_strict(&x, "flush", 0);
	scribble(&x);
	assert_int_equal(syncmap_flush(x.m, x.view + 2 * line, 3 * line), 0);
	assert_lines(x.path, x.old, x.view, 0, 0);
	assert_int_equal(syncmap_drain(x.m), 0);
	assert_lines(x.path, x.old, x.view, 2, 5);
	/* A drain with nothing flushed changes nothing. */
	assert_int_equal(syncmap_drain(x.m), 0);
	assert_lines(x.path, x.old, x.view, 2, 5);
	close_strict(&x);
}

/* A flush takes the lines as they are; a later store to them without a
 * new flush is not covered by the drain. */
static void test_flush_is_a_snapshot(void **state)
{
	struct fixture x;
	uint8_t *f = malloc(len);

	(void)state;
	assert_non_null(f);
	open_strict(&x, "snap", SYNCMAP_FORBID_SYNC);
	memset(x.view + line, 0xaa, line);
	assert_int_equal(syncmap_flush(x.m, x.view + line, line), 0);
	memset(x.view + line, 0xbb, line);
	assert_int_equal(syncmap_drain(x.m), 0);
	file_bytes(x.path, f, len);
	for (size_t i = line; i < 2 * line; i++)
		assert_int_equal(f[i], 0xaa);
	/* A persist takes them as they are when it runs. */
	assert_int_equal(syncmap_persist(x.m, x.view + line, 1), 0);
	file_bytes(x.path, f, len);
	for (size_t i = line; i < 2 * line; i++)
		assert_int_equal(f[i], 0xbb);
	free(f);
	close_strict(&x);
}

/* The newer of two overlapping flushes wins the lines they share. */
static void test_overlapping_flushes(void **state)
{
	struct fixture x;
	uint8_t *f = malloc(len);

	(void)state;
	assert_non_null(f);
	open_strict(&x, "overlap", 0);
	memset(x.view, 1, 4 * line);
	assert_int_equal(syncmap_flush(x.m, x.view, 4 * line), 0);
	memset(x.view + line, 2, line);
	assert_int_equal(syncmap_flush(x.m, x.view + line, line), 0);
	assert_int_equal(syncmap_drain(x.m), 0);
	file_bytes(x.path, f, len);
	for (size_t i = 0; i < 4 * line; i++)
		assert_int_equal(f[i], i / line == 1 ? 2 : 1);
	for (size_t i = 4 * line; i < len; i++)
		assert_int_equal(f[i], x.old[i]);
	free(f);
	close_strict(&x);
}

struct flusher {
	struct syncmap *m;
	uint8_t *at;
	int step;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void wait_step(struct flusher *f, int want)
{
	pthread_mutex_lock(&f->mu);
	while (f->step < want)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

static void set_step(struct flusher *f, int step)
{
	pthread_mutex_lock(&f->mu);
	f->step = step;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static void *flush_thread(void *arg)
{
	struct flusher *f = arg;

	if (syncmap_flush(f->m, f->at, line) != 0)
		return (void *)1;
	set_step(f, 1);
	wait_step(f, 2);
	return (void *)(intptr_t)(syncmap_drain(f->m) != 0);
}

/* A drain completes the flushes of its own thread only. */
static void test_drain_is_per_thread(void **state)
{
	struct fixture x;
	struct flusher f = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	pthread_t t;
	void *ret;

	(void)state;
	open_strict(&x, "threads", SYNCMAP_FORBID_SYNC);
	scribble(&x);
	f.m = x.m;
	f.at = x.view + 9 * line;
	assert_int_equal(pthread_create(&t, NULL, flush_thread, &f), 0);
	wait_step(&f, 1);
	assert_int_equal(syncmap_flush(x.m, x.view + 3 * line, line), 0);
	assert_int_equal(syncmap_drain(x.m), 0);
	assert_lines(x.path, x.old, x.view, 3, 4);
	set_step(&f, 2);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	/* Lines 3 and 9 now, nothing between. */
	{
		uint8_t *file = malloc(len);

		assert_non_null(file);
		file_bytes(x.path, file, len);
		for (size_t i = 0; i < len; i++) {
			size_t l = i / line;

			assert_int_equal(file[i], l == 3 || l == 9 ? x.view[i] : x.old[i]);
		}
		free(file);
	}
	close_strict(&x);
}

static void test_batch_commits_added_lines(void **state)
{
	(void)state;
	for (size_t p = 0; p < 2; p++) {
		/* Partial lines in three pages, more than the capacity: inside
		 * line 0; from inside line 1 of page 1 into line 2; the last
		 * byte of line 0 of page 3 and the first of line 1. */
		const struct span add[] = {
			{ line / 8 + 2, line / 8 + 7 },
			{ page + line + line / 8, page + 2 * line + line / 2 + line / 8 },
			{ 3 * page + line - 1, 3 * page + line + 1 },
		};
		struct syncmap_batch *b = NULL;
		struct fixture x;

		open_strict(&x, "batch", paths[p]);
		scribble(&x);
		assert_int_equal(syncmap_batch_new(x.m, 2, &b), 0);
		for (size_t k = 0; k < 3; k++)
			assert_int_equal(syncmap_batch_add(b, x.view + add[k].start,
							   add[k].end - add[k].start), 0);
		assert_lines(x.path, x.old, x.view, 0, 0);
		assert_int_equal(syncmap_batch_commit(b), 0);
		assert_spans(x.path, x.old, x.view, add, 3);
		syncmap_batch_free(b);
		close_strict(&x);
	}
}

static void test_copies(void **state)
{
	static const char rec[] = "a record across two lines, longer than sixty-four bytes......";
	/* The record starts in line 0 and ends in a later one. */
	size_t at = line - (line / 2 < 24 ? line / 2 : 24);
	const struct span copied = { at, at + sizeof(rec) };
	struct fixture x;

	(void)state;
	open_strict(&x, "copy", 0);
	assert_int_equal(syncmap_memcpy(x.m, x.view + at, rec, sizeof(rec), SYNCMAP_COPY_NODRAIN), 0);
	assert_lines(x.path, x.old, x.view, 0, 0);
	assert_int_equal(syncmap_drain(x.m), 0);
	assert_spans(x.path, x.old, x.view, &copied, 1);
	assert_int_equal(syncmap_memset(x.m, x.view + page, 7, 3 * line, 0), 0);
	{
		uint8_t *f = malloc(3 * line);
		int fd = open(x.path, O_RDONLY);

		assert_non_null(f);
		assert_int_equal(pread(fd, f, 3 * line, (off_t)page), (ssize_t)(3 * line));
		close(fd);
		for (size_t i = 0; i < 3 * line; i++)
			assert_int_equal(f[i], 7);
		free(f);
	}
	assert_int_equal(syncmap_write_safe(x.m, x.view + 8 * page, rec, 8), 0);
	{
		char f[8];
		int fd = open(x.path, O_RDONLY);

		assert_int_equal(pread(fd, f, 8, (off_t)(8 * page)), 8);
		close(fd);
		assert_memory_equal(f, rec, 8);
	}
	close_strict(&x);
}

/* What was never persisted is dropped at close, as a power cut would drop
 * it; what was is there for the next open. */
static void test_close_drops_unpersisted(void **state)
{
	struct fixture x;
	struct syncmap *m;
	uint8_t *p;

	(void)state;
	open_strict(&x, "close", SYNCMAP_FORBID_SYNC);
	memset(x.view, 0x11, line);
	memset(x.view + line, 0x22, line);
	assert_int_equal(syncmap_persist(x.m, x.view, 1), 0);
	assert_int_equal(syncmap_close(x.m), 0);
	assert_int_equal(syncmap_open(x.path, 0, 0, 0, &m), 0);
	p = syncmap_addr(m);
	for (size_t i = 0; i < line; i++) {
		assert_int_equal(p[i], 0x11);
		assert_int_equal(p[line + i], x.old[line + i]);
	}
	assert_int_equal(syncmap_close(m), 0);
	free(x.old);
}

/*
 * A mapping that starts at a file offset: a persist copies only bytes of
 * the CPU's lines that touch the range, lines aligned in the file and not
 * counted from wherever the mapping starts, and at least the strict line
 * around it.  With lines up to a page the two are the same line; a line
 * read as larger than a page (UT_CPU_LINE=8192) must not make strict mode
 * copy bytes of the page before the range, outside the CPU's line.
 */
static void test_mapping_at_an_offset(void **state)
{
	size_t cpu = sm_cpu()->line, at = 2 * page + 1;
	size_t cpu_from = at - at % cpu, own_from = at - at % line;
	const char *path = tc_make_file(tc_path("offset"), len, 0);
	uint8_t *old = malloc(len), *f = malloc(len), *v;
	struct syncmap *m;
	int fd = open(path, O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(old);
	assert_non_null(f);
	file_bytes(path, old, len);
	assert_int_equal(syncmap_open_fd(fd, page, 3 * page, SYNCMAP_STRICT | SYNCMAP_FORBID_SYNC,
					 &m), 0);
	v = syncmap_addr(m);
	for (size_t i = 0; i < 3 * page; i++)
		v[i] = (uint8_t)~old[page + i];
	assert_int_equal(syncmap_persist(m, v + at - page, 1), 0);
	file_bytes(path, f, len);
	for (size_t i = 0; i < len; i++) {
		bool cpu_line = i >= cpu_from && i < cpu_from + cpu;
		bool own_line = i >= own_from && i < own_from + line;
		uint8_t stored = (uint8_t)~old[i];

		if (f[i] != old[i] && !cpu_line)
			fail_msg("byte %zu copied: outside the CPU's %zu-byte line at %zu", i, cpu,
				 cpu_from);
		if (own_line && f[i] != stored)
			fail_msg("byte %zu of the line at %zu not copied", i, own_from);
	}
	assert_int_equal(syncmap_close(m), 0);
	close(fd);
	free(old);
	free(f);
}

/* The tests count in the line the library reports, and UT_CPU_LINE,
 * where it is set, is what the library sees: else the runs at other
 * line sizes would check the CPU's own again. */
static void test_line_size(void **state)
{
	const char *forced = getenv("UT_CPU_LINE");
	struct syncmap_probe *p = NULL;
	const char *key, *value;
	char want[32];
	bool found = false;
	struct fixture x;

	(void)state;
	if (forced && *forced)
		assert_int_equal(sm_cpu()->line, strtoul(forced, NULL, 10));
	open_strict(&x, "line", SYNCMAP_FORBID_SYNC);
	assert_int_equal(x.m->line, sm_cpu()->line);
	assert_int_equal(syncmap_probe_mapping(x.m, &p), 0);
	snprintf(want, sizeof(want), "%u", sm_cpu()->line);
	for (size_t i = 0; syncmap_probe_fact(p, i, &key, &value) == 0; i++)
		if (!strcmp(key, "cpu_line")) {
			assert_string_equal(value, want);
			found = true;
		}
	assert_true(found);
	syncmap_probe_free(p);
	close_strict(&x);
}

static void test_says_so(void **state)
{
	struct syncmap *m;
	const char *path = tc_make_file(tc_path("says"), len, 0);

	(void)state;
	tc_log_capture(SYNCMAP_LOG_WARNING);
	assert_int_equal(syncmap_open(path, SYNCMAP_FORBID_SYNC | SYNCMAP_STRICT, 0, 0, &m), 0);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_STRICT_MODE);
	assert_string_equal(syncmap_cause_name(SYNCMAP_CAUSE_STRICT_MODE), "strict_mode");
	assert_non_null(strstr(syncmap_advice(m), "strict mode"));
	assert_non_null(strstr(syncmap_advice(m), "do not measure or ship"));
	/* The path below and its own cause. */
	assert_non_null(strstr(syncmap_advice(m), "page path, cause map_sync_forbidden"));
	assert_true(tc_log_count_level(SYNCMAP_LOG_WARNING) >= 1);
	assert_true(tc_log_contains("strict mode"));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
	/* The report of the mapping says it too. */
	{
		struct syncmap_probe *p = NULL;

		assert_int_equal(syncmap_probe_mapping(m, &p), 0);
		assert_int_equal(syncmap_probe_cause(p), SYNCMAP_CAUSE_STRICT_MODE);
		assert_non_null(strstr(syncmap_probe_advice(p), "strict mode"));
		syncmap_probe_free(p);
	}
	assert_int_equal(syncmap_close(m), 0);
}

static void test_environment(void **state)
{
	struct syncmap *m;
	const char *path = tc_make_file(tc_path("env"), len, 0);

	(void)state;
	setenv("SYNCMAP_STRICT", "1", 1);
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), 0);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_STRICT_MODE);
	assert_non_null(strstr(syncmap_advice(m), "SYNCMAP_STRICT in the environment"));
	assert_int_equal(syncmap_close(m), 0);
	/* Read-only opens have nothing to persist: left alone. */
	assert_int_equal(syncmap_open(path, SYNCMAP_RDONLY, 0, 0, &m), 0);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_READ_ONLY);
	assert_int_equal(syncmap_close(m), 0);
	setenv("SYNCMAP_STRICT", "0", 1);
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), 0);
	assert_int_not_equal(syncmap_cause(m), SYNCMAP_CAUSE_STRICT_MODE);
	assert_int_equal(syncmap_close(m), 0);
	/* A setting without strict mode is not silently ignored. */
	unsetenv("SYNCMAP_STRICT");
	setenv("SYNCMAP_STRICT_CRASH", "5", 1);
	tc_log_capture(SYNCMAP_LOG_WARNING);
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), 0);
	assert_true(tc_log_contains("SYNCMAP_STRICT_CRASH is set but strict mode is off"));
	assert_int_equal(syncmap_close(m), 0);
	unsetenv("SYNCMAP_STRICT_CRASH");
}

static void refused(const char *path, unsigned flags, int err, const char *says)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;

	assert_int_equal(syncmap_open(path, flags, 0, 0, &m), err);
	assert_null(m);
	assert_non_null(strstr(syncmap_last_advice(), says));
	assert_nothing_left(s);
}

static void test_bad_settings(void **state)
{
	const char *path = tc_make_file(tc_path("bad"), len, 0);
	static const char *const bad[][2] = {
		{ "SYNCMAP_STRICT_CRASH", "12x" }, { "SYNCMAP_STRICT_CRASH", "-1" },
		{ "SYNCMAP_STRICT_EVICT", "1.5" }, { "SYNCMAP_STRICT_EVICT", "0,5" },
		{ "SYNCMAP_STRICT_SEED", "seven" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(bad[i][0], bad[i][1], 1);
		refused(path, SYNCMAP_STRICT, -EINVAL, bad[i][0]);
		assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_STRICT_MODE);
		unsetenv(bad[i][0]);
	}
	refused(path, SYNCMAP_STRICT | SYNCMAP_RDONLY, -EINVAL, "writable");
}

/* Two private views of the same bytes cannot be kept coherent. */
static void test_overlap_refused(void **state)
{
	const char *path = tc_make_file(tc_path("twice"), len, 0);
	struct syncmap *a, *b, *c;
	int fd;

	(void)state;
	assert_int_equal(syncmap_open(path, SYNCMAP_STRICT, 0, 0, &a), 0);
	refused(path, SYNCMAP_STRICT, -EBUSY, "already mapped in strict mode");
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_STRICT_MODE);
	assert_int_equal(syncmap_close(a), 0);
	/* Disjoint ranges of one descriptor are fine; an overlap is not. */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 0, page, SYNCMAP_STRICT, &a), 0);
	assert_int_equal(syncmap_open_fd(fd, page, page, SYNCMAP_STRICT, &b), 0);
	assert_int_equal(syncmap_open_fd(fd, 0, 2 * page, SYNCMAP_STRICT, &c), -EBUSY);
	/* Each persists its own bytes, at its own file offset. */
	memset(syncmap_addr(b), 0x5a, 8);
	assert_int_equal(syncmap_persist(b, syncmap_addr(b), 8), 0);
	{
		uint8_t f[8];

		assert_int_equal(pread(fd, f, 8, (off_t)page), 8);
		for (int i = 0; i < 8; i++)
			assert_int_equal(f[i], 0x5a);
	}
	assert_int_equal(syncmap_close(a), 0);
	assert_int_equal(syncmap_close(b), 0);
	/* Closed: the range is free again. */
	assert_int_equal(syncmap_open_fd(fd, 0, 2 * page, SYNCMAP_STRICT, &c), 0);
	assert_int_equal(syncmap_close(c), 0);
	close(fd);
}

/* Sixteen pages, and at least ten lines for the tests that count to 9. */
static int group_setup(void **state)
{
	line = ut_strict_line();
	page = (size_t)sm_page_size();
	len = 16 * page;
	return tc_group_setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_persist_copies_covered_lines, ut_setup),
		cmocka_unit_test_setup(test_persist_copies_covered_lines_cache_line, ut_setup),
		cmocka_unit_test_setup(test_range_across_pages, ut_setup),
		cmocka_unit_test_setup(test_flush_waits_for_drain, ut_setup),
		cmocka_unit_test_setup(test_flush_is_a_snapshot, ut_setup),
		cmocka_unit_test_setup(test_overlapping_flushes, ut_setup),
		cmocka_unit_test_setup(test_drain_is_per_thread, ut_setup),
		cmocka_unit_test_setup(test_batch_commits_added_lines, ut_setup),
		cmocka_unit_test_setup(test_copies, ut_setup),
		cmocka_unit_test_setup(test_close_drops_unpersisted, ut_setup),
		cmocka_unit_test_setup(test_mapping_at_an_offset, ut_setup),
		cmocka_unit_test_setup(test_line_size, ut_setup),
		cmocka_unit_test_setup(test_says_so, ut_setup),
		cmocka_unit_test_setup(test_environment, ut_setup),
		cmocka_unit_test_setup(test_bad_settings, ut_setup),
		cmocka_unit_test_setup(test_overlap_refused, ut_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, tc_group_teardown);
}
