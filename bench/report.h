/* SPDX-License-Identifier: MIT */
/* syncmap-bench: the results kept for ratios and targets. */
#ifndef SYNCMAP_BENCH_REPORT_H
#define SYNCMAP_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "bench.h"

struct result {
	const char *bench, *path, *impl, *mode;
	size_t size;
	unsigned threads, reps;
	double ns, min_ns;
	double spread;		/* interquartile range over the median */
	bool durable;
	double seq[BENCH_MAX_REPS];	/* ns per op, in repetition order */
};

/*
 * a's time over b's, the median of the ratios of samples taken in the same
 * repetition (moments apart), so a slow phase of a shared machine slows
 * both sides of each ratio.  With spread, the interquartile range of those
 * ratios over their median.  0 if there is nothing to compare.
 */
double report_ratio(const struct result *a, const struct result *b, double *spread);

size_t report_count(void);
const struct result *report_get(size_t i);
bool report_same_mode(const char *a, const char *b);
const struct result *report_find(const char *bench, const char *path, const char *impl,
				 const char *mode, size_t size, unsigned threads);

#endif
