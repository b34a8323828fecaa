/* SPDX-License-Identifier: MIT */
/*
 * What this process holds (descriptors, mappings, heap), counted before
 * and after a call that must leave nothing behind, and what the machine
 * has (an NVDIMM bus).
 */
#ifndef SYNCMAP_TEST_CENSUS_H
#define SYNCMAP_TEST_CENSUS_H

#include <stdbool.h>
#include <stddef.h>

/* Open descriptors, from /proc/self/fd (not counting the one used to
 * read it).  Both counts exit(1) if /proc cannot be read. */
int tc_count_fds(void);
/* Mappings, from /proc/self/maps; under AddressSanitizer only those of
 * files. */
int tc_count_maps(void);
/* Bytes malloc has handed out and not got back. */
size_t tc_heap_in_use(void);
/* true if the machine has an NVDIMM bus (/sys/bus/nd/devices/ndbus*). */
bool tc_have_nvdimm_bus(void);

#endif
