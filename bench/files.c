/* SPDX-License-Identifier: MIT */
/*
 * The files the cases work on.  libsyncmap and libpmem2 each map them in
 * their own way; both mappings share the file's pages, so every
 * implementation works on the same memory at the same offsets.
 *
 * The cache-line file lives on tmpfs by default: without a DAX device the
 * cache-line path has to be forced, and tmpfs has no writeback that would
 * write-protect pages and add faults to what is meant to be CPU cost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

uint8_t *bench_at(const struct view *v, unsigned t, size_t off)
{
	return v->base + (size_t)t * BENCH_REGION + off;
}

static int make_path(char *buf, size_t size, const char *dir, const char *what)
{
	int n = snprintf(buf, size, "%s/syncmap-bench-%s-%ld.dat", dir, what, (long)getpid());

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Create the file with its blocks allocated, so that no case measures
 * block allocation. */
static int open_syncmap(struct view *v, const char *path, unsigned flags)
{
	int r = syncmap_open(path, flags | SYNCMAP_CREATE, 0600,
			     BENCH_FILE_SIZE, &v->sm);

	if (r < 0) {
		fprintf(stderr, "syncmap-bench: syncmap_open %s: %s (%s)\n", path,
			strerror(-r), syncmap_last_advice());
		return r;
	}
	v->base = syncmap_addr(v->sm);
	return 0;
}

static int p2_fail(const char *what)
{
	fprintf(stderr, "syncmap-bench: libpmem2 %s: %s\n", what, pmem2_errormsg());
	return -EIO;
}

/* PMEM2_FORCE_GRANULARITY is read by every pmem2_map_new(). */
static int open_pmem2(struct view *v, int fd, const char *force,
		      enum pmem2_granularity want)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	int r = -EIO;

	setenv("PMEM2_FORCE_GRANULARITY", force, 1);
	if (pmem2_config_new(&cfg) || pmem2_source_from_fd(&src, fd) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE))
		r = p2_fail("setup");
	else if (pmem2_map_new(&v->p2, cfg, src))
		r = p2_fail("pmem2_map_new");
	else if (pmem2_map_get_store_granularity(v->p2) != want)
		fprintf(stderr, "syncmap-bench: libpmem2 did not take granularity %s\n", force);
	else
		r = 0;
	unsetenv("PMEM2_FORCE_GRANULARITY");
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	if (r < 0)
		return r;
	v->base = pmem2_map_get_address(v->p2);
	v->p2_persist = pmem2_get_persist_fn(v->p2);
	v->p2_flush = pmem2_get_flush_fn(v->p2);
	v->p2_drain = pmem2_get_drain_fn(v->p2);
	v->p2_memcpy = pmem2_get_memcpy_fn(v->p2);
	return 0;
}

static int open_cache_line(struct bench_files *f, const struct bench_opts *o)
{
	int r;

	if ((r = make_path(f->cl_path, sizeof(f->cl_path), o->cpu_dir, "cl")) < 0)
		return r;
	setenv("SYNCMAP_FORCE_GRANULARITY", "cache_line", 1);
	r = open_syncmap(&f->sm_cl, f->cl_path, SYNCMAP_EXCL);
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
	if (r < 0)
		return r;
	if (syncmap_granularity(f->sm_cl.sm) != SYNCMAP_GRAN_CACHE_LINE) {
		fprintf(stderr, "syncmap-bench: cannot get the cache-line path: %s\n",
			syncmap_advice(f->sm_cl.sm));
		return -ENOTSUP;
	}
	f->cl_durable = syncmap_is_sync(f->sm_cl.sm);
	f->flush = syncmap_insn(f->sm_cl.sm);
	f->cl_fd = open(f->cl_path, O_RDWR | O_CLOEXEC);
	if (f->cl_fd < 0)
		return -errno;
	return open_pmem2(&f->p2_cl, f->cl_fd, "CACHE_LINE", PMEM2_GRANULARITY_CACHE_LINE);
}

static int open_page(struct bench_files *f, const struct bench_opts *o)
{
	int r;

	if ((r = make_path(f->pg_path, sizeof(f->pg_path), o->dir, "pg")) < 0)
		return r;
	/* The page path whatever the file system could do. */
	r = open_syncmap(&f->sm_pg, f->pg_path, SYNCMAP_EXCL | SYNCMAP_FORBID_SYNC);
	if (r < 0)
		return r;
	f->pg_fd = open(f->pg_path, O_RDWR | O_CLOEXEC);
	if (f->pg_fd < 0)
		return -errno;
	return open_pmem2(&f->p2_pg, f->pg_fd, "PAGE", PMEM2_GRANULARITY_PAGE);
}

/* Strict mode over each path: what a persist costs in the test mode. */
static int open_strict(struct bench_files *f)
{
	int r;

	setenv("SYNCMAP_FORCE_GRANULARITY", "cache_line", 1);
	r = open_syncmap(&f->sm_cl_strict, f->cl_path, SYNCMAP_STRICT);
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
	if (r == 0)
		r = open_syncmap(&f->sm_pg_strict, f->pg_path, SYNCMAP_STRICT | SYNCMAP_FORBID_SYNC);
	if (r == 0 && (syncmap_cause(f->sm_cl_strict.sm) != SYNCMAP_CAUSE_STRICT_MODE ||
		       syncmap_granularity(f->sm_cl_strict.sm) != SYNCMAP_GRAN_CACHE_LINE)) {
		fprintf(stderr, "syncmap-bench: no strict mode over the cache-line path: %s\n",
			syncmap_advice(f->sm_cl_strict.sm));
		r = -ENOTSUP;
	}
	return r;
}

int bench_files_open(struct bench_files *f, const struct bench_opts *o)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->cl_fd = f->pg_fd = -1;
	r = open_cache_line(f, o);
	if (r == 0)
		r = open_page(f, o);
	if (r == 0)
		r = open_strict(f);
	if (r < 0) {
		bench_files_close(f);
		return r;
	}
	/* Every view holds the files open: unlink them now, so that an
	 * interrupted run leaves nothing behind. */
	unlink(f->cl_path);
	unlink(f->pg_path);
	return 0;
}

int bench_pmem2_page(struct view *v, int fd)
{
	return open_pmem2(v, fd, "PAGE", PMEM2_GRANULARITY_PAGE);
}

void bench_view_close(struct view *v)
{
	if (v->sm)
		syncmap_close(v->sm);
	if (v->p2)
		pmem2_map_delete(&v->p2);
	memset(v, 0, sizeof(*v));
}

void bench_files_close(struct bench_files *f)
{
	bench_view_close(&f->sm_cl);
	bench_view_close(&f->p2_cl);
	bench_view_close(&f->sm_pg);
	bench_view_close(&f->p2_pg);
	bench_view_close(&f->sm_cl_strict);
	bench_view_close(&f->sm_pg_strict);
	if (f->cl_fd >= 0)
		close(f->cl_fd);
	if (f->pg_fd >= 0)
		close(f->pg_fd);
	f->cl_fd = f->pg_fd = -1;
	if (f->cl_path[0])
		unlink(f->cl_path);
	if (f->pg_path[0])
		unlink(f->pg_path);
	f->cl_path[0] = f->pg_path[0] = 0;
}
