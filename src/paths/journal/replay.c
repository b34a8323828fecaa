/* SPDX-License-Identifier: MIT */
/*
 * Reading a journal's records back: walking the valid records of a
 * generation, writing them into the data file (extending it first to the
 * size they were written at) or into a read-only open's private view.
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

/*
 * The record at `at` with sequence seq into *buf (grown as needed): its
 * bytes with header, 0 when it is not valid (the torn tail of the last
 * write), or a negative errno.
 */
static long long read_record(const struct sm_jfile *jf, uint64_t at, uint64_t seq,
			     uint8_t **buf, size_t *cap, struct sm_j_record *r)
{
	uint64_t max = jf->size / 4 + SM_J_REC_HDR;
	uint8_t hdr[SM_J_REC_HDR];
	ssize_t got;
	size_t need;

	if (at + SM_J_REC_HDR > jf->size)
		return 0;
	got = sm_sys_pread_all(jf->fd, hdr, sizeof(hdr), at);
	if (got < 0)
		return got;
	sm_j_record_decode(hdr, r);
	need = SM_J_REC_HDR + (size_t)r->length;
	if (got < SM_J_REC_HDR || need > max || need > jf->size - at)
		return 0;
	if (need > *cap) {
		uint8_t *nb = realloc(*buf, need);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = need;
	}
	got = sm_sys_pread_all(jf->fd, *buf, need, at);
	if (got < 0)
		return got;
	if (sm_j_record_check(*buf, (size_t)got, jf->h.generation, seq, SM_J_FILE_MAX, r) < 0)
		return 0;
	return (long long)need;
}

/* Call fn for the records [from, to) of a whole unit, read again. */
static long long hand_unit(const struct sm_jfile *jf, uint64_t from, uint64_t to, uint64_t seq,
			   sm_record_fn fn, void *arg, uint8_t **buf, size_t *cap)
{
	struct sm_j_record r;

	while (from < to) {
		long long got = read_record(jf, from, seq++, buf, cap, &r);
		int e;

		if (got <= 0)	/* it was valid a moment ago: the journal changed */
			return got < 0 ? got : -EIO;
		e = fn(arg, &r, *buf + SM_J_REC_HDR);
		if (e < 0)
			return e;
		from += (uint64_t)got;
	}
	return 0;
}

/*
 * Each valid record of the header's generation, in order, up to the first
 * that fails its checks (the torn tail of the last write), and only whole
 * atomic units: the records of a unit (a batch of copies) that the first
 * invalid record cuts short are left out, so a unit is replayed whole or
 * not at all.  Returns the count, or a negative errno; *needed (if not
 * NULL) becomes the size the data file must have for them
 * (sm_j_record_need), 0 with no record.  A record past the file's current
 * end is valid: the power cut that made the file shorter cannot make the
 * record less durable.
 */
long long sm_j_each_record(const struct sm_jfile *jf, sm_record_fn fn, void *arg,
			     uint64_t *needed)
{
	uint64_t at = SM_J_RECORDS, unit_at = SM_J_RECORDS, unit_need = 0;
	long long n = 0, whole = 0, got;
	uint8_t *buf = NULL;
	uint32_t left = 0;	/* records the current unit still needs */
	size_t cap = 0;

	if (needed)
		*needed = 0;
	for (;;) {
		struct sm_j_record r;

		got = read_record(jf, at, (uint64_t)n + 1, &buf, &cap, &r);
		if (got <= 0 || (left && r.unit_left != left - 1))
			break;
		left = r.unit_left;
		n++;
		at += (uint64_t)got;
		if (sm_j_record_need(&r) > unit_need)
			unit_need = sm_j_record_need(&r);
		if (left)
			continue;
		if (fn && (got = hand_unit(jf, unit_at, at, (uint64_t)whole + 1, fn, arg,
					   &buf, &cap)) < 0)
			break;
		if (needed && unit_need > *needed)
			*needed = unit_need;
		whole = n;
		unit_at = at;
		unit_need = 0;
	}
	free(buf);
	return got < 0 ? got : whole;
}

static int apply_to_file(void *arg, const struct sm_j_record *r, const uint8_t *data)
{
	return sm_sys_pwrite_all(*(int *)arg, data, r->length, r->offset);
}

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
 * Write the n records sm_j_each_record() counted (needing a data file of need
 * bytes, over one of fsize; n < 0, its error, is reported here) into the
 * data file, make it durable, then start the next generation (a header in
 * the other slot): a crash before that header is durable replays the same
 * records again, which is harmless.
 */
long long sm_j_replay(struct syncmap *m, struct sm_jfile *jf, uint64_t fsize, long long n,
			uint64_t need)
{
	struct sm_j_header h = jf->h;
	int r;

	if (n > 0 && !sm_j_same_file(m, &jf->h))
		return sm_j_foreign(jf, n);
	if (n > 0 && (r = extend_for(m, jf, fsize, need)) < 0)
		return r;
	if (n > 0)
		n = sm_j_each_record(jf, apply_to_file, &m->fd, NULL);
	if (n > 0 && (r = sm_sys_fdatasync(m->fd)) < 0)
		n = r;
	if (n < 0)
		return sm_fail((int)n, SYNCMAP_CAUSE_ERROR,
			       "replaying the journal %s into the file failed: %s; nothing is lost "
			       "(the journal keeps its records), open again once the cause is fixed",
			       jf->path, strerror((int)-n));
	h.generation++;
	h.pid = (uint64_t)sm_sys_getpid();
	sm_j_identity(m, &h);
	r = sm_j_write_slot(jf->fd, &h, jf->slot ^ 1);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "writing the journal %s's header failed: %s; nothing is lost, open "
			       "again once the cause is fixed", jf->path, strerror(-r));
	jf->h = h;
	jf->slot ^= 1;
	return n;
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
int sm_j_private_view(struct syncmap *m, struct sm_jfile *jf, uint64_t fsize,
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
	n = sm_j_each_record(jf, apply_to_view, &v, NULL);
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
