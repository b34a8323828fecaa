/* SPDX-License-Identifier: MIT */
/*
 * --extend: what extending a journaled file costs, and what syncing the
 * new size would add.  On files in --dir (a real disk), interleaved,
 * median of the rounds:
 *
 *   same      a journaled open at the file's own size (no extension),
 *             then one persisted line, then close: the baseline
 *   extend    the same open 1 MiB larger (ftruncate + fallocate), a line
 *             persisted in the new range (its record carries the size),
 *             close: what the library does
 *   +sync     the same, plus an fdatasync of the data file right after
 *             the open: the other way to make the size durable (sync it
 *             once per extension), as it would cost
 *
 * Every row times the open, the persist and the close on their own; the
 * persist is where a size carried in the record would cost, the open
 * where a sync per extension would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#ifdef SYNCMAP_JOURNAL

#define X_BASE (1u << 20)
#define X_STEP (1u << 20)
#define X_LINE 64u

enum { XR_SAME, XR_EXTEND, XR_SYNC, XR_N };
enum { XT_OPEN, XT_SYNC, XT_PERSIST, XT_CLOSE, XT_N };

static const char *const xr_name[XR_N] = { "same", "extend", "+sync" };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int fail(const char *what, const char *path, int r)
{
	fprintf(stderr, "syncmap-bench --extend: %s %s: %s (%s)\n", what, path, strerror(-r),
		syncmap_last_advice());
	return r;
}

/* One round of row k on path, whose file has *size bytes. */
static int round_of(int k, const char *path, uint64_t *size, uint64_t t[XT_N])
{
	uint64_t want = k == XR_SAME ? *size : *size + X_STEP, t0;
	struct syncmap *m;
	uint8_t *p;
	int r, fd;

	t0 = bench_now_ns();
	r = syncmap_open(path, SYNCMAP_JOURNAL, 0, want, &m);
	t[XT_OPEN] = bench_now_ns() - t0;
	if (r)
		return fail("open", path, r);
	t0 = bench_now_ns();
	if (k == XR_SYNC) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		r = fd < 0 || fdatasync(fd) < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		if (r)
			return fail("fdatasync", path, r);
	}
	t[XT_SYNC] = bench_now_ns() - t0;
	p = (uint8_t *)syncmap_addr(m) + want - X_LINE;
	memset(p, (int)(want >> 20), X_LINE);
	t0 = bench_now_ns();
	r = syncmap_persist(m, p, X_LINE);
	t[XT_PERSIST] = bench_now_ns() - t0;
	if (r)
		return fail("persist", path, r);
	t0 = bench_now_ns();
	r = syncmap_close(m);
	t[XT_CLOSE] = bench_now_ns() - t0;
	if (r)
		return fail("close", path, r);
	*size = want;
	return 0;
}

static double median_us(uint64_t *col, unsigned n)
{
	qsort(col, n, sizeof(*col), cmp_u64);
	return (double)col[n / 2] / 1e3;
}

static void report(const char *dir, uint64_t *t, unsigned rounds, bool json)
{
	static const char *const xt_name[XT_N] = { "open", "size_sync", "persist", "close" };

	if (!json)
		printf("syncmap-bench --extend: journaled opens on %s, 1 MiB extensions, median "
		       "of %u rounds, microseconds\n%-8s %10s %12s %10s %10s\n", dir, rounds, "row",
		       "open", "size_sync", "persist", "close");
	for (int k = 0; k < XR_N; k++) {
		double med[XT_N];

		for (int x = 0; x < XT_N; x++)
			med[x] = median_us(&t[((size_t)k * XT_N + (size_t)x) * rounds], rounds);
		if (json) {
			for (int x = 0; x < XT_N; x++)
				printf("{\"case\":\"extend\",\"row\":\"%s\",\"what\":\"%s\","
				       "\"median_us\":%.1f}\n", xr_name[k], xt_name[x], med[x]);
			continue;
		}
		printf("%-8s %10.1f %12.1f %10.1f %10.1f\n", xr_name[k], med[XT_OPEN],
		       med[XT_SYNC], med[XT_PERSIST], med[XT_CLOSE]);
	}
}

static int create(char *path, size_t size, const char *dir, int k)
{
	struct syncmap *m;
	int r;

	snprintf(path, size, "%s/syncmap-bench-extend-%d.%ld", dir, k, (long)getpid());
	r = syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_EXCL | SYNCMAP_JOURNAL, 0600, X_BASE, &m);
	if (r)
		return fail("create", path, r);
	return syncmap_close(m);
}

static void remove_files(char path[][4096], int n)
{
	for (int k = 0; k < n; k++) {
		char j[4200];

		snprintf(j, sizeof(j), "%.4000s.syncmap-journal", path[k]);
		unlink(path[k]);
		unlink(j);
	}
}

int bench_extend(const struct bench_opts *o)
{
	unsigned rounds = o->quick ? 4 : 40;
	uint64_t *t = calloc((size_t)rounds * XR_N * XT_N, sizeof(*t)), size[XR_N], one[XT_N];
	char path[XR_N][4096] = { { 0 } };
	int r = t ? 0 : -ENOMEM, made = 0;

	for (; made < XR_N && r == 0; made++) {
		r = create(path[made], sizeof(path[made]), o->dir, made);
		size[made] = X_BASE;
	}
	/* Interleaved: every row sees the same moments of a noisy disk. */
	for (unsigned i = 0; i < rounds && r == 0; i++)
		for (int k = 0; k < XR_N && r == 0; k++) {
			r = round_of(k, path[k], &size[k], one);
			for (int x = 0; x < XT_N; x++)
				t[((size_t)k * XT_N + (size_t)x) * rounds + i] = one[x];
		}
	if (r == 0)
		report(o->dir, t, rounds, o->json);
	remove_files(path, made);
	free(t);
	return r;
}

#else

int bench_extend(const struct bench_opts *o)
{
	(void)o;
	fprintf(stderr, "syncmap-bench --extend: this libsyncmap has no SYNCMAP_JOURNAL\n");
	return -ENOTSUP;
}

#endif
