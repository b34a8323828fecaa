/* SPDX-License-Identifier: MIT */
/*
 * decide.c: the decision, from the facts (facts.h), the kernel's answers to
 * the mappings tried and the policy, to a path, granularity, instruction,
 * cause and advice; classify.c: why a refused file is refused.  Pure: no
 * system call, no log, no allocation.
 */
#ifndef SYNCMAP_DECIDE_H
#define SYNCMAP_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "facts.h"

#define SM_J_SUFFIX_TEXT ".syncmap-journal"	/* the sidecar's name: FILE + this */

enum sm_forced { SM_FORCE_NONE, SM_FORCE_PAGE, SM_FORCE_CACHE_LINE, SM_FORCE_BYTE };

/* What the caller and the environment ask for. */
struct sm_policy {
	unsigned flags;		/* SYNCMAP_RDONLY, _REQUIRE_SYNC, _FORBID_SYNC, _JOURNAL */
	enum sm_forced forced;	/* SYNCMAP_FORCE_GRANULARITY */
};

/* Not asked: distinct from every answer (0, 1, -errno).  It was 1 once,
 * which made a "yes" of validate read as "not asked". */
#define SM_NOT_TRIED 2

/* The kernel's answers to the mappings tried. */
struct sm_trial {
	int sync;	/* MAP_SHARED_VALIDATE|MAP_SYNC: 0, -errno, SM_NOT_TRIED */
	int plain;	/* MAP_SHARED of the same range after an EINVAL */
	int validate;	/* MAP_SHARED_VALIDATE known: 1, 0, -errno, SM_NOT_TRIED */
	size_t len;	/* bytes the trial mapped */
};

enum sm_path { SM_PATH_CACHE_LINE, SM_PATH_BYTE, SM_PATH_PAGE };

struct sm_decision {
	int err;		/* < 0: the open fails with it */
	enum sm_path path;
	bool sync;		/* the MAP_SYNC mapping is what persists */
	bool journal;		/* the page path with SYNCMAP_JOURNAL's sidecar */
	enum syncmap_granularity gran;
	enum syncmap_insn insn;
	enum syncmap_cause cause;
	int log_level;		/* log the advice at this level; 0: do not */
	char advice[SM_ADVICE_MAX];
};

/* SYNCMAP_FORCE_GRANULARITY, read (and warned about) outside the decision. */
enum sm_forced sm_forced_from_env(void);
/* Which mapping to try first: true for MAP_SYNC, false for a plain one. */
bool sm_plan_sync(const struct sm_policy *p);
void sm_decide(const struct sm_facts *f, const struct sm_trial *t,
	       const struct sm_policy *p, struct sm_decision *d);
/*
 * Why would MAP_SYNC be refused, given the facts?  Fills advice with one
 * sentence naming the file system, the device, the mount point and the
 * command that fixes it.  Pure.
 */
enum syncmap_cause sm_classify(const struct sm_facts *f, char *advice, size_t size);
/* The same, with sentences for a mapping SYNCMAP_JOURNAL takes. */
enum syncmap_cause sm_classify_for(const struct sm_facts *f, bool journal,
				   char *advice, size_t size);
/* The sentence for device DAX on volatile memory (c->volatile_mem). */
enum syncmap_cause sm_classify_volatile(const struct sm_chain *c, char *advice,
					 size_t size);
/* Interpret the errno of a validating mmap with an invalid flag bit. */
int sm_validate_errno_meaning(int err);

#endif
