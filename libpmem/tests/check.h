/* SPDX-License-Identifier: MIT */
/*
 * A minimal harness for the libpmem.so.1 tests.  They are compiled
 * against the system's libpmem.h and linked with -lpmem, as any libpmem
 * program is; meson runs them with the replacement first in
 * LD_LIBRARY_PATH, and on_replacement() makes sure that is what they got.
 */
#ifndef PM_TEST_CHECK_H
#define PM_TEST_CHECK_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpmem.h>

static int failures;

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d, %s)\n", \
				__FILE__, __LINE__, #cond, errno, pmem_errormsg()); \
			failures++;                                             \
		}                                                               \
	} while (0)

/* Fails unless pmem_persist comes from the library named in
 * PM_TEST_EXPECT_LIB (a path suffix). */
static inline int on_replacement(void)
{
	const char *want = getenv("PM_TEST_EXPECT_LIB");
	Dl_info info;

	if (!dladdr((void *)pmem_persist, &info) || !info.dli_fname) {
		fprintf(stderr, "cannot tell where pmem_persist comes from\n");
		return 0;
	}
	if (want && !strstr(info.dli_fname, want)) {
		fprintf(stderr, "pmem_persist comes from %s, not %s\n", info.dli_fname, want);
		return 0;
	}
	return 1;
}

#endif
