/* SPDX-License-Identifier: MIT */
/*
 * Nodes: one per inode a syncmap connection of this process has open, with
 * a descriptor of our own and the libsyncmap mapping; and the lock trap.
 *
 * Closing any descriptor of a file drops every POSIX advisory lock the
 * process holds on it (fcntl(2)), and SQLite's locks are such locks.
 * libsyncmap keeps a descriptor of its own (syncmap_open_fd() duplicates
 * the one it is given, syncmap_close() closes it, and a failed open closes
 * it too).  So a node's descriptor and its mapping are opened or closed
 * only at a safe point: when this process holds no POSIX lock on the file
 * (smsql_file_locked(): an open file description lock query, and
 * /proc/locks when another process's lock hides ours), with the node's
 * mutex held, which our own xLock also takes.  A node whose last connection closes while a lock
 * is held stays open ("parked") and is closed at a later safe point; a file
 * that cannot be mapped safely yet is read and written through unix until
 * it can.
 *
 * What is left: a connection through plain "unix" on another thread can
 * take a lock between the query and the close that follows it.
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sqlite3ext.h>
#ifndef SQLITE_CORE
SQLITE_EXTENSION_INIT3
#endif

#include <syncmap.h>

#include "syncmap_sqlite.h"
#include "vfs_internal.h"

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct node *nodes;

static _Thread_local int last_errno;
static _Thread_local char last_advice[512];

void smsql_keep_advice(int r, const char *what)
{
	const char *a = syncmap_last_advice();

	last_errno = r < 0 ? -r : r;
	snprintf(last_advice, sizeof(last_advice), "%s: %s", what,
		 a && *a ? a : strerror(last_errno));
}

int smsql_last_error(int n, char *out)
{
	if (!last_errno)
		return 0;
	if (n > 0)
		snprintf(out, (size_t)n, "%s", last_advice);
	return last_errno;
}

/* ---- the lock trap */

/*
 * Whether /proc/locks lists a POSIX lock of this process on the file st
 * describes ("N: POSIX ADVISORY WRITE pid maj:min:inode start end"; a
 * waiter's line has "->" and holds nothing).  Unknown counts as locked.
 */
static bool listed_posix_lock(const struct stat *st)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256], kind[16];
	unsigned maj, min;
	unsigned long ino;
	bool found = false;
	int pid;

	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strstr(line, "->") ||
		    sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid, &maj, &min, &ino) != 5)
			continue;
		found = !strcmp(kind, "POSIX") && pid == (int)getpid() &&
			maj == major(st->st_dev) && min == minor(st->st_dev) &&
			ino == (unsigned long)st->st_ino;
	}
	fclose(f);
	return found;
}

/*
 * Whether this process may hold a POSIX lock on the file of fd, which
 * closing any descriptor of the file would drop.  An OFD lock query sees
 * the POSIX locks of this process as conflicting (F_GETLK would not): no
 * conflict, no lock.  A conflict of ours says yes; one of another process
 * (or an OFD lock) may hide ours, so /proc/locks decides.
 */
bool smsql_file_locked(int fd)
{
	struct flock fl;
	struct stat st;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return true;
	if (fl.l_type == F_UNLCK)
		return false;
	if (fl.l_pid == getpid())
		return true;
	return fstat(fd, &st) < 0 || listed_posix_lock(&st);
}

int smsql_refresh_size(struct node *n)
{
	struct stat st;

	if (fstat(n->fd, &st) < 0)
		return -errno;
	__atomic_store_n(&n->size, (uint64_t)st.st_size, __ATOMIC_RELEASE);
	return 0;
}

/* Map the file, at a safe point only; n->mu held. */
void smsql_try_map_locked(struct node *n)
{
	struct syncmap *m = NULL;
	int r;

	if (n->map || n->map_failed)
		return;
	if (smsql_refresh_size(n) < 0 || size_of(n) == 0)
		return;		/* nothing to map yet: unix I/O until it grows */
	if (smsql_file_locked(n->fd))
		return;		/* a failed open would close a descriptor */
	r = syncmap_open_fd_reserve(n->fd, 0, 0, n->reserve, n->map_flags, &m);
	if (r < 0) {
		n->map_failed = true;
		smsql_keep_advice(r, "mapping failed");
		sqlite3_log(SQLITE_NOTICE,
			    "syncmap: %s is not mapped (%s: %s); it is read and written "
			    "through the unix VFS", n->path, strerror(-r),
			    syncmap_last_advice());
		return;
	}
	__atomic_store_n(&n->map, m, __ATOMIC_RELEASE);
}

void smsql_try_map(struct node *n)
{
	if (map_of(n) || n->map_failed)
		return;
	pthread_mutex_lock(&n->mu);
	smsql_try_map_locked(n);
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
struct node *smsql_node_get(const char *path, uint64_t reserve, unsigned map_flags)
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
				smsql_try_map(n);
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
	n->map_flags = map_flags;
	n->size = (uint64_t)st.st_size;
	pthread_mutex_init(&n->mu, NULL);
	n->next = nodes;
	nodes = n;
	pthread_mutex_unlock(&registry_mu);
	smsql_try_map(n);
	return n;
}

void smsql_node_put(struct node *n)
{
	pthread_mutex_lock(&registry_mu);
	n->refs--;
	sweep_locked();
	pthread_mutex_unlock(&registry_mu);
}
