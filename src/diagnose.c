/* SPDX-License-Identifier: MIT */
/*
 * Why did the kernel refuse MAP_SYNC, and what would fix it?  The facts
 * come from the mount table, statx, the inode's DAX flag and the device
 * chain in sysfs; sm_classify() turns them into a cause and one sentence
 * that names the file system, the device, the mount point and the
 * command.  The order of the checks follows what a fix has to change
 * first: a file system type that cannot do DAX at all, then a device that
 * is not DAX-capable persistent memory, then the mount and inode options.
 *
 * Also here: which persistence domain the region behind a file reports,
 * and that region's deep flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"

#ifndef FS_XFLAG_DAX
#define FS_XFLAG_DAX 0x00008000
#endif
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

/* The names an advice sentence uses, with fallbacks for unknown parts. */
struct sm_names {
	const char *fstype, *source, *point, *file;
	char device[PATH_MAX];
	char file_buf[PATH_MAX + 32];
};

static void names_of(const struct sm_fsfacts *fs, const struct sm_chain *c,
		     struct sm_names *n)
{
	bool m = fs->have_mount;

	n->fstype = fs->have_type ? fs->fstype : "the file system";
	n->source = m ? fs->mount.source : "its device";
	n->point = m ? fs->mount.point : "its mount point";
	n->file = fs->path[0] ? fs->path : (fs->is_dir ? "the directory" : "the file");
	if (fs->is_dir && fs->path[0] &&
	    snprintf(n->file_buf, sizeof(n->file_buf), "a new file in %s", fs->path) <
	    (int)sizeof(n->file_buf))
		n->file = n->file_buf;
	if (c->resolved && c->device[0] && !c->devdax)
		snprintf(n->device, sizeof(n->device), "/dev/%s", c->device);
	else
		snprintf(n->device, sizeof(n->device), "%s", n->source);
}

static enum syncmap_cause say(char *advice, size_t size, enum syncmap_cause c,
			      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum syncmap_cause say(char *advice, size_t size, enum syncmap_cause c,
			      const char *fmt, ...)
{
	va_list ap;

	if (size) {
		va_start(ap, fmt);
		vsnprintf(advice, size, fmt, ap);
		va_end(ap);
	}
	return c;
}

static enum syncmap_cause classify_fstype(const struct sm_chain *c,
					  const struct sm_names *n,
					  char *advice, size_t size)
{
	return say(advice, size, SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE,
		   "%s is on %s (%s mounted at %s), which cannot do DAX, so MAP_SYNC is "
		   "refused and persisting uses msync; %s",
		   n->file, n->fstype, n->source, n->point,
		   c->nvdimm_bus ?
		   "put the file on ext4 or xfs on a pmem device mounted with -o dax" :
		   "this machine also has no NVDIMM bus (no persistent memory), so no "
		   "file system here can do better");
}

/* The device under an ext4/xfs mount is not usable persistent memory. */
static enum syncmap_cause classify_device(const struct sm_chain *c,
					  const struct sm_names *n,
					  char *advice, size_t size)
{
	if (!c->on_nd && !c->nvdimm_bus)
		return say(advice, size, SYNCMAP_CAUSE_NO_NVDIMM_BUS,
			   "%s on %s (mounted at %s) is not persistent memory, and this machine "
			   "has no NVDIMM bus at all (/sys/bus/nd lists no ndbus): no file here "
			   "can use MAP_SYNC, so persisting uses msync page by page; cache-line "
			   "persistence needs NVDIMMs (or a guest with -machine nvdimm=on) and "
			   "ext4 or xfs mounted -o dax on them", n->fstype, n->device, n->point);
	if (!c->on_nd)
		return say(advice, size, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
			   "%s on %s (mounted at %s) is not on persistent memory; put the file on "
			   "a file system made on a pmem device (ls /dev/pmem*) and mounted with "
			   "-o dax", n->fstype, n->device, n->point);
	if (c->virtio)
		return say(advice, size, SYNCMAP_CAUSE_NOT_SYNCHRONOUS,
			   "%s (%s, %s) is virtio-pmem, which is not synchronous: the host "
			   "must write its page cache back, so the kernel refuses MAP_SYNC and "
			   "persisting uses msync; give the guest an emulated NVDIMM (-device "
			   "nvdimm) for MAP_SYNC", n->device, c->ns[0] ? c->ns : "namespace",
			   c->region);
	if (c->mode == SM_NS_RAW)
		return say(advice, size, SYNCMAP_CAUSE_NAMESPACE_RAW,
			   "%s (behind %s, mounted at %s) is in raw mode, which cannot do DAX: "
			   "ndctl create-namespace -f -e %s -m fsdax (this erases it), then "
			   "make the file system again and mount it with -o dax",
			   c->ns, n->device, n->point, c->ns);
	if (c->mode == SM_NS_SECTOR)
		return say(advice, size, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
			   "%s (behind %s, mounted at %s) is in sector mode (BTT), which cannot "
			   "do DAX: ndctl create-namespace -f -e %s -m fsdax (this erases it), "
			   "then make the file system again and mount it with -o dax",
			   c->ns, n->device, n->point, c->ns);
	return SYNCMAP_CAUSE_NONE;
}

static enum syncmap_cause classify_inode(const struct sm_fsfacts *fs,
					 const struct sm_names *n,
					 char *advice, size_t size)
{
	if (fs->xflag_dax == 1)
		return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
			   "%s (%s on %s, mounted at %s with dax=inode) has the DAX flag, but "
			   "it is not in effect yet: it applies when the inode is loaded again, "
			   "so close the file in every process (or echo 2 > "
			   "/proc/sys/vm/drop_caches) and open it again",
			   n->file, n->fstype, n->device, n->point);
	if (fs->is_dir)
		return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
			   "%s on %s is mounted at %s with dax=inode and the directory %s lacks "
			   "the DAX flag, so files created there are not DAX: xfs_io -c "
			   "'chattr +x' %s", n->fstype, n->device, n->point, fs->path, fs->path);
	return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
		   "%s on %s is mounted at %s with dax=inode and %s lacks the DAX flag: "
		   "xfs_io -c 'chattr +x' %s, then reopen it once no process has it open "
		   "(or set the flag on its directory before creating files there)",
		   n->fstype, n->device, n->point, n->file, n->file);
}

static enum syncmap_cause classify_mount(const struct sm_fsfacts *fs,
					 const struct sm_names *n,
					 char *advice, size_t size)
{
	enum sm_dax_opt d = fs->mount.dax;

	if (d == SM_DAX_OPT_NEVER || (d == SM_DAX_OPT_NONE && fs->xflag_dax != 1))
		return say(advice, size, SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED,
			   "%s on %s is mounted at %s %s: umount %s && mount -o dax %s %s "
			   "(the dax option cannot be changed by a remount)%s",
			   n->fstype, n->device, n->point,
			   d == SM_DAX_OPT_NEVER ? "with dax=never" : "without dax",
			   n->point, n->device, n->point,
			   d == SM_DAX_OPT_NONE ? "; or, since the default is dax=inode, set "
			   "the per-file flag: xfs_io -c 'chattr +x' on the file or its "
			   "directory" : "");
	if (d == SM_DAX_OPT_INODE || d == SM_DAX_OPT_NONE)
		return classify_inode(fs, n, advice, size);
	return say(advice, size, SYNCMAP_CAUSE_NOT_DAX,
		   "%s on %s is mounted at %s with dax, yet the kernel refused MAP_SYNC "
		   "for %s; dmesg tells why (the block size must equal the page size: "
		   "mkfs.ext4 -b 4096 or mkfs.xfs -m reflink=0; data=journal disables DAX)",
		   n->fstype, n->device, n->point, n->file);
}

/**
 * sm_classify() - why MAP_SYNC would be refused, from gathered facts
 * @fs: mount, statx and inode-flag facts of the file or its directory
 * @c: the device chain
 * @advice: receives one sentence a person can act on
 * @size: bytes at @advice
 *
 * Return: the cause; SYNCMAP_CAUSE_NOT_DAX when no fact explains it.
 */
enum syncmap_cause sm_classify(const struct sm_fsfacts *fs,
			       const struct sm_chain *c, char *advice,
			       size_t size)
{
	struct sm_names n;
	enum syncmap_cause cause;

	names_of(fs, c, &n);
	if (c->devdax)
		return c->virtio ? classify_device(c, &n, advice, size) :
		       say(advice, size, SYNCMAP_CAUSE_NOT_DAX,
			   "device DAX /dev/%s refused MAP_SYNC; check that it is enabled "
			   "(daxctl list) and in devdax mode, not system-ram", c->device);
	/* Without even the file system type, any explanation is a guess. */
	if (!fs->have_type)
		return say(advice, size, SYNCMAP_CAUSE_NOT_DAX, "%s",
			   sm_cause_default_advice(SYNCMAP_CAUSE_NOT_DAX));
	if (!sm_fstype_dax_capable(fs->fstype))
		return classify_fstype(c, &n, advice, size);
	if (c->resolved) {
		cause = classify_device(c, &n, advice, size);
		if (cause != SYNCMAP_CAUSE_NONE)
			return cause;
	} else if (!c->nvdimm_bus) {
		return classify_device(c, &n, advice, size);
	}
	if (fs->have_mount)
		return classify_mount(fs, &n, advice, size);
	return say(advice, size, SYNCMAP_CAUSE_NOT_DAX, "%s",
		   sm_cause_default_advice(SYNCMAP_CAUSE_NOT_DAX));
}

/* statx's DAX attribute (Linux 5.8+): 1, 0, or -1 when not reported. */
static int statx_dax(int fd)
{
#if HAVE_STATX
	struct statx stx;

	/* statx has no wrapper in the sys layer; it only reads metadata. */
	if (statx(fd, "", AT_EMPTY_PATH, 0, &stx) == 0 &&
	    (stx.stx_attributes_mask & STATX_ATTR_DAX))
		return (stx.stx_attributes & STATX_ATTR_DAX) ? 1 : 0;
#else
	(void)fd;
#endif
	return -1;
}

/* The advisory per-inode flag; -1 where the file system has no xattr
 * flags (tmpfs before 6.x, nfs...). */
static int xflag_dax(int fd)
{
	struct fsxattr fsx;

	/* FS_IOC_FSGETXATTR has no wrapper in the sys layer; it only reads. */
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0)
		return -1;
	return (fsx.fsx_xflags & FS_XFLAG_DAX) ? 1 : 0;
}

/*
 * The type comes from fstatfs on the descriptor itself, which cannot pick
 * the wrong line of the mount table; the table's name is kept where the
 * two agree (ext2/ext3/ext4 share one magic).
 */
static void fs_type_of(int fd, struct sm_fsfacts *fs)
{
	const char *name, *mnt = fs->mount.fstype;
	long magic;

	if (sm_sys_fstatfs_type(fd, &magic) < 0)
		return;
	fs->have_type = true;
	name = sm_fs_magic_name(magic);
	/* "ext3" for the ext magic, "nfs4" for nfs, "fuse.sshfs" for fuse. */
	if (fs->have_mount && (!name || !strncmp(mnt, name, strlen(name)) ||
			       (!strncmp(name, "ext", 3) && !strncmp(mnt, "ext", 3))))
		name = mnt;
	if (name)
		snprintf(fs->fstype, sizeof(fs->fstype), "%s", name);
	else
		snprintf(fs->fstype, sizeof(fs->fstype), "magic 0x%lx", (unsigned long)magic);
}

/**
 * sm_fsfacts_of_fd() - what the file system says about an open file
 * @fd: a file or a directory
 * @fs: filled; the path comes from /proc/self/fd when it can be read
 */
void sm_fsfacts_of_fd(int fd, struct sm_fsfacts *fs)
{
	char link[64];
	struct stat st;
	ssize_t n;

	memset(fs, 0, sizeof(*fs));
	fs->have_mount = sm_mount_of_fd(fd, &fs->mount) == 0;
	fs_type_of(fd, fs);
	fs->statx_dax = statx_dax(fd);
	fs->xflag_dax = xflag_dax(fd);
	fs->is_dir = sm_sys_fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, fs->path, sizeof(fs->path) - 1);
	fs->path[n > 0 ? n : 0] = '\0';
}

/**
 * sm_chain_of_fd() - the device chain behind an open file, completed by
 *	libndctl when it is built in
 *
 * Return: 0 if the file is on an NVDIMM bus, -ENODEV if not, or another
 * negative errno.
 */
int sm_chain_of_fd(int fd, struct sm_chain *c)
{
	struct stat st;
	int r;

	sm_chain_init(c);
	r = sm_sys_fstat(fd, &st);
	if (r < 0)
		return r;
	r = sm_chain_from_stat(&st, c);
	if (r == 0)
		(void)sm_ndctl_describe(c);
	return r;
}

enum syncmap_cause sm_diagnose_refusal(int fd, char *advice, size_t size)
{
	struct sm_fsfacts fs;
	struct sm_chain c;

	sm_fsfacts_of_fd(fd, &fs);
	(void)sm_chain_of_fd(fd, &c);
	return sm_classify(&fs, &c, advice, size);
}

/* The sysfs chain only: libndctl reads the same attributes, and this runs
 * on every open, where building a libndctl context would cost more. */
static int region_of_fd(int fd, struct sm_chain *c)
{
	struct stat st;
	int r = sm_sys_fstat(fd, &st);

	if (r < 0)
		return r;
	return sm_chain_from_stat(&st, c);
}

int sm_domain_is_cpu_cache(int fd, bool *deep_flush)
{
	struct sm_chain c;
	int r = region_of_fd(fd, &c);

	*deep_flush = false;
	if (r < 0)
		return r;
	*deep_flush = c.deep_flush == 1;
	switch (c.domain) {
	case SM_DOMAIN_CPU_CACHE:
		return 1;
	case SM_DOMAIN_MEM_CTRL:
	case SM_DOMAIN_NONE:
		return 0;
	case SM_DOMAIN_UNKNOWN:
		break;
	}
	return -ENODATA;
}

/*
 * deep_flush reads 1 when the region has write-pending-queue flush hints
 * (writing flushes them), 0 when the platform reports nothing to flush,
 * and is absent when the kernel cannot tell.  Only the first case needs a
 * write; the last is an error the caller should see.
 */
int sm_region_deep_flush(int fd)
{
	char path[PATH_MAX + 16];
	struct sm_chain c;
	int r = region_of_fd(fd, &c);

	if (r == -ENODEV)
		return -EOPNOTSUPP;
	if (r < 0)
		return r;
	if (c.deep_flush < 0)
		return -EOPNOTSUPP;
	if (c.deep_flush == 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s/deep_flush", c.region_dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return sm_sys_write_text(path, "1");
}
