/* SPDX-License-Identifier: MIT */
/*
 * Batches.  On the CPU paths a range is written back when it is added and
 * the commit is one fence.  On a path with a commit of its own (the page
 * path: merged page-wise, written back, one fdatasync) ranges are kept and
 * handed to it at commit.  All memory is allocated by syncmap_batch_new().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SM_BATCH_DEFAULT 64

struct syncmap_batch {
	struct syncmap *m;
	size_t cap, n;
	bool dirty;		/* something was added since the last commit */
	struct sm_range r[];
};

SM_EXPORT int syncmap_batch_new(struct syncmap *m, size_t capacity,
				struct syncmap_batch **out)
{
	struct syncmap_batch *b;

	if (!m || !out)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "mapping and out must be given");
	if (capacity == 0)
		capacity = SM_BATCH_DEFAULT;
	if (capacity > (SIZE_MAX - sizeof(*b)) / sizeof(b->r[0]))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "capacity %zu is too large", capacity);
	b = calloc(1, sizeof(*b) + capacity * sizeof(b->r[0]));
	if (!b)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for a batch");
	b->m = m;
	b->cap = capacity;
	*out = b;
	return 0;
}

SM_EXPORT void syncmap_batch_free(struct syncmap_batch *b)
{
	free(b);
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

SM_EXPORT int syncmap_batch_add(struct syncmap_batch *b, const void *addr, size_t len)
{
	struct syncmap *m;
	int r;

	if (sm_unlikely(!b))
		return -EINVAL;
	m = b->m;
	if (sm_unlikely(len == 0))
		return 0;
	if (sm_unlikely(!sm_in_range(m, addr, len)))
		return sm_range_error(m, "range", addr, len);
	if (sm_likely(m->flush_fn != NULL)) {
		m->flush_fn(addr, len);
		b->dirty = true;
		return 0;
	}
	/* A path whose commit is a drain writes back as ranges come. */
	if (!m->ops->commit) {
		r = m->ops->flush(m, (uintptr_t)addr, (uintptr_t)addr + len);
		if (r == 0)
			b->dirty = true;
		return r;
	}
	if (b->n == b->cap && (r = m->ops->full(m, b->r, &b->n)) < 0)
		return r;
	b->r[b->n].start = (uintptr_t)addr;
	b->r[b->n].end = (uintptr_t)addr + len;
	b->n++;
	b->dirty = true;
	return 0;
}

SM_EXPORT int syncmap_batch_commit(struct syncmap_batch *b)
{
	struct syncmap *m;
	size_t n;

	if (sm_unlikely(!b))
		return -EINVAL;
	if (!b->dirty)
		return 0;
	m = b->m;
	b->dirty = false;
	if (sm_likely(m->flush_fn != NULL)) {
		sm_fence();
		return 0;
	}
	if (!m->ops->commit)
		return m->ops->drain(m);
	/* On failure the batch is emptied all the same: after a failed
	 * write-back the kernel has dropped its dirty state, so the caller
	 * must write and add the data again either way. */
	n = b->n;
	b->n = 0;
	return m->ops->commit(m, b->r, n);
}
