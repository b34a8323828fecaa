/* SPDX-License-Identifier: MIT */
/* The growing workloads' size markers: one 64-byte line at the end of each
 * size a file reaches, naming the run, the round and that size. */
#ifndef DAX_MARKER_H
#define DAX_MARKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MARKER_LINE 64u

/* Write the marker of (magic, run, round) into the last line of
 * [base, base + size); returns that line. */
uint8_t *marker_put(uint8_t *base, uint64_t size, uint64_t magic, uint64_t run,
		    uint64_t round);
/* Does [base, base + len) hold that marker, whole, in the last line of
 * its first size bytes? */
bool marker_whole(const uint8_t *base, size_t len, uint64_t size, uint64_t magic,
		  uint64_t run, uint64_t round);

#endif
