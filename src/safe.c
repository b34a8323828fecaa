/* SPDX-License-Identifier: MIT */
/* Placeholder until safe access lands. */
#include <errno.h>
#include "internal.h"

SM_EXPORT int syncmap_read_safe(struct syncmap *m, void *d, const void *s, size_t n) { (void)m; (void)d; (void)s; (void)n; return -ENOSYS; }
SM_EXPORT int syncmap_write_safe(struct syncmap *m, void *d, const void *s, size_t n) { (void)m; (void)d; (void)s; (void)n; return -ENOSYS; }
