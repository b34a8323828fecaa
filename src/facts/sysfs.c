/* SPDX-License-Identifier: MIT */
/*
 * The device chain's text, as sysfs shows it: a file's st_dev (or a device
 * DAX node's st_rdev) leads through /sys/dev/{block,char}/MAJ:MIN to a
 * device whose sysfs path names the NVDIMM bus, the region and the
 * namespace (or the pfn/btt/dax device that claims it):
 *
 *   /sys/devices/platform/ACPI0012:00/ndbus0/region0/pfn0.1/block/pmem0
 *   /sys/devices/platform/ACPI0012:00/ndbus0/region0/namespace0.0/block/pmem0
 *   /sys/devices/platform/ACPI0012:00/ndbus0/region0/dax0.1/dax0.0
 *
 * That path alone tells which region backs the file, so the persistence
 * domain is read from that region and no other.  The parsers here take
 * text; chain.c walks the live (or captured) tree.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sysfs.h"

void sm_chain_init(struct sm_chain *c)
{
	memset(c, 0, sizeof(*c));
	c->deep_flush = -1;
	c->align = -1;
	c->size = -1;
	c->cxl.ways = c->cxl.granularity = c->cxl.size = -1;
	c->cxl.match = "";
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "region12" -> true; "regionx" -> false. */
bool sm_name_is_numbered(const char *s, const char *prefix)
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
	if (sm_name_is_numbered(s, "namespace"))
		set_name(c->ns, s, len);
	else if (sm_name_is_numbered(s, "pfn") || sm_name_is_numbered(s, "btt") ||
		 sm_name_is_numbered(s, "dax"))
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
		if (sm_name_is_numbered(s, "ndbus"))
			set_name(c->bus, s, len);
		else if (c->bus[0] && sm_name_is_numbered(s, "region") && !c->region[0]) {
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
		if (sm_name_is_numbered(names[i], "ndbus"))
			return true;
	return false;
}
