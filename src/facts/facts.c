/* SPDX-License-Identifier: MIT */
/*
 * Gathering the facts, once: the kernel's answers about the open file,
 * then the tree (the mount table, the device chain), then the CPU.
 *
 * The file system's type comes from fstatfs on the descriptor itself,
 * which cannot pick the wrong line of the mount table; the table's name is
 * kept where the two agree (ext2/ext3/ext4 share one magic).  The mount
 * is found by the mount id statx gives (Linux 5.8+), else by the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "chain.h"
#include "facts.h"
#include "sys.h"
#include "tree.h"

#ifndef FS_XFLAG_DAX
#define FS_XFLAG_DAX 0x00008000
#endif

static void statx_facts(int fd, struct sm_fd_facts *ff)
{
	struct sm_statx stx;

	ff->statx_dax = -1;
	ff->mount_id = -1;
	if (sm_sys_statx(fd, SM_STATX_MNT_ID, &stx) < 0)
		return;
	if (stx.attributes_mask & SM_STATX_ATTR_DAX)
		ff->statx_dax = (stx.attributes & SM_STATX_ATTR_DAX) ? 1 : 0;
	if ((stx.mask & SM_STATX_MNT_ID) && stx.mnt_id <= INT32_MAX)
		ff->mount_id = (int)stx.mnt_id;
}

/* The advisory per-inode flag; -1 where the file system has no xattr
 * flags (tmpfs before 6.x, nfs...). */
static int xflag_dax(int fd)
{
	struct fsxattr fsx;

	if (sm_sys_ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0)
		return -1;
	return (fsx.fsx_xflags & FS_XFLAG_DAX) ? 1 : 0;
}

/**
 * sm_facts_of_fd() - what the kernel says about an open file itself
 * @fd: a file, a device DAX node or a directory
 * @ff: filled; the path comes from /proc/self/fd when it can be read
 */
int sm_facts_of_fd(int fd, struct sm_fd_facts *ff)
{
	char link[64];
	struct stat st;
	int r;

	memset(ff, 0, sizeof(*ff));
	r = sm_sys_fstat(fd, &st);
	if (r < 0)
		return r;
	ff->mode = st.st_mode;
	ff->dev = st.st_dev;
	ff->rdev = st.st_rdev;
	ff->ino = st.st_ino;
	ff->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	ff->have_magic = sm_sys_fstatfs_type(fd, &ff->magic) == 0;
	statx_facts(fd, ff);
	ff->xflag_dax = xflag_dax(fd);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (sm_sys_readlink(link, ff->path, sizeof(ff->path)) < 0)
		ff->path[0] = '\0';
	return 0;
}

static void fs_type(struct sm_facts *f)
{
	const char *name, *mnt = f->mount.fstype;

	if (!f->fd.have_magic)
		return;
	f->have_type = true;
	name = sm_fs_magic_name(f->fd.magic);
	/* "ext3" for the ext magic, "nfs4" for nfs, "fuse.sshfs" for fuse. */
	if (f->have_mount && (!name || !strncmp(mnt, name, strlen(name)) ||
			      (!strncmp(name, "ext", 3) && !strncmp(mnt, "ext", 3))))
		name = mnt;
	if (name)
		snprintf(f->fstype, sizeof(f->fstype), "%s", name);
	else
		snprintf(f->fstype, sizeof(f->fstype), "magic 0x%lx",
			 (unsigned long)f->fd.magic);
}

static void mount_facts(struct sm_facts *f)
{
	char *text = NULL;

	f->have_mount = sm_tree_read_all("/proc/self/mountinfo", &text) >= 0 &&
			sm_mountinfo_find(text, f->fd.mount_id, major(f->fd.dev),
					  minor(f->fd.dev), &f->mount) == 0;
	free(text);
}

static void devdax_facts(struct sm_facts *f)
{
	uint64_t size, align;

	f->devdax_size = f->devdax_align = -1;
	if (f->target != SM_TARGET_DEVDAX || sm_devdax_geometry(f->fd.rdev, &size, &align) < 0)
		return;
	f->devdax_size = size > INT64_MAX ? INT64_MAX : (long long)size;
	f->devdax_align = align > INT64_MAX ? INT64_MAX : (long long)align;
}

/**
 * sm_facts_walk() - the tree's facts, from the fd facts already in @f
 *
 * A device DAX node's own file system (devtmpfs) explains nothing, so only
 * its device is walked.
 */
void sm_facts_walk(struct sm_facts *f)
{
	bool chr = S_ISCHR(f->fd.mode);

	f->target = chr ? SM_TARGET_DEVDAX : S_ISDIR(f->fd.mode) ? SM_TARGET_NEW_FILE :
		    SM_TARGET_FILE;
	if (!chr)
		mount_facts(f);
	fs_type(f);
	f->chain_err = sm_chain_walk(chr, chr ? f->fd.rdev : f->fd.dev, &f->chain);
	devdax_facts(f);
	f->cpu = *sm_cpu();
	f->cpu_disabled = sm_cpu_disabled();
}

/**
 * sm_facts_gather() - every fact the decision needs about an open file
 * @fd: a regular file, a device DAX node, or the directory of a file not
 *	created yet
 * @f: filled
 *
 * Return: 0, or the negative errno of fstat.
 */
int sm_facts_gather(int fd, struct sm_facts *f)
{
	int r;

	memset(f, 0, sizeof(*f));
	r = sm_facts_of_fd(fd, &f->fd);
	if (r < 0)
		return r;
	sm_facts_walk(f);
	return 0;
}
