/* SPDX-License-Identifier: MIT */
/*
 * Ranges of a mapping: the errors every entry point returns for a range
 * outside the mapping or a write to a read-only one (one sentence each,
 * written once here), and the merge of a batch's ranges that the page
 * path and the journal commit.
 */
#include <errno.h>
#include <string.h>

#include "cause.h"
#include "log.h"
#include "ranges.h"

int sm_range_error(const struct syncmap *m, const char *what, const void *addr,
		   size_t len)
{
	return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
		       "%s %p+%zu is not inside the mapping %p+%zu",
		       what, addr, len, (void *)m->addr, m->len);
}

int sm_readonly_error(void)
{
	return sm_fail(-EBADF, SYNCMAP_CAUSE_READ_ONLY, "%s",
		       sm_cause_default_advice(SYNCMAP_CAUSE_READ_ONLY));
}

static void sift_down(struct sm_range *r, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct sm_range t;

		if (c >= n)
			return;
		if (c + 1 < n && r[c + 1].start > r[c].start)
			c++;
		if (r[i].start >= r[c].start)
			return;
		t = r[i];
		r[i] = r[c];
		r[c] = t;
		i = c;
	}
}

/* Heapsort: in place and O(n log n), so no allocation and no libc qsort
 * (which may call malloc). */
static void sort_ranges(struct sm_range *r, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(r, i, n);
	for (i = n; i-- > 1;) {
		struct sm_range t = r[0];

		r[0] = r[i];
		r[i] = t;
		sift_down(r, 0, i);
	}
}

/**
 * sm_ranges_coalesce() - round ranges out to @page, sort and merge them
 *
 * Return: the number of disjoint, non-adjacent ranges left at the front.
 */
size_t sm_ranges_coalesce(struct sm_range *r, size_t n, uintptr_t page)
{
	size_t i, out = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		r[i].start &= ~(page - 1);
		r[i].end = (r[i].end + page - 1) & ~(page - 1);
	}
	sort_ranges(r, n);
	for (i = 1; i < n; i++) {
		if (r[i].start <= r[out].end) {
			if (r[i].end > r[out].end)
				r[out].end = r[i].end;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}
