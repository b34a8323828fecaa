/* SPDX-License-Identifier: MIT */
/*
 * The journal's replay parser on corrupted journals.  The input is a
 * journal image: its first two 512-byte slots are the header slots, and
 * the rest is read as the records area.  The walk must never crash or
 * read outside the image, and every record it hands to replay must pass
 * checks made here independently of the parser: magic, the header's
 * generation, consecutive sequence numbers from 1, bounds inside the
 * image and the file, and a CRC32C recomputed bit by bit.
 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records the walk delivered, over every input: the standalone driver
 * checks that the properties were exercised at all. */
unsigned long long fj_records;

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "violated: %s\n", #c); abort(); } } while (0)
#define FILE_SIZE (1u << 20)

/* CRC32C one bit at a time: shares nothing with crc32c.c's tables. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

struct walk {
	const uint8_t *img, *end;
	uint64_t gen, next;
};

static int check_record(void *arg, const struct sm_j_record *r, const uint8_t *d)
{
	struct walk *w = arg;
	uint8_t hdr[SM_J_REC_HDR];
	uint32_t crc;

	REQUIRE(d >= w->img + SM_J_REC_HDR && d + r->length <= w->end);
	REQUIRE(r->generation == w->gen && r->sequence == w->next++);
	REQUIRE(r->length > 0 && r->offset + r->length <= FILE_SIZE);
	memcpy(hdr, d - SM_J_REC_HDR, sizeof(hdr));
	REQUIRE(memcmp(hdr, "SMJR", 4) == 0);
	memset(hdr + offsetof(struct sm_j_record, crc), 0, sizeof(r->crc));
	crc = crc_bitwise(crc_bitwise(0, hdr, sizeof(hdr)), d, r->length);
	REQUIRE(crc == r->crc);
	fj_records++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_j_header h;
	struct walk w;
	uint8_t *img;
	long long n;
	int slot;

	if (size < 2 * SM_J_SLOT)
		return 0;
	slot = sm_j_choose(data, &h);
	if (slot >= 0) {
		uint8_t copy[SM_J_SLOT];
		uint32_t crc;

		memcpy(copy, data + slot * SM_J_SLOT, SM_J_SLOT);
		memcpy(&crc, copy + offsetof(struct sm_j_header, crc), sizeof(crc));
		crc = le32toh(crc);	/* the disk's order is little-endian */
		memset(copy + offsetof(struct sm_j_header, crc), 0, sizeof(crc));
		REQUIRE(crc_bitwise(0, copy, SM_J_SLOT) == crc);
	} else {
		h.generation = 1;	/* walk anyway: the parser sees any bytes */
	}
	/* An exact-size copy, so that a read past the end is caught by ASan. */
	size -= 2 * SM_J_SLOT;
	img = malloc(size ? size : 1);
	if (!img)
		return 0;
	memcpy(img, data + 2 * SM_J_SLOT, size);
	w.img = img;
	w.end = img + size;
	w.gen = h.generation;
	w.next = 1;
	n = sm_j_walk(img, size, h.generation, FILE_SIZE, check_record, &w);
	REQUIRE(n >= 0 && (uint64_t)n == w.next - 1);
	free(img);
	return 0;
}
