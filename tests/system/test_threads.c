/* SPDX-License-Identifier: MIT */
/*
 * One mapping, many threads: each persists its own disjoint ranges (with
 * persist, with its own batch, with copies) while the others do the same.
 * Every thread's last values must be in the file afterwards.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <syncmap.h>

#include "files.h"

#define PG 4096u
#define THREADS 8
#define PAGES_PER 8
#define ROUNDS 50

struct worker {
	struct syncmap *m;
	unsigned id;
	int err;		/* first failure, or 0 */
};

static uint8_t *region(struct worker *w)
{
	return (uint8_t *)syncmap_addr(w->m) + (size_t)w->id * PAGES_PER * PG;
}

static void note(struct worker *w, int r)
{
	if (r && !w->err)
		w->err = r;
}

/* The value thread id leaves in page i of its region after round r. */
static uint8_t value(unsigned id, unsigned i, unsigned r)
{
	return (uint8_t)(id * 37 + i * 5 + r + 1);
}

static void *persist_worker(void *arg)
{
	struct worker *w = arg;
	uint8_t *p = region(w);

	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < PAGES_PER; i++) {
			/* Ranges up to the edges of the region, never over. */
			uint8_t *q = p + (size_t)i * PG + (i == 0 ? 0 : PG - 64);

			memset(q, value(w->id, i, r), 64);
			note(w, syncmap_persist(w->m, q, 64));
		}
	}
	return NULL;
}

static void *batch_worker(void *arg)
{
	struct worker *w = arg;
	struct syncmap_batch *b;
	uint8_t *p = region(w);
	int r0 = syncmap_batch_new(w->m, 4, &b);

	if (r0) {
		note(w, r0);
		return NULL;
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < PAGES_PER; i++) {
			uint8_t *q = p + (size_t)i * PG + (i == 0 ? 0 : PG - 64);

			memset(q, value(w->id, i, r), 64);
			note(w, syncmap_batch_add(b, q, 64));
		}
		note(w, syncmap_batch_commit(b));
	}
	syncmap_batch_free(b);
	return NULL;
}

static void *copy_worker(void *arg)
{
	struct worker *w = arg;
	uint8_t *p = region(w);

	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < PAGES_PER; i++) {
			uint8_t *q = p + (size_t)i * PG + (i == 0 ? 0 : PG - 64);

			note(w, syncmap_memset(w->m, q, value(w->id, i, r), 64, 0));
		}
	}
	return NULL;
}

static void run(const char *name, unsigned flags, void *(*fn)(void *))
{
	const char *dir = tc_disk_dir();
	const char *path = tc_join(dir, name);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct syncmap *m = NULL;
	uint8_t buf[64];

	assert_non_null(dir);
	tc_make_file(path, (size_t)THREADS * PAGES_PER * PG, 9);
	assert_int_equal(syncmap_open(path, flags, 0, 0, &m), 0);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .m = m, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, fn, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (w[i].err)
			fail_msg("thread %u: %d: %s", i, w[i].err, strerror(-w[i].err));
	}
	assert_int_equal(syncmap_close(m), 0);

	for (unsigned id = 0; id < THREADS; id++) {
		for (unsigned i = 0; i < PAGES_PER; i++) {
			uint64_t off = ((uint64_t)id * PAGES_PER + i) * PG + (i == 0 ? 0 : PG - 64);

			tc_read_file(path, off, buf, sizeof(buf));
			for (size_t k = 0; k < sizeof(buf); k++)
				assert_int_equal(buf[k], value(id, i, ROUNDS - 1));
		}
	}
}

static void test_threads_persist(void **state)
{
	(void)state;
	run("persist", 0, persist_worker);
}

static void test_threads_batches(void **state)
{
	(void)state;
	run("batches", 0, batch_worker);
}

static void test_threads_copies(void **state)
{
	(void)state;
	run("copies", 0, copy_worker);
}

/* The CPU path code on a mapping the kernel cannot make durable: only
 * what it does with memory and threads is checked here. */
static void test_threads_forced_cache_line(void **state)
{
	(void)state;
	setenv("SYNCMAP_FORCE_GRANULARITY", "cache_line", 1);
	run("forced", 0, persist_worker);
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_persist),
		cmocka_unit_test(test_threads_batches),
		cmocka_unit_test(test_threads_copies),
		cmocka_unit_test(test_threads_forced_cache_line),
	};

	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
