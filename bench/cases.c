/* SPDX-License-Identifier: MIT */
/* Cases 1-5 and 7: what each compares, on which view of which file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const size_t persist_sizes[] = { 64, 256, 4096, 65536 };
static const size_t copy_sizes[] = { 256, 1024, 4096, 16384, 65536, 262144, 1048576 };
static const size_t strict_sizes[] = { 64, 4096 };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct ctx {
	struct bench_files *f;
	const struct bench_opts *o;
	struct syncmap_batch *batch_cl[BENCH_MAX_THREADS];
	struct syncmap_batch *batch_pg[BENCH_MAX_THREADS];
	void *src;
};

/* Add an implementation; its threads work at offset off of their own
 * region in view v. */
static struct entry *add(struct bench_case *c, const char *impl, const char *mode,
			 unsigned threads, op_fn fn, const struct view *v, size_t off)
{
	struct entry *e = bench_case_add(c, impl, mode, threads, fn);

	for (unsigned t = 0; e && t < threads; t++) {
		e->ops[t].v = v;
		e->ops[t].p = bench_at(v, t, off);
		e->ops[t].size = c->size;
	}
	return e;
}

static int finish(struct ctx *x, struct bench_case *c, bool page)
{
	int r = bench_run_case(c, page ? x->o->reps_page : x->o->reps_cpu,
			       page ? x->o->sample_ns_page : x->o->sample_ns_cpu);

	if (r == 0)
		report_case(c, x->o->json);
	return r;
}

/* Case 1 (and 5): cache-line persist, 1 and 2 threads. */
static int persist_cache_line(struct ctx *x, size_t size)
{
	struct bench_files *f = x->f;
	struct bench_case c = { .bench = "persist", .path = "cache_line", .size = size,
				.durable = f->cl_durable };

	for (unsigned th = 1; th <= BENCH_MAX_THREADS; th++) {
		add(&c, "syncmap", NULL, th, op_persist_syncmap, &f->sm_cl, BENCH_OFF_PERSIST);
		add(&c, "raw", NULL, th, op_persist_raw(f->flush), &f->sm_cl, BENCH_OFF_PERSIST);
		add(&c, "libpmem", NULL, th, op_persist_libpmem, &f->sm_cl, BENCH_OFF_PERSIST);
		add(&c, "libpmem2", NULL, th, op_persist_libpmem2, &f->p2_cl, BENCH_OFF_PERSIST);
	}
	return finish(x, &c, false);
}

/* Case 2: page-path persist. */
static int persist_page(struct ctx *x, size_t size)
{
	struct bench_files *f = x->f;
	struct bench_case c = { .bench = "persist", .path = "page", .size = size, .durable = true };

	add(&c, "syncmap", NULL, 1, op_persist_syncmap, &f->sm_pg, BENCH_OFF_PERSIST);
	add(&c, "msync", NULL, 1, op_persist_msync, &f->sm_pg, BENCH_OFF_PERSIST);
	add(&c, "libpmem2", NULL, 1, op_persist_libpmem2, &f->p2_pg, BENCH_OFF_PERSIST);
	return finish(x, &c, true);
}

static void set_batches(struct entry *e, struct syncmap_batch **b)
{
	for (unsigned t = 0; e && t < e->threads; t++)
		e->ops[t].batch = b[t];
}

/* Case 3 (and 5) on the cache-line path. */
static int batch_cache_line(struct ctx *x)
{
	struct bench_files *f = x->f;
	struct bench_case c = { .bench = "batch", .path = "cache_line",
				.size = BENCH_RECORD_SIZE, .durable = f->cl_durable };
	const struct view *s = &f->sm_cl;

	for (unsigned th = 1; th <= BENCH_MAX_THREADS; th++) {
		set_batches(add(&c, "syncmap", "batch", th, op_batch_syncmap, s, BENCH_OFF_BATCH),
			    x->batch_cl);
		add(&c, "syncmap", "single", th, op_single_syncmap, s, BENCH_OFF_BATCH);
		add(&c, "raw", "batch", th, op_batch_raw(f->flush), s, BENCH_OFF_BATCH);
		add(&c, "raw", "single", th, op_single_raw(f->flush), s, BENCH_OFF_BATCH);
	}
	add(&c, "libpmem", "batch", 1, op_batch_libpmem, s, BENCH_OFF_BATCH);
	add(&c, "libpmem", "single", 1, op_single_libpmem, s, BENCH_OFF_BATCH);
	add(&c, "libpmem2", "batch", 1, op_batch_libpmem2, &f->p2_cl, BENCH_OFF_BATCH);
	add(&c, "libpmem2", "single", 1, op_single_libpmem2, &f->p2_cl, BENCH_OFF_BATCH);
	return finish(x, &c, false);
}

static void set_fd(struct entry *e, int fd)
{
	for (unsigned t = 0; e && t < e->threads; t++)
		e->ops[t].fd = fd;
}

/* Case 3 (and 5) on the page path, with two baselines on 1 and 2
 * threads: the commit by hand (one msync over the batch's span), which is
 * what the kernel and the disk allow, and the commit that 0.3.0 made
 * (write-back of each page, then fdatasync of the whole file). */
static int batch_page(struct ctx *x)
{
	struct bench_files *f = x->f;
	struct bench_case c = { .bench = "batch", .path = "page",
				.size = BENCH_RECORD_SIZE, .durable = true };
	const struct view *s = &f->sm_pg;

	for (unsigned th = 1; th <= BENCH_MAX_THREADS; th++) {
		set_batches(add(&c, "syncmap", "batch", th, op_batch_syncmap, s, BENCH_OFF_BATCH),
			    x->batch_pg);
		add(&c, "msync", "batch", th, op_batch_msync, s, BENCH_OFF_BATCH);
		set_fd(add(&c, "fdatasync", "batch", th, op_batch_fdatasync, s, BENCH_OFF_BATCH),
		       f->pg_fd);
	}
	add(&c, "syncmap", "single", 1, op_single_syncmap, s, BENCH_OFF_BATCH);
	add(&c, "msync", "single", 1, op_single_msync, s, BENCH_OFF_BATCH);
	add(&c, "libpmem2", "batch", 1, op_batch_libpmem2, &f->p2_pg, BENCH_OFF_BATCH);
	add(&c, "libpmem2", "single", 1, op_single_libpmem2, &f->p2_pg, BENCH_OFF_BATCH);
	return finish(x, &c, true);
}

static void set_src(struct entry *e, const void *src)
{
	if (e)
		e->ops[0].src = src;
}

/* Case 4: persistent copies on the cache-line path. */
static int copy_cache_line(struct ctx *x, size_t size)
{
	struct bench_files *f = x->f;
	struct bench_case c = { .bench = "memcpy", .path = "cache_line", .size = size,
				.durable = f->cl_durable };

	set_src(add(&c, "syncmap", NULL, 1, op_copy_syncmap, &f->sm_cl, BENCH_OFF_COPY), x->src);
	set_src(add(&c, "libpmem", NULL, 1, op_copy_libpmem, &f->sm_cl, BENCH_OFF_COPY), x->src);
	set_src(add(&c, "libpmem2", NULL, 1, op_copy_libpmem2, &f->p2_cl, BENCH_OFF_COPY), x->src);
	return finish(x, &c, false);
}

/* Case 7: a persist in strict mode against the same persist without it,
 * on each path (strict mode is a test mode; this says what a sweep's
 * persist costs). */
static int strict_cost(struct ctx *x, size_t size, bool page)
{
	struct bench_files *f = x->f;
	struct bench_case c = { .bench = "strict", .path = page ? "page" : "cache_line",
				.size = size, .durable = page || f->cl_durable };

	add(&c, "syncmap", NULL, 1, op_persist_syncmap, page ? &f->sm_pg : &f->sm_cl,
	    BENCH_OFF_PERSIST);
	add(&c, "strict", NULL, 1, op_persist_syncmap, page ? &f->sm_pg_strict : &f->sm_cl_strict,
	    BENCH_OFF_PERSIST);
	return finish(x, &c, page);
}

/* Batches are allocated here, outside every timed loop. */
static int ctx_init(struct ctx *x)
{
	int r = 0;

	for (unsigned t = 0; t < BENCH_MAX_THREADS && r == 0; t++) {
		r = syncmap_batch_new(x->f->sm_cl.sm, BENCH_RECORDS, &x->batch_cl[t]);
		if (r == 0)
			r = syncmap_batch_new(x->f->sm_pg.sm, BENCH_RECORDS, &x->batch_pg[t]);
	}
	if (r < 0) {
		fprintf(stderr, "syncmap-bench: syncmap_batch_new: %s\n", strerror(-r));
		return r;
	}
	x->src = aligned_alloc(4096, copy_sizes[COUNT(copy_sizes) - 1]);
	if (!x->src)
		return -ENOMEM;
	for (size_t i = 0; i < copy_sizes[COUNT(copy_sizes) - 1]; i++)
		((uint8_t *)x->src)[i] = (uint8_t)(i * 131u + 7u);
	return 0;
}

static void ctx_fini(struct ctx *x)
{
	for (unsigned t = 0; t < BENCH_MAX_THREADS; t++) {
		syncmap_batch_free(x->batch_cl[t]);
		syncmap_batch_free(x->batch_pg[t]);
	}
	free(x->src);
}

/* Not a case: the 2-thread gain of pure ALU work, to read case 5 by. */
static int control(struct ctx *x)
{
	struct bench_case c = { .bench = "control", .path = "cpu", .size = 0, .durable = true };
	int r;

	if (x->o->fixed)
		return 0;
	bench_case_add(&c, "alu", NULL, 1, op_control_alu);
	bench_case_add(&c, "alu", NULL, 2, op_control_alu);
	r = bench_run_case(&c, x->o->reps_cpu, x->o->sample_ns_cpu);
	if (r == 0)
		report_control(bench_median(c.e[0].samples, c.e[0].nsamples) /
			       bench_median(c.e[1].samples, c.e[1].nsamples), x->o->json);
	return r;
}

static int run_all(struct ctx *x)
{
	int r = control(x);

	for (size_t i = 0; i < COUNT(persist_sizes) && r == 0; i++)
		r = persist_cache_line(x, persist_sizes[i]);
	for (size_t i = 0; i < COUNT(persist_sizes) && r == 0; i++)
		r = persist_page(x, persist_sizes[i]);
	if (r == 0)
		r = batch_cache_line(x);
	if (r == 0)
		r = batch_page(x);
	for (size_t i = 0; i < COUNT(copy_sizes) && r == 0; i++)
		r = copy_cache_line(x, copy_sizes[i]);
	for (size_t i = 0; i < COUNT(strict_sizes) && r == 0; i++)
		r = strict_cost(x, strict_sizes[i], false);
	for (size_t i = 0; i < COUNT(strict_sizes) && r == 0; i++)
		r = strict_cost(x, strict_sizes[i], true);
	return r;
}

int bench_cases_run(struct bench_files *f, const struct bench_opts *o)
{
	struct ctx x = { .f = f, .o = o };
	int r = ctx_init(&x);

	if (r == 0)
		r = bench_pool_start();
	if (r == 0)
		r = run_all(&x);
	bench_pool_stop();
	ctx_fini(&x);
	return r;
}
