/* SPDX-License-Identifier: MIT */
/*
 * aarch64 cache write-back.
 *
 * DC CVAP cleans a line to the point of persistence (Armv8.2 DCPOP, which
 * Linux reports as HWCAP_DCPOP); a CPU without it gets DC CVAC, a clean
 * to the point of coherency, the furthest such a CPU can push a line.
 * That is the kernel's own choice for persistent memory:
 * arch_wb_cache_pmem() (arch/arm64/mm/flush.c) calls dcache_clean_pop
 * (arch/arm64/mm/cache.S), which runs DC CVAP where the CPU has DCPOP and
 * falls back to DC CVAC where it does not.  Both may run at EL0 because
 * Linux sets SCTLR_EL1.UCI.
 *
 * The barrier is DSB SY.  The Arm Architecture Reference Manual (DDI 0487,
 * "Ordering and completion of data and instruction cache instructions")
 * guarantees that a cache maintenance instruction has completed only after
 * a DSB executed by the same PE; a DMB orders it against later accesses
 * but does not wait for it.  PMDK drains with DMB ISHST, which therefore
 * does not promise that the clean has reached the point of persistence
 * when the drain returns; the kernel's dcache_clean_pop ends with DSB SY
 * ("dcache_by_line_op cvap, sy"), and so does every persist here.
 *
 * The line is CTR_EL0.DminLine (log2 of the smallest data cache line in
 * 4-byte words), not a constant: some cores have 128-byte lines.  Linux
 * lets EL0 read CTR_EL0 (SCTLR_EL1.UCT) or traps and emulates the read
 * where CPUs differ, so it is read once and kept.
 */
#include <string.h>
#include <sys/auxv.h>

#include "cpu.h"

#ifndef HWCAP_DCPOP
#define HWCAP_DCPOP (1UL << 16)
#endif
#define CTR_DMINLINE(ctr) (4u << (((ctr) >> 16) & 0xfu))

/* Bytes per DC operation, set before any flush function is handed out. */
static unsigned long arm64_line;

static unsigned ctr_line(void)
{
	uint64_t ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return CTR_DMINLINE(ctr);
}

static void keep_line(void)
{
	if (!__atomic_load_n(&arm64_line, __ATOMIC_RELAXED))
		__atomic_store_n(&arm64_line, ctr_line(), __ATOMIC_RELAXED);
}

void sm_arch_cpu(struct sm_cpu *c)
{
	static const enum syncmap_insn prefer[] = {
		SYNCMAP_INSN_DC_CVAP, SYNCMAP_INSN_DC_CVAC,
	};

	memset(c, 0, sizeof(*c));
	c->arch = "aarch64";
	c->line = ctr_line();
	memcpy(c->prefer, prefer, sizeof(prefer));
	/* DC CVAC is in every ARMv8 CPU. */
	c->have = SM_INSN_BIT(SYNCMAP_INSN_DC_CVAC);
	if (getauxval(AT_HWCAP) & HWCAP_DCPOP)
		c->have |= SM_INSN_BIT(SYNCMAP_INSN_DC_CVAP);
	keep_line();
}

static void flush_cvap(const void *addr, size_t len)
{
	uintptr_t line = __atomic_load_n(&arm64_line, __ATOMIC_RELAXED);
	uintptr_t p = (uintptr_t)addr & ~(line - 1);
	uintptr_t end = (uintptr_t)addr + len;

	/* DC CVAP, Xt as SYS #3, C7, C12, #1, Xt: assemblers that default
	 * to ARMv8.0 do not know the mnemonic. */
	for (; p < end; p += line)
		__asm__ volatile("sys #3, c7, c12, #1, %0" : : "r"(p) : "memory");
}

static void flush_cvac(const void *addr, size_t len)
{
	uintptr_t line = __atomic_load_n(&arm64_line, __ATOMIC_RELAXED);
	uintptr_t p = (uintptr_t)addr & ~(line - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += line)
		__asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
}

sm_flush_fn sm_flush_fn_for(enum syncmap_insn insn)
{
	keep_line();
	switch (insn) {
	case SYNCMAP_INSN_DC_CVAP: return flush_cvap;
	case SYNCMAP_INSN_DC_CVAC: return flush_cvac;
	default: break;
	}
	return NULL;
}

void sm_fence(void)
{
	__asm__ volatile("dsb sy" : : : "memory");
}
