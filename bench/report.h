/* SPDX-License-Identifier: MIT */
/* syncmap-bench: the results kept for ratios and targets. */
#ifndef SYNCMAP_BENCH_REPORT_H
#define SYNCMAP_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>

struct result {
	const char *bench, *path, *impl, *mode;
	size_t size;
	unsigned threads, reps;
	double ns, min_ns;
	double spread;		/* interquartile range over the median */
	bool durable;
};

size_t report_count(void);
const struct result *report_get(size_t i);
bool report_same_mode(const char *a, const char *b);
const struct result *report_find(const char *bench, const char *path, const char *impl,
				 const char *mode, size_t size, unsigned threads);

#endif
