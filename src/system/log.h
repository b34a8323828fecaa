/* SPDX-License-Identifier: MIT */
/* log.c: the caller's log callback, the calling thread's last cause and
 * advice, and the environment. */
#ifndef SYNCMAP_LOG_H
#define SYNCMAP_LOG_H

#include <pthread.h>
#include <stdarg.h>

#include "common.h"

void sm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Record why the calling thread's call failed; returns err for chaining. */
int sm_fail(int err, enum syncmap_cause cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sm_clear_last(void);
/* A recursive mutex, which POSIX can only make at run time. */
void sm_mutex_init_recursive(pthread_mutex_t *lock);
/* getenv that ignores the environment in setuid/setgid processes. */
const char *sm_getenv(const char *name);

#endif
