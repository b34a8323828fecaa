/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * iSCSI and ext4 metadata, chosen for the journal because x86 (SSE4.2)
 * and arm64 (the CRC extension) compute it in one instruction per word.
 * The portable code is slice-by-8 over tables built once.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "crc32c.h"

static uint32_t table[8][256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		table[0][i] = c;
	}
	for (int t = 1; t < 8; t++)
		for (int i = 0; i < 256; i++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

static uint32_t crc_soft(uint32_t c, const uint8_t *p, size_t n)
{
	/* The word trick reads bytes in little-endian order. */
	while (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		w ^= c;		/* little-endian: the low bytes come first */
		c = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		    table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		    table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		    table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
	return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64 = c;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c64 = __builtin_ia32_crc32di(c64, w);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}

static bool have_hw(void)
{
	static int have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return have == 1;
}
#endif

uint32_t sm_crc32c(uint32_t crc, const void *buf, size_t len)
{
	uint32_t c = ~crc;

#if defined(__x86_64__)
	if (have_hw())
		return ~crc_hw(c, buf, len);
#endif
	pthread_once(&once, build);
	return ~crc_soft(c, buf, len);
}

/* For tests: the table code, whatever the CPU has. */
uint32_t sm_crc32c_soft(uint32_t crc, const void *buf, size_t len);
uint32_t sm_crc32c_soft(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&once, build);
	return ~crc_soft(~crc, buf, len);
}
