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

/*
 * The temporal copy in one pass: each line written back as soon as it is
 * stored, not a memmove and then a second loop over the same lines.
 * lines is the loop for the destination's write-back instruction wb.
 */
static inline __attribute__((always_inline)) void put_wb(pm_lines_fn *lines, enum syncmap_insn wb, void *dst,
		   const struct fill *f, size_t n)
{
	char *d = dst;
	const char *s = f->src;
	size_t head = -(uintptr_t)d & (LINE - 1), body;

	if (head) {
		head = head < n ? head : n;
		pm_cpu_part_wb(d, s, f->c, head, wb);
		d += head;
		s = s ? s + head : NULL;
		n -= head;
	}
	body = n & ~(LINE - 1);
	lines(d, s, f->c, body / LINE);
	if (n > body)
		pm_cpu_part_wb(d + body, s ? s + body : NULL, f->c, n - body, wb);
}

/* The one-pass loop for dst in p (NULL: foreign memory), or NULL where
 * it does not apply: overlapping ranges (memmove's order), no
 * write-back wanted (PMEM_NO_FLUSH=1, or a fence suffices), or no such
 * loop here. */
static pm_lines_fn *fused(const struct pm_map *p, const void *dst, const struct fill *f,
			  size_t n, enum syncmap_insn *wb)
{
	const char *d = dst, *s = f->src;

	if (s && d < s + n && s < d + n)
		return NULL;
	if (p) {
		*wb = p->insn;
		return s ? p->wb_copy : p->wb_set;
	}
	if (pm_env.no_flush == 1)
		return NULL;
	*wb = pm_cpu_wb_insn();
	return pm_cpu_lines(*wb, s != NULL);
}

/* dst is in p (NULL: foreign memory that write-back makes durable). */
static void cpu_copy(struct pm_map *p, void *dst, const struct fill *f, size_t n,
		     unsigned flags)
{
	size_t head, body;

	if (!streaming(dst, f, n, flags)) {
		enum syncmap_insn wb = SYNCMAP_INSN_NONE;
		pm_lines_fn *lines = fused(p, dst, f, n, &wb);

		if (lines) {
			put_wb(lines, wb, dst, f, n);
		} else {
			put(dst, f, 0, n);
			line_flush(p, dst, n);
		}
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

/*
 * The common case first: a copy into a mapping whose lines this library
 * writes back itself (p->wb_copy), with no flag but the drain and
 * temporal / non-temporal ones.  Everything else, including every flag
 * this does not know, goes through copy().
 */
static inline struct pm_map *cpu_map(uintptr_t a, const char *s, size_t n, unsigned flags)
{
	uintptr_t e;
	struct pm_map *p;

	if (flags & ~(PM_F_NODRAIN | PM_F_TEMPORAL | PM_F_WB | PM_F_NONTEMPORAL | PM_F_WC))
		return NULL;
	e = pm_lookup(a);
	if (!pm_is_map(e))
		return NULL;
	p = (struct pm_map *)e;
	if (!p->wb_copy || a >= p->end || n > p->end - a)
		return NULL;
	if ((uintptr_t)s < a + n && a < (uintptr_t)s + n)
		return NULL;	/* overlapping: memmove's order */
	return p;
}

/* Streaming stores for the whole lines, the partial lines at either end
 * copied and written back. */
static void stream_wb(const struct pm_map *p, char *d, const char *s, size_t n)
{
	size_t head = -(uintptr_t)d & (LINE - 1), body;

	if (head) {
		head = head < n ? head : n;
		pm_cpu_part_wb(d, s, 0, head, p->insn);
		d += head;
		s += head;
		n -= head;
	}
	body = n & ~(LINE - 1);
	pm_cpu_movnt_copy(d, s, body);
	if (n > body)
		pm_cpu_part_wb(d + body, s + body, 0, n - body, p->insn);
}

PM_EXPORT void *pmem_memcpy(void *pmemdest, const void *src, size_t len, unsigned flags)
{
	struct fill f = { src, 0 };
	struct pm_map *p;

	if (pm_likely(len) && (p = cpu_map((uintptr_t)pmemdest, src, len, flags)) != NULL) {
		/* streaming()'s rule; cpu_map() ruled out an overlap. */
		bool nt = flags & (PM_F_NONTEMPORAL | PM_F_WC) ? true :
			  flags & (PM_F_TEMPORAL | PM_F_WB) ? false : len >= pm_env.movnt_threshold;

		if (nt && !pm_env.no_movnt && pm_cpu_has_movnt())
			stream_wb(p, pmemdest, src, len);
		else
			put_wb(p->wb_copy, p->insn, pmemdest, &f, len);
		if (!(flags & PM_F_NODRAIN))
			pm_cpu_fence();
		return pmemdest;
	}
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
