/* SPDX-License-Identifier: MIT */
/*
 * --journal: the journaled page path (SYNCMAP_JOURNAL) against what it
 * replaces and against what the disk itself can do, on 64 MiB files in
 * --dir, all in one run, interleaved like every other case:
 *
 *   persist     a 64 B line at a random place: the journal (1, 2 and 4
 *               threads), msync(MS_SYNC) of its page, libpmem2 at PAGE
 *               granularity, and a raw O_DSYNC pwrite of as many bytes as
 *               the journal writes per persist, appended to a file written
 *               beforehand (1, 2 and 4 threads: what the device does in
 *               parallel)
 *   batch       16 and 64 lines at random places: a journal batch, the
 *               page path's batch (SYNCMAP_FORBID_SYNC, no journal), and
 *               one raw O_DSYNC write of as many bytes as the journal
 *               writes per batch
 *   checkpoint  the 1-thread persist on a 64 KiB journal, which has to
 *               checkpoint every few hundred persists, against the same
 *               on the default journal, in samples long enough to hold
 *               checkpoints: what a checkpoint costs, per checkpoint and
 *               spread over the persists
 *
 * Every file is written in full and synced before it is mapped, so no
 * row measures block allocation or unwritten-extent conversion.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "report.h"

#ifdef SYNCMAP_JOURNAL

#define J_FILE_SIZE (64u << 20)
#define J_SMALL_JOURNAL "64K"
#define J_MAX_LINES 64u
#define J_SECTOR 512u

enum { JF_J1, JF_J2, JF_J4, JF_BATCH, JF_SMALL, JF_PAGE, JF_RAW, JF_N };

static const char *const jf_what[JF_N] = { "j1", "j2", "j4", "jbatch", "jsmall", "page", "raw" };

struct jbench {
	const struct bench_opts *o;
	char path[JF_N][4096];
	struct view v[JF_N];	/* libsyncmap's views; none for JF_RAW */
	struct view p2;		/* libpmem2 on the page file */
	int page_fd, raw_fd;
	struct syncmap_batch *jbatch, *pbatch;
	size_t wbytes_persist, wbytes_batch[2];
	void *buf;
};

static const unsigned batch_lines[2] = { 16, 64 };

/* ---- the operations */

/* xorshift64*: cheap, and each thread of each row has its own sequence. */
static inline uint64_t rnd(struct op *o)
{
	o->rng ^= o->rng >> 12;
	o->rng ^= o->rng << 25;
	o->rng ^= o->rng >> 27;
	return o->rng * 0x2545f4914f6cdd1dull;
}

static inline uint8_t *rnd_line(struct op *o)
{
	uint8_t *p = o->p + (rnd(o) % (o->span / BENCH_LINE)) * BENCH_LINE;

	*(volatile uint64_t *)p = o->rng;
	return p;
}

static void note(struct op *o, int r)
{
	if (r < 0 && o->err == 0)
		o->err = r;
}

static void j_persist(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		uint8_t *p = rnd_line(o);

		note(o, syncmap_persist(o->v->sm, p, BENCH_LINE));
	}
}

static void j_msync(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		uint8_t *p = rnd_line(o);
		void *page = (void *)((uintptr_t)p & ~(uintptr_t)(BENCH_PAGE - 1));

		note(o, msync(page, BENCH_PAGE, MS_SYNC) ? -errno : 0);
	}
}

static void j_pmem2(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		uint8_t *p = rnd_line(o);

		o->v->p2_persist(p, BENCH_LINE);
	}
}

/* A batch of o->lines lines; the journal's and the page path's alike. */
static void j_batch(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < o->lines; k++)
			note(o, syncmap_batch_add(o->batch, rnd_line(o), BENCH_LINE));
		note(o, syncmap_batch_commit(o->batch));
	}
}

/*
 * What the device does: one O_DSYNC write of o->wbytes into a file whose
 * blocks are all written already, each after the last (wrapping), as the
 * journal appends to its preallocated file.  (Writes at random places
 * cost this disk up to 1.5 times more: that would flatter the journal.)
 */
static void j_raw(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		uint64_t off = o->off + (o->rng++ % (o->span / o->wbytes)) * o->wbytes;
		ssize_t n = pwrite(o->fd, o->src, o->wbytes, (off_t)off);

		note(o, n == (ssize_t)o->wbytes ? 0 : n < 0 ? -errno : -EIO);
	}
}

/* ---- files */

static int fail(const char *what, const char *path, int r)
{
	fprintf(stderr, "syncmap-bench: %s %s: %s\n", what, path, strerror(-r));
	return r;
}

/* Write the whole file and sync it, so that its blocks exist and are
 * written before any case runs. */
static int prewrite(const char *path, const void *buf)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int r = 0;

	if (fd < 0)
		return fail("cannot create", path, -errno);
	for (size_t off = 0; off < J_FILE_SIZE && r == 0; off += 1u << 20)
		if (pwrite(fd, buf, 1u << 20, (off_t)off) != 1 << 20)
			r = -errno ? -errno : -EIO;
	if (r == 0 && fsync(fd))
		r = -errno;
	close(fd);
	return r < 0 ? fail("cannot write", path, r) : 0;
}

static int open_view(struct jbench *b, int k, unsigned flags)
{
	struct view *v = &b->v[k];
	int r;

	if (k == JF_SMALL)
		setenv("SYNCMAP_JOURNAL_SIZE", J_SMALL_JOURNAL, 1);
	r = syncmap_open(b->path[k], flags, 0, 0, &v->sm);
	if (k == JF_SMALL)
		unsetenv("SYNCMAP_JOURNAL_SIZE");
	if (r < 0) {
		fprintf(stderr, "syncmap-bench: syncmap_open %s: %s (%s)\n", b->path[k],
			strerror(-r), syncmap_last_advice());
		return r;
	}
	v->base = syncmap_addr(v->sm);
	if ((flags & SYNCMAP_JOURNAL) && syncmap_path(v->sm) != SYNCMAP_PATH_JOURNAL) {
		fprintf(stderr, "syncmap-bench: %s is not on the journal path but on %s: %s\n",
			b->path[k], syncmap_path_name(syncmap_path(v->sm)), syncmap_advice(v->sm));
		return -ENOTSUP;
	}
	return 0;
}

static int open_files(struct jbench *b)
{
	int r = 0;

	for (int k = 0; k < JF_N && r == 0; k++) {
		int n = snprintf(b->path[k], sizeof(b->path[k]), "%s/syncmap-bench-%s-%ld.dat",
				 b->o->dir, jf_what[k], (long)getpid());

		r = n < 0 || (size_t)n >= sizeof(b->path[k]) ? -ENAMETOOLONG
							     : prewrite(b->path[k], b->buf);
		if (r < 0)
			b->path[k][0] = 0;
	}
	for (int k = JF_J1; k <= JF_SMALL && r == 0; k++)
		r = open_view(b, k, SYNCMAP_JOURNAL | SYNCMAP_FORBID_SYNC);
	if (r == 0)
		r = open_view(b, JF_PAGE, SYNCMAP_FORBID_SYNC);
	if (r == 0 && (b->page_fd = open(b->path[JF_PAGE], O_RDWR | O_CLOEXEC)) < 0)
		r = -errno;
	if (r == 0)
		r = bench_pmem2_page(&b->p2, b->page_fd);
	if (r == 0 && (b->raw_fd = open(b->path[JF_RAW], O_RDWR | O_DSYNC | O_CLOEXEC)) < 0)
		r = fail("cannot open", b->path[JF_RAW], -errno);
	if (r == 0 && (r = syncmap_batch_new(b->v[JF_BATCH].sm, J_MAX_LINES, &b->jbatch)) == 0)
		r = syncmap_batch_new(b->v[JF_PAGE].sm, J_MAX_LINES, &b->pbatch);
	return r;
}

static void close_files(struct jbench *b)
{
	char side[4096 + 32];

	syncmap_batch_free(b->jbatch);
	syncmap_batch_free(b->pbatch);
	bench_view_close(&b->p2);
	for (int k = 0; k < JF_N; k++)
		bench_view_close(&b->v[k]);
	if (b->page_fd >= 0)
		close(b->page_fd);
	if (b->raw_fd >= 0)
		close(b->raw_fd);
	/* Only now: the library may still use a journal's path at close. */
	for (int k = 0; k < JF_N; k++) {
		if (!b->path[k][0])
			continue;
		unlink(b->path[k]);
		snprintf(side, sizeof(side), "%s.syncmap-journal", b->path[k]);
		unlink(side);
	}
}

static int jstats(const struct view *v, struct syncmap_journal_stats *s)
{
	int r = syncmap_journal_stats(v->sm, s, sizeof(*s));

	if (r < 0)
		fprintf(stderr, "syncmap-bench: syncmap_journal_stats: %s (%s)\n", strerror(-r),
			syncmap_last_advice());
	return r;
}

/*
 * Bytes the journal writes per durable write, from its own statistics
 * over a few untimed operations, rounded up to whole sectors: the raw
 * rows write exactly that much.
 */
static int journal_write_size(struct jbench *b, struct op *o, op_fn fn, size_t *out)
{
	struct syncmap_journal_stats s0, s1;
	int r = jstats(o->v, &s0);

	if (r == 0) {
		fn(o, 32);
		r = o->err ? o->err : jstats(o->v, &s1);
	}
	if (r < 0)
		return r;
	*out = J_SECTOR;
	if (s1.writes > s0.writes) {
		uint64_t per = (s1.bytes - s0.bytes) / (s1.writes - s0.writes);

		per = (per + J_SECTOR - 1) / J_SECTOR * J_SECTOR;
		*out = per ? (size_t)per : J_SECTOR;
	}
	if (*out > (1u << 20))
		*out = 1u << 20;
	(void)b;
	return 0;
}

/* ---- the cases */

static struct entry *add(struct bench_case *c, const char *impl, const char *mode,
			 unsigned threads, op_fn fn, const struct view *v)
{
	struct entry *e = bench_case_add(c, impl, mode, threads, fn);

	for (unsigned t = 0; e && t < threads; t++) {
		struct op *o = &e->ops[t];

		o->v = v;
		o->span = J_FILE_SIZE / threads;
		o->p = v ? v->base + t * o->span : NULL;
		o->off = (uint64_t)t * o->span;
		o->size = c->size;
		o->fd = -1;
		o->rng = 0x9e3779b97f4a7c15ull * (c->n * 8 + t + 1);
	}
	return e;
}

static struct entry *add_raw(struct bench_case *c, struct jbench *b, const char *mode,
			     unsigned threads, size_t wbytes)
{
	struct entry *e = add(c, "raw", mode, threads, j_raw, NULL);

	for (unsigned t = 0; e && t < threads; t++) {
		e->ops[t].fd = b->raw_fd;
		e->ops[t].wbytes = wbytes;
		e->ops[t].src = b->buf;
	}
	return e;
}

static int run(struct jbench *b, struct bench_case *c, unsigned longer)
{
	int r = bench_run_case(c, b->o->reps_journal, b->o->sample_ns_journal * longer);

	if (r == 0)
		report_keep(c, b->o->json);
	return r;
}

static int case_persist(struct jbench *b)
{
	static const unsigned th[] = { 1, 2, 4 };
	struct bench_case c = { .bench = "journal", .path = "journal", .size = BENCH_LINE,
				.durable = true };
	struct entry *e;

	for (size_t i = 0; i < 3; i++)
		add(&c, "syncmap", NULL, th[i], j_persist, &b->v[JF_J1 + i]);
	add(&c, "msync", NULL, 1, j_msync, &b->v[JF_PAGE]);
	add(&c, "libpmem2", NULL, 1, j_pmem2, &b->p2);
	for (size_t i = 0; i < 3; i++)
		e = add_raw(&c, b, NULL, th[i], b->wbytes_persist);
	return e ? run(b, &c, 1) : -ENOSPC;
}

/* A 64 KiB journal checkpoints every few hundred persists: samples a
 * dozen times longer than the other cases' hold some. */
static int case_checkpoint(struct jbench *b)
{
	struct bench_case c = { .bench = "journal", .path = "checkpoint", .size = BENCH_LINE,
				.durable = true };

	add(&c, "syncmap", NULL, 1, j_persist, &b->v[JF_J1]);
	if (!add(&c, "syncmap", "small_journal", 1, j_persist, &b->v[JF_SMALL]))
		return -ENOSPC;
	return run(b, &c, 12);
}

static int case_batch(struct jbench *b, unsigned i)
{
	struct bench_case c = { .bench = "journal", .path = "journal",
				.size = batch_lines[i] * BENCH_LINE, .durable = true };
	struct entry *e[2];

	e[0] = add(&c, "syncmap", "batch", 1, j_batch, &b->v[JF_BATCH]);
	e[1] = add(&c, "page", "batch", 1, j_batch, &b->v[JF_PAGE]);
	add_raw(&c, b, "batch", 1, b->wbytes_batch[i]);
	e[0]->ops[0].batch = b->jbatch;
	e[1]->ops[0].batch = b->pbatch;
	e[0]->ops[0].lines = e[1]->ops[0].lines = batch_lines[i];
	return run(b, &c, 1);
}

/* ---- the report */

static const struct result *row(const char *impl, const char *mode, size_t size,
				unsigned threads)
{
	return report_find("journal", "journal", impl, mode, size, threads);
}

static double rt(const struct result *a, const struct result *b)
{
	return a && b ? report_ratio(a, b, NULL) : 0;
}

static void header(const struct jbench *b)
{
	const char *js = getenv("SYNCMAP_JOURNAL_SIZE");
	struct utsname u;
	char cpu[256];

	bench_cpu_model(cpu, sizeof(cpu));
	uname(&u);
	if (b->o->json) {
		printf("{\"machine\":{\"cpu\":\"%s\",\"nproc\":%ld,\"kernel\":\"%s\"},"
		       "\"libsyncmap\":\"%s\",\"journal_dir\":\"%s\",\"file_size\":%u,"
		       "\"raw_write_bytes\":%zu,\"raw_batch_write_bytes\":[%zu,%zu],"
		       "\"journal_size\":\"%s\",\"small_journal_size\":\"%s\",\"quick\":%s}\n",
		       cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release, syncmap_version(), b->o->dir,
		       J_FILE_SIZE, b->wbytes_persist, b->wbytes_batch[0], b->wbytes_batch[1],
		       js ? js : "default", J_SMALL_JOURNAL, b->o->quick ? "true" : "false");
		return;
	}
	printf("syncmap-bench --journal, libsyncmap %s: %s, %ld CPUs, Linux %s%s\n",
	       syncmap_version(), cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release,
	       b->o->quick ? " (--quick)" : "");
	printf("64 MiB files in %s, each written in full and synced first; journal size %s\n",
	       b->o->dir, js ? js : "default");
	printf("journal file: %s path, %s granularity\n  %s\n",
	       syncmap_path_name(syncmap_path(b->v[JF_J1].sm)),
	       syncmap_granularity_name(syncmap_granularity(b->v[JF_J1].sm)),
	       syncmap_advice(b->v[JF_J1].sm));
	printf("page file: %s path; libpmem2 on it at PAGE granularity (libpmem2 is linked)\n",
	       syncmap_path_name(syncmap_path(b->v[JF_PAGE].sm)));
	printf("raw: O_DSYNC pwrite of what the journal writes (syncmap_journal_stats): %zu B "
	       "per persist, %zu and %zu B per batch of %u and %u lines\n",
	       b->wbytes_persist, b->wbytes_batch[0], b->wbytes_batch[1], batch_lines[0],
	       batch_lines[1]);
}

static void print_persist(void)
{
	static const struct { const char *impl, *mode, *what; unsigned th; } rows[] = {
		{ "syncmap", NULL, "journal", 1 }, { "msync", NULL, "msync of the page", 1 },
		{ "libpmem2", NULL, "libpmem2 PAGE", 1 }, { "raw", NULL, "raw O_DSYNC", 1 },
		{ "syncmap", NULL, "journal", 2 }, { "syncmap", NULL, "journal", 4 },
		{ "raw", NULL, "raw O_DSYNC", 2 }, { "raw", NULL, "raw O_DSYNC", 4 },
	};
	const struct result *j1 = row("syncmap", NULL, BENCH_LINE, 1);

	printf("\n== journal: one 64 B line at a random place, persisted ==\n");
	printf("%-22s %3s %12s %12s   | ratios: the other's time over the journal's "
	       "(1 thread); throughput over 1 thread\n", "impl", "thr", "ns per op", "ops/s");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct result *r = row(rows[i].impl, rows[i].mode, BENCH_LINE, rows[i].th);
		const struct result *one = row(rows[i].impl, rows[i].mode, BENCH_LINE, 1);

		if (!r)
			continue;
		printf("%-22s %3u %12.0f %12.0f   |", rows[i].what, r->threads, r->ns,
		       r->ns > 0 ? 1e9 / r->ns : 0);
		if (r->threads == 1 && r != j1)
			printf(" %.2f x the journal's time", rt(r, j1));
		if (r->threads > 1)
			printf(" throughput %.2f x 1 thread", rt(one, r));
		printf("\n");
	}
}

static void print_batch(void)
{
	printf("\n== journal: batches of lines at random places, one commit ==\n");
	printf("%6s %12s %12s %12s   | %s\n", "lines", "journal", "page batch", "raw O_DSYNC",
	       "ns per batch; page/journal, journal/raw");
	for (unsigned i = 0; i < 2; i++) {
		size_t size = batch_lines[i] * BENCH_LINE;
		const struct result *j = row("syncmap", "batch", size, 1);
		const struct result *p = row("page", "batch", size, 1);
		const struct result *w = row("raw", "batch", size, 1);

		if (!j || !p || !w)
			continue;
		printf("%6u %12.0f %12.0f %12.0f   | page/journal %.2f  journal/raw %.2f\n",
		       batch_lines[i], j->ns, p->ns, w->ns, rt(p, j), rt(j, w));
	}
}

/* Average group commit: persists served per durable journal write. */
static int print_groups(struct jbench *b)
{
	bool json = b->o->json;

	if (!json)
		printf("\n== journal: group commit (syncmap_journal_stats over the whole run) ==\n");
	for (int k = JF_J1; k <= JF_J4; k++) {
		struct syncmap_journal_stats s;
		unsigned th = 1u << (k - JF_J1);
		double g;

		if (jstats(&b->v[k], &s) < 0)
			return -EIO;
		g = s.writes ? (double)s.persists / (double)s.writes : 0;
		if (json)
			printf("{\"journal_group\":{\"threads\":%u,\"persists\":%llu,\"writes\":%llu,"
			       "\"bytes\":%llu,\"checkpoints\":%llu,\"avg_group\":%.3f}}\n", th,
			       (unsigned long long)s.persists, (unsigned long long)s.writes,
			       (unsigned long long)s.bytes, (unsigned long long)s.checkpoints, g);
		else
			printf("%u thread%s: %llu persists in %llu writes, average group %.2f, "
			       "%llu checkpoints\n", th, th > 1 ? "s" : " ",
			       (unsigned long long)s.persists, (unsigned long long)s.writes, g,
			       (unsigned long long)s.checkpoints);
	}
	return 0;
}

/*
 * The small journal's persists cost what the default journal's do plus
 * the checkpoints among them: the extra time per persist (the median of
 * the per-repetition ratios, times the default journal's median), times
 * persists per checkpoint from the statistics, is one checkpoint.
 */
static int print_checkpoint(struct jbench *b)
{
	const struct result *big = report_find("journal", "checkpoint", "syncmap", NULL,
					       BENCH_LINE, 1);
	const struct result *small = report_find("journal", "checkpoint", "syncmap",
						 "small_journal", BENCH_LINE, 1);
	struct syncmap_journal_stats s;
	double extra, per_ckpt, every;

	if (!big || !small || jstats(&b->v[JF_SMALL], &s) < 0)
		return -EIO;
	extra = big->ns * (rt(small, big) - 1);
	every = s.checkpoints ? (double)s.persists / (double)s.checkpoints : 0;
	per_ckpt = every > 0 ? extra * every : 0;
	if (b->o->json) {
		printf("{\"journal_checkpoint\":{\"journal_size\":\"%s\",\"persists\":%llu,"
		       "\"checkpoints\":%llu,\"persists_per_checkpoint\":%.1f,"
		       "\"ns_per_persist\":%.1f,\"ns_per_persist_without\":%.1f,"
		       "\"ns_per_checkpoint\":%.1f,\"ns_amortized_per_persist\":%.1f}}\n",
		       J_SMALL_JOURNAL, (unsigned long long)s.persists,
		       (unsigned long long)s.checkpoints, every, small->ns, big->ns, per_ckpt,
		       extra);
		return 0;
	}
	printf("\n== journal: checkpoints (a %s journal; 1 thread, 64 B persists) ==\n",
	       J_SMALL_JOURNAL);
	printf("%llu checkpoints in %llu persists (one per %.0f persists); a persist costs "
	       "%.0f ns there, %.0f ns on the default journal (medians)\n",
	       (unsigned long long)s.checkpoints, (unsigned long long)s.persists, every,
	       small->ns, big->ns);
	if (s.checkpoints)
		printf("checkpoint: %.0f ns each, %.0f ns amortized per persist\n", per_ckpt, extra);
	else
		printf("checkpoint: none happened, nothing to measure\n");
	return 0;
}

/*
 * What the disk allows: a journal persist is at least one O_DSYNC write,
 * so it can gain over msync at most what msync costs over that write, and
 * a journal batch at most what the page batch costs over its one write.
 */
static void print_device(bool json)
{
	const struct result *ms = row("msync", NULL, BENCH_LINE, 1);
	const struct result *w1 = row("raw", NULL, BENCH_LINE, 1);
	const struct result *w2 = row("raw", NULL, BENCH_LINE, 2);
	const struct result *w4 = row("raw", NULL, BENCH_LINE, 4);
	double lim[2], m = rt(ms, w1);

	for (unsigned i = 0; i < 2; i++)
		lim[i] = rt(row("page", "batch", batch_lines[i] * BENCH_LINE, 1),
			    row("raw", "batch", batch_lines[i] * BENCH_LINE, 1));
	if (json) {
		printf("{\"journal_device\":{\"msync_over_raw\":%.3f,\"page_batch16_over_raw\":%.3f,"
		       "\"page_batch64_over_raw\":%.3f,\"raw_2_threads\":%.3f,"
		       "\"raw_4_threads\":%.3f}}\n", m, lim[0], lim[1], rt(w1, w2), rt(w1, w4));
		return;
	}
	printf("\n== what this device allows (raw O_DSYNC writes of the journal's bytes) ==\n");
	printf("msync of a page costs %.2f x a raw O_DSYNC write: a journal persist, at least "
	       "one such write,\n  can be at most %.2f x faster than msync%s\n", m, m,
	       m < 2.0 ? " -- the >= 2 x target would need the journal faster than the "
			 "device's own write" : "");
	for (unsigned i = 0; i < 2; i++)
		printf("a page batch of %u lines costs %.2f x one raw write of the journal's batch: "
		       "the most a journal batch can gain%s\n", batch_lines[i], lim[i],
		       lim[i] < (i ? 10.0 : 8.0) ? " (below the target)" : "");
	printf("raw O_DSYNC writes from 2 and 4 threads: %.2f x and %.2f x the throughput of 1 "
	       "(group commit can do better: many persists per write)\n", rt(w1, w2), rt(w1, w4));
}

static int run_all(struct jbench *b)
{
	struct op o = { 0 };
	int r;

	o.v = &b->v[JF_J1];
	o.p = b->v[JF_J1].base;
	o.span = J_FILE_SIZE;
	o.rng = 1;
	r = journal_write_size(b, &o, j_persist, &b->wbytes_persist);
	for (unsigned i = 0; i < 2 && r == 0; i++) {
		o = (struct op){ .v = &b->v[JF_BATCH], .p = b->v[JF_BATCH].base,
				 .span = J_FILE_SIZE, .rng = 2, .batch = b->jbatch,
				 .lines = batch_lines[i] };
		r = journal_write_size(b, &o, j_batch, &b->wbytes_batch[i]);
	}
	if (r < 0)
		return r;
	header(b);
	r = case_persist(b);
	for (unsigned i = 0; i < 2 && r == 0; i++)
		r = case_batch(b, i);
	if (r == 0)
		r = case_checkpoint(b);
	if (r < 0)
		return r;
	if (!b->o->json) {
		print_persist();
		print_batch();
	}
	if ((r = print_groups(b)) == 0 && (r = print_checkpoint(b)) == 0) {
		report_targets(b->o->json);
		print_device(b->o->json);
	}
	return r;
}

int bench_journal(const struct bench_opts *o)
{
	struct jbench b = { .o = o, .page_fd = -1, .raw_fd = -1 };
	int r;

	b.buf = aligned_alloc(4096, 1u << 20);
	if (!b.buf)
		return -ENOMEM;
	for (size_t i = 0; i < (1u << 20); i++)
		((uint8_t *)b.buf)[i] = (uint8_t)(i * 131u + 7u);
	r = open_files(&b);
	if (r == 0)
		r = bench_pool_start();
	if (r == 0)
		r = run_all(&b);
	bench_pool_stop();
	close_files(&b);
	free(b.buf);
	return r;
}

#else

int bench_journal(const struct bench_opts *o)
{
	(void)o;
	fprintf(stderr, "syncmap-bench: this libsyncmap has no journaled page path "
			"(SYNCMAP_JOURNAL is not in syncmap.h)\n");
	return -ENOTSUP;
}

#endif
