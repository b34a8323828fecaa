/* SPDX-License-Identifier: MIT */
/*
 * Growing a mapping in place.  An open may hold address space beyond the
 * mapping (a PROT_NONE reservation, reserve.c); syncmap_grow() extends the
 * file and maps the new range over the reservation with the flags the
 * mapping already has, so the base address stays and every pointer stays
 * valid.  The path is never changed by a grow: a MAP_SYNC mapping grows
 * with MAP_SYNC or not at all.
 *
 * Concurrency: grows of one mapping are serialised by its grow_lock; the
 * lengths other threads check ranges against (len, map_len) are stored
 * with release order once the new range is mapped, and read with acquire
 * order (sm_len(), sm_map_len()), so a range check that sees the new
 * length sees the new range mapped.
 *
 * Durability of the new size: no path needs a sync here.  On the page
 * path the persist's msync (fdatasync of the range) commits the size; on
 * the journal path every record carries the size (sm_journal_resized());
 * on the MAP_SYNC path the first store to a page of the new range takes a
 * write fault, the file system reports the inode's uncommitted size change
 * as IOMAP_F_DIRTY (ext4_set_iomap(), xfs_bmbt_to_iomap()), so the fault is
 * synchronous (dax_fault_is_synchronous()) and dax_finish_sync_fault()
 * runs vfs_fsync_range() before the store proceeds.  The one page no fault
 * covers is the one holding the old end when it is not page-aligned: it
 * may already be mapped writable, so that case syncs here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "grow.h"
#include "journal.h"
#include "log.h"
#include "paths.h"
#include "reserve.h"
#include "strict.h"
#include "sys.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* The size the file had before the grow, to give back on failure. */
struct sm_grow_undo {
	uint64_t old_size;
	uint64_t end;
};

static size_t skip_of(const struct syncmap *b)
{
	return (size_t)(b->addr - (uint8_t *)b->map_base);
}

int sm_grow_setup(struct syncmap *m, unsigned flags, uint64_t reserve)
{
	struct syncmap *b = (struct syncmap *)sm_strict_below(m);
	size_t skip = skip_of(b), res;
	int r;

	pthread_mutex_init(&m->grow_lock, NULL);
	m->open_flags = flags;
	if (reserve <= m->len)
		return 0;
	if (reserve > SIZE_MAX / 4)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
			       "a reservation of %llu bytes does not fit the address space",
			       (unsigned long long)reserve);
	if (m->rdonly)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_READ_ONLY,
			       "a read-only mapping cannot grow: open it writable to reserve room "
			       "beyond its %zu bytes, or reserve nothing", m->len);
	if (m->devdax)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "a device DAX has a fixed size and cannot grow: reserve nothing, or "
			       "map a larger device (daxctl reconfigure-device --size)");
	res = sm_page_round(skip + (size_t)reserve);
	if (sm_strict_is(m)) {
		r = sm_strict_reserve(m, res);
	} else {
		r = sm_reserve_move(&m->map_base, m->map_len, res, m->offset);
		if (r == 0) {
			m->addr = (uint8_t *)m->map_base + skip;
			m->reserve = res;
		}
	}
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "holding %zu bytes of address space for the mapping to grow into "
			       "failed: %s; reserve less (the limit is the process's address space, "
			       "see ulimit -v)", res, strerror(-r));
	return 0;
}

SM_EXPORT size_t syncmap_reserved(const struct syncmap *m)
{
	size_t skip, len, res;

	if (!m)
		return 0;
	skip = skip_of(sm_strict_below(m));
	len = sm_len(m);
	res = m->reserve > skip ? m->reserve - skip : 0;
	return res > len ? res : len;
}

/* ---- the file */

static const char *space_advice(int r)
{
	if (r == -ENOSPC || r == -EDQUOT)
		return "; free space on the file system (or raise the quota) and grow again, or "
		       "open with SYNCMAP_SPARSE to leave new ranges unallocated (a store the "
		       "file system cannot allocate then raises SIGBUS)";
	return "";
}

static void give_back(int fd, const struct sm_grow_undo *u)
{
	struct stat st;

	if (sm_sys_fstat(fd, &st) == 0 && (uint64_t)st.st_size > u->old_size &&
	    u->old_size < u->end)
		sm_sys_ftruncate(fd, u->old_size);
}

/* Extend the file to end bytes, allocating [from, end) unless sparse. */
static int extend_file(struct syncmap *b, bool sparse, uint64_t from, uint64_t end,
		       struct sm_grow_undo *u)
{
	struct stat st;
	int r;

	r = sm_sys_fstat(b->fd, &st);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "fstat before the grow failed: %s",
			       strerror(-r));
	u->old_size = (uint64_t)st.st_size;
	u->end = end;
	r = -EOPNOTSUPP;
	if (!sparse)
		r = sm_sys_fallocate(b->fd, 0, from, end - from);
	if (r == -EOPNOTSUPP) {
		r = end > u->old_size ? sm_sys_ftruncate(b->fd, end) : 0;
		if (r == 0 && !sparse && end > u->old_size)
			r = sm_sys_zero_fill(b->fd, u->old_size > from ? u->old_size : from, end);
	}
	if (r == 0 && b->sync && end > u->old_size && u->old_size % (uint64_t)sm_page_size())
		r = sm_sys_fdatasync(b->fd);
	if (r < 0) {
		give_back(b->fd, u);
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "extending the file from %llu to %llu bytes failed: %s%s",
			       (unsigned long long)u->old_size, (unsigned long long)end,
			       strerror(-r), space_advice(r));
	}
	return 0;
}

/* ---- the mapping */

static int map_tail(struct syncmap *b, size_t new_map_len)
{
	size_t from = sm_page_round(b->map_len), to = sm_page_round(new_map_len);
	int flags = b->sync ? MAP_SHARED_VALIDATE | MAP_SYNC : MAP_SHARED, r;

	if (to <= from)
		return 0;
	r = sm_reserve_map((uint8_t *)b->map_base + from, to - from, PROT_READ | PROT_WRITE,
			   flags, b->fd, b->offset + from);
	if (r < 0 && b->sync)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "the kernel refused MAP_SYNC for the new %zu bytes at offset %llu: %s; "
			       "the mapping keeps its length and its MAP_SYNC path (a grow never "
			       "mixes paths): check that the file is still on a file system mounted "
			       "with -o dax and has not lost its DAX flag, or reopen it",
			       to - from, (unsigned long long)(b->offset + from), strerror(-r));
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "mmap of the new %zu bytes at offset %llu failed: %s", to - from,
			       (unsigned long long)(b->offset + from), strerror(-r));
	return 0;
}

/* Past the reservation, when the caller allows it: move the mapping into
 * a reservation twice as large.  Pointers into the old one are invalid. */
static int move(struct syncmap *m, size_t need)
{
	size_t mapped = sm_page_round(m->map_len), old = sm_map_span(m), res;
	void *base = m->map_base, *old_base = m->map_base;
	int r;

	if (sm_strict_is(m))
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_STRICT_MODE,
			       "strict mode cannot move its view: reserve more at open "
			       "(syncmap_open_reserve())");
	res = sm_page_round(need > 2 * old ? need : 2 * old);
	r = sm_reserve_move(&base, m->map_len, res, m->offset);
	if (r < 0)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
			       "moving the mapping into %zu bytes of address space failed: %s",
			       res, strerror(-r));
	if (sm_page_round(old) > mapped)
		sm_sys_munmap((uint8_t *)old_base + mapped, sm_page_round(old) - mapped);
	m->addr = (uint8_t *)base + skip_of(m);
	m->map_base = base;
	m->reserve = res;
	return 0;
}

static int check(struct syncmap *m, uint64_t new_length, size_t *need, unsigned flags)
{
	const struct syncmap *b = sm_strict_below(m);
	size_t reach = m->reserve > b->map_len ? m->reserve : b->map_len;

	if (new_length < m->len)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "syncmap_grow cannot shrink the mapping from %zu to %llu bytes; "
			       "to shrink, close it and open again with SYNCMAP_RESIZE",
			       m->len, (unsigned long long)new_length);
	if (new_length > SIZE_MAX / 4 || skip_of(b) + new_length > SIZE_MAX / 4)
		return sm_fail(-EOVERFLOW, SYNCMAP_CAUSE_ERROR, "length %llu is too large",
			       (unsigned long long)new_length);
	*need = skip_of(b) + (size_t)new_length;
	if (sm_page_round(*need) <= sm_page_round(reach) ||
	    (flags & SYNCMAP_GROW_MAY_MOVE))
		return 0;
	return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
		       "growing to %llu bytes is past the %zu bytes this mapping can reach in "
		       "place; open it with syncmap_open_reserve() and a reservation at least "
		       "that large, or pass SYNCMAP_GROW_MAY_MOVE to let the mapping move "
		       "(every pointer into it then becomes invalid)",
		       (unsigned long long)new_length, syncmap_reserved(m));
}

static void publish(struct syncmap *m, struct syncmap *b, size_t need, size_t new_len)
{
	__atomic_store_n(&b->map_len, need, __ATOMIC_RELEASE);
	if (b != m) {
		b->len = need - skip_of(b);
		__atomic_store_n(&m->map_len, need, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&m->len, new_len, __ATOMIC_RELEASE);
}

static int grow_locked(struct syncmap *m, uint64_t new_length, unsigned flags)
{
	struct syncmap *b = (struct syncmap *)sm_strict_below(m);
	size_t need = 0, old_len = m->len, old_map = b->map_len;
	struct sm_grow_undo u;
	int r;

	if (new_length == old_len)
		return 0;
	r = check(m, new_length, &need, flags);
	if (r == 0 && sm_page_round(need) > sm_page_round(sm_map_span(m)))
		r = move(m, need);
	if (r == 0)
		r = extend_file(b, m->open_flags & SYNCMAP_SPARSE, b->offset + old_map,
				b->offset + need, &u);
	if (r < 0)
		return r;
	r = map_tail(b, need);
	if (r == 0 && sm_strict_is(m)) {
		r = sm_strict_grow_view(m, (size_t)new_length);
		if (r < 0 && sm_page_round(need) > sm_page_round(old_map))
			sm_reserve_hold((uint8_t *)b->map_base + sm_page_round(old_map),
					sm_page_round(need) - sm_page_round(old_map));
	}
	if (r < 0) {
		give_back(b->fd, &u);
		return r;
	}
	/* Before the new length is seen: records of lines in the new range
	 * must carry the size that holds them. */
	if (b->offset + need > u.old_size)
		sm_journal_resized(b, b->offset + need);
	publish(m, b, need, (size_t)new_length);
	if ((m->open_flags & SYNCMAP_PREFAULT) && m == b && sm_page_round(need) > sm_page_round(old_map))
		sm_sys_madvise((uint8_t *)b->map_base + sm_page_round(old_map),
			       sm_page_round(need) - sm_page_round(old_map), MADV_POPULATE_WRITE);
	return 0;
}

SM_EXPORT int syncmap_grow(struct syncmap *m, uint64_t new_length, unsigned flags)
{
	int r;

	sm_clear_last();
	if (!m)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "syncmap_grow: no mapping given");
	if (flags & ~SM_GROW_VALID)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "unknown grow flags 0x%x",
			       flags & ~SM_GROW_VALID);
	if (m->rdonly)
		return sm_readonly_error();
	if (m->devdax)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "a device DAX has a fixed size and cannot grow; map a larger device "
			       "(daxctl reconfigure-device --size) and open it again");
	pthread_mutex_lock(&m->grow_lock);
	r = grow_locked(m, new_length, flags);
	pthread_mutex_unlock(&m->grow_lock);
	return r;
}
