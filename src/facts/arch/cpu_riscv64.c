/* SPDX-License-Identifier: MIT */
/*
 * RISC-V (riscv64) cache write-back: cbo.clean of the Zicbom extension,
 * where the kernel lets user space run it.
 *
 * Linux enables cbo.clean and cbo.flush in user mode and reports it
 * through riscv_hwprobe only since 6.15 ("RISC-V: Enable cbo.clean/flush
 * in usermode", "RISC-V: hwprobe: Expose Zicbom extension and its block
 * size"): RISCV_HWPROBE_EXT_ZICBOM in RISCV_HWPROBE_KEY_IMA_EXT_0, and the
 * block size under RISCV_HWPROBE_KEY_ZICBOM_BLOCK_SIZE
 * (Documentation/arch/riscv/hwprobe.rst).  On any other kernel the
 * instruction traps, so without both answers there is no write-back and
 * a MAP_SYNC mapping takes the page path.  The kernel's own persistent
 * memory write-back is the same instruction (arch_wb_cache_pmem() in
 * arch/riscv/mm/pmem.c).
 *
 * The fence: the RISC-V base cache-management operations specification
 * (Zicbom) orders cbo.clean like a store under FENCE, so a persist ends
 * with FENCE RW,RW, after which the cleans are complete.
 */
#include <string.h>

#include "cpu.h"
#include "sys.h"

/* arch/riscv/include/uapi/asm/hwprobe.h */
#define HWPROBE_KEY_IMA_EXT_0 4
#define HWPROBE_EXT_ZICBOM (1ULL << 55)
#define HWPROBE_KEY_ZICBOM_BLOCK_SIZE 12

static unsigned long rv_block;

/* The Zicbom block size user space may clean, or 0. */
static unsigned cbo_block(const char **lacks)
{
	struct sm_hwprobe_pair pairs[2] = {
		{ .key = HWPROBE_KEY_IMA_EXT_0 },
		{ .key = HWPROBE_KEY_ZICBOM_BLOCK_SIZE },
	};
	uint64_t b;

	if (sm_sys_riscv_hwprobe(pairs, 2) < 0) {
		*lacks = "the kernel has no riscv_hwprobe (Linux 6.4 and later have it), so "
			 "it cannot say that user space may run cbo.clean";
		return 0;
	}
	b = pairs[1].value;
	if (pairs[0].key < 0 || !(pairs[0].value & HWPROBE_EXT_ZICBOM) ||
	    pairs[1].key < 0 || b < 16 || b > 4096 || (b & (b - 1))) {
		*lacks = "the kernel does not let user space run cbo.clean (riscv_hwprobe "
			 "reports no Zicbom: Linux 6.15 or later on a CPU with Zicbom is needed)";
		return 0;
	}
	return (unsigned)b;
}

void sm_arch_cpu(struct sm_cpu *c)
{
	static const enum syncmap_insn prefer[] = { SYNCMAP_INSN_CBO_CLEAN };
	const char *lacks = NULL;
	unsigned b;

	memset(c, 0, sizeof(*c));
	c->arch = "riscv64";
	c->line = 64;
	memcpy(c->prefer, prefer, sizeof(prefer));
	b = cbo_block(&lacks);
	if (b) {
		c->line = b;
		c->have = SM_INSN_BIT(SYNCMAP_INSN_CBO_CLEAN);
		__atomic_store_n(&rv_block, b, __ATOMIC_RELAXED);
	}
	c->lacks = lacks;
}

static void flush_cbo_clean(const void *addr, size_t len)
{
	uintptr_t line = __atomic_load_n(&rv_block, __ATOMIC_RELAXED);
	uintptr_t p = (uintptr_t)addr & ~(line - 1);
	uintptr_t end = (uintptr_t)addr + len;

	/* cbo.clean (rs1): MISC-MEM, funct3 2, imm 1; written with .insn
	 * for assemblers that do not know Zicbom. */
	for (; p < end; p += line)
		__asm__ volatile(".insn i 0x0f, 2, x0, %0, 1" : : "r"(p) : "memory");
}

sm_flush_fn sm_flush_fn_for(enum syncmap_insn insn)
{
	/* Only a CPU whose block size is known has the instruction. */
	if (insn == SYNCMAP_INSN_CBO_CLEAN && __atomic_load_n(&rv_block, __ATOMIC_RELAXED))
		return flush_cbo_clean;
	return NULL;
}

void sm_fence(void)
{
	__asm__ volatile("fence rw, rw" : : : "memory");
}
