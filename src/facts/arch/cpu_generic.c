/* SPDX-License-Identifier: MIT */
/*
 * Every architecture without a write-back file of its own (i386, s390x,
 * mips64el, loong64, ...): no instruction, so a MAP_SYNC mapping is
 * remapped plainly and persisted with msync, with the cause
 * cpu_cannot_flush and advice that names the architecture.
 */
#include <string.h>

#include "cpu.h"

void sm_arch_cpu(struct sm_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->arch = SM_ARCH_NAME;
	/* Unused without an instruction; reported as the usual line. */
	c->line = 64;
	c->prefer[0] = SYNCMAP_INSN_NONE;
	c->lacks = "libsyncmap has no cache write-back for this architecture";
}

sm_flush_fn sm_flush_fn_for(enum syncmap_insn insn)
{
	(void)insn;
	return NULL;
}

void sm_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
