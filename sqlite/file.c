/* SPDX-License-Identifier: MIT */
/*
 * The methods of a main database or WAL file: unix's file underneath
 * (locks, xShm*, and I/O wherever the mapping does not reach), the node's
 * mapping for the bytes.
 *
 * Sizes: the mapping covers [0, syncmap_length()); the file may be shorter
 * (a truncate: libsyncmap cannot shrink a mapping, so the tail of the
 * mapping is left alone until the file grows again) or longer (past the
 * address space reserved: that tail goes through unix's xRead/xWrite,
 * which see the same page cache).  node->size is the file's size as last
 * seen; reads inside both the mapping and that size are copies, anything
 * else goes to unix, which zero-fills short reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3ext.h>
#ifndef SQLITE_CORE
SQLITE_EXTENSION_INIT3
#endif

#include <syncmap.h>

#include "syncmap_sqlite.h"
#include "vfs_internal.h"

/* ---- the file's methods */

static int io_error(int r, int code, const char *what)
{
	smsql_keep_advice(r, what);
	if (r == -ENOSPC || r == -EDQUOT)
		return SQLITE_FULL;
	if (r == -ENOMEM)
		return SQLITE_IOERR_NOMEM;
	return code;
}

static int sm_close(sqlite3_file *f)
{
	struct smfile *p = (struct smfile *)f;
	int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;

	syncmap_batch_free(p->batch);
	smsql_atomic_close(p);
	free(p->dirty);
	if (p->node)
		smsql_node_put(p->node);
	p->node = NULL;
	p->batch = NULL;
	p->dirty = NULL;
	return rc;
}

/* Whether [off, off + amt) is inside both the mapping and the file. */
static bool inside(struct node *n, struct syncmap *m, sqlite3_int64 off, int amt)
{
	uint64_t end = (uint64_t)off + (uint64_t)amt;

	return off >= 0 && end <= syncmap_length(m) && end <= size_of(n);
}

static int sm_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	struct smfile *p = (struct smfile *)f;
	struct node *n = p->node;
	struct syncmap *m;

	if (!n)
		return p->real->pMethods->xRead(p->real, buf, amt, off);
	smsql_try_map(n);
	m = map_of(n);
	if (m && !inside(n, m, off, amt))
		smsql_refresh_size(n);	/* another connection may have grown it */
	if (m && inside(n, m, off, amt)) {
		int r = syncmap_read_safe(m, buf, (uint8_t *)syncmap_addr(m) + off, (size_t)amt);

		if (r == 0)
			return SQLITE_OK;
		/* SIGBUS: truncated under us by someone else.  unix reads
		 * what is there and zero-fills the rest. */
		smsql_refresh_size(n);
	}
	return p->real->pMethods->xRead(p->real, buf, amt, off);
}

static int add_dirty(struct smfile *p, uint64_t off, uint64_t end)
{
	if (p->ndirty) {
		struct range *last = &p->dirty[p->ndirty - 1];

		if (off <= last->end && end >= last->off) {
			if (off < last->off)
				last->off = off;
			if (end > last->end)
				last->end = end;
			return 0;
		}
	}
	if (p->ndirty == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct range *d = realloc(p->dirty, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		p->dirty = d;
		p->cap = cap;
	}
	p->dirty[p->ndirty].off = off;
	p->dirty[p->ndirty].end = end;
	p->ndirty++;
	return 0;
}

/*
 * Extend a file to `end` by writing zeros, so that its new blocks are
 * allocated and written: one size and extent change per WAL step or size
 * hint.  posix_fallocate() leaves unwritten extents: on a MAP_SYNC mapping
 * (ext4 -o dax) the first store to each of their pages converts it, and
 * the fault then syncs that metadata change, a journal commit per page of
 * a WAL's first pass.  Who commits the change: unix's next sync, or, on a
 * MAP_SYNC mapping (`sync`), the first store fault on one of the new
 * pages, since the kernel does not let a write fault of a MAP_SYNC
 * mapping finish before the metadata the page needs is durable (mmap(2),
 * MAP_SYNC), and no byte is stored there but through such a fault.  On
 * failure the file is cut back to its old size.
 */
static int zero_fill(struct smfile *p, struct node *n, uint64_t end, bool sync)
{
	static const uint8_t zeros[65536];
	uint64_t size = size_of(n), at = size;

	while (at < end) {
		size_t len = end - at < sizeof(zeros) ? (size_t)(end - at) : sizeof(zeros);
		ssize_t w = pwrite(n->fd, zeros, len, (off_t)at);

		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			if (ftruncate(n->fd, (off_t)size) < 0)
				p->unix_dirty = true;
			return -e;
		}
		at += (uint64_t)w;
	}
	__atomic_store_n(&n->size, end, __ATOMIC_RELEASE);
	if (!sync)
		p->unix_dirty = true;
	return 0;
}

/*
 * Whether new blocks are written as zeros rather than fallocate()d: for a
 * WAL always (its steps, above), and for any file on a MAP_SYNC mapping,
 * where a store to an unwritten extent converts it in the fault and the
 * fault then commits that change.
 */
static bool grow_with_zeros(const struct smfile *p, struct syncmap *m)
{
	return p->wal || syncmap_is_sync(m);
}

/*
 * Make [size, end) part of the file where the mapping already covers it
 * (the file was truncated below the mapping's length): a store there
 * would raise SIGBUS.  The size change needs unix's sync.
 */
static int extend_inside(struct smfile *p, struct node *n, struct syncmap *m, uint64_t end)
{
	uint64_t size = size_of(n);
	int r;

	if (end <= size)
		return 0;
	if (grow_with_zeros(p, m))
		return zero_fill(p, n, end, syncmap_is_sync(m));
	r = posix_fallocate(n->fd, (off_t)size, (off_t)(end - size));
	if (r == EOPNOTSUPP || r == EINVAL)
		r = ftruncate(n->fd, (off_t)end) < 0 ? errno : 0;
	if (r)
		return -r;
	__atomic_store_n(&n->size, end, __ATOMIC_RELEASE);
	p->unix_dirty = true;
	return 0;
}

/*
 * How far a write ending at `end` extends the file.  A WAL grows by whole
 * SMSQL_WAL_STEP steps: growing it a frame at a time cost a size change,
 * and so a sync of unix's (an fdatasync) or of the old last page, on
 * every commit.  SQLite reads a WAL only up to its last valid frame, and
 * reuses it from the start after a checkpoint, so the zeros past the last
 * frame are never read as frames.  A main database grows exactly:
 * SQLite truncates it to its page count at commits, which would undo a
 * step.  Never past `limit` (the mapping's length or reservation).
 */
static uint64_t grow_end(const struct smfile *p, uint64_t end, uint64_t limit)
{
	uint64_t to;

	if (!p->wal)
		return end;
	to = (end + SMSQL_WAL_STEP - 1) & ~(uint64_t)(SMSQL_WAL_STEP - 1);
	if (to > limit)
		to = limit;
	return to > end ? to : end;
}

/*
 * Make the file and the mapping reach `end` (growing a WAL by a step, a
 * database exactly), its new part allocated: 0 when a store there is
 * safe, 1 when `end` is past what can be mapped (the caller goes through
 * unix), or -errno with *what saying which step failed.
 */
static int make_room(struct smfile *p, struct node *n, struct syncmap *m, uint64_t end,
		     const char **what)
{
	int r;

	*what = "extending the file";
	if (end > syncmap_length(m)) {
		if (end > syncmap_reserved(m))
			return 1;	/* past the reservation: the tail is unix's */
		if (size_of(n) < syncmap_length(m)) {
			r = extend_inside(p, n, m, syncmap_length(m));
			if (r < 0)
				return r;
		}
		uint64_t to = grow_end(p, end, syncmap_reserved(m));

		if (grow_with_zeros(p, m)) {
			r = zero_fill(p, n, to, syncmap_is_sync(m));
			if (r < 0)
				return r;
		}
		r = syncmap_grow(m, to, 0);
		if (r == -ENOMEM)
			return 1;
		if (r < 0) {
			*what = "growing the mapping";
			return r;
		}
		if (to > size_of(n))
			__atomic_store_n(&n->size, to, __ATOMIC_RELEASE);
	} else if (end > size_of(n)) {
		smsql_refresh_size(n);
		r = extend_inside(p, n, m, grow_end(p, end, syncmap_length(m)));
		if (r < 0)
			return r;
	}
	return 0;
}

static int sm_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct smfile *p = (struct smfile *)f;
	struct node *n = p->node;
	struct syncmap *m;
	uint64_t end = (uint64_t)off + (uint64_t)amt;
	const char *what;
	int r, rc;

	if (!n)
		return p->real->pMethods->xWrite(p->real, buf, amt, off);
	if (p->atomic_fallback && (rc = smsql_atomic_fallback(p)) != SQLITE_OK)
		return rc;
	smsql_try_map(n);
	m = map_of(n);
	if (!m && n->journal_busy)
		return io_error(-EBUSY, SQLITE_IOERR_WRITE,
				"syncmap_nosync=journal: another open holds the file's journal");
	if (!m || off < 0)
		goto through_unix;
	r = make_room(p, n, m, end, &what);
	if (r > 0)
		goto through_unix;
	if (r < 0)
		return io_error(r, SQLITE_IOERR_WRITE, what);
	/*
	 * A plain copy: syncmap_write_safe() would persist every write, and
	 * xSync persists them all at once.  No store here can fault: the
	 * range is allocated (grown or extended above, never sparse), and no
	 * other connection truncates the file while this one writes (SQLite
	 * holds the database's write lock, or the WAL's, around every write).
	 */
	if (p->atomic)
		return smsql_atomic_write(p, (uint8_t *)syncmap_addr(m) + off, buf, amt);
	memcpy((uint8_t *)syncmap_addr(m) + off, buf, (size_t)amt);
	r = add_dirty(p, (uint64_t)off, end);
	if (r < 0) {
		/* Cannot remember the range: have unix sync the whole file. */
		p->unix_dirty = true;
	}
	return SQLITE_OK;

through_unix:
	if (p->atomic)
		return smsql_atomic_refuse(p);
	rc = p->real->pMethods->xWrite(p->real, buf, amt, off);
	if (rc == SQLITE_OK) {
		p->unix_dirty = true;
		if (end > size_of(n))
			__atomic_store_n(&n->size, end, __ATOMIC_RELEASE);
	}
	return rc;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

#ifdef SMSQL_FAULTS
/*
 * Deliberate bugs, for the strict-mode controls of the sqlite suite only:
 * a test build (sqlite/tests/meson.build, -DSMSQL_FAULTS) takes one from
 * SMSQL_FAULT.  The shipped VFS is compiled without any of this.
 *   skip-wal-frame   a WAL sync leaves out the last frame it wrote (the
 *                    last 4120 bytes: a 4 KiB page and its frame header),
 *                    which is never persisted
 *   late-wal-header  a WAL header written is persisted two syncs late,
 *                    after frames that need it: its 32 bytes and the rest
 *                    of their cache line (64 bytes: the first frame's
 *                    header starts in it, and persisting the frame would
 *                    carry the header along)
 *   late-db-page     a database sync leaves out the last range it wrote and
 *                    persists it after the next sync's ranges
 *   atomic-early-store  (atomic.c) a batch-atomic write is also stored
 *                    into the mapping at once, before its unit is durable
 */
enum fault { FAULT_NONE, FAULT_SKIP_WAL_FRAME, FAULT_LATE_WAL_HEADER, FAULT_LATE_DB_PAGE };

static enum fault fault_chosen(void)
{
	const char *e = getenv("SMSQL_FAULT");

	if (!e)
		return FAULT_NONE;
	if (!strcmp(e, "skip-wal-frame"))
		return FAULT_SKIP_WAL_FRAME;
	if (!strcmp(e, "late-wal-header"))
		return FAULT_LATE_WAL_HEADER;
	if (!strcmp(e, "late-db-page"))
		return FAULT_LATE_DB_PAGE;
	return FAULT_NONE;
}

#define WAL_HEADER 32
#define WAL_HEADER_LINE 64
#define WAL_FRAME (24 + 4096)

/* Change the merged ranges of this sync as the fault says; *due gets a
 * range held back earlier whose turn has come (empty if none). */
static void apply_fault(struct smfile *p, struct range *due)
{
	enum fault f = fault_chosen();
	struct range *last = p->ndirty ? &p->dirty[p->ndirty - 1] : NULL;

	due->off = due->end = 0;
	if (p->held_syncs && --p->held_syncs == 0)
		*due = p->held;
	if (f == FAULT_SKIP_WAL_FRAME && p->wal && last && last->end > WAL_HEADER) {
		uint64_t cut = last->end >= WAL_FRAME ? last->end - WAL_FRAME : 0;

		if (cut < WAL_HEADER)
			cut = WAL_HEADER;
		if (cut <= last->off)
			p->ndirty--;
		else
			last->end = cut;
	} else if (f == FAULT_LATE_WAL_HEADER && p->wal) {
		if (p->ndirty && p->dirty[0].off < WAL_HEADER) {
			p->held.off = 0;
			p->held.end = WAL_HEADER_LINE;
			p->held_syncs = 2;
		}
		/* While it is held, nothing persists its cache line. */
		if (p->held_syncs && p->ndirty && p->dirty[0].off < WAL_HEADER_LINE) {
			p->dirty[0].off = WAL_HEADER_LINE;
			if (p->dirty[0].off >= p->dirty[0].end) {
				memmove(p->dirty, p->dirty + 1,
					(p->ndirty - 1) * sizeof(*p->dirty));
				p->ndirty--;
			}
		}
	} else if (f == FAULT_LATE_DB_PAGE && !p->wal && last) {
		p->held = *last;
		p->held_syncs = 1;
		p->ndirty--;
	}
}
#endif

/* Persist the ranges written since the last sync, as one batch. */
static int persist_dirty(struct smfile *p, struct syncmap *m)
{
	uint64_t limit = syncmap_length(m);
	uint8_t *base = syncmap_addr(m);
	size_t k = 0;
	int r;
#ifdef SMSQL_FAULTS
	struct range due;

	if (!p->ndirty && !p->held_syncs)
		return 0;
#else
	if (!p->ndirty)
		return 0;
#endif
	if (!p->batch) {
		r = syncmap_batch_new(m, 0, &p->batch);
		if (r < 0)
			return r;
	}
	qsort(p->dirty, p->ndirty, sizeof(*p->dirty), cmp_range);
	for (size_t i = 0; i < p->ndirty; i++) {
		if (k && p->dirty[i].off <= p->dirty[k - 1].end) {
			if (p->dirty[i].end > p->dirty[k - 1].end)
				p->dirty[k - 1].end = p->dirty[i].end;
		} else {
			p->dirty[k++] = p->dirty[i];
		}
	}
	p->ndirty = k;
	if (size_of(p->node) < limit)
		limit = size_of(p->node);
#ifdef SMSQL_FAULTS
	apply_fault(p, &due);
	for (size_t i = 0; i <= p->ndirty; i++) {
		struct range *rg = i < p->ndirty ? &p->dirty[i] : &due;
		uint64_t off = rg->off, end = rg->end;
#else
	for (size_t i = 0; i < p->ndirty; i++) {
		uint64_t off = p->dirty[i].off, end = p->dirty[i].end;
#endif

		if (end > limit)
			end = limit;	/* truncated since: nothing left to persist */
		if (off >= end)
			continue;
		r = syncmap_batch_add(p->batch, base + off, (size_t)(end - off));
		if (r < 0)
			return r;
	}
	r = syncmap_batch_commit(p->batch);
	if (r == 0)
		p->ndirty = 0;
	return r;
}

static int sm_sync(sqlite3_file *f, int flags)
{
	struct smfile *p = (struct smfile *)f;
	struct syncmap *m;
	int r;

	if (!p->node)
		return p->real->pMethods->xSync(p->real, flags);
	m = map_of(p->node);
	if (m) {
		r = persist_dirty(p, m);
		if (r < 0)
			return io_error(r, SQLITE_IOERR_FSYNC, "persisting the written ranges");
	}
	if (p->unix_dirty || !m) {
		int rc = p->real->pMethods->xSync(p->real, flags);

		if (rc != SQLITE_OK)
			return rc;
		p->unix_dirty = false;
	}
	return SQLITE_OK;
}

static int sm_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct smfile *p = (struct smfile *)f;
	int rc;

	if (p->node && !map_of(p->node) && p->node->journal_busy)
		return io_error(-EBUSY, SQLITE_IOERR_TRUNCATE,
				"syncmap_nosync=journal: another open holds the file's journal");
	rc = p->real->pMethods->xTruncate(p->real, size);
	if (rc != SQLITE_OK || !p->node)
		return rc;
	/* The mapping keeps its length (libsyncmap cannot shrink one); the
	 * range past the new end is not touched until the file grows. */
	__atomic_store_n(&p->node->size, (uint64_t)size, __ATOMIC_RELEASE);
	p->unix_dirty = true;
	return SQLITE_OK;
}

static int sm_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct smfile *p = (struct smfile *)f;
	int rc = p->real->pMethods->xFileSize(p->real, size);

	if (rc == SQLITE_OK && p->node)
		__atomic_store_n(&p->node->size, (uint64_t)*size, __ATOMIC_RELEASE);
	return rc;
}

static int sm_lock(sqlite3_file *f, int level)
{
	struct smfile *p = (struct smfile *)f;
	int rc;

	if (!p->node)
		return p->real->pMethods->xLock(p->real, level);
	/* Under the node's mutex: a safe-point check and the close that
	 * follows it see our own connections' locks or none of them. */
	pthread_mutex_lock(&p->node->mu);
	/* Before this connection's first lock: a file empty at open, or
	 * locked by another connection then, may be mapped now. */
	if (p->lock == SQLITE_LOCK_NONE)
		smsql_try_map_locked(p->node);
	rc = p->real->pMethods->xLock(p->real, level);
	pthread_mutex_unlock(&p->node->mu);
	if (rc == SQLITE_OK) {
		if (p->lock == SQLITE_LOCK_NONE)
			smsql_refresh_size(p->node);	/* another process may have resized it */
		p->lock = level;
	}
	return rc;
}

static int sm_unlock(sqlite3_file *f, int level)
{
	struct smfile *p = (struct smfile *)f;
	int rc = p->real->pMethods->xUnlock(p->real, level);

	if (rc == SQLITE_OK)
		p->lock = level;
	return rc;
}

static int sm_check_reserved(sqlite3_file *f, int *out)
{
	struct smfile *p = (struct smfile *)f;

	return p->real->pMethods->xCheckReservedLock(p->real, out);
}

/* Hand a plain file's mmap_size to unix, whose xFetch serves it. */
static int unix_mmap_size(struct smfile *p)
{
	sqlite3_int64 v = p->mmap_max;
	int rc = p->real->pMethods->xFileControl(p->real, SQLITE_FCNTL_MMAP_SIZE, &v);

	if (rc == SQLITE_OK)
		p->unix_mmap = true;
	return rc;
}

/*
 * SQLITE_FCNTL_SIZE_HINT: the size a mapped file is about to reach.
 * SQLite gives it before a checkpoint copies frames into the database and
 * before a rollback-mode commit writes pages past its end.  Growing the
 * file and the mapping to it at once makes one size change where growing
 * at each write past the end made one per page; on a MAP_SYNC mapping
 * (ext4 -o dax) the first store to each new page then found the file's
 * metadata uncommitted and the fault committed it: a journal commit per
 * new page of the database.  A hint for a file not mapped is unix's.
 */
static int size_hint(struct smfile *p, sqlite3_int64 want)
{
	struct node *n = p->node;
	struct syncmap *m;
	const char *what;
	uint64_t end;
	int r;

	smsql_try_map(n);
	m = map_of(n);
	if (!m || want <= 0)
		return p->real->pMethods->xFileControl(p->real, SQLITE_FCNTL_SIZE_HINT, &want);
	end = (uint64_t)want;
	if (end > syncmap_reserved(m))
		end = syncmap_reserved(m);	/* the rest goes through unix when written */
	r = make_room(p, n, m, end, &what);
	if (r < 0)
		return io_error(r, SQLITE_IOERR_WRITE, what);
	return SQLITE_OK;
}

static int sm_file_control(sqlite3_file *f, int op, void *arg)
{
	struct smfile *p = (struct smfile *)f;
	int rc;

	if (smsql_atomic_fcntl(p, op, &rc))
		return rc;
	/* Ours: unix would map the file a second time for its own xFetch.
	 * The new limit in, the old one out; a negative one only asks.  A
	 * plain file's xFetch is unix's, which gets the limit too. */
	if (op == SQLITE_FCNTL_MMAP_SIZE && p->node) {
		sqlite3_int64 want = *(sqlite3_int64 *)arg;

		*(sqlite3_int64 *)arg = p->mmap_max;
		if (want >= 0)
			p->mmap_max = want;
		if (want >= 0 && __atomic_load_n(&p->node->plain, __ATOMIC_ACQUIRE))
			return unix_mmap_size(p);
		return SQLITE_OK;
	}
	if (op == SQLITE_FCNTL_SIZE_HINT && p->node)
		return size_hint(p, *(sqlite3_int64 *)arg);
	rc = p->real->pMethods->xFileControl(p->real, op, arg);

	if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK) {
		char *below = *(char **)arg;

		*(char **)arg = sqlite3_mprintf("syncmap(%s)/%s",
						p->node ? smsql_node_path_name(p->node) : "unmapped",
						below ? below : "unix");
		sqlite3_free(below);
	}
	return rc;
}

static int sm_sector_size(sqlite3_file *f)
{
	struct smfile *p = (struct smfile *)f;

	return p->real->pMethods->xSectorSize(p->real);
}

/*
 * Only what holds: a write through the mapping changes no byte outside
 * its range on any path (cache lines or whole pages carrying the other
 * bytes unchanged), so unix's power-safe-overwrite claim (its psow URI
 * parameter) carries over, and so does immutable.  Nothing about atomic
 * or ordered writes is claimed: neither a MAP_SYNC store nor an msync of
 * a page is atomic beyond eight bytes.  The one exception, batch-atomic
 * writes on the journaled path, is atomic.c's.
 */
static int sm_device_characteristics(sqlite3_file *f)
{
	struct smfile *p = (struct smfile *)f;
	int c = p->real->pMethods->xDeviceCharacteristics(p->real);

	return (c & (SQLITE_IOCAP_POWERSAFE_OVERWRITE | SQLITE_IOCAP_IMMUTABLE)) |
	       smsql_atomic_iocap(p);
}

static int sm_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	struct smfile *p = (struct smfile *)f;

	return p->real->pMethods->xShmMap(p->real, pg, pgsz, extend, pp);
}

static int sm_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	struct smfile *p = (struct smfile *)f;

	return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void sm_shm_barrier(sqlite3_file *f)
{
	struct smfile *p = (struct smfile *)f;

	p->real->pMethods->xShmBarrier(p->real);
}

static int sm_shm_unmap(sqlite3_file *f, int del)
{
	struct smfile *p = (struct smfile *)f;

	return p->real->pMethods->xShmUnmap(p->real, del);
}

/*
 * SQLite's memory-mapped I/O (PRAGMA mmap_size): a pointer into the
 * mapping, for a range inside both the mapping and the file and below the
 * connection's mmap_size; anything else gets no pointer, and SQLite reads
 * it with xRead.  The mapping keeps its address for as long as this
 * connection has the file open (it grows in place, within its
 * reservation, and is closed only when the file's last connection
 * closes), so a pointer needs no reference and xUnfetch has nothing to
 * release.  A truncate lowers the size checked here at once, so no
 * pointer past the new end is handed out.  As with unix's own mmap, a
 * page another process truncates away under a pointer SQLite holds would
 * raise SIGBUS when read (SQLite's documentation of mmap_size says so).
 */
static int sm_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	struct smfile *p = (struct smfile *)f;
	struct node *n = p->node;
	struct syncmap *m;

	*pp = NULL;
	if (n)
		smsql_try_map(n);
	/* A plain file (syncmap_nosync=unix, no MAP_SYNC): unix's own mmap,
	 * as through the unix VFS. */
	if (n && __atomic_load_n(&n->plain, __ATOMIC_ACQUIRE)) {
		if (!p->unix_mmap && unix_mmap_size(p) != SQLITE_OK)
			return SQLITE_OK;
		return p->real->pMethods->xFetch(p->real, off, amt, pp);
	}
	if (!n || off < 0 || amt <= 0 || off + amt > p->mmap_max)
		return SQLITE_OK;
	m = map_of(n);
	if (m && inside(n, m, off, amt))
		*pp = (uint8_t *)syncmap_addr(m) + off;
	return SQLITE_OK;
}

static int sm_unfetch(sqlite3_file *f, sqlite3_int64 off, void *ptr)
{
	struct smfile *p = (struct smfile *)f;

	/* Only unix's pointers need giving back (a plain node never had a
	 * mapping of ours, so every pointer it handed out is unix's). */
	if (p->node && p->unix_mmap)
		return p->real->pMethods->xUnfetch(p->real, off, ptr);
	return SQLITE_OK;
}

const sqlite3_io_methods smsql_methods = {
	.iVersion = 3,
	.xClose = sm_close,
	.xRead = sm_read,
	.xWrite = sm_write,
	.xTruncate = sm_truncate,
	.xSync = sm_sync,
	.xFileSize = sm_file_size,
	.xLock = sm_lock,
	.xUnlock = sm_unlock,
	.xCheckReservedLock = sm_check_reserved,
	.xFileControl = sm_file_control,
	.xSectorSize = sm_sector_size,
	.xDeviceCharacteristics = sm_device_characteristics,
	.xShmMap = sm_shm_map,
	.xShmLock = sm_shm_lock,
	.xShmBarrier = sm_shm_barrier,
	.xShmUnmap = sm_shm_unmap,
	.xFetch = sm_fetch,
	.xUnfetch = sm_unfetch,
};
