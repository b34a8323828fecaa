/* SPDX-License-Identifier: MIT */
/*
 * The facts a decision is made of, gathered once per open or probe
 * (facts.c); the decision itself is in decide.h.
 *
 *   sm_facts_gather(fd)      the kernel's answers about the open file (fstat,
 *                            fstatfs, statx, the inode's DAX flag, its path),
 *                            then the tree: the mount in /proc/self/mountinfo
 *                            and the device chain in /sys, down to the region's
 *                            persistence domain, and the CPU
 *
 * open (map.c) and syncmap_probe() (probe.c) both gather the facts here
 * and decide on them (decide.h), so what the probe predicts for a file is
 * what an open of it gets.  /sys and /proc
 * are read under a root that tests can redirect to a captured tree
 * (tree.c), which is how the host runs the gatherer over trees captured in
 * a guest with real NVDIMMs.
 */
#ifndef SYNCMAP_FACTS_H
#define SYNCMAP_FACTS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpu.h"
#include "mountinfo.h"
#include "sysfs.h"

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

#endif
