/* SPDX-License-Identifier: MIT */
/*
 * The control of the frame check: two frames it must refuse, built with
 * -fstack-usage like the library.  Never linked into anything.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

int control_big_frame(const char *path);
int control_unbounded(size_t n);

/* A PATH_MAX buffer on the stack: what the house rules forbid. */
int control_big_frame(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	return (int)strlen(buf);
}

/* A variable-length array: no bound at all. */
int control_unbounded(size_t n)
{
	char buf[n + 1];

	memset(buf, 'x', n);
	buf[n] = '\0';
	return (int)strlen(buf);
}
