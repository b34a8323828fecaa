/* SPDX-License-Identifier: MIT */
/*
 * Cache write-back and non-temporal stores for addresses that are not in
 * a libsyncmap mapping (libsyncmap flushes its own), and the streaming
 * stores of the copies.  x86-64 only: CLWB, else CLFLUSHOPT (both need
 * the SFENCE of pm_cpu_fence()), else CLFLUSH; AVX2 streaming stores,
 * else SSE2.
 * Elsewhere pm_cpu_can_flush() is false and the callers use msync.
 */
#include <stdint.h>
#include <string.h>

#include "pm.h"

#define LINE 64

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* The write-back instruction: the best the CPU has, less what the
 * environment forbids. */
static enum syncmap_insn insn = SYNCMAP_INSN_CLFLUSH;
/* 32-byte streaming stores where the CPU and the OS allow AVX. */
static bool avx2;

void pm_cpu_init(bool no_clwb, bool no_clflushopt)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		b = 0;
	if ((b & (1u << 24)) && !no_clwb)
		insn = SYNCMAP_INSN_CLWB;
	else if ((b & (1u << 23)) && !no_clflushopt)
		insn = SYNCMAP_INSN_CLFLUSHOPT;
	else
		insn = SYNCMAP_INSN_CLFLUSH;
	__builtin_cpu_init();
	avx2 = __builtin_cpu_supports("avx2");
}

bool pm_cpu_can_flush(void)
{
	return true;
}

enum syncmap_insn pm_cpu_wb_insn(void)
{
	return insn;
}

__attribute__((target("clwb")))
static void flush_clwb(uintptr_t p, uintptr_t end)
{
	for (; p < end; p += LINE)
		_mm_clwb((void *)p);
}

__attribute__((target("clflushopt")))
static void flush_clflushopt(uintptr_t p, uintptr_t end)
{
	for (; p < end; p += LINE)
		_mm_clflushopt((void *)p);
}

void pm_cpu_flush(const void *addr, size_t len)
{
	if (len)
		pm_cpu_flush_with(addr, len, insn);
}

void pm_cpu_fence(void)
{
	_mm_sfence();
}

bool pm_cpu_has_movnt(void)
{
	return true;
}

__attribute__((target("avx2")))
static void movnt_copy_avx2(void *dst, const void *src, size_t n)
{
	__m256i *d = dst;
	const __m256i *s = src;

	for (size_t i = 0; i < n / 32; i += 2) {
		__m256i x0 = _mm256_loadu_si256(s + i), x1 = _mm256_loadu_si256(s + i + 1);

		_mm256_stream_si256(d + i, x0);
		_mm256_stream_si256(d + i + 1, x1);
	}
}

__attribute__((target("avx2")))
static void movnt_set_avx2(void *dst, int c, size_t n)
{
	__m256i *d = dst, x = _mm256_set1_epi8((char)c);

	for (size_t i = 0; i < n / 32; i += 2) {
		_mm256_stream_si256(d + i, x);
		_mm256_stream_si256(d + i + 1, x);
	}
}

void pm_cpu_movnt_copy(void *dst, const void *src, size_t n)
{
	__m128i *d = dst;
	const __m128i *s = src;

	if (avx2) {
		movnt_copy_avx2(dst, src, n);
		return;
	}
	for (size_t i = 0; i < n / 16; i += 4) {
		__m128i x0 = _mm_loadu_si128(s + i), x1 = _mm_loadu_si128(s + i + 1);
		__m128i x2 = _mm_loadu_si128(s + i + 2), x3 = _mm_loadu_si128(s + i + 3);

		_mm_stream_si128(d + i, x0);
		_mm_stream_si128(d + i + 1, x1);
		_mm_stream_si128(d + i + 2, x2);
		_mm_stream_si128(d + i + 3, x3);
	}
}

void pm_cpu_movnt_set(void *dst, int c, size_t n)
{
	__m128i *d = dst, x = _mm_set1_epi8((char)c);

	if (avx2) {
		movnt_set_avx2(dst, c, n);
		return;
	}
	for (size_t i = 0; i < n / 16; i += 4) {
		_mm_stream_si128(d + i, x);
		_mm_stream_si128(d + i + 1, x);
		_mm_stream_si128(d + i + 2, x);
		_mm_stream_si128(d + i + 3, x);
	}
}

/*
 * Copies and fills that write each line back as soon as it is written:
 * one pass over the destination, as a copy into a MAP_SYNC mapping
 * needs, instead of a copy and then a second loop of write-backs over
 * the same lines.  One function per (store width, instruction), so that
 * the loop holds no branch but its own.
 */
#define WB_CLWB(p) __asm__ volatile("clwb %0" : "+m"(*(volatile char *)(p)))
#define WB_CLFLUSHOPT(p) __asm__ volatile("clflushopt %0" : "+m"(*(volatile char *)(p)))
#define WB_CLFLUSH(p) __asm__ volatile("clflush %0" : "+m"(*(volatile char *)(p)))

/* One line at d + o: copied from s + o, or filled with x. */
#define CP_AVX2(o) do { \
		__m256i a_ = _mm256_loadu_si256((const __m256i *)(s + (o))); \
		__m256i b_ = _mm256_loadu_si256((const __m256i *)(s + (o) + 32)); \
		_mm256_store_si256((__m256i *)(d + (o)), a_); \
		_mm256_store_si256((__m256i *)(d + (o) + 32), b_); \
	} while (0)
#define SET_AVX2(o) do { \
		_mm256_store_si256((__m256i *)(d + (o)), x); \
		_mm256_store_si256((__m256i *)(d + (o) + 32), x); \
	} while (0)
#define CP_SSE2(o) do { \
		__m128i a_ = _mm_loadu_si128((const __m128i *)(s + (o))); \
		__m128i b_ = _mm_loadu_si128((const __m128i *)(s + (o) + 16)); \
		__m128i c_ = _mm_loadu_si128((const __m128i *)(s + (o) + 32)); \
		__m128i d_ = _mm_loadu_si128((const __m128i *)(s + (o) + 48)); \
		_mm_store_si128((__m128i *)(d + (o)), a_); \
		_mm_store_si128((__m128i *)(d + (o) + 16), b_); \
		_mm_store_si128((__m128i *)(d + (o) + 32), c_); \
		_mm_store_si128((__m128i *)(d + (o) + 48), d_); \
	} while (0)
#define SET_SSE2(o) do { \
		_mm_store_si128((__m128i *)(d + (o)), x); \
		_mm_store_si128((__m128i *)(d + (o) + 16), x); \
		_mm_store_si128((__m128i *)(d + (o) + 32), x); \
		_mm_store_si128((__m128i *)(d + (o) + 48), x); \
	} while (0)

/* Eight lines a round, each written back after it is stored, then the
 * rest one at a time.  ADV(k) moves the source on by k bytes (copies
 * only). */
#define LINES(name, attr, VEC, SET1, DO, ADV, WB) \
	attr static void name(char *d, const char *s, int c, size_t lines) \
	{ \
		VEC x = SET1((char)c); \
		char *end8 = d + (lines & ~(size_t)7) * LINE, *end = d + lines * LINE; \
		(void)x; \
		(void)s; \
		for (; d != end8; d += 8 * LINE) { \
			DO(0); WB(d); DO(LINE); WB(d + LINE); \
			DO(2 * LINE); WB(d + 2 * LINE); DO(3 * LINE); WB(d + 3 * LINE); \
			DO(4 * LINE); WB(d + 4 * LINE); DO(5 * LINE); WB(d + 5 * LINE); \
			DO(6 * LINE); WB(d + 6 * LINE); DO(7 * LINE); WB(d + 7 * LINE); \
			ADV(8 * LINE); \
		} \
		for (; d != end; d += LINE) { \
			DO(0); WB(d); \
			ADV(LINE); \
		} \
	}
#define ADV_SRC(k) (s += (k))
#define ADV_NONE(k) ((void)0)

#define AVX2 __attribute__((target("avx2")))
#define LINES_AVX2(name, WB) \
	LINES(name##_cp, AVX2, __m256i, _mm256_set1_epi8, CP_AVX2, ADV_SRC, WB) \
	LINES(name##_set, AVX2, __m256i, _mm256_set1_epi8, SET_AVX2, ADV_NONE, WB)
#define LINES_SSE2(name, WB) \
	LINES(name##_cp, , __m128i, _mm_set1_epi8, CP_SSE2, ADV_SRC, WB) \
	LINES(name##_set, , __m128i, _mm_set1_epi8, SET_SSE2, ADV_NONE, WB)

LINES_AVX2(lines_avx2_clwb, WB_CLWB)
LINES_AVX2(lines_avx2_clflushopt, WB_CLFLUSHOPT)
LINES_AVX2(lines_avx2_clflush, WB_CLFLUSH)
LINES_SSE2(lines_sse2_clwb, WB_CLWB)
LINES_SSE2(lines_sse2_clflushopt, WB_CLFLUSHOPT)
LINES_SSE2(lines_sse2_clflush, WB_CLFLUSH)

pm_lines_fn *pm_cpu_lines(enum syncmap_insn wb, bool copy)
{
	switch (wb) {
	case SYNCMAP_INSN_CLWB:
		return avx2 ? (copy ? lines_avx2_clwb_cp : lines_avx2_clwb_set)
			    : (copy ? lines_sse2_clwb_cp : lines_sse2_clwb_set);
	case SYNCMAP_INSN_CLFLUSHOPT:
		return avx2 ? (copy ? lines_avx2_clflushopt_cp : lines_avx2_clflushopt_set)
			    : (copy ? lines_sse2_clflushopt_cp : lines_sse2_clflushopt_set);
	case SYNCMAP_INSN_CLFLUSH:
		return avx2 ? (copy ? lines_avx2_clflush_cp : lines_avx2_clflush_set)
			    : (copy ? lines_sse2_clflush_cp : lines_sse2_clflush_set);
	default:
		return NULL;
	}
}

void pm_cpu_flush_with(const void *addr, size_t len, enum syncmap_insn wb)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	if (wb == SYNCMAP_INSN_CLWB)
		flush_clwb(p, end);
	else if (wb == SYNCMAP_INSN_CLFLUSHOPT)
		flush_clflushopt(p, end);
	else
		for (; p < end; p += LINE)
			_mm_clflush((void *)p);
}

void pm_cpu_part_wb(void *dst, const void *src, int c, size_t n, enum syncmap_insn wb)
{
	if (src)
		memcpy(dst, src, n);
	else
		memset(dst, c, n);
	if (wb == SYNCMAP_INSN_CLWB)
		WB_CLWB(dst);
	else if (wb == SYNCMAP_INSN_CLFLUSHOPT)
		WB_CLFLUSHOPT(dst);
	else
		WB_CLFLUSH(dst);
}

#else

pm_lines_fn *pm_cpu_lines(enum syncmap_insn wb, bool copy)
{
	(void)wb;
	(void)copy;
	return NULL;
}

void pm_cpu_flush_with(const void *addr, size_t len, enum syncmap_insn wb)
{
	(void)addr;
	(void)len;
	(void)wb;
}

void pm_cpu_part_wb(void *dst, const void *src, int c, size_t n, enum syncmap_insn wb)
{
	(void)wb;
	if (src)
		memcpy(dst, src, n);
	else
		memset(dst, c, n);
}

void pm_cpu_init(bool no_clwb, bool no_clflushopt)
{
	(void)no_clwb;
	(void)no_clflushopt;
}

bool pm_cpu_can_flush(void)
{
	return false;
}

enum syncmap_insn pm_cpu_wb_insn(void)
{
	return SYNCMAP_INSN_NONE;
}

void pm_cpu_flush(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

void pm_cpu_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

bool pm_cpu_has_movnt(void)
{
	return false;
}

void pm_cpu_movnt_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

void pm_cpu_movnt_set(void *dst, int c, size_t n)
{
	memset(dst, c, n);
}

#endif
