/* SPDX-License-Identifier: MIT */
/*
 * Choosing the cache write-back instruction: for the x86 preference
 * CLWB > CLFLUSHOPT > CLFLUSH, every combination of features and of the
 * SYNCMAP_NO_CLWB / SYNCMAP_NO_CLFLUSHOPT overrides (each disables its
 * instruction); then the features the host architecture's file detects,
 * against the same facts read here independently (CPUID on x86-64, the
 * hardware capabilities and CTR_EL0 on aarch64, AT_HWCAP2 and
 * AT_DCACHEBSIZE on POWER), its write-back loops, and the advice when
 * there is no instruction.
 */
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

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

		/* The x86 order, whatever the host: the choice is generic. */
		memset(&c, 0, sizeof(c));
		c.prefer[0] = CLWB;
		c.prefer[1] = OPT;
		c.prefer[2] = FLUSH;
		c.have = (cases[i].clflush ? SM_INSN_BIT(FLUSH) : 0) |
			 (cases[i].clflushopt ? SM_INSN_BIT(OPT) : 0) |
			 (cases[i].clwb ? SM_INSN_BIT(CLWB) : 0);
		got = sm_cpu_select(&c, off);

		if (got != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, syncmap_insn_name(got),
				 syncmap_insn_name(cases[i].want));
	}
}

/* The preference list, written out per architecture. */
static void assert_prefer(const struct sm_cpu *f, const enum syncmap_insn *want, size_t n)
{
	for (size_t i = 0; i < SM_PREFER_MAX; i++)
		assert_int_equal(f->prefer[i], i < n ? want[i] : NONE);
}

#if defined(__x86_64__)
static void test_features(void **state)
{
	static const enum syncmap_insn order[] = { CLWB, OPT, FLUSH };
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
	assert_prefer(f, order, 3);
}
#elif defined(__aarch64__)
static void test_features(void **state)
{
	static const enum syncmap_insn order[] = {
		SYNCMAP_INSN_DC_CVAP, SYNCMAP_INSN_DC_CVAC,
	};
	const struct sm_cpu *f = sm_cpu();
	uint64_t ctr;
	bool dcpop = (getauxval(AT_HWCAP) >> 16) & 1;	/* HWCAP_DCPOP */

	(void)state;
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	assert_string_equal(f->arch, "aarch64");
	/* CTR_EL0[19:16], DminLine: log2 of the line in 4-byte words. */
	assert_int_equal(f->line, 4u << ((ctr >> 16) & 0xf));
	assert_true(f->line >= 16 && (f->line & (f->line - 1)) == 0);
	assert_prefer(f, order, 2);
	assert_true(f->have & SM_INSN_BIT(SYNCMAP_INSN_DC_CVAC));
	assert_int_equal((f->have & SM_INSN_BIT(SYNCMAP_INSN_DC_CVAP)) != 0, dcpop);
	assert_null(f->lacks);
}
#elif defined(__powerpc64__)
static void test_features(void **state)
{
	static const enum syncmap_insn order[] = {
		SYNCMAP_INSN_DCBSTPS, SYNCMAP_INSN_DCBF,
	};
	const struct sm_cpu *f = sm_cpu();
	unsigned long hw2 = getauxval(AT_HWCAP2);
	bool isa31 = hw2 & 0x00040000UL, isa207 = hw2 & 0x80000000UL;
	unsigned long block = getauxval(19);	/* AT_DCACHEBSIZE */

	(void)state;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	assert_string_equal(f->arch, "ppc64le");
#else
	assert_string_equal(f->arch, "ppc64");
#endif
	assert_int_equal(f->line, block ? block : 32);
	assert_prefer(f, order, 2);
	assert_int_equal((f->have & SM_INSN_BIT(SYNCMAP_INSN_DCBSTPS)) != 0, isa31);
	assert_int_equal((f->have & SM_INSN_BIT(SYNCMAP_INSN_DCBF)) != 0, isa31 || isa207);
	assert_int_equal(f->lacks == NULL, isa31 || isa207);
}
#elif defined(__riscv)
static void test_features(void **state)
{
	static const enum syncmap_insn order[] = { SYNCMAP_INSN_CBO_CLEAN };
	const struct sm_cpu *f = sm_cpu();

	(void)state;
	assert_string_equal(f->arch, "riscv64");
	assert_prefer(f, order, 1);
	/* Either the kernel gave a block size, or it says why not. */
	if (f->have)
		assert_true(f->line >= 16 && (f->line & (f->line - 1)) == 0);
	else
		assert_non_null(f->lacks);
}
#else
static void test_features(void **state)
{
	const struct sm_cpu *f = sm_cpu();

	(void)state;
	assert_string_equal(f->arch, SM_ARCH_NAME);
	assert_int_equal(f->have, 0);
	assert_prefer(f, NULL, 0);
	assert_non_null(f->lacks);
	for (int i = 0; i < SM_INSN_COUNT; i++)
		assert_null(sm_flush_fn_for((enum syncmap_insn)i));
}
#endif

/* Detected once: the same object every time, and a power-of-two line. */
static void test_detected_once(void **state)
{
	const struct sm_cpu *f = sm_cpu();

	(void)state;
	assert_ptr_equal(sm_cpu(), f);
	assert_true(f->line >= 16 && (f->line & (f->line - 1)) == 0);
	assert_int_equal(f->have & ~((1u << SM_INSN_COUNT) - 1), 0);
}

/* Without overrides the process uses the best instruction it has. */
static void test_process_choice(void **state)
{
	const struct sm_cpu *f = sm_cpu();
	enum syncmap_insn want = NONE;

	(void)state;
	assert_int_equal(sm_cpu_disabled(), 0);
	for (int i = SM_PREFER_MAX - 1; i >= 0; i--)
		if (f->prefer[i] != NONE && (f->have & SM_INSN_BIT(f->prefer[i])))
			want = f->prefer[i];
	assert_int_equal(sm_cpu_select(f, 0), want);
	assert_int_equal(want == NONE, f->have == 0);
#if defined(__x86_64__) || defined(__aarch64__)
	/* Every x86-64 CPU has CLFLUSH, every aarch64 one DC CVAC. */
	assert_int_not_equal(want, NONE);
#endif
}

/* Each instruction this CPU has writes back, on unaligned ranges too,
 * and leaves the data as it was; each is its own loop. */
static void test_flush_functions(void **state)
{
	const struct sm_cpu *f = sm_cpu();
	static uint8_t buf[3 * 4096] __attribute__((aligned(4096)));
	sm_flush_fn seen[SM_PREFER_MAX] = { NULL };

	(void)state;
	assert_null(sm_flush_fn_for(NONE));
	memset(buf, 0xab, sizeof(buf));
	for (int i = 0; i < SM_PREFER_MAX && f->prefer[i] != NONE; i++) {
		sm_flush_fn fn = sm_flush_fn_for(f->prefer[i]);

		if (!(f->have & SM_INSN_BIT(f->prefer[i])))
			continue;
		assert_non_null(fn);
		for (int j = 0; j < i; j++)
			assert_true(seen[j] != fn);
		seen[i] = fn;
		fn(buf + 3, 1000);
		fn(buf + f->line - 1, 2);
		fn(buf + 4096, 4096);
		fn(buf, sizeof(buf));
		sm_fence();
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xab);
#if defined(__x86_64__)
	/* The x86 loops exist whatever this CPU has. */
	assert_non_null(sm_flush_fn_for(FLUSH));
	assert_non_null(sm_flush_fn_for(OPT));
	assert_non_null(sm_flush_fn_for(CLWB));
#endif
}

/* cpu_cannot_flush names the architecture and what it lacks. */
static void test_advice(void **state)
{
	struct sm_cpu c;
	char buf[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.arch = "mips64el";
	c.lacks = "libsyncmap has no cache write-back for this architecture";
	sm_cpu_advice(&c, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "mips64el"));
	assert_non_null(strstr(buf, c.lacks));
	assert_non_null(strstr(buf, "msync"));

	/* Everything there is disabled: the variables are named. */
	c.arch = "aarch64";
	c.lacks = NULL;
	c.prefer[0] = SYNCMAP_INSN_DC_CVAP;
	c.prefer[1] = SYNCMAP_INSN_DC_CVAC;
	c.have = SM_INSN_BIT(SYNCMAP_INSN_DC_CVAP) | SM_INSN_BIT(SYNCMAP_INSN_DC_CVAC);
	sm_cpu_advice(&c, c.have, buf, sizeof(buf));
	assert_non_null(strstr(buf, "aarch64"));
	assert_non_null(strstr(buf, "SYNCMAP_NO_DC_CVAP and SYNCMAP_NO_DC_CVAC"));
	/* One left: no variable is blamed. */
	sm_cpu_advice(&c, SM_INSN_BIT(SYNCMAP_INSN_DC_CVAP), buf, sizeof(buf));
	assert_non_null(strstr(buf, "aarch64"));
	assert_null(strstr(buf, "SYNCMAP_NO_"));
	/* A short buffer is cut, never overrun. */
	memset(buf, 'x', sizeof(buf));
	sm_cpu_advice(&c, c.have, buf, 8);
	assert_int_equal(strlen(buf), 7);
	assert_int_equal(buf[8], 'x');

	/* The process's own sentence names its architecture. */
	assert_non_null(strstr(sm_cause_default_advice(SYNCMAP_CAUSE_NO_FLUSH_INSN),
			       sm_cpu()->arch));
}

static void test_flush_names(void **state)
{
	(void)state;
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_NONE), "none");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_CLFLUSH), "clflush");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_CLFLUSHOPT), "clflushopt");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_CLWB), "clwb");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_DC_CVAP), "dc_cvap");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_DC_CVAC), "dc_cvac");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_DCBSTPS), "dcbstps");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_DCBF), "dcbf");
	assert_string_equal(syncmap_insn_name(SYNCMAP_INSN_CBO_CLEAN), "cbo_clean");
	assert_string_equal(sm_insn_env(SYNCMAP_INSN_DC_CVAP), "SYNCMAP_NO_DC_CVAP");
	assert_string_equal(sm_insn_env(SYNCMAP_INSN_CBO_CLEAN), "SYNCMAP_NO_CBO_CLEAN");
	assert_null(sm_insn_env(SYNCMAP_INSN_NONE));
	/* Every instruction has a name and a variable. */
	for (int i = 1; i < SM_INSN_COUNT; i++) {
		assert_string_not_equal(syncmap_insn_name((enum syncmap_insn)i), "unknown");
		assert_non_null(sm_insn_env((enum syncmap_insn)i));
	}
	assert_string_equal(syncmap_insn_name((enum syncmap_insn)42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_table),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_detected_once),
		cmocka_unit_test(test_process_choice),
		cmocka_unit_test(test_flush_functions),
		cmocka_unit_test(test_advice),
		cmocka_unit_test(test_flush_names),
	};

	/* The process-wide choice reads these once; they must be unset. */
	for (int i = 1; i < SM_INSN_COUNT; i++)
		unsetenv(sm_insn_env((enum syncmap_insn)i));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
