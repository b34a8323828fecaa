/* SPDX-License-Identifier: MIT */
/*
 * The probe: what a path (or an open mapping) can get, from the kernel to
 * the CPU, as an ordered list of facts plus the answer (MAP_SYNC or not,
 * granularity, write-back instruction) and, when the answer is not the
 * best one, a cause and a sentence that says how to fix it.
 *
 * The facts are gathered and the answer decided by the same code an open
 * runs (facts.c, decide.c), on the kernel's answer to a real trial: a
 * MAP_SYNC mapping of the file (or of an unnamed temporary file in the
 * directory of a path that does not exist yet) is made and removed
 * without touching a page.  So the probe predicts what an open of the
 * file gets, with the same environment.  The report adds what only it
 * needs: libndctl's view of the DIMMs, bad blocks, the kernel release.
 *
 * This file holds the public calls and the report's storage; the target
 * and the trial are probe_gather.c's, the facts in order probe_facts.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "log.h"
#include "probe.h"
#include "strict.h"
#include "sys.h"

static void answer_of(struct syncmap_probe *p, const struct sm_decision *d)
{
	p->map_sync = d->sync;
	p->gran = d->gran;
	p->insn = d->insn;
	p->cause = d->cause;
	snprintf(p->advice, sizeof(p->advice), "%s",
		 d->cause == SYNCMAP_CAUSE_NONE ? "" : d->advice);
	/* Strict mode wraps whatever path is decided; an open says so, and
	 * so does the probe, so that nobody measures or ships it unaware. */
	if (sm_strict_env()) {
		p->cause = SYNCMAP_CAUSE_STRICT_MODE;
		snprintf(p->advice, sizeof(p->advice),
			 "strict mode (SYNCMAP_STRICT in the environment): an open works on a "
			 "private view and only the cache lines it persists reach the file; do "
			 "not measure or ship this. Below it: the %s path, cause %s%s%.500s",
			 syncmap_granularity_name(d->gran), syncmap_cause_name(d->cause),
			 d->cause == SYNCMAP_CAUSE_NONE ? "" : ": ",
			 d->cause == SYNCMAP_CAUSE_NONE ? "" : d->advice);
	}
}

static int finish(struct syncmap_probe *p, struct sm_gather *g, struct syncmap_probe **out)
{
	free(g);
	if (p->oom) {
		syncmap_probe_free(p);
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory building the report");
	}
	*out = p;
	return 0;
}

static int no_memory(struct sm_gather *g, struct syncmap_probe *p)
{
	free(g);
	free(p);
	return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for the probe");
}

/**
 * syncmap_probe() - what can this path get, and why
 * @path: a file, a device DAX, or a path not created yet
 * @out: receives the report
 *
 * Return: 0; -EISDIR for a directory; -ENOENT when neither the path nor
 * its directory exists; -EACCES and the like when it cannot be opened.
 * syncmap_last_advice() says which.
 */
SM_EXPORT int syncmap_probe(const char *path, struct syncmap_probe **out)
{
	struct sm_policy pol = { 0, SM_FORCE_NONE };
	struct syncmap_probe *p;
	struct sm_gather *g;
	int r;

	if (!path || !*path || !out)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "syncmap_probe: no path");
	sm_clear_last();
	g = calloc(1, sizeof(*g));
	p = calloc(1, sizeof(*p));
	if (!g || !p)
		return no_memory(g, p);
	g->path = path;
	g->fd = -1;
	r = sm_probe_open_target(path, g);
	if (r == 0 && (r = sm_facts_gather(g->fd, &g->facts)) < 0)
		sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot examine %s: %s", path, strerror(-r));
	if (r < 0) {
		if (g->fd >= 0)
			sm_sys_close(g->fd);
		free(g);
		free(p);
		return r;
	}
	sm_probe_run_trial(g);
	pol.forced = sm_forced_from_env();
	sm_decide(&g->facts, &g->trial, &pol, &g->answer);
	answer_of(p, &g->answer);
	{
		/* What SYNCMAP_JOURNAL would change: only a page path. */
		struct sm_policy jp = pol;
		struct sm_decision *jd = malloc(sizeof(*jd));

		jp.flags |= SYNCMAP_JOURNAL;
		if (jd)
			sm_decide(&g->facts, &g->trial, &jp, jd);
		snprintf(g->persist_path, sizeof(g->persist_path), "%s",
			 g->answer.sync ? "map_sync" :
			 jd && jd->journal ? "page (journal with SYNCMAP_JOURNAL)" : "page");
		free(jd);
	}
	sm_probe_gather_extras(g);
	sm_probe_emit_all(p, g);
	sm_sys_close(g->fd);
	return finish(p, g, out);
}

/**
 * syncmap_probe_mapping() - the report of a mapping the library made
 * @m: the mapping
 * @out: receives the report
 *
 * The answer is the mapping's own (what its open decided); the other facts
 * are gathered now.
 */
SM_EXPORT int syncmap_probe_mapping(const struct syncmap *m,
				    struct syncmap_probe **out)
{
	struct syncmap_probe *p;
	struct sm_gather *g;
	int r;

	if (!m || !out)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	p = calloc(1, sizeof(*p));
	if (!g || !p)
		return no_memory(g, p);
	g->fd = m->fd;
	r = sm_facts_gather(g->fd, &g->facts);
	if (r < 0) {
		free(g);
		free(p);
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "fstat of the mapping's file failed: %s",
			       strerror(-r));
	}
	if (g->facts.target == SM_TARGET_NEW_FILE)
		g->facts.target = SM_TARGET_FILE;
	/* Not asked now; a mapping that got MAP_SYNC was granted it. */
	g->trial.sync = m->sync ? 0 : SM_NOT_TRIED;
	g->trial.plain = g->trial.validate = SM_NOT_TRIED;
	snprintf(g->trial_note, sizeof(g->trial_note),
		 "not run: this is the mapping the library made");
	g->path = g->facts.fd.path[0] ? g->facts.fd.path : "(mapping)";
	p->map_sync = m->sync;
	p->gran = m->gran;
	p->insn = m->insn;
	p->cause = m->cause;
	snprintf(p->advice, sizeof(p->advice), "%s", m->cause == SYNCMAP_CAUSE_NONE ? "" :
		 m->advice);
	snprintf(g->persist_path, sizeof(g->persist_path), "%s", syncmap_path_name(m->path));
	sm_probe_gather_extras(g);
	sm_probe_emit_all(p, g);
	sm_probe_add_number(p, "mapping_offset", (long long)m->offset);
	sm_probe_add_number(p, "mapping_length", (long long)sm_len(m));
	sm_probe_add_number(p, "mapping_reserved", (long long)syncmap_reserved(m));
	return finish(p, g, out);
}

SM_EXPORT void syncmap_probe_free(struct syncmap_probe *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nfacts; i++) {
		free(p->facts[i].key);
		free(p->facts[i].value);
	}
	free(p->facts);
	free(p);
}

SM_EXPORT bool syncmap_probe_map_sync(const struct syncmap_probe *p)
{
	return p && p->map_sync;
}

SM_EXPORT enum syncmap_granularity
syncmap_probe_granularity(const struct syncmap_probe *p)
{
	return p ? p->gran : SYNCMAP_GRAN_PAGE;
}

SM_EXPORT enum syncmap_insn syncmap_probe_insn(const struct syncmap_probe *p)
{
	return p ? p->insn : SYNCMAP_INSN_NONE;
}

SM_EXPORT enum syncmap_cause syncmap_probe_cause(const struct syncmap_probe *p)
{
	return p ? p->cause : SYNCMAP_CAUSE_ERROR;
}

SM_EXPORT const char *syncmap_probe_advice(const struct syncmap_probe *p)
{
	return p ? p->advice : "";
}

/**
 * syncmap_probe_fact() - the @i-th fact of a report
 *
 * Unknown facts and JSON nulls read "unknown" (cause: "none", advice: "").
 */
SM_EXPORT int syncmap_probe_fact(const struct syncmap_probe *p, size_t i,
				 const char **key, const char **value)
{
	if (!p || !key || !value)
		return -EINVAL;
	if (i >= p->nfacts)
		return -ENOENT;
	*key = p->facts[i].key;
	*value = p->facts[i].value;
	return 0;
}
