/* SPDX-License-Identifier: MIT */
/*
 * Logging through the caller's callback, and the per-thread record of why
 * the last call failed.  Nothing here ever writes to a file descriptor.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct sm_logger {
	syncmap_log_fn fn;
	void *arg;
	int max_level;
};

/* Recursive: a callback may call back into the library, even to replace
 * itself with syncmap_set_log().  POSIX has no static initialiser for a
 * recursive mutex, so the first use makes it. */
static pthread_mutex_t log_lock;
static pthread_once_t log_lock_once = PTHREAD_ONCE_INIT;
static struct sm_logger logger = { NULL, NULL, SYNCMAP_LOG_WARNING };

static _Thread_local enum syncmap_cause last_cause;
static _Thread_local char last_advice[SM_ADVICE_MAX];

void sm_mutex_init_recursive(pthread_mutex_t *lock)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(lock, &a);
	pthread_mutexattr_destroy(&a);
}

static void log_lock_init(void)
{
	sm_mutex_init_recursive(&log_lock);
}

static void lock_log(void)
{
	pthread_once(&log_lock_once, log_lock_init);
	pthread_mutex_lock(&log_lock);
}

const char *sm_getenv(const char *name)
{
	/* A setuid or setgid program must not let its caller weaken
	 * durability through the environment. */
	return secure_getenv(name);
}

static int env_level(int fallback)
{
	const char *s = sm_getenv("SYNCMAP_LOG_LEVEL");
	char *end;
	long v;

	if (!s || !*s)
		return fallback;
	if (!strcmp(s, "err")) return SYNCMAP_LOG_ERR;
	if (!strcmp(s, "warning")) return SYNCMAP_LOG_WARNING;
	if (!strcmp(s, "notice")) return SYNCMAP_LOG_NOTICE;
	if (!strcmp(s, "info")) return SYNCMAP_LOG_INFO;
	if (!strcmp(s, "debug")) return SYNCMAP_LOG_DEBUG;
	v = strtol(s, &end, 10);
	return (*end == '\0' && v >= 0 && v <= 7) ? (int)v : fallback;
}

SM_EXPORT void syncmap_set_log(syncmap_log_fn fn, void *arg, int max_level)
{
	lock_log();
	logger.fn = fn;
	logger.arg = arg;
	logger.max_level = env_level(max_level);
	pthread_mutex_unlock(&log_lock);
}

void sm_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* The lock keeps a callback from being replaced while it runs; it
	 * is taken only on open, close and error paths, never on persist. */
	lock_log();
	if (logger.fn && level <= logger.max_level) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		logger.fn(logger.arg, level, msg);
	}
	pthread_mutex_unlock(&log_lock);
}

int sm_fail(int err, enum syncmap_cause cause, const char *fmt, ...)
{
	va_list ap;

	last_cause = cause;
	va_start(ap, fmt);
	vsnprintf(last_advice, sizeof(last_advice), fmt, ap);
	va_end(ap);
	sm_log(SYNCMAP_LOG_ERR, "%s", last_advice);
	return err;
}

void sm_clear_last(void)
{
	last_cause = SYNCMAP_CAUSE_NONE;
	last_advice[0] = '\0';
}

SM_EXPORT enum syncmap_cause syncmap_last_cause(void)
{
	return last_cause;
}

SM_EXPORT const char *syncmap_last_advice(void)
{
	return last_advice;
}

SM_EXPORT const char *syncmap_version(void)
{
	return SYNCMAP_VERSION_STRING;
}
