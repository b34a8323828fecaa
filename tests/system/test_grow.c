/* SPDX-License-Identifier: MIT */
/*
 * Mappings that grow in place, on real files: syncmap_open_reserve() and
 * syncmap_grow() on the page path, the journal path and strict mode.
 *
 * - Pointers taken before a grow still reach the same bytes after it, the
 *   base address does not move, and the new range is file-backed (what is
 *   persisted there is in the file, read back with read(2)).
 * - Threads persisting on the old range, and on the newest line the length
 *   they read allows, go on during grows (this file is also run under
 *   TSan by scripts/sanitize.sh).
 * - The journal path: a persist in the new range survives a crash that
 *   takes the size change away (the child is killed, then the file is
 *   truncated back, as a power cut before the size was committed leaves).
 * - Strict mode: of two lines written in the new range, only the persisted
 *   one reaches the file.
 * - The limits: past the reservation (-ENOMEM, and the move the caller may
 *   ask for), shrinking, read-only, and a full tmpfs (-ENOSPC, with the
 *   mapping and the file as they were).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <syncmap.h>

#include "files.h"

#define MIB ((size_t)1 << 20)
#define LINE 64u
#define THREADS 3

static struct syncmap *crash_held;

static void fresh(const char *path)
{
	char j[700];

	snprintf(j, sizeof(j), "%s.syncmap-journal", path);
	unlink(path);
	unlink(j);
}

static void marker(uint8_t *p, size_t seed)
{
	for (unsigned i = 0; i < LINE; i++)
		p[i] = (uint8_t)(seed * 13 + i + 1);
}

static bool has_marker(const uint8_t *p, size_t seed)
{
	for (unsigned i = 0; i < LINE; i++)
		if (p[i] != (uint8_t)(seed * 13 + i + 1))
			return false;
	return true;
}

static bool file_has_marker(const char *path, uint64_t at)
{
	uint8_t b[LINE];

	tc_read_file(path, at, b, LINE);
	return has_marker(b, (size_t)(at / LINE));
}

static struct syncmap *open_res(const char *path, unsigned flags, size_t size, size_t res)
{
	struct syncmap *m = NULL;
	int r;

	fresh(path);
	r = syncmap_open_reserve(path, SYNCMAP_CREATE | flags, 0600, size, res, &m);
	if (r)
		fail_msg("open_reserve: %d %s", r, syncmap_last_advice());
	return m;
}

/* Grow step by step; every earlier marker stays where its pointer says,
 * and every new range takes and persists one. */
static void grow_keeps_pointers(const char *path, unsigned flags, enum syncmap_path want)
{
	struct syncmap *m = open_res(path, flags, MIB, 64 * MIB);
	uint8_t *base = syncmap_addr(m);
	size_t len;

	assert_int_equal(syncmap_path(m), want);
	assert_int_equal(syncmap_length(m), MIB);
	assert_int_equal(syncmap_reserved(m), 64 * MIB);
	marker(base, 0);
	assert_int_equal(syncmap_persist(m, base, LINE), 0);
	for (len = 2 * MIB; len <= 16 * MIB; len *= 2) {
		uint8_t *line = base + len - LINE;

		assert_int_equal(syncmap_grow(m, len, 0), 0);
		assert_ptr_equal(syncmap_addr(m), base);
		assert_int_equal(syncmap_length(m), len);
		assert_true(tc_file_size(path) >= (long long)len);
		assert_true(has_marker(base, 0));
		marker(line, (len - LINE) / LINE);
		assert_int_equal(syncmap_persist(m, line, LINE), 0);
	}
	/* Not page-aligned, then within the same page. */
	assert_int_equal(syncmap_grow(m, 16 * MIB + 100, 0), 0);
	assert_int_equal(syncmap_grow(m, 16 * MIB + 200, 0), 0);
	assert_int_equal(syncmap_length(m), 16 * MIB + 200);
	assert_int_equal(syncmap_grow(m, 16 * MIB + 200, 0), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_true(file_has_marker(path, 0));
	for (len = 2 * MIB; len <= 16 * MIB; len *= 2)
		assert_true(file_has_marker(path, len - LINE));
}

static void test_page(void **state)
{
	grow_keeps_pointers(tc_join(*state, "grow-page"), SYNCMAP_FORBID_SYNC, SYNCMAP_PATH_PAGE);
}

static void test_journal(void **state)
{
	grow_keeps_pointers(tc_join(*state, "grow-journal"), SYNCMAP_JOURNAL,
			    SYNCMAP_PATH_JOURNAL);
}

static void test_sparse(void **state)
{
	grow_keeps_pointers(tc_join(*state, "grow-sparse"),
			    SYNCMAP_FORBID_SYNC | SYNCMAP_SPARSE | SYNCMAP_PREFAULT,
			    SYNCMAP_PATH_PAGE);
}

/* A grown journaled file, killed after a persist in the new range; the
 * size change is then taken away.  The reopen gives both back.  The
 * control: the same without the persist loses the line. */
static void crash_after_grow(const char *path, bool persist)
{
	uint64_t at = 3 * MIB + 5 * LINE;
	pid_t pid;
	int st;

	fresh(path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct syncmap *m = NULL;

		if (syncmap_open_reserve(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0600, MIB,
					 8 * MIB, &m) || syncmap_grow(m, 4 * MIB, 0))
			_exit(3);
		crash_held = m;
		marker((uint8_t *)syncmap_addr(m) + at, at / LINE);
		if (persist && syncmap_persist(m, (uint8_t *)syncmap_addr(m) + at, LINE))
			_exit(4);
		kill(getpid(), SIGKILL);
		_exit(5);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(truncate(path, MIB), 0);
	{
		struct syncmap *m = NULL;

		assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m), 0);
		assert_int_equal(syncmap_close(m), 0);
	}
	if (persist) {
		assert_true(tc_file_size(path) >= (long long)(4 * MIB));
		assert_true(file_has_marker(path, at));
	} else {
		assert_true(tc_file_size(path) < (long long)(at + LINE) || !file_has_marker(path, at));
	}
}

static void test_journal_crash(void **state)
{
	crash_after_grow(tc_join(*state, "grow-jcrash"), true);
	crash_after_grow(tc_join(*state, "grow-jcrash-control"), false);
}

/* Strict mode across a grow: only the persisted lines of the new range
 * reach the file, over the page path and over the journal. */
static void strict_grow(const char *path, unsigned flags)
{
	struct syncmap *m = open_res(path, SYNCMAP_STRICT | flags, MIB, 8 * MIB);
	uint8_t *base = syncmap_addr(m);
	uint8_t zero[LINE] = { 0 }, b[LINE];

	marker(base, 0);
	assert_int_equal(syncmap_persist(m, base, LINE), 0);
	assert_int_equal(syncmap_grow(m, 4 * MIB, 0), 0);
	assert_ptr_equal(syncmap_addr(m), base);
	assert_int_equal(syncmap_length(m), 4 * MIB);
	assert_int_equal(syncmap_reserved(m), 8 * MIB);
	marker(base + 2 * MIB, 2 * MIB / LINE);
	marker(base + 3 * MIB, 3 * MIB / LINE);
	assert_int_equal(syncmap_persist(m, base + 3 * MIB, LINE), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(path), 4 * MIB);
	assert_true(file_has_marker(path, 0));
	assert_true(file_has_marker(path, 3 * MIB));
	tc_read_file(path, 2 * MIB, b, LINE);
	assert_memory_equal(b, zero, LINE);
}

static void test_strict(void **state)
{
	strict_grow(tc_join(*state, "grow-strict"), SYNCMAP_FORBID_SYNC);
}

static void test_strict_journal(void **state)
{
	strict_grow(tc_join(*state, "grow-strict-journal"), SYNCMAP_JOURNAL);
}

/* ---- threads */

struct worker {
	struct syncmap *m;
	volatile bool *stop;
	unsigned id;
	unsigned long persists;
	int err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	uint8_t *base = syncmap_addr(w->m);

	while (!__atomic_load_n(w->stop, __ATOMIC_ACQUIRE) && !w->err) {
		/* A line of the first MiB, and this thread's line at the end
		 * of the length read now (a new range as soon as it is
		 * published).  Lines are the unit persists copy: no two
		 * threads store into one. */
		uint8_t *own = base + (w->id * 1024 + (w->persists % 16) * LINE);
		size_t len = syncmap_length(w->m);
		uint8_t *last = base + (len & ~(size_t)(LINE - 1)) - (w->id + 1) * LINE;

		*own = (uint8_t)w->persists;
		w->err = syncmap_persist(w->m, own, LINE);
		if (!w->err) {
			*last = (uint8_t)(w->id + 1);
			w->err = syncmap_persist(w->m, last, LINE);
		}
		__atomic_add_fetch(&w->persists, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static unsigned long persists_of(struct worker *w)
{
	unsigned long n = 0;

	for (unsigned i = 0; i < THREADS; i++)
		n += __atomic_load_n(&w[i].persists, __ATOMIC_ACQUIRE);
	return n;
}

struct growing {
	struct syncmap *m;
	struct worker *w;
};

/* Wait (up to 2 s) for the workers to persist again: grows are fast next
 * to a journal's fdatasync, and the point is to interleave them. */
static void let_workers_run(struct worker *w)
{
	unsigned long n = persists_of(w);

	for (int i = 0; i < 20000 && persists_of(w) == n; i++)
		usleep(100);
}

static void *grower(void *arg)
{
	struct growing *gr = arg;
	struct syncmap *m = gr->m;
	int r = 0;

	while (r == 0 && syncmap_length(m) < 16 * MIB) {
		size_t len = syncmap_length(m) + MIB / 2;

		r = syncmap_grow(m, len, 0);
		let_workers_run(gr->w);
		/* The other grower went further first: not a shrink of ours. */
		if (r == -EINVAL && syncmap_length(m) > len)
			r = 0;
	}
	return (void *)(intptr_t)r;
}

static void threads_on(const char *path, unsigned flags)
{
	struct syncmap *m = open_res(path, flags, MIB, 16 * MIB);
	struct worker w[THREADS];
	pthread_t t[THREADS], g[2];
	volatile bool stop = false;
	struct growing gr = { m, w };
	unsigned long before;
	void *res;

	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ m, &stop, i, 0, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	/* Every worker is persisting before the grows start. */
	for (unsigned i = 0; i < THREADS; i++)
		while (__atomic_load_n(&w[i].persists, __ATOMIC_ACQUIRE) == 0)
			sched_yield();
	before = persists_of(w);
	/* Two growers at once: their grows are ordered, both succeed. */
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&g[i], NULL, grower, &gr), 0);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(g[i], &res), 0);
		assert_int_equal((intptr_t)res, 0);
	}
	/* The workers went on while the mapping grew. */
	assert_true(persists_of(w) > before);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].err, 0);
	}
	assert_true(syncmap_length(m) >= 16 * MIB);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_threads(void **state)
{
	threads_on(tc_join(*state, "grow-threads-page"), SYNCMAP_FORBID_SYNC);
	threads_on(tc_join(*state, "grow-threads-journal"), SYNCMAP_JOURNAL);
	threads_on(tc_join(*state, "grow-threads-strict"), SYNCMAP_STRICT | SYNCMAP_FORBID_SYNC);
}

/* ---- the limits */

static void test_limits(void **state)
{
	const char *path = tc_join(*state, "grow-limits");
	struct syncmap *m = open_res(path, SYNCMAP_FORBID_SYNC, MIB, 2 * MIB);
	uint8_t *base = syncmap_addr(m), *moved;

	marker(base + MIB - LINE, 1);
	assert_int_equal(syncmap_grow(m, 4 * MIB, 0), -ENOMEM);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
	assert_non_null(strstr(syncmap_last_advice(), "syncmap_open_reserve"));
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_GROW_MAY_MOVE"));
	assert_int_equal(syncmap_length(m), MIB);
	assert_int_equal(tc_file_size(path), MIB);
	assert_int_equal(syncmap_grow(m, MIB / 2, 0), -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "shrink"));
	assert_int_equal(syncmap_grow(m, 2 * MIB, 1U << 7), -EINVAL);
	/* Up to the reservation, in place; then moving, when asked. */
	assert_int_equal(syncmap_grow(m, 2 * MIB, 0), 0);
	assert_ptr_equal(syncmap_addr(m), base);
	assert_int_equal(syncmap_grow(m, 4 * MIB, SYNCMAP_GROW_MAY_MOVE), 0);
	moved = syncmap_addr(m);
	assert_int_equal(syncmap_length(m), 4 * MIB);
	assert_true(syncmap_reserved(m) >= 4 * MIB);
	assert_true(has_marker(moved + MIB - LINE, 1));
	marker(moved + 4 * MIB - LINE, (4 * MIB - LINE) / LINE);
	assert_int_equal(syncmap_persist(m, moved + 4 * MIB - LINE, LINE), 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_true(file_has_marker(path, 4 * MIB - LINE));

	/* Without a reservation: the last page only. */
	m = open_res(path, SYNCMAP_FORBID_SYNC, 100, 0);
	assert_int_equal(syncmap_reserved(m), 100);
	assert_int_equal(syncmap_grow(m, 4096, 0), 0);
	assert_int_equal(syncmap_grow(m, 4097, 0), -ENOMEM);
	assert_int_equal(syncmap_close(m), 0);

	/* Read-only: no reservation, and no grow. */
	assert_int_equal(syncmap_open_reserve(path, SYNCMAP_RDONLY, 0, 0, 8 * MIB, &m), -EINVAL);
	assert_int_equal(syncmap_open_reserve(path, SYNCMAP_RDONLY, 0, 0, 0, &m), 0);
	assert_int_equal(syncmap_grow(m, 8192, 0), -EBADF);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_READ_ONLY);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(syncmap_grow(NULL, 1, 0), -EINVAL);
	assert_int_equal(syncmap_reserved(NULL), 0);
}

/* ---- a full file system, in a child with a private tmpfs */

#define CHECK(code, cond) do { if (!(cond)) { \
	fprintf(stderr, "grow enospc child, check %d failed: %s (%s)\n", code, #cond, \
		syncmap_last_advice()); _exit(code); } } while (0)

static void enospc_child(const char *dir)
{
	const char *path = tc_join(dir, "full");
	struct syncmap *m = NULL;
	uint8_t *base;

	CHECK(2, unshare(CLONE_NEWNS) == 0);
	CHECK(3, mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0);
	CHECK(4, mount("syncmap-grow", dir, "tmpfs", MS_NOSUID | MS_NODEV,
		       "size=1048576,mode=0700") == 0);
	CHECK(5, syncmap_open_reserve(path, SYNCMAP_CREATE | SYNCMAP_FORBID_SYNC, 0600,
				      256 << 10, 8 * MIB, &m) == 0);
	base = syncmap_addr(m);
	marker(base, 0);
	CHECK(6, syncmap_persist(m, base, LINE) == 0);
	CHECK(7, syncmap_grow(m, 512 << 10, 0) == 0);	/* the control: it fits */
	CHECK(8, syncmap_grow(m, 4 * MIB, 0) == -ENOSPC);
	CHECK(9, syncmap_length(m) == 512 << 10);
	CHECK(10, tc_file_size(path) == 512 << 10);
	CHECK(11, strstr(syncmap_last_advice(), "SYNCMAP_SPARSE") != NULL);
	CHECK(12, has_marker(base, 0));
	marker(base + (512 << 10) - LINE, 3);
	CHECK(13, syncmap_persist(m, base + (512 << 10) - LINE, LINE) == 0);
	CHECK(14, syncmap_close(m) == 0);
	_exit(0);
}

static void test_enospc(void **state)
{
	const char *dir = tc_join(*state, "grow-tmpfs");
	pid_t pid;
	int st;

	(void)mkdir(dir, 0700);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		enospc_child(dir);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the ENOSPC child failed (status 0x%x; mounting a tmpfs needs root)", st);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_page, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_journal, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_sparse, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_journal_crash, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_strict, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_strict_journal, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_threads, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_limits, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_enospc, tc_setup_disk_dir),
	};

	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
