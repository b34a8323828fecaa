/* SPDX-License-Identifier: MIT */
/*
 * SYNCMAP_FORCE_GRANULARITY: page forces msync even where MAP_SYNC would
 * take; cache_line and byte force the CPU paths (for measuring, not
 * durable without MAP_SYNC) and must say so; anything else is ignored
 * with a warning.  The variable is read at each open.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

static struct syncmap *open_forced(const char *value, int refuse, unsigned flags)
{
	struct syncmap *m = NULL;

	setenv("SYNCMAP_FORCE_GRANULARITY", value, 1);
	mock.validate_errno = refuse;
	tc_log_capture(SYNCMAP_LOG_DEBUG);
	assert_int_equal(syncmap_open(tc_make_file(tc_path("forced"), 8192, 0), flags, 0, 0, &m), 0);
	return m;
}

/* Persisting makes no syscall. */
static void assert_cpu_persist(struct syncmap *m)
{
	assert_int_equal(syncmap_persist(m, syncmap_addr(m), 100), 0);
	assert_int_equal(mock.msync_calls + mock.fdatasync_calls + mock.sfr_calls, 0);
}

static void test_page_over_map_sync(void **state)
{
	struct syncmap *m;

	(void)state;
	m = open_forced("page", 0, 0);
	assert_int_equal(mock.mmap_validate, 0);
	assert_false(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_FORCED_BY_ENV);
	assert_non_null(strstr(syncmap_advice(m), "SYNCMAP_FORCE_GRANULARITY"));
	assert_true(tc_log_count() >= 1);
	assert_int_equal(syncmap_persist(m, syncmap_addr(m), 1), 0);
	assert_int_equal(mock.msync_calls, 1);
	syncmap_close(m);
}

static void test_cache_line_over_refusal(void **state)
{
	struct syncmap *m;

	(void)state;
	UT_NEEDS_INSN();
	m = open_forced("cache_line", EOPNOTSUPP, 0);
	assert_false(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	assert_int_equal(syncmap_insn(m), sm_cpu_select(sm_cpu(), sm_cpu_disabled()));
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_FORCED_BY_ENV);
	/* Not durable, and it says so, loudly. */
	assert_non_null(strstr(syncmap_advice(m), "NOT durable"));
	assert_true(tc_log_count_level(SYNCMAP_LOG_WARNING) >= 1);
	assert_cpu_persist(m);
	syncmap_close(m);
}

static void test_cache_line_over_map_sync(void **state)
{
	struct syncmap *m;

	(void)state;
	UT_NEEDS_INSN();
	m = open_forced("cache_line", 0, 0);
	assert_true(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_NONE);
	assert_cpu_persist(m);
	syncmap_close(m);
}

static void test_byte_over_map_sync(void **state)
{
	struct syncmap *m;

	(void)state;
	m = open_forced("byte", 0, 0);
	assert_true(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_BYTE);
	assert_int_equal(syncmap_insn(m), SYNCMAP_INSN_NONE);
	/* No persistence domain says cpu_cache here: the byte path is a
	 * forced weakening and must be reported as one. */
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_FORCED_BY_ENV);
	assert_true(tc_log_count_level(SYNCMAP_LOG_WARNING) >= 1);
	assert_cpu_persist(m);
	syncmap_close(m);
}

static void test_byte_over_refusal(void **state)
{
	struct syncmap *m;

	(void)state;
	m = open_forced("byte", EOPNOTSUPP, 0);
	assert_false(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_BYTE);
	assert_int_equal(syncmap_insn(m), SYNCMAP_INSN_NONE);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_FORCED_BY_ENV);
	assert_non_null(strstr(syncmap_advice(m), "NOT durable"));
	assert_cpu_persist(m);
	syncmap_close(m);
}

static void test_invalid_value_ignored(void **state)
{
	static const char *const bad[] = { "pages", "PAGE", "fast", "1" };
	struct syncmap *m;

	(void)state;
	UT_NEEDS_INSN();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mock_reset();
		m = open_forced(bad[i], 0, 0);
		assert_true(syncmap_is_sync(m));
		assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
		assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_NONE);
		assert_true(tc_log_count_level(SYNCMAP_LOG_WARNING) >= 1);
		assert_true(tc_log_contains(bad[i]));
		syncmap_close(m);
	}
	/* Empty is the same as unset: no warning. */
	mock_reset();
	m = open_forced("", 0, 0);
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	assert_int_equal(tc_log_count_level(SYNCMAP_LOG_WARNING), 0);
	syncmap_close(m);
}

/* The caller's explicit choice wins over the environment. */
static void test_flags_win(void **state)
{
	struct syncmap *m;

	(void)state;
	m = open_forced("cache_line", 0, SYNCMAP_FORBID_SYNC);
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_FORBIDDEN);
	syncmap_close(m);

	mock_reset();
	m = open_forced("byte", 0, SYNCMAP_RDONLY);
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_READ_ONLY);
	syncmap_close(m);
}

/* REQUIRE_SYNC means "MAP_SYNC or fail": the environment forcing the
 * page path must not hand such a caller an msync mapping. */
static void test_require_with_forced_page(void **state)
{
	struct syncmap *m = NULL;
	int r;

	(void)state;
	setenv("SYNCMAP_FORCE_GRANULARITY", "page", 1);
	r = syncmap_open(tc_make_file(tc_path("req"), 8192, 0), SYNCMAP_REQUIRE_SYNC, 0, 0, &m);
	if (r == 0) {
		/* Acceptable only if the environment was ignored. */
		assert_true(syncmap_is_sync(m));
		syncmap_close(m);
	} else {
		assert_int_equal(r, -EOPNOTSUPP);
		assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_FORCED_BY_ENV);
		assert_null(m);
	}
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_page_over_map_sync, ut_setup),
		cmocka_unit_test_setup(test_cache_line_over_refusal, ut_setup),
		cmocka_unit_test_setup(test_cache_line_over_map_sync, ut_setup),
		cmocka_unit_test_setup(test_byte_over_map_sync, ut_setup),
		cmocka_unit_test_setup(test_byte_over_refusal, ut_setup),
		cmocka_unit_test_setup(test_invalid_value_ignored, ut_setup),
		cmocka_unit_test_setup(test_flags_win, ut_setup),
		cmocka_unit_test_setup(test_require_with_forced_page, ut_setup),
	};

	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
