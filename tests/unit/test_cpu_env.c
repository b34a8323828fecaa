/* SPDX-License-Identifier: MIT */
/*
 * The CPU overrides take effect for the whole process and are announced,
 * because they weaken or slow down persistence.  The choice is made once
 * per process, so this program sets the environment before the library's
 * first call and checks nothing else.  It disables the architecture's two
 * best instructions (SYNCMAP_NO_CLWB and SYNCMAP_NO_CLFLUSHOPT on x86-64,
 * SYNCMAP_NO_DC_CVAP and SYNCMAP_NO_DC_CVAC on aarch64, ...), or the x86
 * pair where the architecture has none.
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

static enum syncmap_insn off_insn[2];

static void test_two_best_disabled(void **state)
{
	uint32_t off = SM_INSN_BIT(off_insn[0]) | SM_INSN_BIT(off_insn[1]);
	struct syncmap *m = NULL;
	enum syncmap_insn want;

	(void)state;
	tc_log_capture(SYNCMAP_LOG_DEBUG);
	want = sm_cpu_select(sm_cpu(), off);
	assert_int_equal(sm_cpu_disabled(), off);
	assert_int_not_equal(want, off_insn[0]);
	assert_int_not_equal(want, off_insn[1]);

	/* A MAP_SYNC mapping reports the overridden instruction, and the
	 * open announces it. */
	mock_reset();
	assert_int_equal(syncmap_open(tc_make_file(tc_path("env"), 8192, 0), 0, 0, 0, &m), 0);
	assert_true(tc_log_count_level(SYNCMAP_LOG_NOTICE) >= 1);
	assert_true(tc_log_contains(sm_insn_env(off_insn[0])));
	assert_true(tc_log_contains(sm_insn_env(off_insn[1])));
	assert_true(tc_log_contains(syncmap_insn_name(want)));
	if (want == SYNCMAP_INSN_NONE) {
		/* No usable write-back instruction: MAP_SYNC cannot persist,
		 * so the mapping must be on the page path and say so. */
		assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
		assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_NO_FLUSH_INSN);
		assert_false(syncmap_is_sync(m));
		/* It says why: the variables, where they took what the CPU
		 * has; the architecture, where it has nothing. */
		if (sm_cpu()->have & off)
			assert_non_null(strstr(syncmap_advice(m), "SYNCMAP_NO_"));
		else
			assert_non_null(strstr(syncmap_advice(m), sm_cpu()->arch));
	} else {
		assert_true(syncmap_is_sync(m));
		assert_int_equal(syncmap_insn(m), want);
	}
	syncmap_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_best_disabled),
	};
	struct sm_cpu c;

	/* sm_arch_cpu() is stateless: reading the order sets no choice. */
	sm_arch_cpu(&c);
	off_insn[0] = c.prefer[0] != SYNCMAP_INSN_NONE ? c.prefer[0] : SYNCMAP_INSN_CLWB;
	off_insn[1] = c.prefer[1] != SYNCMAP_INSN_NONE ? c.prefer[1] : SYNCMAP_INSN_CLFLUSHOPT;
	setenv(sm_insn_env(off_insn[0]), "1", 1);
	setenv(sm_insn_env(off_insn[1]), "yes", 1);
	return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
