/* SPDX-License-Identifier: MIT */
/*
 * pm-calls FILE OP SIZE N [FLAGS]: maps FILE (16 MiB, created) with
 * pmem_map_file() and makes N calls of OP (persist, flush_drain or
 * memcpy with FLAGS, default 0) of SIZE bytes at offsets 28 KiB apart,
 * so that callgrind-calls.sh can count the instructions of each call on
 * whichever libpmem.so.1 the loader finds.  No timing, no checks: a
 * counting harness, not a test.
 */
#include <libpmem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static char src[1 << 16];
	size_t len = 16u << 20, ml, n;
	unsigned calls, flags;
	char *p;

	if (argc < 5 || (n = strtoul(argv[3], NULL, 0)) == 0 || n > sizeof(src)) {
		fprintf(stderr, "usage: pm-calls FILE persist|flush_drain|memcpy SIZE N [FLAGS]\n");
		return 2;
	}
	calls = (unsigned)strtoul(argv[4], NULL, 0);
	flags = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 0) : 0;
	p = pmem_map_file(argv[1], len, PMEM_FILE_CREATE, 0600, &ml, NULL);
	if (!p) {
		fprintf(stderr, "pm-calls: %s\n", pmem_errormsg());
		return 1;
	}
	memset(src, 0x5a, sizeof(src));
	for (unsigned i = 0; i < calls; i++) {
		char *d = p + (size_t)i * 7 * 4096 % (len - n);

		if (!strcmp(argv[2], "persist")) {
			pmem_persist(d, n);
		} else if (!strcmp(argv[2], "flush_drain")) {
			pmem_flush(d, n);
			pmem_drain();
		} else {
			pmem_memcpy(d, src, n, flags);
		}
	}
	pmem_unmap(p, ml);
	return 0;
}
