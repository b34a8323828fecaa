/* SPDX-License-Identifier: MIT */
/*
 * The page path: an ordinary shared mapping, made durable by the kernel.
 * A persist is msync(MS_SYNC) of the pages under the range; flush starts
 * their write-back with sync_file_range and drain is one fdatasync; a
 * batch merges its ranges page-wise and its commit is one msync(MS_SYNC)
 * from its first page to its last, so that it waits for its own pages
 * only.  Every error is returned with advice: after a failed write-back
 * the kernel has dropped the pages' dirty state, so the caller has to
 * write the data again.
 *
 * A read-only mapping gets a table that refuses everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "paths.h"
#include "ranges.h"
#include "sys.h"

static void page_round(uintptr_t *start, uintptr_t *end)
{
	uintptr_t mask = (uintptr_t)sm_page_size() - 1;

	*start &= ~mask;
	*end = (*end + mask) & ~mask;
}

static uint64_t file_offset(const struct syncmap *m, uintptr_t a)
{
	return m->offset + (a - (uintptr_t)m->map_base);
}

/* msync(MS_SYNC) of the page-aligned [start, end): the kernel writes and
 * waits for that span's dirty pages only (vfs_fsync_range), then commits
 * the metadata and flushes the device cache as fdatasync would.  again is
 * what the caller must do once more after a failure. */
static int msync_pages(struct syncmap *m, uintptr_t start, uintptr_t end, const char *again)
{
	int r = sm_sys_msync((void *)start, end - start, MS_SYNC);

	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "msync of %zu bytes at file offset %llu failed: %s; "
			       "that data may not be durable, write it again and %s it again",
			       (size_t)(end - start), (unsigned long long)file_offset(m, start),
			       strerror(-r), again);
	return 0;
}

int sm_page_sync(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	page_round(&start, &end);
	return msync_pages(m, start, end, "persist");
}

/* Start write-back of the pages under [start, end) without waiting. */
static int page_flush(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	uint64_t off;
	int r;

	page_round(&start, &end);
	off = file_offset(m, start);
	r = sm_sys_sync_file_range(m->fd, off, end - start, SYNC_FILE_RANGE_WRITE);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "starting write-back of %zu bytes at file offset %llu failed: %s",
			       (size_t)(end - start), (unsigned long long)off, strerror(-r));
	return 0;
}

static int page_drain(struct syncmap *m)
{
	int r = sm_sys_fdatasync(m->fd);

	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "fdatasync failed: %s; data flushed since the last drain may not be "
			       "durable, write it again and persist it again", strerror(-r));
	return 0;
}

/* Start the write-back of each of n merged runs. */
static int write_back_runs(struct syncmap *m, const struct sm_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = page_flush(m, r[i].start, r[i].end);

		if (err < 0)
			return err;
	}
	return 0;
}

/* Full: merge, and if that frees nothing start the write-back of every
 * run now and keep one range over them all, which the commit syncs. */
static int page_full(struct syncmap *m, struct sm_range *r, size_t *n)
{
	size_t cap = *n;
	int err;

	*n = sm_ranges_coalesce(r, *n, (uintptr_t)sm_page_size());
	if (*n < cap)
		return 0;
	err = write_back_runs(m, r, *n);
	if (err < 0)
		return err;
	r[0].end = r[*n - 1].end;
	*n = 1;
	if (cap > 1)
		return 0;
	/* A batch of one range has no room left: sync it now. */
	*n = 0;
	return msync_pages(m, r[0].start, r[0].end, "commit");
}

/* Merge page-wise and sync the span from the first page to the last in
 * one call.  Starting each run's write-back first (sync_file_range per
 * run) costs more than it overlaps: one ext4_writepages per call. */
static int page_commit(struct syncmap *m, struct sm_range *r, size_t n)
{
	n = sm_ranges_coalesce(r, n, (uintptr_t)sm_page_size());
	if (n == 0)
		return 0;
	return msync_pages(m, r[0].start, r[n - 1].end, "commit");
}

const struct sm_path_ops sm_page_ops = {
	.name = "page",
	.persist = sm_page_sync,
	.flush = page_flush,
	.drain = page_drain,
	.commit = page_commit,
	.full = page_full,
};

static int ro_range(struct syncmap *m, uintptr_t start, uintptr_t end)
{
	(void)m;
	(void)start;
	(void)end;
	return sm_readonly_error();
}

static int ro_drain(struct syncmap *m)
{
	(void)m;
	return sm_readonly_error();
}

const struct sm_path_ops sm_rdonly_ops = {
	.name = "read_only",
	.persist = ro_range,
	.flush = ro_range,
	.drain = ro_drain,
};
