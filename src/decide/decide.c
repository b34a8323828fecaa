/* SPDX-License-Identifier: MIT */
/*
 * The decision: from the facts about a file, the kernel's answers to the
 * mappings tried, and what the caller and the environment ask for, to the
 * path a mapping takes, its granularity, its write-back instruction, and
 * the cause and sentence that say why it is not a faster one.  Pure: no
 * system call, no log, no allocation.  open and syncmap_probe() both come
 * here, so a probe predicts what an open gets.
 *
 * Why a refused file is refused is classify.c's.  Device DAX on volatile
 * memory (dax_hmem, a CXL ram region) is granted MAP_SYNC by the kernel,
 * yet nothing makes it durable: it takes the page path with its own cause.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cause.h"
#include "decide.h"
#include "log.h"

int sm_validate_errno_meaning(int err)
{
	if (err == -EOPNOTSUPP)
		return 1;
	if (err == -EINVAL)
		return 0;
	return err < 0 ? err : -EPROTO;
}

enum sm_forced sm_forced_from_env(void)
{
	const char *v = sm_getenv("SYNCMAP_FORCE_GRANULARITY");

	if (!v || !*v)
		return SM_FORCE_NONE;
	if (!strcmp(v, "page"))
		return SM_FORCE_PAGE;
	if (!strcmp(v, "cache_line"))
		return SM_FORCE_CACHE_LINE;
	if (!strcmp(v, "byte"))
		return SM_FORCE_BYTE;
	sm_log(SYNCMAP_LOG_WARNING,
	       "SYNCMAP_FORCE_GRANULARITY=%s is not page, cache_line or byte; ignored", v);
	return SM_FORCE_NONE;
}

bool sm_plan_sync(const struct sm_policy *p)
{
	return !(p->flags & (SYNCMAP_RDONLY | SYNCMAP_FORBID_SYNC)) &&
	       p->forced != SM_FORCE_PAGE;
}

/* Will SYNCMAP_JOURNAL take the page path's place, if the page path it is?
 * Not for a read-only mapping, nor for one that requires MAP_SYNC (it
 * fails instead). */
static bool journaled(const struct sm_policy *p)
{
	return (p->flags & SYNCMAP_JOURNAL) &&
	       !(p->flags & (SYNCMAP_RDONLY | SYNCMAP_REQUIRE_SYNC));
}

static const char *forced_name(enum sm_forced f)
{
	return f == SM_FORCE_BYTE ? "byte" : f == SM_FORCE_CACHE_LINE ? "cache_line" : "page";
}

/* The outcome, with the cause's own sentence unless one is given. */
static void set(struct sm_decision *d, enum sm_path path, enum syncmap_cause cause,
		const char *advice)
{
	d->path = path;
	d->gran = path == SM_PATH_BYTE ? SYNCMAP_GRAN_BYTE :
		  path == SM_PATH_CACHE_LINE ? SYNCMAP_GRAN_CACHE_LINE : SYNCMAP_GRAN_PAGE;
	if (path != SM_PATH_CACHE_LINE)
		d->insn = SYNCMAP_INSN_NONE;
	d->cause = cause;
	if (advice != d->advice)
		snprintf(d->advice, sizeof(d->advice), "%s",
			 advice && *advice ? advice : sm_cause_default_advice(cause));
}

/* The open fails; with REQUIRE_SYNC, because of why MAP_SYNC is missing. */
static void fail(struct sm_decision *d, int err, enum syncmap_cause cause)
{
	d->err = err;
	d->cause = cause;
	d->log_level = 0;
}

static void require_failed(struct sm_decision *d, enum syncmap_cause cause)
{
	static const char lead[] = "MAP_SYNC is required but refused: ";
	char why[SM_ADVICE_MAX - sizeof(lead) + 1];

	snprintf(why, sizeof(why), "%.*s", (int)(sizeof(why) - 1),
		 d->advice[0] ? d->advice : sm_cause_default_advice(cause));
	snprintf(d->advice, sizeof(d->advice), "%s%.*s", lead, (int)(sizeof(why) - 1), why);
	fail(d, -EOPNOTSUPP, cause);
}

/* No instruction to write a line back: the sentence names the
 * architecture, what it lacks, and what the environment took away. */
static void no_insn(const struct sm_facts *f, const struct sm_policy *p,
		    struct sm_decision *d)
{
	char why[SM_ADVICE_MAX - 64];

	sm_cpu_advice_for(&f->cpu, f->cpu_disabled, journaled(p), why, sizeof(why));
	snprintf(d->advice, sizeof(d->advice),
		 "MAP_SYNC was granted, but %.*s", (int)sizeof(why) - 1, why);
	set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_NO_FLUSH_INSN, d->advice);
}

/* MAP_SYNC took: cache lines, or bytes where the caches are persistent. */
static void granted(const struct sm_facts *f, const struct sm_policy *p,
		    struct sm_decision *d)
{
	bool eadr = f->chain.domain == SM_DOMAIN_CPU_CACHE;

	d->sync = true;
	/* An architecture with no write-back at all has no fence anyone has
	 * shown to be a persistence barrier either: not even eADR helps. */
	if (f->cpu.prefer[0] == SYNCMAP_INSN_NONE && p->forced != SM_FORCE_BYTE) {
		d->sync = false;
		no_insn(f, p, d);
		d->log_level = SYNCMAP_LOG_NOTICE;
		return;
	}
	if ((eadr && p->forced != SM_FORCE_CACHE_LINE) || p->forced == SM_FORCE_BYTE) {
		set(d, SM_PATH_BYTE, SYNCMAP_CAUSE_NONE, "");
		d->advice[0] = '\0';
		if (!eadr) {
			set(d, SM_PATH_BYTE, SYNCMAP_CAUSE_FORCED_BY_ENV,
			    "SYNCMAP_FORCE_GRANULARITY=byte: persisting only fences, which is not "
			    "durable unless the platform's persistence domain includes the CPU "
			    "caches");
			d->log_level = SYNCMAP_LOG_WARNING;
		}
		return;
	}
	d->insn = sm_cpu_select(&f->cpu, f->cpu_disabled);
	if (d->insn == SYNCMAP_INSN_NONE) {
		d->sync = false;
		no_insn(f, p, d);
		d->log_level = SYNCMAP_LOG_NOTICE;
		return;
	}
	set(d, SM_PATH_CACHE_LINE, SYNCMAP_CAUSE_NONE, "");
	d->advice[0] = '\0';
}

/* EINVAL for MAP_SHARED_VALIDATE|MAP_SYNC: an old kernel, or bad
 * arguments, told apart by the plain mapping and by the kernel's answer
 * to an unknown flag with MAP_SHARED_VALIDATE. */
static void einval(const struct sm_trial *t, const struct sm_policy *p,
		   struct sm_decision *d)
{
	if (t->plain < 0) {
		snprintf(d->advice, sizeof(d->advice),
			 "the kernel rejected the mapping's arguments (length %zu): %s",
			 t->len, strerror(-t->plain));
		fail(d, t->plain, SYNCMAP_CAUSE_ERROR);
		return;
	}
	if (t->validate == 1) {
		snprintf(d->advice, sizeof(d->advice),
			 "the kernel knows MAP_SHARED_VALIDATE but refused MAP_SYNC for this "
			 "file with EINVAL (not EOPNOTSUPP), so %s; dmesg may tell why",
			 journaled(p) ? SM_SAYS_JOURNAL : "persisting uses msync");
		set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_NOT_DAX, d->advice);
		return;
	}
	set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_KERNEL_TOO_OLD, NULL);
}

/* A refused file with SYNCMAP_FORCE_GRANULARITY=cache_line or byte: the
 * CPU path, for measuring CPU cost; not durable, and the cause says so. */
static void forced_over_refusal(const struct sm_facts *f, const struct sm_policy *p,
				struct sm_decision *d)
{
	enum syncmap_insn insn = sm_cpu_select(&f->cpu, f->cpu_disabled);
	enum syncmap_cause refused = d->cause;

	if (p->forced == SM_FORCE_CACHE_LINE && insn == SYNCMAP_INSN_NONE)
		return;
	d->path = p->forced == SM_FORCE_BYTE ? SM_PATH_BYTE : SM_PATH_CACHE_LINE;
	d->gran = p->forced == SM_FORCE_BYTE ? SYNCMAP_GRAN_BYTE : SYNCMAP_GRAN_CACHE_LINE;
	d->insn = p->forced == SM_FORCE_BYTE ? SYNCMAP_INSN_NONE : insn;
	d->cause = SYNCMAP_CAUSE_FORCED_BY_ENV;
	snprintf(d->advice, sizeof(d->advice),
		 "SYNCMAP_FORCE_GRANULARITY=%s on a mapping without MAP_SYNC: persisting is NOT "
		 "durable (the kernel refused MAP_SYNC: %s); use this only to measure CPU cost",
		 forced_name(p->forced), syncmap_cause_name(refused));
	d->log_level = SYNCMAP_LOG_WARNING;
}

/*
 * SYNCMAP_JOURNAL changes what a page-path mapping does, nothing else:
 * MAP_SYNC, where granted, is faster.  Its lines go to the sidecar, so
 * the granularity is the cache line; the cause still says why MAP_SYNC
 * is missing, and the advice where the journal is.
 */
static void journal_over_page(const struct sm_facts *f, const struct sm_policy *p,
			      struct sm_decision *d)
{
	size_t n;

	/* A journal replays onto the memory after a crash: on volatile
	 * memory there is nothing left to replay onto. */
	if (d->err || d->path != SM_PATH_PAGE || d->sync || !(p->flags & SYNCMAP_JOURNAL) ||
	    (p->flags & SYNCMAP_RDONLY) || d->cause == SYNCMAP_CAUSE_VOLATILE_MEMORY)
		return;
	d->journal = true;
	d->gran = SYNCMAP_GRAN_CACHE_LINE;
	n = strlen(d->advice);
	snprintf(d->advice + n, sizeof(d->advice) - n,
		 "%spersisting appends the cache lines to the journal %s%s beside the file, "
		 "and the kernel writes the pages back later", n ? "; " : "",
		 f->fd.path[0] ? f->fd.path : "<file>", SM_J_SUFFIX_TEXT);
}

/* SYNCMAP_FORBID_SYNC: the cause's own sentence, but for what the journal
 * does when it takes the page path's place. */
static void forbidden(const struct sm_policy *p, struct sm_decision *d)
{
	snprintf(d->advice, sizeof(d->advice), "the caller asked for SYNCMAP_FORBID_SYNC, so %s",
		 journaled(p) ? SM_SAYS_JOURNAL : "persisting uses msync");
	set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_FORBIDDEN, d->advice);
}

/* The path without the journal: the caller's flags first, then the
 * environment, then the kernel's answer to MAP_SYNC. */
static void decide_path(const struct sm_facts *f, const struct sm_trial *t,
			const struct sm_policy *p, struct sm_decision *d)
{
	bool require = p->flags & SYNCMAP_REQUIRE_SYNC;

	if (p->flags & SYNCMAP_RDONLY) {
		set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_READ_ONLY, NULL);
		return;
	}
	if (p->forced == SM_FORCE_PAGE && require) {
		snprintf(d->advice, sizeof(d->advice),
			 "MAP_SYNC is required, but SYNCMAP_FORCE_GRANULARITY=page in the "
			 "environment forbids it; unset it or drop SYNCMAP_REQUIRE_SYNC");
		fail(d, -EOPNOTSUPP, SYNCMAP_CAUSE_FORCED_BY_ENV);
		return;
	}
	if (p->flags & SYNCMAP_FORBID_SYNC) {
		forbidden(p, d);
		return;
	}
	if (p->forced == SM_FORCE_PAGE || t->sync == SM_NOT_TRIED) {
		set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_FORCED_BY_ENV, NULL);
		d->log_level = SYNCMAP_LOG_NOTICE;
		return;
	}
	if (t->sync == 0 && f->chain.volatile_mem) {
		set(d, SM_PATH_PAGE, sm_classify_volatile(&f->chain, d->advice, sizeof(d->advice)),
		    d->advice);
		if (require)
			require_failed(d, d->cause);
		else
			d->log_level = SYNCMAP_LOG_WARNING;
		return;
	}
	if (t->sync == 0) {
		granted(f, p, d);
		if (require && !d->sync)
			require_failed(d, d->cause);
		return;
	}
	if (t->sync == -EOPNOTSUPP) {
		set(d, SM_PATH_PAGE, sm_classify_for(f, journaled(p), d->advice, sizeof(d->advice)),
		    d->advice);
	} else if (t->sync == -EINVAL) {
		einval(t, p, d);
		if (d->err)
			return;
	} else {
		snprintf(d->advice, sizeof(d->advice), "mmap of %zu bytes failed: %s",
			 t->len, strerror(-t->sync));
		fail(d, t->sync, SYNCMAP_CAUSE_ERROR);
		return;
	}
	if (require) {
		require_failed(d, d->cause);
		return;
	}
	d->log_level = SYNCMAP_LOG_NOTICE;
	if (p->forced == SM_FORCE_CACHE_LINE || p->forced == SM_FORCE_BYTE)
		forced_over_refusal(f, p, d);
}

/**
 * sm_decide() - the path a mapping takes, and why
 * @f: the facts of the file
 * @t: the kernel's answers to the mappings tried (sync is SM_NOT_TRIED
 *	when sm_plan_sync() said not to try MAP_SYNC)
 * @p: the caller's flags and the environment's forced granularity
 * @d: the outcome; d->err < 0 means the open fails with it
 */
void sm_decide(const struct sm_facts *f, const struct sm_trial *t,
	       const struct sm_policy *p, struct sm_decision *d)
{
	memset(d, 0, sizeof(*d));
	decide_path(f, t, p, d);
	journal_over_page(f, p, d);
}
