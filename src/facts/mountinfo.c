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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mountinfo.h"

#define MOUNTINFO_FIELDS_MAX 64

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
/* The same on the first n bytes of opts. */
static enum sm_dax_opt dax_opt_parse_n(const char *opts, size_t n)
{
	enum sm_dax_opt d = SM_DAX_OPT_NONE;
	const char *p = opts, *stop = opts + n;

	while (p && p < stop) {
		const char *end = memchr(p, ',', (size_t)(stop - p));
		size_t len = end ? (size_t)(end - p) : (size_t)(stop - p);

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

enum sm_dax_opt sm_dax_opt_parse(const char *opts)
{
	return opts ? dax_opt_parse_n(opts, strlen(opts)) : SM_DAX_OPT_NONE;
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
	/* Options hold no escapes the dax option could contain. */
	if (sep + 3 < n)
		out->dax = dax_opt_parse_n(start[sep + 3], len[sep + 3]);
	return 0;
}

/* The mount id and device of a line, without parsing the rest. */
static bool line_ids(const char *line, int *id, unsigned *major, unsigned *minor)
{
	char *end;
	long v;

	v = strtol(line, &end, 10);
	if (end == line || *end != ' ' || v < 0 || v > INT32_MAX)
		return false;
	*id = (int)v;
	/* Skip the parent id. */
	line = strchr(end + 1, ' ');
	return line && sscanf(line + 1, "%u:%u", major, minor) == 2;
}

int sm_mountinfo_find(const char *text, int mount_id, unsigned major,
		      unsigned minor, struct sm_mount *out)
{
	const char *line = text, *best = NULL;
	unsigned maj, min;
	int id;

	while (line && *line) {
		if (line_ids(line, &id, &maj, &min)) {
			if (mount_id >= 0 && id == mount_id) {
				best = line;
				break;
			}
			if (maj == major && min == minor)
				best = line;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return best ? sm_mountinfo_parse_line(best, out) : -ENOENT;
}
