/* SPDX-License-Identifier: MIT */
/*
 * What the probe gathers before it writes a fact: the target opened (a
 * file, a device DAX, or the directory of a path not created yet), the
 * kernel's answers to a trial mapping of it, made and removed without
 * touching a page, as open asks them (map.c), and what only the report
 * needs (the kernel release, libndctl's view, libcxl's health of a CXL
 * memory device, bad blocks).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "chain.h"
#include "log.h"
#include "map.h"
#include "probe.h"
#include "sys.h"

static const char *trial_word(int r)
{
	switch (r) {
	case 0: return "granted";
	case -EOPNOTSUPP: return "refused with EOPNOTSUPP";
	case -EINVAL: return "refused with EINVAL";
	case -EACCES: return "refused with EACCES";
	case -ENODEV: return "refused with ENODEV";
	case -ENOMEM: return "failed with ENOMEM";
	}
	return strerror(-r);
}

/* Map len bytes as asked and unmap at once; no page is touched. */
static int trial_map(int fd, size_t len, int prot, int flags)
{
	void *addr;
	int r = sm_sys_mmap(NULL, len, prot, flags, fd, 0, &addr);

	if (r == 0)
		sm_sys_munmap(addr, len);
	return r;
}

/* The kernel's answers, as map.c asks them: MAP_SYNC, then after an
 * EINVAL a plain mapping; and, for the report, MAP_SHARED_VALIDATE. */
static void ask(struct sm_trial *t, int fd, size_t len, bool writable)
{
	int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;

	t->len = len;
	t->plain = SM_NOT_TRIED;
	t->sync = trial_map(fd, len, prot, MAP_SHARED_VALIDATE | MAP_SYNC);
	if (t->sync == -EINVAL)
		t->plain = trial_map(fd, len, prot, MAP_SHARED);
	t->validate = sm_validate_known();
}

static size_t trial_length(const struct sm_gather *g)
{
	if (g->facts.target == SM_TARGET_DEVDAX && g->facts.devdax_align > 0)
		return (size_t)g->facts.devdax_align;
	return (size_t)sm_page_size();
}

/* A file that does not exist yet: what would one created there get? */
static void trial_new_file(struct sm_gather *g)
{
	int fd = sm_sys_openat(g->fd, ".", O_TMPFILE | O_RDWR, 0600);

	if (fd < 0) {
		g->trial.sync = fd;
		g->trial.plain = g->trial.validate = SM_NOT_TRIED;
		g->trial.len = 0;
		snprintf(g->trial_note, sizeof(g->trial_note),
			 "no unnamed temporary file could be created in %s (%s)",
			 g->dir, strerror(-fd));
		return;
	}
	ask(&g->trial, fd, (size_t)sm_page_size(), true);
	snprintf(g->trial_note, sizeof(g->trial_note),
		 "MAP_SYNC mapping of a new unnamed file in %s %s", g->dir,
		 trial_word(g->trial.sync));
	sm_sys_close(fd);
}

void sm_probe_run_trial(struct sm_gather *g)
{
	if (g->facts.target == SM_TARGET_NEW_FILE) {
		trial_new_file(g);
		return;
	}
	ask(&g->trial, g->fd, trial_length(g), g->writable);
	snprintf(g->trial_note, sizeof(g->trial_note), "MAP_SYNC mapping %s%s",
		 trial_word(g->trial.sync),
		 g->writable ? "" : " (read-only trial: the file is not writable)");
}

static int open_new_file_dir(const char *path, struct sm_gather *g)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	int r;

	if (!slash)
		snprintf(g->dir, sizeof(g->dir), ".");
	else if (slash == path)
		snprintf(g->dir, sizeof(g->dir), "/");
	else
		snprintf(g->dir, sizeof(g->dir), "%.*s", (int)(slash - path), path);
	r = sm_sys_stat(g->dir, &st);
	if (r == -ENOENT)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "%s does not exist, and neither does its directory %s",
			       path, g->dir);
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r == 0)
		r = sm_sys_open(g->dir, O_RDONLY | O_DIRECTORY, 0);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "%s does not exist, and its directory %s cannot be examined: %s",
			       path, g->dir, strerror(-r));
	g->fd = r;
	return 0;
}

static int check_type(const char *path, const struct stat *st)
{
	uint64_t size, align;

	if (S_ISDIR(st->st_mode))
		return sm_fail(-EISDIR, SYNCMAP_CAUSE_ERROR,
			       "%s is a directory; probe a file in it instead (it need not "
			       "exist yet: %s/NEWFILE tells what a new file there would get)",
			       path, path);
	if (S_ISCHR(st->st_mode)) {
		if (sm_devdax_geometry(st->st_rdev, &size, &align) < 0)
			return sm_fail(-ENODEV, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
				       "%s is a character device but not a device DAX", path);
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "%s is neither a regular file nor a device DAX", path);
	return 0;
}

/* Open what the path names; g->writable says whether O_RDWR worked. */
int sm_probe_open_target(const char *path, struct sm_gather *g)
{
	struct stat st;
	int r = sm_sys_stat(path, &st);

	g->writable = true;
	if (r == -ENOENT)
		return open_new_file_dir(path, g);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot examine %s: %s", path,
			       strerror(-r));
	r = check_type(path, &st);
	if (r < 0)
		return r;
	r = sm_sys_open(path, O_RDWR, 0);
	if (r == -EACCES || r == -EROFS || r == -EPERM || r == -ETXTBSY) {
		g->writable = false;
		r = sm_sys_open(path, O_RDONLY, 0);
	}
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot open %s: %s", path,
			       strerror(-r));
	g->fd = r;
	return 0;
}

/* What only the report needs. */
void sm_probe_gather_extras(struct sm_gather *g)
{
	const struct sm_chain *c = &g->facts.chain;

	sm_sys_uname_release(g->release, sizeof(g->release));
	g->ndctl_err = sm_ndctl_describe(c, &g->ndctl);
	g->cxl_health.err = -ENODEV;
	g->cxl_health.dirty_shutdown = g->cxl_health.life_used = -1;
	if (c->cxl.found)
		sm_cxl_health(c, &g->cxl_health);
	sm_chain_badblocks(g->facts.target == SM_TARGET_FILE ? g->fd : -1, c,
			   &g->badblocks, &g->badblocks_in_file);
}
