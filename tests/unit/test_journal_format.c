/* SPDX-License-Identifier: MIT */
/*
 * The journal's format without a file: CRC32C against published vectors
 * (RFC 3720 appendix B.4), record encoding and its checks, the walk that
 * replay makes (order, torn and corrupt tails, a generation change), the
 * choice between the two header slots, and SYNCMAP_JOURNAL_SIZE.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journal.h"

uint32_t sm_crc32c_soft(uint32_t crc, const void *buf, size_t len);

static void test_crc_vectors(void **state)
{
	uint8_t zeros[32] = { 0 }, ones[32], inc[32];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++)
		inc[i] = (uint8_t)i;
	assert_int_equal(sm_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(sm_crc32c_soft(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(sm_crc32c(0, zeros, 32), 0x8A9136AAu);
	assert_int_equal(sm_crc32c(0, ones, 32), 0x62A8AB43u);
	assert_int_equal(sm_crc32c(0, inc, 32), 0x46DD794Eu);
	assert_int_equal(sm_crc32c_soft(0, inc, 32), 0x46DD794Eu);
	/* Chained over two pieces equals one pass, at every split. */
	for (size_t k = 0; k <= 9; k++)
		assert_int_equal(sm_crc32c(sm_crc32c(0, "123456789", k), "123456789" + k, 9 - k),
				 0xE3069283u);
	assert_int_equal(sm_crc32c(0, "", 0), 0);
}

/* A journal image: records of one generation with data bytes seq. */
static size_t build(uint8_t *img, size_t cap, uint64_t gen, int n, uint32_t len)
{
	size_t at = 0;

	memset(img, 0, cap);
	for (int i = 1; i <= n; i++) {
		memset(img + at + SM_J_REC_HDR, i, len);
		sm_j_record_encode(img + at, gen, (uint64_t)i, (uint64_t)(i - 1) * 64, len, 0);
		at += SM_J_REC_HDR + len;
	}
	return at;
}

struct seen {
	int n;
	uint64_t seq[16], off[16];
};

static int collect(void *arg, const struct sm_j_record *r, const uint8_t *data)
{
	struct seen *s = arg;

	assert_int_equal(data[0], (uint8_t)r->sequence);
	s->seq[s->n] = r->sequence;
	s->off[s->n++] = r->offset;
	return 0;
}

static void test_walk_order(void **state)
{
	uint8_t img[4096];
	struct seen s = { 0 };

	(void)state;
	build(img, sizeof(img), 7, 5, 128);
	assert_int_equal(sm_j_walk(img, sizeof(img), 7, 1 << 20, collect, &s), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(s.seq[i], i + 1);
		assert_int_equal(s.off[i], (uint64_t)i * 64);
	}
	/* Another generation's records are not this one's. */
	assert_int_equal(sm_j_walk(img, sizeof(img), 8, 1 << 20, NULL, NULL), 0);
	assert_int_equal(sm_j_walk(img, sizeof(img), 6, 1 << 20, NULL, NULL), 0);
}

static void test_torn_tail(void **state)
{
	uint8_t img[4096];
	size_t end = build(img, sizeof(img), 3, 4, 64);

	(void)state;
	/* The last record cut short: the walk stops before it. */
	assert_int_equal(sm_j_walk(img, end - 1, 3, 1 << 20, NULL, NULL), 3);
	/* A bit flipped in the data of the third: stop at it, even though
	 * the fourth is intact (it could not be ordered after a hole). */
	img[2 * 128 + SM_J_REC_HDR + 5] ^= 1;
	assert_int_equal(sm_j_walk(img, end, 3, 1 << 20, NULL, NULL), 2);
}

/*
 * Atomic units: records 1 alone, 2..4 one unit (unit_left 2, 1, 0), 5
 * alone.  The walk hands a unit to fn only when it is whole.
 */
static size_t build_units(uint8_t *img, size_t cap)
{
	static const uint32_t left[5] = { 0, 2, 1, 0, 0 };
	size_t at = 0;

	memset(img, 0, cap);
	for (int i = 1; i <= 5; i++) {
		memset(img + at + SM_J_REC_HDR, i, 64);
		sm_j_record_encode_unit(img + at, 4, (uint64_t)i, (uint64_t)(i - 1) * 64, 64, 0,
					left[i - 1]);
		at += SM_J_REC_HDR + 64;
	}
	return at;
}

static void test_units(void **state)
{
	uint8_t img[2048];
	size_t end = build_units(img, sizeof(img));
	struct seen s = { 0 };
	struct sm_j_record r;

	(void)state;
	assert_int_equal(sm_j_walk(img, end, 4, 1 << 20, collect, &s), 5);
	assert_int_equal(s.n, 5);
	sm_j_record_decode(img + SM_J_REC_HDR + 64, &r);
	assert_int_equal(r.unit_left, 2);
	/* The unit's last record torn: the unit goes, record 1 stays. */
	s.n = 0;
	img[3 * 128 + SM_J_REC_HDR + 1] ^= 1;
	assert_int_equal(sm_j_walk(img, end, 4, 1 << 20, collect, &s), 1);
	assert_int_equal(s.n, 1);
	/* A walk that ends inside a unit, the image cut after record 3. */
	end = build_units(img, sizeof(img));
	s.n = 0;
	assert_int_equal(sm_j_walk(img, 3 * 128, 4, 1 << 20, collect, &s), 1);
	assert_int_equal(s.n, 1);
	/* A unit whose next record is not its own (unit_left 0 after 2):
	 * the walk stops there, and keeps record 1 only. */
	end = build_units(img, sizeof(img));
	memset(img + 2 * 128 + SM_J_REC_HDR, 3, 64);
	sm_j_record_encode_unit(img + 2 * 128, 4, 3, 128, 64, 0, 0);
	assert_int_equal(sm_j_walk(img, end, 4, 1 << 20, NULL, NULL), 1);
}

static void test_corrupt_header_fields(void **state)
{
	uint8_t img[1024];
	struct sm_j_record r;

	(void)state;
	build(img, sizeof(img), 1, 1, 64);
	assert_int_equal(sm_j_record_check(img, 128, 1, 1, 1 << 20, &r), 64);
	/* Wrong sequence, wrong generation, beyond the file: refused. */
	assert_int_equal(sm_j_record_check(img, 128, 1, 2, 1 << 20, &r), -1);
	assert_int_equal(sm_j_record_check(img, 128, 2, 1, 1 << 20, &r), -1);
	assert_int_equal(sm_j_record_check(img, 128, 1, 1, 32, &r), -1);
	/* Any byte of the header changed: refused. */
	for (size_t f = 0; f < SM_J_REC_HDR; f++) {
		build(img, sizeof(img), 1, 1, 64);
		img[f] ^= 0x40;
		assert_int_equal(sm_j_record_check(img, 128, 1, 1, 1 << 20, &r), -1);
	}
	/* Zeros (a never-written journal) are no record. */
	memset(img, 0, sizeof(img));
	assert_int_equal(sm_j_walk(img, sizeof(img), 0, 1 << 20, NULL, NULL), 0);
}

static void test_generation_change(void **state)
{
	uint8_t img[4096];

	(void)state;
	/* Generation 2 wrote 5 records; after a checkpoint generation 3
	 * overwrote the first two.  A walk of 3 sees two, of 2 sees none
	 * (its first record is gone), never a mix. */
	build(img, sizeof(img), 2, 5, 64);
	{
		uint8_t tmp[256];
		size_t n = build(tmp, sizeof(tmp), 3, 2, 64);

		memcpy(img, tmp, n);
	}
	assert_int_equal(sm_j_walk(img, sizeof(img), 3, 1 << 20, NULL, NULL), 2);
	assert_int_equal(sm_j_walk(img, sizeof(img), 2, 1 << 20, NULL, NULL), 0);
}

static void test_slot_choice(void **state)
{
	uint8_t slots[2 * SM_J_SLOT];
	struct sm_j_header h = { .generation = 4, .size = 1 << 20, .pid = 9 }, got;

	(void)state;
	memset(slots, 0, sizeof(slots));
	assert_true(sm_j_slots_blank(slots));
	assert_int_equal(sm_j_choose(slots, &got), -1);
	sm_j_header_encode(&h, slots);
	h.generation = 5;
	sm_j_header_encode(&h, slots + SM_J_SLOT);
	assert_false(sm_j_slots_blank(slots));
	assert_int_equal(sm_j_choose(slots, &got), 1);
	assert_int_equal(got.generation, 5);
	/* The newer slot torn: the older wins. */
	slots[SM_J_SLOT + 20] ^= 0xff;
	assert_int_equal(sm_j_choose(slots, &got), 0);
	assert_int_equal(got.generation, 4);
	/* Both torn: none. */
	slots[30] ^= 0xff;
	assert_int_equal(sm_j_choose(slots, &got), -1);
	/* A header claiming an impossible size is not believed. */
	h.size = 1000;
	sm_j_header_encode(&h, slots);
	assert_false(sm_j_header_decode(slots, &got));
}

/* The disk's byte order is little-endian on every CPU, so that a journal
 * moves between architectures: fixed bytes, read back. */
static void test_disk_order(void **state)
{
	uint8_t rec[SM_J_REC_HDR + 64], slot[SM_J_SLOT];
	struct sm_j_header h = { .generation = 0x0102030405060708ull, .size = 1 << 20 }, got;
	struct sm_j_record r;

	(void)state;
	memset(rec, 0, sizeof(rec));
	sm_j_record_encode(rec, 0x1122334455667788ull, 1, 0x40, 64, 0);
	assert_memory_equal(rec, "SMJR", 4);
	assert_int_equal(rec[4], 64);
	assert_int_equal(rec[5] | rec[6] | rec[7], 0);
	assert_int_equal(rec[8], 0x88);
	assert_int_equal(rec[15], 0x11);
	assert_int_equal(rec[16], 1);
	assert_int_equal(rec[24], 0x40);
	assert_int_equal(sm_j_record_check(rec, sizeof(rec), 0x1122334455667788ull, 1, 1 << 20,
					   &r), 64);
	assert_int_equal(r.offset, 0x40);
	sm_j_header_encode(&h, slot);
	assert_memory_equal(slot, "SMJH", 4);
	assert_int_equal(slot[8], 0x08);
	assert_int_equal(slot[15], 0x01);
	assert_true(sm_j_header_decode(slot, &got));
	assert_true(got.generation == h.generation);
}

/* A record carries the file's size, little-endian at byte 40, under its
 * CRC; replay needs the larger of that size and its data's end, and a
 * record past a small file is still valid. */
static void test_record_file_size(void **state)
{
	uint8_t rec[SM_J_REC_HDR + 64];
	struct sm_j_record r;

	(void)state;
	memset(rec, 0, sizeof(rec));
	sm_j_record_encode(rec, 5, 1, 3u << 20, 64, 4u << 20);
	assert_int_equal(rec[40], 0);
	assert_int_equal(rec[42], 0x40);
	assert_int_equal(sm_j_record_check(rec, sizeof(rec), 5, 1, SM_J_FILE_MAX, &r), 64);
	assert_true(r.file_size == 4u << 20);
	assert_true(sm_j_record_need(&r) == 4u << 20);
	/* A journal of 0.2.0: no size, the data's end is what it needs. */
	sm_j_record_encode(rec, 5, 1, 3u << 20, 64, 0);
	assert_int_equal(sm_j_record_check(rec, sizeof(rec), 5, 1, SM_J_FILE_MAX, &r), 64);
	assert_true(sm_j_record_need(&r) == (3u << 20) + 64);
	/* The size is under the CRC. */
	rec[41] ^= 1;
	assert_int_equal(sm_j_record_check(rec, sizeof(rec), 5, 1, SM_J_FILE_MAX, &r), -1);
}

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(sm_j_parse_size("64K", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(sm_j_parse_size("8M", &v), 0);
	assert_int_equal(v, 8u << 20);
	assert_int_equal(sm_j_parse_size("1T", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(sm_j_parse_size("1048576", &v), 0);
	assert_int_equal(v, 1u << 20);
	assert_int_equal(sm_j_parse_size("2g", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	const char *bad[] = { "", "32K", "2T", "1.5M", "-8M", "8MB", "M", "65537",
			      "99999999999999999999", "18014398509481984K", " 8M" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sm_j_parse_size(bad[i], &v), -EINVAL);
	assert_int_equal(sm_j_parse_size(NULL, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_vectors),
		cmocka_unit_test(test_walk_order),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_corrupt_header_fields),
		cmocka_unit_test(test_generation_change),
		cmocka_unit_test(test_slot_choice),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_disk_order),
		cmocka_unit_test(test_record_file_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
