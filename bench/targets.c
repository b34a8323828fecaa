/* SPDX-License-Identifier: MIT */
/* The header of a run (machine, files, paths) and the speed targets that
 * doc/PERFORMANCE.md lists, each a ratio against a baseline of the same run. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "report.h"

struct target {
	const char *what;
	const char *bench, *path;
	const char *impl_a, *mode_a;	/* the measured one */
	unsigned threads_a;
	const char *impl_b, *mode_b;	/* what it is compared with */
	unsigned threads_b;
	bool at_most;			/* a/b <= limit, else b/a >= limit */
	double limit;
	const char *ref;		/* the same comparison for this impl */
	size_t size;			/* only rows of this size; 0: all */
};

static const struct target targets[] = {
	{ "persist cache_line: syncmap <= 1.05 x raw", "persist", "cache_line",
	  "syncmap", NULL, 1, "raw", NULL, 1, true, 1.05, NULL, 0 },
	{ "persist cache_line: syncmap never slower than libpmem", "persist", "cache_line",
	  "syncmap", NULL, 1, "libpmem", NULL, 1, true, 1.00, NULL, 0 },
	{ "persist cache_line: syncmap never slower than libpmem2", "persist", "cache_line",
	  "syncmap", NULL, 1, "libpmem2", NULL, 1, true, 1.00, NULL, 0 },
	{ "batch page: one batch >= 2 x faster than 64 single persists", "batch", "page",
	  "syncmap", "batch", 1, "syncmap", "single", 1, false, 2.0, NULL, 0 },
	{ "batch cache_line: syncmap <= 1.05 x raw write-back + one fence", "batch", "cache_line",
	  "syncmap", "batch", 1, "raw", "batch", 1, true, 1.05, NULL, 0 },
	{ "memcpy: syncmap <= 1.05 x libpmem2", "memcpy", "cache_line",
	  "syncmap", NULL, 1, "libpmem2", NULL, 1, true, 1.05, NULL, 0 },
	{ "threads persist cache_line: 2 threads >= 1.8 x throughput of 1", "persist",
	  "cache_line", "syncmap", NULL, 2, "syncmap", NULL, 1, false, 1.8, "raw", 0 },
	{ "threads batch cache_line: 2 threads >= 1.8 x throughput of 1", "batch",
	  "cache_line", "syncmap", "batch", 2, "syncmap", "batch", 1, false, 1.8, "raw", 0 },
	{ "threads batch page: 2 threads never below 1 x throughput of 1", "batch",
	  "page", "syncmap", "batch", 2, "syncmap", "batch", 1, false, 1.0, "msync", 0 },
	{ "batch page: 2 threads <= 1.10 x one msync by hand of each batch", "batch",
	  "page", "syncmap", "batch", 2, "msync", "batch", 2, true, 1.10, NULL, 0 },
	/* --journal: the journaled page path against what it replaces. */
	{ "journal persist: >= 2 x faster than msync of the page", "journal", "journal",
	  "syncmap", NULL, 1, "msync", NULL, 1, false, 2.0, NULL, 64 },
	{ "journal persist: <= 1.2 x a raw O_DSYNC write of its bytes", "journal", "journal",
	  "syncmap", NULL, 1, "raw", NULL, 1, true, 1.2, NULL, 64 },
	{ "journal batch of 16 lines: >= 8 x faster than the page batch", "journal",
	  "journal", "syncmap", "batch", 1, "page", "batch", 1, false, 8.0, NULL, 16 * 64 },
	{ "journal batch of 64 lines: >= 10 x faster than the page batch", "journal",
	  "journal", "syncmap", "batch", 1, "page", "batch", 1, false, 10.0, NULL, 64 * 64 },
	{ "journal threads: 2 threads never below 1 x throughput of 1", "journal", "journal",
	  "syncmap", NULL, 2, "syncmap", NULL, 1, false, 1.0, "raw", 64 },
	{ "journal threads: 4 threads >= 3 x throughput of 1", "journal", "journal",
	  "syncmap", NULL, 4, "syncmap", NULL, 1, false, 3.0, "raw", 64 },
};

static double value(const struct target *t, const struct result *a, const struct result *b,
		    double *spread)
{
	return t->at_most ? report_ratio(a, b, spread) : report_ratio(b, a, spread);
}

/* The same comparison for t->ref instead of libsyncmap, or 0. */
static double reference(const struct target *t, const struct result *a)
{
	const struct result *ra, *rb;

	if (!t->ref)
		return 0;
	ra = report_find(t->bench, t->path, t->ref, t->mode_a, a->size, t->threads_a);
	rb = report_find(t->bench, t->path, t->ref, t->mode_b, a->size, t->threads_b);
	return ra && rb ? value(t, ra, rb, NULL) : 0;
}

static void print_target(const struct target *t, const struct result *a,
			 const struct result *b, bool json)
{
	double noise, v = value(t, a, b, &noise), ref = reference(t, a);
	bool met = t->at_most ? v <= t->limit : v >= t->limit;

	if (json) {
		printf("{\"target\":\"%s\",\"size\":%zu,\"value\":%.3f,\"limit\":%.2f,"
		       "\"met\":%s,\"noise\":%.3f", t->what, a->size, v, t->limit,
		       met ? "true" : "false", noise);
		if (ref > 0)
			printf(",\"%s_value\":%.3f", t->ref, ref);
		printf("}\n");
		return;
	}
	printf("  %-7s %-64s %8zu B  %5.2f (%s %.2f) spread %3.0f%%", met ? "met" : "MISSED",
	       t->what, a->size, v, t->at_most ? "<=" : ">=", t->limit, noise * 100);
	if (ref > 0)
		printf("  [%s: %.2f]", t->ref, ref);
	printf("\n");
}

/* Return: how many comparisons missed their target. */
int report_targets(bool json)
{
	int missed = 0;

	if (!json)
		printf("\n== targets (median of per-repetition ratios; spread: their interquartile "
		       "range, this machine's noise) ==\n");
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const struct target *t = &targets[i];

		for (size_t k = 0; k < report_count(); k++) {
			const struct result *a = report_get(k), *b;

			if (strcmp(a->bench, t->bench) || strcmp(a->path, t->path) ||
			    strcmp(a->impl, t->impl_a) || !report_same_mode(a->mode, t->mode_a) ||
			    a->threads != t->threads_a || (t->size && a->size != t->size))
				continue;
			b = report_find(t->bench, t->path, t->impl_b, t->mode_b, a->size, t->threads_b);
			if (!b || a->ns <= 0 || b->ns <= 0)
				continue;
			double v = value(t, a, b, NULL);

			missed += t->at_most ? v > t->limit : v < t->limit;
			print_target(t, a, b, json);
		}
	}
	return missed;
}

void report_control(double speedup, bool json)
{
	if (json)
		printf("{\"control\":\"alu_throughput\",\"speedup_2_threads\":%.3f}\n", speedup);
	else
		printf("\nMachine check: pure ALU work on 2 threads gets %.2fx the throughput of 1 "
		       "thread;\nthe 2-thread rows below cannot scale better than that.\n", speedup);
}

void bench_cpu_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, size, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		snprintf(buf, size, "%s", colon + 2);
		buf[strcspn(buf, "\n")] = 0;
		break;
	}
	if (f)
		fclose(f);
}

static const char *const not_durable =
	"the cache-line path is FORCED on a file without MAP_SYNC "
	"(SYNCMAP_FORCE_GRANULARITY=cache_line, PMEM2_FORCE_GRANULARITY=CACHE_LINE): "
	"its numbers are CPU cost, NOT durability";

void report_header(const struct bench_opts *o, const struct bench_files *f)
{
	struct utsname u;
	char cpu[256];

	bench_cpu_model(cpu, sizeof(cpu));
	uname(&u);
	if (!f->cl_durable)
		fprintf(stderr, "\n*** syncmap-bench: %s ***\n\n", not_durable);
	if (o->json) {
		printf("{\"machine\":{\"cpu\":\"%s\",\"nproc\":%ld,\"kernel\":\"%s\"},"
		       "\"libsyncmap\":\"%s\",\"flush\":\"%s\",\"cache_line_durable\":%s,"
		       "\"quick\":%s%s%s%s}\n", cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release,
		       syncmap_version(), syncmap_insn_name(f->flush),
		       f->cl_durable ? "true" : "false", o->quick ? "true" : "false",
		       f->cl_durable ? "" : ",\"warning\":\"", f->cl_durable ? "" : not_durable,
		       f->cl_durable ? "" : "\"");
		return;
	}
	printf("syncmap-bench, libsyncmap %s: %s, %ld CPUs, Linux %s%s\n", syncmap_version(), cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), u.release, o->quick ? " (--quick)" : "");
	printf("cache-line file %s: %s, flush %s\n  %s\n", f->cl_path,
	       syncmap_granularity_name(syncmap_granularity(f->sm_cl.sm)),
	       syncmap_insn_name(f->flush), syncmap_advice(f->sm_cl.sm));
	printf("page file %s: %s\n  %s\n", f->pg_path,
	       syncmap_granularity_name(syncmap_granularity(f->sm_pg.sm)),
	       syncmap_advice(f->sm_pg.sm));
	if (!f->cl_durable)
		printf("\n*** %s ***\n", not_durable);
	printf("Each operation writes one word per cache line, then persists; medians of "
	       "interleaved repetitions.\nBatch rows: 64 records of 64 B in 64 pages, ns per "
	       "whole batch.  2-thread rows: wall time over all threads' operations.\n");
}
