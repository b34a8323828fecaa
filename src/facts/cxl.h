/* SPDX-License-Identifier: MIT */
/* cxl.c: the CXL region, decoders and memory devices behind a chain, and
 * device DAX on volatile memory. */
#ifndef SYNCMAP_CXL_H
#define SYNCMAP_CXL_H

#include <stdbool.h>

#include "sysfs.h"

/* Is the chain's NVDIMM bus the one the CXL driver registers? */
bool sm_cxl_bus(const struct sm_chain *c);
/* Fill c->cxl for an NVDIMM region on a CXL bus. */
void sm_cxl_of_nd(struct sm_chain *c);
/* For a device DAX (canonical sysfs directory dir) with no NVDIMM region:
 * dax_hmem or a CXL ram region (c->volatile_mem, c->hmem, c->cxl). */
void sm_cxl_of_devdax(const char *dir, struct sm_chain *c);

#endif
