/* SPDX-License-Identifier: MIT */
/*
 * The journaled path's operations (sm_journal_ops): a persist stages the
 * cache lines it covers as one record and waits for its group to be
 * durable; flush stages without waiting and drain waits; a batch stages
 * all its ranges and waits once.  After a failed write or fdatasync of
 * the journal the kernel's state of the page cache is unknown: the
 * journal fails every later persist with -EIO until close, and close
 * leaves the records for the next open.
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

static size_t line_of(const struct syncmap *m)
{
	size_t line = m->line >= 64 ? m->line : 64, page = (size_t)sm_page_size();

	return line < page ? line : page;
}

/* The whole lines under [start, end), cut at the end of the mapping. */
static void lines(const struct syncmap *m, uintptr_t *start, uintptr_t *end)
{
	uintptr_t mask = line_of(m) - 1, limit = (uintptr_t)m->map_base + sm_map_len(m);

	*start &= ~mask;
	*end = (*end + mask) & ~mask;
	if (*end > limit)
		*end = limit;
}

static int grow(struct sm_jbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : SM_J_STAGE_MIN;
	uint8_t *p;

	if (b->len + need <= b->cap)
		return 0;
	while (cap < b->len + need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for the journal's staging");
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Room for need more bytes in this generation, checkpointing if not. */
static int room(struct sm_journal *j, size_t need)
{
	for (;;) {
		if (j->err)
			return sm_j_sticky(j);
		if (j->checkpointing) {
			pthread_cond_wait(&j->cv, &j->mu);
			continue;
		}
		if (j->stage_off + j->buf[j->cur].len + need <= j->limit)
			return 0;
		int r = sm_j_checkpoint(j, true);

		if (r < 0)
			return r;
	}
}

/* A caller that will wait for its records: one of the last group's
 * callers is back, or a new one joined. */
static void caller(struct sm_journal *j)
{
	j->buf[j->cur].callers++;
	if (j->expect && --j->expect == 0)
		pthread_cond_signal(&j->lead_cv);
}

/*
 * A child of fork() shares the journal's file and offsets with its
 * parent: appends of both would overwrite each other.  Only the process
 * that opened it may use it.
 */
static int usable(const struct sm_journal *j)
{
	if (sm_likely(sm_sys_getpid() == j->pid))
		return 0;
	return sm_fail(-ENOTSUP, SYNCMAP_CAUSE_ERROR,
		       "this journaled mapping was opened by process %ld, before a fork(): a child "
		       "appending to the same journal would overwrite its parent's records; open "
		       "the file in the child (after the parent closed it)", j->pid);
}

/* Copy [start, end) (whole lines) into the staging buffer.  Locked. */
static int stage(struct syncmap *m, struct sm_journal *j, uintptr_t start, uintptr_t end)
{
	struct sm_jbuf *b = &j->buf[j->cur];
	size_t len = end - start;
	int r = grow(b, SM_J_REC_HDR + len);
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

/*
 * Too large to journal (more than a quarter of it, or than a record's
 * 32-bit length and a staging buffer should hold): a checkpoint's
 * fdatasync of the data file covers the range, and no older record can
 * be replayed over it.
 */
#define SM_J_RECORD_MAX (256u << 20)

static bool too_large(const struct sm_journal *j, size_t bytes)
{
	return bytes > j->size / 4 || bytes > SM_J_RECORD_MAX;
}

static int journal_persist(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	int r;

	lines(m, &start, &end);
	if ((r = usable(j)) < 0)
		return r;
	sm_j_lock(j);
	j->st.persists++;
	if (too_large(j, SM_J_REC_HDR + (end - start)))
		r = sm_j_checkpoint(j, true);
	else if ((r = room(j, SM_J_REC_HDR + (end - start))) == 0 &&
		 (r = stage(m, j, start, end)) == 0) {
		caller(j);
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

	lines(m, &start, &end);
	if ((r = usable(j)) < 0)
		return r;
	sm_j_lock(j);
	if (too_large(j, SM_J_REC_HDR + (end - start)))
		r = sm_j_checkpoint(j, true);
	else if ((r = room(j, SM_J_REC_HDR + (end - start))) == 0)
		r = stage(m, j, start, end);
	sm_j_unlock(j);
	return r;
}

static int journal_drain(struct syncmap *m)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	int r;

	if ((r = usable(j)) < 0)
		return r;
	sm_j_lock(j);
	j->st.persists++;
	if (j->buf[j->cur].len)
		caller(j);
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
		lines(m, &rg[i].start, &rg[i].end);
	n = sm_ranges_coalesce(rg, n, line_of(m));
	for (size_t i = 0; i < n; i++)
		bytes += SM_J_REC_HDR + (rg[i].end - rg[i].start);
	if ((r = usable(j)) < 0)
		return r;
	sm_j_lock(j);
	j->st.persists++;
	if (too_large(j, bytes)) {
		r = sm_j_checkpoint(j, true);
	} else if ((r = room(j, bytes)) == 0) {
		for (size_t i = 0; i < n && r == 0; i++)
			r = stage(m, j, rg[i].start, rg[i].end);
		if (r == 0) {
			caller(j);
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
