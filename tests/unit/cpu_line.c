/* SPDX-License-Identifier: MIT */
/*
 * The strict-mode tests are linked with -Wl,--wrap=sm_arch_cpu, so that
 * UT_CPU_LINE=N in the environment makes the library see this CPU with
 * an N-byte line.  Emulation reaches only the lines of the emulated CPUs
 * (64 and 128 bytes); this runs the strict model at others the library
 * can report (16 bytes, which riscv_hwprobe may give; 256; more than a
 * page, which CTR_EL0 could say) on any machine.  The CPU's write-back
 * loops keep their own line, so the paths below strict mode are
 * unchanged.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "cpu_line.h"

void __real_sm_arch_cpu(struct sm_cpu *c);
void __wrap_sm_arch_cpu(struct sm_cpu *c);

void __wrap_sm_arch_cpu(struct sm_cpu *c)
{
	const char *v = getenv("UT_CPU_LINE");
	unsigned long n;
	char *end;

	__real_sm_arch_cpu(c);
	if (!v || !*v)
		return;
	n = strtoul(v, &end, 10);
	if (*end || n == 0 || (n & (n - 1)) || n > (1ul << 20)) {
		fprintf(stderr, "UT_CPU_LINE=%s is not a power of two up to 1 MiB\n", v);
		exit(1);
	}
	c->line = (unsigned)n;
}

size_t ut_strict_line(void)
{
	size_t line = sm_cpu()->line, page = (size_t)sm_page_size();

	return line < page ? line : page;
}
