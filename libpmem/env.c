/* SPDX-License-Identifier: MIT */
/*
 * libpmem's environment, read as libpmem reads it (at load time, ignored
 * in set-user-ID programs; PMEM_IS_PMEM_FORCE at the first
 * pmem_is_pmem()), the per-thread message of pmem_errormsg(), and
 * pmem_check_version().
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm.h"

#define MSG_MAX 1024

struct pm_env pm_env = { -1, false, 256, false };

static _Thread_local char msg[MSG_MAX];

void pm_msg(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errno = saved;
}

PM_EXPORT const char *pmem_errormsg(void)
{
	return msg;
}

static bool env_is(const char *name, const char *value)
{
	const char *v = secure_getenv(name);

	return v && strcmp(v, value) == 0;
}

/*
 * libsyncmap reads its own names for the write-back instructions; a
 * program's PMEM_NO_CLWB=1 reaches libsyncmap's mappings as
 * SYNCMAP_NO_CLWB=1 unless that is set already.
 */
static void pass_on(const char *pmem_name, const char *syncmap_name)
{
	if (env_is(pmem_name, "1") && !getenv(syncmap_name))
		setenv(syncmap_name, "1", 0);
}

__attribute__((constructor))
static void pm_env_init(void)
{
	const char *t = secure_getenv("PMEM_MOVNT_THRESHOLD");
	const char *j = secure_getenv("SYNCMAP_PMEM_JOURNAL");
	char *end;

	if (env_is("PMEM_NO_FLUSH", "1"))
		pm_env.no_flush = 1;
	else if (env_is("PMEM_NO_FLUSH", "0"))
		pm_env.no_flush = 0;
	pm_env.no_movnt = env_is("PMEM_NO_MOVNT", "1");
	if (t && *t) {
		long long v = strtoll(t, &end, 10);

		if (*end == '\0' && v >= 0)
			pm_env.movnt_threshold = (size_t)v;
	}
	pm_env.journal = j && *j && strcmp(j, "0") != 0;
	pass_on("PMEM_NO_CLWB", "SYNCMAP_NO_CLWB");
	pass_on("PMEM_NO_CLFLUSHOPT", "SYNCMAP_NO_CLFLUSHOPT");
	pm_cpu_init(env_is("PMEM_NO_CLWB", "1"), env_is("PMEM_NO_CLFLUSHOPT", "1"));
}

static pthread_once_t force_once = PTHREAD_ONCE_INIT;
static int force = -1;

static void read_force(void)
{
	const char *v = secure_getenv("PMEM_IS_PMEM_FORCE");

	/* As libpmem: the number atoi() reads, 0 or 1; anything else
	 * leaves the detection alone. */
	if (v && (atoi(v) == 0 || atoi(v) == 1))
		force = atoi(v);
}

int pm_is_pmem_force(void)
{
	pthread_once(&force_once, read_force);
	return force;
}

PM_EXPORT const char *pmem_check_version(unsigned major_required,
					 unsigned minor_required)
{
	if (major_required != PM_MAJOR) {
		pm_msg("this libpmem.so.1 (libsyncmap) provides interface version %u.%u; "
		       "major version %u was asked for", PM_MAJOR, PM_MINOR, major_required);
		return pmem_errormsg();
	}
	if (minor_required > PM_MINOR) {
		pm_msg("this libpmem.so.1 (libsyncmap) provides interface version %u.%u; "
		       "minor version %u was asked for", PM_MAJOR, PM_MINOR, minor_required);
		return pmem_errormsg();
	}
	return NULL;
}
