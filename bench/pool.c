/* SPDX-License-Identifier: MIT */
/*
 * Worker threads.  One implementation runs on 1 to 4 workers at a time;
 * single-threaded runs use a worker too, so both counts take the same
 * path.  Workers are pinned round robin, one per CPU as long as there are
 * CPUs enough (the 4-thread journal rows wait on the disk, not the CPU),
 * and start together: each waits until all of the run's workers are awake
 * before it reads the clock.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "bench.h"

static struct {
	pthread_t th[BENCH_POOL_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen, active, pending, started;
	atomic_uint ready;
	bool quit;
	struct entry *e;
	uint64_t iters;
	uint64_t t0[BENCH_POOL_THREADS], t1[BENCH_POOL_THREADS];
} pool = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.go = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

static unsigned ncpus = 1;

static void pin(unsigned i)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 1)
		return;
	CPU_ZERO(&set);
	CPU_SET(i % (unsigned)n, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Wait for the next run this worker takes part in; false to quit. */
static bool wait_turn(unsigned i, unsigned *seen)
{
	bool mine;

	pthread_mutex_lock(&pool.mu);
	do {
		while (pool.gen == *seen && !pool.quit)
			pthread_cond_wait(&pool.go, &pool.mu);
		*seen = pool.gen;
		mine = i < pool.active;
	} while (!mine && !pool.quit);
	pthread_mutex_unlock(&pool.mu);
	return !pool.quit;
}

static void *worker(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg, seen = 0;

	pin(i);
	while (wait_turn(i, &seen)) {
		struct entry *e = pool.e;

		atomic_fetch_add(&pool.ready, 1);
		/* More workers than CPUs: the others must get to run. */
		while (atomic_load(&pool.ready) < pool.active)
			if (pool.active > ncpus)
				sched_yield();
		pool.t0[i] = bench_now_ns();
		e->fn(&e->ops[i], pool.iters);
		pool.t1[i] = bench_now_ns();
		pthread_mutex_lock(&pool.mu);
		if (--pool.pending == 0)
			pthread_cond_signal(&pool.done);
		pthread_mutex_unlock(&pool.mu);
	}
	return NULL;
}

int bench_pool_start(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	ncpus = n > 0 ? (unsigned)n : 1;
	for (unsigned i = 0; i < BENCH_POOL_THREADS; i++) {
		int r = pthread_create(&pool.th[i], NULL, worker, (void *)(uintptr_t)i);

		if (r) {
			fprintf(stderr, "syncmap-bench: pthread_create: error %d\n", r);
			return -r;
		}
		pool.started++;
	}
	return 0;
}

void bench_pool_stop(void)
{
	pthread_mutex_lock(&pool.mu);
	pool.quit = true;
	pthread_cond_broadcast(&pool.go);
	pthread_mutex_unlock(&pool.mu);
	for (unsigned i = 0; i < pool.started; i++)
		pthread_join(pool.th[i], NULL);
	pool.started = 0;
}

uint64_t bench_pool_run(struct entry *e, uint64_t iters)
{
	uint64_t start = UINT64_MAX, end = 0;

	pthread_mutex_lock(&pool.mu);
	pool.e = e;
	pool.iters = iters;
	pool.active = e->threads;
	pool.pending = e->threads;
	atomic_store(&pool.ready, 0);
	pool.gen++;
	pthread_cond_broadcast(&pool.go);
	while (pool.pending)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
	for (unsigned i = 0; i < e->threads; i++) {
		if (pool.t0[i] < start)
			start = pool.t0[i];
		if (pool.t1[i] > end)
			end = pool.t1[i];
	}
	return end - start;
}
