/* SPDX-License-Identifier: MIT */
/*
 * A driver for a fuzz target without libFuzzer (any compiler): runs the
 * seed files named on the command line, then mutations of a valid journal
 * built here (bytes flipped, runs overwritten, the image cut short), from
 * a fixed seed so that a failure repeats.  The target aborts on a
 * violated property.
 *
 * usage: standalone ITERATIONS SEED-FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern unsigned long long fj_records;

#define IMG (2 * SM_J_SLOT + 8192)

static uint64_t state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 16);
}

/* A valid journal: a header of generation 3 and records after it. */
static size_t valid(uint8_t *img)
{
	struct sm_j_header h = { .generation = 3, .size = 1 << 20, .pid = 1 };
	size_t at = 2 * SM_J_SLOT;
	uint64_t seq = 1;

	memset(img, 0, IMG);
	sm_j_header_encode(&h, img + SM_J_SLOT);
	h.generation = 2;
	sm_j_header_encode(&h, img);
	while (at + SM_J_REC_HDR + 256 <= IMG && rnd() % 8) {
		uint32_t len = 64 * (1 + rnd() % 4);

		for (uint32_t i = 0; i < len; i++)
			img[at + SM_J_REC_HDR + i] = (uint8_t)rnd();
		sm_j_record_encode(img + at, 3, seq++, (uint64_t)(rnd() % 4096) * 64, len, 0);
		at += SM_J_REC_HDR + len;
	}
	return IMG;
}

static int run_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t img[IMG];
	long iters = argc > 1 ? atol(argv[1]) : 1000;
	int bad = 0;

	for (int i = 2; i < argc; i++) {
		unsigned long long before = fj_records;

		bad |= run_file(argv[i]);
		printf("%s: %llu records\n", argv[i], fj_records - before);
		/* The seed "valid" holds five good records: all must be seen. */
		if (strstr(argv[i], "/valid") && fj_records - before != 5)
			bad = 1;
	}
	fj_records = 0;
	for (long k = 0; k < iters; k++) {
		size_t size = valid(img);
		unsigned flips = rnd() % 8;

		for (unsigned i = 0; i < flips; i++)
			img[rnd() % size] ^= (uint8_t)(1u << (rnd() % 8));
		if (rnd() % 4 == 0) {
			size_t at = rnd() % size, n = rnd() % 128;

			memset(img + at, (int)rnd(), at + n < size ? n : size - at);
		}
		if (rnd() % 4 == 0)
			size = rnd() % size;
		LLVMFuzzerTestOneInput(img, size);
	}
	printf("%ld mutated journals (%llu records accepted) and %d seed files parsed, no "
	       "property violated\n", iters, fj_records, argc - 2);
	return bad || (iters > 100 && fj_records == 0);
}
