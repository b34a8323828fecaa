/* SPDX-License-Identifier: MIT */
/*
 * The gatherer and the decision on trees captured in the DAX guest
 * (capture-fixtures): for every capture, the kernel's recorded answers
 * about the file take the place of the system calls, /sys and /proc are
 * read from the captured tree, and the facts found and the decision made
 * must be the ones the guest's live walk found and its real syncmap_open()
 * got.  A capture that is missing or unreadable fails.
 *
 * With --layouts the directory holds trees written from the kernel's
 * documented layout (layouts/make-layouts.py), not captured: their
 * "expected" is what the walk must find in them and the "open" line the
 * decision the layout calls for.
 *
 * usage: test-fixtures FIXTURES-DIR [--layouts]
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
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "internal.h"
#include "facts_text.h"

static const char *fixtures;
static int at_least = 21;	/* captures the directory must hold */

static FILE *open_in(const char *name, const char *file)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", fixtures, name, file);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot read %s", name, path);
	return f;
}

/* The recorded answers, in place of fstat, fstatfs, statx, the ioctl,
 * readlink, the trial mappings and the CPU. */
static void read_answers(const char *name, struct sm_facts *f, struct sm_trial *t)
{
	FILE *in = open_in(name, "answers");
	char key[32], line[PATH_MAX + 64];
	unsigned mode, ma, mi, ra, ri, have, dis, line_size;
	int p[SM_PREFER_MAX], hm, n = 0;
	unsigned long long size;
	unsigned long magic;
	static char arch[32];

	memset(f, 0, sizeof(*f));
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%31s", key) != 1)
			continue;
		n++;
		if (!strcmp(key, "mode") && sscanf(line, "mode %o", &mode) == 1)
			f->fd.mode = mode;
		else if (!strcmp(key, "dev") && sscanf(line, "dev %u:%u", &ma, &mi) == 2)
			f->fd.dev = makedev(ma, mi);
		else if (!strcmp(key, "rdev") && sscanf(line, "rdev %u:%u", &ra, &ri) == 2)
			f->fd.rdev = makedev(ra, ri);
		else if (!strcmp(key, "size") && sscanf(line, "size %llu", &size) == 1)
			f->fd.size = size;
		else if (!strcmp(key, "magic") && sscanf(line, "magic %d %lx", &hm, &magic) == 2) {
			f->fd.have_magic = hm;
			f->fd.magic = (long)magic;
		} else if (!strcmp(key, "statx_dax"))
			sscanf(line, "statx_dax %d", &f->fd.statx_dax);
		else if (!strcmp(key, "mount_id"))
			sscanf(line, "mount_id %d", &f->fd.mount_id);
		else if (!strcmp(key, "xflag_dax"))
			sscanf(line, "xflag_dax %d", &f->fd.xflag_dax);
		else if (!strcmp(key, "path"))
			snprintf(f->fd.path, sizeof(f->fd.path), "%.*s", PATH_MAX - 1, line + 5);
		else if (!strcmp(key, "trial"))
			sscanf(line, "trial %d %d %d %zu", &t->sync, &t->plain, &t->validate, &t->len);
		else if (!strcmp(key, "cpu") &&
			 sscanf(line, "cpu %31s %u %x %d %d %d %d", arch, &line_size, &have,
				&p[0], &p[1], &p[2], &p[3]) == 7) {
			f->cpu.arch = arch;
			f->cpu.line = line_size;
			f->cpu.have = have;
			for (int i = 0; i < SM_PREFER_MAX; i++)
				f->cpu.prefer[i] = (enum syncmap_insn)p[i];
		} else if (!strcmp(key, "cpu_disabled") && sscanf(line, "cpu_disabled %x", &dis) == 1)
			f->cpu_disabled = dis;
		else
			n--;
	}
	fclose(in);
	if (n != 12)
		fail_msg("%s: answers has %d of its 12 lines", name, n);
}

static void check_one(const char *name)
{
	char tree[PATH_MAX], got[4096], want[4096], line[512], decision[256], open_line[256];
	struct sm_policy pol = { 0, SM_FORCE_NONE };
	struct sm_facts *f = calloc(1, sizeof(*f));
	struct sm_cpu cpu;
	struct sm_decision d;
	struct sm_trial t;
	uint32_t disabled;
	FILE *in, *mem;
	size_t wl = 0;

	assert_non_null(f);
	read_answers(name, f, &t);
	snprintf(tree, sizeof(tree), "%s/%s/tree", fixtures, name);
	/* The walk reads the captured tree; the CPU is the guest's. */
	cpu = f->cpu;
	disabled = f->cpu_disabled;
	sm_tree_set_root(tree);
	sm_facts_walk(f);
	sm_tree_set_root(NULL);
	f->cpu = cpu;
	f->cpu_disabled = disabled;
	sm_decide(f, &t, &pol, &d);

	mem = fmemopen(got, sizeof(got), "w");
	assert_non_null(mem);
	sm_write_facts(mem, f);
	fclose(mem);
	in = open_in(name, "expected");
	want[0] = decision[0] = open_line[0] = '\0';
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, "decision ", 9))
			snprintf(decision, sizeof(decision), "%s", line);
		else if (!strncmp(line, "open ", 5))
			snprintf(open_line, sizeof(open_line), "%s", line);
		else if (wl + strlen(line) < sizeof(want))
			wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "%s", line);
	}
	fclose(in);
	if (strcmp(got, want))
		fail_msg("%s: the walk of the captured tree found\n%s\nbut the guest found\n%s",
			 name, got, want);
	snprintf(line, sizeof(line), "open %d %d %s %s %s\n", d.err, d.sync,
		 syncmap_granularity_name(d.gran), syncmap_insn_name(d.insn),
		 syncmap_cause_name(d.cause));
	if (strcmp(line, open_line))
		fail_msg("%s: decided \"%.*s\" but the guest's open got \"%.*s\"", name,
			 (int)strlen(line) - 1, line, (int)strcspn(open_line, "\n"), open_line);
	print_message("%-34s %s", name, line + 5);
	free(f);
}

static void test_every_capture(void **state)
{
	char list[PATH_MAX], name[256];
	FILE *in;
	int n = 0;

	(void)state;
	snprintf(list, sizeof(list), "%s/LIST", fixtures);
	in = fopen(list, "r");
	assert_non_null(in);
	while (fscanf(in, "%255s", name) == 1) {
		check_one(name);
		n++;
	}
	fclose(in);
	/* Every configuration of capture.sh, in both domains, less
	 * virtio-pmem in the cpu_cache one; or every layout. */
	assert_true(n >= at_least);
}

/* The answers of capture name, the tree under root (a directory of the
 * tree, or any path), then the decision; the CPU stays the capture's. */
static void walk_and_decide(const char *name, const char *root, struct sm_facts *f,
			    struct sm_decision *d)
{
	struct sm_policy pol = { 0, SM_FORCE_NONE };
	struct sm_trial t;
	struct sm_cpu cpu;

	read_answers(name, f, &t);
	cpu = f->cpu;
	sm_tree_set_root(root);
	sm_facts_walk(f);
	sm_tree_set_root(NULL);
	f->cpu = cpu;
	sm_decide(f, &t, &pol, d);
}

/* The control: the same capture with one recorded answer changed must
 * give another answer, or this test compares nothing. */
static void test_control(void **state)
{
	struct sm_facts *f = calloc(1, sizeof(*f));
	struct sm_decision d;
	char tree[PATH_MAX];

	(void)state;
	assert_non_null(f);
	snprintf(tree, sizeof(tree), "%s/ext4-dax-cpu/tree", fixtures);
	walk_and_decide("ext4-dax-cpu", tree, f, &d);
	assert_int_equal(d.gran, SYNCMAP_GRAN_BYTE);
	/* Another root: the host's own /sys says no region backs it. */
	walk_and_decide("ext4-dax-cpu", "/nonexistent", f, &d);
	assert_int_equal(d.gran, SYNCMAP_GRAN_CACHE_LINE);
	free(f);
}

/* The layouts' control: the dax_hmem device's answers over its own tree
 * are volatile_memory; over a tree where its node leads to no hmem device
 * (the CXL pmem layout's) they are those of a device DAX nothing is known
 * about, which MAP_SYNC makes cache_line: the cause comes from the tree. */
static void test_layout_control(void **state)
{
	struct sm_facts *f = calloc(1, sizeof(*f));
	struct sm_decision d;
	char tree[PATH_MAX];

	(void)state;
	assert_non_null(f);
	snprintf(tree, sizeof(tree), "%s/hmem-devdax/tree", fixtures);
	walk_and_decide("hmem-devdax", tree, f, &d);
	assert_int_equal(d.cause, SYNCMAP_CAUSE_VOLATILE_MEMORY);
	snprintf(tree, sizeof(tree), "%s/cxl-pmem-ext4/tree", fixtures);
	walk_and_decide("hmem-devdax", tree, f, &d);
	assert_int_equal(f->chain.volatile_mem, SM_VOLATILE_NO);
	assert_int_equal(d.gran, SYNCMAP_GRAN_CACHE_LINE);
	assert_int_equal(d.cause, SYNCMAP_CAUSE_NONE);
	free(f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_capture),
		cmocka_unit_test(test_control),
	};
	const struct CMUnitTest layout_tests[] = {
		cmocka_unit_test(test_every_capture),
		cmocka_unit_test(test_layout_control),
	};

	if (argc == 3 && !strcmp(argv[2], "--layouts")) {
		fixtures = argv[1];
		at_least = 3;
		return cmocka_run_group_tests(layout_tests, NULL, NULL);
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURES-DIR [--layouts]\n", argv[0]);
		return 2;
	}
	fixtures = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
