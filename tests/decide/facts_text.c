/* SPDX-License-Identifier: MIT */
/* The facts a walk found, as text: written by the capture in the guest,
 * and again by the fixture test on the host, which compares the two. */
#include <stdio.h>

#include "facts_text.h"

/* What the live walk found, to be found again on the captured tree. */
void sm_write_facts(FILE *o, const struct sm_facts *f)
{
	const struct sm_chain *c = &f->chain;

	fprintf(o, "target %d\n", (int)f->target);
	fprintf(o, "fstype %d %s\n", f->have_type, f->have_type ? f->fstype : "-");
	fprintf(o, "mount %d %s %s %d\n", f->have_mount, f->have_mount ? f->mount.source : "-",
		f->have_mount ? f->mount.point : "-", (int)f->mount.dax);
	fprintf(o, "chain %d %d %d %d %d %d\n", f->chain_err, c->nvdimm_bus, c->resolved,
		c->on_nd, c->devdax, c->virtio);
	fprintf(o, "names %s %s %s %s %s %s\n", c->device[0] ? c->device : "-",
		c->bus[0] ? c->bus : "-", c->region[0] ? c->region : "-",
		c->claim[0] ? c->claim : "-", c->ns[0] ? c->ns : "-",
		c->provider[0] ? c->provider : "-");
	fprintf(o, "region %d %d %d %lld %lld\n", (int)c->mode, (int)c->domain, c->deep_flush,
		c->align, c->size);
	fprintf(o, "devdax %lld %lld\n", f->devdax_size, f->devdax_align);
	if (c->volatile_mem || c->hmem[0])
		fprintf(o, "volatile %d %s\n", (int)c->volatile_mem, c->hmem[0] ? c->hmem : "-");
	if (!c->cxl.found)
		return;
	fprintf(o, "cxl %s %s %s %lld %lld %lld %d\n", c->cxl.region,
		c->cxl.mode[0] ? c->cxl.mode : "-", c->cxl.match, c->cxl.ways,
		c->cxl.granularity, c->cxl.size, c->cxl.ntargets);
	for (int i = 0; i < c->cxl.ntargets; i++) {
		const struct sm_cxl_target *t = &c->cxl.t[i];

		fprintf(o, "cxl_target %s %s %s %s %s %s %lld %lld\n", t->decoder,
			t->endpoint[0] ? t->endpoint : "-", t->memdev[0] ? t->memdev : "-",
			t->mode[0] ? t->mode : "-", t->serial[0] ? t->serial : "-",
			t->firmware[0] ? t->firmware : "-", t->pmem_size, t->ram_size);
	}
}

