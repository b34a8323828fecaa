/* SPDX-License-Identifier: MIT */
/*
 * Strict persistence, shared by strict.c (the path: a private view and
 * its copies into the file), strict_open.c (attaching it at open),
 * strict_run.c (the process: settings, the count of persist points,
 * eviction, the crash point) and open.c.
 */
#ifndef SYNCMAP_STRICT_H
#define SYNCMAP_STRICT_H

#include <pthread.h>

#include "mapping.h"

/* Flushed lines held at once per mapping before a flush is refused. */
#define SM_STRICT_PENDING_MAX ((size_t)256 << 20)

/* Lines flushed by one call and not drained yet, as they were then. */
struct sm_flushed {
	pthread_t thread;	/* the drain that completes them is this thread's */
	size_t off, len;	/* line-aligned, from the start of the view */
	uint8_t *data;		/* their contents when flushed */
};

/*
 * A mapping in strict mode.  The program sees view; the path the mapping
 * got (its table, its mapping of the file) is kept whole in below, and
 * file is where that path presents the file (below.addr).
 */
struct sm_strict {
	struct syncmap below;
	uint8_t *view, *file;
	size_t len;
	size_t line;
	bool anon;		/* view is an anonymous copy, not MAP_PRIVATE */
	bool locked;		/* holds an OFD write lock on its range */
	bool by_flag;		/* SYNCMAP_STRICT, not the environment */
	bool inherited;		/* this process is a child that got it by fork() */
	unsigned id;		/* order of opening in this process */
	uint64_t file_off;	/* file offset of view[0] */
	size_t view_reserve;	/* address space held from view (grow.c) */
	struct sm_flushed *fl;
	size_t nfl, capfl, fl_bytes;
	struct sm_strict *next;
};

/* ---- strict.c: the path */

/* Copy n bytes between the view and the file (either way), a SIGBUS in
 * either becoming -EIO with advice; at is the file offset concerned. */
int sm_strict_move(const struct sm_strict *s, void *dst, const void *src, size_t n,
		   size_t at);
/* Drop the OFD lock on s's range, if it holds one. */
void sm_strict_release_lock(struct sm_strict *s);
/* -ENOTSUP with advice when s came to this process by fork(). */
int sm_strict_usable(const struct sm_strict *s);
extern const struct sm_path_ops sm_strict_ops;
extern const struct sm_path_ops sm_strict_atomic_ops;

/* Whether m is in strict mode (either table). */
static inline bool sm_strict_is(const struct syncmap *m)
{
	return m->ops == &sm_strict_ops || m->ops == &sm_strict_atomic_ops;
}

/* ---- strict_open.c: attaching at open */

/*
 * Called by map_fd() once the mapping is made: with SYNCMAP_STRICT in
 * flags or SYNCMAP_STRICT in the environment, wrap the path the mapping
 * got.  0 (also when strict mode is off) or -errno with advice; on
 * failure the mapping is as it was.
 */
int sm_strict_attach(struct syncmap *m, unsigned flags);
/* Does the environment turn strict mode on for every open? */
bool sm_strict_env(void);

/* ---- strict_grow.c: growth (called by grow.c) */

/* Move the path below and the view into reservations of reserve bytes
 * (from the start of the mapping below). */
int sm_strict_reserve(struct syncmap *m, size_t reserve);
/* The path below already reaches new_len: extend the view and the lock. */
int sm_strict_grow_view(struct syncmap *m, size_t new_len);
/* The mapping as the path below strict mode sees it, or m itself. */
const struct syncmap *sm_strict_below(const struct syncmap *m);

/* ---- strict_run.c: state of the whole process, under one lock. */

void sm_strict_lock(void);
void sm_strict_unlock(void);
/* Read the settings (at every strict open) and map the report file (once);
 * -errno with advice.
 * Stops the process if the report says an earlier crash point fired. */
int sm_strict_setup(void);
/* Put s in the list eviction and the crash point walk, or take it out. */
void sm_strict_register(struct sm_strict *s);
void sm_strict_unregister(struct sm_strict *s);
/* The first registered mapping whose file range overlaps s's, or NULL. */
const struct sm_strict *sm_strict_overlap(const struct sm_strict *s);
/* Settings for the advice: 0 when unset. */
uint64_t sm_strict_crash_point(void);
const char *sm_strict_evict_text(void);

/*
 * A persist point: one step of a persist, drain or commit, about to write
 * lines to the file.  sm_strict_count() numbers it (and stops the process
 * if another one of the run crashed); there unpersisted lines may be
 * written to the file first (eviction), and the process may stop (the
 * crash point).  strict.c runs the step: it makes the lines eviction
 * wrote durable on the path below, then crashes if it must.
 */
struct sm_strict_point {
	uint64_t point;
	bool evict;		/* run an eviction at this point */
	bool crash;		/* then stop the process: sm_strict_crash() */
};
void sm_strict_count(struct sm_strict_point *p);

/* Lines are chosen in chunks of 64, one bit each. */
#define SM_EVICT_CHUNK_LINES 64u
#define SM_EVICT_HITS 64u

/* An eviction over every mapping of the process, a batch at a time. */
struct sm_evict {
	struct sm_strict *s;	/* the mapping of this batch; NULL: done */
	uint64_t point;
	size_t pos;		/* the next chunk to scan, as an offset */
	bool stop;		/* s's file is cut short: go to the next */
	uint64_t lines;		/* written so far */
	size_t n;		/* chunks in hit[] */
	struct {
		size_t off;	/* of the chunk */
		uint64_t mask;	/* its lines written */
	} hit[SM_EVICT_HITS];
};
void sm_strict_evict_begin(struct sm_evict *e, uint64_t point);
/* Write the next batch of unpersisted lines to the file, as a CPU
 * evicting them would; false when every mapping is done.  The batch is
 * e->hit[0..e->n) of e->s. */
bool sm_strict_evict_next(struct sm_evict *e);
/* Count the lines written in the report. */
void sm_strict_evict_end(const struct sm_evict *e);
/* Stop the process at persist point p, about to write lines [off, off +
 * len) of s as step k of n, after writing the report. */
void sm_strict_crash(const struct sm_strict *s, uint64_t point, size_t off, size_t len,
		     unsigned k, unsigned n) __attribute__((noreturn));

#endif
