/* SPDX-License-Identifier: MIT */
/*
 * Interleaving.  Every repetition runs each entry of a case once, starting
 * from a different entry each time, so slow phases of a shared machine hit
 * all implementations alike; the report takes the median.
 */
#include <stdio.h>
#include <string.h>

#if HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#include "bench.h"

#define MAX_ITERS (1u << 24)

static uint64_t fixed_iters;

void bench_set_fixed(uint64_t iters)
{
	fixed_iters = iters;
}

struct entry *bench_case_add(struct bench_case *c, const char *impl,
			     const char *mode, unsigned threads, op_fn fn)
{
	struct entry *e;

	if (c->n == BENCH_MAX_ENTRIES)
		return NULL;
	e = &c->e[c->n++];
	*e = (struct entry){ .impl = impl, .mode = mode, .threads = threads, .fn = fn };
	return e;
}

static int check_errors(const struct bench_case *c, const struct entry *e)
{
	for (unsigned t = 0; t < e->threads; t++) {
		if (e->ops[t].err) {
			fprintf(stderr, "syncmap-bench: %s %s %s size %zu: an operation failed: error %d\n",
				c->bench, c->path, e->impl, c->size, e->ops[t].err);
			return e->ops[t].err;
		}
	}
	return 0;
}

/* The fastest of a few runs: a preempted one must not decide. */
static uint64_t best_of(struct entry *probe, uint64_t iters)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 3; i++) {
		uint64_t t = bench_pool_run(probe, iters);

		best = t < best ? t : best;
	}
	return best;
}

/* Iterations per sample: enough for the first entry, single-threaded, to
 * take about sample_ns.  All entries then run the same count. */
static uint64_t calibrate(struct bench_case *c, uint64_t sample_ns)
{
	struct entry probe = c->e[0];
	uint64_t iters = 1, t;

	probe.threads = 1;
	for (;;) {
		t = best_of(&probe, iters);
		if (t >= sample_ns / 4 || iters >= MAX_ITERS)
			break;
		iters *= 2;
	}
	if (t > 0 && t < sample_ns)
		iters = iters * sample_ns / t;
	return iters ? iters : 1;
}

/*
 * --fixed N: every single-threaded entry runs once, N iterations, on the
 * calling thread, between callgrind's zero and dump requests; instruction
 * counts per operation are then free of timing noise.  The page path is
 * all syscall, so it gets two iterations.
 */
static int run_fixed(struct bench_case *c)
{
	uint64_t iters = strcmp(c->path, "page") ? fixed_iters : 2;
	char name[128];
	int r;

	for (size_t k = 0; k < c->n; k++) {
		struct entry *e = &c->e[k];
		uint64_t t0;

		if (e->threads != 1)
			continue;
		snprintf(name, sizeof(name), "%s/%s/%s/%s/%zu/%llu", c->bench, c->path, e->impl,
			 e->mode ? e->mode : "-", c->size, (unsigned long long)iters);
		CALLGRIND_ZERO_STATS;
		t0 = bench_now_ns();
		e->fn(&e->ops[0], iters);
		e->samples[e->nsamples++] = (double)(bench_now_ns() - t0) / (double)iters;
		CALLGRIND_DUMP_STATS_AT(name);
		if ((r = check_errors(c, e)) != 0)
			return r;
	}
	return 0;
}

int bench_run_case(struct bench_case *c, unsigned reps, uint64_t sample_ns)
{
	uint64_t iters;
	int r;

	if (fixed_iters)
		return run_fixed(c);

	if (reps > BENCH_MAX_REPS)
		reps = BENCH_MAX_REPS;
	iters = calibrate(c, sample_ns);
	/* One discarded round: every view's pages faulted in, every symbol
	 * bound, every thread's region touched before the clock counts. */
	for (size_t k = 0; k < c->n; k++)
		bench_pool_run(&c->e[k], iters);
	for (unsigned rep = 0; rep < reps; rep++) {
		for (size_t k = 0; k < c->n; k++) {
			struct entry *e = &c->e[(k + rep) % c->n];
			uint64_t ns = bench_pool_run(e, iters);

			if ((r = check_errors(c, e)) != 0)
				return r;
			e->samples[e->nsamples++] = (double)ns / (double)(iters * e->threads);
		}
	}
	return 0;
}
