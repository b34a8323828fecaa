/* SPDX-License-Identifier: MIT */
/*
 * The journaled path's operations (sm_journal_ops): a persist stages the
 * cache lines it covers as one record and waits for its group to be
 * durable; flush stages without waiting and drain waits; a batch stages
 * all its ranges and waits once, and a batch of copies is staged as one
 * atomic unit and copied into the mapping once it is durable.  After a
 * failed write or fdatasync of the journal the kernel's state of the
 * page cache is unknown: the journal fails every later persist with -EIO
 * until close, and close leaves the records for the next open.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "journal_int.h"

/* Copy [start, end) (whole lines) into the staging buffer.  Locked. */
static int stage(struct syncmap *m, struct sm_journal *j, uintptr_t start, uintptr_t end)
{
	struct sm_jbuf *b = &j->buf[j->cur];
	size_t len = end - start;
	int r = sm_j_grow(b, SM_J_REC_HDR + len);
	uint8_t *dst;

	if (r < 0)
		return r;
	dst = b->p + b->len;
	memcpy(dst + SM_J_REC_HDR, (const void *)start, len);
	sm_j_record_encode(dst, j->gen, ++j->rec_seq,
			   m->offset + (start - (uintptr_t)m->map_base), (uint32_t)len,
			   j->file_size);
	b->len += SM_J_REC_HDR + len;
	b->last = ++j->ticket;
	return 0;
}

static int journal_persist(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	int r;

	sm_j_lines(m, &start, &end);
	if ((r = sm_j_usable(j)) < 0)
		return r;
	sm_j_lock(j);
	j->st.persists++;
	if (sm_j_too_large(j, SM_J_REC_HDR + (end - start)))
		r = sm_j_checkpoint(j, true);
	else if ((r = sm_j_room(j, SM_J_REC_HDR + (end - start))) == 0 &&
		 (r = stage(m, j, start, end)) == 0) {
		sm_j_caller(j);
		r = sm_j_wait_durable(j, j->ticket, &locked);
	}
	if (locked)
		sm_j_unlock(j);
	return r;
}

static int journal_flush(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	struct sm_journal *j = m->path_data;
	int r;

	sm_j_lines(m, &start, &end);
	if ((r = sm_j_usable(j)) < 0)
		return r;
	sm_j_lock(j);
	if (sm_j_too_large(j, SM_J_REC_HDR + (end - start)))
		r = sm_j_checkpoint(j, true);
	else if ((r = sm_j_room(j, SM_J_REC_HDR + (end - start))) == 0)
		r = stage(m, j, start, end);
	sm_j_unlock(j);
	return r;
}

static int journal_drain(struct syncmap *m)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	int r;

	if ((r = sm_j_usable(j)) < 0)
		return r;
	sm_j_lock(j);
	j->st.persists++;
	if (j->buf[j->cur].len)
		sm_j_caller(j);
	r = sm_j_wait_durable(j, j->ticket, &locked);
	if (locked)
		sm_j_unlock(j);
	return r;
}

/* A batch: its ranges, merged line-wise, staged together: one write. */
static int journal_commit(struct syncmap *m, struct sm_range *rg, size_t n)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	size_t bytes = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		sm_j_lines(m, &rg[i].start, &rg[i].end);
	n = sm_ranges_coalesce(rg, n, sm_j_line_of(m));
	for (size_t i = 0; i < n; i++)
		bytes += SM_J_REC_HDR + (rg[i].end - rg[i].start);
	if ((r = sm_j_usable(j)) < 0)
		return r;
	sm_j_lock(j);
	j->st.persists++;
	if (sm_j_too_large(j, bytes)) {
		r = sm_j_checkpoint(j, true);
	} else if ((r = sm_j_room(j, bytes)) == 0) {
		for (size_t i = 0; i < n && r == 0; i++)
			r = stage(m, j, rg[i].start, rg[i].end);
		if (r == 0) {
			sm_j_caller(j);
			r = sm_j_wait_durable(j, j->ticket, &locked);
		}
	}
	if (locked)
		sm_j_unlock(j);
	return r;
}

static int journal_full(struct syncmap *m, struct sm_range *rg, size_t *n)
{
	int r = journal_commit(m, rg, *n);

	*n = 0;
	return r;
}

static void journal_free(struct sm_journal *j)
{
	if (j->fd >= 0)
		sm_sys_close(j->fd);
	for (int i = 0; i < SM_J_NBUF; i++)
		free(j->buf[i].p);
	pthread_cond_destroy(&j->cv);
	pthread_cond_destroy(&j->lead_cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* A last checkpoint, so the next open has nothing to replay; after a
 * failed write the records stay for it instead. */
static int journal_close(struct syncmap *m)
{
	struct sm_journal *j = m->path_data;
	int r = 0;

	sm_j_lock(j);
	/* A child of fork() leaves the journal to its parent. */
	if (!j->err && sm_sys_getpid() == j->pid)
		r = sm_j_checkpoint(j, false);
	sm_j_unlock(j);
	journal_free(j);
	m->path_data = NULL;
	m->ops = &sm_page_ops;
	return r;
}

const struct sm_path_ops sm_journal_ops = {
	.name = "journal",
	.persist = journal_persist,
	.flush = journal_flush,
	.drain = journal_drain,
	.commit = journal_commit,
	.commit_copies = sm_j_commit_copies,
	.full = journal_full,
	.close = journal_close,
};

void sm_journal_resized(struct syncmap *m, uint64_t size)
{
	struct sm_journal *j;

	if (m->ops != &sm_journal_ops)
		return;
	j = m->path_data;
	sm_j_lock(j);
	j->file_size = size;
	sm_j_unlock(j);
}

int sm_journal_stats(const struct syncmap *m, struct syncmap_journal_stats *out)
{
	struct sm_journal *j;

	if (m->ops != &sm_journal_ops)
		return -EINVAL;
	j = m->path_data;
	sm_j_lock(j);
	*out = j->st;
	sm_j_unlock(j);
	return 0;
}
