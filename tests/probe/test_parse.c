/* SPDX-License-Identifier: MIT */
/*
 * The probe's parsers on fixture text: mountinfo lines (escapes, optional
 * fields, dax options, picking the right mount), sysfs device paths of
 * every namespace personality, badblocks lists, and the names sysfs and
 * ndctl give to modes and persistence domains.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probe.h"

static const char mountinfo[] =
	"21 26 0:20 / /proc rw,relatime - proc proc rw\n"
	"26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
	"40 26 259:0 / /mnt/pmem rw,relatime shared:7 master:2 - ext4 /dev/pmem0 rw,dax=always\n"
	"41 26 259:1 / /mnt/x\\040fs rw,relatime - xfs /dev/pmem1 rw,attr2,inode64,dax=never\n"
	"42 26 259:2 / /mnt/inode rw - xfs /dev/pmem2 rw,dax=inode\n"
	"43 26 259:3 / /mnt/ext2 rw - ext2 /dev/pmem3 rw,dax\n"
	"44 26 259:0 /sub /srv/bind rw,relatime - ext4 /dev/pmem0 rw,dax=always\n"
	"garbage line\n"
	"45 26 0:45 / /dev/shm rw - tmpfs tmpfs rw,size=65536k\n";

static void test_line_fields(void **state)
{
	struct sm_mount m;

	(void)state;
	assert_int_equal(sm_mountinfo_parse_line(
		"40 26 259:0 / /mnt/pmem rw,relatime shared:7 master:2 - ext4 /dev/pmem0 rw,dax=always",
		&m), 0);
	assert_int_equal(m.mount_id, 40);
	assert_int_equal(m.major, 259);
	assert_int_equal(m.minor, 0);
	assert_string_equal(m.point, "/mnt/pmem");
	assert_string_equal(m.fstype, "ext4");
	assert_string_equal(m.source, "/dev/pmem0");
	assert_int_equal(m.dax, SM_DAX_OPT_ALWAYS);
}

static void test_line_escapes(void **state)
{
	struct sm_mount m;

	(void)state;
	assert_int_equal(sm_mountinfo_parse_line(
		"41 26 259:1 / /mnt/x\\040fs\\134y rw - xfs /dev/pmem1 rw,dax=never", &m), 0);
	assert_string_equal(m.point, "/mnt/x fs\\y");
	assert_int_equal(m.dax, SM_DAX_OPT_NEVER);
}

static void test_line_malformed(void **state)
{
	struct sm_mount m;

	(void)state;
	assert_int_equal(sm_mountinfo_parse_line("garbage line", &m), -EINVAL);
	/* No separator. */
	assert_int_equal(sm_mountinfo_parse_line(
		"40 26 259:0 / /mnt rw shared:1 ext4 /dev/pmem0 rw", &m), -EINVAL);
	/* Separator but no source. */
	assert_int_equal(sm_mountinfo_parse_line("40 26 259:0 / /mnt rw - ext4", &m),
			 -EINVAL);
	assert_int_equal(sm_mountinfo_parse_line("x 26 259:0 / /mnt rw - ext4 a b", &m),
			 -EINVAL);
	assert_int_equal(sm_mountinfo_parse_line("40 26 2590 / /mnt rw - ext4 a b", &m),
			 -EINVAL);
	assert_int_equal(sm_mountinfo_parse_line("", &m), -EINVAL);
}

static void test_dax_options(void **state)
{
	(void)state;
	assert_int_equal(sm_dax_opt_parse("rw,relatime"), SM_DAX_OPT_NONE);
	assert_int_equal(sm_dax_opt_parse(NULL), SM_DAX_OPT_NONE);
	assert_int_equal(sm_dax_opt_parse("rw,dax"), SM_DAX_OPT_ALWAYS);
	assert_int_equal(sm_dax_opt_parse("dax=always,rw"), SM_DAX_OPT_ALWAYS);
	assert_int_equal(sm_dax_opt_parse("rw,dax=never"), SM_DAX_OPT_NEVER);
	assert_int_equal(sm_dax_opt_parse("rw,dax=inode"), SM_DAX_OPT_INODE);
	/* Look-alikes are not dax options. */
	assert_int_equal(sm_dax_opt_parse("rw,daxx,nodax=1,dax=sometimes"),
			 SM_DAX_OPT_NONE);
	/* The last one wins, as in the kernel's parser. */
	assert_int_equal(sm_dax_opt_parse("dax=never,dax"), SM_DAX_OPT_ALWAYS);
	assert_string_equal(sm_dax_opt_name(SM_DAX_OPT_INODE), "inode");
}

static void test_find_by_device(void **state)
{
	struct sm_mount m;

	(void)state;
	assert_int_equal(sm_mountinfo_find(mountinfo, -1, 259, 1, &m), 0);
	assert_string_equal(m.point, "/mnt/x fs");
	assert_int_equal(sm_mountinfo_find(mountinfo, -1, 259, 3, &m), 0);
	assert_string_equal(m.fstype, "ext2");
	assert_int_equal(m.dax, SM_DAX_OPT_ALWAYS);
	/* Two mounts of one device, no mount id: the later one. */
	assert_int_equal(sm_mountinfo_find(mountinfo, -1, 259, 0, &m), 0);
	assert_string_equal(m.point, "/srv/bind");
	assert_int_equal(sm_mountinfo_find(mountinfo, -1, 8, 1, &m), -ENOENT);
}

static void test_find_by_mount_id(void **state)
{
	struct sm_mount m;

	(void)state;
	assert_int_equal(sm_mountinfo_find(mountinfo, 40, 259, 0, &m), 0);
	assert_string_equal(m.point, "/mnt/pmem");
	/* A mount id that is gone falls back to the device. */
	assert_int_equal(sm_mountinfo_find(mountinfo, 99, 0, 45, &m), 0);
	assert_string_equal(m.point, "/dev/shm");
	assert_int_equal(m.dax, SM_DAX_OPT_NONE);
}

static void test_fstypes(void **state)
{
	(void)state;
	assert_true(sm_fstype_dax_capable("ext4"));
	assert_true(sm_fstype_dax_capable("xfs"));
	assert_true(sm_fstype_dax_capable("ext2"));
	assert_false(sm_fstype_dax_capable("tmpfs"));
	assert_false(sm_fstype_dax_capable("btrfs"));
	assert_false(sm_fstype_dax_capable("ext3"));
	assert_string_equal(sm_fs_magic_name(0xEF53), "ext4");
	assert_string_equal(sm_fs_magic_name(0x58465342), "xfs");
	assert_string_equal(sm_fs_magic_name(0x01021994), "tmpfs");
	/* statfs gives f_type sign-extended on some ABIs. */
	assert_string_equal(sm_fs_magic_name((long)(int32_t)0xFF534D42), "cifs");
	assert_null(sm_fs_magic_name(0x12345678));
}

static void parse(const char *path, struct sm_chain *c, int want)
{
	sm_chain_init(c);
	assert_int_equal(sm_chain_parse_path(path, c), want);
}

static void test_path_fsdax(void **state)
{
	struct sm_chain c;

	(void)state;
	parse("/sys/devices/platform/ACPI0012:00/ndbus0/region0/pfn0.1/block/pmem0", &c, 0);
	assert_true(c.on_nd);
	assert_string_equal(c.bus, "ndbus0");
	assert_string_equal(c.region, "region0");
	assert_string_equal(c.claim, "pfn0.1");
	assert_string_equal(c.ns, "");
	assert_string_equal(c.device, "pmem0");
	assert_string_equal(c.region_dir,
			    "/sys/devices/platform/ACPI0012:00/ndbus0/region0");
	assert_false(c.virtio);
}

static void test_path_raw_and_partition(void **state)
{
	struct sm_chain c;

	(void)state;
	parse("/sys/devices/platform/ACPI0012:00/ndbus1/region12/namespace12.0/block/pmem12", &c, 0);
	assert_string_equal(c.ns, "namespace12.0");
	assert_string_equal(c.claim, "");
	assert_string_equal(c.region, "region12");
	parse("/sys/devices/platform/ACPI0012:00/ndbus0/region0/pfn0.1/block/pmem0/pmem0p1", &c, 0);
	assert_string_equal(c.device, "pmem0p1");
	parse("/sys/devices/platform/ACPI0012:00/ndbus0/region0/btt0.1/block/pmem0s", &c, 0);
	assert_string_equal(c.claim, "btt0.1");
	assert_string_equal(c.device, "pmem0s");
}

static void test_path_devdax(void **state)
{
	struct sm_chain c;

	(void)state;
	parse("/sys/devices/platform/ACPI0012:00/ndbus0/region1/dax1.0/dax1.0", &c, 0);
	assert_string_equal(c.claim, "dax1.0");
	assert_string_equal(c.device, "dax1.0");
	assert_string_equal(c.region, "region1");
}

static void test_path_virtio(void **state)
{
	struct sm_chain c;

	(void)state;
	parse("/sys/devices/pci0000:00/0000:00:05.0/virtio3/ndbus0/region0/namespace0.0/block/pmem0",
	      &c, 0);
	assert_true(c.virtio);
	assert_string_equal(c.ns, "namespace0.0");
}

static void test_path_not_nd(void **state)
{
	struct sm_chain c;

	(void)state;
	parse("/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda", &c, -ENODEV);
	assert_false(c.on_nd);
	assert_false(c.virtio);
	assert_string_equal(c.device, "vda");
	assert_string_equal(c.region, "");
	parse("/sys/devices/virtual/block/dm-0", &c, -ENODEV);
	assert_string_equal(c.device, "dm-0");
	/* A "region" outside an nd bus is just a name. */
	parse("/sys/devices/foo/region0/namespace0.0/block/x", &c, -ENODEV);
	assert_string_equal(c.region, "");
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(sm_ns_mode_parse("raw"), SM_NS_RAW);
	assert_int_equal(sm_ns_mode_parse("memory"), SM_NS_FSDAX);
	assert_int_equal(sm_ns_mode_parse("fsdax"), SM_NS_FSDAX);
	assert_int_equal(sm_ns_mode_parse("dax"), SM_NS_DEVDAX);
	assert_int_equal(sm_ns_mode_parse("safe"), SM_NS_SECTOR);
	assert_int_equal(sm_ns_mode_parse("bogus"), SM_NS_UNKNOWN);
	assert_string_equal(sm_ns_mode_name(SM_NS_SECTOR), "sector");
	assert_int_equal(sm_domain_parse("cpu_cache"), SM_DOMAIN_CPU_CACHE);
	assert_int_equal(sm_domain_parse("memory_controller"), SM_DOMAIN_MEM_CTRL);
	assert_int_equal(sm_domain_parse(""), SM_DOMAIN_NONE);
	assert_int_equal(sm_domain_parse("cpu"), SM_DOMAIN_UNKNOWN);
	assert_string_equal(sm_domain_name(SM_DOMAIN_MEM_CTRL), "memory_controller");
}

static void test_badblocks(void **state)
{
	long long total, inside;

	(void)state;
	assert_int_equal(sm_badblocks_count("", 0, 100, &total, &inside), 0);
	assert_int_equal(total, 0);
	assert_int_equal(inside, 0);
	/* Sectors 8..15 and 100..101; the file covers 10..100. */
	assert_int_equal(sm_badblocks_count("8 8\n100 2\n", 10, 100, &total, &inside), 0);
	assert_int_equal(total, 10);
	assert_int_equal(inside, 6 + 1);
	/* Entirely outside. */
	assert_int_equal(sm_badblocks_count("0 4\n", 4, 9, &total, &inside), 0);
	assert_int_equal(inside, 0);
	assert_int_equal(sm_badblocks_count("12 x\n", 0, 100, &total, &inside), -EINVAL);
	assert_int_equal(sm_badblocks_count("12 0\n", 0, 100, &total, &inside), -EINVAL);
	/* A range past the end of the sector space is malformed; huge
	 * totals saturate rather than wrap. */
	assert_int_equal(sm_badblocks_count("18446744073709551615 2\n", 0, 100, &total,
					    &inside), -EINVAL);
	assert_int_equal(sm_badblocks_count("0 9223372036854775807\n"
					    "0 9223372036854775807\n"
					    "0 9223372036854775807\n",
					    0, UINT64_MAX, &total, &inside), 0);
	assert_true(total == INT64_MAX && inside == INT64_MAX);
}

static void test_ndbus_names(void **state)
{
	const char *none[] = { "region0", "namespace0.0", "nmem0" };
	const char *bus[] = { "nmem0", "ndbus0" };
	const char *fake[] = { "ndbusx" };

	(void)state;
	assert_false(sm_names_have_ndbus(none, 3));
	assert_true(sm_names_have_ndbus(bus, 2));
	assert_false(sm_names_have_ndbus(fake, 1));
	assert_false(sm_names_have_ndbus(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_fields),
		cmocka_unit_test(test_line_escapes),
		cmocka_unit_test(test_line_malformed),
		cmocka_unit_test(test_dax_options),
		cmocka_unit_test(test_find_by_device),
		cmocka_unit_test(test_find_by_mount_id),
		cmocka_unit_test(test_fstypes),
		cmocka_unit_test(test_path_fsdax),
		cmocka_unit_test(test_path_raw_and_partition),
		cmocka_unit_test(test_path_devdax),
		cmocka_unit_test(test_path_virtio),
		cmocka_unit_test(test_path_not_nd),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_badblocks),
		cmocka_unit_test(test_ndbus_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
