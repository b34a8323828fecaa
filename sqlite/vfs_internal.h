/* SPDX-License-Identifier: MIT */
/* What the VFS's own tests may ask of it; not installed. */
#ifndef SYNCMAP_SQLITE_INTERNAL_H
#define SYNCMAP_SQLITE_INTERNAL_H

#include <stdbool.h>

#ifdef SMSQL_LIBRARY
#define SMSQL_EXPORT __attribute__((visibility("default")))
#else
#define SMSQL_EXPORT
#endif

/* Whether any process, this one included, holds a lock on fd's file. */
bool smsql_file_locked(int fd);
/* Close the nodes whose connections have all gone, where that is safe. */
void smsql_sweep(void);
/* Descriptors of our own the VFS holds open (nodes, parked ones too). */
int smsql_open_descriptors(void);

#endif
