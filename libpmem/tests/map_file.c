/* SPDX-License-Identifier: MIT */
/*
 * pmem_map_file() and pmem_unmap() as libpmem programs rely on them: the
 * argument rules (EINVAL, out-pointers untouched on error), CREATE, EXCL,
 * SPARSE, TMPFILE, 2 MiB placement, partial unmaps; pmem_errormsg() per
 * thread; pmem_check_version().  Runs in a fresh directory under the
 * current one (the build tree, a real file system).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define MiB (1UL << 20)

static char dir[64], path[128];

static void bad_args(size_t len, int flags)
{
	size_t ml = 777;
	int ip = 777;
	void *p;

	errno = 0;
	p = pmem_map_file(path, len, flags, 0600, &ml, &ip);
	CHECK(p == NULL);
	CHECK(errno == EINVAL);
	CHECK(ml == 777 && ip == 777);
	CHECK(pmem_errormsg()[0] != '\0');
	CHECK(access(path, F_OK) != 0);
}

static off_t file_size(const char *f, blkcnt_t *blocks)
{
	struct stat st;

	if (stat(f, &st) < 0)
		return -1;
	if (blocks)
		*blocks = st.st_blocks;
	return st.st_size;
}

static void create_rules(void)
{
	size_t ml = 0;
	int ip = -1;
	blkcnt_t blocks = 0;
	char *p;

	bad_args(4096, 0);
	bad_args(0, PMEM_FILE_CREATE);
	bad_args(4096, PMEM_FILE_TMPFILE);
	bad_args(4096, PMEM_FILE_CREATE | (1 << 4));

	p = pmem_map_file(path, 3 * MiB, PMEM_FILE_CREATE, 0600, &ml, &ip);
	CHECK(p != NULL);
	CHECK(ml == 3 * MiB);
	CHECK(ip == 1);	/* pmem_persist() alone makes it durable (msync) */
	CHECK(((uintptr_t)p & (2 * MiB - 1)) == 0);
	CHECK(file_size(path, &blocks) == (off_t)(3 * MiB));
	CHECK(blocks * 512 >= (blkcnt_t)(3 * MiB));	/* allocated */
	if (p) {
		p[3 * MiB - 1] = 'x';
		pmem_persist(p + 3 * MiB - 1, 1);
		CHECK(pmem_unmap(p, ml) == 0);
	}
	/* CREATE on an existing file sets its size, also smaller. */
	p = pmem_map_file(path, MiB, PMEM_FILE_CREATE, 0600, &ml, NULL);
	CHECK(p != NULL && ml == MiB);
	CHECK(file_size(path, NULL) == (off_t)MiB);
	if (p)
		CHECK(pmem_unmap(p, ml) == 0);
	/* EXCL on an existing file: EEXIST, and the file stays. */
	errno = 0;
	CHECK(pmem_map_file(path, MiB, PMEM_FILE_CREATE | PMEM_FILE_EXCL, 0600, NULL, NULL) == NULL);
	CHECK(errno == EEXIST);
	CHECK(file_size(path, NULL) == (off_t)MiB);
	/* EXCL without CREATE does nothing, as O_EXCL without O_CREAT. */
	p = pmem_map_file(path, 0, PMEM_FILE_EXCL, 0, &ml, NULL);
	CHECK(p != NULL && ml == MiB);
	if (p)
		CHECK(pmem_unmap(p, ml) == 0);
	/* Without CREATE: the whole file. */
	ml = 0;
	p = pmem_map_file(path, 0, 0, 0, &ml, NULL);
	CHECK(p != NULL && ml == MiB);
	if (p)
		CHECK(pmem_unmap(p, ml) == 0);
}

static void sparse_tmpfile_missing(void)
{
	char sparse[160], missing[160];
	blkcnt_t blocks = -1;
	size_t ml = 0;
	int ip = 777, entries = 0;
	struct dirent *de;
	DIR *d;
	void *p;

	snprintf(sparse, sizeof(sparse), "%s/sparse", dir);
	p = pmem_map_file(sparse, 8 * MiB, PMEM_FILE_CREATE | PMEM_FILE_SPARSE | PMEM_FILE_EXCL,
			  0600, &ml, NULL);
	CHECK(p != NULL && ml == 8 * MiB);
	CHECK(file_size(sparse, &blocks) == (off_t)(8 * MiB));
	CHECK(blocks * 512 < (blkcnt_t)MiB);
	if (p)
		CHECK(pmem_unmap(p, ml) == 0);

	p = pmem_map_file(dir, 2 * MiB, PMEM_FILE_CREATE | PMEM_FILE_TMPFILE, 0600, &ml, &ip);
	CHECK(p != NULL && ml == 2 * MiB && ip == 1);
	if (p) {
		memset(p, 1, 4096);
		pmem_persist(p, 4096);
		CHECK(pmem_unmap(p, ml) == 0);
	}
	d = opendir(dir);
	while (d && (de = readdir(d)) != NULL)
		entries += de->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK(entries == 2);	/* path and sparse: the temporary file has no name */

	snprintf(missing, sizeof(missing), "%s/missing", dir);
	ml = 777;
	ip = 777;
	errno = 0;
	CHECK(pmem_map_file(missing, 0, 0, 0, &ml, &ip) == NULL);
	CHECK(errno == ENOENT && ml == 777 && ip == 777);
	CHECK(strstr(pmem_errormsg(), missing) != NULL);
}

/* Unmapping parts of a mapping, as PMDK's pmem_unmap test does. */
static void partial_unmap(void)
{
	char big[160];
	size_t ml = 0;
	char *p;

	snprintf(big, sizeof(big), "%s/big", dir);
	p = pmem_map_file(big, 20 * MiB, PMEM_FILE_CREATE | PMEM_FILE_SPARSE, 0600, &ml, NULL);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(pmem_unmap(p, 4096) == 0);
	CHECK(pmem_unmap(p + 2 * MiB, 2 * MiB) == 0);
	CHECK(pmem_unmap(p + 4 * MiB, 2 * MiB - 1) == 0);
	CHECK(pmem_unmap(p + 6 * MiB, 0) != 0);
	CHECK(pmem_unmap(p + 8 * MiB - 1, 4096) != 0 && errno == EINVAL);
	/* The rest is still mapped and still persists. */
	p[10 * MiB] = 'y';
	pmem_persist(p + 10 * MiB, 1);
	CHECK(pmem_msync(p + 10 * MiB, 1) == 0);
	CHECK(pmem_unmap(p, 20 * MiB) == 0);
}

static void *other_thread(void *arg)
{
	char *seen = arg;

	errno = 0;
	if (pmem_map_file(path, 4096, 0, 0, NULL, NULL) == NULL && errno == EINVAL)
		snprintf(seen, 256, "%s", pmem_errormsg());
	return NULL;
}

static void errormsg_per_thread(void)
{
	char seen[256] = "", mine[1024];
	pthread_t t;
	const char *v;

	CHECK(pmem_map_file(dir, 0, 0, 0, NULL, NULL) == NULL);	/* a directory */
	snprintf(mine, sizeof(mine), "%s", pmem_errormsg());
	CHECK(mine[0] != '\0');
	CHECK(pthread_create(&t, NULL, other_thread, seen) == 0);
	pthread_join(t, NULL);
	CHECK(seen[0] != '\0' && strcmp(seen, mine) != 0);
	CHECK(strcmp(pmem_errormsg(), mine) == 0);	/* untouched by the other thread */
	pmem_drain();
	CHECK(pmem_is_pmem(&t, sizeof(t)) == 0);
	CHECK(strcmp(pmem_errormsg(), mine) == 0);	/* kept across later calls */

	CHECK(pmem_check_version(PMEM_MAJOR_VERSION, PMEM_MINOR_VERSION) == NULL);
	CHECK(pmem_check_version(1, 0) == NULL);
	v = pmem_check_version(2, 0);
	CHECK(v != NULL && strcmp(v, pmem_errormsg()) == 0);
	CHECK(pmem_check_version(1, 2) != NULL);
	CHECK(pmem_has_hw_drain() == 0);
	CHECK(pmem_has_auto_flush() == 0 || pmem_has_auto_flush() == 1);
}

int main(void)
{
	if (!on_replacement())
		return 1;
	snprintf(dir, sizeof(dir), "pm-map.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/file", dir);
	create_rules();
	sparse_tmpfile_missing();
	partial_unmap();
	errormsg_per_thread();
	if (failures == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	printf("%d failures\n", failures);
	return failures != 0;
}
