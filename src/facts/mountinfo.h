/* SPDX-License-Identifier: MIT */
/* mountinfo.c: the mount table's text. */
#ifndef SYNCMAP_MOUNTINFO_H
#define SYNCMAP_MOUNTINFO_H

#include <limits.h>
#include <stdbool.h>

#include "common.h"

#define SM_NAME_MAX 64


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

#endif
