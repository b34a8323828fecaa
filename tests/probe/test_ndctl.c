/* SPDX-License-Identifier: MIT */
/*
 * What ndctl.c concludes from libndctl and libdaxctl, with both libraries
 * replaced (-Wl,--wrap) by a fake NVDIMM topology built here: which
 * region and namespace it picks, the mode, alignment and persistence
 * domain it reports, the DIMM dirty-shutdown sum, virtio-pmem, device
 * DAX, and that it releases its context.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>

#include "probe.h"

struct fake_ns {
	const char *name;
	enum ndctl_namespace_mode mode;
	unsigned long long size;
	unsigned long pfn_align;	/* 0: no pfn device */
	unsigned long dax_align;	/* 0: no dax device */
	const char *daxdev;		/* libdaxctl device under it */
	unsigned long daxdev_align;
	unsigned long long daxdev_size;
};

struct fake_region {
	const char *name;
	enum ndctl_persistence_domain domain;
	struct fake_ns ns[3];
	int nns;
	long long dirty[3];
	int ndimms;
};

static struct {
	const char *provider;
	struct fake_region regions[3];
	int nregions;
	int new_err;
	int news, unrefs;
} topo;

static int ctx_token;

#define AS(type, p) ((struct type *)(void *)(p))

/* ---- the fake libndctl */

int __wrap_ndctl_new(struct ndctl_ctx **ctx);
int __wrap_ndctl_new(struct ndctl_ctx **ctx)
{
	if (topo.new_err)
		return topo.new_err;
	topo.news++;
	*ctx = AS(ndctl_ctx, &ctx_token);
	return 0;
}

struct ndctl_ctx *__wrap_ndctl_unref(struct ndctl_ctx *ctx);
struct ndctl_ctx *__wrap_ndctl_unref(struct ndctl_ctx *ctx)
{
	assert_ptr_equal(ctx, &ctx_token);
	topo.unrefs++;
	return NULL;
}

typedef void (*ndctl_log_fn)(struct ndctl_ctx *, int, const char *, int,
			     const char *, const char *, va_list);
typedef void (*daxctl_log_fn)(struct daxctl_ctx *, int, const char *, int,
			      const char *, const char *, va_list);

void __wrap_ndctl_set_log_fn(struct ndctl_ctx *ctx, ndctl_log_fn fn);
void __wrap_ndctl_set_log_fn(struct ndctl_ctx *ctx, ndctl_log_fn fn)
{
	(void)ctx;
	assert_non_null(fn);
}

struct daxctl_ctx *__wrap_ndctl_get_daxctl_ctx(struct ndctl_ctx *ctx);
struct daxctl_ctx *__wrap_ndctl_get_daxctl_ctx(struct ndctl_ctx *ctx)
{
	(void)ctx;
	return AS(daxctl_ctx, &ctx_token);
}

void __wrap_daxctl_set_log_fn(struct daxctl_ctx *ctx, daxctl_log_fn fn);
void __wrap_daxctl_set_log_fn(struct daxctl_ctx *ctx, daxctl_log_fn fn)
{
	(void)ctx;
	assert_non_null(fn);
}

struct ndctl_bus *__wrap_ndctl_bus_get_first(struct ndctl_ctx *ctx);
struct ndctl_bus *__wrap_ndctl_bus_get_first(struct ndctl_ctx *ctx)
{
	(void)ctx;
	return AS(ndctl_bus, &topo);
}

struct ndctl_bus *__wrap_ndctl_bus_get_next(struct ndctl_bus *bus);
struct ndctl_bus *__wrap_ndctl_bus_get_next(struct ndctl_bus *bus)
{
	(void)bus;
	return NULL;
}

const char *__wrap_ndctl_bus_get_provider(struct ndctl_bus *bus);
const char *__wrap_ndctl_bus_get_provider(struct ndctl_bus *bus)
{
	(void)bus;
	return topo.provider;
}

struct ndctl_region *__wrap_ndctl_region_get_first(struct ndctl_bus *bus);
struct ndctl_region *__wrap_ndctl_region_get_first(struct ndctl_bus *bus)
{
	(void)bus;
	return topo.nregions ? AS(ndctl_region, &topo.regions[0]) : NULL;
}

struct ndctl_region *__wrap_ndctl_region_get_next(struct ndctl_region *r);
struct ndctl_region *__wrap_ndctl_region_get_next(struct ndctl_region *r)
{
	long i = (struct fake_region *)(void *)r - topo.regions;

	return i + 1 < topo.nregions ? AS(ndctl_region, &topo.regions[i + 1]) : NULL;
}

const char *__wrap_ndctl_region_get_devname(struct ndctl_region *r);
const char *__wrap_ndctl_region_get_devname(struct ndctl_region *r)
{
	return ((struct fake_region *)(void *)r)->name;
}

enum ndctl_persistence_domain
__wrap_ndctl_region_get_persistence_domain(struct ndctl_region *r);
enum ndctl_persistence_domain
__wrap_ndctl_region_get_persistence_domain(struct ndctl_region *r)
{
	return ((struct fake_region *)(void *)r)->domain;
}

/* A DIMM is a pointer to its dirty-shutdown count in the region. */
struct ndctl_dimm *__wrap_ndctl_region_get_first_dimm(struct ndctl_region *r);
struct ndctl_dimm *__wrap_ndctl_region_get_first_dimm(struct ndctl_region *r)
{
	struct fake_region *fr = (void *)r;

	return fr->ndimms ? AS(ndctl_dimm, &fr->dirty[0]) : NULL;
}

struct ndctl_dimm *__wrap_ndctl_region_get_next_dimm(struct ndctl_region *r,
						      struct ndctl_dimm *d);
struct ndctl_dimm *__wrap_ndctl_region_get_next_dimm(struct ndctl_region *r,
						      struct ndctl_dimm *d)
{
	struct fake_region *fr = (void *)r;
	long i = (long long *)(void *)d - fr->dirty;

	return i + 1 < fr->ndimms ? AS(ndctl_dimm, &fr->dirty[i + 1]) : NULL;
}

long long __wrap_ndctl_dimm_get_dirty_shutdown(struct ndctl_dimm *d);
long long __wrap_ndctl_dimm_get_dirty_shutdown(struct ndctl_dimm *d)
{
	return *(long long *)(void *)d;
}

static struct fake_region *region_of_ns(const struct fake_ns *ns)
{
	int i, j;

	for (i = 0; i < topo.nregions; i++)
		for (j = 0; j < topo.regions[i].nns; j++)
			if (&topo.regions[i].ns[j] == ns)
				return &topo.regions[i];
	fail_msg("namespace outside the topology");
	return NULL;
}

struct ndctl_namespace *__wrap_ndctl_namespace_get_first(struct ndctl_region *r);
struct ndctl_namespace *__wrap_ndctl_namespace_get_first(struct ndctl_region *r)
{
	struct fake_region *fr = (void *)r;

	return fr->nns ? AS(ndctl_namespace, &fr->ns[0]) : NULL;
}

struct ndctl_namespace *__wrap_ndctl_namespace_get_next(struct ndctl_namespace *n);
struct ndctl_namespace *__wrap_ndctl_namespace_get_next(struct ndctl_namespace *n)
{
	struct fake_ns *ns = (void *)n;
	struct fake_region *fr = region_of_ns(ns);
	long i = ns - fr->ns;

	return i + 1 < fr->nns ? AS(ndctl_namespace, &fr->ns[i + 1]) : NULL;
}

const char *__wrap_ndctl_namespace_get_devname(struct ndctl_namespace *n);
const char *__wrap_ndctl_namespace_get_devname(struct ndctl_namespace *n)
{
	return ((struct fake_ns *)(void *)n)->name;
}

enum ndctl_namespace_mode __wrap_ndctl_namespace_get_mode(struct ndctl_namespace *n);
enum ndctl_namespace_mode __wrap_ndctl_namespace_get_mode(struct ndctl_namespace *n)
{
	return ((struct fake_ns *)(void *)n)->mode;
}

unsigned long long __wrap_ndctl_namespace_get_size(struct ndctl_namespace *n);
unsigned long long __wrap_ndctl_namespace_get_size(struct ndctl_namespace *n)
{
	return ((struct fake_ns *)(void *)n)->size;
}

struct ndctl_pfn *__wrap_ndctl_namespace_get_pfn(struct ndctl_namespace *n);
struct ndctl_pfn *__wrap_ndctl_namespace_get_pfn(struct ndctl_namespace *n)
{
	return ((struct fake_ns *)(void *)n)->pfn_align ? AS(ndctl_pfn, n) : NULL;
}

unsigned long __wrap_ndctl_pfn_get_align(struct ndctl_pfn *p);
unsigned long __wrap_ndctl_pfn_get_align(struct ndctl_pfn *p)
{
	return ((struct fake_ns *)(void *)p)->pfn_align;
}

struct ndctl_dax *__wrap_ndctl_namespace_get_dax(struct ndctl_namespace *n);
struct ndctl_dax *__wrap_ndctl_namespace_get_dax(struct ndctl_namespace *n)
{
	return ((struct fake_ns *)(void *)n)->dax_align ? AS(ndctl_dax, n) : NULL;
}

unsigned long __wrap_ndctl_dax_get_align(struct ndctl_dax *d);
unsigned long __wrap_ndctl_dax_get_align(struct ndctl_dax *d)
{
	return ((struct fake_ns *)(void *)d)->dax_align;
}

/* ---- the fake libdaxctl: one device per dax namespace */

struct daxctl_region *__wrap_ndctl_dax_get_daxctl_region(struct ndctl_dax *d);
struct daxctl_region *__wrap_ndctl_dax_get_daxctl_region(struct ndctl_dax *d)
{
	return AS(daxctl_region, d);
}

struct daxctl_dev *__wrap_daxctl_dev_get_first(struct daxctl_region *r);
struct daxctl_dev *__wrap_daxctl_dev_get_first(struct daxctl_region *r)
{
	return ((struct fake_ns *)(void *)r)->daxdev ? AS(daxctl_dev, r) : NULL;
}

struct daxctl_dev *__wrap_daxctl_dev_get_next(struct daxctl_dev *d);
struct daxctl_dev *__wrap_daxctl_dev_get_next(struct daxctl_dev *d)
{
	(void)d;
	return NULL;
}

const char *__wrap_daxctl_dev_get_devname(struct daxctl_dev *d);
const char *__wrap_daxctl_dev_get_devname(struct daxctl_dev *d)
{
	return ((struct fake_ns *)(void *)d)->daxdev;
}

unsigned long __wrap_daxctl_dev_get_align(struct daxctl_dev *d);
unsigned long __wrap_daxctl_dev_get_align(struct daxctl_dev *d)
{
	return ((struct fake_ns *)(void *)d)->daxdev_align;
}

unsigned long long __wrap_daxctl_dev_get_size(struct daxctl_dev *d);
unsigned long long __wrap_daxctl_dev_get_size(struct daxctl_dev *d)
{
	return ((struct fake_ns *)(void *)d)->daxdev_size;
}

/* ---- the tests */

#define MiB (1ull << 20)

/* Two regions: an fsdax and a raw namespace on ADR, a devdax on eADR. */
static int setup(void **state)
{
	(void)state;
	memset(&topo, 0, sizeof(topo));
	topo.provider = "ACPI.NFIT";
	topo.nregions = 2;
	topo.regions[0] = (struct fake_region){
		.name = "region0", .domain = PERSISTENCE_MEM_CTRL, .nns = 2,
		.ns = {
			{ .name = "namespace0.0", .mode = NDCTL_NS_MODE_FSDAX,
			  .size = 510 * MiB, .pfn_align = 2 * MiB },
			{ .name = "namespace0.1", .mode = NDCTL_NS_MODE_RAW,
			  .size = 512 * MiB },
		},
		.ndimms = 3, .dirty = { 3, -EOPNOTSUPP, 4 },
	};
	topo.regions[1] = (struct fake_region){
		.name = "region1", .domain = PERSISTENCE_CPU_CACHE, .nns = 1,
		.ns = {
			{ .name = "namespace1.0", .mode = NDCTL_NS_MODE_DEVDAX,
			  .size = 1024 * MiB, .dax_align = 2 * MiB,
			  .daxdev = "dax1.0", .daxdev_align = 1024 * MiB,
			  .daxdev_size = 1008 * MiB },
		},
		.ndimms = 1, .dirty = { -ENXIO },
	};
	return 0;
}

/* The chain as sysfs.c would leave it before libndctl is asked. */
static void chain(struct sm_chain *c, const char *region, const char *ns,
		  const char *device)
{
	sm_chain_init(c);
	c->nvdimm_bus = c->resolved = c->on_nd = true;
	snprintf(c->region, sizeof(c->region), "%s", region);
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	snprintf(c->device, sizeof(c->device), "%s", device);
	c->domain = SM_DOMAIN_UNKNOWN;
}

static void test_fsdax(void **state)
{
	struct sm_ndctl_view v;
	struct sm_chain c;

	(void)state;
	chain(&c, "region0", "namespace0.0", "pmem0");
	assert_int_equal(sm_ndctl_describe(&c, &v), 0);
	assert_int_equal(v.mode, SM_NS_FSDAX);
	assert_int_equal(v.align, 2 * MiB);
	assert_int_equal(v.size, 510 * MiB);
	assert_int_equal(v.domain, SM_DOMAIN_MEM_CTRL);
	assert_string_equal(v.provider, "ACPI.NFIT");
	assert_false(v.virtio);
	/* DIMMs that do not report are left out of the sum. */
	assert_int_equal(v.dirty_shutdown, 7);
	/* The chain the decision reads is left as sysfs made it. */
	assert_int_equal(c.mode, SM_NS_UNKNOWN);
	assert_int_equal(c.domain, SM_DOMAIN_UNKNOWN);
	assert_int_equal(topo.news, 1);
	assert_int_equal(topo.unrefs, 1);
}

/* The namespace is looked up in its own region, not the first one. */
static void test_raw_second_namespace(void **state)
{
	struct sm_ndctl_view v;
	struct sm_chain c;

	(void)state;
	chain(&c, "region0", "namespace0.1", "pmem1");
	assert_int_equal(sm_ndctl_describe(&c, &v), 0);
	assert_int_equal(v.mode, SM_NS_RAW);
	assert_int_equal(v.align, -1);
	assert_int_equal(v.size, 512 * MiB);
}

static void test_devdax(void **state)
{
	struct sm_ndctl_view v;
	struct sm_chain c;

	(void)state;
	chain(&c, "region1", "namespace1.0", "dax1.0");
	c.devdax = true;
	assert_int_equal(sm_ndctl_describe(&c, &v), 0);
	assert_int_equal(v.mode, SM_NS_DEVDAX);
	assert_int_equal(v.domain, SM_DOMAIN_CPU_CACHE);
	/* The device's own alignment and size win over the namespace's. */
	assert_int_equal(v.align, 1024 * MiB);
	assert_int_equal(v.size, 1008 * MiB);
	assert_int_equal(v.dirty_shutdown, -1);
}

static void test_unknown_domain(void **state)
{
	struct sm_ndctl_view v;
	struct sm_chain c;

	(void)state;
	topo.regions[0].domain = PERSISTENCE_UNKNOWN;
	chain(&c, "region0", "namespace0.0", "pmem0");
	assert_int_equal(sm_ndctl_describe(&c, &v), 0);
	assert_int_equal(v.domain, SM_DOMAIN_UNKNOWN);
}

static void test_virtio(void **state)
{
	struct sm_ndctl_view v;
	struct sm_chain c;

	(void)state;
	topo.provider = "virtio_pmem";
	topo.regions[0].domain = PERSISTENCE_NONE;
	chain(&c, "region0", "namespace0.0", "pmem0");
	assert_int_equal(sm_ndctl_describe(&c, &v), 0);
	assert_true(v.virtio);
	assert_int_equal(v.domain, SM_DOMAIN_NONE);
}

static void test_not_found(void **state)
{
	struct sm_ndctl_view v;
	struct sm_chain c;

	(void)state;
	chain(&c, "region7", "namespace7.0", "pmem7");
	assert_int_equal(sm_ndctl_describe(&c, &v), -ENODEV);
	assert_int_equal(v.mode, SM_NS_UNKNOWN);
	assert_int_equal(v.dirty_shutdown, -1);
	chain(&c, "region0", "namespace0.9", "pmem9");
	assert_int_equal(sm_ndctl_describe(&c, &v), -ENODEV);
	assert_int_equal(topo.news, topo.unrefs);
}

static void test_not_on_bus_or_no_context(void **state)
{
	struct sm_ndctl_view v;
	struct sm_chain c;

	(void)state;
	sm_chain_init(&c);
	assert_int_equal(sm_ndctl_describe(&c, &v), -ENODEV);
	assert_int_equal(topo.news, 0);
	topo.new_err = -ENOMEM;
	chain(&c, "region0", "namespace0.0", "pmem0");
	assert_int_equal(sm_ndctl_describe(&c, &v), -ENOMEM);
	assert_int_equal(topo.unrefs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fsdax, setup),
		cmocka_unit_test_setup(test_raw_second_namespace, setup),
		cmocka_unit_test_setup(test_devdax, setup),
		cmocka_unit_test_setup(test_unknown_domain, setup),
		cmocka_unit_test_setup(test_virtio, setup),
		cmocka_unit_test_setup(test_not_found, setup),
		cmocka_unit_test_setup(test_not_on_bus_or_no_context, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
