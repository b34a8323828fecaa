/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations of the probe: the mount table, the sysfs view of
 * the NVDIMM device chain, the libndctl/libdaxctl view, and the decision
 * that turns those facts into a cause and a sentence of advice.
 *
 * The parsers take text, not file names, so the unit tests can feed them
 * fixtures; the functions that read the live system wrap them.
 */
#ifndef SYNCMAP_PROBE_H
#define SYNCMAP_PROBE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

#define SM_NAME_MAX 64

/* ---- mountinfo.c */

/* The dax mount option as the kernel shows it in mountinfo. */
enum sm_dax_opt {
	SM_DAX_OPT_NONE = 0,	/* no dax option: dax=inode since Linux 5.8 */
	SM_DAX_OPT_ALWAYS,	/* "dax" or "dax=always" */
	SM_DAX_OPT_NEVER,	/* "dax=never" */
	SM_DAX_OPT_INODE,	/* "dax=inode", given explicitly */
};

struct sm_mount {
	int mount_id;
	unsigned major, minor;		/* st_dev of the file system */
	char fstype[SM_NAME_MAX];	/* "ext4", "fuse.sshfs" */
	char source[PATH_MAX];		/* "/dev/pmem0", "tmpfs" */
	char point[PATH_MAX];		/* where it is mounted */
	enum sm_dax_opt dax;
};

/* Parse one line of /proc/self/mountinfo; -EINVAL if malformed. */
int sm_mountinfo_parse_line(const char *line, struct sm_mount *out);
/*
 * Find the mount of a file in mountinfo text: by mount id when known
 * (mount_id >= 0, from statx STATX_MNT_ID), else the last mount of the
 * device (later lines are mounted on top of earlier ones).
 */
int sm_mountinfo_find(const char *text, int mount_id, unsigned major,
		      unsigned minor, struct sm_mount *out);
/* Both of the above for an open file, on the live system. */
int sm_mount_of_fd(int fd, struct sm_mount *out);
/* Option list parser shared with the tests ("rw,dax=inode" -> INODE). */
enum sm_dax_opt sm_dax_opt_parse(const char *opts);
const char *sm_dax_opt_name(enum sm_dax_opt d);
/* File systems that implement DAX at all. */
bool sm_fstype_dax_capable(const char *fstype);
/* The type name of a statfs f_type magic, or NULL if not one we know. */
const char *sm_fs_magic_name(long magic);

/* ---- sysfs.c: the device chain as sysfs shows it. */

/* A namespace's personality, as ndctl names it. */
enum sm_ns_mode {
	SM_NS_UNKNOWN = 0,
	SM_NS_RAW,
	SM_NS_FSDAX,
	SM_NS_DEVDAX,
	SM_NS_SECTOR,
};

enum sm_domain {
	SM_DOMAIN_UNKNOWN = 0,	/* could not be read */
	SM_DOMAIN_NONE,		/* the region reports none (virtio-pmem) */
	SM_DOMAIN_MEM_CTRL,	/* ADR: caches must be written back */
	SM_DOMAIN_CPU_CACHE,	/* eADR: a fence is enough */
};

/*
 * Everything known about the device under a file.  Names are empty and
 * numbers negative when unknown.
 */
struct sm_chain {
	bool nvdimm_bus;		/* the machine has at least one ndbus */
	bool resolved;			/* the device was found in sysfs */
	bool on_nd;			/* ... and it sits on an NVDIMM bus */
	bool devdax;			/* a device DAX character device */
	bool virtio;			/* virtio-pmem: not synchronous */
	char device[SM_NAME_MAX];	/* "pmem0", "vda", "dax0.0" */
	char bus[SM_NAME_MAX];		/* "ndbus0" */
	char provider[SM_NAME_MAX];	/* "ACPI.NFIT", "virtio_pmem" */
	char region[SM_NAME_MAX];	/* "region0" */
	char claim[SM_NAME_MAX];	/* "pfn0.1", "btt0.1", "dax0.1" or "" */
	char ns[SM_NAME_MAX];		/* "namespace0.0" */
	char region_dir[PATH_MAX];	/* sysfs directory of the region */
	char info_source[16];		/* "libndctl", "sysfs" or "" */
	enum sm_ns_mode mode;
	enum sm_domain domain;
	int deep_flush;			/* 1 flushes something, 0 nothing to
					 * flush, -1 no such attribute */
	long long align;		/* bytes; -1 unknown */
	long long size;			/* namespace bytes; -1 unknown */
	long long dirty_shutdown;	/* sum over the region's DIMMs */
	long long badblocks;		/* bad 512-byte sectors on the device */
	long long badblocks_in_file;	/* of those, inside the file */
};

/* Initialise to "nothing known". */
void sm_chain_init(struct sm_chain *c);
/*
 * Fill the chain from a resolved sysfs device path, e.g.
 * /sys/devices/platform/ACPI0012:00/ndbus0/region0/pfn0.1/block/pmem0.
 * Pure string work; returns 0 if the path is on an NVDIMM bus,
 * -ENODEV if not (device is still filled in).
 */
int sm_chain_parse_path(const char *syspath, struct sm_chain *c);
/* sysfs spellings of a namespace's mode ("memory", "safe", "fsdax"...). */
enum sm_ns_mode sm_ns_mode_parse(const char *s);
const char *sm_ns_mode_name(enum sm_ns_mode m);
enum sm_domain sm_domain_parse(const char *s);
const char *sm_domain_name(enum sm_domain d);
/*
 * Count the 512-byte sectors of a block device's badblocks text ("start
 * count" per line) and how many of them fall inside [first, last]
 * (inclusive sector numbers); -EINVAL on malformed text.
 */
int sm_badblocks_count(const char *text, uint64_t first, uint64_t last,
		       long long *total, long long *inside);
/* Is there any ndbus in a listing of /sys/bus/nd/devices? */
bool sm_names_have_ndbus(const char *const *names, size_t n);
/* The live system: resolve the device behind st and fill the chain. */
int sm_chain_from_stat(const struct stat *st, struct sm_chain *c);
/* Bad blocks of the device that hold the file's data (FIEMAP). */
void sm_chain_badblocks(int fd, struct sm_chain *c);

/* ---- ndctl.c: the same chain through libndctl and libdaxctl. */

/*
 * Complete c (found by sysfs: region, ns, device) with what libndctl and
 * libdaxctl report: mode, alignment, size, persistence domain, DIMM
 * dirty-shutdown counts, bus provider.  Returns 0, -ENOTSUP when built
 * without libndctl, -ENODEV when libndctl does not know the namespace.
 */
int sm_ndctl_describe(struct sm_chain *c);

/* ---- diagnose.c: the decision. */

/* What the file system says about the file (or directory). */
struct sm_fsfacts {
	bool have_type;		/* fstatfs worked: fstype is reliable */
	char fstype[SM_NAME_MAX]; /* from the statfs magic, named as the
				 * mount table names it where they agree */
	bool have_mount;
	struct sm_mount mount;
	int statx_dax;		/* STATX_ATTR_DAX: 1, 0, -1 unknown */
	int xflag_dax;		/* FS_XFLAG_DAX: 1, 0, -1 unknown */
	bool is_dir;		/* facts are of the directory a new file
				 * would be created in */
	char path[PATH_MAX];	/* for the advice; may be empty */
};

/*
 * Why would MAP_SYNC be refused, given the facts?  Fills advice with one
 * sentence naming the file system, the device, the mount point and the
 * command that fixes it.  Pure: no system calls.
 */
enum syncmap_cause sm_classify(const struct sm_fsfacts *fs,
			       const struct sm_chain *c, char *advice,
			       size_t size);
/* Gather the file-system facts of an open file or directory. */
void sm_fsfacts_of_fd(int fd, struct sm_fsfacts *fs);
/* Gather the whole device chain of an open file. */
int sm_chain_of_fd(int fd, struct sm_chain *c);

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
	char advice[2 * SM_ADVICE_MAX];
};

/* Append a fact; on allocation failure the report remembers it. */
void sm_probe_add(struct syncmap_probe *p, const char *key,
		  enum sm_fact_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The value of a fact by key, or NULL. */
const struct sm_fact *sm_probe_find(const struct syncmap_probe *p,
				    const char *key);
/*
 * Is MAP_SHARED_VALIDATE (and with it MAP_SYNC, added in the same
 * release) known to the running kernel?  1 yes, 0 no, negative errno if
 * the probe itself failed.  See probe.c for why this has no side effect.
 */
int sm_probe_validate_known(void);
/* Interpret the errno of a validating mmap with an invalid flag bit. */
int sm_validate_errno_meaning(int err);
/* Write s as a JSON string (with quotes) into the builder. */
struct sm_buf {
	char *buf;
	size_t size, len;
};
void sm_buf_puts(struct sm_buf *b, const char *s);
void sm_buf_printf(struct sm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sm_buf_json_string(struct sm_buf *b, const char *s);

#endif
