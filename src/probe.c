/* SPDX-License-Identifier: MIT */
/* Placeholder until the probe lands: every entry point says so. */
#include <errno.h>
#include "internal.h"

SM_EXPORT int syncmap_probe(const char *path, struct syncmap_probe **out) { (void)path; (void)out; return -ENOSYS; }
SM_EXPORT int syncmap_probe_mapping(const struct syncmap *m, struct syncmap_probe **out) { (void)m; (void)out; return -ENOSYS; }
SM_EXPORT void syncmap_probe_free(struct syncmap_probe *p) { (void)p; }
SM_EXPORT bool syncmap_probe_map_sync(const struct syncmap_probe *p) { (void)p; return false; }
SM_EXPORT enum syncmap_granularity syncmap_probe_granularity(const struct syncmap_probe *p) { (void)p; return SYNCMAP_GRAN_PAGE; }
SM_EXPORT enum syncmap_flush syncmap_probe_flush(const struct syncmap_probe *p) { (void)p; return SYNCMAP_FLUSH_NONE; }
SM_EXPORT enum syncmap_cause syncmap_probe_cause(const struct syncmap_probe *p) { (void)p; return SYNCMAP_CAUSE_ERROR; }
SM_EXPORT const char *syncmap_probe_advice(const struct syncmap_probe *p) { (void)p; return ""; }
SM_EXPORT int syncmap_probe_fact(const struct syncmap_probe *p, size_t i, const char **k, const char **v) { (void)p; (void)i; (void)k; (void)v; return -ENOSYS; }
SM_EXPORT int syncmap_probe_format(const struct syncmap_probe *p, unsigned f, char *b, size_t s) { (void)p; (void)f; (void)b; (void)s; return -ENOSYS; }
