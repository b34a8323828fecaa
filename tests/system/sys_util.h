/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the system suite: real files on real file systems of this
 * machine, no mocks.  A test whose file system is not here is skipped,
 * and says why.
 */
#ifndef SYNCMAP_TEST_SYS_UTIL_H
#define SYNCMAP_TEST_SYS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_EXT4_MAGIC 0xEF53
#define ST_TMPFS_MAGIC 0x01021994

/*
 * A private directory on the disk file system of the build (the
 * directory in $SYNCMAP_TEST_DIR, else the current one), and one on
 * /dev/shm.  NULL when that place is not writable.
 */
const char *st_disk_dir(void);
const char *st_shm_dir(void);
/* f_type of the file system holding path, 0 on error. */
long st_fs_type(const char *path);
/* dir/name in one of a few rotating static buffers. */
const char *st_path(const char *dir, const char *name);
/* Create (or replace) a file of size bytes holding st_pattern(seed, i). */
void st_make_file(const char *path, size_t size, unsigned seed);
unsigned char st_pattern(unsigned seed, size_t i);
/* Read the file with read(2) through a new descriptor: n bytes at off. */
void st_read_file(const char *path, uint64_t off, void *buf, size_t n);
uint64_t st_file_size(const char *path);
/* true if the machine has an NVDIMM bus (/sys/bus/nd/devices/ndbus*). */
bool st_have_nvdimm_bus(void);
/* Remove both directories and everything in them. */
void st_cleanup(void);

int st_group_teardown(void **state);

#endif
