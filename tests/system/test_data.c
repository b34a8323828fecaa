/* SPDX-License-Identifier: MIT */
/*
 * Data written through a mapping and persisted is in the file: after
 * close and reopen, and through read(2) on another descriptor.  Files
 * grow, shrink and get their blocks allocated as asked; a mapping at an
 * offset writes where it should; batches and copies persist.  Run on the
 * disk file system and on tmpfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <syncmap.h>

#include "files.h"

#define PG 4096u

/* state: the directory the tests of one group run in */
static int on_shm(void **state)
{
	*state = (void *)tc_shm_dir();
	if (!*state || tc_fs_type(*state) != TC_TMPFS_MAGIC)
		*state = NULL;
	return 0;
}

/* A group that cannot run fails: a skip would pass for green. */
static const char *dir_or_skip(void **state)
{
	if (!*state)
		fail_msg("cannot run: no writable directory of the kind this group needs (the "
			 "build directory, or tmpfs at /dev/shm)");
	return *state;
}

static struct syncmap *must_open(const char *path, unsigned flags, uint64_t size)
{
	struct syncmap *m = NULL;
	int r = syncmap_open(path, flags, 0, size, &m);

	if (r)
		fail_msg("syncmap_open(%s, 0x%x, %llu) = %d: %s", path, flags,
			 (unsigned long long)size, r, syncmap_last_advice());
	return m;
}

static void test_persist_close_reopen(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "reopen");
	struct syncmap *m;
	uint8_t *p;
	char buf[32];

	unlink(path);
	m = must_open(path, SYNCMAP_CREATE, 16 * PG);
	p = syncmap_addr(m);
	memcpy(p + 5 * PG + 100, "durable through msync", 22);
	assert_int_equal(syncmap_persist(m, p + 5 * PG + 100, 22), 0);
	memcpy(p, "first", 6);
	assert_int_equal(syncmap_persist(m, p, 6), 0);
	assert_int_equal(syncmap_close(m), 0);

	tc_read_file(path, 5 * PG + 100, buf, 22);
	assert_string_equal(buf, "durable through msync");

	m = must_open(path, 0, 0);
	assert_int_equal(syncmap_length(m), 16 * PG);
	p = syncmap_addr(m);
	assert_string_equal((char *)p + 5 * PG + 100, "durable through msync");
	assert_string_equal((char *)p, "first");
	assert_int_equal(p[15 * PG], 0);
	assert_int_equal(syncmap_close(m), 0);
}

/* A second mapping of the same file sees the first one's stores. */
static void test_two_mappings_share(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "shared");
	struct syncmap *a, *b;

	tc_make_file(path, 4 * PG, 1);
	a = must_open(path, 0, 0);
	b = must_open(path, SYNCMAP_RDONLY, 0);
	((uint8_t *)syncmap_addr(a))[PG + 1] = 0xee;
	assert_int_equal(syncmap_persist(a, (uint8_t *)syncmap_addr(a) + PG + 1, 1), 0);
	assert_int_equal(((uint8_t *)syncmap_addr(b))[PG + 1], 0xee);
	syncmap_close(a);
	syncmap_close(b);
}

static void test_grow(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "grow");
	struct syncmap *m;
	uint8_t *p, buf[PG];

	tc_make_file(path, PG + 10, 2);
	m = must_open(path, 0, 8 * PG);
	assert_int_equal(tc_file_size(path), 8 * PG);
	assert_int_equal(syncmap_length(m), 8 * PG);
	p = syncmap_addr(m);
	for (size_t i = 0; i < PG + 10; i++)
		if (p[i] != tc_pattern(2, i))
			fail_msg("byte %zu changed by growing", i);
	for (size_t i = PG + 10; i < 8 * PG; i++)
		if (p[i])
			fail_msg("byte %zu of the new part is not zero", i);
	memset(p + 7 * PG, 0x77, PG);
	assert_int_equal(syncmap_persist(m, p + 7 * PG, PG), 0);
	assert_int_equal(syncmap_close(m), 0);
	tc_read_file(path, 7 * PG, buf, PG);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(buf[i], 0x77);

	/* Without RESIZE a smaller size maps part of the file, and never
	 * shrinks it. */
	m = must_open(path, 0, PG);
	assert_int_equal(syncmap_length(m), PG);
	assert_int_equal(tc_file_size(path), 8 * PG);
	syncmap_close(m);
}

static void test_resize_shrinks(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "shrink");
	struct syncmap *m;
	uint8_t buf[16];

	tc_make_file(path, 16 * PG, 3);
	m = must_open(path, SYNCMAP_RESIZE, 2 * PG);
	assert_int_equal(tc_file_size(path), 2 * PG);
	assert_int_equal(syncmap_length(m), 2 * PG);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[2 * PG - 1], tc_pattern(3, 2 * PG - 1));
	syncmap_close(m);
	tc_read_file(path, PG, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], tc_pattern(3, PG + i));
	/* RESIZE also grows. */
	m = must_open(path, SYNCMAP_RESIZE, 5 * PG);
	assert_int_equal(tc_file_size(path), 5 * PG);
	syncmap_close(m);
}

static void test_prealloc(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "prealloc");
	uint64_t size = 1u << 20;
	struct syncmap *m;
	struct stat st;
	char buf[6];
	int fd;

	unlink(path);
	m = must_open(path, SYNCMAP_CREATE, size);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_true((uint64_t)st.st_blocks * 512 >= size);
	syncmap_close(m);

	/* A sparse file with data: the holes get blocks, the data stays. */
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "hello", 6, 0), 6);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 < size);
	m = must_open(path, 0, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 >= size);
	assert_string_equal((char *)syncmap_addr(m), "hello");
	syncmap_close(m);
	tc_read_file(path, 0, buf, 6);
	assert_string_equal(buf, "hello");
}

static void test_prefault(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "prefault");
	struct syncmap *m;

	tc_make_file(path, 64 * PG, 4);
	m = must_open(path, SYNCMAP_PREFAULT, 0);
	/* Prefaulting must not change what is there. */
	for (size_t i = 0; i < 64 * PG; i += 997)
		assert_int_equal(((uint8_t *)syncmap_addr(m))[i], tc_pattern(4, i));
	syncmap_close(m);
	m = must_open(path, SYNCMAP_PREFAULT | SYNCMAP_RDONLY, 0);
	assert_int_equal(((uint8_t *)syncmap_addr(m))[5], tc_pattern(4, 5));
	syncmap_close(m);
}

static void test_open_fd_offset(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "offset");
	struct syncmap *m = NULL;
	uint8_t *p, buf[8];
	int fd;

	tc_make_file(path, 16 * PG, 5);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(syncmap_open_fd(fd, 4 * PG, 2 * PG, 0, &m), 0);
	p = syncmap_addr(m);
	assert_int_equal(syncmap_length(m), 2 * PG);
	assert_int_equal(p[0], tc_pattern(5, 4 * PG));
	assert_int_equal(p[2 * PG - 1], tc_pattern(5, 6 * PG - 1));
	memcpy(p + PG + 8, "offset!", 8);
	assert_int_equal(syncmap_persist(m, p + PG + 8, 8), 0);
	/* The caller's descriptor is its own. */
	close(fd);
	assert_int_equal(syncmap_persist(m, p, 1), 0);
	assert_int_equal(syncmap_close(m), 0);
	tc_read_file(path, 5 * PG + 8, buf, 8);
	assert_string_equal((char *)buf, "offset!");
	assert_int_equal(tc_file_size(path), 16 * PG);

	/* length 0: from the offset to the end. */
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_int_equal(syncmap_open_fd(fd, 12 * PG, 0, SYNCMAP_FORBID_SYNC, &m), 0);
	assert_int_equal(syncmap_length(m), 4 * PG);
	syncmap_close(m);
	/* Past the end with a length: the file grows. */
	assert_int_equal(syncmap_open_fd(fd, 16 * PG, 2 * PG, 0, &m), 0);
	assert_int_equal(tc_file_size(path), 18 * PG);
	syncmap_close(m);
	close(fd);
}

/* 64 pages, each changed and added to one batch, committed once. */
static void test_batch_64_pages(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "batch");
	struct syncmap_batch *b;
	struct syncmap *m;
	uint8_t *p, buf[PG];

	tc_make_file(path, 64 * PG, 6);
	m = must_open(path, 0, 0);
	p = syncmap_addr(m);
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	for (size_t i = 0; i < 64; i++) {
		/* Every other page in two pieces, to be merged. */
		memset(p + i * PG + 100, (int)i + 1, 50);
		assert_int_equal(syncmap_batch_add(b, p + i * PG + 100, 25), 0);
		assert_int_equal(syncmap_batch_add(b, p + i * PG + 125, 25), 0);
	}
	assert_int_equal(syncmap_batch_commit(b), 0);
	/* A second round through the same batch. */
	memset(p + 63 * PG, 0xaa, PG);
	assert_int_equal(syncmap_batch_add(b, p + 63 * PG, PG), 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	syncmap_batch_free(b);
	assert_int_equal(syncmap_close(m), 0);

	m = must_open(path, SYNCMAP_RDONLY, 0);
	p = syncmap_addr(m);
	for (size_t i = 0; i < 63; i++) {
		assert_int_equal(p[i * PG + 99], tc_pattern(6, i * PG + 99));
		assert_int_equal(p[i * PG + 100], i + 1);
		assert_int_equal(p[i * PG + 149], i + 1);
		assert_int_equal(p[i * PG + 150], tc_pattern(6, i * PG + 150));
	}
	syncmap_close(m);
	tc_read_file(path, 63 * PG, buf, PG);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(buf[i], 0xaa);
}

static void test_copies(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "copies");
	struct syncmap *m;
	uint8_t *p, src[3 * PG], buf[3 * PG];

	tc_make_file(path, 8 * PG, 7);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i ^ 0x5c);
	m = must_open(path, 0, 0);
	p = syncmap_addr(m);
	assert_int_equal(syncmap_memcpy(m, p + 100, src, sizeof(src), 0), 0);
	assert_int_equal(syncmap_memset(m, p + 5 * PG + 1, 0x3c, PG, 0), 0);
	assert_int_equal(syncmap_memcpy(m, p + 7 * PG, "nodrain", 8, SYNCMAP_COPY_NODRAIN), 0);
	assert_int_equal(syncmap_drain(m), 0);
	assert_int_equal(syncmap_close(m), 0);

	tc_read_file(path, 100, buf, sizeof(src));
	assert_memory_equal(buf, src, sizeof(src));
	tc_read_file(path, 5 * PG, buf, PG + 2);
	assert_int_equal(buf[0], tc_pattern(7, 5 * PG));
	for (size_t i = 1; i <= PG; i++)
		assert_int_equal(buf[i], 0x3c);
	assert_int_equal(buf[PG + 1], tc_pattern(7, 6 * PG + 1));
	tc_read_file(path, 7 * PG, buf, 8);
	assert_string_equal((char *)buf, "nodrain");
}

/* flush + drain on real files. */
static void test_flush_drain(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "drain");
	struct syncmap *m;
	uint8_t *p, buf[4];

	tc_make_file(path, 8 * PG, 8);
	m = must_open(path, 0, 0);
	p = syncmap_addr(m);
	for (int i = 0; i < 8; i++) {
		memcpy(p + (size_t)i * PG + 9, "abc", 4);
		assert_int_equal(syncmap_flush(m, p + (size_t)i * PG + 9, 4), 0);
	}
	assert_int_equal(syncmap_drain(m), 0);
	assert_int_equal(syncmap_deep_flush(m, p, 8 * PG), 0);
	assert_int_equal(syncmap_close(m), 0);
	for (int i = 0; i < 8; i++) {
		tc_read_file(path, (uint64_t)i * PG + 9, buf, 4);
		assert_string_equal((char *)buf, "abc");
	}
}

/* A size that is not a whole number of pages: the file keeps it exactly
 * and the last byte persists. */
static void test_odd_size(void **state)
{
	const char *path = tc_join(dir_or_skip(state), "odd");
	struct syncmap *m;
	struct syncmap_batch *b;
	uint8_t *p, c;

	unlink(path);
	m = must_open(path, SYNCMAP_CREATE, 5000);
	assert_int_equal(syncmap_length(m), 5000);
	assert_int_equal(tc_file_size(path), 5000);
	p = syncmap_addr(m);
	p[4999] = 0x42;
	assert_int_equal(syncmap_persist(m, p + 4999, 1), 0);
	assert_int_equal(syncmap_persist(m, p + 4999, 2), -EINVAL);
	p[0] = 0x24;
	assert_int_equal(syncmap_batch_new(m, 0, &b), 0);
	assert_int_equal(syncmap_batch_add(b, p, 5000), 0);
	assert_int_equal(syncmap_batch_commit(b), 0);
	syncmap_batch_free(b);
	assert_int_equal(syncmap_close(m), 0);
	assert_int_equal(tc_file_size(path), 5000);
	tc_read_file(path, 4999, &c, 1);
	assert_int_equal(c, 0x42);
	tc_read_file(path, 0, &c, 1);
	assert_int_equal(c, 0x24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_persist_close_reopen),
		cmocka_unit_test(test_two_mappings_share),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_resize_shrinks),
		cmocka_unit_test(test_prealloc),
		cmocka_unit_test(test_prefault),
		cmocka_unit_test(test_open_fd_offset),
		cmocka_unit_test(test_batch_64_pages),
		cmocka_unit_test(test_copies),
		cmocka_unit_test(test_flush_drain),
		cmocka_unit_test(test_odd_size),
	};
	int failed;

	/* The same tests on the disk file system, then on tmpfs. */
	failed = _cmocka_run_group_tests("disk", tests, sizeof(tests) / sizeof(tests[0]),
					 tc_setup_disk_dir, NULL);
	failed += _cmocka_run_group_tests("tmpfs", tests, sizeof(tests) / sizeof(tests[0]),
					  on_shm, NULL);
	tc_cleanup();
	return failed;
}
