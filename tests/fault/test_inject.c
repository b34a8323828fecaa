/* SPDX-License-Identifier: MIT */
/*
 * Syscall fault injection.  For every operation below, the operation is
 * first run once to record the calls it makes; then, for every call in
 * that trace and every errno that call really fails with, the operation
 * is run again with exactly that call failing.  After each run:
 *
 *  - a failure reaches the caller as a negative errno, with advice, and
 *    EINTR never does (the syscall layer retries it);
 *  - no descriptor, mapping or heap memory is left behind;
 *  - a mapping that existed before still has its address, length and
 *    path, and works again once the fault is gone;
 *  - data persisted before the fault is intact when the file is reopened,
 *    a file the failed open created is gone and one it grew is shrunk back.
 *
 * It prints how many faults were injected at each call site ("op/call#k":
 * the k-th call of that kind the operation makes) and their outcome.
 * With -k, failures listed in known[] are reported but do not fail the
 * run; without it every check is strict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "census.h"
#include "inject.h"
#include "syncmap.h"
#include "files.h"

#define FILE_LEN (64u * 1024)

static long page;
static int failures, known_hits, keep_known, warming;

struct ctx {
	const char *path;
	struct syncmap *m;
	struct syncmap_batch *b;
	struct syncmap_probe *p;
	int fd;			/* the test's own descriptor for open_fd */
	/* The mapping before the operation, to compare after it. */
	void *addr;
	size_t len;
	enum syncmap_granularity gran;
};

struct op {
	const char *name;
	void (*setup)(struct ctx *);
	int (*run)(struct ctx *);
	/* What must hold after the run; r is what run returned. */
	void (*check)(struct ctx *, int r);
};

/* Failures of the library that are known and reported, keyed by
 * operation and call; see doc/RELIABILITY.md. */
static const struct {
	const char *op;
	enum fi_fn fn;
	const char *what;
} known[] = {
	{ NULL, FI_N_, NULL },
};

static const char *cur_op;
static enum fi_fn cur_fn;
static int cur_err;
static unsigned cur_at;

static void report(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t i;

	if (warming)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; known[i].op; i++) {
		if (!strncmp(known[i].op, cur_op, strlen(known[i].op)) && known[i].fn == cur_fn &&
		    strstr(msg, known[i].what)) {
			known_hits++;
			if (keep_known)
				return;
		}
	}
	fprintf(stderr, "FAIL %s: call %u (%s) failing with %s: %s\n", cur_op, cur_at,
		cur_fn < FI_N_ ? fi_name(cur_fn) : "none",
		cur_err == FI_SHORT ? "short transfer" : strerror(cur_err), msg);
	failures++;
}

#define CHECK(cond, ...) do { if (!(cond)) report(__VA_ARGS__); } while (0)

/* ---- Building blocks. */

static void fresh_pattern(struct ctx *c, size_t len)
{
	tc_make_file(c->path, len, 1);
}

static unsigned open_flags;	/* SYNCMAP_STRICT for the strict-mode ops */

static void open_mapping(struct ctx *c)
{
	fresh_pattern(c, FILE_LEN);
	if (syncmap_open(c->path, open_flags, 0, 0, &c->m) != 0)
		abort();
	c->addr = syncmap_addr(c->m);
	c->len = syncmap_length(c->m);
	c->gran = syncmap_granularity(c->m);
}

/* The bytes of page p (of the mapping) get seed 2 instead of 1. */
static void scribble(struct ctx *c, int p)
{
	uint8_t *a = (uint8_t *)syncmap_addr(c->m) + (size_t)p * (size_t)page;

	for (long i = 0; i < page; i++)
		a[i] = tc_pattern(2, (size_t)p * (size_t)page + (size_t)i);
}

/* The file has seed 1 except on the listed pages, which have seed 2. */
static void check_file(const char *path, const int *pages, int n)
{
	size_t npages = FILE_LEN / (size_t)page;

	CHECK(tc_file_size(path) == FILE_LEN, "file size %lld, want %u",
	      tc_file_size(path), FILE_LEN);
	for (size_t p = 0; p < npages; p++) {
		unsigned seed = 1;

		for (int i = 0; i < n; i++)
			if ((size_t)pages[i] == p)
				seed = 2;
		CHECK(tc_check_file(path, p * (size_t)page, (size_t)page, seed),
		      "page %zu lost its data (seed %u)", p, seed);
	}
}

/* An existing mapping is unchanged and persists again once the fault is
 * gone; then the file must hold what was written. */
static void check_mapping_then_file(struct ctx *c, const int *pages, int n)
{
	CHECK(syncmap_addr(c->m) == c->addr && syncmap_length(c->m) == c->len &&
	      syncmap_granularity(c->m) == c->gran, "the mapping changed");
	CHECK(syncmap_persist(c->m, c->addr, c->len) == 0, "persisting again failed");
	if (c->b)
		syncmap_batch_free(c->b);
	c->b = NULL;
	CHECK(syncmap_close(c->m) == 0, "close after the fault failed");
	c->m = NULL;
	check_file(c->path, pages, n);
}

/* ---- Opening. */

static void setup_absent(struct ctx *c)
{
	unlink(c->path);
}

static int run_create(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_CREATE, 0, FILE_LEN, &c->m);
}

static void check_create(struct ctx *c, int r)
{
	if (r == 0) {
		CHECK(syncmap_length(c->m) == FILE_LEN, "wrong length");
		memset(syncmap_addr(c->m), 7, 100);
		CHECK(syncmap_persist(c->m, syncmap_addr(c->m), 100) == 0, "persist failed");
		CHECK(syncmap_close(c->m) == 0, "close failed");
		c->m = NULL;
		return;
	}
	CHECK(c->m == NULL, "out was set on failure");
	CHECK(tc_file_size(c->path) == -1, "the failed open left the file it created");
}

/* A symbolic link to a file that does not exist yet. */
static void setup_dangling(struct ctx *c)
{
	unlink(c->path);
	unlink(tc_path("link"));
	if (symlink(c->path, tc_path("link")) < 0)
		abort();
}

static int run_create_dangling(struct ctx *c)
{
	return syncmap_open(tc_path("link"), SYNCMAP_CREATE, 0, FILE_LEN, &c->m);
}

/* Created through the link as open(2) would; on failure the target may
 * stay (the library cannot tell it created it), the link always does. */
static void check_create_dangling(struct ctx *c, int r)
{
	struct stat st;

	if (r == 0) {
		CHECK(syncmap_length(c->m) == FILE_LEN, "wrong length");
		CHECK(syncmap_close(c->m) == 0, "close failed");
		c->m = NULL;
		CHECK(tc_file_size(c->path) == FILE_LEN, "the target was not created");
	} else {
		CHECK(c->m == NULL, "out was set on failure");
	}
	CHECK(lstat(tc_path("link"), &st) == 0 && S_ISLNK(st.st_mode), "the link was removed");
	unlink(tc_path("link"));
}

static void setup_small(struct ctx *c)
{
	fresh_pattern(c, 2 * (size_t)page);
}

static void check_grown(struct ctx *c, int r, size_t len)
{
	if (r == 0) {
		CHECK(syncmap_length(c->m) == len, "wrong length");
		CHECK(syncmap_close(c->m) == 0, "close failed");
		c->m = NULL;
	} else {
		CHECK(c->m == NULL, "out was set on failure");
		CHECK(tc_file_size(c->path) == 2 * page, "size %lld not restored",
		      tc_file_size(c->path));
	}
	CHECK(tc_check_file(c->path, 0, 2 * (size_t)page, 1),
	      "data before the fault was lost");
}

static int run_grow(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_SPARSE, 0, FILE_LEN, &c->m);
}

static void check_grow(struct ctx *c, int r)
{
	check_grown(c, r, FILE_LEN);
}

static int run_prealloc(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_PREFAULT, 0, FILE_LEN, &c->m);
}

/* A kernel without statx: the library cannot tell whether faults will
 * be DAX faults, so it writes the zeros itself. */
static void setup_small_nostatx(struct ctx *c)
{
	setup_small(c);
	fi.always[FI_STATX] = ENOSYS;
}

static int run_huge(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_RESIZE, 0, 4u << 20, &c->m);
}

static void check_huge(struct ctx *c, int r)
{
	check_grown(c, r, 4u << 20);
}

static void setup_full(struct ctx *c)
{
	fresh_pattern(c, FILE_LEN);
}

static void check_opened_full(struct ctx *c, int r)
{
	if (r == 0) {
		CHECK(syncmap_length(c->m) == FILE_LEN, "wrong length");
		CHECK(syncmap_close(c->m) == 0, "close failed");
		c->m = NULL;
	} else {
		CHECK(c->m == NULL, "out was set on failure");
	}
	check_file(c->path, NULL, 0);
}

static int run_rdonly(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_RDONLY | SYNCMAP_PREFAULT, 0, 0, &c->m);
}

static int run_require(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_REQUIRE_SYNC, 0, 0, &c->m);
}

static void setup_fd(struct ctx *c)
{
	setup_full(c);
	c->fd = open(c->path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		abort();
}

static int run_open_fd(struct ctx *c)
{
	return syncmap_open_fd(c->fd, (uint64_t)page, 0, 0, &c->m);
}

static void check_open_fd(struct ctx *c, int r)
{
	if (r == 0) {
		CHECK(syncmap_length(c->m) == FILE_LEN - (size_t)page, "wrong length");
		CHECK(syncmap_close(c->m) == 0, "close failed");
		c->m = NULL;
	}
	/* The caller's descriptor is the caller's: still open. */
	CHECK(fcntl(c->fd, F_GETFD) >= 0, "the caller's descriptor was closed");
	close(c->fd);
	c->fd = -1;
	check_file(c->path, NULL, 0);
}

/* ---- Persisting an existing mapping. */

static const int page3[] = { 3 };
static const int pages_batch[] = { 0, 2, 3, 5, 9, 11 };

static void setup_mapped(struct ctx *c)
{
	open_mapping(c);
	scribble(c, 3);
}

static int run_persist(struct ctx *c)
{
	return syncmap_persist(c->m, (uint8_t *)c->addr + 3 * page + 10, 100);
}

static void check_page3(struct ctx *c, int r)
{
	(void)r;
	check_mapping_then_file(c, page3, 1);
}

static int run_flush_drain(struct ctx *c)
{
	uint8_t *a = c->addr;
	int r = syncmap_flush(c->m, a + 3 * page, 10);

	if (r == 0)
		r = syncmap_flush(c->m, a + 3 * page + 100, (size_t)page - 100);
	return r ? r : syncmap_drain(c->m);
}

static int run_memcpy(struct ctx *c)
{
	uint8_t src[256];
	uint8_t *dst = (uint8_t *)c->addr + 3 * page + 512;

	memcpy(src, dst, sizeof(src));	/* same bytes: seed 2 */
	return syncmap_memcpy(c->m, dst, src, sizeof(src), 0);
}

static int run_write_safe(struct ctx *c)
{
	uint8_t src[256];
	uint8_t *dst = (uint8_t *)c->addr + 3 * page + 1024;

	memcpy(src, dst, sizeof(src));
	return syncmap_write_safe(c->m, dst, src, sizeof(src));
}

static void setup_batch(struct ctx *c)
{
	open_mapping(c);
	for (size_t i = 0; i < sizeof(pages_batch) / sizeof(pages_batch[0]); i++)
		scribble(c, pages_batch[i]);
	if (syncmap_batch_new(c->m, 4, &c->b) != 0)
		abort();
}

/* Six ranges into a batch of four: the fifth add starts write-back. */
static int run_batch(struct ctx *c)
{
	uint8_t *a = c->addr;
	int r = 0;

	for (size_t i = 0; i < sizeof(pages_batch) / sizeof(pages_batch[0]) && !r; i++)
		r = syncmap_batch_add(c->b, a + (size_t)pages_batch[i] * (size_t)page + 8, 64);
	return r ? r : syncmap_batch_commit(c->b);
}

static void check_batch(struct ctx *c, int r)
{
	uint8_t *a = c->addr;

	(void)r;
	/* The batch is usable again: the same ranges commit cleanly. */
	for (size_t i = 0; i < sizeof(pages_batch) / sizeof(pages_batch[0]); i++)
		CHECK(syncmap_batch_add(c->b, a + (size_t)pages_batch[i] * (size_t)page, (size_t)page) == 0,
		      "adding to the batch after the fault failed");
	CHECK(syncmap_batch_commit(c->b) == 0, "committing after the fault failed");
	check_mapping_then_file(c, pages_batch, 6);
}

/* ---- Closing. */

static void setup_persisted(struct ctx *c)
{
	open_mapping(c);
	scribble(c, 3);
	if (syncmap_persist(c->m, (uint8_t *)c->addr + 3 * page, (size_t)page))
		abort();
}

static int run_close(struct ctx *c)
{
	int r = syncmap_close(c->m);

	c->m = NULL;	/* released in every case */
	return r;
}

static void check_closed(struct ctx *c, int r)
{
	(void)r;
	check_file(c->path, page3, 1);
}

/* ---- The probe: every fact it gathers can fail to be read. */

static int run_probe(struct ctx *c)
{
	return syncmap_probe(c->path, &c->p);
}

static void check_probe(struct ctx *c, int r)
{
	if (r == 0) {
		CHECK(c->p != NULL, "no report");
		CHECK(syncmap_probe_format(c->p, 0, NULL, 0) > 0, "an empty report");
	} else {
		CHECK(c->p == NULL, "out was set on failure");
	}
	syncmap_probe_free(c->p);
	c->p = NULL;
}

static void check_probe_full(struct ctx *c, int r)
{
	check_probe(c, r);
	check_file(c->path, NULL, 0);
}

static void check_probe_absent(struct ctx *c, int r)
{
	check_probe(c, r);
	CHECK(tc_file_size(c->path) == -1, "probing a new path created it");
}

static int run_probe_mapping(struct ctx *c)
{
	return syncmap_probe_mapping(c->m, &c->p);
}

static void check_probe_mapping(struct ctx *c, int r)
{
	check_probe(c, r);
	check_mapping_then_file(c, page3, 1);
}

static int run_deep_flush(struct ctx *c)
{
	return syncmap_deep_flush(c->m, (uint8_t *)c->addr + 3 * page, (size_t)page);
}

/* ---- Strict mode: the same operations on a private view. */

static void setup_strict_full(struct ctx *c)
{
	open_flags = SYNCMAP_STRICT;
	setup_full(c);
}

static int run_strict_open(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_STRICT, 0, 0, &c->m);
}

static void setup_strict_mapped(struct ctx *c)
{
	open_flags = SYNCMAP_STRICT;
	setup_mapped(c);
}

static void setup_strict_batch(struct ctx *c)
{
	open_flags = SYNCMAP_STRICT;
	setup_batch(c);
}

static void setup_strict_persisted(struct ctx *c)
{
	open_flags = SYNCMAP_STRICT;
	setup_persisted(c);
}

/* ---- The journal: every call of its path, at open, persist, batch,
 * checkpoint, close and replay.  A persist that failed leaves the
 * mapping's journal failed until close, so the check is the reopen: it
 * must work, and the file must hold everything persisted. */

static char jpath_buf[600];

static const char *jpath(const char *path)
{
	snprintf(jpath_buf, sizeof(jpath_buf), "%s.syncmap-journal", path);
	return jpath_buf;
}

static void journal_env(void)
{
	/* The smallest journal: setups write it in one call. */
	setenv("SYNCMAP_JOURNAL_SIZE", "64K", 1);
	unlink(jpath(tc_path("data")));
	open_flags = SYNCMAP_JOURNAL;
}

static void reopen_and_check(struct ctx *c, const int *pages, int n)
{
	struct syncmap *m;

	if (c->b)
		syncmap_batch_free(c->b);
	c->b = NULL;
	if (c->m)
		syncmap_close(c->m);
	c->m = NULL;
	CHECK(syncmap_open(c->path, SYNCMAP_JOURNAL, 0, 0, &m) == 0,
	      "reopening after the fault failed: %s", syncmap_last_advice());
	if (m)
		CHECK(syncmap_close(m) == 0, "closing the reopened mapping failed");
	check_file(c->path, pages, n);
}

static void check_journal_page3(struct ctx *c, int r)
{
	(void)r;
	reopen_and_check(c, page3, 1);
}

static void check_journal_batch(struct ctx *c, int r)
{
	(void)r;
	reopen_and_check(c, pages_batch, 6);
}

static void setup_journal_absent(struct ctx *c)
{
	journal_env();
	setup_absent(c);
}

static int run_journal_create(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, FILE_LEN, &c->m);
}

static void check_journal_create(struct ctx *c, int r)
{
	if (r == 0)
		return;
	CHECK(tc_file_size(c->path) < 0, "a failed open left the file it created");
	CHECK(access(jpath(c->path), F_OK) != 0, "a failed open left the journal it created");
}

static void setup_journal_full(struct ctx *c)
{
	journal_env();
	open_mapping(c);
	syncmap_close(c->m);
	c->m = NULL;
}

static int run_journal_open(struct ctx *c)
{
	return syncmap_open(c->path, SYNCMAP_JOURNAL, 0, 0, &c->m);
}

static void check_journal_opened(struct ctx *c, int r)
{
	(void)r;
	reopen_and_check(c, NULL, 0);
}

static void setup_journal_mapped(struct ctx *c)
{
	journal_env();
	setup_mapped(c);
}

static void setup_journal_batch(struct ctx *c)
{
	journal_env();
	setup_batch(c);
}

static void setup_journal_persisted(struct ctx *c)
{
	journal_env();
	setup_persisted(c);
}

/* One persist larger than a quarter of the journal: a checkpoint. */
static int run_journal_checkpoint(struct ctx *c)
{
	int r = syncmap_persist(c->m, c->addr, 5 * (size_t)page);

	return r ? r : syncmap_persist(c->m, (uint8_t *)c->addr + 3 * page + 64, 64);
}

/* A child persists page 3 and dies without closing; page 3 of the file
 * is then overwritten with garbage: only the replay can bring it back. */
static void setup_journal_crashed(struct ctx *c)
{
	uint8_t junk[4096];
	pid_t pid;
	int fd, st;

	journal_env();
	fresh_pattern(c, FILE_LEN);
	pid = fork();
	if (pid == 0) {
		struct syncmap *m;

		if (syncmap_open(c->path, SYNCMAP_JOURNAL, 0, 0, &m))
			_exit(1);
		c->m = m;
		scribble(c, 3);
		_exit(syncmap_persist(m, (uint8_t *)syncmap_addr(m) + 3 * page, (size_t)page) ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		abort();
	memset(junk, 0xEE, sizeof(junk));
	fd = open(c->path, O_WRONLY);
	if (fd < 0 || pwrite(fd, junk, (size_t)page, 3 * page) != page)
		abort();
	close(fd);
}

/* ---- Growing: a mapping of the first half of FILE_LEN, reserved for all
 * of it, grows to FILE_LEN.  After a fault the mapping is where and as
 * long as it was, the file keeps its size, and a grow without faults then
 * works; what was persisted before and after is in the file. */

static void setup_grow(struct ctx *c)
{
	tc_make_file(c->path, FILE_LEN / 2, 1);
	if (syncmap_open_reserve(c->path, open_flags, 0, 0, FILE_LEN, &c->m) != 0)
		abort();
	c->addr = syncmap_addr(c->m);
	c->len = syncmap_length(c->m);
	scribble(c, 3);
}

static void setup_grow_strict(struct ctx *c)
{
	open_flags = SYNCMAP_STRICT;
	setup_grow(c);
}

static void setup_grow_journal(struct ctx *c)
{
	journal_env();
	setup_grow(c);
}

static int run_grow_mapping(struct ctx *c)
{
	return syncmap_grow(c->m, FILE_LEN, 0);
}

static bool zeros_in_file(const char *path, size_t off, size_t n)
{
	uint8_t b[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && n <= sizeof(b) && pread(fd, b, n, (off_t)off) == (ssize_t)n;

	for (size_t i = 0; ok && i < n; i++)
		ok = b[i] == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void check_grown_mapping(struct ctx *c, int r)
{
	size_t last = FILE_LEN / (size_t)page - 1;
	uint8_t *a = c->addr;

	CHECK(syncmap_addr(c->m) == c->addr, "the grow moved the mapping");
	if (r < 0) {
		CHECK(syncmap_length(c->m) == c->len, "a failed grow changed the length");
		CHECK(tc_file_size(c->path) == FILE_LEN / 2, "a failed grow left the size %lld",
		      tc_file_size(c->path));
	}
	CHECK(syncmap_grow(c->m, FILE_LEN, 0) == 0, "growing after the fault failed: %s",
	      syncmap_last_advice());
	scribble(c, (int)last);
	CHECK(syncmap_persist(c->m, a + 3 * page, (size_t)page) == 0 &&
	      syncmap_persist(c->m, a + last * (size_t)page, (size_t)page) == 0,
	      "persisting after the grow failed");
	CHECK(syncmap_close(c->m) == 0, "close after the grow failed");
	c->m = NULL;
	CHECK(tc_file_size(c->path) == FILE_LEN, "file size %lld", tc_file_size(c->path));
	CHECK(tc_check_file(c->path, 0, 3 * (size_t)page, 1) &&
	      tc_check_file(c->path, 3 * (size_t)page, (size_t)page, 2) &&
	      tc_check_file(c->path, 4 * (size_t)page, FILE_LEN / 2 - 4 * (size_t)page, 1),
	      "the first half lost its data");
	for (size_t p = FILE_LEN / 2 / (size_t)page; p < last; p++)
		CHECK(zeros_in_file(c->path, p * (size_t)page, (size_t)page),
		      "page %zu of the new range is not zero", p);
	CHECK(tc_check_file(c->path, last * (size_t)page, (size_t)page, 2),
	      "the line persisted in the new range is lost");
}

static int run_open_reserve(struct ctx *c)
{
	return syncmap_open_reserve(c->path, 0, 0, 0, 4 * FILE_LEN, &c->m);
}

static const struct op ops[] = {
	{ "open-create", setup_absent, run_create, check_create },
	{ "open-create-link", setup_dangling, run_create_dangling, check_create_dangling },
	{ "open-grow", setup_small, run_grow, check_grow },
	{ "open-prealloc", setup_small, run_prealloc, check_grow },
	{ "open-prealloc-zero", setup_small_nostatx, run_prealloc, check_grow },
	{ "open-huge", setup_small, run_huge, check_huge },
	{ "open-rdonly", setup_full, run_rdonly, check_opened_full },
	{ "open-require-sync", setup_full, run_require, check_opened_full },
	{ "open-fd", setup_fd, run_open_fd, check_open_fd },
	{ "persist", setup_mapped, run_persist, check_page3 },
	{ "flush-drain", setup_mapped, run_flush_drain, check_page3 },
	{ "memcpy", setup_mapped, run_memcpy, check_page3 },
	{ "write-safe", setup_mapped, run_write_safe, check_page3 },
	{ "batch-commit", setup_batch, run_batch, check_batch },
	{ "close", setup_persisted, run_close, check_closed },
	{ "probe", setup_full, run_probe, check_probe_full },
	{ "probe-new", setup_absent, run_probe, check_probe_absent },
	{ "probe-mapping", setup_mapped, run_probe_mapping, check_probe_mapping },
	{ "deep-flush", setup_mapped, run_deep_flush, check_page3 },
	{ "strict-open", setup_strict_full, run_strict_open, check_opened_full },
	{ "strict-persist", setup_strict_mapped, run_persist, check_page3 },
	{ "strict-flush-drain", setup_strict_mapped, run_flush_drain, check_page3 },
	{ "strict-memcpy", setup_strict_mapped, run_memcpy, check_page3 },
	{ "strict-write-safe", setup_strict_mapped, run_write_safe, check_page3 },
	{ "strict-batch", setup_strict_batch, run_batch, check_batch },
	{ "strict-close", setup_strict_persisted, run_close, check_closed },
	{ "journal-create", setup_journal_absent, run_journal_create, check_journal_create },
	{ "journal-open", setup_journal_full, run_journal_open, check_journal_opened },
	{ "journal-persist", setup_journal_mapped, run_persist, check_journal_page3 },
	{ "journal-flush-drain", setup_journal_mapped, run_flush_drain, check_journal_page3 },
	{ "journal-memcpy", setup_journal_mapped, run_memcpy, check_journal_page3 },
	{ "journal-batch", setup_journal_batch, run_batch, check_journal_batch },
	{ "journal-checkpoint", setup_journal_mapped, run_journal_checkpoint, check_journal_page3 },
	{ "journal-close", setup_journal_persisted, run_close, check_journal_page3 },
	{ "journal-replay", setup_journal_crashed, run_journal_open, check_journal_page3 },
	{ "open-reserve", setup_full, run_open_reserve, check_opened_full },
	{ "grow", setup_grow, run_grow_mapping, check_grown_mapping },
	{ "strict-grow", setup_grow_strict, run_grow_mapping, check_grown_mapping },
	{ "journal-grow", setup_grow_journal, run_grow_mapping, check_grown_mapping },
};

/* ---- The driver. */

struct site_count {
	char name[64];
	unsigned injected, surfaced, absorbed;
};

static struct site_count sites[1024];
static int n_sites;
static unsigned total_injected;

static struct site_count *site(const char *op, enum fi_fn f, int k)
{
	char name[64];

	snprintf(name, sizeof(name), "%s/%s#%d", op, fi_name(f), k);
	for (int i = 0; i < n_sites; i++)
		if (!strcmp(sites[i].name, name))
			return &sites[i];
	if (n_sites == (int)(sizeof(sites) / sizeof(sites[0])))
		abort();
	snprintf(sites[n_sites].name, sizeof(sites[n_sites].name), "%s", name);
	return &sites[n_sites++];
}

/* Run one operation with call `at` failing with err (at 0: no fault). */
static int run_once(const struct op *op, unsigned at, int err)
{
	struct ctx c = { .fd = -1 };
	int fds, maps, r, kept;
	size_t heap;

	c.path = tc_path("data");
	open_flags = 0;
	unsetenv("SYNCMAP_JOURNAL_SIZE");
	unlink(jpath(c.path));
	fds = tc_count_fds();
	maps = tc_count_maps();
	heap = tc_heap_in_use();
	op->setup(&c);
	syncmap_set_log(NULL, NULL, 0);
	fi_arm(at, err);
	r = op->run(&c);
	fi_disarm();
	memset(fi.always, 0, sizeof(fi.always));
	if (r < 0) {
		CHECK(r >= -4095, "returned %d, not a negative errno", r);
		CHECK(*syncmap_last_advice(), "failed with %d but left no advice", r);
	}
	CHECK(r <= 0, "returned %d", r);
	CHECK(r != -EINTR, "EINTR reached the caller");
	kept = fi_release_kept();
	op->check(&c, r);
	if (c.b)
		syncmap_batch_free(c.b);
	if (c.m)
		syncmap_close(c.m);
	CHECK(tc_count_fds() == fds, "descriptors leaked: %d before, %d after", fds,
	      tc_count_fds());
	CHECK(tc_count_maps() == maps, "mappings leaked: %d before, %d after", maps,
	      tc_count_maps());
	CHECK(tc_heap_in_use() <= heap, "heap grew by %zu bytes", tc_heap_in_use() - heap);
	(void)kept;
	return r;
}

static void run_op(const struct op *op)
{
	enum fi_fn trace[FI_MAX_TRACE];
	unsigned n, at;
	int base, seen[FI_N_] = { 0 };

	cur_op = op->name;
	cur_fn = FI_N_;
	cur_err = 0;
	cur_at = 0;
	base = run_once(op, 0, 0);
	n = fi.calls < FI_MAX_TRACE ? fi.calls : FI_MAX_TRACE;
	memcpy(trace, fi.trace, n * sizeof(trace[0]));
	for (at = 1; at <= n; at++) {
		int errs[FI_MAX_ERRNOS], ne = fi_errnos(trace[at - 1], errs);
		struct site_count *s = site(op->name, trace[at - 1], ++seen[trace[at - 1]]);

		for (int i = 0; i < ne; i++) {
			int r;

			cur_fn = trace[at - 1];
			cur_err = errs[i];
			cur_at = at;
			r = run_once(op, at, errs[i]);
			CHECK(fi.fired, "the fault did not fire: the calls changed between runs");
			/* EINTR is retried by the syscall layer: no trace. */
			if (errs[i] == EINTR)
				CHECK(r == base, "EINTR changed the result from %d to %d", base, r);
			s->injected++;
			total_injected++;
			if (r < 0 && r != base)
				s->surfaced++;
			else
				s->absorbed++;
		}
	}
	printf("%-18s %3u calls in the trace, result without faults %d:", op->name, n, base);
	for (at = 0; at < n; at++)
		printf(" %s", fi_name(trace[at]));
	printf("\n");
}

int main(int argc, char **argv)
{
	unsigned surfaced = 0, absorbed = 0;

	/* glibc's per-thread cache keeps freed chunks counted as in use;
	 * without it mallinfo2() measures leaks to the byte. */
	if (!getenv("GLIBC_TUNABLES")) {
		setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
		execv("/proc/self/exe", argv);
	}
	keep_known = argc > 1 && !strcmp(argv[1], "-k");
	page = sysconf(_SC_PAGESIZE);
	/* Warm up one-time state (the library's CPU features and page
	 * size, libc's message tables) so it does not count as a leak. */
	warming = 1;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		cur_op = ops[i].name;
		run_once(&ops[i], 0, 0);
		run_once(&ops[i], 1, EIO);
	}
	warming = 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		run_op(&ops[i]);
	printf("\n%-40s %8s %8s %8s\n", "call site", "injected", "surfaced", "absorbed");
	for (int i = 0; i < n_sites; i++) {
		printf("%-40s %8u %8u %8u\n", sites[i].name, sites[i].injected,
		       sites[i].surfaced, sites[i].absorbed);
		surfaced += sites[i].surfaced;
		absorbed += sites[i].absorbed;
	}
	printf("\n%u faults injected at %d call sites: %u reached the caller as an error, "
	       "%u were absorbed (retried, or a fallback took over)\n",
	       total_injected, n_sites, surfaced, absorbed);
	printf("security: opens without O_CLOEXEC %u, dups without F_DUPFD_CLOEXEC %u, "
	       "MAP_SYNC without MAP_SHARED_VALIDATE %u\n", fi.open_without_cloexec,
	       fi.dup_without_cloexec, fi.map_sync_without_validate);
	CHECK(fi.open_without_cloexec == 0, "a descriptor was opened without O_CLOEXEC");
	CHECK(fi.dup_without_cloexec == 0, "a descriptor was duplicated without FD_CLOEXEC");
	CHECK(fi.map_sync_without_validate == 0, "MAP_SYNC without MAP_SHARED_VALIDATE");
	if (known_hits)
		printf("%d failures match known issues (see doc/RELIABILITY.md)\n", known_hits);
	tc_cleanup();
	if (failures)
		printf("%d checks FAILED\n", failures);
	return failures ? 1 : 0;
}
