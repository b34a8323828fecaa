/* SPDX-License-Identifier: MIT */
/*
 * The report's facts: how one is stored (sm_probe_add) and found, and all
 * of them in the order the report lists them: the answer, the path a
 * persist takes, the journal, the kernel, the file system, the device
 * chain and the CPU.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cpu.h"
#include "journal.h"
#include "probe.h"
#include "strict.h"

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
/* Facts whose value may be unknown: JSON null, "unknown" in the API. */
static void add_bool(struct syncmap_probe *p, const char *key, int v)
{
	if (v < 0)
		sm_probe_add(p, key, SM_FACT_NULL, "unknown");
	else
		sm_probe_add(p, key, SM_FACT_BOOL, "%s", v ? "true" : "false");
}

void sm_probe_add_number(struct syncmap_probe *p, const char *key, long long v)
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

/* Does the kernel know MAP_SHARED_VALIDATE (and so MAP_SYNC)?  A MAP_SYNC
 * mapping granted, or refused with EOPNOTSUPP, says yes by itself: a
 * kernel without it answers EINVAL.  Otherwise the memfd's answer. */
static int validate_known(const struct sm_trial *t)
{
	if (t->sync == 0 || t->sync == -EOPNOTSUPP)
		return 1;
	return t->validate == SM_NOT_TRIED || t->validate < 0 ? -1 : t->validate;
}

static void emit_kernel(struct syncmap_probe *p, const struct sm_gather *g)
{
	add_string(p, "kernel", g->release);
	add_bool(p, "map_sync_known", validate_known(&g->trial));
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
	sm_probe_add_number(p, "align", align);
	sm_probe_add_number(p, "namespace_size", size);
	sm_probe_add(p, "persistence_domain",
		     c->domain ? SM_FACT_STRING : SM_FACT_NULL, "%s",
		     sm_domain_name(c->domain));
	sm_probe_add(p, "deep_flush", SM_FACT_STRING, "%s",
		     deep_flush_name(c->deep_flush));
	sm_probe_add_number(p, "badblocks", g->badblocks);
	sm_probe_add_number(p, "badblocks_in_file", g->badblocks_in_file);
	/* CXL memory: the device's own count, through libcxl. */
	sm_probe_add_number(p, "dirty_shutdown", c->cxl.found ? g->cxl_health.dirty_shutdown :
			    v->dirty_shutdown);
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
	sm_probe_emit_cxl(p, g);
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

void sm_probe_emit_all(struct syncmap_probe *p, const struct sm_gather *g)
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
