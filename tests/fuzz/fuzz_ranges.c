/* SPDX-License-Identifier: MIT */
/*
 * The batch's range merge against a bitmap: after sm_ranges_coalesce the
 * ranges must be page-aligned, sorted, disjoint and not adjacent, and cover
 * exactly the pages the input touched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "violated: %s\n", #c); abort(); } } while (0)
#define SPACE (1u << 20)	/* addresses the input can name */
#define MAXR 256

static uint8_t want[SPACE / 64], got[SPACE / 64];

static void mark(uint8_t *map, uintptr_t start, uintptr_t end, uintptr_t page)
{
	for (uintptr_t p = start / page; p < (end + page - 1) / page; p++)
		map[p / 8] |= (uint8_t)(1u << (p % 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uintptr_t pages[] = { 64, 4096, 65536 };
	struct sm_range r[MAXR];
	uintptr_t page;
	size_t n = 0, out, i;

	if (size < 1)
		return 0;
	page = pages[data[0] % 3];
	for (i = 1; i + 5 <= size && n < MAXR; i += 5, n++) {
		uint32_t s = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)(data[i + 2] & 0x0f) << 16;
		uint32_t l = (uint32_t)data[i + 3] | (uint32_t)data[i + 4] << 8;

		r[n].start = s % (SPACE / 2);
		r[n].end = r[n].start + l + 1;
	}
	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	for (i = 0; i < n; i++)
		mark(want, r[i].start, r[i].end, page);
	out = sm_ranges_coalesce(r, n, page);
	REQUIRE(out <= n);
	REQUIRE(n == 0 || out >= 1);
	for (i = 0; i < out; i++) {
		REQUIRE(r[i].start % page == 0 && r[i].end % page == 0);
		REQUIRE(r[i].start < r[i].end);
		if (i > 0)
			REQUIRE(r[i].start > r[i - 1].end);
		mark(got, r[i].start, r[i].end, page);
	}
	REQUIRE(memcmp(want, got, sizeof(want)) == 0);
	return 0;
}
