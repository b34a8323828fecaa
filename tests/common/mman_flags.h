/* SPDX-License-Identifier: MIT */
/*
 * The mmap flags of Linux 4.15 (the MAP_SYNC patch series), for C
 * libraries whose <sys/mman.h> predates them: the tests' interposers
 * (unit/mock.c, fault/inject.c) read these bits in the library's calls.
 * The values are the kernel's ABI (include/uapi/linux/mman.h and
 * asm-generic/mman-common.h) and never change.
 */
#ifndef SYNCMAP_TEST_MMAN_FLAGS_H
#define SYNCMAP_TEST_MMAN_FLAGS_H

#include <sys/mman.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#endif
