/* SPDX-License-Identifier: MIT */
/*
 * Device DAX: the size and alignment come from sysfs, offset and length
 * must be multiples of the alignment, and a device cannot be resized.
 * /dev/zero stands in for the device (a character device that can be
 * mapped shared), and its /sys/dev/char entry is replaced by a fixture
 * through the openat wrapper.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

#define MiB (1u << 20)

static struct stat zero_st;

static void write_attr(const char *rel, const char *value)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/dev/char/%u:%u/%s", tc_path("sys"),
		 major(zero_st.st_rdev), minor(zero_st.st_rdev), rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", value);
	fclose(f);
}

static void make_dirs(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s", tc_path("sys"));
	mkdir(path, 0700);
	strcat(path, "/dev");
	mkdir(path, 0700);
	strcat(path, "/char");
	mkdir(path, 0700);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%u:%u",
		 major(zero_st.st_rdev), minor(zero_st.st_rdev));
	mkdir(path, 0700);
	strcat(path, "/device");
	mkdir(path, 0700);
}

static void clear_attrs(void)
{
	static const char *const attrs[] = { "size", "align", "device/align" };
	char path[512];

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/char/%u:%u/%s", tc_path("sys"),
			 major(zero_st.st_rdev), minor(zero_st.st_rdev), attrs[i]);
		unlink(path);
	}
}

/* A device of `size` bytes with alignment `align` (0: no align file). */
static int fake_device(void **state, uint64_t size, uint64_t align)
{
	char v[32];

	(void)state;
	ut_setup(state);
	clear_attrs();
	snprintf(v, sizeof(v), "%llu", (unsigned long long)size);
	write_attr("size", v);
	if (align) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)align);
		write_attr("align", v);
	}
	snprintf(mock.sysfs_root, sizeof(mock.sysfs_root), "%s", tc_path("sys"));
	return 0;
}

static int device_8m_2m(void **state)
{
	return fake_device(state, 8 * MiB, 2 * MiB);
}

static void test_geometry(void **state)
{
	uint64_t size = 0, align = 0;

	(void)state;
	assert_int_equal(sm_devdax_geometry(zero_st.st_rdev, &size, &align), 0);
	assert_int_equal(size, 8 * MiB);
	assert_int_equal(align, 2 * MiB);
	assert_true(mock.sysfs_redirects >= 2);

	/* The alignment may live one level down. */
	clear_attrs();
	write_attr("size", "4194304");
	write_attr("device/align", "0x1000");
	assert_int_equal(sm_devdax_geometry(zero_st.st_rdev, &size, &align), 0);
	assert_int_equal(size, 4 * MiB);
	assert_int_equal(align, 4096);

	/* Without an alignment or a size it is not a device DAX. */
	clear_attrs();
	write_attr("size", "4194304");
	assert_int_equal(sm_devdax_geometry(zero_st.st_rdev, &size, &align), -ENODEV);
	clear_attrs();
	write_attr("align", "4096");
	assert_int_equal(sm_devdax_geometry(zero_st.st_rdev, &size, &align), -ENODEV);
	clear_attrs();
	write_attr("size", "lots");
	write_attr("align", "4096");
	assert_true(sm_devdax_geometry(zero_st.st_rdev, &size, &align) < 0);
}

static void test_map_whole_device(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	uint8_t *p;

	(void)state;
	UT_NEEDS_INSN();
	assert_int_equal(syncmap_open("/dev/zero", 0, 0, 0, &m), 0);
	assert_int_equal(syncmap_length(m), 8 * MiB);
	assert_int_equal(mock.mmap_validate, 1);
	assert_true(syncmap_is_sync(m));
	assert_int_equal(syncmap_granularity(m), SYNCMAP_GRAN_CACHE_LINE);
	/* Device DAX needs an address aligned to the device. */
	assert_int_equal((uintptr_t)syncmap_addr(m) % (2 * MiB), 0);
	p = syncmap_addr(m);
	p[8 * MiB - 1] = 1;
	assert_int_equal(syncmap_persist(m, p + 8 * MiB - 1, 1), 0);
	assert_int_equal(mock.msync_calls, 0);
	assert_int_equal(syncmap_close(m), 0);
	assert_nothing_left(s);
}

static void test_map_part(void **state)
{
	struct syncmap *m = NULL;
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 2 * MiB, 4 * MiB, 0, &m), 0);
	assert_int_equal(syncmap_length(m), 4 * MiB);
	syncmap_close(m);
	/* Length 0: to the end of the device. */
	assert_int_equal(syncmap_open_fd(fd, 6 * MiB, 0, 0, &m), 0);
	assert_int_equal(syncmap_length(m), 2 * MiB);
	syncmap_close(m);
	close(fd);
}

static void refused_fd(uint64_t off, uint64_t len, unsigned flags, const char *why)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, off, len, flags, &m), -EINVAL);
	close(fd);
	assert_null(m);
	assert_int_equal(mock.mmap_validate + mock.mmap_shared, 0);
	if (!strstr(syncmap_last_advice(), why))
		fail_msg("advice \"%s\" does not mention \"%s\"", syncmap_last_advice(), why);
	assert_nothing_left(s);
}

static void test_misaligned(void **state)
{
	(void)state;
	refused_fd(4096, 2 * MiB, 0, "alignment");
	refused_fd(0, 3 * MiB, 0, "alignment");
	refused_fd(1 * MiB, 0, 0, "alignment");
}

static void test_beyond_device(void **state)
{
	(void)state;
	refused_fd(0, 10 * MiB, 0, "beyond");
	refused_fd(8 * MiB, 2 * MiB, 0, "beyond");
	refused_fd(6 * MiB, 4 * MiB, 0, "beyond");
	refused_fd(8 * MiB, 0, 0, "beyond");
}

static void test_resize_refused(void **state)
{
	struct syncmap *m = NULL;

	(void)state;
	assert_int_equal(syncmap_open("/dev/zero", SYNCMAP_RESIZE, 0, 2 * MiB, &m), -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "resized"));
	assert_null(m);
}

/* A device DAX has a fixed size: no reservation beyond it, no grow. */
static void test_grow_refused(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);

	(void)state;
	UT_NEEDS_INSN();
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd_reserve(fd, 0, 4 * MiB, 8 * MiB, 0, &m), -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "fixed size"));
	assert_null(m);
	/* Reserving no more than the mapping is a plain open. */
	assert_int_equal(syncmap_open_fd_reserve(fd, 0, 4 * MiB, 4 * MiB, 0, &m), 0);
	assert_int_equal(syncmap_reserved(m), 4 * MiB);
	assert_int_equal(syncmap_grow(m, 6 * MiB, 0), -EINVAL);
	assert_non_null(strstr(syncmap_last_advice(), "fixed size"));
	assert_int_equal(syncmap_length(m), 4 * MiB);
	assert_int_equal(syncmap_close(m), 0);
	close(fd);
	assert_nothing_left(s);
}

/* Without the fixture /dev/zero is what it is: not a device DAX. */
static void test_not_devdax(void **state)
{
	struct ut_snap s = ut_snap();
	struct syncmap *m = NULL;

	(void)state;
	mock.sysfs_root[0] = '\0';
	assert_int_equal(syncmap_open("/dev/zero", 0, 0, 0, &m), -ENODEV);
	assert_int_equal(syncmap_last_cause(), SYNCMAP_CAUSE_DEVICE_NOT_DAX);
	assert_int_equal(mock.mmap_validate + mock.mmap_shared, 0);
	assert_nothing_left(s);
}

/* A device DAX path that does not exist: the advice is how to list or
 * make one, never to create a regular file in /dev. */
static void test_devdax_missing_advice(void **state)
{
	struct syncmap *m = NULL;
	const char *path = "/dev/dax97.97";

	(void)state;
	if (access(path, F_OK) == 0)
		fail_msg("cannot run: %s exists on this machine", path);
	assert_int_equal(syncmap_open(path, 0, 0, 0, &m), -ENOENT);
	assert_null(strstr(syncmap_last_advice(), "SYNCMAP_CREATE"));
	assert_true(strstr(syncmap_last_advice(), "daxctl") ||
		    strstr(syncmap_last_advice(), "ndctl"));
}

static int group_setup(void **state)
{
	tc_group_setup(state);
	if (stat("/dev/zero", &zero_st) < 0 || !S_ISCHR(zero_st.st_mode))
		return -1;
	make_dirs();
	return 0;
}

static int group_teardown(void **state)
{
	char path[512];

	clear_attrs();
	snprintf(path, sizeof(path), "%s/dev/char/%u:%u", tc_path("sys"),
		 major(zero_st.st_rdev), minor(zero_st.st_rdev));
	strcat(path, "/device");
	rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	rmdir(tc_path("sys"));
	return tc_group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_geometry, device_8m_2m),
		cmocka_unit_test_setup(test_map_whole_device, device_8m_2m),
		cmocka_unit_test_setup(test_map_part, device_8m_2m),
		cmocka_unit_test_setup(test_misaligned, device_8m_2m),
		cmocka_unit_test_setup(test_beyond_device, device_8m_2m),
		cmocka_unit_test_setup(test_resize_refused, device_8m_2m),
		cmocka_unit_test_setup(test_grow_refused, device_8m_2m),
		cmocka_unit_test_setup(test_not_devdax, device_8m_2m),
		cmocka_unit_test_setup(test_devdax_missing_advice, ut_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
