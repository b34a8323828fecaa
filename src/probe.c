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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "probe.h"
#include "journal.h"
#include "strict.h"

/* Everything gathered before the facts are written out. */
struct sm_gather {
	const char *path;	/* as the caller gave it */
	char persist_path[48];	/* the persist_path fact */
	char dir[PATH_MAX];	/* the directory probed for a new file */
	int fd;			/* the file, device or directory */
	bool writable;		/* the trial may ask for PROT_WRITE */
	struct sm_facts facts;
	struct sm_trial trial;
	struct sm_decision answer;
	struct sm_ndctl_view ndctl;
	int ndctl_err;
	long long badblocks, badblocks_in_file;
	char release[128];
	char trial_note[PATH_MAX + 128];
};

void sm_probe_add(struct syncmap_probe *p, const char *key,
		  enum sm_fact_kind kind, const char *fmt, ...)
{
	struct sm_fact *f;
	va_list ap;
	int n;

	if (p->nfacts == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct sm_fact *nf = realloc(p->facts, cap * sizeof(*nf));

		if (!nf) {
			p->oom = true;
			return;
		}
		p->facts = nf;
		p->cap = cap;
	}
	f = &p->facts[p->nfacts];
	f->kind = kind;
	f->key = strdup(key);
	va_start(ap, fmt);
	n = vasprintf(&f->value, fmt, ap);
	va_end(ap);
	if (!f->key || n < 0) {
		free(f->key);
		if (n >= 0)
			free(f->value);
		p->oom = true;
		return;
	}
	p->nfacts++;
}

const struct sm_fact *sm_probe_find(const struct syncmap_probe *p,
				    const char *key)
{
	size_t i;

	for (i = 0; i < p->nfacts; i++)
		if (!strcmp(p->facts[i].key, key))
			return &p->facts[i];
	return NULL;
}

/* How a trial ended, for the report: "granted" or the errno's name. */
static const char *trial_word(int r)
{
	switch (r) {
	case 0: return "granted";
	case -EOPNOTSUPP: return "refused with EOPNOTSUPP";
	case -EINVAL: return "refused with EINVAL";
	case -EACCES: return "refused with EACCES";
	case -ENODEV: return "refused with ENODEV";
	case -ENOMEM: return "failed with ENOMEM";
	}
	return strerror(-r);
}

/* Map len bytes as asked and unmap at once; no page is touched. */
static int trial_map(int fd, size_t len, int prot, int flags)
{
	void *addr;
	int r = sm_sys_mmap(NULL, len, prot, flags, fd, 0, &addr);

	if (r == 0)
		sm_sys_munmap(addr, len);
	return r;
}

/* The kernel's answers, as map.c asks them: MAP_SYNC, then after an
 * EINVAL a plain mapping; and, for the report, MAP_SHARED_VALIDATE. */
static void ask(struct sm_trial *t, int fd, size_t len, bool writable)
{
	int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;

	t->len = len;
	t->plain = SM_NOT_TRIED;
	t->sync = trial_map(fd, len, prot, MAP_SHARED_VALIDATE | MAP_SYNC);
	if (t->sync == -EINVAL)
		t->plain = trial_map(fd, len, prot, MAP_SHARED);
	t->validate = sm_validate_known();
}

static size_t trial_length(const struct sm_gather *g)
{
	if (g->facts.target == SM_TARGET_DEVDAX && g->facts.devdax_align > 0)
		return (size_t)g->facts.devdax_align;
	return (size_t)sm_page_size();
}

/* A file that does not exist yet: what would one created there get? */
static void trial_new_file(struct sm_gather *g)
{
	int fd = sm_sys_openat(g->fd, ".", O_TMPFILE | O_RDWR, 0600);

	if (fd < 0) {
		g->trial.sync = fd;
		g->trial.plain = g->trial.validate = SM_NOT_TRIED;
		g->trial.len = 0;
		snprintf(g->trial_note, sizeof(g->trial_note),
			 "no unnamed temporary file could be created in %s (%s)",
			 g->dir, strerror(-fd));
		return;
	}
	ask(&g->trial, fd, (size_t)sm_page_size(), true);
	snprintf(g->trial_note, sizeof(g->trial_note),
		 "MAP_SYNC mapping of a new unnamed file in %s %s", g->dir,
		 trial_word(g->trial.sync));
	sm_sys_close(fd);
}

static void run_trial(struct sm_gather *g)
{
	if (g->facts.target == SM_TARGET_NEW_FILE) {
		trial_new_file(g);
		return;
	}
	ask(&g->trial, g->fd, trial_length(g), g->writable);
	snprintf(g->trial_note, sizeof(g->trial_note), "MAP_SYNC mapping %s%s",
		 trial_word(g->trial.sync),
		 g->writable ? "" : " (read-only trial: the file is not writable)");
}

static int open_new_file_dir(const char *path, struct sm_gather *g)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	int r;

	if (!slash)
		snprintf(g->dir, sizeof(g->dir), ".");
	else if (slash == path)
		snprintf(g->dir, sizeof(g->dir), "/");
	else
		snprintf(g->dir, sizeof(g->dir), "%.*s", (int)(slash - path), path);
	r = sm_sys_stat(g->dir, &st);
	if (r == -ENOENT)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "%s does not exist, and neither does its directory %s",
			       path, g->dir);
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r == 0)
		r = sm_sys_open(g->dir, O_RDONLY | O_DIRECTORY, 0);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "%s does not exist, and its directory %s cannot be examined: %s",
			       path, g->dir, strerror(-r));
	g->fd = r;
	return 0;
}

static int check_type(const char *path, const struct stat *st)
{
	uint64_t size, align;

	if (S_ISDIR(st->st_mode))
		return sm_fail(-EISDIR, SYNCMAP_CAUSE_ERROR,
			       "%s is a directory; probe a file in it instead (it need not "
			       "exist yet: %s/NEWFILE tells what a new file there would get)",
			       path, path);
	if (S_ISCHR(st->st_mode)) {
		if (sm_devdax_geometry(st->st_rdev, &size, &align) < 0)
			return sm_fail(-ENODEV, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
				       "%s is a character device but not a device DAX", path);
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "%s is neither a regular file nor a device DAX", path);
	return 0;
}

/* Open what the path names; g->writable says whether O_RDWR worked. */
static int open_target(const char *path, struct sm_gather *g)
{
	struct stat st;
	int r = sm_sys_stat(path, &st);

	g->writable = true;
	if (r == -ENOENT)
		return open_new_file_dir(path, g);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot examine %s: %s", path,
			       strerror(-r));
	r = check_type(path, &st);
	if (r < 0)
		return r;
	r = sm_sys_open(path, O_RDWR, 0);
	if (r == -EACCES || r == -EROFS || r == -EPERM || r == -ETXTBSY) {
		g->writable = false;
		r = sm_sys_open(path, O_RDONLY, 0);
	}
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot open %s: %s", path,
			       strerror(-r));
	g->fd = r;
	return 0;
}

/* What only the report needs. */
static void gather_extras(struct sm_gather *g)
{
	const struct sm_chain *c = &g->facts.chain;

	sm_sys_uname_release(g->release, sizeof(g->release));
	g->ndctl_err = sm_ndctl_describe(c, &g->ndctl);
	sm_chain_badblocks(g->facts.target == SM_TARGET_FILE ? g->fd : -1, c,
			   &g->badblocks, &g->badblocks_in_file);
}

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

/* Facts whose value may be unknown: JSON null, "unknown" in the API. */
static void add_bool(struct syncmap_probe *p, const char *key, int v)
{
	if (v < 0)
		sm_probe_add(p, key, SM_FACT_NULL, "unknown");
	else
		sm_probe_add(p, key, SM_FACT_BOOL, "%s", v ? "true" : "false");
}

static void add_number(struct syncmap_probe *p, const char *key, long long v)
{
	if (v < 0)
		sm_probe_add(p, key, SM_FACT_NULL, "unknown");
	else
		sm_probe_add(p, key, SM_FACT_NUMBER, "%lld", v);
}

static void add_string(struct syncmap_probe *p, const char *key, const char *s)
{
	if (!s || !*s)
		sm_probe_add(p, key, SM_FACT_NULL, "unknown");
	else
		sm_probe_add(p, key, SM_FACT_STRING, "%s", s);
}

static const char *target_name(enum sm_target t)
{
	return t == SM_TARGET_DEVDAX ? "device_dax" : t == SM_TARGET_NEW_FILE ? "new_file" :
	       "file";
}

static void emit_answer(struct syncmap_probe *p, const char *path, enum sm_target target)
{
	sm_probe_add(p, "path", SM_FACT_STRING, "%s", path);
	sm_probe_add(p, "target", SM_FACT_STRING, "%s", target_name(target));
	add_bool(p, "map_sync", p->map_sync);
	sm_probe_add(p, "granularity", SM_FACT_STRING, "%s",
		     syncmap_granularity_name(p->gran));
	sm_probe_add(p, "insn", SM_FACT_STRING, "%s", syncmap_insn_name(p->insn));
	if (p->cause == SYNCMAP_CAUSE_NONE) {
		sm_probe_add(p, "cause", SM_FACT_NULL, "none");
		sm_probe_add(p, "advice", SM_FACT_NULL, "%s", "");
	} else {
		sm_probe_add(p, "cause", SM_FACT_STRING, "%s", syncmap_cause_name(p->cause));
		sm_probe_add(p, "advice", SM_FACT_STRING, "%s", p->advice);
	}
}

static void emit_kernel(struct syncmap_probe *p, const struct sm_gather *g)
{
	int v = g->trial.validate;

	add_string(p, "kernel", g->release);
	add_bool(p, "map_sync_known", v == SM_NOT_TRIED || v < 0 ? -1 : v);
	add_string(p, "trial_mmap", g->trial_note);
}

static void emit_fs(struct syncmap_probe *p, const struct sm_facts *f)
{
	const struct sm_mount *m = &f->mount;
	bool dir = f->target == SM_TARGET_NEW_FILE;

	add_string(p, "fs_type", f->have_type ? f->fstype : NULL);
	add_string(p, "mount_point", f->have_mount ? m->point : NULL);
	add_string(p, "mount_source", f->have_mount ? m->source : NULL);
	if (!f->have_mount)
		add_string(p, "mount_dax", NULL);
	else if (m->dax == SM_DAX_OPT_NONE && sm_fstype_dax_capable(f->fstype))
		sm_probe_add(p, "mount_dax", SM_FACT_STRING, "default (inode)");
	else
		sm_probe_add(p, "mount_dax", SM_FACT_STRING, "%s", sm_dax_opt_name(m->dax));
	add_bool(p, "statx_dax", f->fd.statx_dax);
	add_bool(p, dir ? "directory_dax_flag" : "inode_dax_flag", f->fd.xflag_dax);
}

static const char *device_info(const struct sm_chain *c, int ndctl_err)
{
	if (!c->nvdimm_bus)
		return "none: this machine has no NVDIMM bus";
	if (!c->on_nd)
		return "none: the device is not on an NVDIMM bus";
	if (ndctl_err == 0)
		return "libndctl";
	if (ndctl_err == -ENOTSUP)
		return "sysfs only: built without libndctl, so DIMM health is unavailable";
	return "sysfs only: libndctl did not find the namespace";
}

static const char *deep_flush_name(int v)
{
	return v > 0 ? "available" : v == 0 ? "not_needed" : "unavailable";
}

/* The decision's inputs come from sysfs; libndctl fills what sysfs lacks. */
static void emit_nd(struct syncmap_probe *p, const struct sm_gather *g)
{
	const struct sm_chain *c = &g->facts.chain;
	const struct sm_ndctl_view *v = &g->ndctl;
	long long align = c->align >= 0 ? c->align : v->align;
	long long size = c->size >= 0 ? c->size : v->size;

	if (g->facts.target == SM_TARGET_DEVDAX && g->facts.devdax_align > 0)
		align = g->facts.devdax_align;
	add_string(p, "bus", c->bus);
	add_string(p, "bus_provider", c->provider[0] ? c->provider : v->provider);
	add_bool(p, "virtio_pmem", c->virtio || v->virtio);
	add_string(p, "region", c->region);
	add_string(p, "namespace", c->ns);
	sm_probe_add(p, "namespace_mode", c->mode ? SM_FACT_STRING : SM_FACT_NULL,
		     "%s", sm_ns_mode_name(c->mode));
	add_number(p, "align", align);
	add_number(p, "namespace_size", size);
	sm_probe_add(p, "persistence_domain",
		     c->domain ? SM_FACT_STRING : SM_FACT_NULL, "%s",
		     sm_domain_name(c->domain));
	sm_probe_add(p, "deep_flush", SM_FACT_STRING, "%s",
		     deep_flush_name(c->deep_flush));
	add_number(p, "badblocks", g->badblocks);
	add_number(p, "badblocks_in_file", g->badblocks_in_file);
	add_number(p, "dirty_shutdown", v->dirty_shutdown);
}

static void emit_device(struct syncmap_probe *p, const struct sm_gather *g)
{
	const struct sm_chain *c = &g->facts.chain;

	add_bool(p, "nvdimm_bus", c->nvdimm_bus);
	if (c->device[0])
		sm_probe_add(p, "device", SM_FACT_STRING, "/dev/%s", c->device);
	else
		add_string(p, "device", NULL);
	sm_probe_add(p, "device_info", SM_FACT_STRING, "%s", device_info(c, g->ndctl_err));
	if (c->on_nd)
		emit_nd(p, g);
}

static void emit_cpu(struct syncmap_probe *p, const struct sm_facts *f)
{
	const struct sm_cpu *c = &f->cpu;
	const char *forced = sm_getenv("SYNCMAP_FORCE_GRANULARITY");
	char key[64];

	sm_probe_add(p, "cpu_arch", SM_FACT_STRING, "%s", c->arch);
	sm_probe_add(p, "cpu_line", SM_FACT_NUMBER, "%u", c->line);
	for (int i = 0; i < SM_PREFER_MAX && c->prefer[i] != SYNCMAP_INSN_NONE; i++) {
		snprintf(key, sizeof(key), "cpu_%s", syncmap_insn_name(c->prefer[i]));
		add_bool(p, key, (c->have & SM_INSN_BIT(c->prefer[i])) != 0);
	}
	sm_probe_add(p, "cpu_insn", SM_FACT_STRING, "%s",
		     syncmap_insn_name(sm_cpu_select(c, f->cpu_disabled)));
	if (forced && *forced)
		sm_probe_add(p, "forced_granularity", SM_FACT_STRING, "%s", forced);
	add_bool(p, "strict_mode", sm_strict_env());
}

/* The journal beside a file: absent, empty, or records waiting. */
static void emit_journal(struct syncmap_probe *p, const struct sm_gather *g)
{
	size_t size = PATH_MAX + 32;
	char *jpath;
	long long n;

	if (g->facts.target != SM_TARGET_FILE || g->facts.fd.path[0] != '/')
		return;
	/* On the heap: a public call's stack is bounded (tests/stack). */
	jpath = calloc(1, size);
	if (!jpath) {
		p->oom = true;
		return;
	}
	n = sm_journal_waiting(g->facts.fd.path, jpath, size);
	if (n == -ENOENT)
		sm_probe_add(p, "journal", SM_FACT_STRING, "absent");
	else if (n == 0)
		sm_probe_add(p, "journal", SM_FACT_STRING, "empty");
	else if (n > 0)
		sm_probe_add(p, "journal", SM_FACT_STRING,
			     "%lld records waiting to be replayed (the file alone is stale until "
			     "an open through libsyncmap)", n);
	else
		sm_probe_add(p, "journal", SM_FACT_STRING, "unreadable: %s", strerror((int)-n));
	add_string(p, "journal_file", jpath);
	free(jpath);
}

static void emit_all(struct syncmap_probe *p, const struct sm_gather *g)
{
	emit_answer(p, g->path, g->facts.target);
	sm_probe_add(p, "persist_path", SM_FACT_STRING, "%s", g->persist_path);
	emit_journal(p, g);
	emit_kernel(p, g);
	/* A device DAX node's own file system (devtmpfs) explains nothing. */
	if (g->facts.target != SM_TARGET_DEVDAX)
		emit_fs(p, &g->facts);
	emit_device(p, g);
	emit_cpu(p, &g->facts);
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
	r = open_target(path, g);
	if (r == 0 && (r = sm_facts_gather(g->fd, &g->facts)) < 0)
		sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot examine %s: %s", path, strerror(-r));
	if (r < 0) {
		if (g->fd >= 0)
			sm_sys_close(g->fd);
		free(g);
		free(p);
		return r;
	}
	run_trial(g);
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
	gather_extras(g);
	emit_all(p, g);
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
	g->trial.validate = SM_NOT_TRIED;
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
	gather_extras(g);
	emit_all(p, g);
	add_number(p, "mapping_offset", (long long)m->offset);
	add_number(p, "mapping_length", (long long)sm_len(m));
	add_number(p, "mapping_reserved", (long long)syncmap_reserved(m));
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
