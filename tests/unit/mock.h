/* SPDX-License-Identifier: MIT */
/*
 * The unit tests' kernel.  The test programs are linked against the static
 * library with -Wl,--wrap for the calls in mock.c, so every mmap, msync,
 * fdatasync, sync_file_range, openat, fallocate, pwrite,
 * madvise, statx, calloc and free the library makes goes through
 * here first.  By default each call is passed to libc unchanged; a test
 * sets fields of `mock` to make the kernel answer something else, and
 * reads the counters to see what the library asked for.
 */
#ifndef SYNCMAP_TEST_MOCK_H
#define SYNCMAP_TEST_MOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The helpers every suite shares (tests/common). */
#include "census.h"
#include "files.h"
#include "log_capture.h"

#define MOCK_MAX_RANGES 256

/*
 * Tests of the cache-line path need a write-back instruction.  On an
 * architecture without one (s390x, i386, ...) they are skipped, visibly,
 * and test_cpu_env.c checks the page path such a CPU gets instead.
 */
#define UT_NEEDS_INSN()							\
	do {								\
		if (sm_cpu_select(sm_cpu(), 0) == SYNCMAP_INSN_NONE)	\
			skip();						\
	} while (0)

struct mock_range {
	uint64_t off, len;
};

struct mock_state {
	/* Answers.  0 means "do what the real kernel does". */
	int validate_errno;	/* mmap with MAP_SHARED_VALIDATE fails so */
	int question_errno;	/* ... but the kernel question (an unknown flag
				 * bit, map.c) fails so, if set */
	int shared_errno;	/* mmap with plain MAP_SHARED of a file fails so */
	int msync_errno;	/* every msync fails so */
	int msync_eintr;	/* this many msync calls fail with EINTR first */
	int fdatasync_errno;
	int sfr_errno;		/* sync_file_range */
	int fallocate_errno;
	int madvise_errno;
	int calloc_fail;	/* calloc returns NULL */
	int pwrite_errno;
	int statx_dax;		/* 1: statx says DAX, -1: says not DAX, 0: real */
	/* Opens of /sys/dev/char/... go to sysfs_root/dev/char/... */
	char sysfs_root[256];

	/* What the library did. */
	int mmap_validate;	/* mmap calls with MAP_SHARED_VALIDATE */
	int mmap_shared;	/* mmap calls of a file with MAP_SHARED */
	int sync_without_validate; /* MAP_SYNC with another map type: a bug */
	int live_maps;		/* successful mmaps not yet unmapped */
	int msync_calls;
	uintptr_t msync_addr;	/* arguments of the last msync */
	size_t msync_len;
	int fdatasync_calls;
	int sfr_calls;
	struct mock_range sfr[MOCK_MAX_RANGES];
	int sysfs_redirects;
	int fallocate_calls;
	int madvise_calls;
	int live_allocs;	/* calloc'd blocks not yet freed */
	int madvise_advice;	/* of the last call */
	struct mock_range fallocate_last;
	int pwrite_calls;
	uint64_t pwrite_bytes;	/* total written with pwrite */
	uint64_t pwrite_lowest;	/* lowest offset written (UINT64_MAX: none) */
};

extern struct mock_state mock;

/* Forget all answers and counters (live_maps is kept). */
void mock_reset(void);

/* Per-test setup: mock_reset() and a clean environment. */
int ut_setup(void **state);

/*
 * What a failed call must leave as it found: descriptors, mappings and
 * calloc'd blocks (the library's handles).  LeakSanitizer checks all
 * other memory in the sanitizer build.
 */
struct ut_snap {
	int fds, maps, allocs;
};
#define ut_snap() ((struct ut_snap){ tc_count_fds(), mock.live_maps, mock.live_allocs })
#define assert_nothing_left(s) do { \
		assert_int_equal(tc_count_fds(), (s).fds); \
		assert_int_equal(mock.live_maps, (s).maps); \
		assert_int_equal(mock.live_allocs, (s).allocs); \
	} while (0)

#endif
