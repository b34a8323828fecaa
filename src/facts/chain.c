/* SPDX-License-Identifier: MIT */
/*
 * The device chain, walked in the tree: from a device number through
 * /sys/dev/{block,char}/MAJ:MIN to the device's canonical directory (through
 * the first slave of a device-mapper or md device, so dm-linear on pmem is
 * recognised), then the region's persistence domain and deep flush, the
 * namespace's mode, size and alignment, and the bus's provider.  The path
 * alone names the region that backs the file, so no other region is read.
 * On a CXL bus, and for device DAX with no region, cxl.c goes on.
 * This needs no library, so it is also what a build without libndctl has.
 */
#include <errno.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "chain.h"
#include "cxl.h"
#include "log.h"
#include "sys.h"
#include "tree.h"

#define SLAVE_DEPTH_MAX 4
#define FIEMAP_EXTENTS 128
#define SECTOR 512u

static int found_ndbus(void *arg, const char *name)
{
	(void)arg;
	return sm_name_is_numbered(name, "ndbus");
}

static bool machine_has_ndbus(void)
{
	return sm_tree_list("/sys/bus/nd/devices", found_ndbus, NULL) > 0;
}

static int first_entry(void *arg, const char *name)
{
	snprintf(arg, SM_NAME_MAX, "%s", name);
	return 1;
}

/* The canonical directory of the device, through dm/md slaves. */
static int device_dir(bool chr, dev_t dev, char *out, size_t size)
{
	char link[SM_SYSFS_MAX], slave[SM_NAME_MAX];
	int depth, r;

	snprintf(link, sizeof(link), "/sys/dev/%s/%u:%u", chr ? "char" : "block",
		 major(dev), minor(dev));
	for (depth = 0; depth < SLAVE_DEPTH_MAX; depth++) {
		r = sm_tree_resolve(link, out, size);
		if (r < 0)
			return r;
		slave[0] = '\0';
		if (chr || !sm_tree_join(link, sizeof(link), out, "slaves") ||
		    sm_tree_list(link, first_entry, slave) <= 0 || !slave[0])
			return 0;
		snprintf(link, sizeof(link), "/sys/class/block/%s", slave);
	}
	return 0;
}

/* An attribute of the region's child named name. */
static int child_attr(const struct sm_chain *c, const char *child, const char *attr,
		      char *buf, size_t size)
{
	char dir[SM_SYSFS_MAX];

	if (!sm_tree_join(dir, sizeof(dir), c->region_dir, child)) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return sm_tree_attr(dir, attr, buf, size);
}

static long long child_number(const struct sm_chain *c, const char *child,
			      const char *attr)
{
	char dir[SM_SYSFS_MAX];

	return sm_tree_join(dir, sizeof(dir), c->region_dir, child) ?
	       sm_tree_attr_number(dir, attr) : -1;
}

/* The namespace a pfn/btt/dax device claims, from its "namespace"
 * attribute (a file holding the name, not a link). */
static void claimed_namespace(struct sm_chain *c)
{
	char name[SM_NAME_MAX];

	if (child_attr(c, c->claim, "namespace", name, sizeof(name)) > 0 &&
	    sm_name_is_numbered(name, "namespace"))
		snprintf(c->ns, sizeof(c->ns), "%s", name);
}

static void namespace_mode(struct sm_chain *c)
{
	char buf[32];

	if (!strncmp(c->claim, "pfn", 3))
		c->mode = SM_NS_FSDAX;
	else if (!strncmp(c->claim, "btt", 3))
		c->mode = SM_NS_SECTOR;
	else if (!strncmp(c->claim, "dax", 3))
		c->mode = SM_NS_DEVDAX;
	else if (c->ns[0] && child_attr(c, c->ns, "mode", buf, sizeof(buf)) > 0)
		c->mode = sm_ns_mode_parse(buf);
}

static void region_attrs(struct sm_chain *c)
{
	char buf[64], dir[SM_SYSFS_MAX];

	if (sm_tree_attr(c->region_dir, "persistence_domain", buf, sizeof(buf)) >= 0)
		c->domain = sm_domain_parse(buf);
	if (sm_tree_attr(c->region_dir, "deep_flush", buf, sizeof(buf)) > 0)
		c->deep_flush = atoi(buf) > 0 ? 1 : 0;
	if (sm_tree_join(dir, sizeof(dir), "/sys/bus/nd/devices", c->bus))
		sm_tree_attr(dir, "provider", c->provider, sizeof(c->provider));
	if (strstr(c->provider, "virtio"))
		c->virtio = true;
	if (c->claim[0])
		c->align = child_number(c, c->claim, "align");
	if (c->ns[0])
		c->size = child_number(c, c->ns, "size");
}

/**
 * sm_chain_walk() - the device chain behind a device number
 * @chr: @dev is a character device (device DAX), else a block device
 * @dev: st_rdev of a device DAX node, st_dev of a file or directory
 * @c: filled; sm_chain_init() is called first
 *
 * Return: 0 if the device sits on an NVDIMM bus, -ENODEV if it does not,
 * another negative errno if the tree could not be read.
 */
int sm_chain_walk(bool chr, dev_t dev, struct sm_chain *c)
{
	char dir[SM_SYSFS_MAX];
	int r;

	sm_chain_init(c);
	c->nvdimm_bus = machine_has_ndbus();
	r = device_dir(chr, dev, dir, sizeof(dir));
	if (r < 0)
		return r;
	c->resolved = true;
	r = sm_chain_parse_path(dir, c);
	c->devdax = chr && sm_name_is_numbered(c->device, "dax");
	if (r < 0) {
		sm_cxl_of_devdax(dir, c);
		return r;
	}
	if (c->claim[0] && !c->ns[0])
		claimed_namespace(c);
	namespace_mode(c);
	region_attrs(c);
	sm_cxl_of_nd(c);
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int r = sm_tree_read(path, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return (errno || end == buf) ? -EINVAL : 0;
}

/**
 * sm_devdax_geometry() - size and mapping alignment of a device DAX
 * character device, read from sysfs
 */
int sm_devdax_geometry(dev_t rdev, uint64_t *size, uint64_t *align)
{
	static const char *const align_attrs[] = {
		"align", "device/align", "dax_region/align", "device/dax_region/align",
	};
	char base[64], path[128];
	size_t i;
	int r;

	snprintf(base, sizeof(base), "/sys/dev/char/%u:%u", major(rdev), minor(rdev));
	snprintf(path, sizeof(path), "%s/size", base);
	r = read_u64(path, size);
	if (r < 0)
		return r == -ENOENT ? -ENODEV : r;
	for (i = 0; i < sizeof(align_attrs) / sizeof(align_attrs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, align_attrs[i]);
		if (read_u64(path, align) == 0 && *align)
			return 0;
	}
	return -ENODEV;
}

/* Map the file's extents to device sectors and count bad ones inside. */
static long long count_in_extents(int fd, const char *bb, uint64_t part_start)
{
	size_t size = sizeof(struct fiemap) +
		      FIEMAP_EXTENTS * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, size);
	long long total, inside, sum = 0;
	unsigned i;

	if (!fm)
		return -1;
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_extent_count = FIEMAP_EXTENTS;
	if (sm_sys_ioctl(fd, FS_IOC_FIEMAP, fm) < 0 ||
	    fm->fm_mapped_extents == FIEMAP_EXTENTS) {
		free(fm);
		return -1;
	}
	for (i = 0; i < fm->fm_mapped_extents; i++) {
		const struct fiemap_extent *e = &fm->fm_extents[i];
		uint64_t first = part_start + e->fe_physical / SECTOR;
		uint64_t last = first + (e->fe_length + SECTOR - 1) / SECTOR - 1;

		if (e->fe_length && sm_badblocks_count(bb, first, last, &total,
						       &inside) == 0)
			sum += inside;
	}
	free(fm);
	return sum;
}

/*
 * A partition has no badblocks of its own: its disk's list is read and
 * the partition's start sector is added to the file's extents.
 */
void sm_chain_badblocks(int fd, const struct sm_chain *c, long long *total,
			long long *in_file)
{
	char link[SM_SYSFS_MAX], disk[SM_SYSFS_MAX], part[16], *bb = NULL, *slash;
	long long start = 0, inside;

	*total = *in_file = -1;
	if (!c->on_nd || c->devdax || !c->device[0])
		return;
	if (!sm_tree_join(link, sizeof(link), "/sys/class/block", c->device) ||
	    sm_tree_resolve(link, disk, sizeof(disk)) < 0)
		return;
	if (sm_tree_attr(disk, "partition", part, sizeof(part)) > 0) {
		start = sm_tree_attr_number(disk, "start");
		slash = strrchr(disk, '/');
		if (start < 0 || !slash)
			return;
		*slash = '\0';
	}
	if (!sm_tree_join(link, sizeof(link), disk, "badblocks") ||
	    sm_tree_read_all(link, &bb) < 0)
		return;
	if (sm_badblocks_count(bb, 0, 0, total, &inside) < 0)
		*total = -1;
	else if (fd >= 0)
		*in_file = *total == 0 ? 0 : count_in_extents(fd, bb, (uint64_t)start);
	free(bb);
}
