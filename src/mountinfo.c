/* SPDX-License-Identifier: MIT */
/* Placeholder until the probe lands. */
#include "internal.h"
