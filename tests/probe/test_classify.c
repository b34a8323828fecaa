/* SPDX-License-Identifier: MIT */
/*
 * sm_classify(): from gathered facts to a cause and a sentence.  Each case
 * is a machine described by its facts; the sentence must name what a
 * person needs to act (file system, device, mount point, namespace) and
 * the command that fixes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe.h"

struct machine {
	struct sm_facts f;
	char advice[768];
};

/* ext4 on /dev/pmem0 at /mnt/pmem, fsdax namespace0.0 in region0. */
static void pmem_ext4(struct machine *m, enum sm_dax_opt dax)
{
	memset(m, 0, sizeof(*m));
	m->f.have_type = true;
	snprintf(m->f.fstype, sizeof(m->f.fstype), "ext4");
	m->f.have_mount = true;
	snprintf(m->f.mount.fstype, sizeof(m->f.mount.fstype), "ext4");
	snprintf(m->f.mount.source, sizeof(m->f.mount.source), "/dev/pmem0");
	snprintf(m->f.mount.point, sizeof(m->f.mount.point), "/mnt/pmem");
	m->f.mount.dax = dax;
	m->f.fd.statx_dax = 0;
	m->f.fd.xflag_dax = 0;
	snprintf(m->f.fd.path, sizeof(m->f.fd.path), "/mnt/pmem/data");
	sm_chain_init(&m->f.chain);
	m->f.chain.nvdimm_bus = m->f.chain.resolved = m->f.chain.on_nd = true;
	snprintf(m->f.chain.device, sizeof(m->f.chain.device), "pmem0");
	snprintf(m->f.chain.bus, sizeof(m->f.chain.bus), "ndbus0");
	snprintf(m->f.chain.region, sizeof(m->f.chain.region), "region0");
	snprintf(m->f.chain.ns, sizeof(m->f.chain.ns), "namespace0.0");
	m->f.chain.mode = SM_NS_FSDAX;
	m->f.chain.domain = SM_DOMAIN_MEM_CTRL;
}

static enum syncmap_cause run(struct machine *m)
{
	return sm_classify(&m->f, m->advice, sizeof(m->advice));
}

#define assert_says(m, text) assert_non_null(strstr((m)->advice, text))

static void test_mounted_without_dax(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	assert_int_equal(run(&m), SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED);
	assert_says(&m, "ext4 on /dev/pmem0 is mounted at /mnt/pmem without dax");
	assert_says(&m, "umount /mnt/pmem && mount -o dax /dev/pmem0 /mnt/pmem");
	/* With no dax option the per-file flag is the other way. */
	assert_says(&m, "chattr +x");
}

static void test_dax_never(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NEVER);
	assert_int_equal(run(&m), SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED);
	assert_says(&m, "dax=never");
	assert_null(strstr(m.advice, "chattr"));
}

static void test_dax_inode_flag_unset(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_INODE);
	assert_int_equal(run(&m), SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET);
	assert_says(&m, "xfs_io -c 'chattr +x' /mnt/pmem/data");
}

static void test_dax_inode_directory(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_INODE);
	m.f.target = SM_TARGET_NEW_FILE;
	snprintf(m.f.fd.path, sizeof(m.f.fd.path), "/mnt/pmem/dir");
	assert_int_equal(run(&m), SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET);
	assert_says(&m, "the directory /mnt/pmem/dir lacks the DAX flag");
	assert_says(&m, "chattr +x' /mnt/pmem/dir");
}

/* The flag is set but the inode has not been reloaded since. */
static void test_flag_set_not_in_effect(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_INODE);
	m.f.fd.xflag_dax = 1;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET);
	assert_says(&m, "not in effect yet");
	/* Also with the default (no option) mode. */
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	m.f.fd.xflag_dax = 1;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET);
}

static void test_raw_namespace(void **state)
{
	struct machine m;

	(void)state;
	/* Raw comes first even though the mount lacks dax: remounting
	 * would not help. */
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	m.f.chain.mode = SM_NS_RAW;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_NAMESPACE_RAW);
	assert_says(&m, "namespace0.0 (behind /dev/pmem0, mounted at /mnt/pmem) is in raw mode");
	assert_says(&m, "ndctl create-namespace -f -e namespace0.0 -m fsdax");
}

static void test_sector_namespace(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_ALWAYS);
	m.f.chain.mode = SM_NS_SECTOR;
	snprintf(m.f.chain.device, sizeof(m.f.chain.device), "pmem0s");
	assert_int_equal(run(&m), SYNCMAP_CAUSE_DEVICE_NOT_DAX);
	assert_says(&m, "sector mode");
	assert_says(&m, "/dev/pmem0s");
}

static void test_virtio_pmem(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_ALWAYS);
	m.f.chain.virtio = true;
	m.f.chain.domain = SM_DOMAIN_NONE;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_NOT_SYNCHRONOUS);
	assert_says(&m, "virtio-pmem");
	assert_says(&m, "not synchronous");
}

static void test_not_pmem_with_bus(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	m.f.chain.on_nd = false;
	snprintf(m.f.chain.device, sizeof(m.f.chain.device), "sda1");
	assert_int_equal(run(&m), SYNCMAP_CAUSE_DEVICE_NOT_DAX);
	assert_says(&m, "ext4 on /dev/sda1 (mounted at /mnt/pmem) is not on persistent memory");
}

static void test_no_nvdimm_bus(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	m.f.chain.on_nd = m.f.chain.nvdimm_bus = false;
	snprintf(m.f.chain.device, sizeof(m.f.chain.device), "vda");
	assert_int_equal(run(&m), SYNCMAP_CAUSE_NO_NVDIMM_BUS);
	assert_says(&m, "no NVDIMM bus");
	assert_says(&m, "/dev/vda");
	/* Also when sysfs could not name the device. */
	m.f.chain.resolved = false;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_NO_NVDIMM_BUS);
}

static void test_not_capable_fs(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	snprintf(m.f.fstype, sizeof(m.f.fstype), "tmpfs");
	snprintf(m.f.mount.point, sizeof(m.f.mount.point), "/dev/shm");
	m.f.chain.resolved = m.f.chain.on_nd = false;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE);
	assert_says(&m, "tmpfs");
	assert_says(&m, "/dev/shm");
	assert_says(&m, "ext4 or xfs");
	m.f.chain.nvdimm_bus = false;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE);
	assert_says(&m, "no NVDIMM bus");
}

/* Mounted with dax on fsdax pmem and still refused: no guess, but where
 * to look. */
static void test_unexplained(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_ALWAYS);
	assert_int_equal(run(&m), SYNCMAP_CAUSE_NOT_DAX);
	assert_says(&m, "dmesg");
}

static void test_no_fs_type(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	m.f.have_type = false;
	assert_int_equal(run(&m), SYNCMAP_CAUSE_NOT_DAX);
}

static void test_devdax(void **state)
{
	struct machine m;

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	m.f.chain.devdax = true;
	snprintf(m.f.chain.device, sizeof(m.f.chain.device), "dax0.0");
	assert_int_equal(run(&m), SYNCMAP_CAUSE_NOT_DAX);
	assert_says(&m, "/dev/dax0.0");
}

/* A short buffer is cut, never overrun; a zero-sized one is untouched. */
static void test_short_buffer(void **state)
{
	struct machine m;
	char small[16];

	(void)state;
	pmem_ext4(&m, SM_DAX_OPT_NONE);
	memset(small, 'x', sizeof(small));
	assert_int_equal(sm_classify(&m.f, small, 8),
			 SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(small[8], 'x');
	assert_int_equal(sm_classify(&m.f, small, 0),
			 SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mounted_without_dax),
		cmocka_unit_test(test_dax_never),
		cmocka_unit_test(test_dax_inode_flag_unset),
		cmocka_unit_test(test_dax_inode_directory),
		cmocka_unit_test(test_flag_set_not_in_effect),
		cmocka_unit_test(test_raw_namespace),
		cmocka_unit_test(test_sector_namespace),
		cmocka_unit_test(test_virtio_pmem),
		cmocka_unit_test(test_not_pmem_with_bus),
		cmocka_unit_test(test_no_nvdimm_bus),
		cmocka_unit_test(test_not_capable_fs),
		cmocka_unit_test(test_unexplained),
		cmocka_unit_test(test_no_fs_type),
		cmocka_unit_test(test_devdax),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
