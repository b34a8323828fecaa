/* SPDX-License-Identifier: MIT */
/*
 * The mount a file lives on, from /proc/self/mountinfo: its file system
 * type, its source device, its mount point and its dax option.
 *
 * A line reads (proc(5)):
 *   36 35 98:0 /root /mnt rw,noatime master:1 - ext4 /dev/pmem0 rw,dax=always
 * with a variable number of optional fields before the "-".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "probe.h"

#define MOUNTINFO_FIELDS_MAX 64
#define MOUNTINFO_INITIAL (64u << 10)
#define MOUNTINFO_LIMIT (16u << 20)

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

/* Copy a field, decoding the \ooo escapes the kernel uses for spaces,
 * tabs, newlines and backslashes in paths. */
static void copy_unescaped(char *dst, size_t size, const char *src, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len && o + 1 < size) {
		if (src[i] == '\\' && i + 3 < len &&
		    src[i + 1] >= '0' && src[i + 1] <= '3' &&
		    src[i + 2] >= '0' && src[i + 2] <= '7' &&
		    src[i + 3] >= '0' && src[i + 3] <= '7') {
			dst[o++] = (char)(((src[i + 1] - '0') << 6) |
					  ((src[i + 2] - '0') << 3) | (src[i + 3] - '0'));
			i += 4;
		} else {
			dst[o++] = src[i++];
		}
	}
	dst[o] = '\0';
}

/* Split a line at spaces into at most max fields (start, length). */
static size_t split_fields(const char *line, const char **start, size_t *len,
			   size_t max)
{
	size_t n = 0;
	const char *p = line;

	while (*p && *p != '\n' && n < max) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		start[n] = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
		len[n] = (size_t)(p - start[n]);
		n++;
	}
	return n;
}

static bool opt_equals(const char *opt, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(opt, word, len) == 0;
}

/**
 * sm_dax_opt_parse() - the dax mode in a comma-separated option list
 * @opts: "rw,relatime,dax=always" and the like; NULL means none
 *
 * ext2 and older kernels show plain "dax"; the last dax option wins, as
 * it does when the kernel parses them.
 */
enum sm_dax_opt sm_dax_opt_parse(const char *opts)
{
	enum sm_dax_opt d = SM_DAX_OPT_NONE;
	const char *p = opts;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (opt_equals(p, len, "dax") || opt_equals(p, len, "dax=always"))
			d = SM_DAX_OPT_ALWAYS;
		else if (opt_equals(p, len, "dax=never"))
			d = SM_DAX_OPT_NEVER;
		else if (opt_equals(p, len, "dax=inode"))
			d = SM_DAX_OPT_INODE;
		p = end ? end + 1 : NULL;
	}
	return d;
}

const char *sm_dax_opt_name(enum sm_dax_opt d)
{
	switch (d) {
	case SM_DAX_OPT_ALWAYS: return "always";
	case SM_DAX_OPT_NEVER: return "never";
	case SM_DAX_OPT_INODE: return "inode";
	case SM_DAX_OPT_NONE: break;
	}
	return "none";
}

/**
 * sm_fstype_dax_capable() - can this file system type map files with DAX?
 * @fstype: the type field of mountinfo
 *
 * ext2, ext4 and xfs implement MAP_SYNC; erofs and fuse (virtiofs) can do
 * DAX but not MAP_SYNC, so they count as incapable here.
 */
bool sm_fstype_dax_capable(const char *fstype)
{
	return !strcmp(fstype, "ext4") || !strcmp(fstype, "xfs") ||
	       !strcmp(fstype, "ext2");
}

static const struct {
	long magic;
	const char *name;
} fs_magics[] = {
	{ 0xEF53, "ext4" }, { 0x58465342, "xfs" }, { 0x01021994, "tmpfs" },
	{ 0x9123683E, "btrfs" }, { 0x6969, "nfs" }, { 0xFF534D42, "cifs" },
	{ 0xFE534D42, "smb2" }, { 0x65735546, "fuse" }, { 0x794C7630, "overlay" },
	{ 0x2FC12FC1, "zfs" }, { 0xE0F5E1E2, "erofs" }, { 0xF2F52010, "f2fs" },
	{ 0x4D44, "vfat" }, { 0x858458F6, "ramfs" }, { 0x01021997, "9p" },
	{ 0x73717368, "squashfs" }, { 0x9FA0, "proc" }, { 0x62656572, "sysfs" },
	{ 0x00C36400, "ceph" }, { 0x47504653, "gpfs" }, { 0x0BD00BD0, "lustre" },
};

const char *sm_fs_magic_name(long magic)
{
	size_t i;

	for (i = 0; i < sizeof(fs_magics) / sizeof(fs_magics[0]); i++)
		if (fs_magics[i].magic == (long)(uint32_t)magic ||
		    fs_magics[i].magic == magic)
			return fs_magics[i].name;
	return NULL;
}

static int parse_ids(const char **f, struct sm_mount *out)
{
	char num[32];
	char *end;

	snprintf(num, sizeof(num), "%.*s", (int)strcspn(f[0], " "), f[0]);
	out->mount_id = (int)strtol(num, &end, 10);
	if (*end)
		return -EINVAL;
	snprintf(num, sizeof(num), "%.*s", (int)strcspn(f[2], " "), f[2]);
	if (sscanf(num, "%u:%u", &out->major, &out->minor) != 2)
		return -EINVAL;
	return 0;
}

int sm_mountinfo_parse_line(const char *line, struct sm_mount *out)
{
	const char *start[MOUNTINFO_FIELDS_MAX];
	size_t len[MOUNTINFO_FIELDS_MAX], n, sep;
	char opts[1024];

	n = split_fields(line, start, len, MOUNTINFO_FIELDS_MAX);
	for (sep = 6; sep < n; sep++)
		if (opt_equals(start[sep], len[sep], "-"))
			break;
	if (sep + 2 >= n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (parse_ids(start, out) < 0)
		return -EINVAL;
	copy_unescaped(out->point, sizeof(out->point), start[4], len[4]);
	copy_unescaped(out->fstype, sizeof(out->fstype), start[sep + 1], len[sep + 1]);
	copy_unescaped(out->source, sizeof(out->source), start[sep + 2], len[sep + 2]);
	if (sep + 3 < n) {
		copy_unescaped(opts, sizeof(opts), start[sep + 3], len[sep + 3]);
		out->dax = sm_dax_opt_parse(opts);
	}
	return 0;
}

int sm_mountinfo_find(const char *text, int mount_id, unsigned major,
		      unsigned minor, struct sm_mount *out)
{
	struct sm_mount m;
	bool found = false;
	const char *line = text;

	while (line && *line) {
		if (sm_mountinfo_parse_line(line, &m) == 0) {
			if (mount_id >= 0 && m.mount_id == mount_id) {
				*out = m;
				return 0;
			}
			if (m.major == major && m.minor == minor) {
				*out = m;
				found = true;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return found ? 0 : -ENOENT;
}

/* mountinfo can be long (containers); read it whole, growing the buffer
 * until a read leaves room to spare. */
static char *read_mountinfo(void)
{
	size_t size = MOUNTINFO_INITIAL;

	while (size <= MOUNTINFO_LIMIT) {
		char *buf = malloc(size);
		int n;

		if (!buf)
			return NULL;
		n = sm_sys_read_text("/proc/self/mountinfo", buf, size);
		if (n >= 0 && (size_t)n + 1 < size - 4096)
			return buf;
		free(buf);
		if (n < 0)
			return NULL;
		size *= 4;
	}
	return NULL;
}

/* The mount id of fd (Linux 5.8+), or -1. */
static int mount_id_of_fd(int fd)
{
#if HAVE_STATX
	struct statx stx;

	/* statx has no wrapper in the sys layer; it only reads metadata. */
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID))
		return (int)stx.stx_mnt_id;
#else
	(void)fd;
#endif
	return -1;
}

/**
 * sm_mount_of_fd() - the mount an open file lives on
 * @fd: any open file or directory
 * @out: the mount
 *
 * Return: 0, -ENOENT if mountinfo has no such mount, or another negative
 * errno from reading it.
 */
int sm_mount_of_fd(int fd, struct sm_mount *out)
{
	struct stat st;
	char *text;
	int r;

	r = sm_sys_fstat(fd, &st);
	if (r < 0)
		return r;
	text = read_mountinfo();
	if (!text)
		return -EIO;
	r = sm_mountinfo_find(text, mount_id_of_fd(fd), major(st.st_dev),
			      minor(st.st_dev), out);
	free(text);
	return r;
}
