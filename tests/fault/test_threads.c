/* SPDX-License-Identifier: MIT */
/*
 * Many threads on one mapping: persisting, flushing, batching, copying
 * and safe-writing disjoint and overlapping ranges at once, while other
 * threads open and close their own mappings of the same file and swap the
 * log callback.  Every call must succeed and every byte must be in the
 * file afterwards.  Each thread stores only to its own bytes (the ranges
 * it persists overlap the others'), so the program itself is free of data
 * races and ThreadSanitizer can judge the library.
 *
 * Run once per persistence path: the msync path this file system gives,
 * and the cache-line path forced through SYNCMAP_FORCE_GRANULARITY.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <unistd.h>

#include <cmocka.h>

#include "syncmap.h"
#include "files.h"

#define THREADS 8
#define ROUNDS 40
#define SHARED_LEN (16u * 1024)		/* interleaved bytes, overlapping ranges */
#define OWN_LEN (16u * 1024)		/* one disjoint region per thread */
#define MAP_LEN (SHARED_LEN + THREADS * OWN_LEN)

struct worker {
	struct syncmap *m;
	int id;
	int errors;
	char where[128];
};

static uint8_t value(int id, int round, size_t i)
{
	return (uint8_t)(id * 31 + round * 7 + i);
}

static void fail_at(struct worker *w, const char *what, int r)
{
	if (!w->errors++)
		snprintf(w->where, sizeof(w->where), "thread %d: %s returned %d", w->id, what, r);
}

#define CALL(w, what, expr) do { int r_ = (expr); if (r_) fail_at(w, what, r_); } while (0)

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint8_t *a = syncmap_addr(w->m);
	uint8_t *own = a + SHARED_LEN + (size_t)w->id * OWN_LEN;
	struct syncmap_batch *b;
	uint8_t buf[512];

	CALL(w, "batch_new", syncmap_batch_new(w->m, 8, &b));
	if (w->errors)
		return NULL;
	for (int round = 0; round < ROUNDS; round++) {
		size_t i;

		/* Shared region: every THREADS-th byte is ours; persist the
		 * whole region, which every other thread persists too. */
		for (i = (size_t)w->id; i < SHARED_LEN; i += THREADS)
			a[i] = value(w->id, round, i);
		CALL(w, "persist shared", syncmap_persist(w->m, a, SHARED_LEN));
		/* A window into it through flush + drain. */
		CALL(w, "flush shared", syncmap_flush(w->m, a + 1000, 3000));
		CALL(w, "drain", syncmap_drain(w->m));

		/* Own region: persist, copy, safe-write, batch. */
		for (i = 0; i < OWN_LEN / 2; i++)
			own[i] = value(w->id, round, i);
		CALL(w, "persist own", syncmap_persist(w->m, own + 10, OWN_LEN / 2 - 20));
		CALL(w, "persist own edges", syncmap_persist(w->m, own, OWN_LEN / 2));
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = value(w->id, round, OWN_LEN / 2 + i);
		CALL(w, "memcpy", syncmap_memcpy(w->m, own + OWN_LEN / 2, buf, sizeof(buf), 0));
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = value(w->id, round, OWN_LEN / 2 + sizeof(buf) + i);
		CALL(w, "write_safe", syncmap_write_safe(w->m, own + OWN_LEN / 2 + sizeof(buf),
							  buf, sizeof(buf)));
		for (i = OWN_LEN / 2 + 2 * sizeof(buf); i < OWN_LEN; i++)
			own[i] = value(w->id, round, i);
		/* More ranges than the batch holds, some overlapping the
		 * shared region the others persist. */
		for (int k = 0; k < 12; k++)
			CALL(w, "batch_add", syncmap_batch_add(b, own + OWN_LEN / 2 + 2 * sizeof(buf) +
							   (size_t)k * 500, 700));
		CALL(w, "batch_add shared", syncmap_batch_add(b, a + (size_t)w->id * 100, 5000));
		CALL(w, "batch_commit", syncmap_batch_commit(b));
		/* A range outside fails cleanly and logs from many threads. */
		if (syncmap_persist(w->m, a + MAP_LEN, 1) != -EINVAL)
			fail_at(w, "out-of-range persist", 0);
	}
	syncmap_batch_free(b);
	return NULL;
}

static void log_sink(void *arg, int level, const char *msg)
{
	(void)level;
	(void)msg;
	__atomic_fetch_add((int *)arg, 1, __ATOMIC_RELAXED);
}

struct churn {
	const char *path;
	int stop, errors, logged;
};

/* Opens and closes its own mappings of the file, and swaps the log
 * callback, while the workers run. */
static void *churner(void *arg)
{
	struct churn *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		struct syncmap *m;

		syncmap_set_log(log_sink, &c->logged, SYNCMAP_LOG_DEBUG);
		if (syncmap_open(c->path, 0, 0, 0, &m) != 0) {
			c->errors++;
			continue;
		}
		if (syncmap_length(m) != MAP_LEN)
			c->errors++;
		syncmap_set_log(NULL, NULL, SYNCMAP_LOG_WARNING);
		if (syncmap_close(m) != 0)
			c->errors++;
	}
	return NULL;
}

static void run(const char *name)
{
	const char *path = tc_path(name);
	struct worker w[THREADS];
	pthread_t t[THREADS], ct;
	struct churn c = { .path = path };
	struct syncmap *m;
	int i;

	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, MAP_LEN, &m), 0);
	assert_int_equal(pthread_create(&ct, NULL, churner, &c), 0);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .m = m, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		if (w[i].errors)
			fail_msg("%s (%d errors)", w[i].where, w[i].errors);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(ct, NULL);
	syncmap_set_log(NULL, NULL, SYNCMAP_LOG_WARNING);
	assert_int_equal(c.errors, 0);
	assert_int_equal(syncmap_close(m), 0);

	/* Everything the last round wrote is in the file. */
	assert_int_equal(syncmap_open(path, SYNCMAP_RDONLY, 0, 0, &m), 0);
	{
		const uint8_t *a = syncmap_addr(m);
		int last = ROUNDS - 1;

		for (size_t k = 0; k < SHARED_LEN; k++)
			if (a[k] != value((int)(k % THREADS), last, k))
				fail_msg("shared byte %zu is %u", k, a[k]);
		for (i = 0; i < THREADS; i++)
			for (size_t k = 0; k < OWN_LEN; k++)
				if (a[SHARED_LEN + (size_t)i * OWN_LEN + k] != value(i, last, k))
					fail_msg("thread %d byte %zu lost", i, k);
	}
	assert_int_equal(syncmap_close(m), 0);
}

static void test_page_path(void **state)
{
	(void)state;
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
	run("page");
}

static void test_cache_line_path(void **state)
{
	(void)state;
	setenv("SYNCMAP_FORCE_GRANULARITY", "cache_line", 1);
	run("cache-line");
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_path),
		cmocka_unit_test(test_cache_line_path),
	};

	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
