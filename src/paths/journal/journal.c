/* SPDX-License-Identifier: MIT */
/*
 * The journaled page path (SYNCMAP_JOURNAL): on a mapping without
 * MAP_SYNC a persist copies the cache lines it covers into a record of
 * the sidecar "<file>.syncmap-journal" and makes the record durable with
 * one sequential write and one fdatasync; the data pages are written back
 * whenever the kernel likes.  The next open replays the records.
 *
 * This file opens it: a journaled open creates or takes the journal,
 * replays what a crash left and attaches the path (ops.c); a plain
 * writable open replays, and a read-only one applies the records to a
 * private view, so that every open sees what was persisted.
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

#include "journal_int.h"

/* ---- open */

static int attach(struct syncmap *m, struct sm_jfile *jf, long long replayed)
{
	uint64_t fsize = 0;
	int r = sm_j_file_size(m->fd, &fsize);
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
	struct sm_jfile *jf = sm_jfile_new();
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
	r = sm_j_open_sidecar(path, O_RDWR, true, jf, &dirfd);
	if (r < 0) {
		r = sm_j_sidecar_error(r, jf, path);
		goto out;
	}
	if ((r = sm_j_check_sidecar(jf, owner)) < 0)
		goto out;
	if ((r = sm_j_take_lock(jf)) < 0) {
		busy = r == -EBUSY;
		goto out;
	}
	if ((r = sm_j_read_header(jf)) < 0)
		goto out;
	if (jf->slot < 0) {
		r = sm_j_size_from_env(&size);
		if (r == 0)
			r = sm_j_create(m, jf, dirfd, size);
	} else {
		uint64_t fsize = 0, need = 0;

		r = sm_j_file_size(m->fd, &fsize);
		n = r < 0 ? r : sm_j_each_record(jf, NULL, NULL, &need);
		n = r < 0 ? r : sm_j_replay(m, jf, fsize, n, need);
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
	sm_jfile_free(jf, dirfd);
	return r;
}

/* A writable open without the flag: the file must not be written while
 * records wait to be replayed over it later. */
static int open_plain(struct syncmap *m, const char *path, uid_t owner)
{
	struct sm_jfile *jf = sm_jfile_new();
	int dirfd = -1, r;
	long long n;

	if (!jf)
		return -ENOMEM;
	r = sm_j_find_sidecar(path, O_RDWR, jf, &dirfd);
	if (r > 0 && (r = sm_j_check_sidecar(jf, owner)) == 0 && (r = sm_j_take_lock(jf)) == 0 &&
	    (r = sm_j_read_header(jf)) == 0 && jf->slot >= 0) {
		uint64_t fsize = 0, need = 0;

		r = sm_j_file_size(m->fd, &fsize);
		n = r < 0 ? r : sm_j_each_record(jf, NULL, NULL, &need);
		if (r == 0 && n < 0)
			n = sm_j_records_error(jf, n);
		if (n > 0)
			n = sm_j_replay(m, jf, fsize, n, need);
		if (n > 0)
			sm_log(SYNCMAP_LOG_NOTICE, "replayed %lld records of the journal %s", n,
			       jf->path);
		r = n < 0 ? (int)n : 0;
	}
	sm_jfile_free(jf, dirfd);
	return r;
}

static int open_rdonly(struct syncmap *m, const char *path)
{
	struct sm_jfile *jf = sm_jfile_new();
	int dirfd = -1, r;
	uint64_t fsize = 0;
	long long n;

	if (!jf)
		return -ENOMEM;
	r = sm_j_find_sidecar(path, O_RDONLY, jf, &dirfd);
	if (r > 0 && (r = sm_j_read_header(jf)) == 0 && jf->slot >= 0 &&
	    (r = sm_j_file_size(m->fd, &fsize)) == 0) {
		uint64_t need = 0;

		n = sm_j_each_record(jf, NULL, NULL, &need);
		if (n > 0 && !sm_j_same_file(m, &jf->h))
			r = sm_j_foreign(jf, n);
		else if (n > 0)
			r = sm_j_private_view(m, jf, fsize, need);
		else
			r = n < 0 ? sm_j_records_error(jf, n) : 0;
	}
	sm_jfile_free(jf, dirfd);
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
	struct sm_jfile *jf = sm_jfile_new();
	int dirfd = -1, r;
	struct stat st;
	long long n = -ENOENT;

	if (!jf)
		return -ENOMEM;
	r = sm_j_open_sidecar(data_path, O_RDONLY, false, jf, &dirfd);
	snprintf(jpath, size, "%s", jf->path);
	if (r == 0 && sm_sys_stat(data_path, &st) == 0 && sm_j_read_header(jf) == 0)
		n = jf->slot < 0 ? 0 : sm_j_each_record(jf, NULL, NULL, NULL);
	else if (r < 0 && r != -ENOENT)
		n = r;
	sm_jfile_free(jf, dirfd);
	sm_clear_last();
	return n;
}
