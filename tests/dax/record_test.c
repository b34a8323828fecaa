/* SPDX-License-Identifier: MIT */
/*
 * The power-cut verifier is only as good as its record check: a record cut
 * anywhere in the middle, one from another run, and one with a flipped bit
 * must all be refused, and a whole one accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static int failures;

static void want(int ok, const char *what, unsigned long long id)
{
	if (!ok) {
		printf("FAIL: %s (id %llu)\n", what, id);
		failures++;
	}
}

int main(void)
{
	static uint8_t buf[2 * REC_MAX_PAYLOAD + 256], part[sizeof(buf)];
	const uint64_t run = 7;

	/* The known CRC-32C check value. */
	want(rec_crc32c(0, "123456789", 9) == 0xe3069283u, "crc32c check value", 0);
	for (uint64_t id = 0; id < 300; id++) {
		size_t stride = rec_stride(run, id);
		size_t whole = sizeof(struct rec_hdr) + rec_len(run, id);

		want(stride % REC_ALIGN == 0 && stride >= whole, "stride", id);
		memset(buf, 0, sizeof(buf));
		rec_fill(buf, run, id);
		want(rec_check(buf, sizeof(buf), run, id) == REC_OK, "whole record", id);
		want(rec_check(buf, sizeof(buf), run + 1, id) == REC_EMPTY,
		     "another run's record", id);
		want(rec_check(buf, sizeof(buf), run, id + 1) != REC_OK,
		     "another id", id);
		want(rec_check(buf, whole - 1, run, id) != REC_OK, "short read", id);
		/* Every prefix of the record, as a cut could leave it. */
		for (size_t cut = 0; cut < whole; cut += 1 + (whole / 97)) {
			memset(part, 0, sizeof(part));
			memcpy(part, buf, cut);
			want(rec_check(part, sizeof(part), run, id) != REC_OK,
			     "torn prefix accepted", id);
			if (cut > sizeof(struct rec_hdr))
				want(rec_check(part, sizeof(part), run, id) == REC_TORN,
				     "torn payload not reported as torn", id);
		}
		/* A single flipped bit anywhere. */
		size_t at = (size_t)(id * 7919) % whole;

		buf[at] ^= 0x10;
		want(rec_check(buf, sizeof(buf), run, id) != REC_OK, "flipped bit", id);
	}
	printf("%s\n", failures ? "record check: FAILED" : "record check: ok");
	return failures ? 1 : 0;
}
