/* SPDX-License-Identifier: MIT */
/* The CPU: what it offers for writing cache lines back (cpu_<arch>.c,
 * one per architecture), and the process's CPU, read once (cpu.c). */
#ifndef SYNCMAP_CPU_H
#define SYNCMAP_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* Write back [addr, addr + len) with one instruction per cache line. */
typedef void (*sm_flush_fn)(const void *addr, size_t len);

/* ---- cpu_<arch>.c: one file per architecture, chosen by the build. */
#define SM_INSN_BIT(i) (1u << (unsigned)(i))
#define SM_PREFER_MAX 4

/*
 * What a CPU offers for writing cache lines back: the instructions it
 * (and the kernel) lets user space run, the architecture's order of
 * preference, and the bytes one write-back covers.
 */
struct sm_cpu {
	const char *arch;	/* "x86_64", "aarch64", ... */
	unsigned line;		/* bytes per write-back, a power of two */
	uint32_t have;		/* SM_INSN_BIT() of each usable instruction */
	enum syncmap_insn prefer[SM_PREFER_MAX]; /* best first, NONE ends it */
	/* Why this CPU offers none of prefer[] ("the kernel does not let user
	 * space run cbo.clean"), for the advice; NULL when it offers one. */
	const char *lacks;
};

/* Read this CPU's features (CPUID, hardware capabilities).  Stateless. */
void sm_arch_cpu(struct sm_cpu *c);
/* The write-back loop of an instruction; NULL for one the arch lacks. */
sm_flush_fn sm_flush_fn_for(enum syncmap_insn insn);
/* Order the write-backs (and stores) before it: the end of a persist. */
void sm_fence(void);

/* ---- cpu.c: the process's CPU, read once, and the choice. */
const struct sm_cpu *sm_cpu(void);
/* SM_INSN_BIT() of each instruction SYNCMAP_NO_<NAME> disables. */
uint32_t sm_cpu_disabled(void);
/* Pure: the first preferred instruction that is usable and not disabled. */
enum syncmap_insn sm_cpu_select(const struct sm_cpu *c, uint32_t disabled);

/* ---- cpu.c: the instructions' names and environment variables. */
#define SM_INSN_COUNT (SYNCMAP_INSN_CBO_CLEAN + 1)
/* "SYNCMAP_NO_CLWB"; NULL for SYNCMAP_INSN_NONE. */
const char *sm_insn_env(enum syncmap_insn insn);
/*
 * The advice of cpu_cannot_flush for a CPU and the instructions the
 * environment disables: names the architecture and what is missing.
 * Pure; writes at most size bytes, NUL-terminated.
 */
void sm_cpu_advice(const struct sm_cpu *c, uint32_t disabled, char *buf,
		   size_t size);
/* The same for a mapping whose page path the journal replaces (journal
 * true): the sentence says the file is mapped without MAP_SYNC, not that
 * persisting uses msync. */
void sm_cpu_advice_for(const struct sm_cpu *c, uint32_t disabled, bool journal,
		       char *buf, size_t size);

/* Where a sentence about the page path says "persisting uses msync", the
 * one about its journal says this, and the journal's own sentence follows. */
#define SM_SAYS_JOURNAL "the file is mapped without it"

#endif
