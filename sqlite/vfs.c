/* SPDX-License-Identifier: MIT */
/*
 * The "syncmap" VFS: SQLite's own unix VFS, with the bytes of main
 * databases and WAL files moved through libsyncmap mappings.
 *
 * Every file is opened by unix's xOpen, so locking, the shared-memory
 * WAL index (xShm*) and the -shm file stay unix's, and connections through
 * "unix" and through "syncmap" share a database.  For a main database or a
 * WAL file opened read-write, one "node" per inode (device, inode number)
 * holds a descriptor of our own and the libsyncmap mapping; every
 * connection of the process on that inode shares it.  Journals, temporary
 * files and read-only opens are unix's files, untouched.
 *
 * The lock trap: closing any descriptor of a file drops every POSIX
 * advisory lock the process holds on that file (fcntl(2)), and SQLite's
 * locks are such locks.  libsyncmap keeps a descriptor of its own
 * (syncmap_open_fd() duplicates the one it is given, syncmap_close() closes
 * it, and a failed open closes it too).  So a node's descriptor and its
 * mapping are opened or closed only at a safe point: when an open file
 * description lock query (F_OFD_GETLK, which sees the POSIX locks of this
 * process as conflicting) finds no lock at all on the file, with the node's
 * mutex held, which our own xLock also takes.  A node whose last
 * connection closes while a lock is held stays open ("parked") and is
 * closed at a later safe point; a file that cannot be mapped safely yet is
 * read and written through unix until it can.
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

/* Address space held per mapping for it to grow into, unless the URI
 * parameter syncmap_reserve says otherwise. */
#define SMSQL_DEFAULT_RESERVE (4ULL << 30)

struct node {
	dev_t dev;
	ino_t ino;
	int refs;			/* connections; 0: parked */
	int fd;				/* ours: lock queries, sizing */
	struct syncmap *map;		/* NULL: not mapped (yet, or ever) */
	bool map_failed;		/* libsyncmap refused: unix I/O for good */
	uint64_t reserve;
	uint64_t size;			/* the file's size as last seen */
	pthread_mutex_t mu;		/* mapping, size refresh, our xLock */
	struct node *next;
	char path[];
};

struct range {
	uint64_t off, end;
};

struct smfile {
	sqlite3_file base;
	struct node *node;
	struct syncmap_batch *batch;
	struct range *dirty;		/* written through the mapping since xSync */
	size_t ndirty, cap;
	bool unix_dirty;		/* unix must sync too (size, tail, first sync) */
	int lock;
	uint64_t mapped_writes;		/* counters for SQLITE_FCNTL_VFSNAME */
	sqlite3_file *real;		/* unix's file, after this struct */
};

static sqlite3_vfs *unix_vfs;
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct node *nodes;

static _Thread_local int last_errno;
static _Thread_local char last_advice[512];

static void keep_advice(int r, const char *what)
{
	const char *a = syncmap_last_advice();

	last_errno = r < 0 ? -r : r;
	snprintf(last_advice, sizeof(last_advice), "%s: %s", what,
		 a && *a ? a : strerror(last_errno));
}

/* ---- the lock trap */

/*
 * Whether any process holds a POSIX (or OFD) lock on the file of fd.  An
 * OFD lock query conflicts with the POSIX locks of this process too, which
 * F_GETLK would not report.  Unknown counts as locked.
 */
bool smsql_file_locked(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return true;
	return fl.l_type != F_UNLCK;
}

static int refresh_size(struct node *n)
{
	struct stat st;

	if (fstat(n->fd, &st) < 0)
		return -errno;
	__atomic_store_n(&n->size, (uint64_t)st.st_size, __ATOMIC_RELEASE);
	return 0;
}

static uint64_t size_of(struct node *n)
{
	return __atomic_load_n(&n->size, __ATOMIC_ACQUIRE);
}

static struct syncmap *map_of(struct node *n)
{
	return __atomic_load_n(&n->map, __ATOMIC_ACQUIRE);
}

/* Map the file, at a safe point only; n->mu held. */
static void try_map_locked(struct node *n)
{
	struct syncmap *m = NULL;
	int r;

	if (n->map || n->map_failed)
		return;
	if (refresh_size(n) < 0 || size_of(n) == 0)
		return;		/* nothing to map yet: unix I/O until it grows */
	if (smsql_file_locked(n->fd))
		return;		/* a failed open would close a descriptor */
	r = syncmap_open_fd_reserve(n->fd, 0, 0, n->reserve, 0, &m);
	if (r < 0) {
		n->map_failed = true;
		keep_advice(r, "mapping failed");
		sqlite3_log(SQLITE_NOTICE,
			    "syncmap: %s is not mapped (%s: %s); it is read and written "
			    "through the unix VFS", n->path, strerror(-r),
			    syncmap_last_advice());
		return;
	}
	__atomic_store_n(&n->map, m, __ATOMIC_RELEASE);
}

static void try_map(struct node *n)
{
	if (map_of(n) || n->map_failed)
		return;
	pthread_mutex_lock(&n->mu);
	try_map_locked(n);
	pthread_mutex_unlock(&n->mu);
}

/* Close a node whose last connection has gone, if that is safe now;
 * registry_mu held.  Return: true if it was closed (and freed). */
static bool try_close_node(struct node *n)
{
	bool done = false;

	pthread_mutex_lock(&n->mu);
	if (n->refs == 0 && !smsql_file_locked(n->fd)) {
		if (n->map) {
			int r = syncmap_close(n->map);

			if (r < 0)
				sqlite3_log(SQLITE_IOERR_CLOSE, "syncmap: closing the mapping of %s: %s",
					    n->path, syncmap_last_advice());
			n->map = NULL;
		}
		close(n->fd);
		n->fd = -1;
		done = true;
	}
	pthread_mutex_unlock(&n->mu);
	if (done) {
		pthread_mutex_destroy(&n->mu);
		free(n);
	}
	return done;
}

/* Close the parked nodes that can be closed now; registry_mu held. */
static void sweep_locked(void)
{
	struct node **pp = &nodes;

	while (*pp) {
		struct node *n = *pp;

		if (n->refs == 0) {
			*pp = n->next;
			if (try_close_node(n))
				continue;
			*pp = n;
		}
		pp = &n->next;
	}
}

void smsql_sweep(void)
{
	pthread_mutex_lock(&registry_mu);
	sweep_locked();
	pthread_mutex_unlock(&registry_mu);
}

int smsql_open_descriptors(void)
{
	int k = 0;

	pthread_mutex_lock(&registry_mu);
	for (struct node *n = nodes; n; n = n->next)
		k += n->fd >= 0;
	pthread_mutex_unlock(&registry_mu);
	return k;
}

/*
 * The node of path's inode: an existing one (stat, no descriptor opened),
 * or a new one with a descriptor of our own, mapped if that is safe.
 * Opening a descriptor is harmless; only closing one drops locks, and a
 * node's is closed only by try_close_node().
 */
static struct node *get_node(const char *path, uint64_t reserve)
{
	struct stat st;
	struct node *n;
	int fd;

	pthread_mutex_lock(&registry_mu);
	sweep_locked();
	if (stat(path, &st) == 0) {
		for (n = nodes; n; n = n->next)
			if (n->dev == st.st_dev && n->ino == st.st_ino) {
				n->refs++;
				pthread_mutex_unlock(&registry_mu);
				try_map(n);
				return n;
			}
	}
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP)
		fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		/* A descriptor we cannot use is kept out of close(): it would
		 * drop locks.  It is leaked, which only a failing fstat causes. */
		pthread_mutex_unlock(&registry_mu);
		sqlite3_log(SQLITE_NOTICE, "syncmap: cannot open %s a second time (%s); it is "
			    "read and written through the unix VFS", path, strerror(e));
		return NULL;
	}
	n = calloc(1, sizeof(*n) + strlen(path) + 1);
	if (!n) {
		pthread_mutex_unlock(&registry_mu);
		return NULL;	/* fd stays open, see above */
	}
	strcpy(n->path, path);
	n->dev = st.st_dev;
	n->ino = st.st_ino;
	n->fd = fd;
	n->refs = 1;
	n->reserve = reserve;
	n->size = (uint64_t)st.st_size;
	pthread_mutex_init(&n->mu, NULL);
	n->next = nodes;
	nodes = n;
	pthread_mutex_unlock(&registry_mu);
	try_map(n);
	return n;
}

static void put_node(struct node *n)
{
	pthread_mutex_lock(&registry_mu);
	n->refs--;
	sweep_locked();
	pthread_mutex_unlock(&registry_mu);
}

/* ---- the file's methods */

static int io_error(int r, int code, const char *what)
{
	keep_advice(r, what);
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
	free(p->dirty);
	if (p->node)
		put_node(p->node);
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
	try_map(n);
	m = map_of(n);
	if (m && !inside(n, m, off, amt))
		refresh_size(n);	/* another connection may have grown it */
	if (m && inside(n, m, off, amt)) {
		int r = syncmap_read_safe(m, buf, (uint8_t *)syncmap_addr(m) + off, (size_t)amt);

		if (r == 0)
			return SQLITE_OK;
		/* SIGBUS: truncated under us by someone else.  unix reads
		 * what is there and zero-fills the rest. */
		refresh_size(n);
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
 * Make [size, end) part of the file where the mapping already covers it
 * (the file was truncated below the mapping's length): a store there
 * would raise SIGBUS.  The size change needs unix's sync.
 */
static int extend_inside(struct smfile *p, struct node *n, uint64_t end)
{
	uint64_t size = size_of(n);
	int r;

	if (end <= size)
		return 0;
	r = posix_fallocate(n->fd, (off_t)size, (off_t)(end - size));
	if (r == EOPNOTSUPP || r == EINVAL)
		r = ftruncate(n->fd, (off_t)end) < 0 ? errno : 0;
	if (r)
		return -r;
	__atomic_store_n(&n->size, end, __ATOMIC_RELEASE);
	p->unix_dirty = true;
	return 0;
}

static int sm_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct smfile *p = (struct smfile *)f;
	struct node *n = p->node;
	struct syncmap *m;
	uint64_t end = (uint64_t)off + (uint64_t)amt;
	int r, rc;

	if (!n)
		return p->real->pMethods->xWrite(p->real, buf, amt, off);
	try_map(n);
	m = map_of(n);
	if (!m || off < 0)
		goto through_unix;
	if (end > syncmap_length(m)) {
		if (end > syncmap_reserved(m))
			goto through_unix;	/* past the reservation: the tail is unix's */
		if (size_of(n) < syncmap_length(m)) {
			r = extend_inside(p, n, syncmap_length(m));
			if (r < 0)
				return io_error(r, SQLITE_IOERR_WRITE, "extending the file");
		}
		r = syncmap_grow(m, end, 0);
		if (r == -ENOMEM)
			goto through_unix;
		if (r < 0)
			return io_error(r, SQLITE_IOERR_WRITE, "growing the mapping");
		if (end > size_of(n))
			__atomic_store_n(&n->size, end, __ATOMIC_RELEASE);
	} else if (end > size_of(n)) {
		refresh_size(n);
		r = extend_inside(p, n, end);
		if (r < 0)
			return io_error(r, SQLITE_IOERR_WRITE, "extending the file");
	}
	r = syncmap_write_safe(m, (uint8_t *)syncmap_addr(m) + off, buf, (size_t)amt);
	if (r < 0) {
		/* SIGBUS: the file was truncated under the mapping by another
		 * process; unix's pwrite extends it as a write must. */
		refresh_size(n);
		goto through_unix;
	}
	r = add_dirty(p, (uint64_t)off, end);
	if (r < 0) {
		/* Cannot remember the range: have unix sync the whole file. */
		p->unix_dirty = true;
	}
	p->mapped_writes++;
	return SQLITE_OK;

through_unix:
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

/* Persist the ranges written since the last sync, as one batch. */
static int persist_dirty(struct smfile *p, struct syncmap *m)
{
	uint64_t limit = syncmap_length(m);
	uint8_t *base = syncmap_addr(m);
	size_t k = 0;
	int r;

	if (!p->ndirty)
		return 0;
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
	for (size_t i = 0; i < p->ndirty; i++) {
		uint64_t off = p->dirty[i].off, end = p->dirty[i].end;

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
	int rc = p->real->pMethods->xTruncate(p->real, size);

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
		try_map_locked(p->node);
	rc = p->real->pMethods->xLock(p->real, level);
	pthread_mutex_unlock(&p->node->mu);
	if (rc == SQLITE_OK) {
		if (p->lock == SQLITE_LOCK_NONE)
			refresh_size(p->node);	/* another process may have resized it */
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

static int sm_file_control(sqlite3_file *f, int op, void *arg)
{
	struct smfile *p = (struct smfile *)f;
	int rc = p->real->pMethods->xFileControl(p->real, op, arg);

	if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK) {
		struct syncmap *m = p->node ? map_of(p->node) : NULL;
		char *below = *(char **)arg;

		*(char **)arg = sqlite3_mprintf("syncmap(%s)/%s",
						m ? syncmap_path_name(syncmap_path(m)) : "unmapped",
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
 * a page is atomic beyond eight bytes.
 */
static int sm_device_characteristics(sqlite3_file *f)
{
	struct smfile *p = (struct smfile *)f;
	int c = p->real->pMethods->xDeviceCharacteristics(p->real);

	return c & (SQLITE_IOCAP_POWERSAFE_OVERWRITE | SQLITE_IOCAP_IMMUTABLE);
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

/* SQLite's memory-mapped I/O (mmap_size) is not offered: every page is
 * read with xRead, from the mapping. */
static int sm_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	(void)f;
	(void)off;
	(void)amt;
	*pp = NULL;
	return SQLITE_OK;
}

static int sm_unfetch(sqlite3_file *f, sqlite3_int64 off, void *ptr)
{
	(void)f;
	(void)off;
	(void)ptr;
	return SQLITE_OK;
}

static const sqlite3_io_methods sm_methods = {
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

/* ---- the VFS */

static size_t real_offset(void)
{
	return (sizeof(struct smfile) + 15) & ~(size_t)15;
}

static int sm_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		   int *out_flags)
{
	struct smfile *p = (struct smfile *)f;
	bool ours = name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) &&
		    (flags & SQLITE_OPEN_READWRITE) && !(flags & SQLITE_OPEN_DELETEONCLOSE);
	uint64_t reserve = SMSQL_DEFAULT_RESERVE;
	int rc;

	(void)vfs;
	if (!ours)	/* unix's file, in our space: unix's methods */
		return unix_vfs->xOpen(unix_vfs, name, f, flags, out_flags);
	memset(p, 0, sizeof(*p));
	p->real = (sqlite3_file *)((uint8_t *)p + real_offset());
	rc = unix_vfs->xOpen(unix_vfs, name, p->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		f->pMethods = NULL;
		return rc;
	}
	f->pMethods = &sm_methods;
	/* A read-write open that unix could only make read-only. */
	if (out_flags && (*out_flags & SQLITE_OPEN_READONLY))
		return SQLITE_OK;
	if (flags & SQLITE_OPEN_MAIN_DB) {
		sqlite3_int64 v = sqlite3_uri_int64(name, "syncmap_reserve", -1);

		if (v >= 0)
			reserve = (uint64_t)v;
	}
	p->node = get_node(name, reserve);
	/* The first sync also runs unix's: it syncs the directory of a
	 * file just created, which no mapping covers. */
	p->unix_dirty = true;
	return SQLITE_OK;
}

static int sm_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return unix_vfs->xDelete(unix_vfs, name, sync_dir);
}

static int sm_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return unix_vfs->xAccess(unix_vfs, name, flags, out);
}

static int sm_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return unix_vfs->xFullPathname(unix_vfs, name, n, out);
}

static void *sm_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return unix_vfs->xDlOpen(unix_vfs, name);
}

static void sm_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	unix_vfs->xDlError(unix_vfs, n, out);
}

static void (*sm_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return unix_vfs->xDlSym(unix_vfs, h, sym);
}

static void sm_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	unix_vfs->xDlClose(unix_vfs, h);
}

static int sm_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return unix_vfs->xRandomness(unix_vfs, n, out);
}

static int sm_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return unix_vfs->xSleep(unix_vfs, us);
}

static int sm_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return unix_vfs->xCurrentTime(unix_vfs, out);
}

/* libsyncmap's advice of this thread's last failure, else unix's errno. */
static int sm_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	if (last_errno) {
		if (n > 0)
			snprintf(out, (size_t)n, "%s", last_advice);
		return last_errno;
	}
	return unix_vfs->xGetLastError(unix_vfs, n, out);
}

static int sm_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return unix_vfs->xCurrentTimeInt64(unix_vfs, out);
}

static int sm_set_syscall(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr fn)
{
	(void)vfs;
	return unix_vfs->xSetSystemCall(unix_vfs, name, fn);
}

static sqlite3_syscall_ptr sm_get_syscall(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return unix_vfs->xGetSystemCall(unix_vfs, name);
}

static const char *sm_next_syscall(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return unix_vfs->xNextSystemCall(unix_vfs, name);
}

static sqlite3_vfs sm_vfs = {
	.iVersion = 3,
	.mxPathname = 512,
	.zName = SYNCMAP_SQLITE_VFS_NAME,
	.xOpen = sm_open,
	.xDelete = sm_delete,
	.xAccess = sm_access,
	.xFullPathname = sm_full_pathname,
	.xDlOpen = sm_dlopen,
	.xDlError = sm_dlerror,
	.xDlSym = sm_dlsym,
	.xDlClose = sm_dlclose,
	.xRandomness = sm_randomness,
	.xSleep = sm_sleep,
	.xCurrentTime = sm_current_time,
	.xGetLastError = sm_get_last_error,
	.xCurrentTimeInt64 = sm_current_time64,
	.xSetSystemCall = sm_set_syscall,
	.xGetSystemCall = sm_get_syscall,
	.xNextSystemCall = sm_next_syscall,
};

SMSQL_EXPORT int syncmap_sqlite_register(int make_default)
{
	sqlite3_vfs *u = sqlite3_vfs_find("unix");

	if (!u || u->iVersion < 3)
		return SQLITE_ERROR;
	unix_vfs = u;
	sm_vfs.mxPathname = u->mxPathname;
	/* Ours in front, unix's behind, in one allocation per file. */
	sm_vfs.szOsFile = (int)real_offset() + u->szOsFile;
	return sqlite3_vfs_register(&sm_vfs, make_default);
}
