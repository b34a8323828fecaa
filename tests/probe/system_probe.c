/* SPDX-License-Identifier: MIT */
/*
 * The probe on this machine's real files: a report of an open mapping
 * agrees with what the mapping got, a report of a path agrees with what
 * opening it gives, bad paths fail with the right errno and a reason, and
 * the region look-ups the core relies on answer consistently with the
 * device chain (a file off any NVDIMM has no domain and no deep flush).
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
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

static char dir[256];

static const char *path_in(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static const char *fact(const struct syncmap_probe *p, const char *key)
{
	const char *k, *v;
	size_t i;

	for (i = 0; syncmap_probe_fact(p, i, &k, &v) == 0; i++)
		if (!strcmp(k, key))
			return v;
	return NULL;
}

static void test_mapping_report(void **state)
{
	struct syncmap *m = NULL;
	struct syncmap_probe *p = NULL, *q = NULL;
	char json[8192];

	(void)state;
	assert_int_equal(syncmap_open(path_in("mapped"), SYNCMAP_CREATE, 0, 65536, &m), 0);
	assert_int_equal(syncmap_probe_mapping(m, &p), 0);
	assert_int_equal(syncmap_probe_map_sync(p), syncmap_is_sync(m));
	assert_int_equal(syncmap_probe_granularity(p), syncmap_granularity(m));
	assert_int_equal(syncmap_probe_insn(p), syncmap_insn(m));
	assert_int_equal(syncmap_probe_cause(p), syncmap_cause(m));
	assert_string_equal(fact(p, "path"), path_in("mapped"));
	assert_string_equal(fact(p, "mapping_length"), "65536");
	assert_true(syncmap_probe_format(p, SYNCMAP_PROBE_JSON, json, sizeof(json)) <
		    (int)sizeof(json));
	assert_non_null(strstr(json, "\"mapping_length\":65536"));

	/* The path's own probe reaches the same verdict as the open did. */
	assert_int_equal(syncmap_probe(path_in("mapped"), &q), 0);
	assert_int_equal(syncmap_probe_map_sync(q), syncmap_is_sync(m));
	assert_int_equal(syncmap_probe_cause(q), syncmap_cause(m));
	assert_string_equal(syncmap_probe_advice(q), syncmap_advice(m));
	assert_string_equal(fact(q, "target"), "file");
	syncmap_probe_free(q);
	syncmap_probe_free(p);
	assert_int_equal(syncmap_close(m), 0);
	unlink(path_in("mapped"));
}

static void test_bad_paths(void **state)
{
	struct syncmap_probe *p = NULL;

	(void)state;
	assert_int_equal(syncmap_probe(dir, &p), -EISDIR);
	assert_null(p);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_ERROR);
	assert_non_null(strstr(syncmap_last_advice(), "is a directory"));
	assert_int_equal(syncmap_probe(path_in("none/file"), &p), -ENOENT);
	assert_non_null(strstr(syncmap_last_advice(), "neither does its directory"));
	assert_int_equal(syncmap_probe(NULL, &p), -EINVAL);
	assert_int_equal(syncmap_probe("", &p), -EINVAL);
	assert_int_equal(syncmap_probe("/dev/null", &p), -ENODEV);
	assert_int_equal(syncmap_probe_mapping(NULL, &p), -EINVAL);
}

/* A new path leaves nothing behind, and says what a new file would get. */
static void test_new_path(void **state)
{
	struct syncmap_probe *p = NULL;

	(void)state;
	assert_int_equal(syncmap_probe(path_in("later"), &p), 0);
	assert_int_equal(access(path_in("later"), F_OK), -1);
	assert_string_equal(fact(p, "target"), "new_file");
	assert_non_null(strstr(fact(p, "trial_mmap"), "new unnamed file"));
	syncmap_probe_free(p);
}

/* SYNCMAP_STRICT in the environment: the probe says an open would be in
 * strict mode, over the path it would get otherwise. */
static void test_strict_env(void **state)
{
	struct syncmap_probe *p = NULL;
	enum syncmap_granularity g;

	(void)state;
	assert_int_equal(syncmap_probe(path_in("later"), &p), 0);
	assert_string_equal(fact(p, "strict_mode"), "false");
	assert_int_not_equal(syncmap_probe_cause(p), SYNCMAP_CAUSE_STRICT_MODE);
	g = syncmap_probe_granularity(p);
	syncmap_probe_free(p);
	setenv("SYNCMAP_STRICT", "1", 1);
	assert_int_equal(syncmap_probe(path_in("later"), &p), 0);
	unsetenv("SYNCMAP_STRICT");
	assert_string_equal(fact(p, "strict_mode"), "true");
	assert_int_equal(syncmap_probe_cause(p), SYNCMAP_CAUSE_STRICT_MODE);
	assert_int_equal(syncmap_probe_granularity(p), g);
	assert_non_null(strstr(syncmap_probe_advice(p), "strict mode"));
	assert_non_null(strstr(syncmap_probe_advice(p), syncmap_granularity_name(g)));
	syncmap_probe_free(p);
}

/* The facts of a file on this machine, and the deep flush an open keeps
 * from them. */
static void test_region_lookups(void **state)
{
	struct sm_facts *f = malloc(sizeof(*f));
	struct syncmap *m = NULL;
	int fd;

	(void)state;
	assert_non_null(f);
	fd = open(path_in("region"), O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sm_facts_gather(fd, f), 0);
	assert_int_equal(f->target, SM_TARGET_FILE);
	if (f->chain_err == -ENODEV || !f->chain.on_nd) {
		/* Not persistent memory: no region, so nothing to flush. */
		assert_false(f->chain.on_nd);
		assert_int_equal(f->chain.domain, SM_DOMAIN_UNKNOWN);
		assert_int_equal(f->chain.deep_flush, -1);
	} else {
		assert_int_equal(f->chain_err, 0);
		assert_true(f->chain.region[0] != '\0');
	}
	assert_int_equal(syncmap_open_fd(fd, 0, 4096, 0, &m), 0);
	if (!syncmap_is_sync(m))
		assert_int_equal(m->deep_flush, -1);
	assert_int_equal(syncmap_deep_flush(m, syncmap_addr(m), 1), 0);
	syncmap_close(m);
	free(f);
	close(fd);
	unlink(path_in("region"));
}

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
	unsetenv("SYNCMAP_STRICT");
	snprintf(dir, sizeof(dir), "%s/syncmap-probe-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapping_report),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_new_path),
		cmocka_unit_test(test_strict_env),
		cmocka_unit_test(test_region_lookups),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
