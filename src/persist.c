/* SPDX-License-Identifier: MIT */
/*
 * Making ranges durable: the public entry points.  The cache-line path is
 * inlined (flush_fn, then a fence: no syscall, no lock, nothing written);
 * every other path goes through the mapping's table (path_*.c).  The
 * argument checks and their sentences live here, once.
 */
#include <errno.h>
#include <string.h>

#include "facts.h"

int sm_range_error(const struct syncmap *m, const char *what, const void *addr,
		   size_t len)
{
	return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
		       "%s %p+%zu is not inside the mapping %p+%zu",
		       what, addr, len, (void *)m->addr, sm_len(m));
}

int sm_readonly_error(void)
{
	return sm_fail(-EBADF, SYNCMAP_CAUSE_READ_ONLY, "%s",
		       sm_cause_default_advice(SYNCMAP_CAUSE_READ_ONLY));
}

SM_EXPORT int syncmap_persist(struct syncmap *m, const void *addr, size_t len)
{
	if (sm_unlikely(!m))
		return -EINVAL;
	if (sm_unlikely(len == 0))
		return 0;
	if (sm_unlikely(!sm_in_range(m, addr, len)))
		return sm_range_error(m, "range", addr, len);
	if (sm_likely(m->flush_fn != NULL)) {
		m->flush_fn(addr, len);
		sm_fence();
		return 0;
	}
	return m->ops->persist(m, (uintptr_t)addr, (uintptr_t)addr + len);
}

SM_EXPORT int syncmap_flush(struct syncmap *m, const void *addr, size_t len)
{
	if (sm_unlikely(!m))
		return -EINVAL;
	if (sm_unlikely(len == 0))
		return 0;
	if (sm_unlikely(!sm_in_range(m, addr, len)))
		return sm_range_error(m, "range", addr, len);
	if (sm_likely(m->flush_fn != NULL)) {
		m->flush_fn(addr, len);
		return 0;
	}
	return m->ops->flush(m, (uintptr_t)addr, (uintptr_t)addr + len);
}

SM_EXPORT int syncmap_drain(struct syncmap *m)
{
	if (sm_unlikely(!m))
		return -EINVAL;
	if (sm_likely(m->flush_fn != NULL)) {
		sm_fence();
		return 0;
	}
	return m->ops->drain(m);
}

/*
 * deep_flush reads 1 when the region has write-pending-queue flush hints
 * (writing flushes them), 0 when the platform reports nothing to flush,
 * and is absent when the kernel cannot tell.  Only the first needs a
 * write; the last is an error the caller should see.
 */
int sm_region_deep_flush(const struct syncmap *m)
{
	if (m->deep_flush < 0)
		return -EOPNOTSUPP;
	if (m->deep_flush == 0)
		return 0;
	return sm_tree_write(m->deep_flush_path, "1");
}

SM_EXPORT int syncmap_deep_flush(struct syncmap *m, const void *addr, size_t len)
{
	int r = syncmap_persist(m, addr, len);

	if (r < 0 || !m->sync)
		return r;
	/* The write-pending queues of the memory controller are inside the
	 * ADR domain; flushing them protects against an ADR failure. */
	r = sm_region_deep_flush(m);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "the range is persisted, but the region's deep flush failed: %s",
			       strerror(-r));
	return 0;
}
