/* SPDX-License-Identifier: MIT */
/* map.c: mapping a file on the path the decision chose. */
#ifndef SYNCMAP_MAP_H
#define SYNCMAP_MAP_H

#include "mapping.h"

struct sm_facts;
int sm_map(struct syncmap *m, unsigned flags, const struct sm_facts *f);
/* Does the kernel know MAP_SHARED_VALIDATE?  1, 0, or -errno. */
int sm_validate_known(void);

#endif
