/* SPDX-License-Identifier: MIT */
/*
 * Batches.  On the CPU paths a range is written back when it is added and
 * the commit is one fence.  On a path with a commit of its own (the page
 * path: merged page-wise, one msync(MS_SYNC) over their span) ranges are
 * kept and handed to it at commit.  All memory is allocated by syncmap_batch_new().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "log.h"
#include "mapping.h"
#include "ranges.h"

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
