/* SPDX-License-Identifier: MIT */
/*
 * Making ranges durable.  The cache-line and byte paths touch only fields
 * that never change after open: no lock, no shared counter, no syscall.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

int sm_check_range(const struct syncmap *m, const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)m->addr;

	if (a < base || a - base > m->len || len > m->len - (a - base))
		return -EINVAL;
	return 0;
}

static int range_error(const struct syncmap *m, const void *addr, size_t len)
{
	return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
		       "range %p+%zu is not inside the mapping %p+%zu",
		       addr, len, (void *)m->addr, m->len);
}

static int readonly_error(void)
{
	return sm_fail(-EBADF, SYNCMAP_CAUSE_READ_ONLY, "%s",
		       sm_cause_default_advice(SYNCMAP_CAUSE_READ_ONLY));
}

static void page_round(uintptr_t *start, uintptr_t *end)
{
	uintptr_t mask = (uintptr_t)sm_page_size() - 1;

	*start &= ~mask;
	*end = (*end + mask) & ~mask;
}

/* msync of the pages covering [start, end); EINTR is retried below. */
int sm_page_sync(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	int r;

	if (m->rdonly)
		return readonly_error();
	page_round(&start, &end);
	r = sm_sys_msync((void *)start, end - start, MS_SYNC);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "msync of %zu bytes at file offset %llu failed: %s; "
			       "that data may not be durable, write it again and persist it again",
			       (size_t)(end - start),
			       (unsigned long long)(m->offset + (start - (uintptr_t)m->addr)),
			       strerror(-r));
	return 0;
}

SM_EXPORT int syncmap_persist(struct syncmap *m, const void *addr, size_t len)
{
	if (sm_unlikely(!m))
		return -EINVAL;
	if (sm_unlikely(len == 0))
		return 0;
	if (sm_unlikely(sm_check_range(m, addr, len)))
		return range_error(m, addr, len);
	if (sm_likely(m->flush_fn != NULL)) {
		m->flush_fn(addr, len);
		sm_fence();
		return 0;
	}
	if (m->gran == SYNCMAP_GRAN_BYTE) {
		sm_fence();
		return 0;
	}
	return sm_page_sync(m, (uintptr_t)addr, (uintptr_t)addr + len);
}

/* Start write-back of the pages under [start, end) without waiting. */
static int page_writeback(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	uint64_t off;
	int r;

	page_round(&start, &end);
	off = m->offset + (start - (uintptr_t)m->addr);
	r = sm_sys_sync_file_range(m->fd, off, end - start, SYNC_FILE_RANGE_WRITE);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "starting write-back of %zu bytes at file offset %llu failed: %s",
			       (size_t)(end - start), (unsigned long long)off, strerror(-r));
	return 0;
}

SM_EXPORT int syncmap_flush(struct syncmap *m, const void *addr, size_t len)
{
	if (sm_unlikely(!m))
		return -EINVAL;
	if (sm_unlikely(len == 0))
		return 0;
	if (sm_unlikely(sm_check_range(m, addr, len)))
		return range_error(m, addr, len);
	if (sm_likely(m->flush_fn != NULL)) {
		m->flush_fn(addr, len);
		return 0;
	}
	if (m->gran == SYNCMAP_GRAN_BYTE)
		return 0;
	if (m->rdonly)
		return readonly_error();
	return page_writeback(m, (uintptr_t)addr, (uintptr_t)addr + len);
}

SM_EXPORT int syncmap_drain(struct syncmap *m)
{
	int r;

	if (sm_unlikely(!m))
		return -EINVAL;
	if (sm_likely(m->gran != SYNCMAP_GRAN_PAGE)) {
		sm_fence();
		return 0;
	}
	if (m->rdonly)
		return readonly_error();
	r = sm_sys_fdatasync(m->fd);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "fdatasync failed: %s; data flushed since the last drain may not be "
			       "durable, write it again and persist it again", strerror(-r));
	return 0;
}

SM_EXPORT int syncmap_deep_flush(struct syncmap *m, const void *addr, size_t len)
{
	int r = syncmap_persist(m, addr, len);

	if (r < 0 || !m->sync)
		return r;
	/* The write-pending queues of the memory controller are inside the
	 * ADR domain; flushing them protects against an ADR failure. */
	r = sm_region_deep_flush(m->fd);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "the range is persisted, but the region's deep flush failed: %s",
			       strerror(-r));
	return 0;
}
