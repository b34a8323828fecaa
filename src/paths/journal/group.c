/* SPDX-License-Identifier: MIT */
/*
 * Group commit and checkpoints.  A persisting thread copies its record
 * into the staging buffer under the mutex and takes a ticket.  If no write
 * is in flight it leads: it swaps the staging buffers, drops the mutex,
 * writes the whole group, and publishes the last ticket it covered as
 * durable.  Otherwise it sleeps until its ticket is durable (or it is
 * woken to lead the next group).  Groups are written in ticket order, so
 * a persist that returned is durable before anything a later one makes
 * durable.  The mutex is never held across I/O, and nobody spins.
 *
 * Checkpoint (at 3/4 full, for a persist too large to journal, and at
 * close): once the batches of copies made durable are in the mapping,
 * fdatasync the data file, which covers every page the mapping
 * dirtied, then a header of the next generation in the other slot.  Until
 * that header is durable the old records are valid, and replaying them is
 * idempotent, so a crash at any step replays correctly.
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

/* ---- the path */

size_t sm_j_line_of(const struct syncmap *m)
{
	size_t line = m->line >= 64 ? m->line : 64, page = (size_t)sm_page_size();

	return line < page ? line : page;
}

/* The whole lines under [start, end), cut at the end of the mapping. */
void sm_j_lines(const struct syncmap *m, uintptr_t *start, uintptr_t *end)
{
	uintptr_t mask = sm_j_line_of(m) - 1, limit = (uintptr_t)m->map_base + sm_map_len(m);

	*start &= ~mask;
	*end = (*end + mask) & ~mask;
	if (*end > limit)
		*end = limit;
}

int sm_j_grow(struct sm_jbuf *b, size_t need)
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
int sm_j_room(struct sm_journal *j, size_t need)
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
void sm_j_caller(struct sm_journal *j)
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
int sm_j_usable(const struct sm_journal *j)
{
	if (sm_likely(sm_sys_getpid() == j->pid))
		return 0;
	return sm_fail(-ENOTSUP, SYNCMAP_CAUSE_ERROR,
		       "this journaled mapping was opened by process %ld, before a fork(): a child "
		       "appending to the same journal would overwrite its parent's records; open "
		       "the file in the child (after the parent closed it)", j->pid);
}

/*
 * Too large to journal (more than a quarter of it, or than a record's
 * 32-bit length and a staging buffer should hold): a checkpoint's
 * fdatasync of the data file covers the range, and no older record can
 * be replayed over it.
 */
#define SM_J_RECORD_MAX (256u << 20)

bool sm_j_too_large(const struct sm_journal *j, size_t bytes)
{
	return bytes > j->size / 4 || bytes > SM_J_RECORD_MAX;
}


void sm_j_lock(struct sm_journal *j)
{
	pthread_mutex_lock(&j->mu);
}

void sm_j_unlock(struct sm_journal *j)
{
	pthread_mutex_unlock(&j->mu);
}

int sm_j_sticky(const struct sm_journal *j)
{
	return sm_fail(j->err, SYNCMAP_CAUSE_ERROR,
		       "an earlier write to the journal %s failed, so the state of the file's pages "
		       "is unknown: every persist fails until the mapping is closed; close it and "
		       "open it again (that replays what was persisted)", j->path);
}

/*
 * How long the next write may wait for the callers of the last group to
 * come back with their next records: a quarter of a write, so that a
 * thread that does not come back costs little.  Without it the threads
 * split in two halves that alternate, each write carrying half of them.
 */
static uint64_t defer_ns(const struct sm_journal *j)
{
	uint64_t d = j->last_write_ns / 4;

	return d < 10000 ? 10000 : d > 500000 ? 500000 : d;
}

/* Post the waiters made durable (or failed), and one to lead what is
 * staged if no write may be started by anyone else.  Locked. */
static void wake_waiters(struct sm_journal *j)
{
	struct sm_jwaiter **pp = &j->waiters, *w;

	while ((w = *pp) != NULL) {
		if (w->ticket <= j->durable || j->err) {
			*pp = w->next;
			sem_post(&w->sem);
		} else {
			pp = &w->next;
		}
	}
	if (j->waiters && j->buf[j->cur].len && j->nbusy < SM_J_INFLIGHT) {
		w = j->waiters;
		j->waiters = w->next;
		sem_post(&w->sem);
	}
}

/* Publish, in order, the groups whose writes are done.  Locked. */
static void publish(struct sm_journal *j)
{
	bool more = true;

	while (more) {
		more = false;
		for (int i = 0; i < SM_J_NBUF; i++) {
			struct sm_jbuf *b = &j->buf[i];

			if (!b->busy || !b->done || b->group != j->groups_published)
				continue;
			j->expect = b->callers;
			j->defer_until = sm_sys_now_ns() + defer_ns(j);
			b->callers = 0;
			if (b->result == 0 && !j->err) {
				__atomic_store_n(&j->durable, b->last, __ATOMIC_RELEASE);
				j->st.writes++;
				j->st.bytes += b->len;
			} else {
				j->err = -EIO;
			}
			b->busy = false;
			b->len = 0;
			j->nbusy--;
			j->groups_published++;
			more = true;
		}
	}
	wake_waiters(j);
	pthread_cond_broadcast(&j->cv);
}

/* Write the staging buffer as one group.  Called and returns locked. */
static int lead(struct sm_journal *j)
{
	struct sm_jbuf *b = &j->buf[j->cur];
	uint64_t off = j->stage_off, t0;
	size_t len = b->len;
	int r;

	b->group = j->groups_started++;
	b->busy = true;
	b->done = false;
	j->nbusy++;
	for (int i = 0; i < SM_J_NBUF; i++)
		if (!j->buf[i].busy)
			j->cur = i;
	j->stage_off += len;
	sm_j_unlock(j);
	t0 = sm_sys_now_ns();
	r = sm_sys_pwrite_all(j->fd, b->p, len, off);
	if (r == 0)
		r = sm_sys_fdatasync(j->fd);
	t0 = sm_sys_now_ns() - t0;
	sm_j_lock(j);
	j->last_write_ns = t0;
	b->done = true;
	b->result = r;
	publish(j);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "writing %zu bytes to the journal %s failed: %s; what this call "
			       "persisted may not be durable; close the mapping and open it again%s",
			       len, j->path, strerror(-r),
			       r == -ENOSPC ? " (the journal was preallocated: the file system "
			       "refused to write blocks it already has)" : "");
	return 0;
}

/* Wait on the condition variable, until the deadline if one is given. */
static void jwait(struct sm_journal *j, uint64_t until)
{
	struct timespec ts;

	if (!until) {
		pthread_cond_wait(&j->cv, &j->mu);
		return;
	}
	ts.tv_sec = (time_t)(until / 1000000000u);
	ts.tv_nsec = (long)(until % 1000000000u);
	pthread_cond_timedwait(&j->lead_cv, &j->mu, &ts);
}

/*
 * Until ticket t is durable: lead when a write may start and something
 * is staged, once the callers of the last group are back (or their time
 * is up); else sleep.  Called locked; *locked says how it returns (a
 * waiter made durable returns without the mutex).
 */
int sm_j_wait_durable(struct sm_journal *j, uint64_t t, bool *locked)
{
	*locked = true;
	while (__atomic_load_n(&j->durable, __ATOMIC_RELAXED) < t) {
		struct sm_jwaiter w;

		if (j->err)
			return sm_j_sticky(j);
		if (j->nbusy < SM_J_INFLIGHT && j->buf[j->cur].len) {
			int r;

			if (j->expect && sm_sys_now_ns() < j->defer_until) {
				jwait(j, j->defer_until);
				continue;
			}
			r = lead(j);
			if (r < 0)
				return r;
			continue;
		}
		sem_init(&w.sem, 0, 0);
		w.ticket = t;
		w.next = j->waiters;
		j->waiters = &w;
		sm_j_unlock(j);
		while (sem_wait(&w.sem) < 0)
			;	/* EINTR: the post is still to come */
		sem_destroy(&w.sem);
		if (__atomic_load_n(&j->durable, __ATOMIC_ACQUIRE) >= t) {
			*locked = false;
			return 0;
		}
		sm_j_lock(j);
	}
	return 0;
}

/*
 * Checkpoint.  Locked; persisters wait while it runs.  Everything staged
 * is written first, then the data file made durable, then the next
 * generation's header.
 */
int sm_j_checkpoint(struct sm_journal *j, bool counted)
{
	struct sm_j_header h;
	bool locked;
	int r;

	while (j->checkpointing)
		pthread_cond_wait(&j->cv, &j->mu);
	if (j->err)
		return sm_j_sticky(j);
	j->checkpointing = true;
	r = sm_j_wait_durable(j, j->ticket, &locked);
	if (!locked)
		sm_j_lock(j);
	if (r < 0)
		goto out;
	while (j->placing)
		pthread_cond_wait(&j->cv, &j->mu);
	sm_j_unlock(j);
	r = sm_sys_fdatasync(j->data_fd);
	if (r == 0) {
		memset(&h, 0, sizeof(h));
		h.generation = j->gen + 1;
		h.birth = j->birth;
		h.ino = j->ino;
		h.size = j->size;
		h.pid = (uint64_t)sm_sys_getpid();
		r = sm_j_write_slot(j->fd, &h, j->slot ^ 1);
	}
	sm_j_lock(j);
	if (r < 0) {
		j->err = -EIO;
		r = sm_fail(r, SYNCMAP_CAUSE_ERROR,
			    "checkpointing the journal %s failed: %s; what was persisted is kept in "
			    "the journal: close the mapping and open it again once the cause is fixed",
			    j->path, strerror(-r));
		goto out;
	}
	j->gen++;
	j->slot ^= 1;
	j->rec_seq = 0;
	j->stage_off = SM_J_RECORDS;
	j->st.checkpoints += counted;
out:
	j->checkpointing = false;
	pthread_cond_broadcast(&j->cv);
	return r;
}
