/* SPDX-License-Identifier: MIT */
/*
 * The handle-less calls on every kind of memory.  Where a range needs
 * msync to be durable (the page path; a shared file mapping without
 * MAP_SYNC that this library did not make), the test watches the kernel
 * write it back: the mapping's dirty pages in /proc/self/smaps drop to 0
 * after pmem_persist(), pmem_flush() + pmem_drain(), or a copy.
 *
 *   persist            everything below, on the replacement
 *   foreign            only the foreign shared file mapping (the control
 *                      runs this on the system's libpmem, where it fails)
 *   force0 / force1    PMEM_IS_PMEM_FORCE=0 / 1 is set by the caller
 *   cpu [DIR]          only the copies, in DIR (default /dev/shm), where the
 *                      caller forces the cache-line path
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define MiB (1UL << 20)
#define PG 4096UL

/* kB of dirty pages (shared and private) of the mapping holding addr. */
static long dirty_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long long s, e;
	char line[512];
	long kb = -1, v;
	int in = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)addr >= s && (uintptr_t)addr < e;
		else if (in && (sscanf(line, "Shared_Dirty: %ld", &v) == 1 ||
				sscanf(line, "Private_Dirty: %ld", &v) == 1))
			kb = (kb < 0 ? 0 : kb) + v;
	}
	if (f)
		fclose(f);
	return kb;
}

static char *shared_file(const char *name, size_t len, int flags)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *p;

	if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	close(fd);
	unlink(name);
	return p == MAP_FAILED ? NULL : p;
}

static void foreign(void)
{
	char *p = shared_file("pm-persist.foreign", 4 * PG, MAP_SHARED);

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(pmem_is_pmem(p, 4 * PG) == 1);
	p[0] = 1;
	p[PG] = 2;
	CHECK(dirty_kb(p) >= 8);
	pmem_persist(p, 1);
	CHECK(dirty_kb(p) == 4);
	pmem_flush(p + PG, 1);
	pmem_drain();
	CHECK(dirty_kb(p) == 0);
	pmem_memcpy_persist(p + 2 * PG + 5, "hello", 6);
	CHECK(dirty_kb(p) == 0 && strcmp(p + 2 * PG + 5, "hello") == 0);
	pmem_memset_nodrain(p + 3 * PG, 7, 300);
	pmem_drain();
	CHECK(dirty_kb(p) == 0 && p[3 * PG + 299] == 7);
	CHECK(pmem_msync(p, 1) == 0);
	munmap(p, 4 * PG);
}

static void own_mapping(void)
{
	size_t ml = 0;
	int ip = 0;
	char *p = pmem_map_file("pm-persist.own", 4 * MiB, PMEM_FILE_CREATE, 0600, &ml, &ip);

	CHECK(p != NULL && ip == 1);
	if (!p)
		return;
	unlink("pm-persist.own");
	p[0] = 1;
	p[PG] = 2;
	CHECK(dirty_kb(p) >= 8);
	pmem_persist(p, 1);
	CHECK(dirty_kb(p) == 4);
	pmem_flush(p + PG, 1);
	pmem_drain();
	CHECK(dirty_kb(p) == 0);
	pmem_memcpy(p + 2 * PG, "abc", 4, PMEM_F_MEM_NODRAIN);
	pmem_drain();
	CHECK(dirty_kb(p) == 0);
	/* A range that runs past the mapping's end: the part inside persists. */
	p[ml - 1] = 3;
	pmem_persist(p + ml - 1, 2 * PG);
	CHECK(dirty_kb(p) == 0);
	CHECK(pmem_msync(p, ml) == 0);
	CHECK(pmem_deep_persist(p, 64) == 0);
	CHECK(pmem_deep_drain(p, 64) == 0);
	CHECK(pmem_unmap(p, ml) == 0);
}

static void other_memory(void)
{
	char *anon = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *priv = shared_file("pm-persist.private", 4 * PG, MAP_PRIVATE);
	char stack[64];

	CHECK(anon != MAP_FAILED && priv != NULL);
	CHECK(pmem_is_pmem(anon, 4096) == 0);
	CHECK(pmem_is_pmem(priv, 4096) == 0);
	CHECK(pmem_is_pmem(stack, sizeof(stack)) == 0);
	CHECK(pmem_is_pmem(anon, 0) == 0);
	pmem_memset_persist(anon, 9, 2 * MiB);
	CHECK(anon[2 * MiB - 1] == 9);
	pmem_persist(stack, sizeof(stack));
	CHECK(pmem_unmap(anon, 2 * MiB) == 0);
	errno = 0;
	CHECK(pmem_msync(anon, 64) == -1 && errno == ENOMEM);	/* unmapped now */
	munmap(priv, 4 * PG);
}

/*
 * Every copy, sizes around the streaming threshold and the copy loops'
 * eight-line rounds, unaligned ends, in a file in dir.  cpu: the caller
 * forced the cache-line path (SYNCMAP_FORCE_GRANULARITY=cache_line on
 * tmpfs), where temporal copies take the one-pass copy-and-write-back
 * loop; the page path's dirty-page checks do not apply there.
 */
static void copies(const char *dir, bool cpu)
{
	static const size_t sizes[] = { 1, 63, 64, 65, 127, 255, 256, 257, 511, 512, 576, 577,
					4096, 4109, 100000 };
	static const size_t offs[] = { 0, 1, 32, 63 };
	static const unsigned temporal[] = { PMEM_F_MEM_TEMPORAL,
					     PMEM_F_MEM_TEMPORAL | PMEM_F_MEM_NODRAIN,
					     PMEM_F_MEM_WB, PMEM_F_MEM_NODRAIN, 0 };
	char name[4096];
	size_t ml = 0;
	char *p, *src = malloc(200000);

	snprintf(name, sizeof(name), "%s/pm-persist.copy", dir);
	p = pmem_map_file(name, 2 * MiB, PMEM_FILE_CREATE, 0600, &ml, NULL);
	CHECK(p != NULL && src != NULL);
	if (!p || !src)
		return;
	if (cpu)
		CHECK(strstr(pmem_errormsg(), "(path forced") != NULL);
	unlink(name);
	for (size_t i = 0; i < 200000; i++)
		src[i] = (char)(i * 7 + 1);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(*offs); o++) {
			size_t n = sizes[s];
			char *d = p + 4096 + offs[o];

			memset(p, 0, 300000);
			CHECK(pmem_memcpy_persist(d, src, n) == d && !memcmp(d, src, n));
			CHECK(d[n] == 0 && d[-1] == 0);
			CHECK(pmem_memmove_nodrain(d, src + 3, n) == d && !memcmp(d, src + 3, n));
			CHECK(pmem_memcpy_nodrain(d, src + 5, n) == d && !memcmp(d, src + 5, n));
			CHECK(pmem_memmove_persist(d, src + 1, n) == d && !memcmp(d, src + 1, n));
			CHECK(pmem_memset_persist(d, 0x5a, n) == d && d[0] == 0x5a && d[n - 1] == 0x5a);
			CHECK(pmem_memset_nodrain(d, 0x11, n) == d && d[n - 1] == 0x11 && d[n] == 0);
			CHECK(pmem_memcpy(d, src, n, PMEM_F_MEM_NONTEMPORAL) == d && !memcmp(d, src, n));
			CHECK(pmem_memset(d, 3, n, PMEM_F_MEM_TEMPORAL | PMEM_F_MEM_NODRAIN) == d &&
			      d[n - 1] == 3);
			CHECK(pmem_memmove(d, src, n, PMEM_F_MEM_WC) == d && !memcmp(d, src, n));
			for (size_t t = 0; t < sizeof(temporal) / sizeof(*temporal); t++) {
				const char *from = src + 11 + 17 * t;
				size_t k;

				CHECK(pmem_memcpy(d, from, n, temporal[t]) == d && !memcmp(d, from, n));
				CHECK(pmem_memset(d, 0x40 + (int)t, n, temporal[t]) == d);
				for (k = 0; k < n && d[k] == 0x40 + (int)t; k++)
					;
				CHECK(k == n);
			}
			CHECK(d[n] == 0 && d[-1] == 0);	/* nothing written outside */
			/* Overlapping moves, both ways. */
			memcpy(d, src, n + 64);
			pmem_memmove(d + 7, d, n, 0);
			CHECK(!memcmp(d + 7, src, n));
			memcpy(d, src, n + 64);
			pmem_memmove(d, d + 7, n, PMEM_F_MEM_NONTEMPORAL);
			CHECK(!memcmp(d, src + 7, n));
			memcpy(d, src, n + 64);
			pmem_memmove(d + 64, d, n, PMEM_F_MEM_TEMPORAL);
			CHECK(!memcmp(d + 64, src, n));
			pmem_drain();
		}
	if (!cpu) {
		CHECK(dirty_kb(p) == 0);
		pmem_memcpy(p, src, 10, PMEM_F_MEM_NOFLUSH);
		CHECK(dirty_kb(p) == 4);	/* NOFLUSH: nothing written back */
		pmem_persist(p, 10);
	}
	CHECK(pmem_unmap(p, ml) == 0);
	free(src);
}

/* Many live mappings: each address finds its own. */
static void many(void)
{
	enum { N = 40 };
	char *m[N], name[64];
	size_t ml;

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "pm-persist.many%d", i);
		m[i] = pmem_map_file(name, 64 * 1024, PMEM_FILE_CREATE, 0600, &ml, NULL);
		CHECK(m[i] != NULL);
		unlink(name);
	}
	for (int i = 0; i < N; i++)
		if (m[i])
			m[i][i] = (char)i;
	for (int i = 0; i < N; i++)
		if (m[i]) {
			pmem_persist(m[i] + i, 1);
			CHECK(dirty_kb(m[i]) == 0);
		}
	for (int i = 0; i < N; i++)
		if (m[i])
			CHECK(pmem_unmap(m[i], 64 * 1024) == 0);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "persist";
	char *anon;

	if (!strcmp(what, "foreign")) {
		foreign();
		return failures != 0;
	}
	if (!on_replacement())
		return 1;
	if (!strcmp(what, "cpu")) {
		copies(argc > 2 ? argv[2] : "/dev/shm", true);
		printf("%d failures\n", failures);
		return failures != 0;
	}
	if (!strcmp(what, "force0") || !strcmp(what, "force1")) {
		size_t ml;
		char *p = pmem_map_file("pm-persist.force", MiB, PMEM_FILE_CREATE, 0600, &ml, NULL);
		int want = what[5] == '1';

		anon = malloc(4096);
		CHECK(p != NULL && pmem_is_pmem(p, ml) == want);
		CHECK(pmem_is_pmem(anon, 4096) == want);
		CHECK(pmem_is_pmem(anon, 0) == 0);	/* empty: 0 even when forced */
		unlink("pm-persist.force");
		if (p)
			CHECK(pmem_unmap(p, ml) == 0);
		free(anon);
		return failures != 0;
	}
	foreign();
	own_mapping();
	other_memory();
	copies(".", false);
	many();
	printf("%d failures\n", failures);
	return failures != 0;
}
