/* SPDX-License-Identifier: MIT */
/* safe.c: the SIGBUS handler behind syncmap_read_safe/write_safe. */
#ifndef SYNCMAP_SAFE_H
#define SYNCMAP_SAFE_H

/*
 * Install the library's SIGBUS handler in front of the current disposition
 * (once, and again if the application displaced it).  0 or -errno.
 */
int sm_safe_install(void);

#endif
