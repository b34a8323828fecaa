/* SPDX-License-Identifier: MIT */
/*
 * x86-64 cache write-back.  CPUID is read once per process; the choice is
 * CLWB (keeps the line cached) > CLFLUSHOPT > CLFLUSH.  CLWB and
 * CLFLUSHOPT are weakly ordered and need the SFENCE that sm_fence() gives;
 * CLFLUSH is ordered with stores.
 */
#include <cpuid.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if !defined(__x86_64__)
#error "cpu_x86.c is for x86-64; add a file for this architecture"
#endif

#define CPUID1_EDX_CLFLUSH (1u << 19)
#define CPUID7_EBX_CLFLUSHOPT (1u << 23)
#define CPUID7_EBX_CLWB (1u << 24)

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static struct sm_cpu_features cpu_features;
static enum syncmap_flush cpu_choice;
static bool cpu_overridden;

static void read_cpuid(struct sm_cpu_features *f)
{
	unsigned a, b, c, d;

	memset(f, 0, sizeof(*f));
	if (__get_cpuid(1, &a, &b, &c, &d))
		f->clflush = (d & CPUID1_EDX_CLFLUSH) != 0;
	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		f->clflushopt = (b & CPUID7_EBX_CLFLUSHOPT) != 0;
		f->clwb = (b & CPUID7_EBX_CLWB) != 0;
	}
}

enum syncmap_flush sm_cpu_select(const struct sm_cpu_features *f,
				 const struct sm_cpu_env *env)
{
	if (f->clwb && !env->no_clwb)
		return SYNCMAP_FLUSH_CLWB;
	if (f->clflushopt && !env->no_clflushopt)
		return SYNCMAP_FLUSH_CLFLUSHOPT;
	if (f->clflush)
		return SYNCMAP_FLUSH_CLFLUSH;
	return SYNCMAP_FLUSH_NONE;
}

static bool env_set(const char *name)
{
	const char *v = sm_getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static void cpu_init(void)
{
	struct sm_cpu_env env = {
		.no_clwb = env_set("SYNCMAP_NO_CLWB"),
		.no_clflushopt = env_set("SYNCMAP_NO_CLFLUSHOPT"),
	};

	read_cpuid(&cpu_features);
	cpu_choice = sm_cpu_select(&cpu_features, &env);
	cpu_overridden = env.no_clwb || env.no_clflushopt;
	if (cpu_overridden)
		sm_log(SYNCMAP_LOG_NOTICE,
		       "flush instruction overridden by the environment: using %s",
		       syncmap_flush_name(cpu_choice));
}

bool sm_cpu_overridden(void)
{
	pthread_once(&cpu_once, cpu_init);
	return cpu_overridden;
}

const struct sm_cpu_features *sm_cpu_features(void)
{
	pthread_once(&cpu_once, cpu_init);
	return &cpu_features;
}

enum syncmap_flush sm_cpu_flush(void)
{
	pthread_once(&cpu_once, cpu_init);
	return cpu_choice;
}

__attribute__((target("clwb")))
static void flush_clwb(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(SM_CACHE_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += SM_CACHE_LINE)
		__builtin_ia32_clwb((void *)p);
}

__attribute__((target("clflushopt")))
static void flush_clflushopt(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(SM_CACHE_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += SM_CACHE_LINE)
		__builtin_ia32_clflushopt((void *)p);
}

static void flush_clflush(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(SM_CACHE_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += SM_CACHE_LINE)
		__builtin_ia32_clflush((void *)p);
}

sm_flush_fn sm_flush_fn_for(enum syncmap_flush f)
{
	switch (f) {
	case SYNCMAP_FLUSH_CLWB: return flush_clwb;
	case SYNCMAP_FLUSH_CLFLUSHOPT: return flush_clflushopt;
	case SYNCMAP_FLUSH_CLFLUSH: return flush_clflush;
	case SYNCMAP_FLUSH_NONE: break;
	}
	return NULL;
}

void sm_fence(void)
{
	__builtin_ia32_sfence();
}
