/* SPDX-License-Identifier: MIT */
/*
 * Memory this library did not map (a libpmemobj pool, QEMU's guest RAM):
 * the kernel's own word on it.  /proc/self/smaps names, for each mapping,
 * whether it is shared and file-backed, and its VmFlags; "sf" is VM_SYNC,
 * which the kernel sets only for a MAP_SYNC mapping it granted.  A page
 * is PM_SYNC (MAP_SYNC on a real device, or device DAX: write-back and a
 * fence make it durable), PM_MSYNC (a shared file mapping: msync makes it
 * durable) or PM_PLAIN (anonymous or private: nothing does).
 *
 * The answer is kept in the address table, so only the first persist of
 * a range, and pmem_is_pmem() (which reads afresh), read /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm.h"

#define CHUNK (1ULL << PM_CHUNK_SHIFT)

struct vma {
	uintptr_t start, end;
	enum pm_kind kind;
};

/* The whole of /proc/self/smaps, NUL-terminated (free it). */
static char *read_smaps(void)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *grown;
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (cap - len < 4096) {
			grown = realloc(buf, cap * 2);
			if (!grown)
				goto fail;
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* A mapping's header line: "start-end perms offset major:minor inode path". */
static bool parse_header(const char *line, struct vma *v, bool *shared_file,
			 unsigned *major, bool *devdax)
{
	unsigned long long s, e, off, ino;
	unsigned maj, min;
	char perms[8];
	int used = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &s, &e, perms, &off,
		   &maj, &min, &ino, &used) < 7)
		return false;
	v->start = (uintptr_t)s;
	v->end = (uintptr_t)e;
	*major = maj;
	*shared_file = perms[3] == 's' && ino != 0;
	while (line[used] == ' ')
		used++;
	*devdax = strncmp(line + used, "/dev/dax", 8) == 0;
	return true;
}

static bool has_sf(const char *flags)
{
	for (const char *p = flags; (p = strstr(p, "sf")) != NULL; p += 2)
		if ((p == flags || p[-1] == ' ') && (p[2] == ' ' || p[2] == '\n' || !p[2]))
			return true;
	return false;
}

/*
 * Call fn for each mapping that overlaps [lo, hi), with its kind.  "sf"
 * on a file system without a device (tmpfs accepts MAP_SYNC and shows
 * "sf") is not taken as persistent memory.
 */
static int each_vma(uintptr_t lo, uintptr_t hi,
		    int (*fn)(void *arg, const struct vma *v), void *arg)
{
	char *buf = read_smaps(), *line, *next;
	struct vma cur = { 0 };
	bool have = false, shared = false, devdax = false;
	unsigned major = 0;
	int r = 0;

	if (!buf)
		return -errno ? -errno : -ENOMEM;
	for (line = buf; *line && r == 0; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (strncmp(line, "VmFlags:", 8) == 0) {
			if (!have)
				continue;
			if (devdax || (has_sf(line + 8) && major != 0))
				cur.kind = PM_SYNC;
			else
				cur.kind = shared ? PM_MSYNC : PM_PLAIN;
			if (cur.end > lo && cur.start < hi)
				r = fn(arg, &cur);
			have = false;
		} else if (line[0] != ' ' && strchr(line, '-') &&
			   parse_header(line, &cur, &shared, &major, &devdax)) {
			have = true;
		}
	}
	free(buf);
	return r;
}

struct learn {
	uintptr_t lo, hi;
	int err;
};

static int learn_one(void *arg, const struct vma *v)
{
	struct learn *l = arg;
	uintptr_t s = v->start > l->lo ? v->start : l->lo;
	uintptr_t e = v->end < l->hi ? v->end : l->hi;

	return pm_reg_set(s, e, v->kind, true);
}

int pm_foreign_learn(uintptr_t start, uintptr_t end)
{
	struct learn l;
	int r;

	l.lo = start & ~(uintptr_t)(CHUNK - 1);
	l.hi = end > UINTPTR_MAX - CHUNK ? end : (end + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1);
	pm_reg_lock();
	/* What was learnt before may be stale: forget it, keep the mappings. */
	r = pm_reg_set(l.lo, l.hi, PM_UNKNOWN, true);
	if (r == 0)
		r = each_vma(l.lo, l.hi, learn_one, &l);
	pm_reg_unlock();
	return r;
}

struct cover {
	uintptr_t next;	/* first byte not yet covered by a durable mapping */
	bool ok;
};

static int cover_one(void *arg, const struct vma *v)
{
	struct cover *c = arg;

	/* smaps lists mappings in address order: a gap is a hole. */
	if (v->start > c->next || v->kind == PM_PLAIN)
		c->ok = false;
	if (v->end > c->next)
		c->next = v->end;
	return c->ok ? 0 : 1;
}

int pm_foreign_durable(uintptr_t start, uintptr_t end)
{
	struct cover c = { start, true };
	int r = each_vma(start, end, cover_one, &c);

	if (r < 0)
		return r;
	return c.ok && c.next >= end;
}
