/* SPDX-License-Identifier: MIT */
/*
 * Strict persistence: a path that wraps the one a mapping got.  The
 * program is given a private view of the file; the file itself (the
 * mapping of the path below) changes only when the program persists, and
 * then by exactly the cache lines the persist covers, copied from the view
 * before the path below is asked to make them durable.  A store that was
 * never persisted never reaches the file, so a process that exits, is
 * killed or crashes leaves the file as persistent memory would hold it
 * after a power cut with no lucky write-back.
 *
 * The model is the cache-line contract of syncmap_persist(3) and
 * syncmap_flush(3):
 *  - a persist copies the lines that touch its range, with the values
 *    they hold when it runs;
 *  - a flush takes a snapshot of its lines and nothing reaches the file
 *    until a drain of the same thread; a persist is a flush and a drain;
 *  - a drain writes the thread's flushed ranges newest first, one step
 *    each, since flushes are not ordered among themselves: a program that
 *    relies on an earlier flush reaching the file before a later one is
 *    stopped in between by some crash point;
 *  - a batch is flushes on add and a drain on commit;
 *  - a batch of copies (over the journal, which places them atomically)
 *    is one step: none of its bytes is in the view before it.
 * Every step is a persist point (strict_run.c counts them, stops the
 * process at the one asked for, and may first write unpersisted lines to
 * the file at random).  One lock serializes all of it: strict mode is a
 * test mode, correct under threads before it is fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "safe.h"
#include "strict.h"
#include "sys.h"

static size_t round_down(size_t x, size_t line)
{
	return x & ~(line - 1);
}

/* The lines that touch [start, end) of the view, cut at its end. */
static void line_range(const struct sm_strict *s, uintptr_t start, uintptr_t end,
		       size_t *off, size_t *len)
{
	size_t a = round_down(start - (uintptr_t)s->view, s->line);
	size_t b = round_down(end - (uintptr_t)s->view + s->line - 1, s->line);

	if (b > s->len)
		b = s->len;
	*off = a;
	*len = b - a;
}

/* ---- guarded copies: a SIGBUS in the view or the file becomes -EIO */

struct sm_move {
	uint8_t *dst;
	const uint8_t *src;
	size_t n;
};

static void do_move(void *arg)
{
	const struct sm_move *mv = arg;

	memcpy(mv->dst, mv->src, mv->n);
}

int sm_strict_move(const struct sm_strict *s, void *dst, const void *src, size_t n,
			size_t at)
{
	struct sm_move mv = { dst, src, n };
	uintptr_t v = (uintptr_t)s->view, f = (uintptr_t)s->file;
	uintptr_t lo = v < f ? v : f, hi = (v > f ? v : f) + s->len;
	int r;

	if (n == 0)
		return 0;
	r = sm_safe_run(do_move, &mv, lo, hi);
	if (r == -EIO)
		return sm_fail(-EIO, SYNCMAP_CAUSE_ERROR,
			       "strict mode: SIGBUS while copying %zu bytes at file offset %llu: the "
			       "file was truncated under the mapping or the medium reported an error",
			       n, (unsigned long long)(s->file_off + at));
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "strict mode: cannot install the SIGBUS handler: %s", strerror(-r));
	return 0;
}

/* ---- fork: the child's copy of a view would go its own way */

int sm_strict_usable(const struct sm_strict *s)
{
	if (!s->inherited)
		return 0;
	return sm_fail(-ENOTSUP, SYNCMAP_CAUSE_STRICT_MODE,
		       "strict mode cannot follow a mapping across fork(): this child's view is a "
		       "private copy its parent never sees; open the file again in the child (and "
		       "close it in the parent), or run without strict mode");
}

/* ---- what reaches the file */

/* Ranges already written by earlier steps of one drain. */
struct sm_done {
	const struct sm_flushed *list;	/* the newer flushed ranges */
	size_t n;
	size_t own_off, own_len;
	bool own;
};

static bool done_covers(const struct sm_done *d, size_t off)
{
	if (d->own && off >= d->own_off && off < d->own_off + d->own_len)
		return true;
	for (size_t i = 0; i < d->n; i++)
		if (off >= d->list[i].off && off < d->list[i].off + d->list[i].len)
			return true;
	return false;
}

/*
 * Write a flushed range's snapshot to the file, except the lines a newer
 * step of the same drain already wrote: those hold newer values.
 */
static int write_flushed(struct sm_strict *s, const struct sm_flushed *f,
			 const struct sm_done *d)
{
	size_t at = 0;
	int r = 0;

	while (at < f->len && r == 0) {
		size_t run = 0;

		while (at < f->len && done_covers(d, f->off + at))
			at += s->line;
		if (at >= f->len)
			break;
		while (at + run < f->len && !done_covers(d, f->off + at + run))
			run += s->line;
		if (at + run > f->len)
			run = f->len - at;
		r = sm_strict_move(s, s->file + f->off + at, f->data + at, run, f->off + at);
		at += run;
	}
	return r;
}

/*
 * Make lines [off, off + len) durable on the path below, each step on its
 * own: a path that makes nothing durable before its drain (the journal)
 * would otherwise turn the steps of one drain into one, and the crash
 * points between them into nothing.
 */
static int below_persist(struct sm_strict *s, size_t off, size_t len)
{
	uintptr_t a = (uintptr_t)s->file + off;

	if (off >= s->len)
		return 0;
	if (len > s->len - off)
		len = s->len - off;
	return len ? s->below.ops->persist(&s->below, a, a + len) : 0;
}

/* The lines an eviction wrote are durable, as an evicted line is on the
 * medium: a path that makes the file durable only on request (the
 * journal) must hear of them. */
static void persist_evicted(const struct sm_evict *e)
{
	for (size_t i = 0; i < e->n; i++) {
		uint64_t m = e->hit[i].mask;

		while (m) {
			unsigned a = (unsigned)__builtin_ctzll(m), b = a;

			while (b < 64 && (m >> b) & 1)
				b++;
			below_persist(e->s, e->hit[i].off + a * e->s->line,
				      (b - a) * e->s->line);
			m &= b < 64 ? ~((1ULL << b) - 1) : 0;
		}
	}
}

/*
 * A step: lines [off, off + len) of s are about to reach the file, as
 * step k of the n that one persist, drain or commit makes.  It is a
 * persist point, where eviction may run and the process may stop.
 */
static void step(struct sm_strict *s, size_t off, size_t len, unsigned k, unsigned n)
{
	struct sm_strict_point p;
	struct sm_evict e;

	sm_strict_count(&p);
	if (p.evict) {
		sm_strict_evict_begin(&e, p.point);
		while (sm_strict_evict_next(&e))
			persist_evicted(&e);
		sm_strict_evict_end(&e);
	}
	if (p.crash)
		sm_strict_crash(s, p.point, off, len, k, n);
}

/* Take the calling thread's flushed ranges out of s, newest first. */
static size_t take_mine(struct sm_strict *s, struct sm_flushed **out)
{
	pthread_t self = pthread_self();
	size_t n = 0, keep = 0, mine = 0;
	struct sm_flushed *list;

	for (size_t i = 0; i < s->nfl; i++)
		mine += pthread_equal(s->fl[i].thread, self) != 0;
	*out = NULL;
	if (mine == 0)
		return 0;
	list = malloc(mine * sizeof(*list));
	if (!list)
		return (size_t)-1;
	for (size_t i = s->nfl; i-- > 0;) {
		if (pthread_equal(s->fl[i].thread, self)) {
			list[n++] = s->fl[i];
			s->fl_bytes -= s->fl[i].len;
		}
	}
	for (size_t i = 0; i < s->nfl; i++)
		if (!pthread_equal(s->fl[i].thread, self))
			s->fl[keep++] = s->fl[i];
	s->nfl = keep;
	*out = list;
	return n;
}

static void free_flushed(struct sm_flushed *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].data);
	free(list);
}

/* A persist with nothing flushed before it: one step. */
static int persist_alone(struct sm_strict *s, size_t off, size_t len)
{
	int r;

	step(s, off, len, 1, 1);
	r = sm_strict_move(s, s->file + off, s->view + off, len, off);
	return r ? r : below_persist(s, off, len);
}

/*
 * Complete the calling thread's flushes, and own (a persist's range, the
 * newest) if given: each range is one step, newest first, made durable
 * below before the next.  On failure the ranges are dropped all the same, as
 * the page path's kernel drops dirty state after a failed write-back.
 */
static int complete(struct sm_strict *s, const struct sm_range *own)
{
	struct sm_done d = { .n = 0 };
	struct sm_flushed *list;
	size_t n = take_mine(s, &list);
	unsigned steps, k = 0;
	int r = 0;

	if (n == (size_t)-1)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
			       "strict mode: out of memory completing the flushed ranges");
	if (own)
		line_range(s, own->start, own->end, &d.own_off, &d.own_len);
	if (n == 0)
		return own ? persist_alone(s, d.own_off, d.own_len) : 0;
	steps = (unsigned)n + (own != NULL);
	d.list = list;
	if (own) {
		step(s, d.own_off, d.own_len, ++k, steps);
		r = sm_strict_move(s, s->file + d.own_off, s->view + d.own_off, d.own_len,
				 d.own_off);
		if (r == 0)
			r = below_persist(s, d.own_off, d.own_len);
		d.own = true;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		step(s, list[i].off, list[i].len, ++k, steps);
		d.n = i;	/* the newer ones, already written */
		r = write_flushed(s, &list[i], &d);
		if (r == 0)
			r = below_persist(s, list[i].off, list[i].len);
	}
	free_flushed(list, n);
	return r;
}

/*
 * A batch of copies over a path that places them atomically (the
 * journal): one step, the unit's, then the path below journals the copies
 * and places them in the file's mapping, and the view gets them too.
 * Nothing of the copies is in the view before: an eviction cannot take
 * part of a unit to the file ahead of it.
 */
static int commit_copies(struct sm_strict *s, const struct sm_bcopy *c, size_t n)
{
	struct sm_bcopy *below = malloc((n ? n : 1) * sizeof(*below));
	size_t off, len;
	int r = 0;

	if (!below)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
			       "strict mode: out of memory for a batch of copies");
	for (size_t i = 0; i < n; i++) {
		below[i] = c[i];
		below[i].dst = (uintptr_t)s->file + (c[i].dst - (uintptr_t)s->view);
	}
	line_range(s, c[0].dst, c[0].dst + c[0].len, &off, &len);
	step(s, off, len, 1, 1);
	r = s->below.ops->commit_copies(&s->below, below, n);
	for (size_t i = 0; i < n && r == 0; i++)
		r = sm_strict_move(s, (void *)c[i].dst, c[i].data, c[i].len,
				   c[i].dst - (uintptr_t)s->view);
	free(below);
	return r;
}

/* ---- the table */

static int strict_persist(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	struct sm_strict *s = m->path_data;
	struct sm_range own = { start, end };
	int r;

	sm_strict_lock();
	r = sm_strict_usable(s);
	if (r == 0)
		r = complete(s, &own);
	sm_strict_unlock();
	return r;
}

static int add_flushed(struct sm_strict *s, size_t off, size_t len)
{
	struct sm_flushed *f;
	uint8_t *data;
	int r;

	if (s->fl_bytes + len > SM_STRICT_PENDING_MAX)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_STRICT_MODE,
			       "strict mode keeps flushed lines until syncmap_drain(); more than %zu MiB "
			       "are waiting in this thread and others: drain (or persist) more often",
			       SM_STRICT_PENDING_MAX >> 20);
	if (s->nfl == s->capfl) {
		size_t cap = s->capfl ? 2 * s->capfl : 16;

		f = realloc(s->fl, cap * sizeof(*f));
		if (!f)
			return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "strict mode: out of memory for a flush");
		s->fl = f;
		s->capfl = cap;
	}
	data = malloc(len ? len : 1);
	if (!data)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "strict mode: out of memory for a flush");
	r = sm_strict_move(s, data, s->view + off, len, off);
	if (r < 0) {
		free(data);
		return r;
	}
	f = &s->fl[s->nfl++];
	f->thread = pthread_self();
	f->off = off;
	f->len = len;
	f->data = data;
	s->fl_bytes += len;
	return 0;
}

static int strict_flush(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	struct sm_strict *s = m->path_data;
	size_t off, len;
	int r;

	line_range(s, start, end, &off, &len);
	sm_strict_lock();
	r = sm_strict_usable(s);
	if (r == 0)
		r = add_flushed(s, off, len);
	sm_strict_unlock();
	return r;
}

static int strict_drain(struct syncmap *m)
{
	struct sm_strict *s = m->path_data;
	int r;

	sm_strict_lock();
	r = sm_strict_usable(s);
	if (r == 0)
		r = complete(s, NULL);
	sm_strict_unlock();
	return r;
}

void sm_strict_release_lock(struct sm_strict *s)
{
	if (s->locked)
		sm_sys_ofd_lock(s->below.fd, F_UNLCK, s->file_off, s->len);
	s->locked = false;
}

/*
 * Close: what was never persisted is dropped with the view, as a power
 * cut would drop it.  Then the path below closes, and the mapping gets
 * back the fields syncmap_close() releases.
 */
static int strict_close(struct syncmap *m)
{
	struct sm_strict *s = m->path_data;
	bool child;
	int r = 0, r2;

	sm_strict_lock();
	child = s->inherited;
	sm_strict_unregister(s);
	sm_strict_unlock();
	for (size_t i = 0; i < s->nfl; i++)
		free(s->fl[i].data);
	free(s->fl);
	/* In a child the lock belongs to the parent's open file description. */
	if (!child)
		sm_strict_release_lock(s);
	r2 = sm_sys_munmap(s->view, s->view_reserve > s->len ? s->view_reserve : s->len);
	if (s->below.ops->close)
		r = s->below.ops->close(&s->below);
	if (r == 0 && r2 < 0)
		r = sm_fail(r2, SYNCMAP_CAUSE_ERROR,
			    "munmap of strict mode's private view failed: %s; the handle is "
			    "released, the view may stay mapped", strerror(-r2));
	m->addr = s->below.addr;
	m->len = s->below.len;
	m->ops = s->below.ops;
	m->path_data = s->below.path_data;
	m->map_base = s->below.map_base;
	m->map_len = s->below.map_len;
	m->fd = s->below.fd;
	free(s);
	return r;
}

const struct sm_path_ops sm_strict_ops = {
	.name = "strict",
	.persist = strict_persist,
	.flush = strict_flush,
	.drain = strict_drain,
	.close = strict_close,
};

static int strict_commit_copies(struct syncmap *m, const struct sm_bcopy *c, size_t n)
{
	struct sm_strict *s = m->path_data;
	int r;

	sm_strict_lock();
	r = sm_strict_usable(s);
	if (r == 0 && n)
		r = commit_copies(s, c, n);
	sm_strict_unlock();
	return r;
}

/* Over a path that places batches of copies atomically. */
const struct sm_path_ops sm_strict_atomic_ops = {
	.name = "strict",
	.persist = strict_persist,
	.flush = strict_flush,
	.drain = strict_drain,
	.commit_copies = strict_commit_copies,
	.close = strict_close,
};

