/* SPDX-License-Identifier: MIT */
/*
 * Atomic units: a batch of copies (syncmap_batch_add_copy()) journaled as
 * one unit and placed in the mapping once it is durable.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "journal_int.h"

/*
 * A batch of copies as one atomic unit: each copy a record of the whole
 * lines under its destination, the mapping's bytes with the copy's laid
 * over them, chained by unit_left so that a replay applies all of them or
 * none.  Nothing reaches the mapping before the unit is durable: the
 * kernel may write a dirty page of a shared mapping back at any moment,
 * so a store made earlier could reach the file without its unit.  Locked.
 */
static int stage_copy(struct syncmap *m, struct sm_journal *j, const struct sm_bcopy *c,
		      size_t i, uint32_t unit_left)
{
	uintptr_t start = c[i].dst, end = c[i].dst + c[i].len;
	struct sm_jbuf *b = &j->buf[j->cur];
	uint8_t *dst;
	size_t len;
	int r;

	sm_j_lines(m, &start, &end);
	len = end - start;
	if ((r = sm_j_grow(b, SM_J_REC_HDR + len)) < 0)
		return r;
	dst = b->p + b->len + SM_J_REC_HDR;
	memcpy(dst, (const void *)start, len);
	/* The copies up to this one, in order, where they touch its lines:
	 * the record carries a line as the whole unit leaves it so far, or
	 * its replay would undo an earlier copy in a line they share. */
	for (size_t k = 0; k <= i; k++) {
		uintptr_t a = c[k].dst > start ? c[k].dst : start;
		uintptr_t e = c[k].dst + c[k].len < end ? c[k].dst + c[k].len : end;

		if (a < e)
			memcpy(dst + (a - start), c[k].data + (a - c[k].dst), e - a);
	}
	sm_j_record_encode_unit(b->p + b->len, j->gen, ++j->rec_seq,
				m->offset + (start - (uintptr_t)m->map_base), (uint32_t)len,
				j->file_size, unit_left);
	b->len += SM_J_REC_HDR + len;
	b->last = ++j->ticket;
	return 0;
}

static size_t copies_bytes(const struct syncmap *m, const struct sm_bcopy *c, size_t n)
{
	size_t bytes = 0;

	for (size_t i = 0; i < n; i++) {
		uintptr_t start = c[i].dst, end = c[i].dst + c[i].len;

		sm_j_lines(m, &start, &end);
		bytes += SM_J_REC_HDR + (end - start);
	}
	return bytes;
}

int sm_j_commit_copies(struct syncmap *m, const struct sm_bcopy *c, size_t n)
{
	struct sm_journal *j = m->path_data;
	size_t bytes = copies_bytes(m, c, n), len0;
	uint64_t last0, seq0, ticket0;
	bool locked = true;
	int r;

	if ((r = sm_j_usable(j)) < 0)
		return r;
	if (n > UINT32_MAX || sm_j_too_large(j, bytes))
		return sm_fail(-EFBIG, SYNCMAP_CAUSE_ERROR,
			       "a batch of %zu copies takes %zu bytes of journal, more than a quarter "
			       "of the journal %s (%llu bytes), which a unit must fit in: nothing was "
			       "written; commit smaller batches, or open with a larger "
			       "SYNCMAP_JOURNAL_SIZE", n, bytes, j->path,
			       (unsigned long long)j->size);
	sm_j_lock(j);
	j->st.persists++;
	if ((r = sm_j_room(j, bytes)) < 0)
		goto out;
	len0 = j->buf[j->cur].len;
	last0 = j->buf[j->cur].last;
	seq0 = j->rec_seq;
	ticket0 = j->ticket;
	for (size_t i = 0; i < n && r == 0; i++)
		r = stage_copy(m, j, c, i, (uint32_t)(n - 1 - i));
	if (r < 0) {
		/* Unstage the unit cut short: the records after it would
		 * follow a unit a replay cannot complete, and be lost. */
		j->buf[j->cur].len = len0;
		j->buf[j->cur].last = last0;
		j->rec_seq = seq0;
		j->ticket = ticket0;
		goto out;
	}
	j->placing++;
	sm_j_caller(j);
	r = sm_j_wait_durable(j, j->ticket, &locked);
	if (locked)
		sm_j_unlock(j);
	if (r == 0)
		for (size_t i = 0; i < n; i++)
			memcpy((void *)c[i].dst, c[i].data, c[i].len);
	sm_j_lock(j);
	j->placing--;
	pthread_cond_broadcast(&j->cv);
out:
	sm_j_unlock(j);
	return r;
}

