/* SPDX-License-Identifier: MIT */
/*
 * The probe's CXL facts: the report of a file on the CXL pmem layout
 * (tests/decide/layouts), in text and JSON, the report of device DAX on
 * the volatile layouts (dax_hmem, CXL ram), and the libcxl health view
 * against a fake memory device (-Wl,--wrap): a count, the kernel's ENOTTY
 * (QEMU 7.2 does not offer Get Health Info), a mailbox error, and a
 * device libcxl does not know.
 *
 * usage: probe-cxl LAYOUTS-DIR
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include <cxl/libcxl.h>

#include "internal.h"
#include "probe.h"

static const char *layouts;

/* ---- A fake libcxl: one memory device, and what its mailbox says. */
static struct {
	const char *name;	/* the device's name */
	int submit;		/* cxl_cmd_submit's return */
	int status;		/* the mailbox status */
	int dirty, life;
	int new_err;		/* cxl_new's return */
} dev;
static int fake;		/* something to point at */

int __wrap_cxl_new(struct cxl_ctx **ctx);
int __wrap_cxl_new(struct cxl_ctx **ctx)
{
	*ctx = (struct cxl_ctx *)&fake;
	return dev.new_err;
}

void __wrap_cxl_unref(struct cxl_ctx *ctx);
void __wrap_cxl_unref(struct cxl_ctx *ctx) { (void)ctx; }

void __wrap_cxl_set_log_fn(struct cxl_ctx *ctx, void *fn);
void __wrap_cxl_set_log_fn(struct cxl_ctx *ctx, void *fn) { (void)ctx; (void)fn; }

struct cxl_memdev *__wrap_cxl_memdev_get_first(struct cxl_ctx *ctx);
struct cxl_memdev *__wrap_cxl_memdev_get_first(struct cxl_ctx *ctx)
{
	(void)ctx;
	return (struct cxl_memdev *)&fake;
}

struct cxl_memdev *__wrap_cxl_memdev_get_next(struct cxl_memdev *m);
struct cxl_memdev *__wrap_cxl_memdev_get_next(struct cxl_memdev *m) { (void)m; return NULL; }

const char *__wrap_cxl_memdev_get_devname(struct cxl_memdev *m);
const char *__wrap_cxl_memdev_get_devname(struct cxl_memdev *m) { (void)m; return dev.name; }

struct cxl_cmd *__wrap_cxl_cmd_new_get_health_info(struct cxl_memdev *m);
struct cxl_cmd *__wrap_cxl_cmd_new_get_health_info(struct cxl_memdev *m)
{
	(void)m;
	return (struct cxl_cmd *)&fake;
}

int __wrap_cxl_cmd_submit(struct cxl_cmd *c);
int __wrap_cxl_cmd_submit(struct cxl_cmd *c) { (void)c; return dev.submit; }

int __wrap_cxl_cmd_get_mbox_status(struct cxl_cmd *c);
int __wrap_cxl_cmd_get_mbox_status(struct cxl_cmd *c) { (void)c; return dev.status; }

int __wrap_cxl_cmd_health_info_get_dirty_shutdowns(struct cxl_cmd *c);
int __wrap_cxl_cmd_health_info_get_dirty_shutdowns(struct cxl_cmd *c) { (void)c; return dev.dirty; }

int __wrap_cxl_cmd_health_info_get_life_used(struct cxl_cmd *c);
int __wrap_cxl_cmd_health_info_get_life_used(struct cxl_cmd *c) { (void)c; return dev.life; }

void __wrap_cxl_cmd_unref(struct cxl_cmd *c);
void __wrap_cxl_cmd_unref(struct cxl_cmd *c) { (void)c; }

/* ---- A layout's facts, as an open of its file would gather them: the
 * ext4 file of cxl-pmem-ext4, or /dev/dax0.0 of a device DAX layout. */
static struct sm_gather *gather_in(const char *layout, bool devdax)
{
	struct sm_gather *g = calloc(1, sizeof(*g));
	char tree[PATH_MAX];

	assert_non_null(g);
	g->path = devdax ? "/dev/dax0.0" : "/run/dax/ext4-dax/cap";
	g->fd = -1;
	g->facts.fd.mode = devdax ? S_IFCHR | 0600 : S_IFREG | 0644;
	g->facts.fd.dev = devdax ? makedev(0, 5) : makedev(259, 0);
	g->facts.fd.rdev = devdax ? makedev(252, 0) : 0;
	g->facts.fd.have_magic = true;
	g->facts.fd.magic = devdax ? 0x1021994 : 0xef53;
	g->facts.fd.mount_id = 30;
	g->facts.fd.statx_dax = 1;
	snprintf(g->facts.fd.path, sizeof(g->facts.fd.path), "%s", g->path);
	snprintf(tree, sizeof(tree), "%s/%s/tree", layouts, layout);
	sm_tree_set_root(tree);
	sm_facts_walk(&g->facts);
	sm_tree_set_root(NULL);
	g->trial.sync = 0;
	g->trial.plain = g->trial.validate = SM_NOT_TRIED;
	snprintf(g->persist_path, sizeof(g->persist_path), "map_sync");
	g->badblocks = g->badblocks_in_file = -1;
	g->ndctl.dirty_shutdown = g->ndctl.align = g->ndctl.size = -1;
	g->ndctl_err = -ENOTSUP;
	g->cxl_health.err = -ENODEV;
	g->cxl_health.dirty_shutdown = g->cxl_health.life_used = -1;
	return g;
}

static struct sm_gather *gather_layout(void)
{
	return gather_in("cxl-pmem-ext4", false);
}

static struct syncmap_probe *report_of(struct sm_gather *g)
{
	struct syncmap_probe *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->map_sync = true;
	p->gran = SYNCMAP_GRAN_CACHE_LINE;
	p->insn = SYNCMAP_INSN_CLWB;
	sm_probe_emit_all(p, g);
	assert_false(p->oom);
	return p;
}

static const char *fact(const struct syncmap_probe *p, const char *key)
{
	const struct sm_fact *f = sm_probe_find(p, key);

	if (!f)
		fail_msg("no fact %s", key);
	return f->value;
}

static void healthy(void)
{
	memset(&dev, 0, sizeof(dev));
	dev.name = "mem0";
	dev.dirty = 3;
	dev.life = 5;
}

/* The report of the CXL pmem layout names the region, the decoder, the
 * endpoint and the memory device, and says so in words. */
static void test_report(void **state)
{
	struct sm_gather *g = gather_layout();
	struct syncmap_probe *p;
	char text[8192], json[8192];

	(void)state;
	healthy();
	assert_int_equal(sm_cxl_health(&g->facts.chain, &g->cxl_health), 0);
	p = report_of(g);
	assert_string_equal(fact(p, "bus_provider"), "CXL");
	assert_string_equal(fact(p, "cxl_region"), "region0");
	assert_string_equal(fact(p, "cxl_region_found_by"), "resource");
	assert_string_equal(fact(p, "cxl_region_mode"), "pmem");
	assert_string_equal(fact(p, "cxl_interleave_ways"), "1");
	assert_string_equal(fact(p, "cxl_interleave_granularity"), "256");
	assert_string_equal(fact(p, "cxl_decoders"), "decoder2.0");
	assert_string_equal(fact(p, "cxl_endpoints"), "endpoint2");
	assert_string_equal(fact(p, "cxl_memdevs"), "mem0");
	assert_string_equal(fact(p, "cxl_serials"), "0xc0ffee");
	assert_string_equal(fact(p, "cxl_firmware_versions"), "BWFW VERSION 00");
	assert_string_equal(fact(p, "cxl_pmem_size"), "1073741824");
	assert_string_equal(fact(p, "dirty_shutdown"), "3");
	assert_string_equal(fact(p, "cxl_life_used_percent"), "5");
	assert_string_equal(fact(p, "cxl_health"), "libcxl: Get Health Info of mem0");
	assert_true(syncmap_probe_format(p, 0, text, sizeof(text)) < (int)sizeof(text));
	assert_non_null(strstr(text, "  memory: CXL memory device mem0, serial 0xc0ffee, "
			       "firmware \"BWFW VERSION 00\", through region0 (mode pmem, 1 way "
			       "of 256 bytes, decoder2.0 of endpoint2)\n"));
	assert_true(syncmap_probe_format(p, SYNCMAP_PROBE_JSON, json, sizeof(json)) <
		    (int)sizeof(json));
	assert_non_null(strstr(json, "\"cxl_serials\":\"0xc0ffee\""));
	assert_non_null(strstr(json, "\"dirty_shutdown\":3"));
	/* The report, for whoever reads the log (print_message cuts long text). */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		print_message("%s\n", line);
	syncmap_probe_free(p);
	free(g);
}

/* QEMU 7.2: the kernel does not pass Get Health Info on (ENOTTY). */
static void test_enotty(void **state)
{
	struct sm_gather *g = gather_layout();
	struct syncmap_probe *p;

	(void)state;
	healthy();
	dev.submit = -ENOTTY;
	assert_int_equal(sm_cxl_health(&g->facts.chain, &g->cxl_health), -ENOTTY);
	p = report_of(g);
	assert_string_equal(fact(p, "dirty_shutdown"), "unknown");
	assert_non_null(strstr(fact(p, "cxl_health"), "failed: Inappropriate ioctl for device "
				"(errno 25); the kernel does not pass the command"));
	syncmap_probe_free(p);
	free(g);
}

/* The device answers with an error: its status, by name. */
static void test_mailbox_error(void **state)
{
	struct sm_gather *g = gather_layout();
	struct syncmap_probe *p;

	(void)state;
	healthy();
	dev.status = 3;
	assert_int_equal(sm_cxl_health(&g->facts.chain, &g->cxl_health), -EIO);
	assert_int_equal(g->cxl_health.dirty_shutdown, -1);
	p = report_of(g);
	assert_string_equal(fact(p, "cxl_health"), "unavailable: Get Health Info of mem0 failed "
			    "with mailbox status 3 (unsupported)");
	syncmap_probe_free(p);
	free(g);
}

/* A memory device libcxl does not list, and a context it cannot make. */
static void test_not_found(void **state)
{
	struct sm_gather *g = gather_layout();

	(void)state;
	healthy();
	dev.name = "mem7";
	assert_int_equal(sm_cxl_health(&g->facts.chain, &g->cxl_health), -ENODEV);
	healthy();
	dev.new_err = -ENOMEM;
	assert_int_equal(sm_cxl_health(&g->facts.chain, &g->cxl_health), -ENOMEM);
	assert_int_equal(g->cxl_health.dirty_shutdown, -1);
	free(g);
}

/* Device DAX on volatile memory: the decision's cause and sentence, and
 * the facts and the memory line that say what the memory is. */
static void check_volatile(const char *layout, const char *kind, const char *memory)
{
	struct sm_gather *g = gather_in(layout, true);
	struct sm_policy pol = { 0, SM_FORCE_NONE };
	struct syncmap_probe *p = calloc(1, sizeof(*p));
	char text[8192];

	assert_non_null(p);
	sm_decide(&g->facts, &g->trial, &pol, &g->answer);
	p->gran = g->answer.gran;
	p->cause = g->answer.cause;
	snprintf(p->advice, sizeof(p->advice), "%s", g->answer.advice);
	sm_probe_emit_all(p, g);
	assert_false(p->oom);
	assert_int_equal(p->cause, SYNCMAP_CAUSE_VOLATILE_MEMORY);
	assert_string_equal(fact(p, "volatile_memory"), kind);
	assert_non_null(strstr(fact(p, "memory"), memory));
	assert_true(syncmap_probe_format(p, 0, text, sizeof(text)) < (int)sizeof(text));
	assert_non_null(strstr(text, "  why:    volatile_memory: /dev/dax0.0 is device DAX on "));
	assert_non_null(strstr(text, "  memory: volatile memory: "));
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "  why:", 6) || !strncmp(line, "  memory:", 9))
			print_message("%s\n", line);
	syncmap_probe_free(p);
	free(g);
}

static void test_volatile_hmem(void **state)
{
	(void)state;
	check_volatile("hmem-devdax", "dax_hmem", "device DAX of dax_hmem (hmem.0)");
}

static void test_volatile_cxl_ram(void **state)
{
	(void)state;
	check_volatile("cxl-ram-devdax", "cxl_ram",
		       "CXL memory device mem0, serial 0xbeef, firmware \"BWFW VERSION 00\", "
		       "through region0 (mode ram,");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_enotty),
		cmocka_unit_test(test_mailbox_error),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_volatile_hmem),
		cmocka_unit_test(test_volatile_cxl_ram),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s LAYOUTS-DIR\n", argv[0]);
		return 2;
	}
	layouts = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
