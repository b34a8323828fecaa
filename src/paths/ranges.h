/* SPDX-License-Identifier: MIT */
/* Ranges of a mapping: whether one is inside it, the errors a call
 * returns for one that is not or for a read-only mapping, and merging. */
#ifndef SYNCMAP_RANGES_H
#define SYNCMAP_RANGES_H

#include "mapping.h"

static inline bool sm_in_range(const struct syncmap *m, const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)m->addr;
	size_t mlen = sm_len(m);

	return a >= base && a - base <= mlen && len <= mlen - (a - base);
}
/* -EINVAL: "WHAT ADDR+LEN is not inside the mapping ..." */
int sm_range_error(const struct syncmap *m, const char *what, const void *addr,
		   size_t len) __attribute__((cold));
/* -EBADF with cause read_only. */
int sm_readonly_error(void) __attribute__((cold));

/* Round ranges out to page, sort and merge them in place; returns the
 * number of disjoint ranges left at the front. */
size_t sm_ranges_coalesce(struct sm_range *r, size_t n, uintptr_t page);

#endif
