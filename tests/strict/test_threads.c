/* SPDX-License-Identifier: MIT */
/*
 * Strict mode under threads: persists, flushes and batches from several
 * threads into one mapping each reach the file whole; threads that share
 * cache lines leave every thread's last values; and a crash point cuts
 * all threads at once, so that the file holds exactly N - 1 persists in
 * all.  Lines are the size the library reports (the probe's cpu_line, at
 * most a page, as strict mode counts them).  Run under TSan by
 * scripts/sanitize.sh (it runs every test named "threads").
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "syncmap.h"

#define THREADS 4
#define ROUNDS 500

/* Set by group_setup(): the line, the page, and the file's size. */
static size_t line, page, len;

/* tmpfs where there is one: msync there costs nothing, and the test is
 * about strict mode, not the disk. */
static char dir[64];
static char path[96];
static const char *self;	/* argv[0]: /proc/self/exe would be valgrind's */

struct worker {
	struct syncmap *m;
	uint8_t *view;
	unsigned id;
	int err;
	pthread_barrier_t *bar;
};

static uint64_t *slot(uint8_t *base, unsigned id, unsigned k)
{
	/* Thread id owns a line of pages id, id + THREADS, ... (line id of
	 * the page where it has that many). */
	return (uint64_t *)(void *)(base + (size_t)(id + THREADS * k) * page +
				    (id * line) % page);
}

/* Each round: a persist of one line, a flush and drain of another, a
 * batch of two more, all of this thread's own. */
static void *own_lines(void *arg)
{
	struct worker *w = arg;
	struct syncmap_batch *b = NULL;
	int r = syncmap_batch_new(w->m, 4, &b);

	for (uint64_t i = 1; i <= ROUNDS && r == 0; i++) {
		for (unsigned k = 0; k < 4; k++)
			*slot(w->view, w->id, k) = i * 10 + k;
		r = syncmap_persist(w->m, slot(w->view, w->id, 0), 8);
		if (r == 0)
			r = syncmap_flush(w->m, slot(w->view, w->id, 1), 8);
		if (r == 0)
			r = syncmap_drain(w->m);
		if (r == 0)
			r = syncmap_batch_add(b, slot(w->view, w->id, 2), 8);
		if (r == 0)
			r = syncmap_batch_add(b, slot(w->view, w->id, 3), 8);
		if (r == 0)
			r = syncmap_batch_commit(b);
	}
	syncmap_batch_free(b);
	w->err = r;
	return NULL;
}

static uint64_t file_word(int fd, size_t off)
{
	uint64_t v = 0;

	assert_int_equal(pread(fd, &v, sizeof(v), (off_t)off), (ssize_t)sizeof(v));
	return v;
}

static struct syncmap *open_strict(void)
{
	struct syncmap *m = NULL;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	close(fd);
	assert_int_equal(syncmap_open(path, SYNCMAP_STRICT, 0, 0, &m), 0);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_STRICT_MODE);
	return m;
}

static void run_workers(struct syncmap *m, void *(*fn)(void *))
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	pthread_barrier_t bar;

	pthread_barrier_init(&bar, NULL, THREADS);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ m, syncmap_addr(m), i, 0, &bar };
		assert_int_equal(pthread_create(&t[i], NULL, fn, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].err, 0);
	}
	pthread_barrier_destroy(&bar);
}

static void test_own_lines(void **state)
{
	struct syncmap *m = open_strict();
	uint8_t *base = syncmap_addr(m);
	int fd;

	(void)state;
	run_workers(m, own_lines);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	for (unsigned id = 0; id < THREADS; id++)
		for (unsigned k = 0; k < 4; k++)
			assert_int_equal(file_word(fd, (size_t)((uint8_t *)slot(base, id, k) - base)),
					 ROUNDS * 10 + k);
	close(fd);
	assert_int_equal(syncmap_close(m), 0);
}

/* All threads write their own word of the same lines, then all persist
 * them at once: every line the file ends with holds every thread's word. */
static void *shared_lines(void *arg)
{
	struct worker *w = arg;
	uint64_t *words = (uint64_t *)(void *)w->view;

	for (uint64_t i = 1; i <= ROUNDS && w->err == 0; i++) {
		for (unsigned l = 0; l < 8; l++)
			words[l * (line / 8) + w->id] = i;
		pthread_barrier_wait(w->bar);
		/* Each thread persists a different one of the lines, and
		 * all of them its own word of the last. */
		w->err = syncmap_persist(w->m, &words[w->id * (line / 8)], 8);
		if (w->err == 0)
			w->err = syncmap_persist(w->m, &words[7 * (line / 8) + w->id], 8);
		pthread_barrier_wait(w->bar);
	}
	return NULL;
}

static void test_shared_lines(void **state)
{
	struct syncmap *m = open_strict();
	int fd;

	(void)state;
	run_workers(m, shared_lines);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	for (unsigned l = 0; l < 8; l++)
		for (unsigned id = 0; id < THREADS; id++) {
			uint64_t want = l < THREADS || l == 7 ? ROUNDS : 0;

			assert_int_equal(file_word(fd, l * line + id * 8), want);
		}
	close(fd);
	assert_int_equal(syncmap_close(m), 0);
}

/* In a child: threads persist their own line, value = how many times;
 * the crash point stops them all at once. */
static void *count_up(void *arg)
{
	struct worker *w = arg;
	uint64_t *v = slot(w->view, w->id, 0);

	for (uint64_t i = 1; i <= ROUNDS; i++) {
		*v = i;
		if (syncmap_persist(w->m, v, 8) != 0)
			_exit(1);
	}
	return NULL;
}

static void crash_child(const char *point)
{
	struct syncmap *m = NULL;
	pthread_t t[THREADS];
	struct worker w[THREADS];

	int null = open("/dev/null", O_WRONLY);

	/* The report of the crash point would go to standard error. */
	if (null >= 0)
		dup2(null, 2);
	setenv("SYNCMAP_STRICT_CRASH", point, 1);
	if (syncmap_open(path, SYNCMAP_STRICT, 0, 0, &m) != 0)
		_exit(1);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ m, syncmap_addr(m), i, 0, NULL };
		if (pthread_create(&t[i], NULL, count_up, &w[i]) != 0)
			_exit(1);
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

static void test_crash_cuts_all_threads(void **state)
{
	static const char *const points[] = { "1", "2", "7", "333", "1999" };

	(void)state;
	for (size_t p = 0; p < sizeof(points) / sizeof(points[0]); p++) {
		struct syncmap *m = open_strict();
		uint8_t *base = syncmap_addr(m);
		uint64_t sum = 0;
		pid_t pid;
		int st, fd;

		assert_int_equal(syncmap_close(m), 0);
		/* A fresh process, not a fork of this one: threads after a
		 * fork of a process that had threads are not what TSan (or
		 * POSIX) supports. */
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			execl(self, self, "--crash-child", points[p], path, (char *)NULL);
			_exit(127);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		for (unsigned id = 0; id < THREADS; id++)
			sum += file_word(fd, (size_t)((uint8_t *)slot(base, id, 0) - base));
		close(fd);
		/* Exactly the persists before the crash point, in all. */
		assert_int_equal(sum, strtoull(points[p], NULL, 10) - 1);
	}
}

/* The line of this CPU as the probe of a file reports it; 0 if it does
 * not. */
static size_t cpu_line(const char *file)
{
	struct syncmap_probe *p = NULL;
	const char *key, *value;
	size_t n = 0;

	if (syncmap_probe(file, &p) != 0)
		return 0;
	for (size_t i = 0; syncmap_probe_fact(p, i, &key, &value) == 0; i++)
		if (!strcmp(key, "cpu_line"))
			n = strtoull(value, NULL, 10);
	syncmap_probe_free(p);
	return n;
}

/* The sizes, in the test and in its crash child alike. */
static int set_sizes(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	line = cpu_line(path);
	/* THREADS words in each of 8 lines; strict mode's lines are at
	 * most a page. */
	if (line < THREADS * 8 || (line & (line - 1)) || page < THREADS * 8) {
		fprintf(stderr, "strict-threads: line %zu, page %zu: not usable\n", line, page);
		return -1;
	}
	if (line > page)
		line = page;
	len = 64 * page > 8 * line ? 64 * page : 8 * line;
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/syncmap-strict-threads.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/data", dir);
	unsetenv("SYNCMAP_STRICT");
	unsetenv("SYNCMAP_STRICT_EVICT");
	unsetenv("SYNCMAP_STRICT_REPORT");
	unsetenv("SYNCMAP_STRICT_CRASH");
	return set_sizes();
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_lines),
		cmocka_unit_test(test_shared_lines),
		cmocka_unit_test(test_crash_cuts_all_threads),
	};

	self = argv[0];
	if (argc == 4 && !strcmp(argv[1], "--crash-child")) {
		snprintf(path, sizeof(path), "%s", argv[3]);
		if (set_sizes() != 0)
			_exit(1);
		crash_child(argv[2]);
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
