/* SPDX-License-Identifier: MIT */
/*
 * The log callback (levels, the argument, SYNCMAP_LOG_LEVEL), the
 * per-thread last cause and advice, and the stable names of the enums.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

static void fail_an_open(void)
{
	struct syncmap *m = NULL;

	assert_int_equal(syncmap_open(tc_path("x"), ~0U, 0, 0, &m), -EINVAL);
}

/* A fallback: logged at NOTICE. */
static void fall_back_once(void)
{
	struct syncmap *m = NULL;

	mock.validate_errno = EOPNOTSUPP;
	assert_int_equal(syncmap_open(tc_make_file(tc_path("fb"), 4096, 0), 0, 0, 0, &m), 0);
	syncmap_close(m);
	mock.validate_errno = 0;
}

static void test_error_is_logged(void **state)
{
	(void)state;
	tc_log_capture(SYNCMAP_LOG_DEBUG);
	fail_an_open();
	assert_int_equal(tc_log_count(), 1);
	assert_int_equal(tc_log_count_level(SYNCMAP_LOG_ERR), 1);
	/* The message is the advice, one line without a newline. */
	assert_string_equal(tc_log_last(), syncmap_last_advice());
	assert_null(strchr(tc_log_last(), '\n'));
}

static void test_levels_filter(void **state)
{
	(void)state;
	tc_log_capture(SYNCMAP_LOG_ERR);
	fall_back_once();
	assert_int_equal(tc_log_count(), 0);
	fail_an_open();
	assert_int_equal(tc_log_count(), 1);

	tc_log_capture(SYNCMAP_LOG_NOTICE);
	fall_back_once();
	assert_int_equal(tc_log_count_level(SYNCMAP_LOG_NOTICE), 1);
	assert_true(tc_log_contains("msync"));
	for (int l = SYNCMAP_LOG_INFO; l <= SYNCMAP_LOG_DEBUG; l++)
		assert_int_equal(tc_log_count_level(l), 0);
}

static void test_env_level_overrides(void **state)
{
	(void)state;
	setenv("SYNCMAP_LOG_LEVEL", "notice", 1);
	tc_log_capture(SYNCMAP_LOG_ERR);
	fall_back_once();
	assert_int_equal(tc_log_count_level(SYNCMAP_LOG_NOTICE), 1);

	setenv("SYNCMAP_LOG_LEVEL", "3", 1);
	tc_log_capture(SYNCMAP_LOG_DEBUG);
	fall_back_once();
	assert_int_equal(tc_log_count(), 0);

	/* Nonsense is ignored: the caller's level stands. */
	setenv("SYNCMAP_LOG_LEVEL", "loud", 1);
	tc_log_capture(SYNCMAP_LOG_DEBUG);
	fall_back_once();
	assert_int_equal(tc_log_count_level(SYNCMAP_LOG_NOTICE), 1);
	setenv("SYNCMAP_LOG_LEVEL", "99", 1);
	tc_log_capture(SYNCMAP_LOG_ERR);
	fall_back_once();
	assert_int_equal(tc_log_count(), 0);
	unsetenv("SYNCMAP_LOG_LEVEL");
}

static int calls;
static void *seen_arg;
static void count_cb(void *arg, int level, const char *msg)
{
	(void)level;
	(void)msg;
	calls++;
	seen_arg = arg;
}

static void test_arg_and_null_callback(void **state)
{
	int token;

	(void)state;
	calls = 0;
	syncmap_set_log(count_cb, &token, SYNCMAP_LOG_DEBUG);
	fail_an_open();
	assert_int_equal(calls, 1);
	assert_ptr_equal(seen_arg, &token);
	/* NULL drops messages; the failure is still recorded. */
	syncmap_set_log(NULL, NULL, SYNCMAP_LOG_DEBUG);
	fail_an_open();
	assert_int_equal(calls, 1);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
}

static void *fail_in_thread(void *arg)
{
	struct syncmap *m = NULL;

	(void)arg;
	/* EXCL without CREATE */
	if (syncmap_open(tc_path("t"), SYNCMAP_EXCL, 0, 0, &m) != -EINVAL)
		return (void *)1;
	return strstr(syncmap_last_advice(), "EXCL") ? NULL : (void *)2;
}

static void test_last_cause_is_per_thread(void **state)
{
	pthread_t t;
	void *ret;
	char mine[SM_ADVICE_MAX];

	(void)state;
	fail_an_open();
	snprintf(mine, sizeof(mine), "%s", syncmap_last_advice());
	assert_true(strlen(mine) > 0);
	assert_int_equal(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	assert_string_equal(syncmap_last_advice(), mine);
}

static void test_cause_names(void **state)
{
	(void)state;
	for (int i = 0; i < SM_CAUSE_COUNT; i++) {
		const char *n = syncmap_cause_name((enum syncmap_cause)i);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		for (const char *p = n; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, syncmap_cause_name((enum syncmap_cause)j));
		/* Every cause but "none" has a sentence. */
		if (i != SYNCMAP_CAUSE_NONE)
			assert_true(strlen(sm_cause_default_advice((enum syncmap_cause)i)) > 10);
	}
	assert_string_equal(syncmap_cause_name(SYNCMAP_CAUSE_NONE), "none");
	assert_string_equal(syncmap_cause_name(SYNCMAP_CAUSE_KERNEL_TOO_OLD), "kernel_too_old");
	assert_string_equal(syncmap_cause_name(SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED), "fs_not_dax_mounted");
	assert_string_equal(syncmap_cause_name(SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE), "fs_not_dax_capable");
	assert_string_equal(syncmap_cause_name(SYNCMAP_CAUSE_DEVICE_NOT_DAX), "device_not_dax");
	assert_string_equal(syncmap_cause_name(SM_CAUSE_COUNT), "unknown");
	assert_string_equal(syncmap_cause_name((enum syncmap_cause)-1), "unknown");
	assert_string_equal(syncmap_granularity_name(SYNCMAP_GRAN_BYTE), "byte");
	assert_string_equal(syncmap_granularity_name(SYNCMAP_GRAN_CACHE_LINE), "cache_line");
	assert_string_equal(syncmap_granularity_name(SYNCMAP_GRAN_PAGE), "page");
	assert_string_equal(syncmap_granularity_name((enum syncmap_granularity)7), "unknown");
}

static void test_version(void **state)
{
	char want[32];

	(void)state;
	snprintf(want, sizeof(want), "%d.%d.%d", SYNCMAP_VERSION_MAJOR,
		 SYNCMAP_VERSION_MINOR, SYNCMAP_VERSION_MICRO);
	assert_string_equal(syncmap_version(), want);
}

/* A log callback may call back into the library: one that unsubscribes
 * itself on its first message must not deadlock.  Runs last: a
 * deadlocked thread would keep the lock. */
static void unsubscribe_cb(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
	syncmap_set_log(NULL, NULL, SYNCMAP_LOG_WARNING);
}

static void *log_and_unsubscribe(void *arg)
{
	struct syncmap *m = NULL;

	(void)arg;
	syncmap_set_log(unsubscribe_cb, NULL, SYNCMAP_LOG_DEBUG);
	(void)syncmap_open(tc_path("x"), ~0U, 0, 0, &m);
	return NULL;
}

static void test_log_callback_reentry(void **state)
{
	struct timespec deadline;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, log_and_unsubscribe, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 3;
	if (pthread_timedjoin_np(t, NULL, &deadline) != 0)
		fail_msg("a log callback calling syncmap_set_log() deadlocked");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_error_is_logged, ut_setup),
		cmocka_unit_test_setup(test_levels_filter, ut_setup),
		cmocka_unit_test_setup(test_env_level_overrides, ut_setup),
		cmocka_unit_test_setup(test_arg_and_null_callback, ut_setup),
		cmocka_unit_test_setup(test_last_cause_is_per_thread, ut_setup),
		cmocka_unit_test_setup(test_cause_names, ut_setup),
		cmocka_unit_test_setup(test_version, ut_setup),
		cmocka_unit_test(test_log_callback_reentry),
	};

	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
