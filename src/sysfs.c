/* SPDX-License-Identifier: MIT */
/*
 * The device chain as sysfs shows it: a file's st_dev (or a device DAX
 * node's st_rdev) leads through /sys/dev/{block,char}/MAJ:MIN to a device
 * whose sysfs path names the NVDIMM bus, the region and the namespace (or
 * the pfn/btt/dax device that claims it):
 *
 *   /sys/devices/platform/ACPI0012:00/ndbus0/region0/pfn0.1/block/pmem0
 *   /sys/devices/platform/ACPI0012:00/ndbus0/region0/namespace0.0/block/pmem0
 *   /sys/devices/platform/ACPI0012:00/ndbus0/region0/dax0.1/dax0.0
 *
 * That path alone tells which region backs the file, so the persistence
 * domain is read from that region and no other.  This needs no library,
 * so it is also the fallback when libndctl is not built in.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "probe.h"

#define SLAVE_DEPTH_MAX 4
#define FIEMAP_EXTENTS 128
#define SECTOR 512u

void sm_chain_init(struct sm_chain *c)
{
	memset(c, 0, sizeof(*c));
	c->deep_flush = -1;
	c->align = -1;
	c->size = -1;
	c->dirty_shutdown = -1;
	c->badblocks = -1;
	c->badblocks_in_file = -1;
}

/* dir + "/" + name into out; false (and out cut short) if too long. */
static bool join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	return n >= 0 && (size_t)n < size;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "region12" -> true; "regionx" -> false. */
static bool is_numbered(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return has_prefix(s, prefix) && s[n] >= '0' && s[n] <= '9';
}

static void set_name(char *dst, const char *src, size_t len)
{
	if (len >= SM_NAME_MAX)
		len = SM_NAME_MAX - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The component right below the region: the namespace itself, or the
 * pfn/btt/dax device that has claimed it. */
static void note_child(struct sm_chain *c, const char *s, size_t len)
{
	if (is_numbered(s, "namespace"))
		set_name(c->ns, s, len);
	else if (is_numbered(s, "pfn") || is_numbered(s, "btt") ||
		 is_numbered(s, "dax"))
		set_name(c->claim, s, len);
}

int sm_chain_parse_path(const char *syspath, struct sm_chain *c)
{
	const char *p = syspath, *last = syspath;
	size_t last_len = 0;
	bool after_region = false;

	while (*p) {
		const char *s = p + (*p == '/');
		size_t len = strcspn(s, "/");

		if (len == 0)
			break;
		if (is_numbered(s, "ndbus"))
			set_name(c->bus, s, len);
		else if (c->bus[0] && is_numbered(s, "region") && !c->region[0]) {
			set_name(c->region, s, len);
			snprintf(c->region_dir, sizeof(c->region_dir), "%.*s",
				 (int)(s + len - syspath), syspath);
			after_region = true;
		} else if (after_region) {
			note_child(c, s, len);
			after_region = false;
		}
		if (has_prefix(s, "virtio") && !c->bus[0])
			c->virtio = true;
		last = s;
		last_len = len;
		p = s + len;
	}
	set_name(c->device, last, last_len);
	c->on_nd = c->bus[0] && c->region[0];
	if (c->on_nd && !c->ns[0] && !c->claim[0])
		c->on_nd = false;
	/* virtio-blk disks sit under a virtio device too; only a bus
	 * there makes it virtio-pmem. */
	if (!c->on_nd)
		c->virtio = false;
	return c->on_nd ? 0 : -ENODEV;
}

enum sm_ns_mode sm_ns_mode_parse(const char *s)
{
	if (!strcmp(s, "raw"))
		return SM_NS_RAW;
	if (!strcmp(s, "memory") || !strcmp(s, "fsdax"))
		return SM_NS_FSDAX;
	if (!strcmp(s, "dax") || !strcmp(s, "devdax"))
		return SM_NS_DEVDAX;
	if (!strcmp(s, "safe") || !strcmp(s, "sector"))
		return SM_NS_SECTOR;
	return SM_NS_UNKNOWN;
}

const char *sm_ns_mode_name(enum sm_ns_mode m)
{
	switch (m) {
	case SM_NS_RAW: return "raw";
	case SM_NS_FSDAX: return "fsdax";
	case SM_NS_DEVDAX: return "devdax";
	case SM_NS_SECTOR: return "sector";
	case SM_NS_UNKNOWN: break;
	}
	return "unknown";
}

enum sm_domain sm_domain_parse(const char *s)
{
	if (!strcmp(s, "cpu_cache"))
		return SM_DOMAIN_CPU_CACHE;
	if (!strcmp(s, "memory_controller"))
		return SM_DOMAIN_MEM_CTRL;
	if (!*s)
		return SM_DOMAIN_NONE;
	return SM_DOMAIN_UNKNOWN;
}

const char *sm_domain_name(enum sm_domain d)
{
	switch (d) {
	case SM_DOMAIN_CPU_CACHE: return "cpu_cache";
	case SM_DOMAIN_MEM_CTRL: return "memory_controller";
	case SM_DOMAIN_NONE: return "none";
	case SM_DOMAIN_UNKNOWN: break;
	}
	return "unknown";
}

/* a + b, stopping at the top instead of wrapping. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static long long clamp_ll(uint64_t v)
{
	return v > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)v;
}

int sm_badblocks_count(const char *text, uint64_t first, uint64_t last,
		       long long *total, long long *inside)
{
	const char *line = text;
	uint64_t sum = 0, in = 0;

	while (line && *line) {
		uint64_t start, count, lo, hi;

		if (*line != '\n') {
			if (sscanf(line, "%" SCNu64 " %" SCNu64, &start, &count) != 2 ||
			    count == 0 || start > UINT64_MAX - (count - 1))
				return -EINVAL;
			sum = add_sat(sum, count);
			lo = start > first ? start : first;
			hi = start + (count - 1) < last ? start + (count - 1) : last;
			if (lo <= hi)
				in = add_sat(in, hi - lo + 1);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	*total = clamp_ll(sum);
	*inside = clamp_ll(in);
	return 0;
}

bool sm_names_have_ndbus(const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_numbered(names[i], "ndbus"))
			return true;
	return false;
}

/* Whether /sys/bus/nd/devices lists a bus.  Reading a directory has no
 * wrapper in the sys layer; it only reads. */
static bool machine_has_ndbus(void)
{
	DIR *d = opendir("/sys/bus/nd/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		const char *name = e->d_name;

		found = sm_names_have_ndbus(&name, 1);
	}
	closedir(d);
	return found;
}

/* A device-mapper or md device: follow its first slave, so dm-linear on
 * top of pmem is recognised. */
static bool first_slave(const char *dir, char *out, size_t size)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	bool found = false;

	if (!join(path, sizeof(path), dir, "slaves"))
		return false;
	d = opendir(path);
	if (!d)
		return false;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		found = join(out, size, "/sys/class/block", e->d_name);
		break;
	}
	closedir(d);
	return found;
}

/* The canonical sysfs directory of the device behind st. */
static int device_dir(const struct stat *st, char *out)
{
	char link[PATH_MAX], next[PATH_MAX];
	bool chr = S_ISCHR(st->st_mode);
	dev_t dev = chr ? st->st_rdev : st->st_dev;
	int depth;

	snprintf(link, sizeof(link), "/sys/dev/%s/%u:%u", chr ? "char" : "block",
		 major(dev), minor(dev));
	for (depth = 0; depth < SLAVE_DEPTH_MAX; depth++) {
		if (!realpath(link, out))
			return errno ? -errno : -ENOENT;
		if (chr || !first_slave(out, next, sizeof(next)))
			return 0;
		snprintf(link, sizeof(link), "%s", next);
	}
	return 0;
}

/* Read a sysfs attribute under dir; "" when missing. */
static int read_attr(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	int r;

	if (!join(path, sizeof(path), dir, name)) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	r = sm_sys_read_text(path, buf, size);
	if (r < 0)
		buf[0] = '\0';
	return r;
}

static long long read_number(const char *dir, const char *name)
{
	char buf[64], *end;
	long long v;

	if (read_attr(dir, name, buf, sizeof(buf)) <= 0)
		return -1;
	v = strtoll(buf, &end, 0);
	return (*end == '\0' && v >= 0) ? v : -1;
}

/* The namespace a pfn/btt/dax device claims, from its "namespace"
 * attribute (a file holding the name, not a link). */
static void claimed_namespace(struct sm_chain *c)
{
	char dir[PATH_MAX], name[SM_NAME_MAX];

	if (join(dir, sizeof(dir), c->region_dir, c->claim) &&
	    read_attr(dir, "namespace", name, sizeof(name)) > 0 &&
	    is_numbered(name, "namespace"))
		set_name(c->ns, name, strlen(name));
}

static void namespace_mode(struct sm_chain *c)
{
	char buf[32], dir[PATH_MAX];

	if (has_prefix(c->claim, "pfn"))
		c->mode = SM_NS_FSDAX;
	else if (has_prefix(c->claim, "btt"))
		c->mode = SM_NS_SECTOR;
	else if (has_prefix(c->claim, "dax"))
		c->mode = SM_NS_DEVDAX;
	else if (c->ns[0]) {
		if (join(dir, sizeof(dir), c->region_dir, c->ns) &&
		    read_attr(dir, "mode", buf, sizeof(buf)) > 0)
			c->mode = sm_ns_mode_parse(buf);
	}
}

static void region_attrs(struct sm_chain *c)
{
	char buf[64], dir[PATH_MAX];

	if (read_attr(c->region_dir, "persistence_domain", buf, sizeof(buf)) >= 0)
		c->domain = sm_domain_parse(buf);
	if (read_attr(c->region_dir, "deep_flush", buf, sizeof(buf)) > 0)
		c->deep_flush = atoi(buf) > 0 ? 1 : 0;
	if (join(dir, sizeof(dir), "/sys/bus/nd/devices", c->bus))
		read_attr(dir, "provider", c->provider, sizeof(c->provider));
	if (strstr(c->provider, "virtio"))
		c->virtio = true;
	if (c->claim[0]) {
		if (join(dir, sizeof(dir), c->region_dir, c->claim))
			c->align = read_number(dir, "align");
	}
	if (c->ns[0]) {
		if (join(dir, sizeof(dir), c->region_dir, c->ns))
			c->size = read_number(dir, "size");
	}
}

/**
 * sm_chain_from_stat() - the device chain behind a stat result
 * @st: of a regular file, a directory, or a device DAX node
 * @c: filled; sm_chain_init() is called first
 *
 * Return: 0 if the device sits on an NVDIMM bus, -ENODEV if it does not,
 * another negative errno if sysfs could not be read.
 */
int sm_chain_from_stat(const struct stat *st, struct sm_chain *c)
{
	char dir[PATH_MAX];
	int r;

	sm_chain_init(c);
	c->nvdimm_bus = machine_has_ndbus();
	r = device_dir(st, dir);
	if (r < 0)
		return r;
	c->resolved = true;
	r = sm_chain_parse_path(dir, c);
	c->devdax = S_ISCHR(st->st_mode) && is_numbered(c->device, "dax");
	if (r < 0)
		return r;
	if (c->claim[0] && !c->ns[0])
		claimed_namespace(c);
	namespace_mode(c);
	region_attrs(c);
	snprintf(c->info_source, sizeof(c->info_source), "sysfs");
	return 0;
}

/* Map the file's extents to device sectors and count bad ones inside. */
static void count_in_extents(int fd, const char *bb, uint64_t part_start,
			     struct sm_chain *c)
{
	size_t size = sizeof(struct fiemap) +
		      FIEMAP_EXTENTS * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, size);
	long long total, inside, sum = 0;
	unsigned i;

	if (!fm)
		return;
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_extent_count = FIEMAP_EXTENTS;
	/* FIEMAP has no wrapper in the sys layer; it only reads. */
	if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0 ||
	    fm->fm_mapped_extents == FIEMAP_EXTENTS) {
		free(fm);
		return;
	}
	for (i = 0; i < fm->fm_mapped_extents; i++) {
		const struct fiemap_extent *e = &fm->fm_extents[i];
		uint64_t first = part_start + e->fe_physical / SECTOR;
		uint64_t last = first + (e->fe_length + SECTOR - 1) / SECTOR - 1;

		if (e->fe_length && sm_badblocks_count(bb, first, last, &total,
						       &inside) == 0)
			sum += inside;
	}
	c->badblocks_in_file = sum;
	free(fm);
}

/**
 * sm_chain_badblocks() - bad sectors of the pmem device, and of the file
 * @fd: the file, or -1 to count only the device's
 * @c: a chain on an NVDIMM bus; badblocks and badblocks_in_file are set
 *
 * A partition has no badblocks of its own: its disk's list is read and
 * the partition's start sector is added to the file's extents.
 */
void sm_chain_badblocks(int fd, struct sm_chain *c)
{
	char dir[PATH_MAX], disk[PATH_MAX], bb[8192];
	long long total, inside;
	long long start = 0;
	char *slash;

	if (!c->on_nd || c->devdax || !c->device[0])
		return;
	if (!join(dir, sizeof(dir), "/sys/class/block", c->device) ||
	    !realpath(dir, disk))
		return;
	if (read_attr(disk, "partition", bb, sizeof(bb)) > 0) {
		start = read_number(disk, "start");
		slash = strrchr(disk, '/');
		if (start < 0 || !slash)
			return;
		*slash = '\0';
	}
	if (read_attr(disk, "badblocks", bb, sizeof(bb)) < 0 ||
	    sm_badblocks_count(bb, 0, 0, &total, &inside) < 0)
		return;
	c->badblocks = total;
	if (fd >= 0 && total == 0)
		c->badblocks_in_file = 0;
	else if (fd >= 0)
		count_in_extents(fd, bb, (uint64_t)start, c);
}
