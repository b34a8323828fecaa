/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fault, SIGBUS, security and concurrency tests. */
#ifndef SYNCMAP_TEST_FAULT_UTIL_H
#define SYNCMAP_TEST_FAULT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A fresh private directory under $TMPDIR (or /var/tmp); abort on error. */
const char *ft_tmpdir(void);
/* ft_tmpdir()/name in a static rotating buffer. */
const char *ft_path(const char *name);
/* Remove the directory and everything in it (one level deep). */
void ft_rmdir(const char *dir);
/* Open descriptors and mappings of this process, from /proc/self. */
int ft_count_fds(void);
int ft_count_maps(void);
/* Bytes malloc has handed out and not got back. */
size_t ft_heap_in_use(void);
/* Write a file of n bytes, byte i = seed + i, and fsync it. */
void ft_write_pattern(const char *path, size_t n, unsigned seed);
/* 1 if bytes [off, off + n) of path follow the pattern of seed. */
int ft_check_pattern(const char *path, size_t off, size_t n, unsigned seed);
/* Size of a file, or -1. */
long long ft_file_size(const char *path);

#endif
