/* SPDX-License-Identifier: MIT */
/* safe.c: the SIGBUS handler behind syncmap_read_safe/write_safe. */
#ifndef SYNCMAP_SAFE_H
#define SYNCMAP_SAFE_H

#include <stdint.h>

/*
 * Install the library's SIGBUS handler in front of the current disposition
 * (once, and again if the application displaced it).  0 or -errno.
 */
int sm_safe_install(void);

/*
 * Run fn(arg) with a SIGBUS it raises at an address in [lo, hi) turned
 * into -EIO; -errno if the handler cannot be installed.
 */
int sm_safe_run(void (*fn)(void *), void *arg, uintptr_t lo, uintptr_t hi);

#endif
