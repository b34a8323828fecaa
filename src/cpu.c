/* SPDX-License-Identifier: MIT */
/*
 * The process's CPU: read once, with the instructions the environment
 * disables (SYNCMAP_NO_CLWB and the like, one per instruction), and the
 * pure choice among them that the decision uses.
 */
#include <pthread.h>
#include <string.h>

#include "internal.h"

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
