/* SPDX-License-Identifier: MIT */
/*
 * The device chain through libndctl and libdaxctl, for the probe's report.
 * chain.c has already said which region and namespace back the file; here
 * libndctl confirms them and adds what it knows better: the namespace's
 * mode and alignment, the region's persistence domain, the DIMMs'
 * dirty-shutdown counts, and for device DAX the device's own alignment and
 * size from libdaxctl.  The decision never reads this view: it reads the
 * same attributes through sysfs, on every open, where building a libndctl
 * context would cost milliseconds.
 *
 * Built without libndctl (HAVE_NDCTL 0) the entry point says so with
 * -ENOTSUP and the probe reports the sysfs view alone.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "probe.h"

static void view_init(struct sm_ndctl_view *v)
{
	memset(v, 0, sizeof(*v));
	v->align = v->size = v->dirty_shutdown = -1;
}

#if HAVE_NDCTL
#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>

/* The library must not print: libndctl's default logger writes to
 * stderr, so route its messages to our own log at debug level. */
static void ndctl_quiet(struct ndctl_ctx *ctx, int priority, const char *file,
			int line, const char *fn, const char *format, va_list args)
{
	char msg[256];

	(void)ctx; (void)priority; (void)file; (void)line; (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	sm_log(SYNCMAP_LOG_DEBUG, "libndctl: %s", msg);
}

static void daxctl_quiet(struct daxctl_ctx *ctx, int priority, const char *file,
			 int line, const char *fn, const char *format, va_list args)
{
	char msg[256];

	(void)ctx; (void)priority; (void)file; (void)line; (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	sm_log(SYNCMAP_LOG_DEBUG, "libdaxctl: %s", msg);
}

static struct ndctl_region *find_region(struct ndctl_ctx *ctx, const char *name,
					struct ndctl_bus **busp)
{
	struct ndctl_bus *bus;
	struct ndctl_region *region;

	ndctl_bus_foreach(ctx, bus)
		ndctl_region_foreach(bus, region)
			if (!strcmp(ndctl_region_get_devname(region), name)) {
				*busp = bus;
				return region;
			}
	return NULL;
}

static struct ndctl_namespace *find_namespace(struct ndctl_region *region,
					      const char *name)
{
	struct ndctl_namespace *ns;

	ndctl_namespace_foreach(region, ns)
		if (!strcmp(ndctl_namespace_get_devname(ns), name))
			return ns;
	return NULL;
}

static enum sm_ns_mode mode_of(enum ndctl_namespace_mode m)
{
	switch (m) {
	case NDCTL_NS_MODE_FSDAX: return SM_NS_FSDAX;
	case NDCTL_NS_MODE_SECTOR: return SM_NS_SECTOR;
	case NDCTL_NS_MODE_RAW: return SM_NS_RAW;
	case NDCTL_NS_MODE_DEVDAX: return SM_NS_DEVDAX;
	default: return SM_NS_UNKNOWN;
	}
}

static enum sm_domain domain_of(enum ndctl_persistence_domain d)
{
	switch (d) {
	case PERSISTENCE_CPU_CACHE: return SM_DOMAIN_CPU_CACHE;
	case PERSISTENCE_MEM_CTRL: return SM_DOMAIN_MEM_CTRL;
	case PERSISTENCE_NONE: return SM_DOMAIN_NONE;
	default: return SM_DOMAIN_UNKNOWN;
	}
}

/* Device DAX: the daxctl device of this name under the namespace. */
static void describe_daxdev(struct ndctl_dax *dax, const struct sm_chain *c,
			    struct sm_ndctl_view *v)
{
	struct daxctl_region *dregion = ndctl_dax_get_daxctl_region(dax);
	struct daxctl_dev *dev;

	if (!dregion)
		return;
	daxctl_dev_foreach(dregion, dev) {
		if (strcmp(daxctl_dev_get_devname(dev), c->device))
			continue;
		v->align = (long long)daxctl_dev_get_align(dev);
		v->size = (long long)daxctl_dev_get_size(dev);
		return;
	}
}

static void describe_namespace(struct ndctl_namespace *ns, const struct sm_chain *c,
			       struct sm_ndctl_view *v)
{
	struct ndctl_pfn *pfn = ndctl_namespace_get_pfn(ns);
	struct ndctl_dax *dax = ndctl_namespace_get_dax(ns);
	enum sm_ns_mode mode = mode_of(ndctl_namespace_get_mode(ns));

	v->mode = mode;
	v->size = (long long)ndctl_namespace_get_size(ns);
	if (pfn)
		v->align = (long long)ndctl_pfn_get_align(pfn);
	if (dax) {
		v->align = (long long)ndctl_dax_get_align(dax);
		if (c->devdax)
			describe_daxdev(dax, c, v);
	}
}

/* Sum the unsafe-shutdown counts of the region's DIMMs; stays -1 when
 * no DIMM exposes one (QEMU's emulated NVDIMMs do not). */
static void describe_dimms(struct ndctl_region *region, struct sm_ndctl_view *v)
{
	struct ndctl_dimm *dimm;
	long long sum = -1;

	ndctl_dimm_foreach_in_region(region, dimm) {
		long long n = ndctl_dimm_get_dirty_shutdown(dimm);

		if (n >= 0)
			sum = (sum < 0 ? 0 : sum) + n;
	}
	v->dirty_shutdown = sum;
}

static int describe(struct ndctl_ctx *ctx, const struct sm_chain *c,
		    struct sm_ndctl_view *v)
{
	struct ndctl_bus *bus = NULL;
	struct ndctl_region *region = find_region(ctx, c->region, &bus);
	struct ndctl_namespace *ns;
	const char *provider;

	if (!region)
		return -ENODEV;
	v->domain = domain_of(ndctl_region_get_persistence_domain(region));
	provider = ndctl_bus_get_provider(bus);
	if (provider) {
		snprintf(v->provider, sizeof(v->provider), "%s", provider);
		v->virtio = strstr(provider, "virtio") != NULL;
	}
	describe_dimms(region, v);
	ns = c->ns[0] ? find_namespace(region, c->ns) : NULL;
	if (!ns)
		return -ENODEV;
	describe_namespace(ns, c, v);
	return 0;
}

int sm_ndctl_describe(const struct sm_chain *c, struct sm_ndctl_view *v)
{
	struct ndctl_ctx *ctx;
	struct daxctl_ctx *dctx;
	int r;

	view_init(v);
	if (!c->on_nd)
		return -ENODEV;
	r = ndctl_new(&ctx);
	if (r < 0)
		return r;
	ndctl_set_log_fn(ctx, ndctl_quiet);
	dctx = ndctl_get_daxctl_ctx(ctx);
	if (dctx)
		daxctl_set_log_fn(dctx, daxctl_quiet);
	r = describe(ctx, c, v);
	ndctl_unref(ctx);
	return r;
}

#else /* !HAVE_NDCTL */

int sm_ndctl_describe(const struct sm_chain *c, struct sm_ndctl_view *v)
{
	(void)c;
	view_init(v);
	return -ENOTSUP;
}

#endif
