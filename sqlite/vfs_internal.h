/* SPDX-License-Identifier: MIT */
/* What vfs.c, node.c and file.c share, and the calls the tests make (the
 * last three); not installed.  Include sqlite3.h or sqlite3ext.h first. */
#ifndef SYNCMAP_SQLITE_INTERNAL_H
#define SYNCMAP_SQLITE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct syncmap;
struct syncmap_batch;

#ifdef SMSQL_LIBRARY
#define SMSQL_EXPORT __attribute__((visibility("default")))
#else
#define SMSQL_EXPORT
#endif

/*
 * What a file that did not get MAP_SYNC does (URI parameter
 * syncmap_nosync, environment variable SYNCMAP_SQLITE_NOSYNC; vfs.c):
 *   SMSQL_NOSYNC_PAGE     libsyncmap's page path, msync at xSync
 *   SMSQL_NOSYNC_JOURNAL  libsyncmap's journaled path (SYNCMAP_JOURNAL)
 *   SMSQL_NOSYNC_UNIX     no mapping: unix's own methods, as the unix VFS
 */
enum smsql_nosync { SMSQL_NOSYNC_PAGE, SMSQL_NOSYNC_JOURNAL, SMSQL_NOSYNC_UNIX };

/*
 * What a file without MAP_SYNC does unless told otherwise
 * (syncmap-sqlite(7), "Files without MAP_SYNC"; the figures behind the
 * choice: doc/PERFORMANCE.md).  A WAL file's choice is WAL mode's; a main
 * database's is rollback mode's (in WAL mode only checkpoints write it).
 */
#define SMSQL_DEFAULT_NOSYNC_WAL SMSQL_NOSYNC_UNIX
#define SMSQL_DEFAULT_NOSYNC_DB SMSQL_NOSYNC_UNIX

struct node {
	dev_t dev;
	ino_t ino;
	int refs;			/* connections; 0: parked */
	int fd;				/* ours: lock queries, sizing */
	struct syncmap *map;		/* NULL: not mapped (yet, or ever) */
	bool map_failed;		/* libsyncmap refused: unix I/O for good */
	bool plain;			/* no MAP_SYNC, SMSQL_NOSYNC_UNIX: unix's methods */
	bool journal_busy;		/* SMSQL_NOSYNC_JOURNAL, another open holds the
					 * journal: no writes (a replay would undo them) */
	enum smsql_nosync nosync;	/* chosen by the node's first connection */
	uint64_t reserve;
	uint64_t size;			/* the file's size as last seen */
	pthread_mutex_t mu;		/* mapping, size refresh, our xLock */
	struct node *next;
	char path[];
};

/* A WAL file grows by whole steps of this many bytes (file.c, grow_end). */
#define SMSQL_WAL_STEP ((uint64_t)1 << 20)

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
	sqlite3_int64 mmap_max;		/* PRAGMA mmap_size: xFetch's limit */
	bool wal;			/* a WAL file: grows in SMSQL_WAL_STEP steps */
	bool unix_mmap;			/* plain node: unix has our mmap_max */
	/* Batch-atomic writes (atomic.c): between BEGIN and COMMIT; a
	 * failed commit that SQLite follows with its rollback journal. */
	bool atomic, atomic_failed, atomic_fallback;
	struct syncmap_batch *atomic_batch;
#ifdef SMSQL_FAULTS
	/* Test builds only (sqlite/tests, -DSMSQL_FAULTS): file.c */
	struct range held;		/* persisted HELD_SYNCS syncs late */
	int held_syncs;
#endif
	sqlite3_file *real;		/* unix's file, after this struct */
};

static inline uint64_t size_of(struct node *n)
{
	return __atomic_load_n(&n->size, __ATOMIC_ACQUIRE);
}

static inline struct syncmap *map_of(struct node *n)
{
	return __atomic_load_n(&n->map, __ATOMIC_ACQUIRE);
}

#ifdef SQLITE_VERSION
extern const sqlite3_io_methods smsql_methods;
#endif
/* Where unix's file starts inside ours. */
size_t smsql_real_offset(void);

/* node.c: the node of path's inode (a reference), NULL if it cannot be
 * had (the file is then unix's alone); and giving the reference back. */
struct node *smsql_node_get(const char *path, uint64_t reserve, enum smsql_nosync nosync);
/* The name of a choice ("page", "journal", "unix"); and the word
 * SQLITE_FCNTL_VFSNAME shows for a node's path. */
const char *smsql_nosync_name(enum smsql_nosync c);
const char *smsql_node_path_name(struct node *n);
void smsql_node_put(struct node *n);
/* Map the node's file if that is safe now (n->mu held, or not). */
void smsql_try_map_locked(struct node *n);
void smsql_try_map(struct node *n);
int smsql_refresh_size(struct node *n);
/* Keep libsyncmap's advice for xGetLastError; return it (0: none). */
void smsql_keep_advice(int r, const char *what);
int smsql_last_error(int n, char *out);

/* atomic.c: SQLITE_IOCAP_BATCH_ATOMIC on the journaled path. */
unsigned smsql_atomic_map_flags(const char *name, int open_flags);
#ifdef SQLITE_VERSION
int smsql_atomic_iocap(struct smfile *p);
int smsql_atomic_write(struct smfile *p, void *dst, const void *buf, int amt);
int smsql_atomic_refuse(struct smfile *p);
int smsql_atomic_fallback(struct smfile *p);
bool smsql_atomic_fcntl(struct smfile *p, int op, int *rc);
void smsql_atomic_close(struct smfile *p);
#endif

/* Whether this process may hold a POSIX lock on fd's file. */
bool smsql_file_locked(int fd);
/* Close the nodes whose connections have all gone, where that is safe. */
void smsql_sweep(void);
/* Descriptors of our own the VFS holds open (nodes, parked ones too). */
int smsql_open_descriptors(void);

#endif
