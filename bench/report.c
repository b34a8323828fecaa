/* SPDX-License-Identifier: MIT */
/*
 * Output: one JSON object per line (--json) or a table, the ratios of
 * libsyncmap against each baseline, and the speed targets (listed in
 * doc/PERFORMANCE.md).
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "report.h"

#define MAX_RESULTS 256

static struct result results[MAX_RESULTS];
static size_t nresults;

/* "page": the page path's batch in the journal cases (--journal). */
static const char *const impl_order[] = { "syncmap", "raw", "libpmem", "libpmem2", "msync",
					   "fdatasync", "page", "strict" };
#define NIMPL (sizeof(impl_order) / sizeof(impl_order[0]))

size_t report_count(void)
{
	return nresults;
}

const struct result *report_get(size_t i)
{
	return &results[i];
}

bool report_same_mode(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

const struct result *report_find(const char *bench, const char *path, const char *impl,
				 const char *mode, size_t size, unsigned threads)
{
	for (size_t i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		if (!strcmp(r->bench, bench) && !strcmp(r->path, path) &&
		    !strcmp(r->impl, impl) && report_same_mode(r->mode, mode) &&
		    r->size == size && r->threads == threads)
			return r;
	}
	return NULL;
}

double report_ratio(const struct result *a, const struct result *b, double *spread)
{
	double v[BENCH_MAX_REPS], med;
	unsigned n = 0;

	for (unsigned i = 0; a && b && i < a->reps && i < b->reps; i++)
		if (b->seq[i] > 0)
			v[n++] = a->seq[i] / b->seq[i];
	med = bench_median(v, n);
	if (spread)
		*spread = n >= 4 && med > 0 ? (v[n * 3 / 4] - v[n / 4]) / med : 0;
	return med;
}

static double ratio(const struct result *a, const struct result *b)
{
	return report_ratio(a, b, NULL);
}

static const struct result *peer(const struct result *r, const char *impl)
{
	return report_find(r->bench, r->path, impl, r->mode, r->size, r->threads);
}

static const struct result *one_thread(const struct result *r)
{
	return r->threads == 1 ? NULL : report_find(r->bench, r->path, r->impl, r->mode, r->size, 1);
}

static const struct result *single_of(const struct result *r)
{
	if (!r->mode || strcmp(r->mode, "batch"))
		return NULL;
	return report_find(r->bench, r->path, r->impl, "single", r->size, r->threads);
}

static void json_row(const struct result *r)
{
	const struct result *o;
	bool first = true;

	printf("{\"bench\":\"%s\",\"path\":\"%s\",\"impl\":\"%s\",", r->bench, r->path, r->impl);
	if (r->mode)
		printf("\"mode\":\"%s\",", r->mode);
	printf("\"size\":%zu,\"threads\":%u,\"ns_per_op\":%.1f,\"min_ns_per_op\":%.1f,"
	       "\"spread\":%.3f,\"reps\":%u,\"durable\":%s", r->size, r->threads, r->ns,
	       r->min_ns, r->spread, r->reps, r->durable ? "true" : "false");
	if (!strcmp(r->impl, "syncmap")) {
		for (size_t k = 1; k < NIMPL; k++) {
			/* Strict mode is not a baseline: strict_over_normal. */
			if (!strcmp(impl_order[k], "strict") || (o = peer(r, impl_order[k])) == NULL)
				continue;
			printf("%s\"%s\":%.3f", first ? ",\"ratio_vs\":{" : ",", o->impl, ratio(r, o));
			first = false;
		}
		if (!first)
			printf("}");
	}
	if ((o = one_thread(r)) != NULL)
		printf(",\"speedup_vs_1_thread\":%.3f", ratio(o, r));
	if ((o = single_of(r)) != NULL)
		printf(",\"single_over_batch\":%.3f", ratio(o, r));
	if (!strcmp(r->impl, "syncmap") && (o = peer(r, "strict")) != NULL)
		printf(",\"strict_over_normal\":%.3f", ratio(o, r));
	printf("}\n");
}

/* The strict column only in the strict case's table. */
static bool column(const char *bench, size_t k)
{
	if (!strcmp(impl_order[k], "page"))
		return false;	/* --journal prints its own tables */
	return strcmp(impl_order[k], "strict") || !strcmp(bench, "strict");
}

static void table_title(const struct bench_case *c)
{
	static const char *last_bench, *last_path;

	if (last_bench == c->bench && last_path == c->path)
		return;
	last_bench = c->bench;
	last_path = c->path;
	printf("\n== %s, %s path%s ==\n", c->bench, c->path,
	       !c->durable ? "  [FORCED: CPU COST ONLY, NOT DURABLE]" : "");
	printf("%9s %3s %-6s", "size", "thr", "mode");
	for (size_t k = 0; k < NIMPL; k++)
		if (column(c->bench, k))
			printf(" %10s", impl_order[k]);
	printf("   | ns per op; ratios are libsyncmap's time over the other's\n");
}

/* The 2-thread speedup of each baseline measured on 2 threads too. */
static void baseline_speedups(const struct result *r)
{
	const struct result *o, *one;
	const char *sep = " [";

	for (size_t k = 1; k < NIMPL; k++) {
		if ((o = peer(r, impl_order[k])) == NULL || (one = one_thread(o)) == NULL)
			continue;
		printf("%s%s %.2f", sep, o->impl, ratio(one, o));
		sep = ", ";
	}
	if (strcmp(sep, " ["))
		printf("]");
}

static void table_ratios(const struct result *r)
{
	const struct result *o;

	printf("   |");
	for (size_t k = 1; k < NIMPL; k++)
		if (strcmp(impl_order[k], "strict") && (o = peer(r, impl_order[k])) != NULL)
			printf(" /%s %.2f", o->impl, ratio(r, o));
	if ((o = one_thread(r)) != NULL) {
		printf("  2-thread speedup %.2f", ratio(o, r));
		baseline_speedups(r);
	}
	if ((o = single_of(r)) != NULL)
		printf("  single/batch %.2f", ratio(o, r));
	if ((o = peer(r, "strict")) != NULL)
		printf("  strict/normal %.2f", ratio(o, r));
}

static void table_row(const struct result *r)
{
	const struct result *o;

	printf("%9zu %3u %-6s", r->size, r->threads, r->mode ? r->mode : "-");
	for (size_t k = 0; k < NIMPL; k++) {
		if (!column(r->bench, k))
			continue;
		if ((o = peer(r, impl_order[k])) != NULL)
			printf(" %10.1f", o->ns);
		else
			printf(" %10s", "-");
	}
	table_ratios(r);
	printf("\n");
}

static struct result *store(const struct bench_case *c, struct entry *e)
{
	struct result *r;

	if (nresults == MAX_RESULTS)
		return NULL;
	r = &results[nresults++];
	*r = (struct result){ .bench = c->bench, .path = c->path, .impl = e->impl,
			      .mode = e->mode, .size = c->size, .threads = e->threads,
			      .reps = e->nsamples, .durable = c->durable };
	for (unsigned i = 0; i < e->nsamples; i++)
		r->seq[i] = e->samples[i];
	r->ns = bench_median(e->samples, e->nsamples);	/* sorts */
	r->min_ns = e->nsamples ? e->samples[0] : 0;
	if (r->ns > 0 && e->nsamples >= 4)
		r->spread = (e->samples[e->nsamples * 3 / 4] - e->samples[e->nsamples / 4]) / r->ns;
	return r;
}

void report_keep(const struct bench_case *c, bool json)
{
	size_t first = nresults;

	for (size_t i = 0; i < c->n; i++)
		store(c, (struct entry *)&c->e[i]);
	for (size_t i = first; json && i < nresults; i++)
		json_row(&results[i]);
	fflush(stdout);
}

void report_case(const struct bench_case *c, bool json)
{
	size_t first = nresults;

	for (size_t i = 0; i < c->n; i++)
		store(c, (struct entry *)&c->e[i]);
	if (!json)
		table_title(c);
	for (size_t i = first; i < nresults; i++) {
		const struct result *r = &results[i];

		if (json)
			json_row(r);
		else if (!strcmp(r->impl, "syncmap") || !report_find(r->bench, r->path, "syncmap",
							  r->mode, r->size, r->threads))
			table_row(r);
	}
	fflush(stdout);
}
