/* SPDX-License-Identifier: MIT */
/* Address space held for growth (reserve.c), used by api/grow.c and
 * strict/strict_grow.c. */
#ifndef SYNCMAP_RESERVE_H
#define SYNCMAP_RESERVE_H

#include <stddef.h>
#include <stdint.h>

/* len rounded up to the page size. */
size_t sm_page_round(size_t len);
/* A PROT_NONE reservation of len bytes, aligned for huge pages at offset. */
int sm_reserve_new(size_t len, uint64_t offset, void **out);
/* PROT_NONE again over [addr, addr + len). */
void sm_reserve_hold(void *addr, size_t len);
/* Move the mapping at *base (len bytes, rounded to pages) to the start of
 * a new reservation of reserve bytes; *base becomes its address. */
int sm_reserve_move(void **base, size_t len, size_t reserve, uint64_t offset);
/* mmap with MAP_FIXED at addr inside a reservation; on failure the range
 * is held again. */
int sm_reserve_map(void *addr, size_t len, int prot, int flags, int fd, uint64_t off);

#endif
