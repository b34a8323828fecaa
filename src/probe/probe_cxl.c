/* SPDX-License-Identifier: MIT */
/*
 * The report's CXL facts: the CXL region the device chain found behind a
 * region on a CXL bus (or behind a device DAX of a ram region), its
 * decoders and memory devices, the health libcxl reads from the first
 * memory device, and one sentence, "memory", that says in words what the
 * memory is; the text report prints it as a line of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"

/* The targets' field at offset off (a char array), joined by commas. */
static void join_targets(const struct sm_cxl *x, size_t off, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < x->ntargets && n < size; i++) {
		const char *v = (const char *)&x->t[i] + off;

		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "," : "", *v ? v : "unknown");
	}
}

static void add_list(struct syncmap_probe *p, const struct sm_cxl *x, const char *key,
		     size_t off)
{
	char buf[SM_CXL_TARGETS_MAX * (SM_NAME_MAX + 1)];

	join_targets(x, off, buf, sizeof(buf));
	if (buf[0])
		sm_probe_add(p, key, SM_FACT_STRING, "%s", buf);
	else
		sm_probe_add(p, key, SM_FACT_NULL, "unknown");
}

/* Bytes over the targets' memory devices; -1 when none says. */
static long long capacity(const struct sm_cxl *x, bool pmem)
{
	long long sum = -1;

	for (int i = 0; i < x->ntargets; i++) {
		long long v = pmem ? x->t[i].pmem_size : x->t[i].ram_size;

		if (v >= 0)
			sum = (sum < 0 ? 0 : sum) + v;
	}
	return sum;
}

/* "CXL memory device mem0, serial 0xc0ffee, firmware X, through region0
 * (pmem, 1 way of 256 bytes, decoder2.0 of endpoint2)". */
static void memory_sentence(const struct sm_chain *c, char *out, size_t size)
{
	const struct sm_cxl *x = &c->cxl;
	const struct sm_cxl_target *t = &x->t[0];
	int n;

	if (c->volatile_mem == SM_VOLATILE_HMEM) {
		snprintf(out, size, "volatile memory: device DAX of dax_hmem (%s), memory the "
			 "firmware set aside as soft-reserved or specific-purpose, with no NVDIMM "
			 "region behind it; its contents do not survive a power cut", c->hmem);
		return;
	}
	if (!x->found) {
		out[0] = '\0';
		return;
	}
	n = snprintf(out, size, "%sCXL memory device %s, serial %s, firmware \"%s\", through %s "
		     "(mode %s, %lld way%s of %lld bytes, %s of %s)",
		     c->volatile_mem == SM_VOLATILE_CXL_RAM ? "volatile memory: " : "",
		     x->ntargets && t->memdev[0] ? t->memdev : "unknown",
		     x->ntargets && t->serial[0] ? t->serial : "unknown",
		     x->ntargets && t->firmware[0] ? t->firmware : "unknown", x->region,
		     x->mode[0] ? x->mode : "unknown", x->ways, x->ways == 1 ? "" : "s",
		     x->granularity, x->ntargets ? t->decoder : "no decoder",
		     x->ntargets && t->endpoint[0] ? t->endpoint : "no endpoint");
	if (n > 0 && (size_t)n < size && x->ntargets > 1)
		snprintf(out + n, size - n, ", and %d more device%s", x->ntargets - 1,
			 x->ntargets > 2 ? "s" : "");
}

static void emit_health(struct syncmap_probe *p, const struct sm_cxl_health *h)
{
	if (h->err == -ENOTSUP)
		sm_probe_add(p, "cxl_health", SM_FACT_STRING,
			     "unavailable: built without libcxl");
	else if (h->err < 0 && h->mbox_status > 0)
		sm_probe_add(p, "cxl_health", SM_FACT_STRING,
			     "unavailable: Get Health Info of %s failed with mailbox status %d (%s)",
			     h->memdev, h->mbox_status, h->mbox_text);
	else if (h->err < 0)
		sm_probe_add(p, "cxl_health", SM_FACT_STRING,
			     "unavailable: Get Health Info of %s failed: %s (errno %d)%s",
			     h->memdev[0] ? h->memdev : "the memory device", strerror(-h->err),
			     -h->err, h->err == -ENOTTY ? "; the kernel does not pass the command "
			     "to this device (its command effects log does not list it)" : "");
	else
		sm_probe_add(p, "cxl_health", SM_FACT_STRING, "libcxl: Get Health Info of %s",
			     h->memdev);
	sm_probe_add_number(p, "cxl_life_used_percent", h->life_used);
}

void sm_probe_emit_cxl(struct syncmap_probe *p, const struct sm_gather *g)
{
	const struct sm_chain *c = &g->facts.chain;
	const struct sm_cxl *x = &c->cxl;
	char sentence[512];

	memory_sentence(c, sentence, sizeof(sentence));
	if (sentence[0])
		sm_probe_add(p, "memory", SM_FACT_STRING, "%s", sentence);
	if (c->volatile_mem)
		sm_probe_add(p, "volatile_memory", SM_FACT_STRING, "%s",
			     c->volatile_mem == SM_VOLATILE_HMEM ? "dax_hmem" : "cxl_ram");
	if (!x->found)
		return;
	sm_probe_add(p, "cxl_region", SM_FACT_STRING, "%s", x->region);
	sm_probe_add(p, "cxl_region_found_by", SM_FACT_STRING, "%s", x->match);
	sm_probe_add(p, "cxl_region_mode", x->mode[0] ? SM_FACT_STRING : SM_FACT_NULL, "%s",
		     x->mode[0] ? x->mode : "unknown");
	sm_probe_add_number(p, "cxl_interleave_ways", x->ways);
	sm_probe_add_number(p, "cxl_interleave_granularity", x->granularity);
	sm_probe_add_number(p, "cxl_region_size", x->size);
	add_list(p, x, "cxl_decoders", offsetof(struct sm_cxl_target, decoder));
	add_list(p, x, "cxl_endpoints", offsetof(struct sm_cxl_target, endpoint));
	add_list(p, x, "cxl_memdevs", offsetof(struct sm_cxl_target, memdev));
	add_list(p, x, "cxl_serials", offsetof(struct sm_cxl_target, serial));
	add_list(p, x, "cxl_firmware_versions", offsetof(struct sm_cxl_target, firmware));
	sm_probe_add_number(p, "cxl_pmem_size", capacity(x, true));
	sm_probe_add_number(p, "cxl_ram_size", capacity(x, false));
	emit_health(p, &g->cxl_health);
}
