/* SPDX-License-Identifier: MIT */
/*
 * The probe: what a path (or an open mapping) can get, from the kernel to
 * the CPU, as an ordered list of facts plus the answer (MAP_SYNC or not,
 * granularity, flush instruction) and, when the answer is not the best
 * one, a cause and a sentence that says how to fix it.
 *
 * The answer comes from a real trial: a MAP_SYNC mapping of the file (or
 * of an O_TMPFILE in the directory of a path that does not exist yet) is
 * created and removed without touching a page.  The other facts explain
 * it; they never replace it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "probe.h"

/*
 * A flag bit no kernel defines for mmap.  With MAP_SHARED_VALIDATE a
 * kernel that validates flags (4.15+, the release that added MAP_SYNC)
 * must refuse it with EOPNOTSUPP; an older kernel does not know map type
 * 3 at all and says EINVAL.  Because the bit is always refused, the probe
 * can never create a mapping: it has no side effect.
 */
#define SM_MAP_INVALID_BIT 0x00800000

/* Everything gathered before the facts are written out. */
struct sm_gather {
	const char *path;	/* as the caller gave it */
	const char *target;	/* "file", "device_dax", "new_file" */
	char dir[PATH_MAX];	/* the directory probed for a new file */
	int fd;			/* the file, device or directory */
	struct stat st;
	struct sm_fsfacts fs;
	struct sm_chain chain;
	int chain_err;
	int ndctl_err;
	int validate;		/* sm_probe_validate_known() */
	int trial;		/* 0 MAP_SYNC took, else -errno */
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

int sm_validate_errno_meaning(int err)
{
	if (err == -EOPNOTSUPP)
		return 1;
	if (err == -EINVAL)
		return 0;
	return err < 0 ? err : -EPROTO;
}

/**
 * sm_probe_validate_known() - does the kernel know MAP_SHARED_VALIDATE?
 *
 * The mapping is attempted on a memfd, not anonymously: anonymous
 * mappings never accept map type 3, so they would say EINVAL on every
 * kernel.  /dev/zero serves where memfd_create is missing.
 */
int sm_probe_validate_known(void)
{
	void *addr = NULL;
	int fd, r;

	/* memfd_create has no wrapper in the sys layer; it has no effect
	 * beyond the descriptor closed below. */
	fd = memfd_create("syncmap-probe", MFD_CLOEXEC);
	if (fd < 0)
		fd = sm_sys_open("/dev/zero", O_RDONLY, 0);
	if (fd < 0)
		return fd;
	r = sm_sys_mmap(NULL, (size_t)sm_page_size(), PROT_READ,
			MAP_SHARED_VALIDATE | MAP_SYNC | SM_MAP_INVALID_BIT, fd, 0,
			&addr);
	if (r == 0) {
		/* Not a kernel we understand: it ignored an unknown bit. */
		sm_sys_munmap(addr, (size_t)sm_page_size());
		r = 1;
	}
	sm_sys_close(fd);
	return sm_validate_errno_meaning(r);
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

/* Map len bytes with MAP_SYNC and unmap at once; no page is touched. */
static int trial_map(int fd, size_t len, bool writable)
{
	int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
	void *addr;
	int r;

	r = sm_sys_mmap(NULL, len, prot, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0, &addr);
	if (r == 0)
		sm_sys_munmap(addr, len);
	return r;
}

static size_t trial_length(struct sm_gather *g)
{
	uint64_t size, align;

	if (!strcmp(g->target, "device_dax") &&
	    sm_devdax_geometry(&g->st, &size, &align) == 0 && align)
		return (size_t)align;
	return (size_t)sm_page_size();
}

/* A file that does not exist yet: what would one created there get? */
static void trial_new_file(struct sm_gather *g)
{
	int fd = sm_sys_openat(g->fd, ".", O_TMPFILE | O_RDWR, 0600);

	if (fd < 0) {
		g->trial = fd;
		snprintf(g->trial_note, sizeof(g->trial_note),
			 "no unnamed temporary file could be created in %s (%s)",
			 g->dir, strerror(-fd));
		return;
	}
	g->trial = trial_map(fd, (size_t)sm_page_size(), true);
	snprintf(g->trial_note, sizeof(g->trial_note),
		 "MAP_SYNC mapping of a new unnamed file in %s %s", g->dir,
		 trial_word(g->trial));
	sm_sys_close(fd);
}

static void run_trial(struct sm_gather *g, bool writable)
{
	if (!strcmp(g->target, "new_file")) {
		trial_new_file(g);
		return;
	}
	g->trial = trial_map(g->fd, trial_length(g), writable);
	snprintf(g->trial_note, sizeof(g->trial_note), "MAP_SYNC mapping %s%s",
		 trial_word(g->trial),
		 writable ? "" : " (read-only trial: the file is not writable)");
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
	g->target = "new_file";
	return sm_sys_fstat(g->fd, &g->st);
}

static int check_type(const char *path, struct sm_gather *g)
{
	uint64_t size, align;

	if (S_ISDIR(g->st.st_mode))
		return sm_fail(-EISDIR, SYNCMAP_CAUSE_ERROR,
			       "%s is a directory; probe a file in it instead (it need not "
			       "exist yet: %s/NEWFILE tells what a new file there would get)",
			       path, path);
	if (S_ISCHR(g->st.st_mode)) {
		if (sm_devdax_geometry(&g->st, &size, &align) < 0)
			return sm_fail(-ENODEV, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
				       "%s is a character device but not a device DAX", path);
		g->target = "device_dax";
		return 0;
	}
	if (!S_ISREG(g->st.st_mode))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "%s is neither a regular file nor a device DAX", path);
	g->target = "file";
	return 0;
}

/* Open what the path names; *writable says whether O_RDWR worked. */
static int open_target(const char *path, struct sm_gather *g, bool *writable)
{
	int r = sm_sys_stat(path, &g->st);

	*writable = true;
	if (r == -ENOENT)
		return open_new_file_dir(path, g);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot examine %s: %s", path,
			       strerror(-r));
	r = check_type(path, g);
	if (r < 0)
		return r;
	r = sm_sys_open(path, O_RDWR, 0);
	if (r == -EACCES || r == -EROFS || r == -EPERM || r == -ETXTBSY) {
		*writable = false;
		r = sm_sys_open(path, O_RDONLY, 0);
	}
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot open %s: %s", path,
			       strerror(-r));
	g->fd = r;
	return 0;
}

static void gather(struct sm_gather *g)
{
	g->validate = sm_probe_validate_known();
	sm_fsfacts_of_fd(g->fd, &g->fs);
	g->chain_err = sm_chain_from_stat(&g->st, &g->chain);
	g->ndctl_err = g->chain_err == 0 ? sm_ndctl_describe(&g->chain) : -ENODEV;
	if (g->chain_err == 0)
		sm_chain_badblocks(strcmp(g->target, "file") ? -1 : g->fd, &g->chain);
}

static void set_answer(struct syncmap_probe *p, enum syncmap_cause c,
		       const char *advice)
{
	p->cause = c;
	snprintf(p->advice, sizeof(p->advice), "%s",
		 c == SYNCMAP_CAUSE_NONE ? "" :
		 (advice && *advice) ? advice : sm_cause_default_advice(c));
}

/* MAP_SYNC took: cache lines, or bytes when the region's domain
 * includes the CPU caches. */
static void decide_sync(struct syncmap_probe *p, const struct sm_gather *g)
{
	p->map_sync = true;
	if (g->chain.domain == SM_DOMAIN_CPU_CACHE) {
		p->gran = SYNCMAP_GRAN_BYTE;
		p->insn = SYNCMAP_INSN_NONE;
		set_answer(p, SYNCMAP_CAUSE_NONE, NULL);
		return;
	}
	p->insn = sm_cpu_select(sm_cpu(), sm_cpu_disabled());
	p->gran = p->insn == SYNCMAP_INSN_NONE ? SYNCMAP_GRAN_PAGE :
		  SYNCMAP_GRAN_CACHE_LINE;
	set_answer(p, p->insn == SYNCMAP_INSN_NONE ? SYNCMAP_CAUSE_NO_FLUSH_INSN :
		   SYNCMAP_CAUSE_NONE, NULL);
}

static void decide(struct syncmap_probe *p, const struct sm_gather *g,
		   const char *release)
{
	char advice[2 * SM_ADVICE_MAX];
	enum syncmap_cause c;

	if (g->trial == 0) {
		decide_sync(p, g);
		return;
	}
	p->map_sync = false;
	p->gran = SYNCMAP_GRAN_PAGE;
	p->insn = SYNCMAP_INSN_NONE;
	if (g->trial == -EINVAL && g->validate == 0) {
		snprintf(advice, sizeof(advice),
			 "kernel %s predates MAP_SYNC (Linux 4.15): it rejects "
			 "MAP_SHARED_VALIDATE, so persisting uses msync; run a newer kernel",
			 release);
		set_answer(p, SYNCMAP_CAUSE_KERNEL_TOO_OLD, advice);
		return;
	}
	if (g->trial == -EOPNOTSUPP || !strcmp(g->target, "new_file")) {
		c = sm_classify(&g->fs, &g->chain, advice, sizeof(advice));
		set_answer(p, c, advice);
		return;
	}
	snprintf(advice, sizeof(advice), "a trial MAP_SYNC mapping of %.300s failed: %.300s",
		 g->path, g->trial_note);
	set_answer(p, SYNCMAP_CAUSE_ERROR, advice);
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

static void emit_answer(struct syncmap_probe *p, const char *path,
			const char *target)
{
	sm_probe_add(p, "path", SM_FACT_STRING, "%s", path);
	sm_probe_add(p, "target", SM_FACT_STRING, "%s", target);
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

static void emit_kernel(struct syncmap_probe *p, const char *release,
			int validate, const char *trial_note)
{
	add_string(p, "kernel", release);
	add_bool(p, "map_sync_known", validate < 0 ? -1 : validate);
	add_string(p, "trial_mmap", trial_note);
}

static void emit_fs(struct syncmap_probe *p, const struct sm_fsfacts *fs)
{
	const struct sm_mount *m = &fs->mount;

	add_string(p, "fs_type", fs->have_type ? fs->fstype : NULL);
	add_string(p, "mount_point", fs->have_mount ? m->point : NULL);
	add_string(p, "mount_source", fs->have_mount ? m->source : NULL);
	if (!fs->have_mount)
		add_string(p, "mount_dax", NULL);
	else if (m->dax == SM_DAX_OPT_NONE && sm_fstype_dax_capable(fs->fstype))
		sm_probe_add(p, "mount_dax", SM_FACT_STRING, "default (inode)");
	else
		sm_probe_add(p, "mount_dax", SM_FACT_STRING, "%s", sm_dax_opt_name(m->dax));
	add_bool(p, "statx_dax", fs->statx_dax);
	add_bool(p, fs->is_dir ? "directory_dax_flag" : "inode_dax_flag",
		 fs->xflag_dax);
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

static void emit_nd(struct syncmap_probe *p, const struct sm_chain *c)
{
	add_string(p, "bus", c->bus);
	add_string(p, "bus_provider", c->provider);
	add_bool(p, "virtio_pmem", c->virtio);
	add_string(p, "region", c->region);
	add_string(p, "namespace", c->ns);
	sm_probe_add(p, "namespace_mode", c->mode ? SM_FACT_STRING : SM_FACT_NULL,
		     "%s", sm_ns_mode_name(c->mode));
	add_number(p, "align", c->align);
	add_number(p, "namespace_size", c->size);
	sm_probe_add(p, "persistence_domain",
		     c->domain ? SM_FACT_STRING : SM_FACT_NULL, "%s",
		     sm_domain_name(c->domain));
	sm_probe_add(p, "deep_flush", SM_FACT_STRING, "%s",
		     deep_flush_name(c->deep_flush));
	add_number(p, "badblocks", c->badblocks);
	add_number(p, "badblocks_in_file", c->badblocks_in_file);
	add_number(p, "dirty_shutdown", c->dirty_shutdown);
}

static void emit_device(struct syncmap_probe *p, const struct sm_chain *c,
			int ndctl_err)
{
	add_bool(p, "nvdimm_bus", c->nvdimm_bus);
	if (c->device[0])
		sm_probe_add(p, "device", SM_FACT_STRING, "/dev/%s", c->device);
	else
		add_string(p, "device", NULL);
	sm_probe_add(p, "device_info", SM_FACT_STRING, "%s", device_info(c, ndctl_err));
	if (c->on_nd)
		emit_nd(p, c);
}

static void emit_cpu(struct syncmap_probe *p)
{
	const struct sm_cpu *c = sm_cpu();
	const char *forced = sm_getenv("SYNCMAP_FORCE_GRANULARITY");
	char key[64];

	sm_probe_add(p, "cpu_arch", SM_FACT_STRING, "%s", c->arch);
	sm_probe_add(p, "cpu_line", SM_FACT_NUMBER, "%u", c->line);
	for (int i = 0; i < SM_PREFER_MAX && c->prefer[i] != SYNCMAP_INSN_NONE; i++) {
		snprintf(key, sizeof(key), "cpu_%s", syncmap_insn_name(c->prefer[i]));
		add_bool(p, key, (c->have & SM_INSN_BIT(c->prefer[i])) != 0);
	}
	sm_probe_add(p, "cpu_insn", SM_FACT_STRING, "%s",
		     syncmap_insn_name(sm_cpu_select(c, sm_cpu_disabled())));
	if (forced && *forced)
		sm_probe_add(p, "forced_granularity", SM_FACT_STRING, "%s", forced);
}

static void emit_all(struct syncmap_probe *p, const struct sm_gather *g,
		     const char *release)
{
	emit_answer(p, g->path, g->target);
	emit_kernel(p, release, g->validate, g->trial_note);
	/* A device DAX node's own file system (devtmpfs) explains nothing. */
	if (strcmp(g->target, "device_dax"))
		emit_fs(p, &g->fs);
	emit_device(p, &g->chain, g->ndctl_err);
	emit_cpu(p);
}

static void kernel_release(char *buf, size_t size)
{
	struct utsname u;

	/* uname has no wrapper in the sys layer and cannot fail usefully. */
	if (uname(&u) == 0)
		snprintf(buf, size, "%s", u.release);
	else
		buf[0] = '\0';
}

static int finish(struct syncmap_probe *p, struct syncmap_probe **out)
{
	if (p->oom) {
		syncmap_probe_free(p);
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory building the report");
	}
	*out = p;
	return 0;
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
	struct sm_gather g = { .path = path, .fd = -1 };
	struct syncmap_probe *p;
	char release[128];
	bool writable;
	int r;

	if (!path || !*path || !out)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "syncmap_probe: no path");
	sm_clear_last();
	r = open_target(path, &g, &writable);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p) {
		sm_sys_close(g.fd);
		return -ENOMEM;
	}
	kernel_release(release, sizeof(release));
	gather(&g);
	run_trial(&g, writable);
	decide(p, &g, release);
	emit_all(p, &g, release);
	sm_sys_close(g.fd);
	return finish(p, out);
}

/**
 * syncmap_probe_mapping() - the report of an open mapping
 * @m: the mapping; its answer is the one the mapping actually got
 * @out: receives the report
 */
SM_EXPORT int syncmap_probe_mapping(const struct syncmap *m,
				    struct syncmap_probe **out)
{
	struct sm_gather g = { .target = "file", .fd = -1 };
	struct syncmap_probe *p;
	char release[128];

	if (!m || !out)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	g.fd = m->fd;
	if (sm_sys_fstat(g.fd, &g.st) == 0 && S_ISCHR(g.st.st_mode))
		g.target = "device_dax";
	kernel_release(release, sizeof(release));
	gather(&g);
	snprintf(g.trial_note, sizeof(g.trial_note),
		 "not run: this is the mapping the library made");
	g.path = g.fs.path[0] ? g.fs.path : "(mapping)";
	p->map_sync = m->sync;
	p->gran = m->gran;
	p->insn = m->insn;
	set_answer(p, m->cause, m->advice);
	emit_all(p, &g, release);
	add_number(p, "mapping_offset", (long long)m->offset);
	add_number(p, "mapping_length", (long long)m->len);
	return finish(p, out);
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
