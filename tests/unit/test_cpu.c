/* SPDX-License-Identifier: MIT */
/*
 * Choosing the cache write-back instruction: CLWB > CLFLUSHOPT > CLFLUSH,
 * for every combination of CPUID bits and of the SYNCMAP_NO_CLWB /
 * SYNCMAP_NO_CLFLUSHOPT overrides (each disables its instruction); and the detected features against
 * CPUID read here independently.
 */
#include <cpuid.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

#define NONE SYNCMAP_INSN_NONE
#define FLUSH SYNCMAP_INSN_CLFLUSH
#define OPT SYNCMAP_INSN_CLFLUSHOPT
#define CLWB SYNCMAP_INSN_CLWB

/* Written out, not computed: the table is the specification. */
static const struct {
	bool clflush, clflushopt, clwb;
	bool no_clwb, no_clflushopt;
	enum syncmap_insn want;
} cases[] = {
	/* clflush opt clwb | no_clwb no_opt | choice */
	{ 0, 0, 0, 0, 0, NONE }, { 0, 0, 0, 1, 0, NONE },
	{ 0, 0, 0, 0, 1, NONE }, { 0, 0, 0, 1, 1, NONE },
	{ 1, 0, 0, 0, 0, FLUSH }, { 1, 0, 0, 1, 0, FLUSH },
	{ 1, 0, 0, 0, 1, FLUSH }, { 1, 0, 0, 1, 1, FLUSH },
	{ 0, 1, 0, 0, 0, OPT }, { 0, 1, 0, 1, 0, OPT },
	{ 0, 1, 0, 0, 1, NONE }, { 0, 1, 0, 1, 1, NONE },
	{ 1, 1, 0, 0, 0, OPT }, { 1, 1, 0, 1, 0, OPT },
	{ 1, 1, 0, 0, 1, FLUSH }, { 1, 1, 0, 1, 1, FLUSH },
	{ 0, 0, 1, 0, 0, CLWB }, { 0, 0, 1, 1, 0, NONE },
	{ 0, 0, 1, 0, 1, CLWB }, { 0, 0, 1, 1, 1, NONE },
	{ 1, 0, 1, 0, 0, CLWB }, { 1, 0, 1, 1, 0, FLUSH },
	{ 1, 0, 1, 0, 1, CLWB }, { 1, 0, 1, 1, 1, FLUSH },
	{ 0, 1, 1, 0, 0, CLWB }, { 0, 1, 1, 1, 0, OPT },
	{ 0, 1, 1, 0, 1, CLWB }, { 0, 1, 1, 1, 1, NONE },
	{ 1, 1, 1, 0, 0, CLWB }, { 1, 1, 1, 1, 0, OPT },
	{ 1, 1, 1, 0, 1, CLWB }, { 1, 1, 1, 1, 1, FLUSH },
};

static void test_select_table(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cases) / sizeof(cases[0]), 32);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sm_cpu c;
		uint32_t off = (cases[i].no_clwb ? SM_INSN_BIT(CLWB) : 0) |
			       (cases[i].no_clflushopt ? SM_INSN_BIT(OPT) : 0);
		enum syncmap_insn got;

		sm_arch_cpu(&c);
		c.have = (cases[i].clflush ? SM_INSN_BIT(FLUSH) : 0) |
			 (cases[i].clflushopt ? SM_INSN_BIT(OPT) : 0) |
			 (cases[i].clwb ? SM_INSN_BIT(CLWB) : 0);
		got = sm_cpu_select(&c, off);

		if (got != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, syncmap_insn_name(got),
				 syncmap_insn_name(cases[i].want));
	}
}

static void test_features_match_cpuid(void **state)
{
	const struct sm_cpu *f = sm_cpu();
	unsigned a, b, c, d;
	bool clflush = false, opt = false, clwb = false;

	(void)state;
	if (__get_cpuid(1, &a, &b, &c, &d))
		clflush = (d >> 19) & 1;
	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		opt = (b >> 23) & 1;
		clwb = (b >> 24) & 1;
	}
	assert_int_equal((f->have & SM_INSN_BIT(FLUSH)) != 0, clflush);
	assert_int_equal((f->have & SM_INSN_BIT(OPT)) != 0, opt);
	assert_int_equal((f->have & SM_INSN_BIT(CLWB)) != 0, clwb);
	assert_string_equal(f->arch, "x86_64");
	assert_int_equal(f->line, 64);
	/* Detected once: the same object every time. */
	assert_ptr_equal(sm_cpu(), f);
}

/* Without overrides the process uses the best instruction it has. */
static void test_process_choice(void **state)
{
	(void)state;
	assert_int_equal(sm_cpu_disabled(), 0);
	assert_int_not_equal(sm_cpu_select(sm_cpu(), 0), NONE);
}

static void test_flush_functions(void **state)
{
	uint32_t have = sm_cpu()->have;
	static uint8_t buf[4096] __attribute__((aligned(64)));
	sm_flush_fn fns[4];

	(void)state;
	assert_null(sm_flush_fn_for(SYNCMAP_INSN_NONE));
	fns[1] = sm_flush_fn_for(SYNCMAP_INSN_CLFLUSH);
	fns[2] = sm_flush_fn_for(SYNCMAP_INSN_CLFLUSHOPT);
	fns[3] = sm_flush_fn_for(SYNCMAP_INSN_CLWB);
	assert_non_null(fns[1]);
	assert_non_null(fns[2]);
	assert_non_null(fns[3]);
	assert_true(fns[1] != fns[2] && fns[2] != fns[3] && fns[1] != fns[3]);
	/* Run the ones this CPU has, on unaligned ranges too: the data
	 * must be unchanged. */
	memset(buf, 0xab, sizeof(buf));
	if (have & SM_INSN_BIT(FLUSH))
		fns[1](buf + 3, 1000);
	if (have & SM_INSN_BIT(OPT))
		fns[2](buf + 65, 130);
	if (have & SM_INSN_BIT(CLWB))
		fns[3](buf, sizeof(buf));
	sm_fence();
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xab);
}

static void test_flush_names(void **state)
{
	(void)state;
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_NONE), "none");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_CLFLUSH), "clflush");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_CLFLUSHOPT), "clflushopt");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_CLWB), "clwb");
	assert_string_equal(syncmap_insn_name((enum syncmap_insn)42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_table),
		cmocka_unit_test(test_features_match_cpuid),
		cmocka_unit_test(test_process_choice),
		cmocka_unit_test(test_flush_functions),
		cmocka_unit_test(test_flush_names),
	};

	/* The process-wide choice reads these once; they must be unset. */
	unsetenv("SYNCMAP_NO_CLWB");
	unsetenv("SYNCMAP_NO_CLFLUSHOPT");
	unsetenv("SYNCMAP_NO_CLFLUSH");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
