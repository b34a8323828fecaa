/* SPDX-License-Identifier: MIT */
/* What every file of the library uses: the configuration, the public
 * header, the export marker, and the constants of the whole library. */
#ifndef SYNCMAP_COMMON_H
#define SYNCMAP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "syncmap.h"

#define SM_EXPORT __attribute__((visibility("default")))
#define SM_ADVICE_MAX 1024
#define SM_HUGE_ALIGN (2u << 20)

/* The valid bits of each flag word, and the number of causes: kept out of
 * the public header so that adding a flag or a cause changes no constant
 * a program was compiled with. */
#define SM_OPEN_VALID ((1U << 11) - 1)
#define SM_GROW_VALID ((1U << 1) - 1)
#define SM_COPY_VALID ((1U << 1) - 1)
#define SM_PROBE_VALID ((1U << 1) - 1)
#define SM_CAUSE_COUNT (SYNCMAP_CAUSE_VOLATILE_MEMORY + 1)

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define sm_likely(x) __builtin_expect(!!(x), 1)
#define sm_unlikely(x) __builtin_expect(!!(x), 0)

#endif
