/* SPDX-License-Identifier: MIT */
/*
 * The "syncmap" VFS: SQLite's own unix VFS, with the bytes of main
 * databases and WAL files moved through libsyncmap mappings.
 *
 * Every file is opened by unix's xOpen, so locking, the shared-memory
 * WAL index (xShm*) and the -shm file stay unix's, and connections through
 * "unix" and through "syncmap" share a database.  For a main database or a
 * WAL file opened read-write, the file's node (node.c) holds a descriptor
 * of our own and the libsyncmap mapping, shared by every connection of the
 * process on that inode; file.c moves the bytes.  Journals, temporary
 * files and read-only opens are unix's files, untouched.
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

static sqlite3_vfs *unix_vfs;

/* A choice's name, or -1. */
static int parse_nosync(const char *v)
{
	if (!strcmp(v, "page"))
		return SMSQL_NOSYNC_PAGE;
	if (!strcmp(v, "journal"))
		return SMSQL_NOSYNC_JOURNAL;
	if (!strcmp(v, "unix"))
		return SMSQL_NOSYNC_UNIX;
	return -1;
}

/*
 * The choice for a file without MAP_SYNC: the URI parameter
 * syncmap_nosync (SQLite hands a WAL file's open the database's URI
 * parameters too), else SYNCMAP_SQLITE_NOSYNC, else the default of the
 * file's kind.  -1 for a value that names no choice.
 */
static int nosync_of(const char *name, bool wal)
{
	const char *v = sqlite3_uri_parameter(name, "syncmap_nosync");
	int c;

	if (!v || !*v)
		v = getenv("SYNCMAP_SQLITE_NOSYNC");
	if (!v || !*v)
		return wal ? SMSQL_DEFAULT_NOSYNC_WAL : SMSQL_DEFAULT_NOSYNC_DB;
	c = parse_nosync(v);
	if (c < 0)
		sqlite3_log(SQLITE_CANTOPEN, "syncmap: %s: syncmap_nosync (or SYNCMAP_SQLITE_NOSYNC) "
			    "is \"%s\"; it takes page, journal or unix", name, v);
	return c;
}

/* ---- the VFS */

size_t smsql_real_offset(void)
{
	return (sizeof(struct smfile) + 15) & ~(size_t)15;
}

/*
 * A WAL file about to be created: a sidecar journal of its name
 * (libsyncmap(7), SYNCMAP_JOURNAL) belongs to a WAL file SQLite deleted,
 * which it does only after checkpointing all of it into the database.
 * Its records are of no use to any file (a journaled open of the new WAL
 * would refuse them as another file's and leave the WAL unmapped), and
 * they are removed, unless an open holds the journal (its lock, an open
 * file description lock, is free when no open has it).
 */
static void drop_stale_wal_journal(const char *name)
{
	char side[4096];
	struct stat st;
	struct flock fl;
	int fd;

	if (stat(name, &st) == 0 || errno != ENOENT)
		return;
	if ((size_t)snprintf(side, sizeof(side), "%s.syncmap-journal", name) >= sizeof(side))
		return;
	fd = open(side, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
		if (unlink(side) == 0)
			sqlite3_log(SQLITE_NOTICE, "syncmap: removed the journal of a deleted "
				    "WAL file: %s", side);
	}
	close(fd);	/* not a file SQLite locks: no POSIX lock to drop */
}

static int sm_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		   int *out_flags)
{
	struct smfile *p = (struct smfile *)f;
	bool ours = name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) &&
		    (flags & SQLITE_OPEN_READWRITE) && !(flags & SQLITE_OPEN_DELETEONCLOSE);
	uint64_t reserve = SMSQL_DEFAULT_RESERVE;
	int rc, nosync = 0;

	(void)vfs;
	if (!ours)	/* unix's file, in our space: unix's methods */
		return unix_vfs->xOpen(unix_vfs, name, f, flags, out_flags);
	nosync = nosync_of(name, (flags & SQLITE_OPEN_WAL) != 0);
	if (nosync < 0) {
		f->pMethods = NULL;
		return SQLITE_CANTOPEN;
	}
	/* syncmap_atomic=1 needs the journaled path (atomic.c). */
	if (smsql_atomic_map_flags(name, flags) & SYNCMAP_JOURNAL)
		nosync = SMSQL_NOSYNC_JOURNAL;
	if (flags & SQLITE_OPEN_WAL)
		drop_stale_wal_journal(name);
	memset(p, 0, sizeof(*p));
	p->real = (sqlite3_file *)((uint8_t *)p + smsql_real_offset());
	rc = unix_vfs->xOpen(unix_vfs, name, p->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		f->pMethods = NULL;
		return rc;
	}
	f->pMethods = &smsql_methods;
	/* A read-write open that unix could only make read-only. */
	if (out_flags && (*out_flags & SQLITE_OPEN_READONLY))
		return SQLITE_OK;
	if (flags & SQLITE_OPEN_MAIN_DB) {
		sqlite3_int64 v = sqlite3_uri_int64(name, "syncmap_reserve", -1);

		if (v >= 0)
			reserve = (uint64_t)v;
	}
	p->node = smsql_node_get(name, reserve, (enum smsql_nosync)nosync);
	p->wal = (flags & SQLITE_OPEN_WAL) != 0;
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
	int e = smsql_last_error(n, out);

	if (e)
		return e;
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
	sm_vfs.szOsFile = (int)smsql_real_offset() + u->szOsFile;
	return sqlite3_vfs_register(&sm_vfs, make_default);
}
