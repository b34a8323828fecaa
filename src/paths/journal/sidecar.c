/* SPDX-License-Identifier: MIT */
/*
 * The sidecar file "<file>.syncmap-journal": finding, opening and
 * checking it, its two header slots, the data file's identity in them,
 * the lock that gives a journal one writer, and creating a journal.
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

/* Each open's sidecar state lives on the heap: two paths would take
 * more stack than a public call may (tests/stack). */
struct sm_jfile *sm_jfile_new(void)
{
	struct sm_jfile *jf = calloc(1, sizeof(*jf));

	if (jf)
		jf->fd = -1;
	else
		sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for the journal");
	return jf;
}

void sm_jfile_free(struct sm_jfile *jf, int dirfd)
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
int sm_j_open_sidecar(const char *data_path, int acc, bool create, struct sm_jfile *jf,
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
int sm_j_check_sidecar(const struct sm_jfile *jf, uid_t owner)
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

int sm_j_read_header(struct sm_jfile *jf)
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

int sm_j_write_slot(int fd, const struct sm_j_header *h, int slot)
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
void sm_j_identity(const struct syncmap *m, struct sm_j_header *h)
{
	h->birth = birth(m);
	h->ino = (uint64_t)m->st_ino;
}

bool sm_j_same_file(const struct syncmap *m, const struct sm_j_header *h)
{
	uint64_t b;

	if (h->ino != (uint64_t)m->st_ino)
		return false;
	b = h->birth ? birth(m) : 0;
	return !h->birth || !b || b == h->birth;
}

int sm_j_foreign(const struct sm_jfile *jf, long long n)
{
	return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
		       "the journal %s holds %lld records of another file (inode %llu): "
		       "the file was replaced or copied without being opened once through "
		       "libsyncmap; open the original to replay them, or move the journal away "
		       "to accept this file as it is", jf->path, n,
		       (unsigned long long)jf->h.ino);
}

int sm_j_file_size(int fd, uint64_t *size)
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
int sm_j_records_error(const struct sm_jfile *jf, long long n)
{
	return sm_fail((int)n, SYNCMAP_CAUSE_ERROR,
		       "reading the records of the journal %s failed: %s; the file may lack "
		       "persisted data they hold, so it is not opened: try again once the "
		       "cause is fixed", jf->path, strerror((int)-n));
}

/* ---- lock: one writer per journal */

int sm_j_take_lock(struct sm_jfile *jf)
{
	int r = sm_sys_ofd_lock(jf->fd, F_WRLCK, 0, 0);
	long pid = 0;

	if (r == 0)
		return 0;
	if (r != -EAGAIN && r != -EACCES)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "locking the journal %s failed: %s",
			       jf->path, strerror(-r));
	if (sm_j_read_header(jf) == 0 && jf->slot >= 0)
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

int sm_j_size_from_env(uint64_t *size)
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
int sm_j_create(struct syncmap *m, struct sm_jfile *jf, int dirfd, uint64_t size)
{
	static const uint8_t zeros[1u << 16];
	struct sm_j_header h = { .generation = 1, .size = size, .pid = (uint64_t)sm_sys_getpid() };
	int r = 0;

	for (uint64_t at = 0; at < size && r == 0; at += sizeof(zeros))
		r = sm_sys_pwrite_all(jf->fd, zeros, sizeof(zeros), at);
	if (r == 0)
		r = sm_sys_fdatasync(jf->fd);
	sm_j_identity(m, &h);
	if (r == 0)
		r = sm_j_write_slot(jf->fd, &h, 0);
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

int sm_j_sidecar_error(int r, const struct sm_jfile *jf, const char *data_path)
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

/*
 * The sidecar of data_path for an open without SYNCMAP_JOURNAL, which
 * must still see what it holds: 1 with jf and *dirfd open, 0 when there
 * is none, else a negative errno with advice.
 */
int sm_j_find_sidecar(const char *data_path, int acc, struct sm_jfile *jf, int *dirfd)
{
	int r = sm_j_open_sidecar(data_path, acc, false, jf, dirfd);

	if (r == -ENOENT)
		return 0;
	return r < 0 ? sm_j_sidecar_error(r, jf, data_path) : 1;
}
