/* SPDX-License-Identifier: MIT */
/* The power-cut workload's parts: what workload.c and jworkload.c share. */
#ifndef DAX_WORKLOAD_H
#define DAX_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

struct log {
	const char *target;
	const char *tag;
	uint64_t run;
	bool devdax;
};

/* One line on stdout, in one write (workloads share the console). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Create the file path (NULL: nothing to do). */
void ready(const char *path);
/* A decimal argument, or exit(2) with a message. */
uint64_t number(const char *s);

/* jworkload.c: the journaled page path and its page-path control. */
bool jw_how(const char *how);
int jw_write(const struct log *l, const char *how, const char *ready_path);
int jw_verify(const struct log *l, const char *acked, const char *how);

/* gworkload.c: a journaled file that grows by reopening. */
bool gw_how(const char *how);
int gw_write(const struct log *l, const char *ready_path);
int gw_verify(const struct log *l, uint64_t acked);

/* growworkload.c: a mapping that grows in place (syncmap_grow). */
bool gr_how(const char *how);
int gr_write(const struct log *l, const char *how, const char *ready_path);
int gr_verify(const struct log *l, uint64_t acked, const char *how);

#endif
