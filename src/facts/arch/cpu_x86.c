/* SPDX-License-Identifier: MIT */
/*
 * x86-64 cache write-back.  The preference is CLWB (writes the line back
 * and may keep it cached) > CLFLUSHOPT > CLFLUSH (both evict it).  CLWB and
 * CLFLUSHOPT are weakly ordered and need the SFENCE of sm_fence(); CLFLUSH
 * is ordered with stores, and the fence is harmless after it.
 */
#include <cpuid.h>
#include <string.h>

#include "cpu.h"

#define CPUID1_EDX_CLFLUSH (1u << 19)
#define CPUID7_EBX_CLFLUSHOPT (1u << 23)
#define CPUID7_EBX_CLWB (1u << 24)
/* CPUID.1:EBX[15:8]: the CLFLUSH line size in 8-byte units. */
#define CPUID1_EBX_LINE(b) ((((b) >> 8) & 0xffu) * 8u)
#define X86_LINE 64u

void sm_arch_cpu(struct sm_cpu *c)
{
	static const enum syncmap_insn prefer[] = {
		SYNCMAP_INSN_CLWB, SYNCMAP_INSN_CLFLUSHOPT, SYNCMAP_INSN_CLFLUSH,
	};
	unsigned a, b, cx, d;

	memset(c, 0, sizeof(*c));
	c->arch = "x86_64";
	c->line = X86_LINE;
	memcpy(c->prefer, prefer, sizeof(prefer));
	if (__get_cpuid(1, &a, &b, &cx, &d)) {
		if (d & CPUID1_EDX_CLFLUSH)
			c->have |= SM_INSN_BIT(SYNCMAP_INSN_CLFLUSH);
		/* Every x86-64 CPU so far says 64; the flush loops below
		 * step by 64, which is safe for any larger line. */
		if (CPUID1_EBX_LINE(b) > X86_LINE)
			c->line = CPUID1_EBX_LINE(b);
	}
	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, a, b, cx, d);
		if (b & CPUID7_EBX_CLFLUSHOPT)
			c->have |= SM_INSN_BIT(SYNCMAP_INSN_CLFLUSHOPT);
		if (b & CPUID7_EBX_CLWB)
			c->have |= SM_INSN_BIT(SYNCMAP_INSN_CLWB);
	}
	if (!c->have)
		c->lacks = "CPUID reports none of CLWB, CLFLUSHOPT and CLFLUSH";
}

__attribute__((target("clwb")))
static void flush_clwb(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(X86_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += X86_LINE)
		__builtin_ia32_clwb((void *)p);
}

__attribute__((target("clflushopt")))
static void flush_clflushopt(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(X86_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += X86_LINE)
		__builtin_ia32_clflushopt((void *)p);
}

static void flush_clflush(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(X86_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += X86_LINE)
		__builtin_ia32_clflush((void *)p);
}

sm_flush_fn sm_flush_fn_for(enum syncmap_insn insn)
{
	switch (insn) {
	case SYNCMAP_INSN_CLWB: return flush_clwb;
	case SYNCMAP_INSN_CLFLUSHOPT: return flush_clflushopt;
	case SYNCMAP_INSN_CLFLUSH: return flush_clflush;
	default: break;
	}
	return NULL;
}

void sm_fence(void)
{
	__builtin_ia32_sfence();
}
