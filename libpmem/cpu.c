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

enum insn { USE_CLFLUSH, USE_CLFLUSHOPT, USE_CLWB };
static enum insn insn = USE_CLFLUSH;
/* 32-byte streaming stores where the CPU and the OS allow AVX. */
static bool avx2;

void pm_cpu_init(bool no_clwb, bool no_clflushopt)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		b = 0;
	if ((b & (1u << 24)) && !no_clwb)
		insn = USE_CLWB;
	else if ((b & (1u << 23)) && !no_clflushopt)
		insn = USE_CLFLUSHOPT;
	else
		insn = USE_CLFLUSH;
	__builtin_cpu_init();
	avx2 = __builtin_cpu_supports("avx2");
}

bool pm_cpu_can_flush(void)
{
	return true;
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
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	if (len == 0)
		return;
	if (insn == USE_CLWB)
		flush_clwb(p, end);
	else if (insn == USE_CLFLUSHOPT)
		flush_clflushopt(p, end);
	else
		for (; p < end; p += LINE)
			_mm_clflush((void *)p);
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

#else

void pm_cpu_init(bool no_clwb, bool no_clflushopt)
{
	(void)no_clwb;
	(void)no_clflushopt;
}

bool pm_cpu_can_flush(void)
{
	return false;
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
