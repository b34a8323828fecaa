/* SPDX-License-Identifier: MIT */
/*
 * Batches.  On the CPU paths a range is written back when it is added and
 * the commit is one fence.  On the page path ranges are kept, merged
 * page-wise at commit, written back, and made durable by one fdatasync.
 * All memory is allocated by syncmap_batch_new().
 */
#include <errno.h>
#include <fcntl.h>
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

static int writeback_all(struct syncmap_batch *b)
{
	struct syncmap *m = b->m;
	size_t i;
	int r;

	b->n = sm_ranges_coalesce(b->r, b->n, (uintptr_t)sm_page_size());
	for (i = 0; i < b->n; i++) {
		uint64_t off = m->offset + (b->r[i].start - (uintptr_t)m->addr);

		r = sm_sys_sync_file_range(m->fd, off, b->r[i].end - b->r[i].start,
					   SYNC_FILE_RANGE_WRITE);
		if (r < 0)
			return sm_fail(r, SYNCMAP_CAUSE_ERROR,
				       "starting write-back at file offset %llu failed: %s",
				       (unsigned long long)off, strerror(-r));
	}
	b->n = 0;
	return 0;
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
	if (sm_unlikely(sm_check_range(m, addr, len)))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "range %p+%zu is not inside the mapping %p+%zu",
			       addr, len, (void *)m->addr, m->len);
	if (sm_likely(m->flush_fn != NULL)) {
		m->flush_fn(addr, len);
		b->dirty = true;
		return 0;
	}
	if (m->gran == SYNCMAP_GRAN_BYTE) {
		b->dirty = true;
		return 0;
	}
	if (m->rdonly)
		return sm_fail(-EBADF, SYNCMAP_CAUSE_READ_ONLY, "%s",
			       sm_cause_default_advice(SYNCMAP_CAUSE_READ_ONLY));
	if (b->n == b->cap) {
		/* Full: merge, and if that frees nothing start write-back
		 * now; the commit's fdatasync still covers these pages. */
		b->n = sm_ranges_coalesce(b->r, b->n, (uintptr_t)sm_page_size());
		if (b->n == b->cap && (r = writeback_all(b)) < 0)
			return r;
	}
	b->r[b->n].start = (uintptr_t)addr;
	b->r[b->n].end = (uintptr_t)addr + len;
	b->n++;
	b->dirty = true;
	return 0;
}

SM_EXPORT int syncmap_batch_commit(struct syncmap_batch *b)
{
	int r;

	if (sm_unlikely(!b))
		return -EINVAL;
	if (!b->dirty)
		return 0;
	b->dirty = false;
	if (sm_likely(b->m->gran != SYNCMAP_GRAN_PAGE)) {
		sm_fence();
		return 0;
	}
	/* On failure the batch is emptied all the same: after a failed
	 * fdatasync the kernel has dropped its dirty state, so the caller
	 * must write and add the data again either way. */
	r = writeback_all(b);
	b->n = 0;
	if (r < 0)
		return r;
	r = sm_sys_fdatasync(b->m->fd);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "fdatasync of the batch failed: %s; the batch's data may not be "
			       "durable, write it again and commit it again", strerror(-r));
	return 0;
}
