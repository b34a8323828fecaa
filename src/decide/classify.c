/* SPDX-License-Identifier: MIT */
/*
 * Why MAP_SYNC is refused, from the facts: the cause and one sentence a
 * person can act on.  A refusal is explained by the first thing a fix
 * would have to change: a file system type that cannot do DAX at all,
 * then a device that is not DAX-capable persistent memory, then the
 * mount's and the inode's DAX options.  Each sentence names the file
 * system, the device, the mount point and the command.  Device DAX on
 * volatile memory (dax_hmem, a CXL ram region), which the kernel grants
 * MAP_SYNC, has a sentence of its own.  Pure, as decide.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cause.h"
#include "decide.h"

/* The names a sentence uses, with fallbacks for unknown parts. */
struct sm_names {
	const char *fstype, *source, *point;
	const char *file_pre, *file;	/* "a new file in " + "/mnt/x" */
	/* What persisting does: msync, or under SYNCMAP_JOURNAL no word of
	 * it (the journal's sentence follows). */
	const char *msync, *msync_pages;
	char device[SM_NAME_MAX + 8];
};

static void names_of(const struct sm_facts *f, bool journal, struct sm_names *n)
{
	bool m = f->have_mount;
	const struct sm_chain *c = &f->chain;

	n->fstype = f->have_type ? f->fstype : "the file system";
	n->source = m ? f->mount.source : "its device";
	n->point = m ? f->mount.point : "its mount point";
	n->file_pre = "";
	n->msync = journal ? SM_SAYS_JOURNAL : "persisting uses msync";
	n->msync_pages = journal ? SM_SAYS_JOURNAL : "persisting uses msync page by page";
	n->file = f->fd.path[0] ? f->fd.path :
		  (f->target == SM_TARGET_NEW_FILE ? "the directory" : "the file");
	if (f->target == SM_TARGET_NEW_FILE && f->fd.path[0])
		n->file_pre = "a new file in ";
	if (c->resolved && c->device[0] && !c->devdax)
		snprintf(n->device, sizeof(n->device), "/dev/%s", c->device);
	else
		snprintf(n->device, sizeof(n->device), "%.*s", (int)sizeof(n->device) - 1,
			 n->source);
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

static enum syncmap_cause classify_fstype(const struct sm_facts *f,
					  const struct sm_names *n,
					  char *advice, size_t size)
{
	return say(advice, size, SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE,
		   "%s%s is on %s (%s mounted at %s), which cannot do DAX, so MAP_SYNC is "
		   "refused and %s; %s",
		   n->file_pre, n->file, n->fstype, n->source, n->point, n->msync,
		   f->chain.nvdimm_bus ?
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
			   "can use MAP_SYNC, so %s; cache-line "
			   "persistence needs NVDIMMs (or a guest with -machine nvdimm=on) and "
			   "ext4 or xfs mounted -o dax on them", n->fstype, n->device, n->point,
			   n->msync_pages);
	if (!c->on_nd)
		return say(advice, size, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
			   "%s on %s (mounted at %s) is not on persistent memory; put the file on "
			   "a file system made on a pmem device (ls /dev/pmem*) and mounted with "
			   "-o dax", n->fstype, n->device, n->point);
	if (c->virtio)
		return say(advice, size, SYNCMAP_CAUSE_NOT_SYNCHRONOUS,
			   "%s (%s, %s) is virtio-pmem, which is not synchronous: the host "
			   "must write its page cache back, so the kernel refuses MAP_SYNC and "
			   "%s; give the guest an emulated NVDIMM (-device "
			   "nvdimm) for MAP_SYNC", n->device, c->ns[0] ? c->ns : "namespace",
			   c->region, n->msync);
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

static enum syncmap_cause classify_inode(const struct sm_facts *f,
					 const struct sm_names *n,
					 char *advice, size_t size)
{
	if (f->fd.xflag_dax == 1)
		return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
			   "%s%s (%s on %s, mounted at %s with dax=inode) has the DAX flag, but "
			   "it is not in effect yet: it applies when the inode is loaded again, "
			   "so close the file in every process (or echo 2 > "
			   "/proc/sys/vm/drop_caches) and open it again",
			   n->file_pre, n->file, n->fstype, n->device, n->point);
	if (f->target == SM_TARGET_NEW_FILE)
		return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
			   "%s on %s is mounted at %s with dax=inode and the directory %s lacks "
			   "the DAX flag, so files created there are not DAX: xfs_io -c "
			   "'chattr +x' %s", n->fstype, n->device, n->point, n->file, n->file);
	return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
		   "%s on %s is mounted at %s with dax=inode and %s lacks the DAX flag: "
		   "xfs_io -c 'chattr +x' %s, then reopen it once no process has it open "
		   "(or set the flag on its directory before creating files there)",
		   n->fstype, n->device, n->point, n->file, n->file);
}

static enum syncmap_cause classify_mount(const struct sm_facts *f,
					 const struct sm_names *n,
					 char *advice, size_t size)
{
	enum sm_dax_opt d = f->mount.dax;

	if (d == SM_DAX_OPT_NEVER || (d == SM_DAX_OPT_NONE && f->fd.xflag_dax != 1))
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
		return classify_inode(f, n, advice, size);
	return say(advice, size, SYNCMAP_CAUSE_NOT_DAX,
		   "%s on %s is mounted at %s with dax, yet the kernel refused MAP_SYNC "
		   "for %s%s; dmesg tells why (the block size must equal the page size: "
		   "mkfs.ext4 -b 4096 or mkfs.xfs -m reflink=0; data=journal disables DAX)",
		   n->fstype, n->device, n->point, n->file_pre, n->file);
}

/*
 * Device DAX on memory that keeps nothing across a power cut.  The kernel
 * grants MAP_SYNC on any device DAX, so only the facts can say that no
 * flush makes these stores durable.
 */
enum syncmap_cause sm_classify_volatile(const struct sm_chain *c, char *advice,
					 size_t size)
{
	const struct sm_cxl *x = &c->cxl;

	if (c->volatile_mem == SM_VOLATILE_HMEM)
		return say(advice, size, SYNCMAP_CAUSE_VOLATILE_MEMORY,
			   "/dev/%s is device DAX on volatile memory (dax_hmem, %s: memory the "
			   "firmware set aside as soft-reserved or specific-purpose), with no NVDIMM "
			   "region behind it: nothing written there survives a power cut or a reboot, "
			   "whatever is flushed, so persisting it is not durable; keep durable data on "
			   "persistent memory (ndctl list -R lists the NVDIMM regions)",
			   c->device, c->hmem);
	return say(advice, size, SYNCMAP_CAUSE_VOLATILE_MEMORY,
		   "/dev/%s is device DAX on CXL %s in ram mode (memory device %s), with no NVDIMM "
		   "region behind it: volatile memory, so nothing written there survives a power "
		   "cut or a reboot, whatever is flushed, and persisting it is not durable; for "
		   "durable data use a device with persistent capacity in a pmem region (cxl "
		   "create-region -t pmem, then ndctl create-namespace on it)", c->device,
		   x->region[0] ? x->region : "a region",
		   x->ntargets && x->t[0].memdev[0] ? x->t[0].memdev : "unknown");
}

/**
 * sm_classify_for() - sm_classify(), for a mapping the journal takes when
 * @journal is set (its sentences then say nothing of msync)
 */
enum syncmap_cause sm_classify_for(const struct sm_facts *f, bool journal,
				   char *advice, size_t size)
{
	const struct sm_chain *c = &f->chain;
	struct sm_names n;
	enum syncmap_cause cause;

	names_of(f, journal, &n);
	if (c->devdax && c->volatile_mem)
		return sm_classify_volatile(c, advice, size);
	if (c->devdax)
		return c->virtio ? classify_device(c, &n, advice, size) :
		       say(advice, size, SYNCMAP_CAUSE_NOT_DAX,
			   "device DAX /dev/%s refused MAP_SYNC; check that it is enabled "
			   "(daxctl list) and in devdax mode, not system-ram", c->device);
	/* Without even the file system type, any explanation is a guess. */
	if (!f->have_type)
		return say(advice, size, SYNCMAP_CAUSE_NOT_DAX, "%s",
			   sm_cause_default_advice(SYNCMAP_CAUSE_NOT_DAX));
	if (!sm_fstype_dax_capable(f->fstype))
		return classify_fstype(f, &n, advice, size);
	if (c->resolved) {
		cause = classify_device(c, &n, advice, size);
		if (cause != SYNCMAP_CAUSE_NONE)
			return cause;
	} else if (!c->nvdimm_bus) {
		return classify_device(c, &n, advice, size);
	}
	if (f->have_mount)
		return classify_mount(f, &n, advice, size);
	return say(advice, size, SYNCMAP_CAUSE_NOT_DAX, "%s",
		   sm_cause_default_advice(SYNCMAP_CAUSE_NOT_DAX));
}

/**
 * sm_classify() - why MAP_SYNC is refused, from the facts
 * @f: the facts of the file, device or directory
 * @advice: receives one sentence a person can act on
 * @size: bytes at @advice
 *
 * Return: the cause; SYNCMAP_CAUSE_NOT_DAX when no fact explains it.
 */
enum syncmap_cause sm_classify(const struct sm_facts *f, char *advice, size_t size)
{
	return sm_classify_for(f, false, advice, size);
}

