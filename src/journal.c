/* SPDX-License-Identifier: MIT */
/*
 * The journaled page path (SYNCMAP_JOURNAL): on a mapping without
 * MAP_SYNC a persist copies the cache lines it covers into a record of
 * the sidecar "<file>.syncmap-journal" and makes the record durable with
 * one sequential write and one fdatasync; the data pages are written back
 * whenever the kernel likes.  The next open replays the records.
 *
 * Group commit: a persisting thread copies its record into the staging
 * buffer under the mutex and takes a ticket.  If no write is in flight it
 * leads: it swaps the staging buffers, drops the mutex, writes the whole
 * group, and publishes the last ticket it covered as durable.  Otherwise
 * it sleeps until its ticket is durable (or it is woken to lead the next
 * group).  Groups are written in ticket order, so a persist that returned
 * is durable before anything a later one makes durable.  The mutex is
 * never held across I/O, and nobody spins.
 *
 * Checkpoint (at 3/4 full, for a persist too large to journal, and at
 * close): fdatasync the data file, which covers every page the mapping
 * dirtied, then a header of the next generation in the other slot.  Until
 * that header is durable the old records are valid, and replaying them is
 * idempotent, so a crash at any step replays correctly.
 *
 * After a failed write or fdatasync of the journal the kernel's state of
 * the page cache is unknown: the journal fails every later persist with
 * -EIO until close, and close leaves the records for the next open.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "journal.h"

#define SM_J_STAGE_MIN (64u << 10)

/*
 * Writes in flight at once.  The code keeps groups in order for any
 * number (a group is published as durable once it and every group before
 * it are; replay stops at the first hole), but one is what measured best
 * on a virtio disk: a second concurrent fdatasync of the same file made
 * groups smaller and gained nothing.
 */
#ifndef SM_J_INFLIGHT
#define SM_J_INFLIGHT 1
#endif
#define SM_J_NBUF (SM_J_INFLIGHT + 1)

struct sm_jbuf {
	uint8_t *p;
	size_t len, cap;
	uint64_t last;		/* the last ticket in it */
	uint64_t group;		/* its place in the order of writes */
	bool busy;		/* being written, or written but not yet published */
	bool done;
	int result;
	unsigned callers;	/* persists waiting for it */
};

/*
 * A persist waiting for its ticket sleeps on a semaphore of its own: the
 * publisher posts exactly the waiters it made durable (and one to lead the
 * next group), and they return without taking the mutex again, so a group
 * of threads wakes up in parallel instead of in a queue on the mutex.
 */
struct sm_jwaiter {
	sem_t sem;
	uint64_t ticket;
	struct sm_jwaiter *next;
};

struct sm_journal {
	int fd, data_fd;
	uint64_t size, limit, gen;
	uint64_t file_size;	/* the data file's, written into each record */
	int slot;
	uint64_t birth, ino;
	uint64_t rec_seq;	/* records of this generation so far */
	uint64_t stage_off;	/* where the staging buffer will be written */
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* a group published, a checkpoint ended */
	pthread_cond_t lead_cv;	/* the last group's callers are back */
	struct sm_jbuf buf[SM_J_NBUF];
	int cur;		/* the staging buffer */
	int nbusy;
	uint64_t groups_started, groups_published;
	uint64_t ticket, durable;	/* durable: also read without the mutex */
	struct sm_jwaiter *waiters;
	/* Callers of the last published group not yet back with a record,
	 * and until when the next write may wait for them. */
	unsigned expect;
	uint64_t defer_until, last_write_ns;
	bool checkpointing;
	int err;		/* sticky after a failed write: -EIO */
	long pid;		/* the process that opened it */
	struct syncmap_journal_stats st;
	char path[PATH_MAX];
};

/* ---- the sidecar */

struct sm_jfile {
	int fd;
	bool created;
	char path[PATH_MAX];
	struct sm_j_header h;
	int slot;		/* of h; -1 when blank */
	uint64_t size;
	char dir[PATH_MAX];
};

/* Each open's sidecar state lives on the heap: two paths would take
 * more stack than a public call may (tests/stack). */
static struct sm_jfile *jfile_new(void)
{
	struct sm_jfile *jf = calloc(1, sizeof(*jf));

	if (jf)
		jf->fd = -1;
	else
		sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for the journal");
	return jf;
}

static void jfile_free(struct sm_jfile *jf, int dirfd)
{
	if (jf->fd >= 0)
		sm_sys_close(jf->fd);
	if (dirfd >= 0)
		sm_sys_close(dirfd);
	free(jf);
}

static int dir_of(const char *data_path, char *dir, size_t size, const char **base)
{
	const char *slash = strrchr(data_path, '/');

	if (!slash) {
		snprintf(dir, size, ".");
		*base = data_path;
		return *base[0] ? 0 : -EINVAL;
	}
	if (!slash[1])
		return -EINVAL;
	if ((size_t)(slash - data_path) + 2 > size)
		return -ENAMETOOLONG;
	if (slash == data_path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - data_path), data_path);
	*base = slash + 1;
	return 0;
}

/* Open "<name>.syncmap-journal" beside the file, never through a link. */
static int open_sidecar(const char *data_path, int acc, bool create, struct sm_jfile *jf,
			int *dirfd)
{
	char name[NAME_MAX + 1];
	const char *base;
	int r, fd;

	jf->fd = -1;
	jf->created = false;
	*dirfd = -1;
	r = dir_of(data_path, jf->dir, sizeof(jf->dir), &base);
	if (r < 0)
		return r;
	if (snprintf(name, sizeof(name), "%s%s", base, SM_J_SUFFIX) >= (int)sizeof(name) ||
	    snprintf(jf->path, sizeof(jf->path), "%s%s", data_path, SM_J_SUFFIX) >=
	    (int)sizeof(jf->path))
		return -ENAMETOOLONG;
	*dirfd = sm_sys_open(jf->dir, O_RDONLY | O_DIRECTORY, 0);
	if (*dirfd < 0)
		return *dirfd;
	fd = sm_sys_openat(*dirfd, name, acc | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd == -ENOENT && create) {
		fd = sm_sys_openat(*dirfd, name, acc | O_NOFOLLOW | O_CREAT | O_EXCL, 0600);
		jf->created = fd >= 0;
	}
	jf->fd = fd;
	return fd < 0 ? fd : 0;
}

/* A regular file owned by the data file's owner: anything else at that
 * name was put there by someone else. */
static int check_sidecar(const struct sm_jfile *jf, uid_t owner)
{
	struct stat st;
	int r = sm_sys_fstat(jf->fd, &st);

	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "fstat of the journal %s failed: %s",
			       jf->path, strerror(-r));
	if (!S_ISREG(st.st_mode))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "the journal %s is not a regular file; remove it (the journal is "
			       "created again)", jf->path);
	if (st.st_uid != owner)
		return sm_fail(-EPERM, SYNCMAP_CAUSE_ERROR,
			       "the journal %s is owned by uid %u, the file by uid %u: it was not "
			       "made by this file's owner; move it away if it is not yours",
			       jf->path, (unsigned)st.st_uid, (unsigned)owner);
	return 0;
}

static int read_header(struct sm_jfile *jf)
{
	uint8_t slots[2 * SM_J_SLOT];
	struct stat st;
	ssize_t n;
	int r = sm_sys_fstat(jf->fd, &st);

	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "fstat of the journal %s failed: %s",
			       jf->path, strerror(-r));
	jf->size = (uint64_t)st.st_size;
	memset(slots, 0, sizeof(slots));
	n = sm_sys_pread_all(jf->fd, slots, sizeof(slots), 0);
	if (n < 0)
		return sm_fail((int)n, SYNCMAP_CAUSE_ERROR, "reading the journal %s failed: %s",
			       jf->path, strerror((int)-n));
	jf->slot = -1;
	if (sm_j_slots_blank(slots))
		return 0;
	jf->slot = sm_j_choose(slots, &jf->h);
	if (jf->slot < 0 || jf->h.size != jf->size)
		return sm_fail(-EUCLEAN, SYNCMAP_CAUSE_ERROR,
			       "the journal %s has no valid header (both slots are corrupt); the "
			       "cache lines it holds cannot be trusted: to accept the data file as "
			       "it is, move the journal away (mv %s %s.bad) and open again",
			       jf->path, jf->path, jf->path);
	return 0;
}

/* ---- records */

typedef int (*sm_record_fn)(void *arg, const struct sm_j_record *r, const uint8_t *data);

/*
 * Each valid record of the header's generation, in order, up to the first
 * that fails its checks (the torn tail of the last write).  Returns the
 * count, or a negative errno; *needed (if not NULL) becomes the size the
 * data file must have for them (sm_j_record_need), 0 with no record.
 * A record past the file's current end is valid: the power cut that
 * made the file shorter cannot make the record less durable.
 */
static long long each_record(const struct sm_jfile *jf, sm_record_fn fn, void *arg,
			     uint64_t *needed)
{
	uint64_t at = SM_J_RECORDS, max = jf->size / 4 + SM_J_REC_HDR;
	uint8_t *buf = NULL;
	long long n = 0;
	size_t cap = 0;

	if (needed)
		*needed = 0;
	while (at + SM_J_REC_HDR <= jf->size) {
		struct sm_j_record r;
		uint8_t hdr[SM_J_REC_HDR];
		ssize_t got = sm_sys_pread_all(jf->fd, hdr, sizeof(hdr), at);
		size_t need;

		if (got < 0) {
			n = got;
			break;
		}
		sm_j_record_decode(hdr, &r);
		need = SM_J_REC_HDR + (size_t)r.length;
		if (got < SM_J_REC_HDR || need > max || need > jf->size - at)
			break;
		if (need > cap) {
			uint8_t *nb = realloc(buf, need);

			if (!nb) {
				n = -ENOMEM;
				break;
			}
			buf = nb;
			cap = need;
		}
		got = sm_sys_pread_all(jf->fd, buf, need, at);
		if (got < 0) {
			n = got;
			break;
		}
		if (sm_j_record_check(buf, (size_t)got, jf->h.generation, (uint64_t)n + 1,
				      SM_J_FILE_MAX, &r) < 0)
			break;
		if (needed && sm_j_record_need(&r) > *needed)
			*needed = sm_j_record_need(&r);
		if (fn) {
			int e = fn(arg, &r, buf + SM_J_REC_HDR);

			if (e < 0) {
				n = e;
				break;
			}
		}
		n++;
		at += need;
	}
	free(buf);
	return n;
}

static int apply_to_file(void *arg, const struct sm_j_record *r, const uint8_t *data)
{
	return sm_sys_pwrite_all(*(int *)arg, data, r->length, r->offset);
}

struct sm_view {
	uint8_t *base;
	uint64_t off, len;
};

static int apply_to_view(void *arg, const struct sm_j_record *r, const uint8_t *data)
{
	const struct sm_view *v = arg;
	uint64_t a = r->offset > v->off ? r->offset : v->off;
	uint64_t b = r->offset + r->length < v->off + v->len ? r->offset + r->length :
		     v->off + v->len;

	if (a < b)
		memcpy(v->base + (a - v->off), data + (a - r->offset), (size_t)(b - a));
	return 0;
}

static int write_slot(int fd, const struct sm_j_header *h, int slot)
{
	uint8_t buf[SM_J_SLOT];
	int r;

	sm_j_header_encode(h, buf);
	r = sm_sys_pwrite_all(fd, buf, sizeof(buf), (uint64_t)slot * SM_J_SLOT);
	return r < 0 ? r : sm_sys_fdatasync(fd);
}

/* The data file's birth time as a header holds it; 0 when statx cannot
 * say (an old kernel, a file system without one), and the inode number
 * alone then identifies the file. */
static uint64_t birth(const struct syncmap *m)
{
	struct sm_statx stx;

	if (sm_sys_statx(m->fd, SM_STATX_BTIME, &stx) < 0 || !(stx.mask & SM_STATX_BTIME))
		return 0;
	return (uint64_t)stx.btime_sec << 30 | stx.btime_nsec;
}

/* The data file's identity, as a header holds it. */
static void identity(const struct syncmap *m, struct sm_j_header *h)
{
	h->birth = birth(m);
	h->ino = (uint64_t)m->st_ino;
}

static bool same_file(const struct syncmap *m, const struct sm_j_header *h)
{
	uint64_t b;

	if (h->ino != (uint64_t)m->st_ino)
		return false;
	b = h->birth ? birth(m) : 0;
	return !h->birth || !b || b == h->birth;
}

static int foreign(const struct sm_jfile *jf, long long n)
{
	return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
		       "the journal %s holds %lld records of another file (inode %llu): "
		       "the file was replaced or copied without being opened once through "
		       "libsyncmap; open the original to replay them, or move the journal away "
		       "to accept this file as it is", jf->path, n,
		       (unsigned long long)jf->h.ino);
}

static int file_size(int fd, uint64_t *size)
{
	struct stat st;
	int r = sm_sys_fstat(fd, &st);

	if (r == 0)
		*size = (uint64_t)st.st_size;
	else
		sm_fail(r, SYNCMAP_CAUSE_ERROR, "fstat of the file failed: %s", strerror(-r));
	return r;
}

/* Reading the records failed: the file may lack what they hold. */
static int records_error(const struct sm_jfile *jf, long long n)
{
	return sm_fail((int)n, SYNCMAP_CAUSE_ERROR,
		       "reading the records of the journal %s failed: %s; the file may lack "
		       "persisted data they hold, so it is not opened: try again once the "
		       "cause is fixed", jf->path, strerror((int)-n));
}

/* ---- lock: one writer per journal */

static int take_lock(struct sm_jfile *jf)
{
	int r = sm_sys_ofd_lock(jf->fd, F_WRLCK, 0, 0);
	long pid = 0;

	if (r == 0)
		return 0;
	if (r != -EAGAIN && r != -EACCES)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "locking the journal %s failed: %s",
			       jf->path, strerror(-r));
	if (read_header(jf) == 0 && jf->slot >= 0)
		pid = (long)jf->h.pid;
	sm_clear_last();
	if (pid > 0)
		return sm_fail(-EBUSY, SYNCMAP_CAUSE_JOURNAL_BUSY,
			       "the journal %s is held by process %ld%s; a journaled file has one "
			       "writer: close the other mapping (or wait for that process) first",
			       jf->path, pid, pid == sm_sys_getpid() ? " (this process)" : "");
	return sm_fail(-EBUSY, SYNCMAP_CAUSE_JOURNAL_BUSY,
		       "the journal %s is held by another open; a journaled file has one writer: "
		       "close the other mapping first", jf->path);
}

/* ---- creating it */

static int journal_size_from_env(uint64_t *size)
{
	const char *v = sm_getenv("SYNCMAP_JOURNAL_SIZE");

	*size = SM_J_DEFAULT;
	if (!v || !*v)
		return 0;
	if (sm_j_parse_size(v, size) < 0)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "SYNCMAP_JOURNAL_SIZE=%s is not a size from 64K to 1T (a number with "
			       "K, M, G or T, a multiple of 4K); unset it for the default 8M", v);
	return 0;
}

/*
 * Write every byte of the journal once and make it durable with the
 * directory entry, so that an append later changes no metadata and its
 * fdatasync writes only the record.
 */
static int create_journal(struct syncmap *m, struct sm_jfile *jf, int dirfd, uint64_t size)
{
	static const uint8_t zeros[1u << 16];
	struct sm_j_header h = { .generation = 1, .size = size, .pid = (uint64_t)sm_sys_getpid() };
	int r = 0;

	for (uint64_t at = 0; at < size && r == 0; at += sizeof(zeros))
		r = sm_sys_pwrite_all(jf->fd, zeros, sizeof(zeros), at);
	if (r == 0)
		r = sm_sys_fdatasync(jf->fd);
	identity(m, &h);
	if (r == 0)
		r = write_slot(jf->fd, &h, 0);
	if (r == 0)
		r = sm_sys_fsync(dirfd);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "creating the journal %s (%llu bytes) failed: %s%s", jf->path,
			       (unsigned long long)size, strerror(-r),
			       r == -ENOSPC || r == -EDQUOT ?
			       "; free space, or set SYNCMAP_JOURNAL_SIZE smaller" : "");
	jf->h = h;
	jf->slot = 0;
	jf->size = size;
	return 0;
}

/* ---- replay */

/*
 * A mapping of the whole file (length 0 at open) follows the file to the
 * size its records gave back, so that it shows what was persisted.
 */
static int fit_whole(struct syncmap *m, uint64_t fsize)
{
	size_t skip = (size_t)(m->addr - (uint8_t *)m->map_base);
	size_t len = (size_t)(fsize - m->offset);
	void *p;
	int r;

	if (!m->whole || fsize <= m->offset + m->map_len)
		return 0;
	r = sm_sys_mremap(m->map_base, m->map_len, len, MREMAP_MAYMOVE, &p);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "mremap of the mapping to the %llu bytes the journal gave back failed: "
			       "%s; the file holds them, open it again", (unsigned long long)fsize,
			       strerror(-r));
	m->map_base = p;
	m->map_len = len;
	m->addr = (uint8_t *)p + skip;
	m->len = len - skip;
	return 0;
}

/*
 * The records need the file to have `need` bytes and it has fsize: a power
 * cut took a size change that the file system had not made durable yet
 * (an open or a grow extends the file without a sync of its own; every
 * record carries the size).  Give the size back before the records are
 * written into it; the fdatasync after them makes it durable.
 */
static int extend_for(struct syncmap *m, const struct sm_jfile *jf, uint64_t fsize,
		      uint64_t need)
{
	int r;

	if (need <= fsize)
		return 0;
	r = sm_sys_ftruncate(m->fd, need);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "extending the file from %llu to the %llu bytes that the records of "
			       "the journal %s need failed: %s; nothing is lost (the journal keeps "
			       "its records), open again once the cause is fixed",
			       (unsigned long long)fsize, (unsigned long long)need, jf->path,
			       strerror(-r));
	sm_log(SYNCMAP_LOG_NOTICE,
	       "the file had %llu bytes and the journal %s's records were written when it had "
	       "%llu (a crash took the size change): extended it back",
	       (unsigned long long)fsize, jf->path, (unsigned long long)need);
	return fit_whole(m, need);
}

/*
 * Write the n records each_record() counted (needing a data file of need
 * bytes, over one of fsize; n < 0, its error, is reported here) into the
 * data file, make it durable, then start the next generation (a header in
 * the other slot): a crash before that header is durable replays the same
 * records again, which is harmless.
 */
static long long replay(struct syncmap *m, struct sm_jfile *jf, uint64_t fsize, long long n,
			uint64_t need)
{
	struct sm_j_header h = jf->h;
	int r;

	if (n > 0 && !same_file(m, &jf->h))
		return foreign(jf, n);
	if (n > 0 && (r = extend_for(m, jf, fsize, need)) < 0)
		return r;
	if (n > 0)
		n = each_record(jf, apply_to_file, &m->fd, NULL);
	if (n > 0 && (r = sm_sys_fdatasync(m->fd)) < 0)
		n = r;
	if (n < 0)
		return sm_fail((int)n, SYNCMAP_CAUSE_ERROR,
			       "replaying the journal %s into the file failed: %s; nothing is lost "
			       "(the journal keeps its records), open again once the cause is fixed",
			       jf->path, strerror((int)-n));
	h.generation++;
	h.pid = (uint64_t)sm_sys_getpid();
	identity(m, &h);
	r = write_slot(jf->fd, &h, jf->slot ^ 1);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "writing the journal %s's header failed: %s; nothing is lost, open "
			       "again once the cause is fixed", jf->path, strerror(-r));
	jf->h = h;
	jf->slot ^= 1;
	return n;
}

/* ---- the path */

static void jlock(struct sm_journal *j)
{
	pthread_mutex_lock(&j->mu);
}

static void junlock(struct sm_journal *j)
{
	pthread_mutex_unlock(&j->mu);
}

static int sticky(const struct sm_journal *j)
{
	return sm_fail(j->err, SYNCMAP_CAUSE_ERROR,
		       "an earlier write to the journal %s failed, so the state of the file's pages "
		       "is unknown: every persist fails until the mapping is closed; close it and "
		       "open it again (that replays what was persisted)", j->path);
}

/*
 * How long the next write may wait for the callers of the last group to
 * come back with their next records: a quarter of a write, so that a
 * thread that does not come back costs little.  Without it the threads
 * split in two halves that alternate, each write carrying half of them.
 */
static uint64_t defer_ns(const struct sm_journal *j)
{
	uint64_t d = j->last_write_ns / 4;

	return d < 10000 ? 10000 : d > 500000 ? 500000 : d;
}

/* Post the waiters made durable (or failed), and one to lead what is
 * staged if no write may be started by anyone else.  Locked. */
static void wake_waiters(struct sm_journal *j)
{
	struct sm_jwaiter **pp = &j->waiters, *w;

	while ((w = *pp) != NULL) {
		if (w->ticket <= j->durable || j->err) {
			*pp = w->next;
			sem_post(&w->sem);
		} else {
			pp = &w->next;
		}
	}
	if (j->waiters && j->buf[j->cur].len && j->nbusy < SM_J_INFLIGHT) {
		w = j->waiters;
		j->waiters = w->next;
		sem_post(&w->sem);
	}
}

/* Publish, in order, the groups whose writes are done.  Locked. */
static void publish(struct sm_journal *j)
{
	bool more = true;

	while (more) {
		more = false;
		for (int i = 0; i < SM_J_NBUF; i++) {
			struct sm_jbuf *b = &j->buf[i];

			if (!b->busy || !b->done || b->group != j->groups_published)
				continue;
			j->expect = b->callers;
			j->defer_until = sm_sys_now_ns() + defer_ns(j);
			b->callers = 0;
			if (b->result == 0 && !j->err) {
				__atomic_store_n(&j->durable, b->last, __ATOMIC_RELEASE);
				j->st.writes++;
				j->st.bytes += b->len;
			} else {
				j->err = -EIO;
			}
			b->busy = false;
			b->len = 0;
			j->nbusy--;
			j->groups_published++;
			more = true;
		}
	}
	wake_waiters(j);
	pthread_cond_broadcast(&j->cv);
}

/* Write the staging buffer as one group.  Called and returns locked. */
static int lead(struct sm_journal *j)
{
	struct sm_jbuf *b = &j->buf[j->cur];
	uint64_t off = j->stage_off, t0;
	size_t len = b->len;
	int r;

	b->group = j->groups_started++;
	b->busy = true;
	b->done = false;
	j->nbusy++;
	for (int i = 0; i < SM_J_NBUF; i++)
		if (!j->buf[i].busy)
			j->cur = i;
	j->stage_off += len;
	junlock(j);
	t0 = sm_sys_now_ns();
	r = sm_sys_pwrite_all(j->fd, b->p, len, off);
	if (r == 0)
		r = sm_sys_fdatasync(j->fd);
	t0 = sm_sys_now_ns() - t0;
	jlock(j);
	j->last_write_ns = t0;
	b->done = true;
	b->result = r;
	publish(j);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "writing %zu bytes to the journal %s failed: %s; what this call "
			       "persisted may not be durable; close the mapping and open it again%s",
			       len, j->path, strerror(-r),
			       r == -ENOSPC ? " (the journal was preallocated: the file system "
			       "refused to write blocks it already has)" : "");
	return 0;
}

/* Wait on the condition variable, until the deadline if one is given. */
static void jwait(struct sm_journal *j, uint64_t until)
{
	struct timespec ts;

	if (!until) {
		pthread_cond_wait(&j->cv, &j->mu);
		return;
	}
	ts.tv_sec = (time_t)(until / 1000000000u);
	ts.tv_nsec = (long)(until % 1000000000u);
	pthread_cond_timedwait(&j->lead_cv, &j->mu, &ts);
}

/*
 * Until ticket t is durable: lead when a write may start and something
 * is staged, once the callers of the last group are back (or their time
 * is up); else sleep.  Called locked; *locked says how it returns (a
 * waiter made durable returns without the mutex).
 */
static int wait_durable(struct sm_journal *j, uint64_t t, bool *locked)
{
	*locked = true;
	while (__atomic_load_n(&j->durable, __ATOMIC_RELAXED) < t) {
		struct sm_jwaiter w;

		if (j->err)
			return sticky(j);
		if (j->nbusy < SM_J_INFLIGHT && j->buf[j->cur].len) {
			int r;

			if (j->expect && sm_sys_now_ns() < j->defer_until) {
				jwait(j, j->defer_until);
				continue;
			}
			r = lead(j);
			if (r < 0)
				return r;
			continue;
		}
		sem_init(&w.sem, 0, 0);
		w.ticket = t;
		w.next = j->waiters;
		j->waiters = &w;
		junlock(j);
		while (sem_wait(&w.sem) < 0)
			;	/* EINTR: the post is still to come */
		sem_destroy(&w.sem);
		if (__atomic_load_n(&j->durable, __ATOMIC_ACQUIRE) >= t) {
			*locked = false;
			return 0;
		}
		jlock(j);
	}
	return 0;
}

/*
 * Checkpoint.  Locked; persisters wait while it runs.  Everything staged
 * is written first, then the data file made durable, then the next
 * generation's header.
 */
static int checkpoint(struct sm_journal *j, bool counted)
{
	struct sm_j_header h;
	bool locked;
	int r;

	while (j->checkpointing)
		pthread_cond_wait(&j->cv, &j->mu);
	if (j->err)
		return sticky(j);
	j->checkpointing = true;
	r = wait_durable(j, j->ticket, &locked);
	if (!locked)
		jlock(j);
	if (r < 0)
		goto out;
	junlock(j);
	r = sm_sys_fdatasync(j->data_fd);
	if (r == 0) {
		memset(&h, 0, sizeof(h));
		h.generation = j->gen + 1;
		h.birth = j->birth;
		h.ino = j->ino;
		h.size = j->size;
		h.pid = (uint64_t)sm_sys_getpid();
		r = write_slot(j->fd, &h, j->slot ^ 1);
	}
	jlock(j);
	if (r < 0) {
		j->err = -EIO;
		r = sm_fail(r, SYNCMAP_CAUSE_ERROR,
			    "checkpointing the journal %s failed: %s; what was persisted is kept in "
			    "the journal: close the mapping and open it again once the cause is fixed",
			    j->path, strerror(-r));
		goto out;
	}
	j->gen++;
	j->slot ^= 1;
	j->rec_seq = 0;
	j->stage_off = SM_J_RECORDS;
	j->st.checkpoints += counted;
out:
	j->checkpointing = false;
	pthread_cond_broadcast(&j->cv);
	return r;
}

static size_t line_of(const struct syncmap *m)
{
	size_t line = m->line >= 64 ? m->line : 64, page = (size_t)sm_page_size();

	return line < page ? line : page;
}

/* The whole lines under [start, end), cut at the end of the mapping. */
static void lines(const struct syncmap *m, uintptr_t *start, uintptr_t *end)
{
	uintptr_t mask = line_of(m) - 1, limit = (uintptr_t)m->map_base + sm_map_len(m);

	*start &= ~mask;
	*end = (*end + mask) & ~mask;
	if (*end > limit)
		*end = limit;
}

static int grow(struct sm_jbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : SM_J_STAGE_MIN;
	uint8_t *p;

	if (b->len + need <= b->cap)
		return 0;
	while (cap < b->len + need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for the journal's staging");
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Room for need more bytes in this generation, checkpointing if not. */
static int room(struct sm_journal *j, size_t need)
{
	for (;;) {
		if (j->err)
			return sticky(j);
		if (j->checkpointing) {
			pthread_cond_wait(&j->cv, &j->mu);
			continue;
		}
		if (j->stage_off + j->buf[j->cur].len + need <= j->limit)
			return 0;
		int r = checkpoint(j, true);

		if (r < 0)
			return r;
	}
}

/* A caller that will wait for its records: one of the last group's
 * callers is back, or a new one joined. */
static void caller(struct sm_journal *j)
{
	j->buf[j->cur].callers++;
	if (j->expect && --j->expect == 0)
		pthread_cond_signal(&j->lead_cv);
}

/*
 * A child of fork() shares the journal's file and offsets with its
 * parent: appends of both would overwrite each other.  Only the process
 * that opened it may use it.
 */
static int usable(const struct sm_journal *j)
{
	if (sm_likely(sm_sys_getpid() == j->pid))
		return 0;
	return sm_fail(-ENOTSUP, SYNCMAP_CAUSE_ERROR,
		       "this journaled mapping was opened by process %ld, before a fork(): a child "
		       "appending to the same journal would overwrite its parent's records; open "
		       "the file in the child (after the parent closed it)", j->pid);
}

/* Copy [start, end) (whole lines) into the staging buffer.  Locked. */
static int stage(struct syncmap *m, struct sm_journal *j, uintptr_t start, uintptr_t end)
{
	struct sm_jbuf *b = &j->buf[j->cur];
	size_t len = end - start;
	int r = grow(b, SM_J_REC_HDR + len);
	uint8_t *dst;

	if (r < 0)
		return r;
	dst = b->p + b->len;
	memcpy(dst + SM_J_REC_HDR, (const void *)start, len);
	sm_j_record_encode(dst, j->gen, ++j->rec_seq,
			   m->offset + (start - (uintptr_t)m->map_base), (uint32_t)len,
			   j->file_size);
	b->len += SM_J_REC_HDR + len;
	b->last = ++j->ticket;
	return 0;
}

/*
 * Too large to journal (more than a quarter of it, or than a record's
 * 32-bit length and a staging buffer should hold): a checkpoint's
 * fdatasync of the data file covers the range, and no older record can
 * be replayed over it.
 */
#define SM_J_RECORD_MAX (256u << 20)

static bool too_large(const struct sm_journal *j, size_t bytes)
{
	return bytes > j->size / 4 || bytes > SM_J_RECORD_MAX;
}

static int journal_persist(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	int r;

	lines(m, &start, &end);
	if ((r = usable(j)) < 0)
		return r;
	jlock(j);
	j->st.persists++;
	if (too_large(j, SM_J_REC_HDR + (end - start)))
		r = checkpoint(j, true);
	else if ((r = room(j, SM_J_REC_HDR + (end - start))) == 0 &&
		 (r = stage(m, j, start, end)) == 0) {
		caller(j);
		r = wait_durable(j, j->ticket, &locked);
	}
	if (locked)
		junlock(j);
	return r;
}

static int journal_flush(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	struct sm_journal *j = m->path_data;
	int r;

	lines(m, &start, &end);
	if ((r = usable(j)) < 0)
		return r;
	jlock(j);
	if (too_large(j, SM_J_REC_HDR + (end - start)))
		r = checkpoint(j, true);
	else if ((r = room(j, SM_J_REC_HDR + (end - start))) == 0)
		r = stage(m, j, start, end);
	junlock(j);
	return r;
}

static int journal_drain(struct syncmap *m)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	int r;

	if ((r = usable(j)) < 0)
		return r;
	jlock(j);
	j->st.persists++;
	if (j->buf[j->cur].len)
		caller(j);
	r = wait_durable(j, j->ticket, &locked);
	if (locked)
		junlock(j);
	return r;
}

/* A batch: its ranges, merged line-wise, staged together: one write. */
static int journal_commit(struct syncmap *m, struct sm_range *rg, size_t n)
{
	bool locked = true;
	struct sm_journal *j = m->path_data;
	size_t bytes = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		lines(m, &rg[i].start, &rg[i].end);
	n = sm_ranges_coalesce(rg, n, line_of(m));
	for (size_t i = 0; i < n; i++)
		bytes += SM_J_REC_HDR + (rg[i].end - rg[i].start);
	if ((r = usable(j)) < 0)
		return r;
	jlock(j);
	j->st.persists++;
	if (too_large(j, bytes)) {
		r = checkpoint(j, true);
	} else if ((r = room(j, bytes)) == 0) {
		for (size_t i = 0; i < n && r == 0; i++)
			r = stage(m, j, rg[i].start, rg[i].end);
		if (r == 0) {
			caller(j);
			r = wait_durable(j, j->ticket, &locked);
		}
	}
	if (locked)
		junlock(j);
	return r;
}

static int journal_full(struct syncmap *m, struct sm_range *rg, size_t *n)
{
	int r = journal_commit(m, rg, *n);

	*n = 0;
	return r;
}

static void journal_free(struct sm_journal *j)
{
	if (j->fd >= 0)
		sm_sys_close(j->fd);
	for (int i = 0; i < SM_J_NBUF; i++)
		free(j->buf[i].p);
	pthread_cond_destroy(&j->cv);
	pthread_cond_destroy(&j->lead_cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* A last checkpoint, so the next open has nothing to replay; after a
 * failed write the records stay for it instead. */
static int journal_close(struct syncmap *m)
{
	struct sm_journal *j = m->path_data;
	int r = 0;

	jlock(j);
	/* A child of fork() leaves the journal to its parent. */
	if (!j->err && sm_sys_getpid() == j->pid)
		r = checkpoint(j, false);
	junlock(j);
	journal_free(j);
	m->path_data = NULL;
	m->ops = &sm_page_ops;
	return r;
}

const struct sm_path_ops sm_journal_ops = {
	.name = "journal",
	.persist = journal_persist,
	.flush = journal_flush,
	.drain = journal_drain,
	.commit = journal_commit,
	.full = journal_full,
	.close = journal_close,
};

/* ---- open */

static int attach(struct syncmap *m, struct sm_jfile *jf, long long replayed)
{
	uint64_t fsize = 0;
	int r = file_size(m->fd, &fsize);
	struct sm_journal *j = r < 0 ? NULL : calloc(1, sizeof(*j));

	if (r < 0)
		return r;
	if (!j)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for the journal");
	pthread_condattr_t ca;

	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_cond_init(&j->lead_cv, &ca);
	pthread_condattr_destroy(&ca);
	j->fd = jf->fd;
	jf->fd = -1;
	j->data_fd = m->fd;
	j->size = jf->size;
	j->file_size = fsize;
	j->limit = jf->size / 4 * 3;
	j->gen = jf->h.generation;
	j->slot = jf->slot;
	j->birth = jf->h.birth;
	j->ino = jf->h.ino;
	j->stage_off = SM_J_RECORDS;
	j->st.replayed = (uint64_t)replayed;
	j->pid = sm_sys_getpid();
	snprintf(j->path, sizeof(j->path), "%s", jf->path);
	m->path_data = j;
	m->ops = &sm_journal_ops;
	m->flush_fn = NULL;
	return 0;
}

static int sidecar_error(int r, const struct sm_jfile *jf, const char *data_path)
{
	const char *hint = "";

	if (r == -ELOOP)
		hint = "; a symbolic link is at the journal's name, which is never followed: "
		       "remove it";
	else if (r == -EACCES)
		hint = "; the journal may hold persisted data this file lacks, so it is not shown "
		       "stale: open it as the file's owner";
	return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot open the journal %s: %s%s",
		       jf->path[0] ? jf->path : data_path, strerror(-r), hint);
}

/* The name the file has now, checked to be this file. */
static int find_name(const struct syncmap *m, const char *path)
{
	struct stat st;
	int r;

	if (!path || !path[0])
		return -ENOENT;
	r = sm_sys_stat(path, &st);
	if (r == -ENOTDIR || (r == 0 && (st.st_dev != m->st_dev || st.st_ino != m->st_ino)))
		r = -ENOENT;
	return r;
}

/* Journaled open: create or take the journal, replay, attach. */
static int open_journaled(struct syncmap *m, const char *path, uid_t owner)
{
	struct sm_jfile *jf = jfile_new();
	uint64_t size;
	long long n = 0;
	int dirfd = -1, r;
	bool busy = false;

	if (!jf)
		return -ENOMEM;
	if (find_name(m, path) < 0) {
		free(jf);
		return sm_fail(-ENOENT, SYNCMAP_CAUSE_ERROR,
			       "SYNCMAP_JOURNAL needs the file's name to put the journal beside it, "
			       "and /proc/self/fd does not give a name that is still this file (%s); "
			       "open it by path with syncmap_open()", path && *path ? path : "none");
	}
	r = open_sidecar(path, O_RDWR, true, jf, &dirfd);
	if (r < 0) {
		r = sidecar_error(r, jf, path);
		goto out;
	}
	if ((r = check_sidecar(jf, owner)) < 0)
		goto out;
	if ((r = take_lock(jf)) < 0) {
		busy = r == -EBUSY;
		goto out;
	}
	if ((r = read_header(jf)) < 0)
		goto out;
	if (jf->slot < 0) {
		r = journal_size_from_env(&size);
		if (r == 0)
			r = create_journal(m, jf, dirfd, size);
	} else {
		uint64_t fsize = 0, need = 0;

		r = file_size(m->fd, &fsize);
		n = r < 0 ? r : each_record(jf, NULL, NULL, &need);
		n = r < 0 ? r : replay(m, jf, fsize, n, need);
		if (n < 0)
			r = (int)n;
	}
	if (r == 0)
		r = attach(m, jf, n);
out:
	/* Remove a journal this open created, unless another open took it
	 * between its creation and the lock. */
	if (r < 0 && jf->created && !busy)
		sm_sys_unlink(jf->path);
	jfile_free(jf, dirfd);
	return r;
}

/* A writable open without the flag: the file must not be written while
 * records wait to be replayed over it later. */
static int open_plain(struct syncmap *m, const char *path, uid_t owner)
{
	struct sm_jfile *jf = jfile_new();
	int dirfd = -1, r;
	long long n;

	if (!jf)
		return -ENOMEM;
	r = open_sidecar(path, O_RDWR, false, jf, &dirfd);
	if (r == -ENOENT)
		r = 0;
	else if (r < 0)
		r = sidecar_error(r, jf, path);
	else if ((r = check_sidecar(jf, owner)) == 0 && (r = take_lock(jf)) == 0 &&
		 (r = read_header(jf)) == 0 && jf->slot >= 0) {
		uint64_t fsize = 0, need = 0;

		r = file_size(m->fd, &fsize);
		n = r < 0 ? r : each_record(jf, NULL, NULL, &need);
		if (r == 0 && n < 0)
			n = records_error(jf, n);
		if (n > 0)
			n = replay(m, jf, fsize, n, need);
		if (n > 0)
			sm_log(SYNCMAP_LOG_NOTICE, "replayed %lld records of the journal %s", n,
			       jf->path);
		r = n < 0 ? (int)n : 0;
	}
	jfile_free(jf, dirfd);
	return r;
}

/*
 * The private view's memory: the file's pages, copy-on-write, followed
 * (for a whole-file view of records that reach past the file's end, which
 * a read-only open cannot extend) by anonymous zero pages up to len.
 */
static int view_map(const struct syncmap *m, size_t len, void **out)
{
	size_t page = (size_t)sm_page_size();
	size_t file_part = (m->map_len + page - 1) / page * page;
	void *p;
	int r;

	if (len <= m->map_len)
		return sm_sys_mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, m->fd,
				   m->offset, out);
	r = sm_sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
			&p);
	if (r == 0)
		r = sm_sys_mmap(p, file_part, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
				m->fd, m->offset, out);
	if (r < 0 && p)
		sm_sys_munmap(p, len);
	if (r == 0)
		*out = p;
	return r;
}

/* A read-only open of a file with records waiting: a private view with
 * the records applied, so what it shows is what was persisted (for a
 * whole-file open, as long as the file was when they were written). */
static int private_view(struct syncmap *m, struct sm_jfile *jf, uint64_t fsize,
			uint64_t need)
{
	size_t page = (size_t)sm_page_size(), shown = m->map_len, len = m->map_len;
	struct sm_view v = { NULL, m->offset, 0 };
	void *p = NULL;
	long long n;
	int r;

	if (m->whole && need > fsize) {
		shown = (size_t)(need - m->offset);
		len = (shown + page - 1) / page * page;
	}
	v.len = shown;
	r = view_map(m, len, &p);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "mmap of a private view for the journal's records failed: %s",
			       strerror(-r));
	v.base = p;
	n = each_record(jf, apply_to_view, &v, NULL);
	r = n < 0 ? (int)n : sm_sys_mprotect(p, len, PROT_READ);
	if (r < 0) {
		sm_sys_munmap(p, len);
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "applying the journal %s to a private view failed: %s", jf->path,
			       strerror(-r));
	}
	sm_sys_munmap(m->map_base, m->map_len);
	m->map_base = m->addr = p;
	m->map_len = len;
	m->len = shown;
	snprintf(m->advice, sizeof(m->advice),
		 "read-only view with %lld records of the journal %.600s applied (the data file "
		 "itself is stale until a writable open replays them)", n, jf->path);
	return 0;
}

static int open_rdonly(struct syncmap *m, const char *path)
{
	struct sm_jfile *jf = jfile_new();
	int dirfd = -1, r;
	uint64_t fsize = 0;
	long long n;

	if (!jf)
		return -ENOMEM;
	r = open_sidecar(path, O_RDONLY, false, jf, &dirfd);
	if (r == -ENOENT)
		r = 0;
	else if (r < 0)
		r = sidecar_error(r, jf, path);
	else if ((r = read_header(jf)) == 0 && jf->slot >= 0 &&
		 (r = file_size(m->fd, &fsize)) == 0) {
		uint64_t need = 0;

		n = each_record(jf, NULL, NULL, &need);
		if (n > 0 && !same_file(m, &jf->h))
			r = foreign(jf, n);
		else if (n > 0)
			r = private_view(m, jf, fsize, need);
		else
			r = n < 0 ? records_error(jf, n) : 0;
	}
	jfile_free(jf, dirfd);
	return r;
}

int sm_journal_open(struct syncmap *m, const char *path)
{
	struct stat st;
	int r = sm_sys_fstat(m->fd, &st);

	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "fstat of the file failed: %s", strerror(-r));
	if (m->path == SYNCMAP_PATH_JOURNAL)
		return open_journaled(m, path, st.st_uid);
	/* Without a name that is still this file there is no sidecar to
	 * look for (an fd of an unlinked file, a memfd). */
	r = find_name(m, path);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "cannot look for a journal beside %s (stat: %s), so the file may be "
			       "stale: try again once the cause is fixed", path, strerror(-r));
	return m->rdonly ? open_rdonly(m, path) : open_plain(m, path, st.st_uid);
}

long long sm_journal_waiting(const char *data_path, char *jpath, size_t size)
{
	struct sm_jfile *jf = jfile_new();
	int dirfd = -1, r;
	struct stat st;
	long long n = -ENOENT;

	if (!jf)
		return -ENOMEM;
	r = open_sidecar(data_path, O_RDONLY, false, jf, &dirfd);
	snprintf(jpath, size, "%s", jf->path);
	if (r == 0 && sm_sys_stat(data_path, &st) == 0 && read_header(jf) == 0)
		n = jf->slot < 0 ? 0 : each_record(jf, NULL, NULL, NULL);
	else if (r < 0 && r != -ENOENT)
		n = r;
	jfile_free(jf, dirfd);
	sm_clear_last();
	return n;
}

void sm_journal_resized(struct syncmap *m, uint64_t size)
{
	struct sm_journal *j;

	if (m->ops != &sm_journal_ops)
		return;
	j = m->path_data;
	jlock(j);
	j->file_size = size;
	junlock(j);
}

int sm_journal_stats(const struct syncmap *m, struct syncmap_journal_stats *out)
{
	struct sm_journal *j;

	if (m->ops != &sm_journal_ops)
		return -EINVAL;
	j = m->path_data;
	jlock(j);
	*out = j->st;
	junlock(j);
	return 0;
}
