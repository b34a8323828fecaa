/* SPDX-License-Identifier: MIT */
/*
 * The CPU paths of a MAP_SYNC mapping: cache lines written back with the
 * mapping's instruction and a fence, or, where the persistence domain
 * includes the CPU caches, a fence alone.  No system call, no lock, and
 * nothing written: any number of threads share a mapping read-only.
 *
 * syncmap_persist() and friends inline the cache-line path through
 * syncmap.flush_fn; these tables serve a path that wraps this one.
 */
#include "cpu.h"
#include "paths.h"

static int line_persist(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	m->flush_fn((const void *)start, end - start);
	sm_fence();
	return 0;
}

static int line_flush(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	m->flush_fn((const void *)start, end - start);
	return 0;
}

static int fence_drain(struct syncmap *m)
{
	(void)m;
	sm_fence();
	return 0;
}

static int fence_persist(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	(void)start;
	(void)end;
	return fence_drain(m);
}

static int nothing_to_flush(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	(void)m;
	(void)start;
	(void)end;
	return 0;
}

const struct sm_path_ops sm_cache_line_ops = {
	.name = "cache_line",
	.cpu = true,
	.persist = line_persist,
	.flush = line_flush,
	.drain = fence_drain,
};

const struct sm_path_ops sm_byte_ops = {
	.name = "byte",
	.cpu = true,
	.persist = fence_persist,
	.flush = nothing_to_flush,
	.drain = fence_drain,
};
