/* SPDX-License-Identifier: MIT */
/*
 * POWER (ppc64le, ppc64) cache write-back.
 *
 * POWER10 (Power ISA 3.1, AT_HWCAP2 PPC_FEATURE2_ARCH_3_1) has the
 * persistent-storage forms: dcbstps ("data cache block store to
 * persistent storage", dcbf with L=6) per line, then phwsync (sync with
 * L=4), which waits for them to reach persistence.  That is what Linux
 * uses for persistent memory: __clean_pmem_range() in
 * arch/powerpc/lib/pmem.c and the phwsync of arch_pmem_flush_barrier().
 * The kernel issues the same encodings on POWER8 and POWER9 (ISA 2.07 and
 * 3.0), which execute them as dcbf and hwsync (the patch "powerpc/pmem:
 * Add flush routines using new pmem store and sync instruction", Linux
 * 5.9, says so); here those CPUs get dcbf and hwsync by name, so the
 * report says what the CPU really runs.  Before ISA 2.07 the kernel
 * writes nothing back for persistent memory, and neither does this file.
 *
 * The line is AT_DCACHEBSIZE, the L1 data cache block size the kernel
 * itself steps by (l1_dcache_bytes()); 128 on every POWER server.
 */
#include <string.h>
#include <sys/auxv.h>

#include "cpu.h"

#ifndef PPC_FEATURE2_ARCH_2_07
#define PPC_FEATURE2_ARCH_2_07 0x80000000UL
#endif
#ifndef PPC_FEATURE2_ARCH_3_1
#define PPC_FEATURE2_ARCH_3_1 0x00040000UL
#endif
#ifndef AT_DCACHEBSIZE
#define AT_DCACHEBSIZE 19
#endif
/* Where the kernel gives no block size: a smaller step than the real
 * line only repeats work, and no POWER CPU has blocks under 32 bytes. */
#define PPC_MIN_LINE 32u

static unsigned long ppc_line;
static int ppc_isa31;	/* 1: POWER10, fence with phwsync */

static unsigned block_size(void)
{
	unsigned long b = getauxval(AT_DCACHEBSIZE);

	if (b < PPC_MIN_LINE || (b & (b - 1)) || b > 4096)
		return PPC_MIN_LINE;
	return (unsigned)b;
}

/* Set once, before any flush function is handed out; every thread
 * stores the same values. */
static void keep_line(void)
{
	if (__atomic_load_n(&ppc_line, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&ppc_isa31, (getauxval(AT_HWCAP2) & PPC_FEATURE2_ARCH_3_1) != 0,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ppc_line, block_size(), __ATOMIC_RELAXED);
}

void sm_arch_cpu(struct sm_cpu *c)
{
	static const enum syncmap_insn prefer[] = {
		SYNCMAP_INSN_DCBSTPS, SYNCMAP_INSN_DCBF,
	};
	unsigned long hw2 = getauxval(AT_HWCAP2);

	memset(c, 0, sizeof(*c));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	c->arch = "ppc64le";
#else
	c->arch = "ppc64";
#endif
	c->line = block_size();
	memcpy(c->prefer, prefer, sizeof(prefer));
	if (hw2 & PPC_FEATURE2_ARCH_3_1)
		c->have |= SM_INSN_BIT(SYNCMAP_INSN_DCBSTPS);
	if (hw2 & (PPC_FEATURE2_ARCH_2_07 | PPC_FEATURE2_ARCH_3_1))
		c->have |= SM_INSN_BIT(SYNCMAP_INSN_DCBF);
	if (!c->have)
		c->lacks = "this CPU predates Power ISA 2.07 (POWER8), for which Linux "
			   "itself has no persistent-memory write-back";
	keep_line();
}

static void flush_dcbstps(const void *addr, size_t len)
{
	uintptr_t line = __atomic_load_n(&ppc_line, __ATOMIC_RELAXED);
	uintptr_t p = (uintptr_t)addr & ~(line - 1);
	uintptr_t end = (uintptr_t)addr + len;

	/* dcbstps is dcbf 0,RB,6; the assembler knows it as POWER10. */
	for (; p < end; p += line)
		__asm__ volatile(".machine push\n\t.machine power10\n\t"
				 "dcbstps 0,%0\n\t.machine pop" : : "r"(p) : "memory");
}

static void flush_dcbf(const void *addr, size_t len)
{
	uintptr_t line = __atomic_load_n(&ppc_line, __ATOMIC_RELAXED);
	uintptr_t p = (uintptr_t)addr & ~(line - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += line)
		__asm__ volatile("dcbf 0,%0" : : "r"(p) : "memory");
}

sm_flush_fn sm_flush_fn_for(enum syncmap_insn insn)
{
	keep_line();
	switch (insn) {
	case SYNCMAP_INSN_DCBSTPS: return flush_dcbstps;
	case SYNCMAP_INSN_DCBF: return flush_dcbf;
	default: break;
	}
	return NULL;
}

/*
 * phwsync (sync with L=4, encoded by hand for assemblers that predate
 * it) on POWER10; hwsync (sync 0) before it, which is what POWER8 and
 * POWER9 make of a phwsync anyway.
 */
void sm_fence(void)
{
	if (__atomic_load_n(&ppc_isa31, __ATOMIC_RELAXED))
		__asm__ volatile(".long 0x7c8004ac" : : : "memory");
	else
		__asm__ volatile("sync" : : : "memory");
}
