/* SPDX-License-Identifier: MIT */
/* tree.c: /sys and /proc, read under a root tests can redirect. */
#ifndef SYNCMAP_TREE_H
#define SYNCMAP_TREE_H

#include <stdbool.h>
#include <stddef.h>

/* sysfs paths are far shorter than PATH_MAX; a longer one is "unknown". */
#define SM_SYSFS_MAX 512

/* Read a small text file of the tree (newline cut); -errno. */
int sm_tree_read(const char *path, char *buf, size_t size);
/* Read a whole text file of the tree into a new buffer. */
int sm_tree_read_all(const char *path, char **out);
/* The canonical path (root stripped) of a tree path, into out. */
int sm_tree_resolve(const char *path, char *out, size_t size);
/* Call fn for each entry of a tree directory, until it returns non-zero. */
int sm_tree_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg);
/* dir + "/" + name into out; false if it does not fit. */
bool sm_tree_join(char *out, size_t size, const char *dir, const char *name);
/* The attribute name under the tree directory dir; "" and -errno when
 * it cannot be read. */
int sm_tree_attr(const char *dir, const char *name, char *buf, size_t size);
/* The same as a non-negative number (decimal or 0x hex); -1 unknown. */
long long sm_tree_attr_number(const char *dir, const char *name);
/* Write a tree attribute (deep_flush). */
int sm_tree_write(const char *path, const char *text);
/* Tests only: read the tree under root (NULL: the real one), and tell fn
 * every path read ('r'), resolved ('l') or listed ('d'). */
void sm_tree_set_root(const char *root);
void sm_tree_set_trace(void (*fn)(char kind, const char *path));

#endif
