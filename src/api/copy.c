/* SPDX-License-Identifier: MIT */
/*
 * Persistent copies.  On the CPU paths the data is moved and its lines
 * written back: by libpmem's copies (non-temporal stores above its
 * threshold, write-back below) where the build has libpmem and the
 * environment has not changed the write-back instruction; otherwise the
 * data is moved first (by libpmem without flushing, or by memmove) and the
 * mapping's own instruction writes the lines back, so that SYNCMAP_NO_CLWB
 * and its kin reach copies as they reach syncmap_persist().  On every
 * other path a plain copy is followed by the path's persist, or by its
 * flush under SYNCMAP_COPY_NODRAIN.
 *
 * syncmap_read_safe() and syncmap_write_safe() copy inside a SIGBUS
 * recovery window (safe.c), so that a truncated file or a poisoned block
 * is -EIO instead of the end of the process.
 */
#include <errno.h>
#include <string.h>

#include "cpu.h"
#include "log.h"
#include "mapping.h"
#include "ranges.h"
#include "safe.h"

#if HAVE_PMEM
#include <libpmem.h>
#endif

/* 1: go on; 0: nothing to do (zero length); negative: refuse. */
static int check_copy(struct syncmap *m, const void *dst, size_t n, unsigned flags)
{
	if (!m)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (flags & ~SM_COPY_VALID)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "unknown copy flags 0x%x",
			       flags & ~SM_COPY_VALID);
	if (!sm_in_range(m, dst, n))
		return sm_range_error(m, "destination", dst, n);
	if (m->rdonly)
		return sm_readonly_error();
	return 1;
}

/* May libpmem write the lines back, with an instruction of its choice? */
static bool pmem_flushes(const struct syncmap *m)
{
	return HAVE_PMEM && (m->gran == SYNCMAP_GRAN_BYTE || sm_cpu_disabled() == 0);
}

#if HAVE_PMEM
static unsigned pmem_flags(const struct syncmap *m)
{
	/* Under eADR the caches are persistent: no write-back at all. */
	if (m->gran == SYNCMAP_GRAN_BYTE || !pmem_flushes(m))
		return PMEM_F_MEM_NODRAIN | PMEM_F_MEM_NOFLUSH;
	return PMEM_F_MEM_NODRAIN;
}
#endif

static void cpu_move(struct syncmap *m, void *dst, const void *src, size_t n)
{
#if HAVE_PMEM
	pmem_memmove(dst, src, n, pmem_flags(m));
#else
	memmove(dst, src, n);
#endif
	if (!pmem_flushes(m) && m->flush_fn)
		m->flush_fn(dst, n);
}

static void cpu_set(struct syncmap *m, void *dst, int c, size_t n)
{
#if HAVE_PMEM
	pmem_memset(dst, c, n, pmem_flags(m));
#else
	memset(dst, c, n);
#endif
	if (!pmem_flushes(m) && m->flush_fn)
		m->flush_fn(dst, n);
}

static int finish(struct syncmap *m, void *dst, size_t n, unsigned flags)
{
	uintptr_t a = (uintptr_t)dst;

	if (m->ops->cpu) {
		if (!(flags & SYNCMAP_COPY_NODRAIN))
			sm_fence();
		return 0;
	}
	if (flags & SYNCMAP_COPY_NODRAIN)
		return m->ops->flush(m, a, a + n);
	return m->ops->persist(m, a, a + n);
}

SM_EXPORT int syncmap_memcpy(struct syncmap *m, void *dst, const void *src,
			     size_t n, unsigned flags)
{
	int r = check_copy(m, dst, n, flags);

	if (r <= 0)
		return r;
	if (!src)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "source is NULL");
	if (m->ops->cpu)
		cpu_move(m, dst, src, n);
	else
		memmove(dst, src, n);
	return finish(m, dst, n, flags);
}

SM_EXPORT int syncmap_memset(struct syncmap *m, void *dst, int c, size_t n,
			     unsigned flags)
{
	int r = check_copy(m, dst, n, flags);

	if (r <= 0)
		return r;
	if (m->ops->cpu)
		cpu_set(m, dst, c, n);
	else
		memset(dst, c, n);
	return finish(m, dst, n, flags);
}

/* ---- SIGBUS-safe copies */

/* The work a window protects: everything in it may fault. */
struct sm_copy {
	struct syncmap *m;
	void *dst;
	const void *src;
	size_t n;
	bool flush;	/* write back the destination's cache lines too */
};

static void do_copy(void *arg)
{
	const struct sm_copy *c = arg;

	memmove(c->dst, c->src, c->n);
	/* CLWB/CLFLUSH on a page beyond the end of the file faults like a
	 * load, so the write-back belongs inside the window as well. */
	if (c->flush && c->m->flush_fn)
		c->m->flush_fn(c->dst, c->n);
}

/* Nothing in do_copy() may take a lock or allocate: a fault jumps out of
 * the middle of it.  memmove and the flush loop do neither.  -EIO on a
 * SIGBUS; another negative errno when the handler cannot be installed. */
static int guarded_copy(struct sm_copy *c)
{
	uintptr_t lo = (uintptr_t)c->m->addr;

	return sm_safe_run(do_copy, c, lo, lo + sm_len(c->m));
}

static int fault_error(const struct syncmap *m, const void *p, size_t n)
{
	return sm_fail(-EIO, SYNCMAP_CAUSE_ERROR,
		       "SIGBUS while accessing %zu bytes at file offset %llu: the file was "
		       "truncated under the mapping or the medium reported an error there",
		       n, (unsigned long long)(m->offset + ((uintptr_t)p - (uintptr_t)m->addr)));
}

/* The outcome of a guarded copy of n bytes at p in m. */
static int copy_error(const struct syncmap *m, const void *p, size_t n, int r)
{
	if (r == -EIO)
		return fault_error(m, p, n);
	return sm_fail(r, SYNCMAP_CAUSE_ERROR,
		       "cannot install the SIGBUS handler: %s", strerror(-r));
}

SM_EXPORT int syncmap_read_safe(struct syncmap *m, void *dst, const void *src,
				size_t n)
{
	struct sm_copy c = { m, dst, src, n, false };
	int r;

	if (!m)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (!sm_in_range(m, src, n))
		return sm_range_error(m, "source", src, n);
	if (!dst)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "buffer is NULL");
	r = guarded_copy(&c);
	if (r < 0)
		return copy_error(m, src, n, r);
	return 0;
}

SM_EXPORT int syncmap_write_safe(struct syncmap *m, void *dst, const void *src,
				 size_t n)
{
	struct sm_copy c = { m, dst, src, n, true };
	int r;

	if (!m)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (!sm_in_range(m, dst, n))
		return sm_range_error(m, "destination", dst, n);
	if (m->rdonly)
		return sm_readonly_error();
	if (!src)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "buffer is NULL");
	r = guarded_copy(&c);
	if (r < 0)
		return copy_error(m, dst, n, r);
	if (m->flush_fn) {
		sm_fence();
		return 0;
	}
	/* The other paths' write-back reports a page it cannot write as an
	 * error; it does not fault. */
	return m->ops->persist(m, (uintptr_t)dst, (uintptr_t)dst + n);
}
