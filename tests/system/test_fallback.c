/* SPDX-License-Identifier: MIT */
/*
 * On this machine's real file systems (ext4 on a disk, tmpfs; no DAX)
 * MAP_SYNC is refused, the mapping falls back to msync, and the cause and
 * advice name what is actually missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <syncmap.h>

#include "census.h"
#include "files.h"

static const char *dir_of_type(const char *dir, long magic, const char *what)
{
	char msg[256];

	/* A test that cannot run fails: a skip would pass for green. */
	if (!dir || tc_fs_type(dir) != magic) {
		snprintf(msg, sizeof(msg), "cannot run: %s is not a writable %s directory; this "
			 "suite needs its build directory on ext4 (or SYNCMAP_TEST_DIR naming "
			 "one) and tmpfs at /dev/shm", dir ? dir : "(none)", what);
		fail_msg("%s", msg);
	}
	return dir;
}

/*
 * Whether the kernel knows MAP_SHARED_VALIDATE (Linux 4.15): asked here
 * directly, without MAP_SYNC.  Where it does not (an older kernel, or an
 * emulator such as qemu-user 7.2, which rejects the map type), every
 * refusal is kernel_too_old, whatever the file system.
 */
static bool kernel_knows_validate(const char *dir)
{
	int fd = open(tc_join(dir, "validate"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	void *p;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, 0x03 /* MAP_SHARED_VALIDATE */, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		assert_int_equal(errno, EINVAL);
		return false;
	}
	munmap(p, 4096);
	return true;
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
	const char *dir = dir_of_type(tc_disk_dir(), TC_EXT4_MAGIC, "ext4");
	struct syncmap *m = NULL;
	enum syncmap_cause c;

	(void)state;
	assert_int_equal(syncmap_open(tc_join(dir, "f"), SYNCMAP_CREATE, 0, 65536, &m), 0);
	assert_fell_back(m);
	c = syncmap_cause(m);
	if (!kernel_knows_validate(dir)) {
		assert_string_equal(syncmap_cause_name(c), "kernel_too_old");
		assert_int_equal(syncmap_close(m), 0);
		return;
	}
	if (!tc_have_nvdimm_bus()) {
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
	const char *dir = dir_of_type(tc_shm_dir(), TC_TMPFS_MAGIC, "tmpfs");
	struct syncmap *m = NULL;

	(void)state;
	assert_int_equal(syncmap_open(tc_join(dir, "f"), SYNCMAP_CREATE, 0, 65536, &m), 0);
	assert_fell_back(m);
	if (!kernel_knows_validate(dir)) {
		assert_string_equal(syncmap_cause_name(syncmap_cause(m)), "kernel_too_old");
		assert_non_null(strstr(syncmap_advice(m), "4.15"));
		assert_int_equal(syncmap_close(m), 0);
		return;
	}
	assert_string_equal(syncmap_cause_name(syncmap_cause(m)), "fs_not_dax_capable");
	assert_non_null(strstr(syncmap_advice(m), "tmpfs"));
	assert_int_equal(syncmap_close(m), 0);
}

/* Required MAP_SYNC: refused with the same explanation, nothing created. */
static void require_on(const char *dir)
{
	const char *path = tc_join(dir, "required");
	struct syncmap *m = NULL;
	enum syncmap_cause fallback;

	assert_int_equal(syncmap_open(tc_join(dir, "probe"), SYNCMAP_CREATE, 0, 4096, &m), 0);
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
	const char *dir = dir_of_type(tc_disk_dir(), TC_EXT4_MAGIC, "ext4");

	(void)state;
	require_on(dir);
}

static void test_require_tmpfs(void **state)
{
	const char *dir = dir_of_type(tc_shm_dir(), TC_TMPFS_MAGIC, "tmpfs");

	(void)state;
	require_on(dir);
}

static void test_forbid(void **state)
{
	const char *dir = tc_disk_dir();
	struct syncmap *m = NULL;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(syncmap_open(tc_join(dir, "forbid"), SYNCMAP_CREATE | SYNCMAP_FORBID_SYNC,
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

	return cmocka_run_group_tests(tests, NULL, tc_group_teardown);
}
