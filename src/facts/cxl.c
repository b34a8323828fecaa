/* SPDX-License-Identifier: MIT */
/*
 * The CXL part of the device chain, read in /sys/bus/cxl (the kernel's
 * Documentation/ABI/testing/sysfs-bus-cxl).  Persistent CXL memory reaches
 * a file through an NVDIMM region that the CXL driver registers on the bus
 * of an nvdimm-bridge (the bus's provider reads "CXL"); behind it stands a
 * CXL region (regionZ: its mode, interleave ways and granularity, and one
 * endpoint decoder per way in targetN), each decoder's port (endpointN,
 * whose uport is the memory device), and the memory device memN (serial,
 * firmware_version, pmem/size, ram/size).
 *
 * The NVDIMM region and the CXL region carry numbers of their own; they
 * are paired by the address range both cover (their "resource"), and
 * where that cannot be read (it may be root's alone) by being the only
 * CXL region with a pmem_region under it.  The fact says which.
 *
 * Device DAX that no NVDIMM region backs is volatile memory: dax_hmem
 * (a daxX.Y under an hmem.N platform device: soft-reserved or HMAT memory)
 * or a CXL region in ram mode (a daxX.Y under regionZ/dax_regionZ).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxl.h"
#include "tree.h"

#define CXL_DEVICES "/sys/bus/cxl/devices"

/* The last component of a path. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void copy_name(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The memory device behind an endpoint decoder: the decoder's directory
 * sits in its port's, and an endpoint port's uport is the memdev.  Not
 * inlined: its paths and the region's would make one frame too large. */
static __attribute__((noinline)) void target_facts(struct sm_cxl_target *t)
{
	char link[SM_SYSFS_MAX], dir[SM_SYSFS_MAX], mem[SM_SYSFS_MAX];
	char *slash;

	if (!sm_tree_join(link, sizeof(link), CXL_DEVICES, t->decoder) ||
	    sm_tree_resolve(link, dir, sizeof(dir)) < 0)
		return;
	sm_tree_attr(dir, "mode", t->mode, sizeof(t->mode));
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	copy_name(t->endpoint, sizeof(t->endpoint), base_name(dir), strlen(base_name(dir)));
	if (!sm_tree_join(link, sizeof(link), dir, "uport") ||
	    sm_tree_resolve(link, mem, sizeof(mem)) < 0)
		return;
	copy_name(t->memdev, sizeof(t->memdev), base_name(mem), strlen(base_name(mem)));
	sm_tree_attr(mem, "serial", t->serial, sizeof(t->serial));
	sm_tree_attr(mem, "firmware_version", t->firmware, sizeof(t->firmware));
	t->pmem_size = sm_tree_attr_number(mem, "pmem/size");
	t->ram_size = sm_tree_attr_number(mem, "ram/size");
}

/* The region's geometry and its targets, read from its own directory. */
static void region_facts(const char *name, const char *match, struct sm_cxl *x)
{
	char link[SM_SYSFS_MAX], dir[SM_SYSFS_MAX], attr[32];
	long long i;

	if (!sm_tree_join(link, sizeof(link), CXL_DEVICES, name) ||
	    sm_tree_resolve(link, dir, sizeof(dir)) < 0)
		return;
	x->found = true;
	x->match = match;
	snprintf(x->region, sizeof(x->region), "%s", name);
	/* "mode" came with Linux 6.3; before, the decoders say it. */
	sm_tree_attr(dir, "mode", x->mode, sizeof(x->mode));
	x->ways = sm_tree_attr_number(dir, "interleave_ways");
	x->granularity = sm_tree_attr_number(dir, "interleave_granularity");
	x->size = sm_tree_attr_number(dir, "size");
	for (i = 0; i < x->ways && x->ntargets < SM_CXL_TARGETS_MAX; i++) {
		struct sm_cxl_target *t = &x->t[x->ntargets];

		snprintf(attr, sizeof(attr), "target%lld", i);
		memset(t, 0, sizeof(*t));
		t->pmem_size = t->ram_size = -1;
		if (sm_tree_attr(dir, attr, t->decoder, sizeof(t->decoder)) <= 0)
			continue;
		target_facts(t);
		x->ntargets++;
	}
	if (!x->mode[0] && x->ntargets)
		snprintf(x->mode, sizeof(x->mode), "%s", x->t[0].mode);
}

/* The search of /sys/bus/cxl/devices for the region of an address. */
struct search {
	unsigned long long start;	/* the NVDIMM region's; 0 unknown */
	int pmem_regions;
	char by_start[SM_NAME_MAX], only_pmem[SM_NAME_MAX];
};

static bool has_pmem_region(const char *name)
{
	char path[SM_SYSFS_MAX], out[SM_SYSFS_MAX];

	snprintf(path, sizeof(path), CXL_DEVICES "/%s/pmem_%s", name, name);
	return sm_tree_resolve(path, out, sizeof(out)) == 0;
}

static int each_region(void *arg, const char *name)
{
	struct search *s = arg;
	char dir[SM_SYSFS_MAX];
	long long start;

	if (!sm_name_is_numbered(name, "region"))
		return 0;
	snprintf(dir, sizeof(dir), CXL_DEVICES "/%s", name);
	start = sm_tree_attr_number(dir, "resource");
	if (s->start && start > 0 && (unsigned long long)start == s->start) {
		snprintf(s->by_start, sizeof(s->by_start), "%s", name);
		return 1;
	}
	if (has_pmem_region(name)) {
		s->pmem_regions++;
		snprintf(s->only_pmem, sizeof(s->only_pmem), "%s", name);
	}
	return 0;
}

bool sm_cxl_bus(const struct sm_chain *c)
{
	return !strcmp(c->provider, "CXL") || strstr(c->region_dir, "/nvdimm-bridge");
}

/**
 * sm_cxl_of_nd() - the CXL region behind the NVDIMM region of @c
 *
 * Leaves c->cxl.found false when the bus is not CXL's or no region of
 * /sys/bus/cxl can be paired with the NVDIMM region.
 */
void sm_cxl_of_nd(struct sm_chain *c)
{
	struct search s;
	long long start;

	if (!c->on_nd || !sm_cxl_bus(c))
		return;
	memset(&s, 0, sizeof(s));
	start = sm_tree_attr_number(c->region_dir, "resource");
	s.start = start > 0 ? (unsigned long long)start : 0;
	sm_tree_list(CXL_DEVICES, each_region, &s);
	if (s.by_start[0])
		region_facts(s.by_start, "resource", &c->cxl);
	else if (s.pmem_regions == 1)
		region_facts(s.only_pmem, "only_pmem_region", &c->cxl);
}

/* "…/regionZ/dax_regionZ/daxX.Y": the CXL region named before a
 * dax_region component, or "". */
static void cxl_region_in_path(const char *dir, char *out, size_t size)
{
	const char *p = strstr(dir, "/dax_region");
	const char *start;

	out[0] = '\0';
	if (!p)
		return;
	for (start = p; start > dir && start[-1] != '/'; start--)
		;
	if (sm_name_is_numbered(start, "region"))
		copy_name(out, size, start, (size_t)(p - start));
}

/* "…/hmem.0/daxX.Y": the hmem platform device, or "". */
static void hmem_in_path(const char *dir, char *out, size_t size)
{
	const char *p = strstr(dir, "/hmem");

	out[0] = '\0';
	if (p && (p[5] == '.' || (p[5] >= '0' && p[5] <= '9')))
		copy_name(out, size, p + 1, strcspn(p + 1, "/"));
}

/**
 * sm_cxl_of_devdax() - is a device DAX with no NVDIMM region volatile?
 * @dir: the canonical sysfs directory of the daxX.Y device
 * @c: its chain (not on an NVDIMM bus); volatile_mem, hmem and cxl are set
 */
void sm_cxl_of_devdax(const char *dir, struct sm_chain *c)
{
	char region[SM_NAME_MAX];

	if (!c->devdax || c->on_nd)
		return;
	hmem_in_path(dir, c->hmem, sizeof(c->hmem));
	if (c->hmem[0]) {
		c->volatile_mem = SM_VOLATILE_HMEM;
		return;
	}
	cxl_region_in_path(dir, region, sizeof(region));
	if (!region[0])
		return;
	region_facts(region, "dax_region", &c->cxl);
	if (!strcmp(c->cxl.mode, "ram"))
		c->volatile_mem = SM_VOLATILE_CXL_RAM;
}
