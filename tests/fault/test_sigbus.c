/* SPDX-License-Identifier: MIT */
/*
 * SIGBUS: another process truncates the file under a live mapping.  The
 * library's safe copies must return -EIO, and the application's own
 * SIGBUS handling (its handler, installed before or after the library's,
 * or the default action) must behave as if the library were not there.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "syncmap.h"
#include "files.h"

#define PAGES 4

static long page;

/* The application's own handler and recovery point. */
static sigjmp_buf app_env;
static volatile sig_atomic_t app_armed, app_hits;
static void *volatile app_addr;

static void app_siginfo(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)uc;
	app_hits++;
	app_addr = info->si_addr;
	if (app_armed)
		siglongjmp(app_env, 1);
}

static void app_plain(int sig)
{
	(void)sig;
	app_hits++;
	if (app_armed)
		siglongjmp(app_env, 1);
}

static void install_app(bool siginfo)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (siginfo) {
		sa.sa_sigaction = app_siginfo;
		sa.sa_flags = SA_SIGINFO;
	} else {
		sa.sa_handler = app_plain;
	}
	assert_int_equal(sigaction(SIGBUS, &sa, NULL), 0);
}

static void set_default(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	assert_int_equal(sigaction(SIGBUS, &sa, NULL), 0);
}

/* Truncate path to len bytes from another process. */
static void truncate_elsewhere(const char *path, off_t len)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_RDWR | O_CLOEXEC);

		_exit(fd >= 0 && ftruncate(fd, len) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A mapping of PAGES pages whose file now has only its first page. */
static struct syncmap *truncated_mapping(const char *name)
{
	const char *path = tc_path(name);
	struct syncmap *m = NULL;
	unsigned char buf[64];

	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE, 0, (uint64_t)(PAGES * page), &m), 0);
	for (int i = 0; i < PAGES; i++)
		assert_int_equal(syncmap_write_safe(m, (uint8_t *)syncmap_addr(m) + i * page,
						    buf, sizeof(buf)), 0);
	truncate_elsewhere(path, page);
	return m;
}

/* An application-owned mapping with the same problem. */
static uint8_t *app_truncated_page(const char *name)
{
	const char *path = tc_path(name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	void *p;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 * page), 0);
	p = mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	close(fd);
	truncate_elsewhere(path, page);
	return (uint8_t *)p + page;
}

/* Touch p under the application's own recovery point: 1 if it faulted. */
static int app_touch(volatile uint8_t *p)
{
	app_armed = 1;
	if (sigsetjmp(app_env, 1)) {
		app_armed = 0;
		return 1;
	}
	(void)*p;
	app_armed = 0;
	return 0;
}

static void test_truncated_read_write(void **state)
{
	struct syncmap *m = truncated_mapping("trunc");
	uint8_t *a = syncmap_addr(m), buf[128];

	(void)state;
	set_default();
	/* The page still in the file reads fine. */
	assert_int_equal(syncmap_read_safe(m, buf, a, 64), 0);
	assert_int_equal(buf[0], 0x5a);
	/* Beyond the new end: -EIO, with an explanation. */
	assert_int_equal(syncmap_read_safe(m, buf, a + 2 * page, 64), -EIO);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
	assert_non_null(strstr(syncmap_last_advice(), "SIGBUS"));
	assert_int_equal(syncmap_write_safe(m, a + 3 * page, buf, 64), -EIO);
	/* Straddling the end: the part before it is copied, then -EIO. */
	assert_int_equal(syncmap_read_safe(m, buf, a + page - 64, 128), -EIO);
	/* The mapping still works where the file is. */
	assert_int_equal(syncmap_write_safe(m, a + 64, buf, 64), 0);
	assert_int_equal(syncmap_close(m), 0);
}

static void test_arguments(void **state)
{
	struct syncmap *m = NULL;
	uint8_t buf[16];
	uint8_t *a;

	(void)state;
	assert_int_equal(syncmap_open(tc_path("args"), SYNCMAP_CREATE, 0, (uint64_t)page, &m), 0);
	a = syncmap_addr(m);
	assert_int_equal(syncmap_read_safe(NULL, buf, a, 1), -EINVAL);
	assert_int_equal(syncmap_read_safe(m, buf, a, 0), 0);
	assert_int_equal(syncmap_read_safe(m, NULL, a, 1), -EINVAL);
	assert_int_equal(syncmap_read_safe(m, buf, a + page, 1), -EINVAL);
	assert_int_equal(syncmap_read_safe(m, buf, a - 1, 2), -EINVAL);
	assert_int_equal(syncmap_write_safe(m, a + page - 1, buf, 2), -EINVAL);
	assert_int_equal(syncmap_write_safe(m, a, NULL, 1), -EINVAL);
	memcpy(buf, "0123456789abcdef", 16);
	assert_int_equal(syncmap_write_safe(m, a + 100, buf, 16), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(syncmap_read_safe(m, buf, a + 100, 16), 0);
	assert_memory_equal(buf, "0123456789abcdef", 16);
	assert_int_equal(syncmap_close(m), 0);
	/* Read-only mappings read but refuse to write. */
	assert_int_equal(syncmap_open(tc_path("args"), SYNCMAP_RDONLY, 0, 0, &m), 0);
	a = syncmap_addr(m);
	assert_int_equal(syncmap_read_safe(m, buf, a + 100, 16), 0);
	assert_memory_equal(buf, "0123456789abcdef", 16);
	assert_int_equal(syncmap_write_safe(m, a, buf, 1), -EBADF);
	assert_int_equal(syncmap_close(m), 0);
	/* Persisted by write_safe: the file itself has it. */
	{
		int fd = open(tc_path("args"), O_RDONLY | O_CLOEXEC);

		assert_true(fd >= 0);
		assert_int_equal(pread(fd, buf, 16, 100), 16);
		close(fd);
		assert_memory_equal(buf, "0123456789abcdef", 16);
	}
}

/* The application's handler was installed first; the library goes in
 * front of it and passes the application's faults on. */
static void test_app_handler_before(void **state)
{
	struct syncmap *m;
	uint8_t buf[64], *mine;

	(void)state;
	install_app(true);
	m = truncated_mapping("before");
	mine = app_truncated_page("before-app");
	app_hits = 0;
	assert_int_equal(syncmap_read_safe(m, buf, (uint8_t *)syncmap_addr(m) + 3 * page, 8), -EIO);
	assert_int_equal(app_hits, 0);
	assert_int_equal(app_touch(mine), 1);
	assert_int_equal(app_hits, 1);
	assert_ptr_equal(app_addr, mine);
	/* A SIGBUS sent with kill() is the application's too. */
	app_armed = 0;
	raise(SIGBUS);
	assert_int_equal(app_hits, 2);
	munmap(mine - page, (size_t)(2 * page));
	assert_int_equal(syncmap_close(m), 0);
}

/* The application installs its handler after the library's, and it is a
 * plain sa_handler: the library must still catch its own faults. */
static void test_app_handler_after(void **state)
{
	struct syncmap *m = truncated_mapping("after");
	uint8_t buf[64], *mine = app_truncated_page("after-app");

	(void)state;
	assert_int_equal(syncmap_read_safe(m, buf, (uint8_t *)syncmap_addr(m) + 2 * page, 8), -EIO);
	install_app(false);
	app_hits = 0;
	assert_int_equal(syncmap_read_safe(m, buf, (uint8_t *)syncmap_addr(m) + 2 * page, 8), -EIO);
	assert_int_equal(app_hits, 0);
	assert_int_equal(app_touch(mine), 1);
	assert_int_equal(app_hits, 1);
	/* A safe read into a buffer that is itself a truncated application
	 * mapping: that fault is the application's, not the library's. */
	app_armed = 1;
	if (sigsetjmp(app_env, 1) == 0) {
		syncmap_read_safe(m, mine, syncmap_addr(m), 8);
		fail_msg("the fault on the application's buffer was swallowed");
	}
	app_armed = 0;
	assert_int_equal(app_hits, 2);
	/* The application left the library's copy by jumping out of its own
	 * handler.  Its own later fault on the library's mapping, outside
	 * any safe call, must reach it, not the abandoned copy. */
	assert_int_equal(app_touch((uint8_t *)syncmap_addr(m) + 2 * page), 1);
	assert_int_equal(app_hits, 3);
	assert_int_equal(syncmap_read_safe(m, buf, (uint8_t *)syncmap_addr(m) + 2 * page, 8), -EIO);
	assert_int_equal(app_hits, 3);
	munmap(mine - page, (size_t)(2 * page));
	assert_int_equal(syncmap_close(m), 0);
}

/* With no handler of its own the application still dies of its own SIGBUS,
 * as it would without the library. */
static void test_default_action(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct syncmap *m;
		uint8_t buf[8], *mine;

		set_default();
		m = truncated_mapping("dfl");
		mine = app_truncated_page("dfl-app");
		if (syncmap_read_safe(m, buf, (uint8_t *)syncmap_addr(m) + 2 * page, 8) != -EIO)
			_exit(2);
		(void)*(volatile uint8_t *)mine;
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
}

struct racer {
	struct syncmap *m;
	int eio;
};

static void *safe_reader(void *arg)
{
	struct racer *r = arg;
	uint8_t buf[64];

	for (int i = 0; i < 2000; i++)
		r->eio += syncmap_read_safe(r->m, buf,
					    (uint8_t *)syncmap_addr(r->m) + 2 * page, 8) == -EIO;
	return NULL;
}

/* One thread's library faults and another thread's own faults at once. */
static void test_threads(void **state)
{
	struct racer r[3];
	pthread_t t[3];
	uint8_t *mine = app_truncated_page("thr-app");
	int i, hits = 0;

	(void)state;
	install_app(true);
	r[0].m = truncated_mapping("thr");
	for (i = 0; i < 3; i++) {
		r[i].m = r[0].m;
		r[i].eio = 0;
		assert_int_equal(pthread_create(&t[i], NULL, safe_reader, &r[i]), 0);
	}
	app_hits = 0;
	for (i = 0; i < 500; i++)
		hits += app_touch(mine);
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].eio, 2000);
	}
	assert_int_equal(hits, 500);
	assert_int_equal(app_hits, 500);
	munmap(mine - page, (size_t)(2 * page));
	assert_int_equal(syncmap_close(r[0].m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_truncated_read_write),
		cmocka_unit_test(test_app_handler_before),
		cmocka_unit_test(test_app_handler_after),
		cmocka_unit_test(test_default_action),
		cmocka_unit_test(test_threads),
	};

	page = sysconf(_SC_PAGESIZE);
	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
