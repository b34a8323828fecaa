/* SPDX-License-Identifier: MIT */
/* cause.c: the names of the public enums and a default sentence per
 * cause. */
#ifndef SYNCMAP_CAUSE_H
#define SYNCMAP_CAUSE_H

#include "common.h"

const char *sm_cause_default_advice(enum syncmap_cause c);

#endif
