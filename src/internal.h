/* SPDX-License-Identifier: MIT */
/*
 * Every internal header at once, for the tests that reach inside the
 * library.  The library's own files include the header of each concern
 * they use, so that a file's includes say which layers it stands on.
 */
#ifndef SYNCMAP_INTERNAL_H
#define SYNCMAP_INTERNAL_H

#include "common.h"
#include "sys.h"
#include "log.h"
#include "cpu.h"
#include "cause.h"
#include "mapping.h"
#include "ranges.h"
#include "paths.h"
#include "map.h"
#include "tree.h"
#include "chain.h"
#include "cxl.h"
#include "facts.h"
#include "decide.h"
#include "reserve.h"
#include "grow.h"

#endif
