/* SPDX-License-Identifier: MIT */
/* crc32c.c: CRC32C (Castagnoli), with the CPU's instruction where it
 * has one. */
#ifndef SYNCMAP_CRC32C_H
#define SYNCMAP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t sm_crc32c(uint32_t crc, const void *buf, size_t len);
/* The table-driven computation, whatever the CPU (tests compare). */
uint32_t sm_crc32c_soft(uint32_t crc, const void *buf, size_t len);

#endif
