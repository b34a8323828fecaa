/* SPDX-License-Identifier: MIT */
/* chain.c: the live walk of the tree from a device number. */
#ifndef SYNCMAP_CHAIN_H
#define SYNCMAP_CHAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sysfs.h"

/* The chain behind a file (st_dev) or a device DAX node (st_rdev). */
int sm_chain_walk(bool chr, dev_t dev, struct sm_chain *c);
/* Size and mapping alignment of a device DAX character device. */
int sm_devdax_geometry(dev_t rdev, uint64_t *size, uint64_t *align);
/* Bad 512-byte sectors of the pmem block device under c, and of those,
 * how many hold the data of fd (FIEMAP); -1 where unknown. */
void sm_chain_badblocks(int fd, const struct sm_chain *c, long long *total,
			long long *in_file);

#endif
