/* SPDX-License-Identifier: MIT */
/*
 * pmem_persist(), pmem_flush(), pmem_drain() and pmem_msync() on any
 * address.  In a mapping pmem_map_file() made, libsyncmap does what the
 * mapping's path needs (write-back and a fence on MAP_SYNC, msync on the
 * page path, an append to the journal); elsewhere the kernel's word on
 * the range decides (foreign.c): write-back where it is MAP_SYNC or
 * device DAX, msync where it is a shared file mapping without MAP_SYNC,
 * for there a cache flush would make nothing durable.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "pm.h"

#define PAGE (1UL << PM_PAGE_SHIFT)
#define PENDING_MAX 8

enum op { OP_PERSIST, OP_FLUSH, OP_MSYNC };

/* Mappings this thread flushed on a path where drain is more than a
 * fence (page, journal, strict): pmem_drain() drains each.  Initial-exec:
 * every pmem_drain() reads npending, and the general model would make
 * that a call to __tls_get_addr(). */
static _Thread_local struct {
	struct pm_map *p;
	unsigned gen;
} pending[PENDING_MAX] __attribute__((tls_model("initial-exec")));
static _Thread_local unsigned npending __attribute__((tls_model("initial-exec")));

void pm_persist_failed(struct pm_map *p, int r, const char *what)
{
	pm_msg("%s of a range in the mapping at %p failed: %s", what, (void *)p->start,
	       syncmap_last_advice());
	errno = -r;
}

static void drain_pending(void)
{
	for (unsigned i = 0; i < npending; i++) {
		struct pm_map *p = pending[i].p;
		int r = 0;

		/* The lock keeps pmem_unmap() from closing it meanwhile. */
		pthread_mutex_lock(&p->lock);
		if (p->m && p->gen == pending[i].gen)
			r = syncmap_drain(p->m);
		pthread_mutex_unlock(&p->lock);
		if (r < 0)
			pm_persist_failed(p, r, "pmem_drain");
	}
	npending = 0;
}

void pm_pending_add(struct pm_map *p)
{
	for (unsigned i = 0; i < npending; i++)
		if (pending[i].p == p && pending[i].gen == p->gen)
			return;
	if (npending == PENDING_MAX)
		drain_pending();
	pending[npending].p = p;
	pending[npending].gen = p->gen;
	npending++;
}

static int map_op(struct pm_map *p, uintptr_t a, size_t len, enum op op)
{
	int r;

	if (pm_likely(p->wb_copy != NULL)) {
		/* What libsyncmap's cache-line path does (write-back with
		 * the mapping's instruction, then a fence), without reading
		 * its mapping: one record per call, not two. */
		pm_cpu_flush_with((const void *)a, len, p->insn);
		if (op == OP_PERSIST)
			pm_cpu_fence();
		return 0;
	}
	if (p->fence_only) {
		if (op == OP_PERSIST)
			pm_cpu_fence();
		return 0;
	}
	if (op == OP_FLUSH) {
		r = syncmap_flush(p->m, (void *)a, len);
		if (r == 0 && !p->cpu)
			pm_pending_add(p);
	} else {
		r = syncmap_persist(p->m, (void *)a, len);
	}
	if (r < 0)
		pm_persist_failed(p, r, op == OP_FLUSH ? "pmem_flush" : "pmem_persist");
	return r;
}

static int do_msync(uintptr_t a, size_t len)
{
	uintptr_t s = a & ~(PAGE - 1);

	if (msync((void *)s, len + (a - s), MS_SYNC) == 0)
		return 0;
	pm_msg("msync of %zu bytes at %p failed: %s", len, (void *)a, strerror(errno));
	return -errno;
}

static int foreign_op(uintptr_t e, uintptr_t a, size_t len, enum op op)
{
	if (op == OP_MSYNC || e == PM_MSYNC || e == PM_UNKNOWN ||
	    (e == PM_SYNC && !pm_cpu_can_flush())) {
		int r = do_msync(a, len);

		if (r == -ENOMEM && e != PM_UNKNOWN) {
			/* Unmapped behind our back: forget what was learnt. */
			pm_reg_lock();
			pm_reg_set(a, a + len, PM_UNKNOWN, true);
			pm_reg_unlock();
		}
		return e == PM_UNKNOWN && op != OP_MSYNC ? 0 : r;
	}
	if (pm_env.no_flush != 1)
		pm_cpu_flush((void *)a, len);
	if (op == OP_PERSIST)
		pm_cpu_fence();
	return 0;
}

/* Any range: each part by what holds it. */
static int walk(uintptr_t a, size_t len, enum op op)
{
	uintptr_t end = len > UINTPTR_MAX - a ? UINTPTR_MAX : a + len, stop;
	bool learnt = false;
	int r = 0, r1;

	while (a < end) {
		uintptr_t e = pm_lookup_span(a, end, &stop);

		if (pm_is_map(e)) {
			struct pm_map *p = (struct pm_map *)e;
			uintptr_t last = (p->end + PAGE - 1) & ~(PAGE - 1);

			stop = last < end ? last : end;
			r1 = a < p->end ? map_op(p, a, (stop < p->end ? stop : p->end) - a,
						 op == OP_FLUSH ? OP_FLUSH : OP_PERSIST) : 0;
		} else if (e == PM_UNKNOWN && !learnt && op != OP_MSYNC &&
			   a < PM_ADDR_LIMIT) {
			learnt = true;
			pm_foreign_learn(a, end);
			continue;
		} else {
			/* One call for the whole run of the same kind. */
			uintptr_t s;

			while (stop < end && pm_lookup_span(stop, end, &s) == e)
				stop = s;
			r1 = foreign_op(e, a, stop - a, op);
		}
		if (r1 < 0 && r == 0)
			r = r1;
		a = stop;
	}
	return r;
}

void pm_persist_range(uintptr_t a, size_t len)
{
	uintptr_t e = pm_lookup(a);

	if (pm_likely(pm_is_map(e))) {
		struct pm_map *p = (struct pm_map *)e;

		if (pm_likely(a < p->end && len <= p->end - a)) {
			map_op(p, a, len, OP_PERSIST);
			return;
		}
	}
	walk(a, len, OP_PERSIST);
}

void pm_flush_range(uintptr_t a, size_t len)
{
	uintptr_t e = pm_lookup(a);

	if (pm_likely(pm_is_map(e))) {
		struct pm_map *p = (struct pm_map *)e;

		if (pm_likely(a < p->end && len <= p->end - a)) {
			map_op(p, a, len, OP_FLUSH);
			return;
		}
	}
	walk(a, len, OP_FLUSH);
}

PM_EXPORT void pmem_persist(const void *addr, size_t len)
{
	if (len)
		pm_persist_range((uintptr_t)addr, len);
}

PM_EXPORT void pmem_flush(const void *addr, size_t len)
{
	if (len)
		pm_flush_range((uintptr_t)addr, len);
}

PM_EXPORT void pmem_drain(void)
{
	if (npending)
		drain_pending();
	pm_cpu_fence();
}

PM_EXPORT int pmem_msync(const void *addr, size_t len)
{
	int r;

	if (len == 0)
		return 0;
	r = walk((uintptr_t)addr, len, OP_MSYNC);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

/* The deep forms: libsyncmap's deep flush in its mappings (persist, then
 * the region's deep_flush where the platform has one); elsewhere a
 * persist, as the region behind a foreign range is not known. */

int pm_deep_walk(uintptr_t a, size_t len)
{
	uintptr_t end = len > UINTPTR_MAX - a ? UINTPTR_MAX : a + len, stop;
	int r = 0, r1;

	while (a < end) {
		uintptr_t e = pm_lookup_span(a, end, &stop);

		if (pm_is_map(e)) {
			struct pm_map *p = (struct pm_map *)e;
			uintptr_t last = (p->end + PAGE - 1) & ~(PAGE - 1);

			stop = last < end ? last : end;
			r1 = 0;
			if (a < p->end && !p->fence_only)
				r1 = syncmap_deep_flush(p->m, (void *)a,
							(stop < p->end ? stop : p->end) - a);
			if (r1 < 0)
				pm_persist_failed(p, r1, "pmem_deep_persist");
		} else {
			r1 = walk(a, stop - a, OP_PERSIST);
		}
		if (r1 < 0 && r == 0)
			r = r1;
		a = stop;
	}
	return r;
}
