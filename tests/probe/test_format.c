/* SPDX-License-Identifier: MIT */
/*
 * The report's formats: exact JSON for a known report, escaping of every
 * awkward byte, snprintf-style sizing, the text summary, the fact API,
 * and how the MAP_SHARED_VALIDATE probe reads the kernel's errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "probe.h"

static struct syncmap_probe *report(void)
{
	struct syncmap_probe *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->gran = SYNCMAP_GRAN_PAGE;
	p->cause = SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED;
	snprintf(p->advice, sizeof(p->advice), "remount");
	sm_probe_add(p, "path", SM_FACT_STRING, "/mnt/a \"b\"\\c");
	sm_probe_add(p, "map_sync", SM_FACT_BOOL, "false");
	sm_probe_add(p, "granularity", SM_FACT_STRING, "page");
	sm_probe_add(p, "cause", SM_FACT_STRING, "fs_not_dax_mounted");
	sm_probe_add(p, "align", SM_FACT_NUMBER, "%d", 2097152);
	sm_probe_add(p, "region", SM_FACT_NULL, "unknown");
	sm_probe_add(p, "nvdimm_bus", SM_FACT_BOOL, "false");
	assert_false(p->oom);
	return p;
}

static void test_json_exact(void **state)
{
	struct syncmap_probe *p = report();
	char buf[512];
	int n;

	(void)state;
	n = syncmap_probe_format(p, SYNCMAP_PROBE_JSON, buf, sizeof(buf));
	assert_string_equal(buf,
		"{\"path\":\"/mnt/a \\\"b\\\"\\\\c\",\"map_sync\":false,"
		"\"granularity\":\"page\",\"cause\":\"fs_not_dax_mounted\","
		"\"align\":2097152,\"region\":null,\"nvdimm_bus\":false}");
	assert_int_equal(n, (int)strlen(buf));
	syncmap_probe_free(p);
}

static void json_of(const char *s, char *out, size_t size)
{
	struct sm_buf b = { out, size, 0 };

	sm_buf_json_string(&b, s);
	assert_true(b.len < size);
}

static void test_json_escapes(void **state)
{
	char out[128];

	(void)state;
	json_of("a\nb\tc\x01\x1f\x7f", out, sizeof(out));
	assert_string_equal(out, "\"a\\nb\\tc\\u0001\\u001f\\u007f\"");
	/* Valid UTF-8 passes through. */
	json_of("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", out, sizeof(out));
	assert_string_equal(out, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* Stray, truncated, overlong and surrogate sequences do not. */
	json_of("\xff" "a\xc3" "b\xc0\xaf" "\xed\xa0\x80", out, sizeof(out));
	assert_string_equal(out,
		"\"\\ufffda\\ufffdb\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

/* Like snprintf: the needed length whatever the size, never an overrun. */
static void test_sizing(void **state)
{
	struct syncmap_probe *p = report();
	char full[512], small[16];
	int need, n;

	(void)state;
	need = syncmap_probe_format(p, SYNCMAP_PROBE_JSON, NULL, 0);
	assert_true(need > 0);
	memset(small, 'x', sizeof(small));
	n = syncmap_probe_format(p, SYNCMAP_PROBE_JSON, small, 10);
	assert_int_equal(n, need);
	assert_int_equal(strlen(small), 9);
	assert_int_equal(small[10], 'x');
	n = syncmap_probe_format(p, SYNCMAP_PROBE_JSON, full, (size_t)need + 1);
	assert_int_equal(n, need);
	assert_int_equal(strlen(full), (size_t)need);
	assert_memory_equal(small, full, 9);
	n = syncmap_probe_format(p, 0, NULL, 0);
	assert_true(n > 0);
	syncmap_probe_free(p);
}

static void test_bad_arguments(void **state)
{
	struct syncmap_probe *p = report();
	char buf[8];

	(void)state;
	assert_int_equal(syncmap_probe_format(p, 1u << 5, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(syncmap_probe_format(NULL, 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(syncmap_probe_format(p, 0, NULL, 4), -EINVAL);
	syncmap_probe_free(p);
	syncmap_probe_free(NULL);
}

static void test_text(void **state)
{
	struct syncmap_probe *p = report();
	char buf[2048];

	(void)state;
	assert_true(syncmap_probe_format(p, 0, buf, sizeof(buf)) < (int)sizeof(buf));
	/* The path heads the report, the answer and the reason follow. */
	assert_memory_equal(buf, "/mnt/a \"b\"\\c\n", 13);
	assert_non_null(strstr(buf, "page granularity"));
	assert_non_null(strstr(buf, "why:    fs_not_dax_mounted: remount"));
	assert_non_null(strstr(buf, "no NVDIMM bus"));
	assert_non_null(strstr(buf, "map_sync             no\n"));
	assert_non_null(strstr(buf, "align                2097152\n"));
	syncmap_probe_free(p);
}

static void test_text_byte(void **state)
{
	struct syncmap_probe *p = calloc(1, sizeof(*p));
	char buf[1024];

	(void)state;
	assert_non_null(p);
	p->map_sync = true;
	p->gran = SYNCMAP_GRAN_BYTE;
	sm_probe_add(p, "path", SM_FACT_STRING, "/mnt/pmem/f");
	syncmap_probe_format(p, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "byte granularity"));
	assert_null(strstr(buf, "why:"));
	syncmap_probe_free(p);
}

static void test_fact_api(void **state)
{
	struct syncmap_probe *p = report();
	const char *k, *v;

	(void)state;
	assert_int_equal(syncmap_probe_fact(p, 0, &k, &v), 0);
	assert_string_equal(k, "path");
	assert_int_equal(syncmap_probe_fact(p, 5, &k, &v), 0);
	assert_string_equal(k, "region");
	assert_string_equal(v, "unknown");
	assert_int_equal(syncmap_probe_fact(p, 7, &k, &v), -ENOENT);
	assert_int_equal(syncmap_probe_fact(NULL, 0, &k, &v), -EINVAL);
	assert_non_null(sm_probe_find(p, "align"));
	assert_null(sm_probe_find(p, "nope"));
	assert_int_equal(syncmap_probe_cause(p), SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED);
	assert_string_equal(syncmap_probe_advice(p), "remount");
	assert_false(syncmap_probe_map_sync(p));
	assert_int_equal(syncmap_probe_granularity(NULL), SYNCMAP_GRAN_PAGE);
	syncmap_probe_free(p);
}

static int kernel_validates(void)
{
	char path[] = "/tmp/syncmap-validate-XXXXXX";
	int fd = mkstemp(path);
	void *p;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 4096), 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, 0x03 /* MAP_SHARED_VALIDATE */, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return 0;
	munmap(p, 4096);
	return 1;
}

/* EOPNOTSUPP for a validating map with an unknown bit means the kernel
 * validates (4.15+); EINVAL means map type 3 is unknown to it. */
static void test_validate_meaning(void **state)
{
	(void)state;
	assert_int_equal(sm_validate_errno_meaning(-EOPNOTSUPP), 1);
	assert_int_equal(sm_validate_errno_meaning(-EINVAL), 0);
	assert_int_equal(sm_validate_errno_meaning(-EACCES), -EACCES);
	assert_int_equal(sm_validate_errno_meaning(0), -EPROTO);
	/* The probe's answer for this kernel matches a MAP_SHARED_VALIDATE
	 * map asked for here (refused by kernels before 4.15, and by
	 * emulators such as qemu-user 7.2). */
	assert_int_equal(sm_validate_known(), kernel_validates());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_sizing),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_byte),
		cmocka_unit_test(test_fact_api),
		cmocka_unit_test(test_validate_meaning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
