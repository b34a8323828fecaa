/* SPDX-License-Identifier: MIT */
/* The paths' tables (path_cpu.c, path_page.c, and the journal's). */
#ifndef SYNCMAP_PATHS_H
#define SYNCMAP_PATHS_H

#include "mapping.h"

extern const struct sm_path_ops sm_cache_line_ops;
extern const struct sm_path_ops sm_byte_ops;
extern const struct sm_path_ops sm_page_ops;
extern const struct sm_path_ops sm_rdonly_ops;
extern const struct sm_path_ops sm_journal_ops;
/* msync of the pages under [start, end), with advice on failure. */
int sm_page_sync(struct syncmap *m, uintptr_t start, uintptr_t end);

#endif
