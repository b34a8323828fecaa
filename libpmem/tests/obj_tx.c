/* SPDX-License-Identifier: MIT */
/*
 * A small libpmemobj program: obj_tx POOL N runs N transactions on the
 * pool's root object (made with "pmempool create obj --layout=pm-tx"),
 * each adding the next integer to a sum and recording it, closes the pool,
 * opens it again and checks the invariant sum == count * (count + 1) / 2.
 * It prints where pmem_persist came from, so the caller can tell which
 * libpmem.so.1 the system's libpmemobj ran on, and what the kernel says
 * of the pool's mapping (VmFlags "sf": MAP_SYNC) and what pmem_is_pmem()
 * answers for it, so the caller can tell which path its persists took.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpmemobj.h>

#define SLOTS 64

struct root {
	uint64_t count;
	uint64_t sum;
	uint64_t last[SLOTS];
};

static int check(PMEMobjpool *pop, uint64_t *count)
{
	struct root *r = pmemobj_direct(pmemobj_root(pop, sizeof(struct root)));

	*count = r->count;
	if (r->sum != r->count * (r->count + 1) / 2)
		return -1;
	for (uint64_t i = r->count > SLOTS ? r->count - SLOTS + 1 : 1; i <= r->count; i++)
		if (r->last[i % SLOTS] != i)
			return -1;
	return 0;
}

/* Whether the kernel mapped the page at addr with MAP_SYNC: 1, 0, or -1
 * if /proc/self/smaps does not say. */
static int map_sync_at(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long lo, hi, a = (unsigned long)addr;
	int in = 0, r = -1;

	if (!f)
		return -1;
	while (r < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = a >= lo && a < hi;
		else if (in && !strncmp(line, "VmFlags:", 8))
			r = strstr(line, " sf") != NULL;
	}
	fclose(f);
	return r;
}

int main(int argc, char **argv)
{
	PMEMobjpool *pop;
	struct root *r;
	PMEMoid root;
	uint64_t before, after;
	long n;
	Dl_info info;
	void *persist = dlsym(RTLD_DEFAULT, "pmem_persist");

	if (argc != 3)
		return 2;
	n = atol(argv[2]);
	if (persist && dladdr(persist, &info))
		printf("pmem_persist from %s\n", info.dli_fname);
	pop = pmemobj_open(argv[1], "pm-tx");
	if (!pop) {
		fprintf(stderr, "pmemobj_open: %s\n", pmemobj_errormsg());
		return 1;
	}
	root = pmemobj_root(pop, sizeof(struct root));
	r = pmemobj_direct(root);
	{
		int (*is_pmem)(const void *, size_t) =
			(int (*)(const void *, size_t))dlsym(RTLD_DEFAULT, "pmem_is_pmem");
		int sync = map_sync_at(r);

		printf("pool mapping: MAP_SYNC %s, pmem_is_pmem %d\n",
		       sync < 0 ? "unknown" : sync ? "yes" : "no", is_pmem ? is_pmem(r, sizeof(*r)) : -1);
	}
	if (check(pop, &before) < 0) {
		fprintf(stderr, "inconsistent pool before the run\n");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		TX_BEGIN(pop) {
			uint64_t c = r->count + 1;

			pmemobj_tx_add_range(root, 0, sizeof(struct root));
			r->count = c;
			r->sum += c;
			r->last[c % SLOTS] = c;
		} TX_ONABORT {
			fprintf(stderr, "transaction aborted: %s\n", pmemobj_errormsg());
			return 1;
		} TX_END
	}
	pmemobj_close(pop);
	pop = pmemobj_open(argv[1], "pm-tx");
	if (!pop || check(pop, &after) < 0 || after != before + (uint64_t)n) {
		fprintf(stderr, "after reopening: count %" PRIu64 ", expected %" PRIu64 "\n",
			after, before + (uint64_t)n);
		return 1;
	}
	pmemobj_close(pop);
	printf("%" PRIu64 " transactions committed in all\n", after);
	return 0;
}
