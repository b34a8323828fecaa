/* SPDX-License-Identifier: MIT */
/*
 * On this machine's real file systems (ext4 on a disk, tmpfs; no DAX)
 * MAP_SYNC is refused, the mapping falls back to msync, and the cause and
 * advice name what is actually missing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <syncmap.h>

#include "sys_util.h"

static const char *dir_of_type(const char *dir, long magic, const char *what)
{
	char msg[256];

	/* A test that cannot run fails: a skip would pass for green. */
	if (!dir || st_fs_type(dir) != magic) {
		snprintf(msg, sizeof(msg), "cannot run: %s is not a writable %s directory; this "
			 "suite needs its build directory on ext4 (or SYNCMAP_TEST_DIR naming "
			 "one) and tmpfs at /dev/shm", dir ? dir : "(none)", what);
		fail_msg("%s", msg);
	}
	return dir;
}

static void assert_fell_back(struct syncmap *m)
{
	assert_false(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_PAGE);
	assert_int_equal(syncmap_insn(m), SYNCMAP_INSN_NONE);
	assert_true(strlen(syncmap_advice(m)) > 20);
}

static void test_ext4(void **state)
{
	const char *dir = dir_of_type(st_disk_dir(), ST_EXT4_MAGIC, "ext4");
	struct syncmap *m = NULL;
	enum syncmap_cause c;

	(void)state;
	assert_int_equal(syncmap_open(st_path(dir, "f"), SYNCMAP_CREATE, 0, 65536, &m), 0);
	assert_fell_back(m);
	c = syncmap_cause(m);
	if (!st_have_nvdimm_bus()) {
		/* Remounting with -o dax cannot help without persistent
		 * memory; the report must say what is really missing. */
		assert_string_equal(syncmap_cause_name(c), "no_nvdimm_bus");
	} else {
		assert_true(c == SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED ||
			    c == SYNCMAP_CAUSE_DEVICE_NOT_DAX ||
			    c == SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET);
	}
	assert_non_null(strstr(syncmap_advice(m), "ext4"));
	assert_int_equal(syncmap_close(m), 0);
}

static void test_tmpfs(void **state)
{
	const char *dir = dir_of_type(st_shm_dir(), ST_TMPFS_MAGIC, "tmpfs");
	struct syncmap *m = NULL;

	(void)state;
	assert_int_equal(syncmap_open(st_path(dir, "f"), SYNCMAP_CREATE, 0, 65536, &m), 0);
	assert_fell_back(m);
	assert_string_equal(syncmap_cause_name(syncmap_cause(m)), "fs_not_dax_capable");
	assert_non_null(strstr(syncmap_advice(m), "tmpfs"));
	assert_int_equal(syncmap_close(m), 0);
}

/* Required MAP_SYNC: refused with the same explanation, nothing created. */
static void require_on(const char *dir)
{
	const char *path = st_path(dir, "required");
	struct syncmap *m = NULL;
	enum syncmap_cause fallback;

	assert_int_equal(syncmap_open(st_path(dir, "probe"), SYNCMAP_CREATE, 0, 4096, &m), 0);
	fallback = syncmap_cause(m);
	syncmap_close(m);
	m = NULL;
	unlink(path);
	assert_int_equal(syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_REQUIRE_SYNC, 0, 4096, &m),
			 -EOPNOTSUPP);
	assert_null(m);
	assert_int_equal(syncmap_last_cause(), fallback);
	assert_true(strlen(syncmap_last_advice()) > 20);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_require_ext4(void **state)
{
	const char *dir = dir_of_type(st_disk_dir(), ST_EXT4_MAGIC, "ext4");

	(void)state;
	require_on(dir);
}

static void test_require_tmpfs(void **state)
{
	const char *dir = dir_of_type(st_shm_dir(), ST_TMPFS_MAGIC, "tmpfs");

	(void)state;
	require_on(dir);
}

static void test_forbid(void **state)
{
	const char *dir = st_disk_dir();
	struct syncmap *m = NULL;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(syncmap_open(st_path(dir, "forbid"), SYNCMAP_CREATE | SYNCMAP_FORBID_SYNC,
				      0, 8192, &m), 0);
	assert_fell_back(m);
	assert_int_equal(syncmap_cause(m), SYNCMAP_CAUSE_FORBIDDEN);
	assert_int_equal(syncmap_close(m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext4),
		cmocka_unit_test(test_tmpfs),
		cmocka_unit_test(test_require_ext4),
		cmocka_unit_test(test_require_tmpfs),
		cmocka_unit_test(test_forbid),
	};

	return cmocka_run_group_tests(tests, NULL, st_group_teardown);
}
