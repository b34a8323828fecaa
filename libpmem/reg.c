/* SPDX-License-Identifier: MIT */
/*
 * The address table: which mapping (or which kind of foreign memory)
 * holds an address.  pmem_persist() and its kin take no handle, so every
 * call looks its address up here; the lookup (pm_lookup() in pm.h) is at
 * most three dependent loads and no lock, whatever the number of
 * mappings: a two-level radix tree over 2 MiB chunks, whose entry is a
 * value for the whole chunk or, for a chunk several things share, a
 * table of its 512 pages.
 *
 * Writers (map, unmap, learning a foreign range) hold one mutex, build
 * each new table completely and publish it with a release store.
 * Tables and records are never freed: a reader racing an unmap reads
 * memory that stays valid.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pm.h"

#define LEAF_ENTRIES (1u << PM_LEAF_BITS)
#define CHUNK (1ULL << PM_CHUNK_SHIFT)
#define PAGE (1ULL << PM_PAGE_SHIFT)

_Atomic(uintptr_t *) pm_top[1u << PM_TOP_BITS];

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pm_map *free_maps;
static unsigned next_gen;

void pm_reg_lock(void)
{
	pthread_mutex_lock(&reg_lock);
}

void pm_reg_unlock(void)
{
	pthread_mutex_unlock(&reg_lock);
}

static _Atomic uintptr_t *chunk_slot(uintptr_t c, bool create)
{
	_Atomic(uintptr_t *) *top = &pm_top[c >> PM_LEAF_BITS];
	uintptr_t *leaf = atomic_load_explicit(top, memory_order_acquire);

	if (!leaf && create) {
		/* 128 KiB of which a mapping touches a page or two: the
		 * kernel's zero pages, not calloc's memset of all of it
		 * (32 page faults and 4,096 stores in the first
		 * pmem_map_file()). */
		void *m = mmap(NULL, LEAF_ENTRIES * sizeof(*leaf), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return NULL;
		leaf = m;
		atomic_store_explicit(top, leaf, memory_order_release);
	}
	return leaf ? (_Atomic uintptr_t *)&leaf[c & (LEAF_ENTRIES - 1)] : NULL;
}

uintptr_t pm_lookup_span(uintptr_t a, uintptr_t end, uintptr_t *span_end)
{
	uintptr_t c = a >> PM_CHUNK_SHIFT, e = PM_UNKNOWN, stop;
	_Atomic uintptr_t *slot = a < PM_ADDR_LIMIT ? chunk_slot(c, false) : NULL;

	stop = (a | (CHUNK - 1)) + 1;
	if (slot) {
		e = atomic_load_explicit(slot, memory_order_acquire);
		if (e & 1) {
			e = pm_lookup(a);
			stop = (a | (PAGE - 1)) + 1;
		}
	}
	*span_end = stop < end && stop > a ? stop : end;
	return e;
}

/* Store v into one entry unless keep_maps protects what is there. */
static void put(_Atomic uintptr_t *slot, uintptr_t v, bool keep_maps)
{
	if (keep_maps && pm_is_map(atomic_load_explicit(slot, memory_order_relaxed)))
		return;
	atomic_store_explicit(slot, v, memory_order_release);
}

/* The chunk's page table, made from its single value if it has none. */
static uintptr_t *page_table(_Atomic uintptr_t *slot)
{
	uintptr_t e = atomic_load_explicit(slot, memory_order_relaxed);
	uintptr_t *pt;

	if (e & 1)
		return (uintptr_t *)(e - 1);
	pt = aligned_alloc(64, PM_PT_ENTRIES * sizeof(*pt));
	if (!pt)
		return NULL;
	for (unsigned i = 0; i < PM_PT_ENTRIES; i++)
		pt[i] = e;
	atomic_store_explicit(slot, (uintptr_t)pt | 1, memory_order_release);
	return pt;
}

static int set_chunk(uintptr_t c, uintptr_t lo, uintptr_t hi, uintptr_t v,
		     bool keep_maps)
{
	_Atomic uintptr_t *slot = chunk_slot(c, true);
	uintptr_t base = c << PM_CHUNK_SHIFT, e;
	uintptr_t *pt;

	if (!slot)
		return -ENOMEM;
	e = atomic_load_explicit(slot, memory_order_relaxed);
	if (lo == base && hi == base + CHUNK && !(e & 1)) {
		put(slot, v, keep_maps);
		return 0;
	}
	if (!(e & 1) && e == v)
		return 0;
	if (!(e & 1) && keep_maps && pm_is_map(e))
		return 0;
	pt = page_table(slot);
	if (!pt)
		return -ENOMEM;
	for (uintptr_t p = lo; p < hi; p += PAGE)
		put((_Atomic uintptr_t *)&pt[(p >> PM_PAGE_SHIFT) & (PM_PT_ENTRIES - 1)],
		    v, keep_maps);
	return 0;
}

int pm_reg_set(uintptr_t start, uintptr_t end, uintptr_t v, bool keep_maps)
{
	start &= ~(uintptr_t)(PAGE - 1);
	end = (end + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	if (end > PM_ADDR_LIMIT)
		end = PM_ADDR_LIMIT;
	for (uintptr_t a = start; a < end;) {
		uintptr_t next = (a | (CHUNK - 1)) + 1;
		uintptr_t hi = next < end ? next : end;
		int r = set_chunk(a >> PM_CHUNK_SHIFT, a, hi, v, keep_maps);

		if (r < 0)
			return r;
		a = hi;
	}
	return 0;
}

size_t pm_reg_clear_map(uintptr_t start, uintptr_t end, const struct pm_map *p)
{
	size_t n = 0;
	uintptr_t stop;

	start &= ~(uintptr_t)(PAGE - 1);
	if (end > PM_ADDR_LIMIT)
		end = PM_ADDR_LIMIT;
	for (uintptr_t a = start; a < end; a = stop) {
		uintptr_t e = pm_lookup_span(a, end, &stop);

		stop = (stop + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
		if (e != (uintptr_t)p)
			continue;
		/* Part of a chunk: a page table keeps the rest as it is. */
		if (set_chunk(a >> PM_CHUNK_SHIFT, a, stop, PM_UNKNOWN, false) == 0)
			n += (stop - a) >> PM_PAGE_SHIFT;
	}
	return n;
}

struct pm_map *pm_map_alloc(void)
{
	struct pm_map *p = free_maps;

	if (p) {
		free_maps = p->next_free;
	} else {
		p = aligned_alloc(64, sizeof(*p));
		if (!p)
			return NULL;
		pthread_mutex_init(&p->lock, NULL);
	}
	p->m = NULL;
	p->gen = ++next_gen;
	p->next_free = NULL;
	return p;
}

void pm_map_release(struct pm_map *p)
{
	p->next_free = free_maps;
	free_maps = p;
}
