/* SPDX-License-Identifier: MIT */
#ifndef SYNCMAP_TEST_FACTS_TEXT_H
#define SYNCMAP_TEST_FACTS_TEXT_H

#include <stdio.h>

#include "internal.h"

/* One "key values" line per group of facts (target, fstype, mount, chain,
 * names, region, devdax; volatile, cxl and one cxl_target per target where
 * there are any). */
void sm_write_facts(FILE *o, const struct sm_facts *f);

#endif
