/* SPDX-License-Identifier: MIT */
/*
 * --grow: what syncmap_grow() costs next to the system calls it needs.
 * On files in --dir, interleaved, median of the rounds, for steps of
 * 1 MiB, 64 MiB and 1 GiB (--quick: 1 MiB and 64 MiB):
 *
 *   raw     fallocate of the new range, then mmap(MAP_SHARED | MAP_FIXED)
 *           of it over a PROT_NONE reservation: the baseline, the least a
 *           grow in place can do on the page and journal paths (MAP_SYNC
 *           adds MAP_SHARED_VALIDATE | MAP_SYNC and nothing else)
 *   raw+fstat  the same after an fstat: what a grow must also learn to
 *           give the old size back when the allocation fails
 *   grow    syncmap_grow() by the same step, on a mapping opened with
 *           syncmap_open_reserve() (page path, SYNCMAP_FORBID_SYNC)
 *
 * Each round starts both from a fresh 1 MiB file, so no step sees
 * another's extents, and which goes first alternates.  Then the append rows: 64-byte records persisted one
 * by one into a mapping sized in advance ("sized"), and into one that
 * starts at 1 MiB and grows by 1 MiB whenever the next record would not
 * fit ("growing"), for the same number of records: the rate of each.  The
 * append rows run in --cpu-dir (tmpfs by default), where a persist is
 * cheap, so that what a grow adds is not lost in a disk's flush time.
 * Last, persists of one line of the first MiB before and after a 64 MiB
 * grow of the same mapping (also in --cpu-dir): a grow leaves them as
 * they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define G_BASE ((uint64_t)1 << 20)
#define G_STEPS 3
#define G_REC 64u

static const uint64_t g_step[G_STEPS] = { (uint64_t)1 << 20, (uint64_t)64 << 20,
					  (uint64_t)1 << 30 };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *col, unsigned n)
{
	qsort(col, n, sizeof(*col), cmp_u64);
	return (double)col[n / 2] / 1e3;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "syncmap-bench --grow: %s: %s (%s)\n", what, strerror(-r),
		syncmap_last_advice());
	return r;
}

/* One raw grow by step of a fresh G_BASE-byte file: its nanoseconds.
 * With stat, an fstat first: what a grow that can give the old size back
 * after a failed allocation must learn. */
static int raw_round(const char *path, uint64_t step, bool stat, uint64_t *ns)
{
	size_t total = (size_t)(G_BASE + step);
	void *res = MAP_FAILED, *p;
	int fd, r = 0;
	uint64_t t0;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fallocate(fd, 0, 0, (off_t)G_BASE) < 0)
		r = -errno;
	if (r == 0)
		res = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == 0 && (res == MAP_FAILED ||
		       mmap(res, G_BASE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		       MAP_FAILED))
		r = -errno;
	if (r == 0) {
		struct stat st;

		t0 = bench_now_ns();
		if (stat && fstat(fd, &st) < 0)
			r = -errno;
		if (r == 0 && fallocate(fd, 0, (off_t)G_BASE, (off_t)step) < 0)
			r = -errno;
		p = r ? MAP_FAILED : mmap((uint8_t *)res + G_BASE, (size_t)step,
					  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
					  (off_t)G_BASE);
		*ns = bench_now_ns() - t0;
		if (r == 0 && p == MAP_FAILED)
			r = -errno;
	}
	if (res != MAP_FAILED)
		munmap(res, total);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return r ? fail("raw fallocate + mmap", r) : 0;
}

static int lib_round(const char *path, uint64_t step, uint64_t *ns)
{
	struct syncmap *m;
	uint64_t t0;
	int r;

	unlink(path);
	r = syncmap_open_reserve(path, SYNCMAP_CREATE | SYNCMAP_FORBID_SYNC, 0600, G_BASE,
				 G_BASE + step, &m);
	if (r)
		return fail("open", r);
	t0 = bench_now_ns();
	r = syncmap_grow(m, G_BASE + step, 0);
	*ns = bench_now_ns() - t0;
	syncmap_close(m);
	unlink(path);
	return r ? fail("grow", r) : 0;
}

/* n records of G_REC bytes appended and persisted one by one. */
static int append(const char *path, uint64_t n, bool growing, uint64_t *ns)
{
	uint64_t size = growing ? G_BASE : n * G_REC, t0;
	struct syncmap *m;
	uint8_t *base;
	int r;

	unlink(path);
	r = syncmap_open_reserve(path, SYNCMAP_CREATE | SYNCMAP_FORBID_SYNC, 0600, size,
				 n * G_REC + G_BASE, &m);
	if (r)
		return fail("open for appends", r);
	base = syncmap_addr(m);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n && r == 0; i++) {
		if ((i + 1) * G_REC > syncmap_length(m))
			r = syncmap_grow(m, syncmap_length(m) + G_BASE, 0);
		memset(base + i * G_REC, (int)i, G_REC);
		if (r == 0)
			r = syncmap_persist(m, base + i * G_REC, G_REC);
	}
	*ns = bench_now_ns() - t0;
	syncmap_close(m);
	unlink(path);
	return r ? fail("append", r) : 0;
}

/* Persists of one line of the first MiB, before and after a 64 MiB grow:
 * the median nanoseconds of each, over G_PERSISTS persists. */
#define G_PERSISTS 2001u

static int persist_median(struct syncmap *m, uint64_t *out)
{
	static uint64_t ns[G_PERSISTS];
	uint8_t *p = syncmap_addr(m);
	int r = 0;

	for (unsigned i = 0; i < G_PERSISTS && r == 0; i++) {
		uint64_t t0;

		p[(i % 64) * G_REC] = (uint8_t)i;
		t0 = bench_now_ns();
		r = syncmap_persist(m, p + (i % 64) * G_REC, G_REC);
		ns[i] = bench_now_ns() - t0;
	}
	qsort(ns, G_PERSISTS, sizeof(ns[0]), cmp_u64);
	*out = ns[G_PERSISTS / 2];
	return r;
}

static int persist_rows(const char *path, uint64_t out[2])
{
	struct syncmap *m;
	int r;

	unlink(path);
	r = syncmap_open_reserve(path, SYNCMAP_CREATE | SYNCMAP_FORBID_SYNC, 0600, G_BASE,
				 G_BASE + ((uint64_t)64 << 20), &m);
	if (r)
		return fail("open for persists", r);
	r = persist_median(m, &out[0]);
	if (r == 0)
		r = syncmap_grow(m, G_BASE + ((uint64_t)64 << 20), 0);
	if (r == 0)
		r = persist_median(m, &out[1]);
	syncmap_close(m);
	unlink(path);
	return r ? fail("persists around a grow", r) : 0;
}

static void report_persists(const uint64_t p[2], bool json)
{
	if (json)
		printf("{\"case\":\"grow-persist\",\"before_ns\":%llu,\"after_ns\":%llu,"
		       "\"ratio\":%.3f}\n", (unsigned long long)p[0], (unsigned long long)p[1],
		       (double)p[1] / (double)p[0]);
	else
		printf("persist of a line in the first MiB, median of %u: before a 64 MiB grow "
		       "%llu ns, after it %llu ns, ratio %.3f\n", G_PERSISTS,
		       (unsigned long long)p[0], (unsigned long long)p[1],
		       (double)p[1] / (double)p[0]);
}

static void report(unsigned rounds, int steps, uint64_t *t, uint64_t recs, uint64_t *a,
		   unsigned arounds, bool json)
{
	if (!json)
		printf("syncmap-bench --grow: median of %u rounds, interleaved, microseconds\n"
		       "%-10s %10s %12s %10s %8s %10s\n", rounds, "step", "raw", "raw+fstat", "grow",
		       "ratio", "ratio+fstat");
	for (int s = 0; s < steps; s++) {
		double raw = median_us(&t[(size_t)(3 * s) * rounds], rounds);
		double rst = median_us(&t[(size_t)(3 * s + 1) * rounds], rounds);
		double lib = median_us(&t[(size_t)(3 * s + 2) * rounds], rounds);

		if (json)
			printf("{\"case\":\"grow\",\"step_mib\":%llu,\"raw_us\":%.1f,"
			       "\"raw_fstat_us\":%.1f,\"grow_us\":%.1f,\"ratio\":%.3f,"
			       "\"ratio_fstat\":%.3f}\n", (unsigned long long)(g_step[s] >> 20), raw,
			       rst, lib, lib / raw, lib / rst);
		else
			printf("%-7llu MiB %10.1f %12.1f %10.1f %8.3f %10.3f\n",
			       (unsigned long long)(g_step[s] >> 20), raw, rst, lib, lib / raw,
			       lib / rst);
	}
	{
		double sized = median_us(a, arounds), grown = median_us(a + arounds, arounds);
		double rs = (double)recs / (sized / 1e6), rg = (double)recs / (grown / 1e6);

		if (json)
			printf("{\"case\":\"grow-append\",\"records\":%llu,\"sized_per_s\":%.0f,"
			       "\"growing_per_s\":%.0f,\"ratio\":%.3f}\n", (unsigned long long)recs,
			       rs, rg, rg / rs);
		else
			printf("append %llu x %u B, persisted each: sized %.0f/s, growing by 1 MiB "
			       "%.0f/s, ratio %.3f\n", (unsigned long long)recs, G_REC, rs, rg, rg / rs);
	}
}

int bench_grow(const struct bench_opts *o)
{
	unsigned rounds = o->quick ? 3 : 15, arounds = o->quick ? 1 : 5;
	int steps = o->quick ? 2 : G_STEPS;
	uint64_t recs = o->quick ? 20000 : 100000, *a = calloc(2 * (size_t)arounds, 8);
	uint64_t *t = calloc((size_t)rounds * 3 * G_STEPS, sizeof(*t));
	uint64_t pr[2] = { 0, 0 };
	char path[4096];
	int r = t && a ? 0 : -ENOMEM;

	snprintf(path, sizeof(path), "%s/syncmap-bench-grow.%ld", o->dir, (long)getpid());
	/* Which of the two goes first alternates from round to round: the
	 * file system may still be freeing the extents of the one before. */
	for (unsigned i = 0; i < rounds && r == 0; i++)
		for (int s = 0; s < steps && r == 0; s++) {
			uint64_t *raw = &t[(size_t)(3 * s) * rounds + i];
			uint64_t *rst = &t[(size_t)(3 * s + 1) * rounds + i];
			uint64_t *lib = &t[(size_t)(3 * s + 2) * rounds + i];

			r = i % 2 ? lib_round(path, g_step[s], lib) :
				    raw_round(path, g_step[s], false, raw);
			if (r == 0)
				r = raw_round(path, g_step[s], true, rst);
			if (r == 0)
				r = i % 2 ? raw_round(path, g_step[s], false, raw) :
					    lib_round(path, g_step[s], lib);
		}
	snprintf(path, sizeof(path), "%s/syncmap-bench-grow.%ld", o->cpu_dir, (long)getpid());
	for (unsigned i = 0; i < arounds && r == 0; i++) {
		r = append(path, recs, false, &a[i]);
		if (r == 0)
			r = append(path, recs, true, &a[arounds + i]);
	}
	if (r == 0)
		r = persist_rows(path, pr);
	if (r == 0) {
		report(rounds, steps, t, recs, a, arounds, o->json);
		report_persists(pr, o->json);
	}
	free(t);
	free(a);
	return r;
}
