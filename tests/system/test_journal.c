/* SPDX-License-Identifier: MIT */
/*
 * The journaled page path on real files (the disk file system of the
 * build, and the temporary directory: $TMPDIR, else /tmp).  A crash is a
 * child that persists and exits without closing.  Its dirty pages stay in
 * the page cache, so a kill alone loses nothing; to see the replay at work
 * the parent then overwrites the persisted lines in the data file with
 * garbage behind the library's back, and the reopen must bring the
 * persisted bytes back from the journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <syncmap.h>

#include "files.h"
#include "other_user.h"

#define PG 4096u
#define FSIZE (64u * PG)

/*
 * Mappings open in a child that stands for a crashed process, which
 * _exits without closing them on purpose: kept here so that a leak
 * checker (the Valgrind run of scripts/sanitize.sh) sees them reachable
 * rather than lost, and leaves the child's exit status, the verdict, alone.
 */
static struct syncmap *volatile crash_held[2];

static int on_tmp(void **state)
{
	*state = (void *)tc_dir();
	return 0;
}

static void fresh(const char *path)
{
	unlink(path);
	unlink(tc_journal_name(path));
}

static struct syncmap *must_open(const char *path, unsigned flags, uint64_t size)
{
	struct syncmap *m = NULL;
	int r = syncmap_open(path, flags, 0, size, &m);

	if (r)
		fail_msg("syncmap_open(%s, 0x%x) = %d: %s", path, flags, r, syncmap_last_advice());
	return m;
}

static void garbage(const char *path, uint64_t off, size_t n)
{
	char buf[PG];
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	memset(buf, 0xEE, sizeof(buf));
	for (size_t done = 0; done < n; done += sizeof(buf))
		assert_int_equal(pwrite(fd, buf, n - done < sizeof(buf) ? n - done : sizeof(buf),
					(off_t)(off + done)), (ssize_t)(n - done < sizeof(buf) ? n - done : sizeof(buf)));
	close(fd);
}

static int wait_child(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The child persists one line per page, value page+1, then "crashes". */
static void crash_child(const char *path, unsigned flags)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct syncmap *m;
		uint8_t *a;

		if (syncmap_open(path, flags, 0, FSIZE, &m))
			_exit(2);
		a = syncmap_addr(m);
		for (unsigned p = 0; p < FSIZE / PG; p++) {
			memset(a + p * PG + 64, (int)(p + 1), 64);
			if (syncmap_persist(m, a + p * PG + 64, 64))
				_exit(3);
		}
		_exit(0);	/* no close: the journal keeps the records */
	}
	assert_int_equal(wait_child(pid), 0);
}

static void check_restored(struct syncmap *m)
{
	const uint8_t *a = syncmap_addr(m);

	for (unsigned p = 0; p < FSIZE / PG; p++)
		for (unsigned i = 0; i < 64; i++)
			assert_int_equal(a[p * PG + 64 + i], (uint8_t)(p + 1));
}

static void smash_lines(const char *path)
{
	for (unsigned p = 0; p < FSIZE / PG; p++)
		garbage(path, p * PG + 64, 64);
}

/* The probe's journal fact for path, copied. */
static const char *probe_journal(const char *path)
{
	static char v[256];
	struct syncmap_probe *p;
	const char *key, *val;

	v[0] = '\0';
	assert_int_equal(syncmap_probe(path, &p), 0);
	for (size_t i = 0; syncmap_probe_fact(p, i, &key, &val) == 0; i++)
		if (!strcmp(key, "journal"))
			snprintf(v, sizeof(v), "%s", val);
	syncmap_probe_free(p);
	return v;
}

static void test_replay_after_crash(void **state)
{
	const char *path = tc_join(*state, "replay");
	struct syncmap_journal_stats st;
	struct syncmap *m;

	fresh(path);
	tc_make_file(path, FSIZE, 1);
	assert_string_equal(probe_journal(path), "absent");
	crash_child(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL);
	assert_non_null(strstr(probe_journal(path), "64 records waiting to be replayed"));
	smash_lines(path);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	assert_int_equal(syncmap_path(m), SYNCMAP_PATH_JOURNAL);
	assert_string_equal(syncmap_path_name(syncmap_path(m)), "journal");
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), 0);
	assert_int_equal(st.replayed, FSIZE / PG);
	check_restored(m);
	assert_int_equal(syncmap_close(m), 0);
	assert_string_equal(probe_journal(path), "empty");
	/* Replayed once: garbage now is the file's own, nothing replays it away. */
	garbage(path, 64, 64);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), 0);
	assert_int_equal(st.replayed, 0);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[64], 0xEE);
	assert_int_equal(syncmap_close(m), 0);
}

/* The control: without the journal the same crash and garbage stay. */
static void test_control_without_journal(void **state)
{
	const char *path = tc_join(*state, "control");
	struct syncmap *m;

	fresh(path);
	crash_child(path, SYNCMAP_CREATE);
	smash_lines(path);
	m = must_open(path, 0, 0);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[64], 0xEE);
	assert_int_not_equal(syncmap_path(m), SYNCMAP_PATH_JOURNAL);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_plain_open_replays(void **state)
{
	const char *path = tc_join(*state, "plain");
	struct syncmap *m;

	fresh(path);
	crash_child(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL);
	smash_lines(path);
	m = must_open(path, 0, 0);
	assert_int_equal(syncmap_path(m), SYNCMAP_PATH_PAGE);
	check_restored(m);
	assert_int_equal(syncmap_close(m), 0);
}

/* A data file replaced (a copy renamed over it: another inode) while its
 * journal holds records is refused, not overwritten with another file's
 * records; the original, put back, still replays.  The identity is the
 * inode and its birth time, never st_dev, which changes between boots. */
static void test_replaced_file_refused(void **state)
{
	const char *path = tc_join(*state, "replaced");
	char keep[700], copy[700];
	struct syncmap *m = NULL;
	struct stat a, b;

	snprintf(keep, sizeof(keep), "%s.orig", path);
	snprintf(copy, sizeof(copy), "%s.copy", path);
	fresh(path);
	unlink(keep);
	crash_child(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL);
	smash_lines(path);
	tc_make_file(copy, FSIZE, 1);
	assert_int_equal(link(path, keep), 0);
	assert_int_equal(rename(copy, path), 0);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(stat(keep, &b), 0);
	assert_true(a.st_ino != b.st_ino);
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(syncmap_last_advice(), "another file"));
	assert_int_equal(rename(keep, path), 0);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	check_restored(m);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_rdonly_view(void **state)
{
	const char *path = tc_join(*state, "rdonly");
	uint8_t byte;
	struct syncmap *m;
	int fd;

	fresh(path);
	crash_child(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL);
	smash_lines(path);
	m = must_open(path, SYNCMAP_RDONLY, 0);
	assert_int_equal(syncmap_path(m), SYNCMAP_PATH_READ_ONLY);
	check_restored(m);
	assert_int_equal(syncmap_close(m), 0);
	/* The view was private: the file itself still waits for the replay. */
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, &byte, 1, 64), 1);
	close(fd);
	assert_int_equal(byte, 0xEE);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	check_restored(m);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_busy(void **state)
{
	const char *path = tc_join(*state, "busy");
	struct syncmap *m, *m2 = NULL;
	pid_t pid;

	fresh(path);
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	crash_held[0] = m;
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m2), -EBUSY);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_JOURNAL_BUSY);
	assert_string_equal(syncmap_cause_name(SYNCMAP_CAUSE_JOURNAL_BUSY), "journal_busy");
	{
		char want[32];

		snprintf(want, sizeof(want), "process %ld", (long)getpid());
		assert_non_null(strstr(syncmap_last_advice(), want));
	}
	/* A plain writable open would write under the journal: refused too. */
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m2), -EBUSY);
	pid = fork();
	if (pid == 0) {
		struct syncmap *c;

		_exit(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &c) == -EBUSY &&
		      syncmap_last_cause() == SYNCMAP_CAUSE_JOURNAL_BUSY ? 0 : 1);
	}
	assert_int_equal(wait_child(pid), 0);
	assert_int_equal(syncmap_close(m), 0);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	assert_int_equal(syncmap_close(m), 0);
}

/* A child of fork() must not append to its parent's journal. */
static void test_fork_refused(void **state)
{
	const char *path = tc_join(*state, "fork");
	struct syncmap *m;
	pid_t pid;

	fresh(path);
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	pid = fork();
	if (pid == 0) {
		uint8_t *a = syncmap_addr(m);

		a[0] = 1;
		_exit(syncmap_persist(m, a, 1) == -ENOTSUP &&
		      strstr(syncmap_last_advice(), "fork") && syncmap_close(m) == 0 ? 0 : 1);
	}
	assert_int_equal(wait_child(pid), 0);
	/* The parent's journal is untouched and still its own. */
	memset(syncmap_addr(m), 5, 64);
	assert_int_equal(syncmap_persist(m, syncmap_addr(m), 64), 0);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_symlink_refused(void **state)
{
	const char *path = tc_join(*state, "link");
	const char *target = tc_join(*state, "link-target");
	struct syncmap *m = NULL;
	int fd;

	fresh(path);
	unlink(target);
	fd = open(target, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, tc_journal_name(path)), 0);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, FSIZE, &m), -ELOOP);
	assert_non_null(strstr(syncmap_last_advice(), "symbolic link"));
	assert_int_equal(tc_file_size(target), 0);
	unlink(tc_journal_name(path));
	unlink(target);
	/* The control: with the link gone the same open works. */
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_flags_refused(void **state)
{
	const char *path = tc_join(*state, "flags");
	struct syncmap *m = NULL;

	fresh(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, FSIZE, &m), 0);
	assert_int_equal(syncmap_close(m), 0);
	m = NULL;
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL | SYNCMAP_RDONLY, 0, 0, &m), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_RDONLY"));
}

/*
 * Strict mode over the journal: only persisted lines reach the file, and
 * they reach it through the journal.  The child persists one line per
 * page and stores into a second line of each page without persisting,
 * then is killed; the persisted lines are overwritten in the file behind
 * its back.  The reopen must bring back every persisted line (from the
 * journal) and none of the unpersisted ones (strict mode never let them
 * out of the private view).
 */
static void test_strict_over_journal(void **state)
{
	const char *path = tc_join(*state, "strict");
	struct syncmap *m;
	const uint8_t *a;
	pid_t pid;

	fresh(path);
	tc_make_file(path, FSIZE, 1);
	garbage(path, 0, FSIZE);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t *w;

		if (syncmap_open(path, SYNCMAP_JOURNAL | SYNCMAP_STRICT, 0, 0, &m))
			_exit(2);
		if (syncmap_path(m) != SYNCMAP_PATH_JOURNAL ||
		    syncmap_cause(m) != SYNCMAP_CAUSE_STRICT_MODE)
			_exit(3);
		w = syncmap_addr(m);
		for (unsigned p = 0; p < FSIZE / PG; p++) {
			memset(w + p * PG + 64, (int)(p + 1), 64);
			memset(w + p * PG + 256, 0x55, 64);	/* never persisted */
			if (syncmap_persist(m, w + p * PG + 64, 64))
				_exit(4);
		}
		kill(getpid(), SIGKILL);
		_exit(5);
	}
	assert_int_equal(wait_child(pid), 128 + SIGKILL);
	smash_lines(path);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	check_restored(m);
	a = syncmap_addr(m);
	for (unsigned p = 0; p < FSIZE / PG; p++)
		assert_int_equal(a[p * PG + 256], 0xEE);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_open_fd(void **state)
{
	const char *path = tc_join(*state, "byfd");
	struct syncmap *m = NULL;
	int fd;

	fresh(path);
	tc_make_file(path, FSIZE, 1);
	fd = open(path, O_RDWR);
	assert_int_equal(syncmap_open_fd(fd, 0, 0, SYNCMAP_JOURNAL, &m), 0);
	assert_int_equal(syncmap_path(m), SYNCMAP_PATH_JOURNAL);
	assert_int_equal(access(tc_journal_name(path), F_OK), 0);
	assert_int_equal(syncmap_close(m), 0);
	close(fd);
	fd = open(path, O_RDWR | O_APPEND);
	assert_int_equal(syncmap_open_fd(fd, 0, 0, SYNCMAP_JOURNAL, &m), -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "O_APPEND"));
	close(fd);
	/* An unlinked file has no name to put a journal beside. */
	fd = open(path, O_RDWR);
	unlink(path);
	assert_int_equal(syncmap_open_fd(fd, 0, 0, SYNCMAP_JOURNAL, &m), -ENOENT);
	assert_non_null(strstr(syncmap_last_advice(), "name"));
	close(fd);
}

static void test_size_env(void **state)
{
	const char *path = tc_join(*state, "size");
	struct syncmap *m = NULL;

	fresh(path);
	setenv("SYNCMAP_JOURNAL_SIZE", "63K", 1);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, FSIZE, &m), -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "SYNCMAP_JOURNAL_SIZE=63K"));
	assert_int_not_equal(access(tc_journal_name(path), F_OK), 0);
	setenv("SYNCMAP_JOURNAL_SIZE", "64K", 1);
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	assert_int_equal(tc_file_size(tc_journal_name(path)), 65536);
	assert_int_equal(syncmap_close(m), 0);
	unsetenv("SYNCMAP_JOURNAL_SIZE");
	fresh(path);
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	assert_int_equal(tc_file_size(tc_journal_name(path)), 8u << 20);
	assert_int_equal(syncmap_close(m), 0);
}

/* A 64K journal checkpoints at 48K: many persists checkpoint often,
 * and a crash after them still replays what the last generation holds. */
static void test_checkpoint_under_load(void **state)
{
	const char *path = tc_join(*state, "ckpt");
	struct syncmap_journal_stats st;
	struct syncmap *m;
	pid_t pid;

	fresh(path);
	setenv("SYNCMAP_JOURNAL_SIZE", "64K", 1);
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	unsetenv("SYNCMAP_JOURNAL_SIZE");
	assert_int_equal(syncmap_close(m), 0);
	pid = fork();
	if (pid == 0) {
		uint8_t *a;

		if (syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m))
			_exit(2);
		a = syncmap_addr(m);
		for (unsigned k = 0; k < 2000; k++) {
			unsigned p = k % (FSIZE / PG);

			memset(a + p * PG + 64, (int)(k & 0xff), 64);
			if (syncmap_persist(m, a + p * PG + 64, 64))
				_exit(3);
		}
		if (syncmap_journal_stats(m, &st, sizeof(st)) || st.checkpoints < 5 ||
		    st.persists != 2000)
			_exit(4);
		/* One larger than a quarter of the journal: a checkpoint. */
		memset(a, 7, FSIZE / 2);
		if (syncmap_persist(m, a, FSIZE / 2))
			_exit(5);
		for (unsigned k = 2000; k < 2064; k++) {
			unsigned p = k % (FSIZE / PG);

			memset(a + p * PG + 64, (int)(k & 0xff), 64);
			if (syncmap_persist(m, a + p * PG + 64, 64))
				_exit(6);
		}
		_exit(0);
	}
	assert_int_equal(wait_child(pid), 0);
	smash_lines(path);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	for (unsigned p = 0; p < FSIZE / PG; p++) {
		unsigned k = 2000 + (p + FSIZE / PG - 2000 % (FSIZE / PG)) % (FSIZE / PG);

		assert_int_equal(((uint8_t *)syncmap_addr(m))[p * PG + 64], (uint8_t)(k & 0xff));
	}
	assert_int_equal(syncmap_close(m), 0);
}

static void test_batch_one_write(void **state)
{
	const char *path = tc_join(*state, "batch");
	struct syncmap_journal_stats st;
	struct syncmap_batch *b;
	struct syncmap *m;
	uint8_t *a;

	fresh(path);
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	a = syncmap_addr(m);
	assert_int_equal(syncmap_batch_new(m, 4, &b), 0);
	for (unsigned p = 0; p < FSIZE / PG; p++) {
		memset(a + p * PG + 64, (int)(p + 1), 64);
		assert_int_equal(syncmap_batch_add(b, a + p * PG + 64, 64), 0);
	}
	assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	syncmap_batch_free(b);
	{
		struct syncmap_journal_stats after;

		assert_int_equal(syncmap_journal_stats(m, &after, sizeof(after)), 0);
		assert_true(after.writes > st.writes);
	}
	/* flush + drain, and copies, go through the journal as well: one
	 * line is one record (a 64-byte header and the CPU's line, 64 bytes
	 * on x86-64, 128 on POWER), two lines of two pages are two records
	 * in one write. */
	{
		struct syncmap_journal_stats after;
		uint64_t one;

		assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), 0);
		assert_int_equal(syncmap_flush(m, a, 64), 0);
		assert_int_equal(syncmap_drain(m), 0);
		assert_int_equal(syncmap_journal_stats(m, &after, sizeof(after)), 0);
		one = after.bytes - st.bytes;
		assert_true(one >= 64 + 64 && one <= 64 + PG && one % 64 == 0);
		assert_int_equal(syncmap_flush(m, a, 64), 0);
		assert_int_equal(syncmap_flush(m, a + PG, 64), 0);
		assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), 0);
		assert_int_equal(syncmap_drain(m), 0);
		assert_int_equal(syncmap_journal_stats(m, &after, sizeof(after)), 0);
		assert_int_equal(after.writes, st.writes + 1);
		assert_int_equal(after.bytes, st.bytes + 2 * one);
	}
	assert_int_equal(syncmap_memset(m, a + 2 * PG, 9, 10, 0), 0);
	assert_int_equal(syncmap_close(m), 0);
	/* A mapping on another path has no journal stats. */
	m = must_open(path, SYNCMAP_FORBID_SYNC, 0);
	assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), -EINVAL);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_corrupt_header(void **state)
{
	const char *path = tc_join(*state, "corrupt");
	struct syncmap *m = NULL;
	char junk[1024];
	int fd;

	fresh(path);
	m = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	assert_int_equal(syncmap_close(m), 0);
	fd = open(tc_journal_name(path), O_RDWR);
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	close(fd);
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m), -EUCLEAN);
	assert_non_null(strstr(syncmap_last_advice(), "move the journal away"));
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), -EUCLEAN);
}

/* Threads persist disjoint lines, each counting up; the parent kills the
 * process at some moment.  Every value a persist returned for must be in
 * the file after the replay (the count each thread published after its
 * persist returned is a lower bound). */
#define NT 4
struct shared {
	volatile uint64_t returned[NT];
};
static struct syncmap *tm;
static struct shared *sh;

static void *worker(void *arg)
{
	long t = (long)arg;
	uint64_t *line = (uint64_t *)((uint8_t *)syncmap_addr(tm) + (size_t)t * 8 * PG);

	uint64_t *second = line + PG / 8;

	/* k goes to the first line, then to a second: once the second holds
	 * k after a replay, the first must too (groups are ordered). */
	for (uint64_t k = 1;; k++) {
		__atomic_store_n(line, k, __ATOMIC_RELAXED);
		if (syncmap_persist(tm, line, 8))
			_exit(9);
		__atomic_store_n(second, k, __ATOMIC_RELAXED);
		if (syncmap_persist(tm, second, 8))
			_exit(9);
		__atomic_store_n(&sh->returned[t], k, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_threads_kill(void **state)
{
	const char *path = tc_join(*state, "threads");
	struct syncmap *m;
	pid_t pid;

	fresh(path);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset((void *)sh, 0, sizeof(*sh));
	pid = fork();
	if (pid == 0) {
		pthread_t th[NT];

		if (syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, FSIZE, &tm))
			_exit(2);
		for (long t = 0; t < NT; t++)
			pthread_create(&th[t], NULL, worker, (void *)t);
		pause();
		_exit(0);
	}
	for (;;) {
		uint64_t min = UINT64_MAX;

		for (int t = 0; t < NT; t++)
			if (sh->returned[t] < min)
				min = sh->returned[t];
		if (min >= 50)
			break;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	assert_int_equal(wait_child(pid), 128 + SIGKILL);
	for (int t = 0; t < NT; t++) {
		garbage(path, (uint64_t)t * 8 * PG, 64);
		garbage(path, (uint64_t)t * 8 * PG + PG, 64);
	}
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	for (int t = 0; t < NT; t++) {
		uint64_t v, w;

		memcpy(&v, (uint8_t *)syncmap_addr(m) + (size_t)t * 8 * PG, 8);
		memcpy(&w, (uint8_t *)syncmap_addr(m) + (size_t)t * 8 * PG + PG, 8);
		if (v < sh->returned[t] || v > sh->returned[t] + 1)
			fail_msg("thread %d: file holds %llu, a persist of %llu had returned", t,
				 (unsigned long long)v, (unsigned long long)sh->returned[t]);
		if (w < sh->returned[t] || w > v || v > w + 1)
			fail_msg("thread %d: second line %llu, first %llu, %llu returned: out of "
				 "order", t, (unsigned long long)w, (unsigned long long)v,
				 (unsigned long long)sh->returned[t]);
	}
	assert_int_equal(syncmap_close(m), 0);
	munmap((void *)sh, sizeof(*sh));
}

/* Threads persisting, flushing and committing batches at once through a
 * 64K journal: many checkpoints under load; nothing hangs, and after
 * close every thread's last value is in the file. */
#define LOAD_N 1500
static void *loader(void *arg)
{
	long t = (long)arg;
	uint8_t *a = (uint8_t *)syncmap_addr(tm) + (size_t)t * 4 * PG;
	struct syncmap_batch *b;

	if (syncmap_batch_new(tm, 2, &b))
		return (void *)1;
	for (uint64_t k = 1; k <= LOAD_N; k++) {
		int r;

		memcpy(a, &k, 8);
		memcpy(a + PG, &k, 8);
		if (k % 3 == 0) {
			r = syncmap_flush(tm, a, 8);
			if (!r)
				r = syncmap_flush(tm, a + PG, 8);
			if (!r)
				r = syncmap_drain(tm);
		} else if (k % 3 == 1) {
			r = syncmap_batch_add(b, a, 8);
			if (!r)
				r = syncmap_batch_add(b, a + PG, 8);
			if (!r)
				r = syncmap_batch_commit(b);
		} else {
			r = syncmap_persist(tm, a, PG + 8);
		}
		if (r)
			return (void *)2;
	}
	syncmap_batch_free(b);
	return NULL;
}

static void test_threads_checkpoints(void **state)
{
	const char *path = tc_join(*state, "load");
	struct syncmap_journal_stats st;
	pthread_t th[NT];
	struct syncmap *m;

	fresh(path);
	setenv("SYNCMAP_JOURNAL_SIZE", "64K", 1);
	tm = must_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, FSIZE);
	unsetenv("SYNCMAP_JOURNAL_SIZE");
	for (long t = 0; t < NT; t++)
		assert_int_equal(pthread_create(&th[t], NULL, loader, (void *)t), 0);
	for (int t = 0; t < NT; t++) {
		void *ret;

		assert_int_equal(pthread_join(th[t], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(syncmap_journal_stats(tm, &st, sizeof(st)), 0);
	assert_true(st.checkpoints > 0);
	assert_true(st.writes <= st.persists);
	assert_int_equal(syncmap_close(tm), 0);
	m = must_open(path, SYNCMAP_JOURNAL, 0);
	for (int t = 0; t < NT; t++) {
		uint64_t v, w;

		memcpy(&v, (uint8_t *)syncmap_addr(m) + (size_t)t * 4 * PG, 8);
		memcpy(&w, (uint8_t *)syncmap_addr(m) + (size_t)t * 4 * PG + PG, 8);
		assert_int_equal(v, LOAD_N);
		assert_int_equal(w, LOAD_N);
	}
	assert_int_equal(syncmap_close(m), 0);
}

/* A journal the reader may not read: refuse rather than show stale data. */
static void test_eacces_refused(void **state)
{
	char dir[256], why[256], path[300];
	pid_t pid;

	(void)state;
	if (geteuid() != 0 || ou_scratch_dir(0755, 0, dir, sizeof(dir), why, sizeof(why)) < 0) {
		print_message("cannot run as another user: %s\n",
			      geteuid() ? "not root" : why);
		skip();
	}
	snprintf(path, sizeof(path), "%s/shared", dir);
	crash_child(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL);
	assert_int_equal(chmod(path, 0644), 0);
	pid = fork();
	if (pid == 0) {
		struct syncmap *m;
		int r;

		if (ou_become_other() < 0)
			_exit(2);
		r = syncmap_open(path, SYNCMAP_RDONLY, 0, 0, &m);
		_exit(r == -EACCES && strstr(syncmap_last_advice(), "stale") ? 0 : 1);
	}
	assert_int_equal(wait_child(pid), 0);
	tc_remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_after_crash),
		cmocka_unit_test(test_control_without_journal),
		cmocka_unit_test(test_plain_open_replays),
		cmocka_unit_test(test_replaced_file_refused),
		cmocka_unit_test(test_rdonly_view),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_fork_refused),
		cmocka_unit_test(test_symlink_refused),
		cmocka_unit_test(test_flags_refused),
		cmocka_unit_test(test_strict_over_journal),
		cmocka_unit_test(test_open_fd),
		cmocka_unit_test(test_size_env),
		cmocka_unit_test(test_checkpoint_under_load),
		cmocka_unit_test(test_batch_one_write),
		cmocka_unit_test(test_corrupt_header),
		cmocka_unit_test(test_threads_kill),
		cmocka_unit_test(test_threads_checkpoints),
	};
	const struct CMUnitTest tmp_tests[] = {
		cmocka_unit_test(test_replay_after_crash),
		cmocka_unit_test(test_threads_kill),
		cmocka_unit_test(test_eacces_refused),
	};
	int r;

	r = cmocka_run_group_tests_name("disk", tests, tc_setup_disk_dir, NULL);
	r |= cmocka_run_group_tests_name("tmp", tmp_tests, on_tmp, NULL);
	tc_cleanup();
	return r;
}
