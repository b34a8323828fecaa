/* SPDX-License-Identifier: MIT */
/*
 * SQLITE_IOCAP_BATCH_ATOMIC on the journaled path.  A main database that
 * asked for it (URI parameter syncmap_atomic=1) is mapped with
 * SYNCMAP_JOURNAL; where it then took libsyncmap's journaled path (no
 * MAP_SYNC) and the SQLite in use was compiled with
 * SQLITE_ENABLE_BATCH_ATOMIC_WRITE, the file claims batch-atomic writes.
 * SQLite then commits a rollback-mode transaction with no journal file:
 * SQLITE_FCNTL_BEGIN_ATOMIC_WRITE, the pages by xWrite, and
 * SQLITE_FCNTL_COMMIT_ATOMIC_WRITE.  Between the two, each write becomes a
 * copy of a libsyncmap batch (syncmap_batch_add_copy()), which touches
 * neither the mapping nor the file; the commit writes them all to the
 * sidecar journal as one unit, makes it durable (one write and one
 * fdatasync) and only then places the bytes in the mapping.  A replay
 * after a crash applies the whole unit or none of it.  A rollback drops
 * the batch.  A commit that fails (a unit larger than a quarter of the
 * journal, say) is an I/O error, on which SQLite rolls back and commits
 * through a rollback journal instead, which the first write after it
 * makes durable (smsql_atomic_fallback).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3ext.h>
#ifndef SQLITE_CORE
SQLITE_EXTENSION_INIT3
#endif

#include <syncmap.h>

#include "vfs_internal.h"

unsigned smsql_atomic_map_flags(const char *name, int open_flags)
{
	if (!(open_flags & SQLITE_OPEN_MAIN_DB) || !sqlite3_uri_boolean(name, "syncmap_atomic", 0))
		return 0;
	return SYNCMAP_JOURNAL;
}

/* Whether this SQLite issues the batch-atomic file controls at all
 * (Debian 12's does not: it is built without the option). */
static bool sqlite_batches(void)
{
	static int known;	/* 0: not asked yet, 1: no, 2: yes */
	int k = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (!k) {
		k = sqlite3_compileoption_used("ENABLE_BATCH_ATOMIC_WRITE") ? 2 : 1;
		__atomic_store_n(&known, k, __ATOMIC_RELAXED);
	}
	return k == 2;
}

int smsql_atomic_iocap(struct smfile *p)
{
	struct syncmap *m = p->node ? map_of(p->node) : NULL;

	if (!m || p->wal || syncmap_path(m) != SYNCMAP_PATH_JOURNAL || !sqlite_batches())
		return 0;
	return SQLITE_IOCAP_BATCH_ATOMIC;
}

/* A write between BEGIN and COMMIT_ATOMIC_WRITE, at a range of the
 * mapping the caller made sure exists. */
int smsql_atomic_write(struct smfile *p, void *dst, const void *buf, int amt)
{
	int r;

#ifdef SMSQL_FAULTS
	/* Test builds only (file.c's faults): atomic-early-store also stores
	 * the page into the mapping at once, as a batch of ranges would,
	 * where strict mode's eviction can take it to the file before the
	 * unit is durable. */
	const char *e = getenv("SMSQL_FAULT");

	if (e && !strcmp(e, "atomic-early-store"))
		memcpy(dst, buf, (size_t)amt);
#endif
	r = syncmap_batch_add_copy(p->atomic_batch, dst, buf, (size_t)amt);

	if (r < 0) {
		smsql_keep_advice(r, "adding a write to the atomic batch");
		p->atomic_failed = true;
		return SQLITE_IOERR_WRITE;
	}
	return SQLITE_OK;
}

/* A write between BEGIN and COMMIT_ATOMIC_WRITE that the mapping cannot
 * take (past the reservation): it would reach the file at once. */
int smsql_atomic_refuse(struct smfile *p)
{
	p->atomic_failed = true;
	return SQLITE_IOERR_WRITE;
}

static int begin(struct smfile *p)
{
	struct syncmap *m = p->node ? map_of(p->node) : NULL;
	int r;

	if (!smsql_atomic_iocap(p))
		return SQLITE_NOTFOUND;
	if (!p->atomic_batch && (r = syncmap_batch_new(m, 0, &p->atomic_batch)) < 0) {
		smsql_keep_advice(r, "a batch for atomic writes");
		return SQLITE_IOERR_NOMEM;
	}
	p->atomic = true;
	p->atomic_failed = false;
	p->atomic_fallback = false;
	return SQLITE_OK;
}

/* Drop what the batch holds: a batch is emptied by a commit, failed or
 * not, so a fresh one replaces a batch whose writes are not wanted. */
static void drop(struct smfile *p)
{
	syncmap_batch_free(p->atomic_batch);
	p->atomic_batch = NULL;
}

static int commit(struct smfile *p)
{
	int r;

	p->atomic = false;
	if (p->atomic_failed) {
		drop(p);
		return SQLITE_IOERR_WRITE;
	}
	r = syncmap_batch_commit(p->atomic_batch);
	if (r < 0) {
		smsql_keep_advice(r, "committing the atomic batch");
		return r == -ENOMEM ? SQLITE_IOERR_NOMEM : SQLITE_IOERR_WRITE;
	}
	return SQLITE_OK;
}

static int sync_path(const char *path, int flags, bool data)
{
	int fd = open(path, flags | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = (data ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * After a failed atomic commit SQLite writes its in-memory rollback
 * journal to DATABASE-journal and then, without syncing it, the pages
 * (the pager's batch-atomic fallback).  Through the mapping those pages
 * can reach the file whenever the kernel writes them back, before the
 * journal that would undo them is durable.  So the first write after
 * such a failure (SQLite's ROLLBACK_ATOMIC_WRITE) syncs the journal and
 * its directory first.  SQLite holds no lock on a journal, so closing a
 * descriptor of it drops none.
 */
int smsql_atomic_fallback(struct smfile *p)
{
	char path[PATH_MAX + 16], *slash;
	int r;

	p->atomic_fallback = false;
	if (snprintf(path, sizeof(path), "%s-journal", p->node->path) >= (int)sizeof(path))
		return SQLITE_IOERR_FSYNC;
	r = sync_path(path, O_RDONLY, true);
	if (r == -ENOENT)
		return SQLITE_OK;	/* no fallback: SQLite gave the transaction up */
	if (r == 0 && (slash = strrchr(path, '/')) != NULL) {
		*(slash == path ? slash + 1 : slash) = '\0';
		r = sync_path(path, O_RDONLY | O_DIRECTORY, false);
	}
	if (r < 0) {
		smsql_keep_advice(r, "syncing the rollback journal after a failed atomic commit");
		return SQLITE_IOERR_FSYNC;
	}
	return SQLITE_OK;
}

bool smsql_atomic_fcntl(struct smfile *p, int op, int *rc)
{
	switch (op) {
	case SQLITE_FCNTL_BEGIN_ATOMIC_WRITE:
		*rc = begin(p);
		return true;
	case SQLITE_FCNTL_COMMIT_ATOMIC_WRITE:
		*rc = p->atomic ? commit(p) : SQLITE_MISUSE;
		return true;
	case SQLITE_FCNTL_ROLLBACK_ATOMIC_WRITE:
		/* After a failed write or commit; SQLite's fallback follows. */
		p->atomic = false;
		p->atomic_fallback = true;
		drop(p);
		*rc = SQLITE_OK;
		return true;
	default:
		return false;
	}
}

void smsql_atomic_close(struct smfile *p)
{
	drop(p);
	p->atomic = false;
}
