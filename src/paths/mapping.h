/* SPDX-License-Identifier: MIT */
/* A mapping, and the table of operations through which its path makes
 * ranges durable. */
#ifndef SYNCMAP_MAPPING_H
#define SYNCMAP_MAPPING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"
#include "cpu.h"

struct syncmap;
struct sm_range;

/* A copy of a batch (syncmap_batch_add_copy()): len bytes at data, for
 * the mapping at dst. */
struct sm_bcopy {
	uintptr_t dst;
	const uint8_t *data;
	size_t len;
};

/*
 * How a mapping makes ranges durable: one table per path (cache line,
 * byte, page, read-only), chosen when the mapping is made.  The
 * cache-line path is also inlined through syncmap.flush_fn, so a persist
 * there costs no indirect call; a path that wraps or replaces another
 * clears flush_fn and installs its own table.  Addresses are in the view
 * the caller sees (syncmap.addr); a path that presents a view of its own
 * translates them before it calls the table it wraps.
 */
struct sm_path_ops {
	const char *name;
	/* Copies may use CPU write-back (non-temporal stores, flush_fn). */
	bool cpu;
	/* Make [start, end) durable. */
	int (*persist)(struct syncmap *m, uintptr_t start, uintptr_t end);
	/* Start making [start, end) durable; drain() finishes. */
	int (*flush)(struct syncmap *m, uintptr_t start, uintptr_t end);
	int (*drain)(struct syncmap *m);
	/*
	 * Make a batch's ranges durable.  They are in any order, may
	 * overlap, and may be reordered and merged in place.  NULL when a
	 * batch needs only flush() on add and drain() at commit.
	 */
	int (*commit)(struct syncmap *m, struct sm_range *r, size_t n);
	/*
	 * Place a batch's copies atomically: made durable as one unit before
	 * any of their bytes reaches the mapping, then copied into it, in
	 * order.  NULL on a path where that cannot be done.
	 */
	int (*commit_copies)(struct syncmap *m, const struct sm_bcopy *c, size_t n);
	/* The batch's array is full: make room, set *n to what is left. */
	int (*full)(struct syncmap *m, struct sm_range *r, size_t *n);
	/* Release the path's state at close (NULL: nothing to release). */
	int (*close)(struct syncmap *m);
};

/*
 * A mapping.  Everything the persist path reads sits in the first cache
 * line and is never written after open, so threads persisting through
 * one mapping share it read-only.
 */
struct syncmap {
	uint8_t *addr;		/* first byte the caller sees */
	size_t len;		/* bytes the caller sees */
	sm_flush_fn flush_fn;	/* set on the cache-line path only */
	const struct sm_path_ops *ops;	/* every path; never NULL once open */
	enum syncmap_granularity gran;
	int fd;			/* our own descriptor, O_CLOEXEC */
	bool rdonly;
	bool sync;		/* MAP_SYNC took */
	bool devdax;
	bool whole;		/* opened with length 0: the whole file */

	/* Cold fields. */
	void *map_base;		/* what munmap gets */
	size_t map_len;
	uint64_t offset;	/* file offset of map_base */
	dev_t st_dev, st_rdev;
	ino_t st_ino;
	unsigned line;		/* bytes one write-back covers */
	enum syncmap_insn insn;
	enum syncmap_cause cause;
	void *path_data;	/* the path's own state, released by ops->close */
	enum syncmap_path path;	/* what syncmap_path() says */
	int deep_flush;		/* the region's: 1 flushes, 0 nothing to, -1 none */
	char *deep_flush_path;	/* its attribute when it flushes */
	char advice[SM_ADVICE_MAX];
	/* Growing (api/grow.c).  len and map_len change only under grow_lock,
	 * and are read with sm_len()/sm_map_len() by threads that do not
	 * hold it; reserve is the address space held from map_base. */
	pthread_mutex_t grow_lock;
	size_t reserve;
	unsigned open_flags;
};

/* The lengths a grow may change while other threads read them. */
static inline size_t sm_len(const struct syncmap *m)
{
	return __atomic_load_n(&m->len, __ATOMIC_ACQUIRE);
}
static inline size_t sm_map_len(const struct syncmap *m)
{
	return __atomic_load_n(&m->map_len, __ATOMIC_ACQUIRE);
}
/* What munmap gets at close: the mapping and the rest of its reservation. */
static inline size_t sm_map_span(const struct syncmap *m)
{
	return m->reserve > m->map_len ? m->reserve : m->map_len;
}

struct sm_range {
	uintptr_t start, end;	/* [start, end) */
};

#endif
