/* SPDX-License-Identifier: MIT */
/*
 * Batches.  On the CPU paths a range is written back when it is added and
 * the commit is one fence.  On a path with a commit of its own (the page
 * path: merged page-wise, one msync(MS_SYNC) over their span) ranges are
 * kept and handed to it at commit.  All memory for ranges is allocated by
 * syncmap_batch_new().
 *
 * A batch of copies (syncmap_batch_add_copy()) keeps the caller's bytes
 * in memory of its own, grown as copies come, and hands them to the
 * path's commit_copies at commit: a path that can place them atomically
 * (the journal) has one, the others refuse them when they are added.
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
	/* Copies: their bytes one after another in data. */
	struct sm_bcopy *copies;
	size_t ncopies, copies_cap;
	uint8_t *data;
	size_t data_len, data_cap;
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
	if (b) {
		free(b->copies);
		free(b->data);
	}
	free(b);
}

static int mixed(void)
{
	return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
		       "a batch holds either ranges (syncmap_batch_add) or copies "
		       "(syncmap_batch_add_copy) until it is committed, not both: a copy is placed "
		       "atomically and a range is not; commit one kind before adding the other");
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
	if (sm_unlikely(b->ncopies))
		return mixed();
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

static int no_atomic_copies(const struct syncmap *m)
{
	return sm_fail(-EOPNOTSUPP, SYNCMAP_CAUSE_ERROR,
		       "this mapping took the %s path, where bytes reach the file whenever they are "
		       "stored or written back, so a group of them cannot be placed atomically; "
		       "atomic batches need the journaled path (SYNCMAP_JOURNAL, on a file without "
		       "MAP_SYNC); here, store the bytes and commit a batch of ranges (durable, "
		       "not atomic)", syncmap_path_name(syncmap_path(m)));
}

/* Room for one more copy of len bytes. */
static int copy_room(struct syncmap_batch *b, size_t len)
{
	if (b->ncopies == b->copies_cap) {
		size_t cap = b->copies_cap ? 2 * b->copies_cap : 16;
		struct sm_bcopy *c = realloc(b->copies, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		b->copies = c;
		b->copies_cap = cap;
	}
	if (len > SIZE_MAX / 2 - b->data_len)
		return -ENOMEM;
	if (b->data_len + len > b->data_cap) {
		size_t cap = b->data_cap ? b->data_cap : 4096;
		uintptr_t old = (uintptr_t)b->data;
		uint8_t *d;

		while (cap < b->data_len + len)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		/* The copies point into data: move them along, by offset (the
		 * old pointer may not be used once realloc freed it). */
		for (size_t i = 0; i < b->ncopies; i++)
			b->copies[i].data = d + ((uintptr_t)b->copies[i].data - old);
		b->data = d;
		b->data_cap = cap;
	}
	return 0;
}

SM_EXPORT int syncmap_batch_add_copy(struct syncmap_batch *b, void *dst, const void *src,
				     size_t len)
{
	struct syncmap *m;
	struct sm_bcopy *c;

	if (sm_unlikely(!b))
		return -EINVAL;
	if (sm_unlikely(!src && len))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "src must be given");
	m = b->m;
	if (len == 0)
		return 0;
	if (!sm_in_range(m, dst, len))
		return sm_range_error(m, "destination", dst, len);
	if (!m->ops->commit_copies)
		return no_atomic_copies(m);
	if (b->dirty && !b->ncopies)
		return mixed();
	if (copy_room(b, len) < 0)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
			       "out of memory for a copy of %zu bytes in a batch holding %zu", len,
			       b->data_len);
	c = &b->copies[b->ncopies++];
	c->dst = (uintptr_t)dst;
	c->data = b->data + b->data_len;
	c->len = len;
	memcpy(b->data + b->data_len, src, len);
	b->data_len += len;
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
	if (b->ncopies) {
		/* Emptied on failure too: whether the unit was written is
		 * unknown after a failed write, and replay applies it whole
		 * or not at all; the mapping has none of its bytes. */
		n = b->ncopies;
		b->ncopies = 0;
		b->data_len = 0;
		return m->ops->commit_copies(m, b->copies, n);
	}
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
