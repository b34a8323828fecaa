/* SPDX-License-Identifier: MIT */
/*
 * The journaled path's own parts, shared by its files and by nothing
 * else: the state of an open journal (struct sm_journal), of a sidecar
 * being opened (struct sm_jfile), and the calls each file gives the
 * ones above it.  The files, from the bottom: sidecar.c, replay.c,
 * group.c, units.c, ops.c, journal.c (opening); journal_format.c is pure.
 */
#ifndef SYNCMAP_JOURNAL_INT_H
#define SYNCMAP_JOURNAL_INT_H

#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/types.h>

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
	/* Batches of copies durable but not yet copied into the mapping: a
	 * checkpoint waits for them (its fdatasync of the data file must
	 * find their bytes there before it retires their records). */
	unsigned placing;
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

/* ---- records */

typedef int (*sm_record_fn)(void *arg, const struct sm_j_record *r, const uint8_t *data);

struct sm_view {
	uint8_t *base;
	uint64_t off, len;
};

/* ---- sidecar.c */
struct sm_jfile *sm_jfile_new(void);
void sm_jfile_free(struct sm_jfile *jf, int dirfd);
int sm_j_open_sidecar(const char *data_path, int acc, bool create, struct sm_jfile *jf,
			int *dirfd);
int sm_j_check_sidecar(const struct sm_jfile *jf, uid_t owner);
int sm_j_read_header(struct sm_jfile *jf);
int sm_j_write_slot(int fd, const struct sm_j_header *h, int slot);
void sm_j_identity(const struct syncmap *m, struct sm_j_header *h);
bool sm_j_same_file(const struct syncmap *m, const struct sm_j_header *h);
int sm_j_foreign(const struct sm_jfile *jf, long long n);
int sm_j_file_size(int fd, uint64_t *size);
int sm_j_records_error(const struct sm_jfile *jf, long long n);
int sm_j_take_lock(struct sm_jfile *jf);
int sm_j_size_from_env(uint64_t *size);
int sm_j_create(struct syncmap *m, struct sm_jfile *jf, int dirfd, uint64_t size);
int sm_j_sidecar_error(int r, const struct sm_jfile *jf, const char *data_path);
int sm_j_find_sidecar(const char *data_path, int acc, struct sm_jfile *jf, int *dirfd);

/* ---- replay.c */
long long sm_j_each_record(const struct sm_jfile *jf, sm_record_fn fn, void *arg,
			     uint64_t *needed);
long long sm_j_replay(struct syncmap *m, struct sm_jfile *jf, uint64_t fsize, long long n,
			uint64_t need);
int sm_j_private_view(struct syncmap *m, struct sm_jfile *jf, uint64_t fsize,
			uint64_t need);

/* ---- group.c */
/* Staging: the lines a range covers, room in the staging buffer and in
 * the generation, a caller that will wait, whether this process may use
 * the journal, and whether a record is too large to journal. */
size_t sm_j_line_of(const struct syncmap *m);
void sm_j_lines(const struct syncmap *m, uintptr_t *start, uintptr_t *end);
int sm_j_grow(struct sm_jbuf *b, size_t need);
int sm_j_room(struct sm_journal *j, size_t need);
void sm_j_caller(struct sm_journal *j);
int sm_j_usable(const struct sm_journal *j);
bool sm_j_too_large(const struct sm_journal *j, size_t bytes);
void sm_j_lock(struct sm_journal *j);
void sm_j_unlock(struct sm_journal *j);
int sm_j_sticky(const struct sm_journal *j);
int sm_j_wait_durable(struct sm_journal *j, uint64_t t, bool *locked);
int sm_j_checkpoint(struct sm_journal *j, bool counted);

/* ---- units.c: a batch of copies, atomic (sm_path_ops.commit_copies) */
int sm_j_commit_copies(struct syncmap *m, const struct sm_bcopy *c, size_t n);

#endif
