/* SPDX-License-Identifier: MIT */
/*
 * Scratch directories and files of known content, for every suite.  A
 * program's scratch directories are private (mkdtemp), named after the
 * program, and removed by tc_cleanup().  Helpers that cannot do their
 * job print why and exit(1): a test cannot go on without its files.
 */
#ifndef SYNCMAP_TEST_FILES_H
#define SYNCMAP_TEST_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TC_EXT4_MAGIC 0xEF53
#define TC_TMPFS_MAGIC 0x01021994

/* A private directory under base, made on the first call for that base;
 * NULL when base is not writable. */
const char *tc_scratch(const char *base);
/* The private directory under $TMPDIR (or /tmp). */
const char *tc_dir(void);
/* One on the disk file system of the build ($SYNCMAP_TEST_DIR, else the
 * current directory) and one on /dev/shm; NULL when not writable. */
const char *tc_disk_dir(void);
const char *tc_shm_dir(void);
/* A CMocka setup function: *state = tc_disk_dir(); -1 when it is NULL. */
int tc_setup_disk_dir(void **state);
/* Remove every scratch directory made so far and what is in them. */
void tc_cleanup(void);
/* Remove dir, its files and its empty subdirectories. */
void tc_remove_dir(const char *dir);

/* dir/name, and tc_dir()/name, in one of a few rotating static buffers. */
const char *tc_join(const char *dir, const char *name);
const char *tc_path(const char *name);
/* The journaled path's sidecar of path (path.syncmap-journal), in one of
 * the same rotating buffers. */
const char *tc_journal_name(const char *path);

/* Byte i of the content of seed. */
unsigned char tc_pattern(unsigned seed, size_t i);
/* Create (or replace) path with size bytes of tc_pattern(seed, i);
 * returns path. */
const char *tc_make_file(const char *path, size_t size, unsigned seed);
/* true if bytes [off, off + n) of path are those of seed. */
bool tc_check_file(const char *path, size_t off, size_t n, unsigned seed);
/* Read n bytes at off with read(2) through a new descriptor. */
void tc_read_file(const char *path, uint64_t off, void *buf, size_t n);
/* Size of a file, or -1. */
long long tc_file_size(const char *path);
bool tc_exists(const char *path);
/* f_type of the file system holding path, 0 on error. */
long tc_fs_type(const char *path);

/* cmocka group fixtures: make tc_dir(); remove every scratch directory. */
int tc_group_setup(void **state);
int tc_group_teardown(void **state);

#endif
