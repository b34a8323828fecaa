/* SPDX-License-Identifier: MIT */
/*
 * The CPU overrides take effect for the whole process and are announced,
 * because they weaken or slow down persistence.  The choice is made once
 * per process, so this program sets the environment before the library's
 * first call and checks nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

static void test_no_clwb_no_clflushopt(void **state)
{
	struct sm_cpu_env env = { .no_clwb = true, .no_clflushopt = true };
	struct syncmap *m = NULL;
	enum syncmap_flush want;

	(void)state;
	ut_log_capture(SYNCMAP_LOG_DEBUG);
	want = sm_cpu_select(sm_cpu_features(), &env);
	assert_int_equal(sm_cpu_flush(), want);
	assert_int_not_equal(sm_cpu_flush(), SYNCMAP_FLUSH_CLWB);
	assert_int_not_equal(sm_cpu_flush(), SYNCMAP_FLUSH_CLFLUSHOPT);
	assert_true(ut_log_count_level(SYNCMAP_LOG_NOTICE) >= 1);
	assert_true(ut_log_contains(syncmap_flush_name(want)));

	/* A MAP_SYNC mapping reports the overridden instruction. */
	mock_reset();
	assert_int_equal(syncmap_open(ut_make_file("env", 8192), 0, 0, 0, &m), 0);
	if (want == SYNCMAP_FLUSH_NONE) {
		/* No usable write-back instruction: MAP_SYNC cannot persist,
		 * so the mapping must be on the page path and say so. */
		assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
		assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_NO_FLUSH_INSN);
		assert_false(syncmap_is_sync(m));
	} else {
		assert_true(syncmap_is_sync(m));
		assert_int_equal(syncmap_flush_method(m), want);
	}
	syncmap_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_clwb_no_clflushopt),
	};

	setenv("SYNCMAP_NO_CLWB", "1", 1);
	setenv("SYNCMAP_NO_CLFLUSHOPT", "yes", 1);
	return cmocka_run_group_tests(tests, ut_group_setup, ut_group_teardown);
}
