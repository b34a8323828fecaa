/* SPDX-License-Identifier: MIT */
#include "record.h"

#include <string.h>

static uint32_t crc_table[256];

/* CRC-32C (Castagnoli), a byte at a time from a table: the guest is
 * emulated, and the verifier checks megabytes after every cut. */
uint32_t rec_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
			crc_table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* splitmix64: a cheap, well-mixed function of (run, id, i). */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint32_t rec_len(uint64_t run, uint64_t id)
{
	uint64_t r = mix(run * 0x100000001b3ull ^ id);

	/* Mostly small records, now and then one of several pages. */
	if ((r & 7) == 0)
		return 1 + (uint32_t)((r >> 8) % REC_MAX_PAYLOAD);
	return 1 + (uint32_t)((r >> 8) % 512);
}

size_t rec_stride(uint64_t run, uint64_t id)
{
	size_t n = sizeof(struct rec_hdr) + rec_len(run, id);

	return (n + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
}

static void payload(uint8_t *p, uint32_t len, uint64_t run, uint64_t id)
{
	uint64_t seed = mix(run ^ mix(id));

	for (uint32_t i = 0; i < len; i += 8) {
		uint64_t v = mix(seed + i);
		uint32_t n = len - i < 8 ? len - i : 8;

		memcpy(p + i, &v, n);
	}
	/* A nonzero last byte: a record cut just before its trailing zeros
	 * would otherwise look whole on zeroed media. */
	p[len - 1] |= 1;
}

static void make_hdr(struct rec_hdr *h, const uint8_t *pl, uint64_t run,
		     uint64_t id)
{
	h->magic = REC_MAGIC;
	h->len = rec_len(run, id);
	h->id = id;
	h->run = run;
	h->payload_crc = rec_crc32c(0, pl, h->len);
	h->hdr_crc = rec_crc32c(0, h, offsetof(struct rec_hdr, hdr_crc));
}

void rec_fill(void *dst, uint64_t run, uint64_t id)
{
	uint8_t buf[REC_MAX_PAYLOAD];
	struct rec_hdr h;
	uint32_t len = rec_len(run, id);

	payload(buf, len, run, id);
	make_hdr(&h, buf, run, id);
	/* Header first: a cut in the middle leaves a valid header over a
	 * partial payload, the case the verifier must reject. */
	memcpy(dst, &h, sizeof(h));
	memcpy((uint8_t *)dst + sizeof(h), buf, len);
}

enum rec_state rec_check(const void *src, size_t avail, uint64_t run,
			 uint64_t id)
{
	uint8_t want[REC_MAX_PAYLOAD];
	struct rec_hdr h, w;
	uint32_t len = rec_len(run, id);

	if (avail < sizeof(h) + len)
		return REC_EMPTY;
	memcpy(&h, src, sizeof(h));
	payload(want, len, run, id);
	make_hdr(&w, want, run, id);
	if (memcmp(&h, &w, sizeof(h)))
		/* Ours but wrong: a header the cut caught half written. */
		return h.run == run && h.id == id ? REC_TORN : REC_EMPTY;
	if (memcmp((const uint8_t *)src + sizeof(h), want, len))
		return REC_TORN;
	return REC_OK;
}
