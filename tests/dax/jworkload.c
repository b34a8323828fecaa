/* SPDX-License-Identifier: MIT */
/*
 * The journaled page path under power cuts.
 *
 *   journal       TARGET/data opened with SYNCMAP_JOURNAL (the default
 *                 journal size); JW_THREADS threads, each appending
 *                 record.h records to its own 8 MiB region, printing
 *                 "ACK TAG/T ID" once syncmap_persist() has returned
 *   journal-ckpt  the same on a 64 KiB journal (SYNCMAP_JOURNAL_SIZE), so
 *                 that checkpoints come every few hundred persists and
 *                 the cut often lands in one
 *   page-control  the same writers on the plain page path, persisting
 *                 only each region's first record (so the file and its
 *                 size are durable) and acknowledging the rest as soon as
 *                 they are stored: with the guest's writeback held off
 *                 (main.sh, SYNCMAP_DAX_HOLD_DIRTY) the cut must take
 *                 acknowledged records away
 *   page-batch    the same writers on the plain page path, each thread
 *                 adding JW_BATCH records to its own syncmap_batch and
 *                 acknowledging them once syncmap_batch_commit() has
 *                 returned: the commit's one msync over the batch's span
 *                 must make them durable with writeback held off
 *
 * Thread T of run RUN writes the record stream (RUN * 16 + T), so every
 * region is checked on its own.  A journal writer prints, once a second,
 * "JSTAT TAG" with syncmap_journal_stats() and the share of its persists'
 * time spent in calls during which a checkpoint happened: the chance that
 * a cut at a random moment caught one.
 *
 * After the cut, "verify" opens the file with SYNCMAP_JOURNAL (which
 * replays the journal), between "REPLAY-BEGIN TAG" and "REPLAY-END TAG"
 * lines the host can cut in, and passes only if every region holds all of
 * the records its thread acknowledged (ACKED is "N0,N1,..."); the control
 * passes only if some acknowledged record is gone.  The page paths' files
 * are read with pread: nothing to replay.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <syncmap.h>

#include "record.h"
#include "workload.h"

#define JW_THREADS 3
#define JW_MAX_THREADS 16
#define JW_REGION (8u << 20)
#define JW_CKPT_JOURNAL "64K"
#define JW_BATCH 8u		/* records per page-path batch */

struct jw {
	const struct log *l;
	struct syncmap *m;
	bool journal, control, batch;
	const char *ready_path;
	atomic_bool readied;
	atomic_uint_fast64_t persist_ns, ckpt_ns;
};

struct jw_thread {
	struct jw *w;
	unsigned t;
};

bool jw_how(const char *how)
{
	return !strcmp(how, "journal") || !strcmp(how, "journal-ckpt") ||
	       !strcmp(how, "page-control") || !strcmp(how, "page-batch");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t stream(uint64_t run, unsigned t)
{
	return run * JW_MAX_THREADS + t;
}

static void data_path(const struct log *l, char *buf, size_t n)
{
	snprintf(buf, n, "%s/data", l->target);
}

static uint64_t checkpoints(const struct jw *w)
{
#ifdef SYNCMAP_JOURNAL
	struct syncmap_journal_stats s;

	if (w->journal && syncmap_journal_stats(w->m, &s, sizeof(s)) == 0)
		return s.checkpoints;
#endif
	(void)w;
	return 0;
}

/* Persist one record; the time goes to ckpt_ns as well if a checkpoint
 * happened while the call ran. */
static int persist(struct jw *w, void *p, size_t n)
{
	uint64_t c0 = checkpoints(w), t0 = now_ns(), t1;
	int r = syncmap_persist(w->m, p, n);

	t1 = now_ns();
	atomic_fetch_add(&w->persist_ns, t1 - t0);
	if (checkpoints(w) != c0)
		atomic_fetch_add(&w->ckpt_ns, t1 - t0);
	return r;
}

static void fail_call(const struct jw *w, unsigned t, const char *what, uint64_t id, int r)
{
	say("WORKLOAD %s/%u %s of %" PRIu64 " failed: %s (%s)", w->l->tag, t, what, id,
	    strerror(-r), syncmap_last_advice());
	_exit(1);
}

/* page-batch: JW_BATCH records per commit, acknowledged after it. */
static void *batch_writer(struct jw *w, unsigned t)
{
	uint64_t run = stream(w->l->run, t), id = 0;
	uint8_t *base = (uint8_t *)syncmap_addr(w->m) + (size_t)t * JW_REGION;
	struct syncmap_batch *b;
	size_t off = 0;
	int r = syncmap_batch_new(w->m, 0, &b);

	if (r)
		fail_call(w, t, "syncmap_batch_new", 0, r);
	for (;;) {
		uint64_t first = id;

		for (unsigned k = 0; k < JW_BATCH; k++, id++) {
			size_t stride = rec_stride(run, id);

			if (off + stride > JW_REGION)
				break;
			rec_fill(base + off, run, id);
			if ((r = syncmap_batch_add(b, base + off, stride)) != 0)
				fail_call(w, t, "syncmap_batch_add", id, r);
			off += stride;
		}
		if ((r = syncmap_batch_commit(b)) != 0)
			fail_call(w, t, "syncmap_batch_commit", first, r);
		for (uint64_t k = first; k < id; k++)
			say("ACK %s/%u %" PRIu64, w->l->tag, t, k);
		if (!atomic_exchange(&w->readied, true))
			ready(w->ready_path);
		if (id - first < JW_BATCH) {
			say("WORKLOAD %s/%u idle: region full", w->l->tag, t);
			for (;;)
				pause();
		}
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct jw_thread *jt = arg;
	struct jw *w = jt->w;
	uint64_t run = stream(w->l->run, jt->t);
	uint8_t *base = (uint8_t *)syncmap_addr(w->m) + (size_t)jt->t * JW_REGION;
	size_t off = 0;

	if (w->batch)
		return batch_writer(w, jt->t);
	for (uint64_t id = 0;; id++) {
		size_t stride = rec_stride(run, id);
		int r;

		if (off + stride > JW_REGION) {
			say("WORKLOAD %s/%u idle: region full", w->l->tag, jt->t);
			for (;;)
				pause();
		}
		rec_fill(base + off, run, id);
		if (!w->control || id == 0) {
			r = persist(w, base + off, stride);
			if (r)
				fail_call(w, jt->t, "persist", id, r);
		}
		say("ACK %s/%u %" PRIu64, w->l->tag, jt->t, id);
		if (!atomic_exchange(&w->readied, true))
			ready(w->ready_path);
		off += stride;
	}
	return NULL;
}

static void report_stats(struct jw *w)
{
#ifdef SYNCMAP_JOURNAL
	struct syncmap_journal_stats s;
	uint64_t p = atomic_load(&w->persist_ns);

	if (!w->journal || syncmap_journal_stats(w->m, &s, sizeof(s)))
		return;
	say("JSTAT %s persists=%" PRIu64 " writes=%" PRIu64 " checkpoints=%" PRIu64
	    " ckpt_share=%.3f", w->l->tag, s.persists, s.writes, s.checkpoints,
	    p ? (double)atomic_load(&w->ckpt_ns) / (double)p : 0.0);
#else
	(void)w;
#endif
}

static int open_data(struct jw *w, const char *how)
{
	unsigned flags = SYNCMAP_CREATE | SYNCMAP_EXCL;
	char path[4096];
	int r;

	data_path(w->l, path, sizeof(path));
	if (w->journal) {
#ifdef SYNCMAP_JOURNAL
		flags |= SYNCMAP_JOURNAL;
#else
		say("WORKLOAD %s: this libsyncmap has no SYNCMAP_JOURNAL", w->l->tag);
		return -ENOTSUP;
#endif
	}
	if (!strcmp(how, "journal-ckpt"))
		setenv("SYNCMAP_JOURNAL_SIZE", JW_CKPT_JOURNAL, 1);
	r = syncmap_open(path, flags, 0644, (uint64_t)JW_THREADS * JW_REGION, &w->m);
	unsetenv("SYNCMAP_JOURNAL_SIZE");
	if (r) {
		say("WORKLOAD %s open failed: %s (%s)", w->l->tag, strerror(-r),
		    syncmap_last_advice());
		return r;
	}
	say("WORKLOAD %s run=%" PRIu64 " %s threads=%u granularity=%s cause=%s%s batch=%u",
	    w->l->tag, w->l->run, how, JW_THREADS,
	    syncmap_granularity_name(syncmap_granularity(w->m)),
	    syncmap_cause_name(syncmap_cause(w->m)),
	    w->control ? " (the control: no persist after each region's first record)" : "",
	    w->batch ? JW_BATCH : 0);
#ifdef SYNCMAP_JOURNAL
	if (w->journal && syncmap_path(w->m) != SYNCMAP_PATH_JOURNAL) {
		say("WORKLOAD %s is on the %s path, not the journal's: %s", w->l->tag,
		    syncmap_path_name(syncmap_path(w->m)), syncmap_advice(w->m));
		return -ENOTSUP;
	}
#endif
	return 0;
}

int jw_write(const struct log *l, const char *how, const char *ready_path)
{
	static struct jw w;
	struct jw_thread jt[JW_THREADS];
	pthread_t th[JW_THREADS];

	w.l = l;
	w.ready_path = ready_path;
	w.control = !strcmp(how, "page-control");
	w.batch = !strcmp(how, "page-batch");
	w.journal = !w.control && !w.batch;
	if (open_data(&w, how))
		return 1;
	for (unsigned t = 0; t < JW_THREADS; t++) {
		jt[t] = (struct jw_thread){ .w = &w, .t = t };
		if (pthread_create(&th[t], NULL, writer, &jt[t])) {
			say("WORKLOAD %s: pthread_create failed", l->tag);
			return 1;
		}
	}
	/* Until the cut. */
	for (;;) {
		sleep(1);
		report_stats(&w);
	}
	return 0;
}

/* ---- after the cut */

struct jw_tally {
	uint64_t acked, recovered, lost;
	unsigned torn, threads;
	/* Per thread: "recovered/acked" and what stopped the scan (empty,
	 * torn, or the end of the region), for a failure's reader. */
	char each[JW_MAX_THREADS * 96];
};

static unsigned parse_acked(const char *s, uint64_t *n)
{
	unsigned k = 0;

	while (*s && k < JW_MAX_THREADS) {
		char *end;

		n[k++] = strtoull(s, &end, 10);
		if (end == s)
			break;
		s = *end == ',' ? end + 1 : end;
	}
	return k;
}

/* After a bad record, how many of the acknowledged ones that follow are
 * whole: all of them says one page was lost, none a lost tail. */
static uint64_t whole_after(const uint8_t *region, size_t off, uint64_t run, uint64_t bad,
			    uint64_t acked)
{
	uint64_t whole = 0;

	off += rec_stride(run, bad);
	for (uint64_t id = bad + 1; id < acked; id++) {
		size_t stride = rec_stride(run, id);

		if (off + stride > JW_REGION)
			break;
		whole += rec_check(region + off, JW_REGION - off, run, id) == REC_OK;
		off += stride;
	}
	return whole;
}

static void scan(const struct log *l, const uint8_t *base, size_t len, const uint64_t *acked,
		 unsigned threads, struct jw_tally *t)
{
	t->threads = threads;
	for (unsigned k = 0; k < threads; k++) {
		uint64_t run = stream(l->run, k), id = 0;
		size_t off = 0, start = (size_t)k * JW_REGION;
		enum rec_state s = REC_OK;

		for (;;) {
			size_t stride = rec_stride(run, id);

			if (start + JW_REGION > len || off + stride > JW_REGION)
				break;
			s = rec_check(base + start + off, JW_REGION - off, run, id);
			if (s != REC_OK) {
				t->torn += s == REC_TORN;
				break;
			}
			off += stride;
			id++;
		}
		snprintf(t->each + strlen(t->each), sizeof(t->each) - strlen(t->each),
			 "%s%" PRIu64 "/%" PRIu64 ":%s", k ? "," : "", id, acked[k],
			 s == REC_TORN ? "torn" : s == REC_EMPTY ? "empty" : "end");
		if (id < acked[k])
			snprintf(t->each + strlen(t->each), sizeof(t->each) - strlen(t->each),
				 "(+%" PRIu64 " whole after it, at offset %zu)",
				 whole_after(base + start, off, run, id, acked[k]), off);
		t->acked += acked[k];
		t->recovered += id < acked[k] ? id : acked[k];
		t->lost += id < acked[k] ? acked[k] - id : 0;
	}
}

/* The control is read with pread: what the file holds, nothing replayed. */
static int load(const char *path, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	*len = (size_t)JW_THREADS * JW_REGION;
	*buf = calloc(1, *len);
	n = *buf ? pread(fd, *buf, *len, 0) : -1;
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return -EIO;
	}
	return 0;
}

static int open_replay(const struct log *l, const char *path, struct syncmap **m,
		       uint64_t *replayed, double *ms)
{
#ifdef SYNCMAP_JOURNAL
	struct syncmap_journal_stats s;
#endif
	uint64_t t0;
	int r = -ENOTSUP;

	say("REPLAY-BEGIN %s", l->tag);
	t0 = now_ns();
#ifdef SYNCMAP_JOURNAL
	r = syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, m);
	*ms = (double)(now_ns() - t0) / 1e6;
	if (r == 0 && syncmap_journal_stats(*m, &s, sizeof(s)) == 0)
		*replayed = s.replayed;
#else
	(void)path;
	(void)m;
	*ms = (double)(now_ns() - t0) / 1e6;
#endif
	if (r == 0)
		say("REPLAY-END %s ms=%.1f replayed=%" PRIu64, l->tag, *ms, *replayed);
	return r;
}

int jw_verify(const struct log *l, const char *acked_list, const char *how)
{
	uint64_t acked[JW_MAX_THREADS] = { 0 }, replayed = 0;
	unsigned threads = parse_acked(acked_list, acked);
	bool control = !strcmp(how, "page-control"), pass;
	bool plain = control || !strcmp(how, "page-batch");
	struct jw_tally t = { 0 };
	struct syncmap *m = NULL;
	uint8_t *buf = NULL;
	char path[4096];
	size_t len = 0;
	double ms = 0;
	int r;

	data_path(l, path, sizeof(path));
	if (plain)
		r = load(path, &buf, &len);
	else if ((r = open_replay(l, path, &m, &replayed, &ms)) == 0)
		len = syncmap_length(m);
	if (r) {
		for (unsigned k = 0; k < threads; k++)
			t.acked += acked[k];
		say("RESULT powercut-%s-run%" PRIu64 " %s acked=%" PRIu64 " %s: %s (%s)", l->tag,
		    l->run, t.acked || control ? "FAIL" : "PASS", t.acked, path, strerror(-r),
		    plain ? "" : syncmap_last_advice());
		return t.acked ? 1 : 0;
	}
	scan(l, plain ? buf : (const uint8_t *)syncmap_addr(m), len, acked, threads, &t);
	if (m && (r = syncmap_close(m)) != 0)
		say("WORKLOAD %s: syncmap_close after the replay: %s", l->tag, strerror(-r));
	free(buf);
	/* The control's first records were persisted: it proves something
	 * only if it lost one of the others. */
	pass = control ? t.acked > t.threads && t.lost > 0 : t.acked > 0 && t.lost == 0 && !r;
	say("RESULT powercut-%s-run%" PRIu64 " %s acked=%" PRIu64 " recovered=%" PRIu64
	    " lost=%" PRIu64 " torn_rejected=%u threads=%u replayed=%" PRIu64 " replay_ms=%.1f"
	    " per_thread=%s%s",
	    l->tag, l->run, pass ? "PASS" : "FAIL", t.acked, t.recovered, t.lost, t.torn,
	    t.threads, replayed, ms, t.each,
	    control ? (pass ? " (the control lost acknowledged data, as it must)"
			    : " (the control kept everything: this cut proves nothing)")
		    : "");
	return pass ? 0 : 1;
}
