/* SPDX-License-Identifier: MIT */
/*
 * Strict mode's persist points, each test in a child process that the
 * library stops: the Nth point stops it before anything of that point
 * reaches the file, and exactly points 1..N-1 are there; the count is
 * shared by the processes of one report file and later ones stop at once;
 * a drain's ranges are separate points, newest first; the report names the
 * point, the bytes and the call stack; eviction writes only unpersisted
 * lines, the same ones for the same seed; a mapping inherited by fork() is
 * refused in the child, and so is a second process in strict mode on the
 * same bytes.  Lines are of the size the library reports (cpu_line.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "cpu_line.h"
#include "mock.h"
#include "strict_report.h"

/* Set by group_setup(): the line, the page, and the files' size. */
static size_t line, page, len;

/* In a child: no cmocka, a failed check exits with its line. */
#define CHILD_CHECK(x) do { if (!(x)) { \
		fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #x); \
		_exit(1); } } while (0)

static int in_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void assert_killed(int st)
{
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("the child was not stopped by SIGKILL (status %#x)", st);
}

static void file_bytes(const char *path, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, n, 0), (ssize_t)n);
	close(fd);
}

static struct sm_report read_report(const char *path, char *text, size_t size)
{
	struct sm_report h;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	n = pread(fd, text, size - 1, SM_REPORT_HEADER);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	assert_true(h.magic == SM_REPORT_MAGIC);
	return h;
}

struct job {
	const char *path, *report, *crash, *evict, *seed;
	unsigned lines;		/* persists, one line each */
	uint8_t value;
};

static struct syncmap *child_open(const struct job *j)
{
	struct syncmap *m = NULL;

	if (j->report)
		setenv("SYNCMAP_STRICT_REPORT", j->report, 1);
	if (j->crash)
		setenv("SYNCMAP_STRICT_CRASH", j->crash, 1);
	if (j->evict)
		setenv("SYNCMAP_STRICT_EVICT", j->evict, 1);
	if (j->seed)
		setenv("SYNCMAP_STRICT_SEED", j->seed, 1);
	CHILD_CHECK(syncmap_open(j->path, SYNCMAP_STRICT | SYNCMAP_FORBID_SYNC, 0, 0, &m) == 0);
	return m;
}

/* Persist lines 0, 1, 2 ... one by one, each set to value + its index. */
static void persist_lines(void *arg)
{
	const struct job *j = arg;
	struct syncmap *m = child_open(j);
	uint8_t *v = syncmap_addr(m);

	for (unsigned i = 0; i < j->lines; i++) {
		memset(v + i * line, j->value + i, line);
		CHILD_CHECK(syncmap_persist(m, v + i * line, line) == 0);
	}
	CHILD_CHECK(syncmap_close(m) == 0);
}

/* Line i of the file holds value + i for i < n, the pattern after. */
static void assert_persisted(const char *path, uint8_t value, unsigned n)
{
	uint8_t *f = malloc(len);

	assert_non_null(f);
	file_bytes(path, f, len);
	for (size_t i = 0; i < 8 * line; i++) {
		int want = i / line < n ? (uint8_t)(value + i / line) : tc_pattern(0, i);

		if (f[i] != want)
			fail_msg("byte %zu (line %zu of %zu bytes): %u, expected %d (%u lines "
				 "persisted)", i, i / line, line, f[i], want, n);
	}
	free(f);
}

static void test_stops_at_the_point(void **state)
{
	struct job j = { tc_make_file(tc_path("stop"), len, 0), tc_path("stop.report"), "3", NULL, NULL, 6, 0x40 };
	char text[SM_REPORT_TEXT_MAX], want[96];
	struct sm_report h;

	(void)state;
	unlink(j.report);
	assert_killed(in_child(persist_lines, &j));
	assert_persisted(j.path, 0x40, 2);
	h = read_report(j.report, text, sizeof(text));
	assert_int_equal(h.points, 3);
	assert_int_equal(h.crashed_at, 3);
	assert_int_equal(h.mappings, 1);
	assert_non_null(strstr(text, "crash point 3,"));
	/* The third persist: line 2, one line. */
	snprintf(want, sizeof(want), "about to write %zu bytes at file offset %zu (step 1 of 1",
		 line, 2 * line);
	if (!strstr(text, want))
		fail_msg("the report does not say \"%s\":\n%s", want, text);
	assert_non_null(strstr(text, "\nframe "));
	assert_int_equal(h.text_len, strlen(text));
}

/* Without a report file the report goes to standard error. */
static void to_stderr(void *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct job j = { tc_make_file(tc_path("stderr"), len, 0), NULL, "1", NULL, NULL, 2, 1 };

	CHILD_CHECK(fd >= 0 && dup2(fd, 2) == 2);
	persist_lines(&j);
}

static void test_report_on_stderr(void **state)
{
	const char *err = tc_path("stderr.out");
	char text[4096] = "";
	int fd;
	ssize_t n;

	(void)state;
	assert_killed(in_child(to_stderr, (void *)err));
	fd = open(err, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	assert_non_null(strstr(text, "libsyncmap strict mode: crash point 1,"));
	assert_non_null(strstr(text, "frame "));
	assert_persisted(tc_path("stderr"), 1, 0);
}

/* a's two lines, then b's first over a's first. */
static void assert_two_runs(const char *path)
{
	uint8_t *f = malloc(len);

	assert_non_null(f);
	file_bytes(path, f, len);
	for (size_t i = 0; i < 4 * line; i++)
		assert_int_equal(f[i], i < line ? 0x20 : i < 2 * line ? 0x11 : tc_pattern(0, i));
	free(f);
}

/* One report, several processes: one sequence of points. */
static void test_count_is_shared(void **state)
{
	const char *report = tc_path("shared.report");
	struct job a = { tc_make_file(tc_path("shared"), len, 0), report, NULL, NULL, NULL, 2, 0x10 };
	struct job b = a, c = a;
	char text[SM_REPORT_TEXT_MAX];
	struct sm_report h;

	(void)state;
	unlink(report);
	assert_int_equal(in_child(persist_lines, &a), 0);
	h = read_report(report, text, sizeof(text));
	assert_int_equal(h.points, 2);
	assert_int_equal(h.crashed_at, 0);
	/* Points 3 and 4: the second persist of b is point 4. */
	b.crash = "4";
	b.value = 0x20;
	assert_killed(in_child(persist_lines, &b));
	assert_two_runs(a.path);
	h = read_report(report, text, sizeof(text));
	assert_int_equal(h.crashed_at, 4);
	/* After the crash point no process of the run changes the file. */
	c.value = 0x30;
	assert_killed(in_child(persist_lines, &c));
	assert_two_runs(a.path);
	assert_int_equal(read_report(report, text, sizeof(text)).points, 4);
}

/* flush(line 1), flush(line 2), persist(line 3): three points, newest
 * first. */
static void drain_steps(void *arg)
{
	struct syncmap *m = child_open(arg);
	uint8_t *v = syncmap_addr(m);

	memset(v + line, 0xa1, line);
	CHILD_CHECK(syncmap_flush(m, v + line, line) == 0);
	memset(v + 2 * line, 0xa2, line);
	CHILD_CHECK(syncmap_flush(m, v + 2 * line, line) == 0);
	memset(v + 3 * line, 0xa3, line);
	CHILD_CHECK(syncmap_persist(m, v + 3 * line, line) == 0);
	CHILD_CHECK(syncmap_close(m) == 0);
}

static void test_drain_steps_newest_first(void **state)
{
	char *path = strdup(tc_path("steps"));
	static const char *const crash[] = { "1", "2", "3" };
	/* Which of lines 1, 2, 3 each crash point leaves in the file. */
	static const bool there[3][3] = {
		{ false, false, false }, { false, false, true }, { false, true, true },
	};
	char text[SM_REPORT_TEXT_MAX];
	uint8_t *f = malloc(4 * line);

	(void)state;
	assert_non_null(f);
	for (int k = 0; k < 3; k++) {
		struct job j = { path, tc_path("steps.report"), crash[k], NULL, NULL, 0, 0 };

		tc_make_file(tc_path("steps"), len, 0);
		unlink(j.report);
		assert_killed(in_child(drain_steps, &j));
		file_bytes(path, f, 4 * line);
		for (size_t i = 0; i < line; i++)
			assert_int_equal(f[i], tc_pattern(0, i));
		for (int l = 1; l <= 3; l++)
			for (size_t i = l * line; i < (l + 1) * line; i++)
				assert_int_equal(f[i], there[k][l - 1] ? 0xa0 + l : tc_pattern(0, i));
		read_report(j.report, text, sizeof(text));
		assert_non_null(strstr(text, k == 0 ? "(step 1 of 3" : k == 1 ? "(step 2 of 3" :
				       "(step 3 of 3"));
	}
	{
		struct job j = { path, tc_path("steps.report"), NULL, NULL, NULL, 0, 0 };

		tc_make_file(tc_path("steps"), len, 0);
		unlink(j.report);
		assert_int_equal(in_child(drain_steps, &j), 0);
		file_bytes(path, f, 4 * line);
		for (int l = 1; l <= 3; l++)
			for (size_t i = l * line; i < (l + 1) * line; i++)
				assert_int_equal(f[i], 0xa0 + l);
	}
	free(f);
	free(path);
}

/* Store into 64 lines, persist none of them, persist line 200 twice:
 * point 1 evicts at random, point 2 is the crash. */
static void dirty_then_crash(void *arg)
{
	struct syncmap *m = child_open(arg);
	uint8_t *v = syncmap_addr(m);

	for (unsigned i = 0; i < 64; i++)
		memset(v + i * line, 0xee, line);
	v[200 * line] = 1;
	CHILD_CHECK(syncmap_persist(m, v + 200 * line, 1) == 0);
	v[200 * line] = 2;
	CHILD_CHECK(syncmap_persist(m, v + 200 * line, 1) == 0);
	_exit(0);
}

/* Which of the 64 dirty lines the crash left in the file. */
static uint64_t evicted_lines(const char *seed)
{
	struct job j = { tc_make_file(tc_path("evict"), len, 0), tc_path("evict.report"), "2", "1", seed, 0, 0 };
	char text[SM_REPORT_TEXT_MAX];
	uint8_t *f = malloc(len);
	uint64_t bits = 0, n;

	assert_non_null(f);
	unlink(j.report);
	assert_killed(in_child(dirty_then_crash, &j));
	file_bytes(j.path, f, len);
	for (size_t l = 0; l < len / line; l++) {
		const uint8_t *p = f + l * line;
		bool stored = true, old = true;

		for (size_t i = 0; i < line; i++) {
			stored &= p[i] == 0xee;
			old &= p[i] == tc_pattern(0, l * line + i);
		}
		if (l < 64 && stored)
			bits |= 1ULL << l;
		else if (l == 200)	/* point 1 persisted 1; 2 is there if evicted */
			assert_true(p[0] == 1 || p[0] == 2);
		else
			assert_true(old);	/* whole lines only, and only stored ones */
	}
	free(f);
	/* The count of lines eviction wrote: these, and line 200 when point
	 * 1 evicted it before persisting it, or the crash after. */
	n = read_report(j.report, text, sizeof(text)).evicted;
	assert_true(n >= (uint64_t)__builtin_popcountll(bits) &&
		    n <= (uint64_t)__builtin_popcountll(bits) + 2);
	return bits;
}

static void test_eviction(void **state)
{
	uint64_t a = evicted_lines("5"), b = evicted_lines("5"), c = evicted_lines("6");

	(void)state;
	/* About half; never none or all of 64 but with odds of 2^-63. */
	assert_true(a != 0 && a != UINT64_MAX);
	assert_true(a == b);	/* the seed replays the run */
	assert_true(a != c);
}

static struct syncmap *forked_map;

static void use_after_fork(void *arg)
{
	uint8_t *v = syncmap_addr(forked_map);
	struct syncmap *m = NULL;

	(void)arg;
	CHILD_CHECK(syncmap_persist(forked_map, v, 1) == -ENOTSUP);
	CHILD_CHECK(strstr(syncmap_last_advice(), "fork") != NULL);
	CHILD_CHECK(syncmap_flush(forked_map, v, 1) == -ENOTSUP);
	CHILD_CHECK(syncmap_drain(forked_map) == -ENOTSUP);
	CHILD_CHECK(syncmap_close(forked_map) == 0);
	/* A mapping the child opens itself works. */
	CHILD_CHECK(syncmap_open(tc_make_file(tc_path("child"), len, 0), SYNCMAP_STRICT, 0, 0, &m) == 0);
	CHILD_CHECK(syncmap_persist(m, syncmap_addr(m), 1) == 0);
	CHILD_CHECK(syncmap_close(m) == 0);
}

static void test_fork_refused(void **state)
{
	const char *path = tc_make_file(tc_path("fork"), len, 0);

	(void)state;
	assert_int_equal(syncmap_open(path, SYNCMAP_STRICT, 0, 0, &forked_map), 0);
	assert_int_equal(in_child(use_after_fork, NULL), 0);
	/* The parent's mapping, and its lock, are untouched by the child. */
	assert_int_equal(syncmap_persist(forked_map, syncmap_addr(forked_map), 1), 0);
	assert_int_equal(syncmap_close(forked_map), 0);
}

/* Another process in strict mode on the same bytes is refused: each
 * would work on a view the other never sees. */
static void second_process(void *arg)
{
	struct syncmap *m = NULL;

	CHILD_CHECK(syncmap_open(arg, SYNCMAP_STRICT, 0, 0, &m) == -EBUSY);
	CHILD_CHECK(syncmap_last_cause() == SYNCMAP_CAUSE_STRICT_MODE);
	CHILD_CHECK(strstr(syncmap_last_advice(), "another process") != NULL);
	/* Bytes the parent does not hold are free. */
	CHILD_CHECK(syncmap_open_fd(open(arg, O_RDWR), len - page, page, SYNCMAP_STRICT, &m) == 0);
	CHILD_CHECK(syncmap_close(m) == 0);
}

static void test_second_process_refused(void **state)
{
	const char *path = tc_make_file(tc_path("second"), len, 0);
	struct syncmap *m;
	int fd = open(path, O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 0, len - page, SYNCMAP_STRICT, &m), 0);
	assert_int_equal(in_child(second_process, (void *)path), 0);
	assert_int_equal(syncmap_close(m), 0);
	close(fd);
}

/* Four pages, and at least the 201 lines of the eviction test. */
static int group_setup(void **state)
{
	line = ut_strict_line();
	page = (size_t)sm_page_size();
	len = 4 * page > 256 * line ? 4 * page : 256 * line;
	return tc_group_setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_stops_at_the_point, ut_setup),
		cmocka_unit_test_setup(test_report_on_stderr, ut_setup),
		cmocka_unit_test_setup(test_count_is_shared, ut_setup),
		cmocka_unit_test_setup(test_drain_steps_newest_first, ut_setup),
		cmocka_unit_test_setup(test_eviction, ut_setup),
		cmocka_unit_test_setup(test_fork_refused, ut_setup),
		cmocka_unit_test_setup(test_second_process_refused, ut_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, tc_group_teardown);
}
