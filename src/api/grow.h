/* SPDX-License-Identifier: MIT */
/* Room to grow, and growing (grow.c): what the open calls. */
#ifndef SYNCMAP_GROW_H
#define SYNCMAP_GROW_H

#include "mapping.h"

/* At the end of an open: take the lock, hold reserve bytes of address
 * space from the mapping's start and move the mapping (and a strict
 * view) there.  -errno with advice; on failure the mapping is as it was. */
int sm_grow_setup(struct syncmap *m, unsigned flags, uint64_t reserve);

#endif
