/* SPDX-License-Identifier: MIT */
/*
 * The process's CPU: read once, with the instructions the environment
 * disables (SYNCMAP_NO_CLWB and the like, one per instruction), the pure
 * choice among them that the decision uses, the instructions' names, and
 * the sentence that says why a CPU cannot write a line back.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "log.h"

static const struct {
	const char *name, *env;
} insns[SM_INSN_COUNT] = {
	[SYNCMAP_INSN_NONE] = { "none", NULL },
	[SYNCMAP_INSN_CLFLUSH] = { "clflush", "SYNCMAP_NO_CLFLUSH" },
	[SYNCMAP_INSN_CLFLUSHOPT] = { "clflushopt", "SYNCMAP_NO_CLFLUSHOPT" },
	[SYNCMAP_INSN_CLWB] = { "clwb", "SYNCMAP_NO_CLWB" },
	[SYNCMAP_INSN_DC_CVAP] = { "dc_cvap", "SYNCMAP_NO_DC_CVAP" },
	[SYNCMAP_INSN_DC_CVAC] = { "dc_cvac", "SYNCMAP_NO_DC_CVAC" },
	[SYNCMAP_INSN_DCBSTPS] = { "dcbstps", "SYNCMAP_NO_DCBSTPS" },
	[SYNCMAP_INSN_DCBF] = { "dcbf", "SYNCMAP_NO_DCBF" },
	[SYNCMAP_INSN_CBO_CLEAN] = { "cbo_clean", "SYNCMAP_NO_CBO_CLEAN" },
};

SM_EXPORT const char *syncmap_insn_name(enum syncmap_insn insn)
{
	if ((unsigned)insn >= SM_INSN_COUNT || !insns[insn].name)
		return "unknown";
	return insns[insn].name;
}

const char *sm_insn_env(enum syncmap_insn insn)
{
	return (unsigned)insn < SM_INSN_COUNT ? insns[insn].env : NULL;
}

/* "SYNCMAP_NO_A and SYNCMAP_NO_B" for the instructions of c that are
 * disabled; returns the bytes written. */
static size_t disabled_names(const struct sm_cpu *c, uint32_t disabled,
			     char *buf, size_t size)
{
	size_t n = 0;
	int k = 0;

	for (int i = 0; i < SM_PREFER_MAX && c->prefer[i] != SYNCMAP_INSN_NONE; i++) {
		if (!(c->have & disabled & SM_INSN_BIT(c->prefer[i])) || n >= size)
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", k++ ? " and " : "",
				      sm_insn_env(c->prefer[i]));
	}
	return n < size ? n : size;
}

void sm_cpu_advice_for(const struct sm_cpu *c, uint32_t disabled, bool journal,
		       char *buf, size_t size)
{
	const char *msync = journal ? SM_SAYS_JOURNAL : "persisting uses msync";
	char names[256] = "";

	if (c->have & ~disabled) {
		/* Not this CPU's case; the cause's sentence all the same. */
		snprintf(buf, size, "on %s, no cache write-back instruction libsyncmap can "
			 "use was found, so %s", c->arch, msync);
		return;
	}
	if (c->have) {
		disabled_names(c, disabled, names, sizeof(names));
		snprintf(buf, size,
			 "on %s, %s in the environment disable every cache write-back "
			 "instruction this CPU has, so %s; unset them "
			 "for cache-line persistence", c->arch, names, msync);
		return;
	}
	snprintf(buf, size,
		 "on %s, %s, so a MAP_SYNC mapping cannot be persisted by cache line "
		 "and %s", c->arch, c->lacks ? c->lacks :
		 "libsyncmap knows no cache write-back instruction for this architecture",
		 journal ? SM_SAYS_JOURNAL :
		 "persisting uses msync (durable, one page at a time)");
}

void sm_cpu_advice(const struct sm_cpu *c, uint32_t disabled, char *buf,
		   size_t size)
{
	sm_cpu_advice_for(c, disabled, false, buf, size);
}

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static struct sm_cpu cpu;
static uint32_t cpu_disabled;

static bool env_set(const char *name)
{
	const char *v = name ? sm_getenv(name) : NULL;

	return v && *v && strcmp(v, "0") != 0;
}

static void cpu_init(void)
{
	sm_arch_cpu(&cpu);
	for (int i = 0; i < SM_INSN_COUNT; i++)
		if (env_set(sm_insn_env((enum syncmap_insn)i)))
			cpu_disabled |= SM_INSN_BIT(i);
}

const struct sm_cpu *sm_cpu(void)
{
	pthread_once(&cpu_once, cpu_init);
	return &cpu;
}

uint32_t sm_cpu_disabled(void)
{
	pthread_once(&cpu_once, cpu_init);
	return cpu_disabled;
}

enum syncmap_insn sm_cpu_select(const struct sm_cpu *c, uint32_t disabled)
{
	for (int i = 0; i < SM_PREFER_MAX && c->prefer[i] != SYNCMAP_INSN_NONE; i++)
		if ((c->have & ~disabled) & SM_INSN_BIT(c->prefer[i]))
			return c->prefer[i];
	return SYNCMAP_INSN_NONE;
}
