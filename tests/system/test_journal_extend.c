/* SPDX-License-Identifier: MIT */
/*
 * The journaled page path and the file's size.  An open that extends a
 * journaled file changes its size with ftruncate and fallocate, and
 * nothing on this path syncs the data file until a checkpoint: a power cut
 * can leave the file at its old size while the journal holds durable
 * records of lines in the new range.  Here a child opens the file larger,
 * persists, and is killed without closing; the parent then truncates the
 * file back to its old size behind the library's back, which is what such
 * a power cut leaves, and every kind of reopen must show the persisted
 * bytes and the size the file had when they were persisted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <syncmap.h>

#include "files.h"

#define MIB (1u << 20)
#define OLD_SIZE MIB
#define NEW_SIZE (2 * MIB)
#define LINE 64u

/* Kept reachable across the child's kill, for the leak checkers. */
static struct syncmap *crash_held;

static void fresh(const char *path)
{
	unlink(path);
	unlink(tc_journal_name(path));
}

static void marker(uint8_t *p, unsigned seed)
{
	for (unsigned i = 0; i < LINE; i++)
		p[i] = (uint8_t)(seed * 7 + i + 1);
}

static void check_marker(const uint8_t *p, unsigned seed)
{
	for (unsigned i = 0; i < LINE; i++)
		assert_int_equal(p[i], (uint8_t)(seed * 7 + i + 1));
}

/* A file of OLD_SIZE bytes made by a journaled open, closed cleanly. */
static void make_old(const char *path)
{
	struct syncmap *m;

	fresh(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0600, OLD_SIZE, &m),
			 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(path), OLD_SIZE);
}

static int wait_child(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/*
 * In a child: map the file (by path with SYNCMAP_JOURNAL and NEW_SIZE, or
 * through syncmap_open_fd on a descriptor extended by the caller), write
 * a marker into the line at `at`, persist it, and die by SIGKILL without
 * closing.  Then the size change is taken away, as a power cut would.
 */
static void persist_and_die_flags(const char *path, bool by_fd, uint64_t at, unsigned extra)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct syncmap *m = NULL;
		int r, fd;

		if (by_fd) {
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0 || ftruncate(fd, NEW_SIZE) < 0)
				_exit(2);
			r = syncmap_open_fd(fd, 0, NEW_SIZE, SYNCMAP_JOURNAL | extra, &m);
			close(fd);
		} else {
			r = syncmap_open(path, SYNCMAP_JOURNAL | extra, 0, NEW_SIZE, &m);
		}
		if (r || syncmap_path(m) != SYNCMAP_PATH_JOURNAL)
			_exit(3);
		crash_held = m;
		marker((uint8_t *)syncmap_addr(m) + at, (unsigned)(at / LINE));
		if (syncmap_persist(m, (uint8_t *)syncmap_addr(m) + at, LINE))
			_exit(4);
		kill(getpid(), SIGKILL);
		_exit(5);
	}
	assert_int_equal(wait_child(pid), 128 + SIGKILL);
	assert_int_equal(truncate(path, OLD_SIZE), 0);
}

static void persist_and_die(const char *path, bool by_fd, uint64_t at)
{
	persist_and_die_flags(path, by_fd, at, 0);
}

static struct syncmap *reopen(const char *path, unsigned flags)
{
	struct syncmap *m = NULL;
	int r = syncmap_open(path, flags, 0, 0, &m);

	if (r)
		fail_msg("syncmap_open(%s, 0x%x) = %d: %s", path, flags, r, syncmap_last_advice());
	return m;
}

/* The marker in the new range, the whole size, back on a plain open. */
static void test_new_range_plain_open(void **state)
{
	const char *path = tc_join(*state, "extend-plain");
	struct syncmap *m;

	make_old(path);
	persist_and_die(path, false, NEW_SIZE - LINE);
	m = reopen(path, 0);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	check_marker((uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, (NEW_SIZE - LINE) / LINE);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(path), NEW_SIZE);
}

/* The same through a journaled reopen, which replays and attaches. */
static void test_new_range_journal_open(void **state)
{
	const char *path = tc_join(*state, "extend-journal");
	struct syncmap_journal_stats st;
	struct syncmap *m;

	make_old(path);
	persist_and_die(path, false, NEW_SIZE - LINE);
	m = reopen(path, SYNCMAP_JOURNAL);
	assert_int_equal(syncmap_journal_stats(m, &st, sizeof(st)), 0);
	assert_int_equal(st.replayed, 1);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	check_marker((uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, (NEW_SIZE - LINE) / LINE);
	/* The mapping that followed the file is whole: its last line persists. */
	assert_int_equal(syncmap_persist(m, (uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, LINE),
			 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(path), NEW_SIZE);
}

/* A read-only open cannot extend the file: its view shows the new size
 * and the marker, and the file is left as it is. */
static void test_new_range_rdonly_view(void **state)
{
	const char *path = tc_join(*state, "extend-rdonly");
	struct syncmap *m;

	make_old(path);
	persist_and_die(path, false, NEW_SIZE - LINE);
	m = reopen(path, SYNCMAP_RDONLY);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	check_marker((const uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, (NEW_SIZE - LINE) / LINE);
	assert_int_equal(((const uint8_t *)syncmap_addr(m))[OLD_SIZE + 4096], 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(path), OLD_SIZE);
	/* A writable open then replays for good. */
	m = reopen(path, 0);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	assert_int_equal(syncmap_close(m), 0);
}

/* A persist in the old range after the extension: the record carries the
 * size, so the size comes back even though no line lies past the old end. */
static void test_old_range_keeps_size(void **state)
{
	const char *path = tc_join(*state, "extend-oldrange");
	struct syncmap *m;

	make_old(path);
	persist_and_die(path, false, 4 * LINE);
	m = reopen(path, 0);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	check_marker((uint8_t *)syncmap_addr(m) + 4 * LINE, 4);
	assert_int_equal(syncmap_close(m), 0);
}

/* A descriptor the caller extended itself, then syncmap_open_fd. */
static void test_open_fd_extended_by_caller(void **state)
{
	const char *path = tc_join(*state, "extend-fd");
	struct syncmap *m;

	make_old(path);
	persist_and_die(path, true, NEW_SIZE - LINE);
	m = reopen(path, SYNCMAP_JOURNAL);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	check_marker((uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, (NEW_SIZE - LINE) / LINE);
	assert_int_equal(syncmap_close(m), 0);
}

/* An explicit length maps what was asked for; the file still gets its
 * size back, so a later whole-file open sees the marker. */
static void test_explicit_length(void **state)
{
	const char *path = tc_join(*state, "extend-explicit");
	struct syncmap *m;

	make_old(path);
	persist_and_die(path, false, NEW_SIZE - LINE);
	assert_int_equal(syncmap_open(path, SYNCMAP_JOURNAL, 0, OLD_SIZE / 2, &m), 0);
	assert_int_equal(syncmap_length(m), OLD_SIZE / 2);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(path), NEW_SIZE);
	m = reopen(path, SYNCMAP_RDONLY);
	check_marker((const uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, (NEW_SIZE - LINE) / LINE);
	assert_int_equal(syncmap_close(m), 0);
}

/* Strict mode over the journal: only the persisted line reaches the
 * file, through a record that carries the size like any other. */
static void test_strict_over_journal(void **state)
{
	const char *path = tc_join(*state, "extend-strict");
	struct syncmap *m;

	make_old(path);
	persist_and_die_flags(path, false, NEW_SIZE - LINE, SYNCMAP_STRICT);
	m = reopen(path, 0);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	check_marker((uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, (NEW_SIZE - LINE) / LINE);
	assert_int_equal(syncmap_close(m), 0);
}

/*
 * A record that cannot be applied (the file may not grow: RLIMIT_FSIZE)
 * fails the open with the reason, and loses nothing: once the limit is
 * gone the next open restores the marker.
 */
static void test_cannot_extend_fails_open(void **state)
{
	const char *path = tc_join(*state, "extend-limit");
	struct syncmap *m;
	pid_t pid;

	make_old(path);
	persist_and_die(path, false, NEW_SIZE - LINE);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { OLD_SIZE, OLD_SIZE };
		int r;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(2);
		r = syncmap_open(path, 0, 0, 0, &crash_held);
		if (r != -EFBIG)
			_exit(3);
		if (!strstr(syncmap_last_advice(), "nothing is lost"))
			_exit(4);
		_exit(0);
	}
	assert_int_equal(wait_child(pid), 0);
	assert_int_equal(tc_file_size(path), OLD_SIZE);
	m = reopen(path, 0);
	assert_int_equal(syncmap_length(m), NEW_SIZE);
	check_marker((uint8_t *)syncmap_addr(m) + NEW_SIZE - LINE, (NEW_SIZE - LINE) / LINE);
	assert_int_equal(syncmap_close(m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_new_range_plain_open, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_new_range_journal_open, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_new_range_rdonly_view, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_old_range_keeps_size, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_open_fd_extended_by_caller, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_explicit_length, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_strict_over_journal, tc_setup_disk_dir),
		cmocka_unit_test_setup(test_cannot_extend_fails_open, tc_setup_disk_dir),
	};

	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
