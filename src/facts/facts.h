/* SPDX-License-Identifier: MIT */
/*
 * The facts a decision is made of, gathered once per open or probe, and the
 * decision itself.
 *
 *   sm_facts_gather(fd)      the kernel's answers about the open file (fstat,
 *                            fstatfs, statx, the inode's DAX flag, its path),
 *                            then the tree: the mount in /proc/self/mountinfo
 *                            and the device chain in /sys, down to the region's
 *                            persistence domain, and the CPU
 *   sm_decide(facts, trial,  pure: no system call, no log, no allocation;
 *             policy)        the path, granularity, instruction, cause, advice
 *
 * open (map.c) and syncmap_probe() (probe.c) both call these two, so what
 * the probe predicts for a file is what an open of it gets.  /sys and /proc
 * are read under a root that tests can redirect to a captured tree
 * (tree.c), which is how the host runs the gatherer over trees captured in
 * a guest with real NVDIMMs.
 */
#ifndef SYNCMAP_FACTS_H
#define SYNCMAP_FACTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

#define SM_NAME_MAX 64
/* sysfs paths are far shorter than PATH_MAX; a longer one is "unknown". */
#define SM_SYSFS_MAX 512

/* ---- tree.c: /sys and /proc, under a root tests can redirect. */

/* Read a small text file of the tree (newline cut); -errno. */
int sm_tree_read(const char *path, char *buf, size_t size);
/* Read a whole text file of the tree into a new buffer. */
int sm_tree_read_all(const char *path, char **out);
/* The canonical path (root stripped) of a tree path, into out. */
int sm_tree_resolve(const char *path, char *out, size_t size);
/* Call fn for each entry of a tree directory, until it returns non-zero. */
int sm_tree_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg);
/* Write a tree attribute (deep_flush). */
int sm_tree_write(const char *path, const char *text);
/* Tests only: read the tree under root (NULL: the real one), and tell fn
 * every path read ('r'), resolved ('l') or listed ('d'). */
void sm_tree_set_root(const char *root);
void sm_tree_set_trace(void (*fn)(char kind, const char *path));

/* ---- mountinfo.c: the mount table's text. */

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
/* Option list parser shared with the tests ("rw,dax=inode" -> INODE). */
enum sm_dax_opt sm_dax_opt_parse(const char *opts);
const char *sm_dax_opt_name(enum sm_dax_opt d);
/* File systems that implement DAX at all. */
bool sm_fstype_dax_capable(const char *fstype);
/* The type name of a statfs f_type magic, or NULL if not one we know. */
const char *sm_fs_magic_name(long magic);

/* ---- sysfs.c: the device chain's text. */

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
	char region_dir[SM_SYSFS_MAX];	/* sysfs directory of the region */
	enum sm_ns_mode mode;
	enum sm_domain domain;
	int deep_flush;			/* 1 flushes something, 0 nothing to
					 * flush, -1 no such attribute */
	long long align;		/* bytes; -1 unknown */
	long long size;			/* namespace bytes; -1 unknown */
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
/* "region12" starts with "region" and a digit. */
bool sm_name_is_numbered(const char *s, const char *prefix);
/* Is there any ndbus in a listing of /sys/bus/nd/devices? */
bool sm_names_have_ndbus(const char *const *names, size_t n);

/* ---- chain.c: the live walk of the tree from a device number. */

/* The chain behind a file (st_dev) or a device DAX node (st_rdev). */
int sm_chain_walk(bool chr, dev_t dev, struct sm_chain *c);
/* Size and mapping alignment of a device DAX character device. */
int sm_devdax_geometry(dev_t rdev, uint64_t *size, uint64_t *align);
/* Bad 512-byte sectors of the pmem block device under c, and of those,
 * how many hold the data of fd (FIEMAP); -1 where unknown. */
void sm_chain_badblocks(int fd, const struct sm_chain *c, long long *total,
			long long *in_file);

/* ---- facts.c */

enum sm_target {
	SM_TARGET_FILE = 0,	/* a regular file */
	SM_TARGET_DEVDAX,	/* a device DAX character device */
	SM_TARGET_NEW_FILE,	/* a directory a new file would be made in */
};

/* What the kernel says about the open file (or directory) itself. */
struct sm_fd_facts {
	mode_t mode;
	dev_t dev, rdev;
	ino_t ino;
	uint64_t size;
	bool have_magic;	/* fstatfs worked */
	long magic;		/* its f_type */
	int statx_dax;		/* STATX_ATTR_DAX: 1, 0, -1 unknown */
	int mount_id;		/* STATX_MNT_ID, -1 unknown */
	int xflag_dax;		/* FS_XFLAG_DAX: 1, 0, -1 unknown */
	char path[PATH_MAX];	/* from /proc/self/fd; may be empty */
};

struct sm_facts {
	enum sm_target target;
	struct sm_fd_facts fd;
	/* The file system: its type from the statfs magic, named as the
	 * mount table names it where they agree (ext2/3/4 share a magic). */
	bool have_type;
	char fstype[SM_NAME_MAX];
	bool have_mount;
	struct sm_mount mount;
	/* The device chain, down to the region. */
	struct sm_chain chain;
	int chain_err;		/* 0 on an NVDIMM bus, -ENODEV not, -errno */
	long long devdax_size, devdax_align;	/* -1 unknown */
	/* The CPU this process runs on, and what the environment disables. */
	struct sm_cpu cpu;
	uint32_t cpu_disabled;
};

/* Gather every fact about fd (a file, a device DAX node or a directory). */
int sm_facts_gather(int fd, struct sm_facts *f);
/* The kernel's answers about fd alone (no tree). */
int sm_facts_of_fd(int fd, struct sm_fd_facts *fd_facts);
/* The tree's part, from the fd facts already in f (tests call this on
 * captured trees with recorded fd facts). */
void sm_facts_walk(struct sm_facts *f);

/* ---- decide.c */

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
/* Interpret the errno of a validating mmap with an invalid flag bit. */
int sm_validate_errno_meaning(int err);

#endif
