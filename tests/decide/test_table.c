/* SPDX-License-Identifier: MIT */
/*
 * The README's "Which path you get" table is the decision's specification.
 * This test reads the table, and for every row describes the machines the
 * row speaks of as facts, the kernel's answer, and the caller's flags, runs
 * the one decision open and the probe share (sm_decide), and checks the
 * granularity and the cause against the row's own cells; then again with
 * SYNCMAP_REQUIRE_SYNC, which must turn every page row into -EOPNOTSUPP
 * with the same cause.  A row of the table without a machine here fails,
 * and so does a machine whose row is gone.
 *
 * usage: test-table README.md
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "internal.h"

#define CELL_MAX 512
#define VARIANTS_MAX 2

static const char *readme;

/* ---- The machines. */

static void cpu_x86(struct sm_facts *f)
{
	f->cpu.arch = "x86_64";
	f->cpu.line = 64;
	f->cpu.have = SM_INSN_BIT(SYNCMAP_INSN_CLWB) | SM_INSN_BIT(SYNCMAP_INSN_CLFLUSHOPT) |
		      SM_INSN_BIT(SYNCMAP_INSN_CLFLUSH);
	f->cpu.prefer[0] = SYNCMAP_INSN_CLWB;
	f->cpu.prefer[1] = SYNCMAP_INSN_CLFLUSHOPT;
	f->cpu.prefer[2] = SYNCMAP_INSN_CLFLUSH;
}

/* A file on FS mounted with the dax option DAX on /dev/pmem0, an fsdax
 * namespace of region0 whose domain is DOMAIN. */
static void pmem_file(struct sm_facts *f, const char *fs, enum sm_dax_opt dax,
		      enum sm_domain domain)
{
	struct sm_chain *c = &f->chain;

	memset(f, 0, sizeof(*f));
	f->target = SM_TARGET_FILE;
	f->fd.mode = S_IFREG | 0600;
	f->fd.statx_dax = dax == SM_DAX_OPT_ALWAYS;
	f->fd.xflag_dax = 0;
	f->fd.mount_id = -1;
	snprintf(f->fd.path, sizeof(f->fd.path), "/mnt/pmem/data");
	f->have_type = true;
	snprintf(f->fstype, sizeof(f->fstype), "%s", fs);
	f->have_mount = true;
	snprintf(f->mount.fstype, sizeof(f->mount.fstype), "%s", fs);
	snprintf(f->mount.source, sizeof(f->mount.source), "/dev/pmem0");
	snprintf(f->mount.point, sizeof(f->mount.point), "/mnt/pmem");
	f->mount.dax = dax;
	sm_chain_init(c);
	c->nvdimm_bus = c->resolved = c->on_nd = true;
	snprintf(c->device, sizeof(c->device), "pmem0");
	snprintf(c->bus, sizeof(c->bus), "ndbus0");
	snprintf(c->region, sizeof(c->region), "region0");
	snprintf(c->claim, sizeof(c->claim), "pfn0.1");
	snprintf(c->ns, sizeof(c->ns), "namespace0.0");
	c->mode = SM_NS_FSDAX;
	c->domain = domain;
	f->devdax_size = f->devdax_align = -1;
	cpu_x86(f);
}

static enum sm_domain variant_domain(int v)
{
	return v ? SM_DOMAIN_CPU_CACHE : SM_DOMAIN_MEM_CTRL;
}

/* What a machine gives to the decision. */
struct machine {
	struct sm_facts f;
	struct sm_trial t;
	unsigned flags;
};

static void answer(struct machine *m, int sync)
{
	m->t.sync = sync;
	m->t.plain = m->t.validate = SM_NOT_TRIED;
	m->t.len = 1u << 20;
}

static void row_dax(struct machine *m, int v)
{
	pmem_file(&m->f, v ? "xfs" : "ext4", SM_DAX_OPT_ALWAYS, SM_DOMAIN_MEM_CTRL);
	answer(m, 0);
}

static void row_eadr(struct machine *m, int v)
{
	(void)v;
	pmem_file(&m->f, "ext4", SM_DAX_OPT_ALWAYS, SM_DOMAIN_CPU_CACHE);
	answer(m, 0);
}

static void row_inode_flag(struct machine *m, int v)
{
	pmem_file(&m->f, "xfs", SM_DAX_OPT_INODE, variant_domain(v));
	m->f.fd.xflag_dax = m->f.fd.statx_dax = 1;
	answer(m, 0);
}

static void row_devdax(struct machine *m, int v)
{
	struct sm_chain *c = &m->f.chain;

	pmem_file(&m->f, "ext4", SM_DAX_OPT_NONE, variant_domain(v));
	m->f.target = SM_TARGET_DEVDAX;
	m->f.fd.mode = S_IFCHR | 0600;
	m->f.have_type = m->f.have_mount = false;
	c->devdax = true;
	snprintf(c->device, sizeof(c->device), "dax0.0");
	snprintf(c->claim, sizeof(c->claim), "dax0.1");
	c->mode = SM_NS_DEVDAX;
	m->f.devdax_size = 508 << 20;
	m->f.devdax_align = 2 << 20;
	answer(m, 0);
}

/* An fsdax namespace of a CXL pmem region: the bus is CXL's, the domain
 * the memory controller, and the chain names the region and device. */
static void row_cxl_pmem(struct machine *m, int v)
{
	struct sm_chain *c = &m->f.chain;

	pmem_file(&m->f, v ? "xfs" : "ext4", SM_DAX_OPT_ALWAYS, SM_DOMAIN_MEM_CTRL);
	snprintf(c->provider, sizeof(c->provider), "CXL");
	c->cxl.found = true;
	snprintf(c->cxl.region, sizeof(c->cxl.region), "region0");
	snprintf(c->cxl.mode, sizeof(c->cxl.mode), "pmem");
	c->cxl.ntargets = 1;
	snprintf(c->cxl.t[0].memdev, sizeof(c->cxl.t[0].memdev), "mem0");
	answer(m, 0);
}

/* Device DAX with no NVDIMM region: dax_hmem, or a CXL ram region.  The
 * kernel grants MAP_SYNC on both. */
static void row_volatile(struct machine *m, int v)
{
	struct sm_chain *c = &m->f.chain;

	row_devdax(m, 0);
	sm_chain_init(c);
	c->resolved = c->devdax = true;
	snprintf(c->device, sizeof(c->device), "dax0.0");
	if (v) {
		c->volatile_mem = SM_VOLATILE_CXL_RAM;
		c->cxl.found = true;
		snprintf(c->cxl.region, sizeof(c->cxl.region), "region0");
		snprintf(c->cxl.mode, sizeof(c->cxl.mode), "ram");
	} else {
		c->volatile_mem = SM_VOLATILE_HMEM;
		snprintf(c->hmem, sizeof(c->hmem), "hmem.0");
	}
	answer(m, 0);
}

static void row_inode_noflag(struct machine *m, int v)
{
	(void)v;
	pmem_file(&m->f, "ext4", SM_DAX_OPT_INODE, SM_DOMAIN_MEM_CTRL);
	answer(m, -EOPNOTSUPP);
}

static void row_no_dax(struct machine *m, int v)
{
	pmem_file(&m->f, v ? "xfs" : "ext4", v ? SM_DAX_OPT_NONE : SM_DAX_OPT_NEVER,
		  SM_DOMAIN_MEM_CTRL);
	answer(m, -EOPNOTSUPP);
}

static void row_not_capable(struct machine *m, int v)
{
	(void)v;
	pmem_file(&m->f, "tmpfs", SM_DAX_OPT_NONE, SM_DOMAIN_UNKNOWN);
	snprintf(m->f.mount.source, sizeof(m->f.mount.source), "tmpfs");
	snprintf(m->f.mount.point, sizeof(m->f.mount.point), "/dev/shm");
	sm_chain_init(&m->f.chain);
	m->f.chain.nvdimm_bus = true;
	answer(m, -EOPNOTSUPP);
}

static void row_no_pmem(struct machine *m, int v)
{
	(void)v;
	pmem_file(&m->f, "ext4", SM_DAX_OPT_NONE, SM_DOMAIN_UNKNOWN);
	snprintf(m->f.mount.source, sizeof(m->f.mount.source), "/dev/vda1");
	sm_chain_init(&m->f.chain);
	m->f.chain.resolved = true;
	snprintf(m->f.chain.device, sizeof(m->f.chain.device), "vda1");
	answer(m, -EOPNOTSUPP);
}

static void row_raw_or_virtio(struct machine *m, int v)
{
	struct sm_chain *c = &m->f.chain;

	pmem_file(&m->f, "ext4", SM_DAX_OPT_ALWAYS, v ? SM_DOMAIN_NONE : SM_DOMAIN_MEM_CTRL);
	c->claim[0] = '\0';
	if (v) {
		c->virtio = true;
		snprintf(c->provider, sizeof(c->provider), "virtio_pmem");
	} else {
		c->mode = SM_NS_RAW;
	}
	answer(m, -EOPNOTSUPP);
}

static void row_old_kernel(struct machine *m, int v)
{
	(void)v;
	pmem_file(&m->f, "ext4", SM_DAX_OPT_ALWAYS, SM_DOMAIN_MEM_CTRL);
	answer(m, -EINVAL);
	m->t.plain = 0;
	m->t.validate = 0;
}

static void row_no_insn(struct machine *m, int v)
{
	(void)v;
	pmem_file(&m->f, "ext4", SM_DAX_OPT_ALWAYS, SM_DOMAIN_MEM_CTRL);
	m->f.cpu.have = 0;
	answer(m, 0);
}

static void row_flags(struct machine *m, int v)
{
	pmem_file(&m->f, "ext4", SM_DAX_OPT_ALWAYS, SM_DOMAIN_MEM_CTRL);
	answer(m, v ? 0 : SM_NOT_TRIED);
	m->flags = v ? SYNCMAP_FORBID_SYNC : SYNCMAP_RDONLY;
	if (!v)
		m->t.sync = SM_NOT_TRIED;
}

/* SYNCMAP_JOURNAL: a page path becomes the journal, MAP_SYNC stays. */
static void row_journal(struct machine *m, int v)
{
	if (v) {
		row_flags(m, 1);
	} else {
		row_no_dax(m, 0);
		m->flags = 0;
	}
	m->flags |= SYNCMAP_JOURNAL;
}

static const struct row {
	const char *where;	/* the first cell, exactly */
	void (*make)(struct machine *m, int variant);
	int variants;
	bool flags;		/* the row is about flags: REQUIRE_SYNC does not apply */
} rows[] = {
	{ "ext4 or xfs mounted `-o dax` (or `dax=always`) on an NVDIMM, ADR platform "
	  "(`persistence_domain` = `memory_controller`)", row_dax, 2, false },
	{ "the same on an eADR platform (`persistence_domain` = `cpu_cache`)", row_eadr, 1, false },
	{ "ext4 or xfs `-o dax=inode`, file with `FS_XFLAG_DAX`", row_inode_flag, 2, false },
	{ "device DAX `/dev/daxX.Y` (offset and length in multiples of its alignment)",
	  row_devdax, 2, false },
	{ "CXL persistent memory: ext4 or xfs `-o dax`, or device DAX, on a pmem region under an "
	  "`nvdimm-bridge` (`bus_provider` `CXL`, `persistence_domain` = `memory_controller`)",
	  row_cxl_pmem, 2, false },
	{ "device DAX on volatile memory: `dax_hmem` (soft-reserved memory) / a CXL `ram` region",
	  row_volatile, 2, false },
	{ "ext4 `-o dax=inode`, file without the flag", row_inode_noflag, 1, false },
	{ "ext4 or xfs without DAX", row_no_dax, 2, false },
	{ "tmpfs, btrfs, NFS, other non-DAX file systems", row_not_capable, 1, false },
	{ "a machine with no persistent memory at all", row_no_pmem, 1, false },
	{ "NVDIMM namespace in raw mode; virtio-pmem", row_raw_or_virtio, 2, false },
	{ "kernel older than 4.15 (no `MAP_SHARED_VALIDATE`)", row_old_kernel, 1, false },
	{ "CPU without a cache write-back instruction", row_no_insn, 1, false },
	{ "opened with `SYNCMAP_RDONLY` / `SYNCMAP_FORBID_SYNC`", row_flags, 2, true },
	{ "opened with `SYNCMAP_JOURNAL`: ext4 or xfs without DAX / with `SYNCMAP_FORBID_SYNC`",
	  row_journal, 2, true },
};

/* ---- The table. */

struct cells {
	char where[CELL_MAX], gran[CELL_MAX], cause[CELL_MAX];
};

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	while (s[i] == ' ')
		i++;
	memmove(s, s + i, n - i + 1);
}

/* "| a | b | c | d |" into four cells; false for anything else. */
static bool split_row(const char *line, struct cells *c)
{
	char buf[4 * CELL_MAX], *cell[5], *p;
	int n = 0;

	if (line[0] != '|' || strlen(line) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", line + 1);
	for (p = buf; n < 5 && (cell[n] = p) && (p = strchr(p, '|')); n++)
		*p++ = '\0';
	if (n != 4)
		return false;
	for (int i = 0; i < 4; i++)
		trim(cell[i]);
	snprintf(c->where, sizeof(c->where), "%s", cell[0]);
	snprintf(c->gran, sizeof(c->gran), "%s", cell[1]);
	snprintf(c->cause, sizeof(c->cause), "%s", cell[3]);
	return true;
}

/* The v-th of "`a` / `b`" or "`a`; `b`", without the backquotes; a cell
 * with one value gives it for every variant. */
static void alternative(const char *cell, int v, char *out, size_t size)
{
	char buf[64], *parts[VARIANTS_MAX + 1], *p = buf, *q = out;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", cell);
	parts[n++] = p;
	while (n <= VARIANTS_MAX && (p = strpbrk(p, "/;")) != NULL) {
		*p++ = '\0';
		parts[n++] = p;
	}
	snprintf(out, size, "%s", parts[v < n ? v : 0]);
	for (p = out; *p; p++)
		if (*p != '`' && *p != ' ')
			*q++ = *p;
	*q = '\0';
}

static int read_table(struct cells *out, int max)
{
	FILE *f = fopen(readme, "r");
	char line[4 * CELL_MAX];
	bool in = false;
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "## ", 3))
			in = !strcmp(line, "## Which path you get\n");
		else if (in && n < max && split_row(line, &out[n]) &&
			 strcmp(out[n].where, "where the file is") && strncmp(out[n].where, "---", 3))
			n++;
	}
	fclose(f);
	return n;
}

/* ---- The test. */

static void check_variant(const struct row *r, const struct cells *c, int v)
{
	char gran[64], cause[64];
	struct sm_decision d;
	struct sm_policy p = { 0, SM_FORCE_NONE };
	struct machine m;

	alternative(c->gran, v, gran, sizeof(gran));
	alternative(c->cause, v, cause, sizeof(cause));
	memset(&m, 0, sizeof(m));
	r->make(&m, v);
	p.flags = m.flags;
	sm_decide(&m.f, &m.t, &p, &d);
	if (d.err || strcmp(syncmap_granularity_name(d.gran), gran) ||
	    strcmp(syncmap_cause_name(d.cause), cause))
		fail_msg("row \"%s\" (machine %d): got err %d, %s, %s; the table says %s, %s",
			 r->where, v, d.err, syncmap_granularity_name(d.gran),
			 syncmap_cause_name(d.cause), gran, cause);
	/* The journal is taken exactly where the flag meets a page path,
	 * and its advice says where the journal is. */
	assert_int_equal(d.journal, (m.flags & SYNCMAP_JOURNAL) != 0);
	if (d.journal) {
		assert_non_null(strstr(d.advice, "/mnt/pmem/data.syncmap-journal"));
		assert_int_equal(d.insn, SYNCMAP_INSN_NONE);
		return;
	}
	/* A page row names its cause in a sentence; a fast row has none. */
	if (d.gran == SYNCMAP_GRAN_PAGE)
		assert_true(strlen(d.advice) > 20);
	else
		assert_string_equal(d.advice, "");
	if (d.gran == SYNCMAP_GRAN_CACHE_LINE)
		assert_int_equal(d.insn, SYNCMAP_INSN_CLWB);
	if (r->flags)
		return;
	/* REQUIRE_SYNC: every page row fails with the same cause. */
	p.flags |= SYNCMAP_REQUIRE_SYNC;
	sm_decide(&m.f, &m.t, &p, &d);
	if (!strcmp(gran, "page")) {
		assert_int_equal(d.err, -EOPNOTSUPP);
		assert_string_equal(syncmap_cause_name(d.cause), cause);
		assert_non_null(strstr(d.advice, "required"));
	} else {
		assert_int_equal(d.err, 0);
	}
}

static void test_every_row(void **state)
{
	struct cells c[32];
	int n = read_table(c, 32), checked = 0;
	bool used[sizeof(rows) / sizeof(rows[0])] = { false };

	(void)state;
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
			if (!strcmp(rows[k].where, c[i].where))
				break;
		if (k == sizeof(rows) / sizeof(rows[0]))
			fail_msg("README row \"%s\" has no machine in this test", c[i].where);
		used[k] = true;
		for (int v = 0; v < rows[k].variants; v++, checked++)
			check_variant(&rows[k], &c[i], v);
	}
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		if (!used[k])
			fail_msg("machine \"%s\" has no row in the README", rows[k].where);
	print_message("%d rows, %d machines decided as the README says\n", n, checked);
}

/* The control: a decision that disagrees with a row must be caught.  The
 * eADR machine on an ADR region decides cache_line, not the row's byte. */
static void test_control(void **state)
{
	struct cells c = { .where = "", .gran = "`byte`", .cause = "`none`" };
	struct sm_decision d;
	struct sm_policy p = { 0, SM_FORCE_NONE };
	struct machine m;
	char gran[64];

	(void)state;
	row_dax(&m, 0);
	sm_decide(&m.f, &m.t, &p, &d);
	alternative(c.gran, 0, gran, sizeof(gran));
	/* cells as the table writes them, one value */
	assert_string_equal(gran, "byte");
	assert_string_not_equal(syncmap_granularity_name(d.gran), gran);
}

/* An architecture with no write-back instruction at all takes the page
 * path even where the caches are persistent: its fence has never been
 * shown to be a persistence barrier.  The advice names the architecture. */
static void test_no_writeback_arch(void **state)
{
	struct sm_policy p = { 0, SM_FORCE_NONE };
	struct sm_decision d;
	struct machine m;

	(void)state;
	row_eadr(&m, 0);
	memset(&m.f.cpu, 0, sizeof(m.f.cpu));
	m.f.cpu.arch = "s390x";
	m.f.cpu.line = 256;
	sm_decide(&m.f, &m.t, &p, &d);
	assert_int_equal(d.gran, SYNCMAP_GRAN_PAGE);
	assert_int_equal(d.cause, SYNCMAP_CAUSE_NO_FLUSH_INSN);
	assert_false(d.sync);
	assert_non_null(strstr(d.advice, "s390x"));
	/* The environment disabling x86's three: named, with the arch. */
	row_dax(&m, 0);
	m.f.cpu_disabled = m.f.cpu.have;
	sm_decide(&m.f, &m.t, &p, &d);
	assert_int_equal(d.cause, SYNCMAP_CAUSE_NO_FLUSH_INSN);
	assert_non_null(strstr(d.advice, "x86_64"));
	assert_non_null(strstr(d.advice, "SYNCMAP_NO_CLWB"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_no_writeback_arch),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s README.md\n", argv[0]);
		return 2;
	}
	readme = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
