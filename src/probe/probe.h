/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations of the probe's report: the facts as keys and
 * values, the libndctl/libdaxctl view that adds what only they know, and
 * the text and JSON writers.  The facts and the decision themselves are
 * in facts.h, shared with open.
 */
#ifndef SYNCMAP_PROBE_H
#define SYNCMAP_PROBE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decide.h"

/* ---- ndctl.c: what libndctl and libdaxctl add to the sysfs chain. */
struct sm_ndctl_view {
	enum sm_ns_mode mode;		/* SM_NS_UNKNOWN when not found */
	enum sm_domain domain;
	long long align, size;		/* -1 unknown */
	long long dirty_shutdown;	/* sum over the region's DIMMs, -1 */
	bool virtio;
	char provider[SM_NAME_MAX];
};

/*
 * Describe the region and namespace sysfs found (c) through libndctl and
 * libdaxctl.  Returns 0, -ENOTSUP when built without libndctl, -ENODEV
 * when libndctl does not know the namespace.  Report only: the decision
 * reads the same attributes through sysfs.
 */
int sm_ndctl_describe(const struct sm_chain *c, struct sm_ndctl_view *v);

/* ---- cxl_health.c: what libcxl says of the CXL memory device. */
struct sm_cxl_health {
	int err;			/* 0, -ENOTSUP without libcxl, -errno */
	int mbox_status;		/* the device's return code; 0 success */
	char mbox_text[48];
	char memdev[SM_NAME_MAX];	/* "mem0": the first of the region's */
	long long dirty_shutdown;	/* the device's count; -1 unknown */
	long long life_used;		/* percent; -1 unknown */
};

/*
 * Get Health Info of the first memory device of c's CXL region.  Returns
 * 0, -ENOTSUP when built without libcxl, -ENODEV when there is no such
 * device, or the errno of the command (-EIO with h->mbox_status set when
 * the device answered with an error).  Report only.
 */
int sm_cxl_health(const struct sm_chain *c, struct sm_cxl_health *h);

/* ---- probe.c / probe_format.c: the report. */

/* How a fact's value is written in JSON. */
enum sm_fact_kind {
	SM_FACT_STRING = 0,
	SM_FACT_BOOL,		/* value "true" or "false" */
	SM_FACT_NUMBER,		/* value is a decimal integer */
	SM_FACT_NULL,		/* JSON null; value is what the fact API shows */
};

struct sm_fact {
	char *key;
	char *value;
	enum sm_fact_kind kind;
};

struct syncmap_probe {
	struct sm_fact *facts;
	size_t nfacts, cap;
	bool oom;		/* a fact could not be stored */
	bool map_sync;
	enum syncmap_granularity gran;
	enum syncmap_insn insn;
	enum syncmap_cause cause;
	char advice[SM_ADVICE_MAX];
};

/* Append a fact; on allocation failure the report remembers it. */
void sm_probe_add(struct syncmap_probe *p, const char *key,
		  enum sm_fact_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The value of a fact by key, or NULL. */
const struct sm_fact *sm_probe_find(const struct syncmap_probe *p,
				    const char *key);
/* Write s as a JSON string (with quotes) into the builder. */
struct sm_buf {
	char *buf;
	size_t size, len;
};
void sm_buf_puts(struct sm_buf *b, const char *s);
void sm_buf_printf(struct sm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sm_buf_json_string(struct sm_buf *b, const char *s);

/* ---- probe.c, probe_gather.c, probe_facts.c: one probe */

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
	struct sm_cxl_health cxl_health;	/* err -ENODEV when not CXL */
	long long badblocks, badblocks_in_file;
	char release[128];
	char trial_note[PATH_MAX + 128];
};

/* probe_gather.c: open what path names (g->fd; g->dir for a new file). */
int sm_probe_open_target(const char *path, struct sm_gather *g);
/* The kernel's answers to a trial mapping (g->trial, g->trial_note). */
void sm_probe_run_trial(struct sm_gather *g);
/* The kernel release, libndctl's view, the bad blocks. */
void sm_probe_gather_extras(struct sm_gather *g);
/* probe_facts.c: every fact of g, in the report's order. */
void sm_probe_emit_all(struct syncmap_probe *p, const struct sm_gather *g);
void sm_probe_add_number(struct syncmap_probe *p, const char *key, long long v);
/* probe_cxl.c: the CXL region, its devices and their health; "memory". */
void sm_probe_emit_cxl(struct syncmap_probe *p, const struct sm_gather *g);

#endif
