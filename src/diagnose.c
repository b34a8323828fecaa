/* SPDX-License-Identifier: MIT */
/* Why the kernel refused MAP_SYNC: a first classification by file system
 * type; the device chain is examined by the probe. */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

#define EXT4_MAGIC 0xEF53
#define XFS_MAGIC 0x58465342

enum syncmap_cause sm_diagnose_refusal(int fd, char *advice, size_t size)
{
	long type = 0;

	if (sm_sys_fstatfs_type(fd, &type) < 0)
		return SYNCMAP_CAUSE_NOT_DAX;
	if (type == EXT4_MAGIC || type == XFS_MAGIC) {
		snprintf(advice, size, "%s", sm_cause_default_advice(SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED));
		return SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED;
	}
	return SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE;
}

int sm_domain_is_cpu_cache(int fd, bool *deep_flush)
{
	(void)fd;
	*deep_flush = false;
	return -EOPNOTSUPP;
}

int sm_region_deep_flush(int fd)
{
	(void)fd;
	return -EOPNOTSUPP;
}
