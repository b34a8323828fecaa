/* SPDX-License-Identifier: MIT */
/*
 * /sys and /proc as the library reads them: small text files, links that
 * lead from a device number to its canonical sysfs directory, and
 * directory listings.  Every path is given as the kernel names it
 * ("/sys/dev/block/259:0"); tests redirect the whole tree under a root
 * directory holding one captured from a real machine, and can trace what
 * is read, which is how those captures are made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"
#include "tree.h"

#define READ_ALL_INITIAL (64u << 10)
#define READ_ALL_LIMIT (16u << 20)

/* Set only by tests, before any other thread calls the library. */
static const char *tree_root = "";
static void (*tree_trace)(char kind, const char *path);

void sm_tree_set_root(const char *root)
{
	tree_root = root ? root : "";
}

void sm_tree_set_trace(void (*fn)(char kind, const char *path))
{
	tree_trace = fn;
}

/* root + path into out; -ENAMETOOLONG if it does not fit. */
static int rooted(const char *path, char *out, size_t size)
{
	int n = snprintf(out, size, "%s%s", tree_root, path);

	return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static void trace(char kind, const char *path)
{
	if (tree_trace)
		tree_trace(kind, path);
}

int sm_tree_read(const char *path, char *buf, size_t size)
{
	char full[SM_SYSFS_MAX];
	int r = rooted(path, full, sizeof(full));

	if (r < 0)
		return r;
	trace('r', path);
	return sm_sys_read_text(full, buf, size);
}

int sm_tree_read_all(const char *path, char **out)
{
	char full[SM_SYSFS_MAX];
	size_t size = READ_ALL_INITIAL;
	int r = rooted(path, full, sizeof(full));

	if (r < 0)
		return r;
	trace('r', path);
	/* Grow until a read leaves room to spare (mountinfo in a container
	 * can be long). */
	while (size <= READ_ALL_LIMIT) {
		char *buf = malloc(size);

		if (!buf)
			return -ENOMEM;
		r = sm_sys_read_text(full, buf, size);
		if (r >= 0 && (size_t)r + 1 < size - 4096) {
			*out = buf;
			return r;
		}
		free(buf);
		if (r < 0)
			return r;
		size *= 4;
	}
	return -EFBIG;
}

int sm_tree_resolve(const char *path, char *out, size_t size)
{
	char full[SM_SYSFS_MAX], *real;
	size_t rl = strlen(tree_root);
	int r = rooted(path, full, sizeof(full));

	if (r < 0)
		return r;
	trace('l', path);
	r = sm_sys_realpath(full, &real);
	if (r < 0)
		return r;
	/* A link that leads out of the captured tree is not followed. */
	if (strncmp(real, tree_root, rl) || (real[rl] != '/' && real[rl] != '\0'))
		r = -EXDEV;
	else if (snprintf(out, size, "%s", real + rl) >= (int)size)
		r = -ENAMETOOLONG;
	free(real);
	return r;
}

int sm_tree_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg)
{
	char full[SM_SYSFS_MAX];
	int r = rooted(dir, full, sizeof(full));

	if (r < 0)
		return r;
	trace('d', dir);
	return sm_sys_list_dir(full, fn, arg);
}

/* dir + "/" + name into out; false if it does not fit. */
bool sm_tree_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	return n >= 0 && (size_t)n < size;
}

int sm_tree_attr(const char *dir, const char *name, char *buf, size_t size)
{
	char path[SM_SYSFS_MAX];
	int r = sm_tree_join(path, sizeof(path), dir, name) ?
		sm_tree_read(path, buf, size) : -ENAMETOOLONG;

	if (r < 0)
		buf[0] = '\0';
	return r;
}

long long sm_tree_attr_number(const char *dir, const char *name)
{
	char buf[64], *end;
	long long v;

	if (sm_tree_attr(dir, name, buf, sizeof(buf)) <= 0)
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 0);
	return (*end == '\0' && v >= 0 && !errno) ? v : -1;
}

int sm_tree_write(const char *path, const char *text)
{
	char full[SM_SYSFS_MAX];
	int r = rooted(path, full, sizeof(full));

	return r < 0 ? r : sm_sys_write_text(full, text);
}
