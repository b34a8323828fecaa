/* SPDX-License-Identifier: MIT */
/* sysfs.c: the device chain and its text (pure parsers). */
#ifndef SYNCMAP_SYSFS_H
#define SYNCMAP_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mountinfo.h"
#include "tree.h"


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

/* Memory the kernel maps like persistent memory but that does not keep
 * its contents: device DAX with no NVDIMM region behind it. */
enum sm_volatile {
	SM_VOLATILE_NO = 0,	/* not known to be volatile */
	SM_VOLATILE_HMEM,	/* dax_hmem: soft-reserved or HMAT memory */
	SM_VOLATILE_CXL_RAM,	/* a CXL region in ram mode */
};

#define SM_CXL_TARGETS_MAX 4

/* One endpoint decoder of a CXL region and the memory device behind it. */
struct sm_cxl_target {
	char decoder[SM_NAME_MAX];	/* "decoder2.0" */
	char endpoint[SM_NAME_MAX];	/* "endpoint2" */
	char memdev[SM_NAME_MAX];	/* "mem0" */
	char mode[16];			/* the decoder's: "pmem", "ram", ... */
	char serial[32];		/* as sysfs shows it: "0xc0ffee" */
	char firmware[SM_NAME_MAX];	/* firmware_version */
	long long pmem_size, ram_size;	/* bytes; -1 unknown */
};

/* The CXL region behind an NVDIMM region on a CXL bus, or behind a
 * device DAX of a CXL ram region. */
struct sm_cxl {
	bool found;			/* a CXL region was found */
	char region[SM_NAME_MAX];	/* "region0" under /sys/bus/cxl/devices */
	char mode[16];			/* "pmem", "ram"; "" unknown */
	const char *match;		/* how it was found (a static string) */
	long long ways, granularity, size;	/* -1 unknown */
	int ntargets;
	struct sm_cxl_target t[SM_CXL_TARGETS_MAX];
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
	enum sm_volatile volatile_mem;
	char hmem[SM_NAME_MAX];		/* "hmem.0": the dax_hmem device */
	struct sm_cxl cxl;
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

#endif
