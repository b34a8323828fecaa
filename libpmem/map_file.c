/* SPDX-License-Identifier: MIT */
/*
 * pmem_map_file() and pmem_unmap(): libpmem's rules for the arguments,
 * libsyncmap's open for the mapping, and the address table for every
 * later handle-less call.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm.h"

#define PAGE (1UL << PM_PAGE_SHIFT)

static void *fail(int err, const char *fmt, const char *arg)
{
	pm_msg(fmt, arg);
	errno = err;
	return NULL;
}

static int bad(const char *what)
{
	pm_msg("pmem_map_file: %s", what);
	errno = EINVAL;
	return -1;
}

/* libpmem's argument rules; the flags libsyncmap gets, or -1. */
static int check_args(const char *path, size_t *len, int *flags, unsigned *sflags)
{
	struct stat st;

	if (*flags & ~PM_FILE_ALL)
		return bad("unknown flags; the valid ones are PMEM_FILE_CREATE, _EXCL, _SPARSE and _TMPFILE");
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
		/* Device DAX: CREATE and SPARSE are ignored, the length is
		 * the device's (0, or exactly its size: checked after the
		 * open, which knows the size). */
		if (*flags & ~(PM_FILE_CREATE | PM_FILE_SPARSE))
			return bad("on a character device (device DAX) only PMEM_FILE_CREATE "
				   "and PMEM_FILE_SPARSE are accepted, and ignored");
		*flags = 0;
		*sflags = 0;
		return 1;
	}
	if ((*flags & PM_FILE_CREATE) && (off_t)*len < 0)
		return bad("length is too large for a file");
	if (*len != 0 && !(*flags & PM_FILE_CREATE))
		return bad("a non-zero length needs PMEM_FILE_CREATE; "
			    "pass 0 to map the whole existing file");
	if (*len == 0 && (*flags & PM_FILE_CREATE))
		return bad("PMEM_FILE_CREATE needs a non-zero length");
	if ((*flags & PM_FILE_TMPFILE) && !(*flags & PM_FILE_CREATE))
		return bad("PMEM_FILE_TMPFILE needs PMEM_FILE_CREATE");
	*sflags = 0;
	if (*flags & PM_FILE_CREATE)
		*sflags |= SYNCMAP_CREATE | SYNCMAP_RESIZE;
	/* Without CREATE, EXCL does nothing, as O_EXCL without O_CREAT. */
	if ((*flags & PM_FILE_EXCL) && (*flags & PM_FILE_CREATE))
		*sflags |= SYNCMAP_EXCL;
	if (*flags & PM_FILE_SPARSE)
		*sflags |= SYNCMAP_SPARSE;
	return 0;
}

/* An unnamed file in the directory path, as O_TMPFILE makes it. */
static int open_tmpfile(const char *dir, int flags, mode_t mode, size_t len,
			unsigned sflags, struct syncmap **m)
{
	int excl = (flags & PM_FILE_EXCL) ? O_EXCL : 0;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC | excl, mode);
	int r;

	if (fd < 0)
		return -errno;
	r = syncmap_open_fd(fd, 0, len, sflags & ~(SYNCMAP_CREATE | SYNCMAP_EXCL), m);
	close(fd);
	return r;
}

static void explain_failure(const char *path, int r)
{
	const char *advice = syncmap_last_advice();

	if (r == -ENOENT)
		pm_msg("pmem_map_file %s: %s; pass PMEM_FILE_CREATE and a length to create it",
		       path, strerror(-r));
	else if (advice && *advice)
		pm_msg("pmem_map_file %s: %s (cause %s)", path, advice,
		       syncmap_cause_name(syncmap_last_cause()));
	else
		pm_msg("pmem_map_file %s: %s", path, strerror(-r));
}

/* Why a mapping is not MAP_SYNC, in this thread's message. */
static void explain_path(const char *path, struct syncmap *m)
{
	enum syncmap_path sp = syncmap_path(m);

	if (sp == SYNCMAP_PATH_MAP_SYNC)
		return;
	pm_msg("%s is not mapped with MAP_SYNC (path %s, cause %s): %s%s", path,
	       syncmap_path_name(sp), syncmap_cause_name(syncmap_cause(m)), syncmap_advice(m),
	       sp == SYNCMAP_PATH_PAGE ? "; pmem_persist() makes ranges durable with msync" :
	       sp == SYNCMAP_PATH_JOURNAL ? "; pmem_persist() makes ranges durable through "
					    "the sidecar journal" : "");
}

static struct pm_map *track(struct syncmap *m)
{
	enum syncmap_path sp = syncmap_path(m);
	bool strict = syncmap_cause(m) == SYNCMAP_CAUSE_STRICT_MODE;
	struct pm_map *p;
	uintptr_t a = (uintptr_t)syncmap_addr(m);

	pm_reg_lock();
	p = pm_map_alloc();
	if (p) {
		p->m = m;
		p->start = a;
		p->end = a + syncmap_length(m);
		p->cpu = (sp == SYNCMAP_PATH_MAP_SYNC || sp == SYNCMAP_PATH_FORCED) && !strict;
		p->durable = sp == SYNCMAP_PATH_MAP_SYNC || sp == SYNCMAP_PATH_PAGE ||
			     sp == SYNCMAP_PATH_JOURNAL;
		p->fence_only = p->cpu && pm_env.no_flush == 1;
		p->insn = syncmap_insn(m);
		/* PMEM_NO_FLUSH=1 leaves the lines unflushed; on the byte
		 * path (insn NONE) a fence suffices: no loop for either. */
		p->wb_copy = p->cpu && !p->fence_only ? pm_cpu_lines(p->insn, true) : NULL;
		p->wb_set = p->wb_copy ? pm_cpu_lines(p->insn, false) : NULL;
		p->live_pages = (syncmap_length(m) + PAGE - 1) / PAGE;
		if (pm_reg_set(p->start, p->end, (uintptr_t)p, false) < 0) {
			pm_reg_clear_map(p->start, p->end, p);
			pm_map_release(p);
			p = NULL;
		}
	}
	pm_reg_unlock();
	return p;
}

PM_EXPORT void *pmem_map_file(const char *path, size_t len, int flags, mode_t mode,
			      size_t *mapped_lenp, int *is_pmemp)
{
	struct syncmap *m = NULL;
	unsigned sflags;
	int devdax, r;
	void *addr;

	if (!path)
		return fail(EINVAL, "pmem_map_file: no path given%s", "");
	devdax = check_args(path, &len, &flags, &sflags);
	if (devdax < 0)
		return NULL;
	if (pm_env.journal && !devdax)
		sflags |= SYNCMAP_JOURNAL;
	mode &= 07777;
	if (flags & PM_FILE_TMPFILE)
		r = open_tmpfile(path, flags, mode, len, sflags, &m);
	else
		r = syncmap_open(path, sflags, mode, devdax ? 0 : len, &m);
	if (r < 0) {
		explain_failure(path, r);
		errno = -r;
		return NULL;
	}
	if (devdax && len != 0 && len != syncmap_length(m)) {
		syncmap_close(m);
		return fail(EINVAL, "pmem_map_file: the length of device DAX %s must be 0 or "
			    "exactly the device's size", path);
	}
	addr = syncmap_addr(m);
	if (!track(m)) {
		syncmap_close(m);
		return fail(ENOMEM, "pmem_map_file %s: no memory for the address table", path);
	}
	explain_path(path, m);
	/* As libpmem leaves it after MAP_SYNC was refused: fio prints it
	 * when it declines a mapping. */
	if (syncmap_path(m) != SYNCMAP_PATH_MAP_SYNC)
		errno = EOPNOTSUPP;
	if (mapped_lenp)
		*mapped_lenp = syncmap_length(m);
	if (is_pmemp)
		*is_pmemp = pmem_is_pmem(addr, syncmap_length(m));
	return addr;
}

/* The part [a, end) of p goes: the whole mapping when nothing is left. */
static int unmap_part(struct pm_map *p, uintptr_t a, uintptr_t end)
{
	bool whole = a <= p->start && end >= ((p->end + PAGE - 1) & ~(PAGE - 1));
	struct syncmap *m;
	size_t n;

	if (!whole && !p->cpu && syncmap_path(p->m) != SYNCMAP_PATH_PAGE) {
		pm_msg("pmem_unmap: part of a mapping on the journaled path or in strict "
		       "mode cannot be unmapped; unmap all of it (%p, %zu bytes)",
		       (void *)p->start, (size_t)(p->end - p->start));
		return -EINVAL;
	}
	n = pm_reg_clear_map(a, end, p);
	p->live_pages = n < p->live_pages ? p->live_pages - n : 0;
	if (p->live_pages > 0) {
		/* Keep the address range reserved until the mapping closes,
		 * so its final munmap cannot hit someone else's memory. */
		void *r = mmap((void *)a, end - a, PROT_NONE,
			       MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		return r == MAP_FAILED ? -errno : 0;
	}
	pthread_mutex_lock(&p->lock);
	m = p->m;
	p->m = NULL;
	pthread_mutex_unlock(&p->lock);
	pm_map_release(p);
	return syncmap_close(m);
}

static int unmap_foreign(uintptr_t a, uintptr_t end)
{
	pm_reg_set(a, end, PM_UNKNOWN, true);
	return munmap((void *)a, end - a) < 0 ? -errno : 0;
}

PM_EXPORT int pmem_unmap(void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, end, stop;
	int r = 0, r1;

	if (len == 0 || (a & (PAGE - 1)) || len > UINTPTR_MAX - a - PAGE) {
		pm_msg("pmem_unmap: the address must be page-aligned and the length non-zero");
		errno = EINVAL;
		return -1;
	}
	end = (a + len + PAGE - 1) & ~(PAGE - 1);
	pm_reg_lock();
	while (a < end) {
		uintptr_t e = pm_lookup_span(a, end, &stop), run = stop;

		if (pm_is_map(e)) {
			struct pm_map *p = (struct pm_map *)e;

			run = (p->end + PAGE - 1) & ~(PAGE - 1);
			run = run < end ? run : end;
			r1 = unmap_part(p, a, run);
		} else {
			while (run < end && !pm_is_map(pm_lookup(run)))
				pm_lookup_span(run, end, &run);
			r1 = unmap_foreign(a, run);
		}
		if (r1 < 0 && r == 0)
			r = r1;
		a = run;
	}
	pm_reg_unlock();
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
