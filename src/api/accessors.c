/* SPDX-License-Identifier: MIT */
/*
 * What a mapping says about itself: its address and length, the path it
 * got and why, and the journal's counters.  A NULL handle answers the
 * least a caller could rely on.
 */
#include <errno.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "mapping.h"

SM_EXPORT void *syncmap_addr(const struct syncmap *m)
{
	return m ? m->addr : NULL;
}

SM_EXPORT size_t syncmap_length(const struct syncmap *m)
{
	return m ? sm_len(m) : 0;
}

SM_EXPORT enum syncmap_granularity syncmap_granularity(const struct syncmap *m)
{
	return m ? m->gran : SYNCMAP_GRAN_PAGE;
}

SM_EXPORT bool syncmap_is_sync(const struct syncmap *m)
{
	return m && m->sync;
}

SM_EXPORT enum syncmap_insn syncmap_insn(const struct syncmap *m)
{
	return m ? m->insn : SYNCMAP_INSN_NONE;
}

SM_EXPORT enum syncmap_cause syncmap_cause(const struct syncmap *m)
{
	return m ? m->cause : SYNCMAP_CAUSE_ERROR;
}

SM_EXPORT const char *syncmap_advice(const struct syncmap *m)
{
	return m ? m->advice : "";
}

SM_EXPORT enum syncmap_path syncmap_path(const struct syncmap *m)
{
	return m ? m->path : SYNCMAP_PATH_PAGE;
}

SM_EXPORT int syncmap_journal_stats(const struct syncmap *m,
				    struct syncmap_journal_stats *out, size_t size)
{
	struct syncmap_journal_stats s;

	if (!m || !out || sm_journal_stats(m, &s) < 0)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "syncmap_journal_stats: the mapping is not on the journal path "
			       "(open it with SYNCMAP_JOURNAL on a file without MAP_SYNC)");
	memcpy(out, &s, size < sizeof(s) ? size : sizeof(s));
	return 0;
}
