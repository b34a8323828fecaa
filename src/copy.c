/* SPDX-License-Identifier: MIT */
/*
 * Persistent copies.  On the CPU paths libpmem's copies do the work
 * (non-temporal stores above its threshold, write-back below); on the
 * page path a plain copy is followed by msync or write-back.
 */
#include <errno.h>
#include <libpmem.h>
#include <string.h>

#include "internal.h"

/* 1: go on; 0: nothing to do (zero length); negative: refuse. */
static int check_copy(struct syncmap *m, const void *dst, size_t n, unsigned flags)
{
	if (!m)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (flags & ~SYNCMAP_COPY_VALID_)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "unknown copy flags 0x%x",
			       flags & ~SYNCMAP_COPY_VALID_);
	if (sm_check_range(m, dst, n))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "destination %p+%zu is not inside the mapping %p+%zu",
			       dst, n, (void *)m->addr, m->len);
	if (m->rdonly)
		return sm_fail(-EBADF, SYNCMAP_CAUSE_READ_ONLY, "%s",
			       sm_cause_default_advice(SYNCMAP_CAUSE_READ_ONLY));
	return 1;
}

/* libpmem's flags for this mapping's path. */
static unsigned pmem_flags(const struct syncmap *m)
{
	/* Under eADR the caches are persistent: skip the write-back. */
	if (m->gran == SYNCMAP_GRAN_BYTE)
		return PMEM_F_MEM_NODRAIN | PMEM_F_MEM_NOFLUSH;
	return PMEM_F_MEM_NODRAIN;
}

static int finish(struct syncmap *m, void *dst, size_t n, unsigned flags)
{
	if (m->gran != SYNCMAP_GRAN_PAGE) {
		if (!(flags & SYNCMAP_COPY_NODRAIN))
			sm_fence();
		return 0;
	}
	if (flags & SYNCMAP_COPY_NODRAIN)
		return syncmap_flush(m, dst, n);
	return sm_page_sync(m, (uintptr_t)dst, (uintptr_t)dst + n);
}

SM_EXPORT int syncmap_memcpy(struct syncmap *m, void *dst, const void *src,
			     size_t n, unsigned flags)
{
	int r = check_copy(m, dst, n, flags);

	if (r <= 0)
		return r;
	if (!src)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "source is NULL");
	if (m->gran == SYNCMAP_GRAN_PAGE)
		memmove(dst, src, n);
	else
		pmem_memmove(dst, src, n, pmem_flags(m));
	return finish(m, dst, n, flags);
}

SM_EXPORT int syncmap_memset(struct syncmap *m, void *dst, int c, size_t n,
			     unsigned flags)
{
	int r = check_copy(m, dst, n, flags);

	if (r <= 0)
		return r;
	if (m->gran == SYNCMAP_GRAN_PAGE)
		memset(dst, c, n);
	else
		pmem_memset(dst, c, n, pmem_flags(m));
	return finish(m, dst, n, flags);
}
