/* SPDX-License-Identifier: MIT */
/*
 * The persistent copies: pmem_memmove(), pmem_memcpy(), pmem_memset() and
 * their _persist and _nodrain forms.  Where write-back and a fence make
 * the destination durable (a MAP_SYNC mapping, device DAX), large copies
 * use streaming stores for whole lines and write back the partial lines
 * at either end; everywhere else the data is copied and the range then
 * persisted (or flushed, with PMEM_F_MEM_NODRAIN) by its path.
 */
#include <string.h>

#include "pm.h"

#define LINE 64UL

struct fill {
	const void *src;	/* NULL: memset with c */
	int c;
};

static void put(void *dst, const struct fill *f, size_t off, size_t n)
{
	if (f->src)
		memmove((char *)dst + off, (const char *)f->src + off, n);
	else
		memset((char *)dst + off, f->c, n);
}

static void line_flush(struct pm_map *p, void *addr, size_t n)
{
	if (n == 0 || pm_env.no_flush == 1 || (p && p->fence_only))
		return;
	if (p)
		syncmap_flush(p->m, addr, n);
	else
		pm_cpu_flush(addr, n);
}

static bool streaming(const void *dst, const struct fill *f, size_t n, unsigned flags)
{
	const char *d = dst, *s = f->src;

	if (!pm_cpu_has_movnt() || pm_env.no_movnt)
		return false;
	if (s && d < s + n && s < d + n)
		return false;	/* overlapping: memmove's order matters */
	if (flags & (PM_F_NONTEMPORAL | PM_F_WC))
		return true;
	if (flags & (PM_F_TEMPORAL | PM_F_WB))
		return false;
	return n >= pm_env.movnt_threshold;
}

/* dst is in p (NULL: foreign memory that write-back makes durable). */
static void cpu_copy(struct pm_map *p, void *dst, const struct fill *f, size_t n,
		     unsigned flags)
{
	size_t head, body;

	if (!streaming(dst, f, n, flags)) {
		put(dst, f, 0, n);
		line_flush(p, dst, n);
	} else {
		head = (LINE - ((uintptr_t)dst & (LINE - 1))) & (LINE - 1);
		head = head < n ? head : n;
		body = (n - head) & ~(LINE - 1);
		put(dst, f, 0, head);
		line_flush(p, dst, head);
		if (f->src)
			pm_cpu_movnt_copy((char *)dst + head, (const char *)f->src + head, body);
		else
			pm_cpu_movnt_set((char *)dst + head, f->c, body);
		put(dst, f, head + body, n - head - body);
		line_flush(p, (char *)dst + head + body, n - head - body);
	}
	if (!(flags & PM_F_NODRAIN))
		pm_cpu_fence();
}

static void *copy(void *dst, const struct fill *f, size_t n, unsigned flags)
{
	uintptr_t a = (uintptr_t)dst, e, stop;

	if (flags & ~PM_F_ALL)
		pm_msg("invalid flags 0x%x: ignored", flags & ~PM_F_ALL);
	if (n == 0)
		return dst;
	if (flags & PM_F_NOFLUSH) {
		/* Nothing flushed and no fence: a later flush or persist
		 * makes it durable. */
		put(dst, f, 0, n);
		return dst;
	}
	e = pm_lookup(a);
	if (pm_is_map(e)) {
		struct pm_map *p = (struct pm_map *)e;

		if (p->cpu && a < p->end && n <= p->end - a) {
			cpu_copy(p, dst, f, n, flags);
			return dst;
		}
	} else if ((e == PM_SYNC || e == PM_PLAIN) && pm_cpu_can_flush() &&
		   n <= UINTPTR_MAX - a && pm_lookup_span(a, a + n, &stop) == e && stop == a + n) {
		cpu_copy(NULL, dst, f, n, flags);
		return dst;
	}
	put(dst, f, 0, n);
	if (flags & PM_F_NODRAIN)
		pm_flush_range(a, n);
	else
		pm_persist_range(a, n);
	return dst;
}

PM_EXPORT void *pmem_memmove(void *pmemdest, const void *src, size_t len, unsigned flags)
{
	struct fill f = { src, 0 };

	return copy(pmemdest, &f, len, flags);
}

PM_EXPORT void *pmem_memcpy(void *pmemdest, const void *src, size_t len, unsigned flags)
{
	struct fill f = { src, 0 };

	return copy(pmemdest, &f, len, flags);
}

PM_EXPORT void *pmem_memset(void *pmemdest, int c, size_t len, unsigned flags)
{
	struct fill f = { NULL, c };

	return copy(pmemdest, &f, len, flags);
}

PM_EXPORT void *pmem_memmove_persist(void *pmemdest, const void *src, size_t len)
{
	return pmem_memmove(pmemdest, src, len, 0);
}

PM_EXPORT void *pmem_memcpy_persist(void *pmemdest, const void *src, size_t len)
{
	return pmem_memcpy(pmemdest, src, len, 0);
}

PM_EXPORT void *pmem_memset_persist(void *pmemdest, int c, size_t len)
{
	return pmem_memset(pmemdest, c, len, 0);
}

PM_EXPORT void *pmem_memmove_nodrain(void *pmemdest, const void *src, size_t len)
{
	return pmem_memmove(pmemdest, src, len, PM_F_NODRAIN);
}

PM_EXPORT void *pmem_memcpy_nodrain(void *pmemdest, const void *src, size_t len)
{
	return pmem_memcpy(pmemdest, src, len, PM_F_NODRAIN);
}

PM_EXPORT void *pmem_memset_nodrain(void *pmemdest, int c, size_t len)
{
	return pmem_memset(pmemdest, c, len, PM_F_NODRAIN);
}
