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
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

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
