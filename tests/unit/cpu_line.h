/* SPDX-License-Identifier: MIT */
/*
 * The cache line the strict-mode tests expect, read at run time: strict
 * mode copies whole lines of the CPU's size (sm_cpu()->line: 64 bytes on
 * x86-64, 128 on POWER, whatever CTR_EL0 or riscv_hwprobe say elsewhere),
 * so every offset and length those tests check follows from it.
 */
#ifndef SYNCMAP_TEST_CPU_LINE_H
#define SYNCMAP_TEST_CPU_LINE_H

#include <stddef.h>

/* The bytes one line of a strict mapping covers: the CPU's line, at most
 * a page (strict_open.c says why). */
size_t ut_strict_line(void);

#endif
